/**
 * The subscription and ticket built-ins through the real app: the Stripe simulator cancels or
 * resumes a subscription and the Zendesk simulator solves a ticket, each sending its own signed
 * webhook; the app verifies, stores and applies it, and the automation worker sets the CRM
 * contact's subscription status in the CRM simulator under test (PORTICO_TEST_CRM), leaves an
 * internal note on the customer's open tickets in the Zendesk simulator, or emails the customer
 * through the SMTP simulator. Every assertion reads the systems themselves.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startSmtpSimulator, type SmtpSimulator } from '../../sim/smtp/index.js';
import { startTestApp, TEST_CRM, type TestApp } from '../helpers/app.js';
import { salesforceToken } from '../helpers/crm.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { post, SECRETS, stripeHeader, waitFor, WEBHOOK_ENV, zendeskHeaders } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let smtp: SmtpSimulator;
let t: TestApp;

const targets = () => ({
  stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] },
  zendesk: { url: `${t.url}/webhooks/zendesk`, secret: SECRETS.zendesk },
});

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  smtp = await startSmtpSimulator();
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'autolife',
      SMTP_URL: smtp.url,
      EMAIL_FROM: 'Acme Support <support@acme.example>',
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '100',
      EVENT_ATTEMPTS: '4',
      ...WEBHOOK_ENV,
    },
  });
  sims.webhooks.configure(targets());
});
after(async () => {
  await t?.close();
  await sims?.close();
  await smtp?.close();
  await redis?.stop();
});

const UNSOLVED = ['new', 'open', 'pending', 'hold'];

/** A customer with a live subscription not set to end, an unsolved ticket and a solved one; one per test. */
let next = 0;
function subscriber() {
  const list = sims.data.customers.filter(
    (c) =>
      c.subscription?.status === 'active' &&
      !c.subscription.cancel_at_period_end &&
      c.tickets.some((x) => UNSOLVED.includes(x.status)) &&
      c.tickets.some((x) => x.status === 'solved' || x.status === 'closed'),
  );
  const c = list[next++];
  assert.ok(c, 'the seed has another such customer');
  return { crmId: c.crmId, subscriptionId: c.subscription!.id, tickets: c.tickets };
}

const stripeAuth = () => ({ authorization: `Bearer ${sims.credentials.stripeSecretKey}` });
const zendeskAuth = () => ({
  authorization: `Basic ${Buffer.from(`${sims.credentials.zendeskEmail}/token:${sims.credentials.zendeskApiToken}`).toString('base64')}`,
});

/** Sets or clears cancel-at-period-end in the Stripe simulator (it sends customer.subscription.updated). */
async function cancelAtPeriodEnd(id: string, cancel: boolean) {
  const res = await fetch(`${sims.urls.stripe}/v1/subscriptions/${id}`, {
    method: 'POST',
    headers: { ...stripeAuth(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ cancel_at_period_end: String(cancel) }).toString(),
  });
  assert.equal(res.status, 200);
  return (await res.json()) as Record<string, unknown>;
}

/** Every comment of a ticket in Zendesk, internal notes included. */
async function commentsOf(ticketId: number) {
  const res = await fetch(`${sims.urls.zendesk}/api/v2/tickets/${ticketId}/comments`, { headers: zendeskAuth() });
  assert.equal(res.status, 200);
  return ((await res.json()) as { comments: { body: string; public: boolean }[] }).comments;
}
const notesOf = async (ticketId: number) => (await commentsOf(ticketId)).filter((c) => !c.public && c.body.startsWith('Portico:'));

/** The subscription status as the CRM under test holds it, in Portico's words. */
async function crmStatusOf(crmId: string): Promise<string | null> {
  if (TEST_CRM === 'salesforce') {
    const token = await salesforceToken(sims);
    const res = await fetch(
      `${sims.urls.salesforce}/services/data/v62.0/sobjects/Contact/${sims.salesforce.contactId(crmId)}?fields=Portico_Subscription_Status__c`,
      { headers: { authorization: `Bearer ${token}` } },
    );
    assert.equal(res.status, 200);
    const v = ((await res.json()) as Record<string, string | null>).Portico_Subscription_Status__c;
    return v ? v.toUpperCase() : null;
  }
  const res = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/${crmId}?properties=portico_subscription_status`, {
    headers: { authorization: `Bearer ${sims.credentials.hubspotToken}` },
  });
  assert.equal(res.status, 200);
  const v = ((await res.json()) as { properties: Record<string, string | null> }).properties.portico_subscription_status;
  return v ? v.toUpperCase() : null;
}

/** Waits until no webhook job or automation run is waiting, running or retrying; returns the automation counts. */
async function settled() {
  const q = t.app.automations.queue!;
  const queues = [t.app.events.queues.stripe, t.app.events.queues.zendesk, q];
  const busy = async () => {
    let n = 0;
    for (const x of queues) {
      const c = await x.counts();
      n += c.waiting + c.active + c.delayed;
    }
    return n;
  };
  await waitFor('the webhook jobs and automation runs to settle', async () => {
    await sims.webhooks.idle();
    // Twice: a webhook job adds its runs before it completes.
    return (await busy()) + (await busy()) === 0;
  });
  return q.counts();
}

/** The last event the simulator sent for a system. */
const lastDelivery = (system: 'stripe' | 'zendesk') =>
  sims.webhooks
    .deliveries()
    .filter((x) => x.system === system)
    .at(-1)!;

const unsolvedOf = (tickets: { id: number; status: string }[]) => tickets.filter((x) => UNSOLVED.includes(x.status)).map((x) => x.id);
const solvedOf = (tickets: { id: number; status: string }[]) => tickets.filter((x) => !UNSOLVED.includes(x.status)).map((x) => x.id);

describe('subscription canceled or resumed', () => {
  test('canceled at period end: the CRM shows CANCELING, each open ticket one internal note, solved ones none; 10 redeliveries change nothing', async () => {
    const { crmId, subscriptionId, tickets } = subscriber();
    const before = await settled();
    const sub = await cancelAtPeriodEnd(subscriptionId, true);
    assert.equal(sub.cancel_at_period_end, true);
    const c = await settled();
    assert.equal(c.processed, before.processed + 1, 'one run');
    assert.equal(c.dead, before.dead);
    assert.equal(await crmStatusOf(crmId), 'CANCELING');
    for (const id of unsolvedOf(tickets)) {
      const notes = await notesOf(id);
      assert.equal(notes.length, 1, `one note on ticket ${id}`);
      assert.match(notes[0].body, /canceled their subscription.*; it ends on \d{4}-\d{2}-\d{2}\./);
    }
    for (const id of solvedOf(tickets)) assert.deepEqual(await notesOf(id), [], `no note on solved ticket ${id}`);
    // The customer never sees the note: their tickets' comments as Portico serves them.
    const mine = await t.gql('{ me { tickets(first: 50) { nodes { id comments { body } } } } }', { token: t.token('customer', crmId) });
    assert.equal(mine.body.errors, undefined, JSON.stringify(mine.body.errors));
    for (const n of mine.body.data.me.tickets.nodes as { comments: { body: string }[] }[])
      for (const cm of n.comments) assert.doesNotMatch(cm.body, /^Portico:/);

    // Stripe delivers the same event again, 10 times at once (same id, signed anew): nothing more.
    const d = lastDelivery('stripe');
    const payload = JSON.stringify({
      id: d.eventIds[0],
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      type: 'customer.subscription.updated',
      data: { object: sub, previous_attributes: { cancel_at_period_end: false } },
    });
    const answers = await Promise.all(
      Array.from({ length: 10 }, () => post(`${t.url}/webhooks/stripe`, payload, { 'stripe-signature': stripeHeader(payload) })),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(10).fill(200),
    );
    const after = await settled();
    assert.equal(after.processed, c.processed, 'no further run');
    for (const id of unsolvedOf(tickets)) assert.equal((await notesOf(id)).length, 1);
  });

  test('resumed: the CRM back to ACTIVE and a second note saying so; canceled at once: CANCELED', async () => {
    const { crmId, subscriptionId, tickets } = subscriber();
    await cancelAtPeriodEnd(subscriptionId, true);
    await settled();
    assert.equal(await crmStatusOf(crmId), 'CANCELING');
    await cancelAtPeriodEnd(subscriptionId, false);
    await settled();
    assert.equal(await crmStatusOf(crmId), 'ACTIVE');
    const [first] = unsolvedOf(tickets);
    const notes = await notesOf(first);
    assert.equal(notes.length, 2);
    assert.match(notes[1].body, /resumed their subscription/);

    const res = await fetch(`${sims.urls.stripe}/v1/subscriptions/${subscriptionId}`, { method: 'DELETE', headers: stripeAuth() });
    assert.equal(res.status, 200);
    await settled();
    assert.equal(await crmStatusOf(crmId), 'CANCELED');
    const last = (await notesOf(first)).at(-1)!;
    assert.match(last.body, /has been canceled/);
  });

  test('out of order (resumed delivered before canceled): the CRM ACTIVE; the late cancellation notes nothing', async () => {
    const { crmId, subscriptionId, tickets } = subscriber();
    // Both changes happen while the webhooks are held back, then arrive in the wrong order.
    sims.webhooks.configure({});
    const canceled = await cancelAtPeriodEnd(subscriptionId, true);
    const resumed = await cancelAtPeriodEnd(subscriptionId, false);
    sims.webhooks.configure(targets());
    const before = await settled();
    const send = async (object: Record<string, unknown>, previous: boolean) => {
      const payload = JSON.stringify({
        id: `evt_order${String(previous)}${subscriptionId}`,
        object: 'event',
        created: Math.floor(Date.now() / 1000),
        type: 'customer.subscription.updated',
        data: { object, previous_attributes: { cancel_at_period_end: previous } },
      });
      assert.equal((await post(`${t.url}/webhooks/stripe`, payload, { 'stripe-signature': stripeHeader(payload) })).status, 200);
      return settled();
    };
    await send(resumed, true);
    assert.equal(await crmStatusOf(crmId), 'ACTIVE');
    const c = await send(canceled, false);
    assert.equal(await crmStatusOf(crmId), 'ACTIVE');
    assert.equal(c.processed, before.processed + 2, 'both runs ended: the resumed one done, the canceled one skipped');
    for (const id of unsolvedOf(tickets)) {
      const notes = await notesOf(id);
      assert.equal(notes.length, 1);
      assert.match(notes[0].body, /resumed/);
    }
  });
});

describe('ticket solved', () => {
  test("an agent solves a customer's ticket: one email to the customer; the same event delivered again sends none", async () => {
    const c = sims.data.customers.find((x) => x.email && x.tickets.some((k) => k.status === 'open' || k.status === 'pending'))!;
    const ticket = c.tickets.find((k) => k.status === 'open' || k.status === 'pending')!;
    const before = await settled();
    const mails = () => smtp.outbox().filter((m) => m.to.includes(c.email));
    const sentBefore = mails().length;
    const res = await fetch(`${sims.urls.zendesk}/api/v2/tickets/${ticket.id}`, {
      method: 'PUT',
      headers: { ...zendeskAuth(), 'content-type': 'application/json' },
      body: JSON.stringify({ ticket: { status: 'solved' } }),
    });
    assert.equal(res.status, 200);
    await waitFor('the email', () => mails().length > sentBefore);
    const after = await settled();
    assert.equal(after.processed, before.processed + 1);
    assert.equal(mails().length, sentBefore + 1);
    const parsed = await simpleParser(mails().at(-1)!.raw);
    assert.equal(parsed.subject, `Your request ${ticket.id} is solved`);
    assert.equal(parsed.headers.get('x-portico-template'), 'ticket-solved');

    // Zendesk delivers the status change again (same id, signed anew), 5 times at once.
    const d = lastDelivery('zendesk');
    const body = JSON.stringify({
      account_id: 10000001,
      detail: { id: String(ticket.id), requester_id: String(c.zendeskUserId), status: 'SOLVED' },
      event: { current: 'SOLVED', previous: ticket.status.toUpperCase() },
      id: d.eventIds[0],
      subject: `zen:ticket:${ticket.id}`,
      time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
      type: 'zen:event-type:ticket.status_changed',
      zendesk_event_version: '2022-11-06',
    });
    const answers = await Promise.all(Array.from({ length: 5 }, () => post(`${t.url}/webhooks/zendesk`, body, zendeskHeaders(body))));
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(5).fill(200),
    );
    const again = await settled();
    assert.equal(again.processed, after.processed);
    assert.equal(mails().length, sentBefore + 1);
  });
});
