/**
 * Vendor webhooks over real HTTP into a real queue on a real redis-server: each vendor's
 * signature scheme (valid, and every way of being wrong), dedupe (concurrent duplicates, a
 * HubSpot batch with a duplicate inside), and what an event does: the exact cache keys dropped,
 * so the next dashboard calls only the system that changed. The simulators send the events
 * themselves when their data changes through their API.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { DASHBOARD, startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import {
  changesFor,
  hubspotEvent,
  hubspotHeaders,
  metric,
  post,
  redisClient,
  SECRETS,
  stripeEvent,
  stripeHeader,
  waitFor,
  WEBHOOK_ENV,
  zendeskEvent,
  zendeskHeaders,
} from '../helpers/webhooks.js';

const PREFIX = 'whtest';
let redis: TestRedis;
let sims: Simulators;
let t: TestApp;
let r: Redis;
const ada = () => sims.data.customers.find((c) => c.crmId === '1001')!;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: PREFIX,
      REDIS_COMMAND_TIMEOUT_MS: '1000',
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '100',
      // These tests measure what one event does to the cache; the automations' own writes
      // (a CRM property, whose HubSpot webhook purges the contact) are test/integration/automations.test.ts's.
      AUTOMATION_PAYMENT_FAILED: 'false',
      AUTOMATION_PAYMENT_SUCCEEDED: 'false',
      AUTOMATION_SUBSCRIPTION_CHANGED: 'false',
      AUTOMATION_TICKET_SOLVED: 'false',
      ...WEBHOOK_ENV,
    },
  });
  r = redisClient(redis.url);
});
after(async () => {
  r?.disconnect();
  await t?.close();
  await sims?.close();
  await redis?.stop();
});

const url = (system: string) => `${t.url}/webhooks/${system}`;
/** Jobs the system's queue holds in any state: a rejected delivery must not change it. */
const stored = async (system: 'stripe' | 'hubspot' | 'zendesk') => {
  const c = await t.app.events.queues[system].counts();
  return c.waiting + c.active + c.delayed + c.dead + c.processed;
};
const processedOnce = async (eventId: string) => {
  await waitFor(`change event of ${eventId}`, async () => (await changesFor(r, PREFIX, eventId)).length > 0);
  return changesFor(r, PREFIX, eventId);
};

describe('Stripe', () => {
  const invoiceEvent = () =>
    stripeEvent('invoice.paid', { id: ada().invoices[0].id, object: 'invoice', customer: ada().stripeCustomerId, status: 'paid' });

  test('a valid event is acknowledged and processed once', async () => {
    const e = invoiceEvent();
    const payload = JSON.stringify(e);
    const res = await post(url('stripe'), payload, { 'stripe-signature': stripeHeader(payload) });
    assert.equal(res.status, 200);
    const changes = await processedOnce(e.id);
    assert.equal(changes.length, 1);
    await waitFor(
      'the processed metric',
      async () => (await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'processed' })) === 1,
    );
    assert.equal(await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'accepted' }), 1);
    assert.deepEqual(changes[0], {
      system: 'stripe',
      eventId: e.id,
      type: 'invoice.paid',
      object: 'invoice',
      objectId: ada().invoices[0].id,
      crmId: '1001',
      purged: ['billing.invoices'],
    });
  });

  test('the second secret of a rotation is accepted, and so is a header with two v1 of which one is valid', async () => {
    const e1 = invoiceEvent();
    const p1 = JSON.stringify(e1);
    assert.equal((await post(url('stripe'), p1, { 'stripe-signature': stripeHeader(p1, SECRETS.stripe[1]) })).status, 200);
    const e2 = invoiceEvent();
    const p2 = JSON.stringify(e2);
    const ts = Math.floor(Date.now() / 1000);
    const good = stripeHeader(p2, SECRETS.stripe[0], ts).split('v1=')[1].split(',')[0];
    const bad = stripeHeader(p2, `whsec_${'x'.repeat(32)}`, ts)
      .split('v1=')[1]
      .split(',')[0];
    assert.equal((await post(url('stripe'), p2, { 'stripe-signature': `t=${ts},v1=${bad},v1=${good}` })).status, 200);
    assert.equal((await processedOnce(e1.id)).length, 1);
    assert.equal((await processedOnce(e2.id)).length, 1);
  });

  test('every bad signature is a 400 that says nothing about why, and nothing is stored', async () => {
    const e = invoiceEvent();
    const payload = JSON.stringify(e);
    const now = Math.floor(Date.now() / 1000);
    const before = await stored('stripe');
    const rejectedBefore = await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'rejected' });
    const cases: [string, string | Buffer, Record<string, string>][] = [
      ['body changed after signing', payload.replace('invoice.paid', 'invoice.voided'), { 'stripe-signature': stripeHeader(payload) }],
      ['timestamp too old', payload, { 'stripe-signature': stripeHeader(payload, SECRETS.stripe[0], now - 301) }],
      ['timestamp in the future', payload, { 'stripe-signature': stripeHeader(payload, SECRETS.stripe[0], now + 400) }],
      ['missing header', payload, {}],
      ['signature of another length', payload, { 'stripe-signature': `t=${now},v1=abc123` }],
      ['wrong secret', payload, { 'stripe-signature': stripeHeader(payload, `whsec_${'w'.repeat(32)}`) }],
      ['not JSON, correctly signed', 'hello', { 'stripe-signature': stripeHeader('hello') }],
    ];
    for (const [why, body, headers] of cases) {
      const res = await post(url('stripe'), body, headers);
      assert.equal(res.status, 400, why);
      assert.deepEqual(JSON.parse(res.body), { error: 'The webhook could not be verified.' }, why);
    }
    assert.equal(await stored('stripe'), before);
    assert.deepEqual(await changesFor(r, PREFIX, e.id), []);
    assert.equal(
      await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'rejected' }),
      rejectedBefore + cases.length,
    );
  });

  test('a body over the size cap is refused with 413 before any check', async () => {
    const big = Buffer.alloc(1_048_577, 'a');
    assert.equal((await post(url('stripe'), big, { 'stripe-signature': 't=1,v1=00' })).status, 413);
  });

  test('the same event 20 times at once: every delivery gets 200, it is processed once', async () => {
    const e = invoiceEvent();
    const payload = JSON.stringify(e);
    const dupBefore = await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'duplicate' });
    const results = await Promise.all(
      Array.from({ length: 20 }, () => post(url('stripe'), payload, { 'stripe-signature': stripeHeader(payload) })),
    );
    assert.deepEqual(
      results.map((x) => x.status),
      Array(20).fill(200),
    );
    await processedOnce(e.id);
    await waitFor('the job to complete', async () => (await t.app.events.replay(`stripe:${e.id}`)) === 'already_processed');
    assert.equal((await changesFor(r, PREFIX, e.id)).length, 1);
    assert.equal(await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'duplicate' }), dupBefore + 19);
  });
});

describe('HubSpot', () => {
  const uri = () => `${t.url}/webhooks/hubspot`;

  test('a batch with a duplicate inside: each distinct event processed once', async () => {
    const a = hubspotEvent('1001');
    const b = hubspotEvent('1002');
    const body = JSON.stringify([a, b, a]);
    const res = await post(uri(), body, hubspotHeaders(uri(), body));
    assert.equal(res.status, 200);
    assert.equal((await processedOnce(String(a.eventId))).length, 1);
    assert.equal((await processedOnce(String(b.eventId))).length, 1);
    assert.deepEqual((await changesFor(r, PREFIX, String(a.eventId)))[0], {
      system: 'hubspot',
      eventId: String(a.eventId),
      type: 'contact.propertyChange',
      object: 'contact',
      objectId: '1001',
      crmId: '1001',
      purged: ['crm.contact'],
    });
  });

  test('every bad signature or timestamp is a 400 and nothing is stored', async () => {
    const body = JSON.stringify([hubspotEvent('1001')]);
    const before = await stored('hubspot');
    const sig = hubspotHeaders(uri(), body);
    const cases: [string, string, Record<string, string>][] = [
      ['body changed after signing', body.replace('1001', '1002'), sig],
      ['timestamp older than 5 minutes', body, hubspotHeaders(uri(), body, SECRETS.hubspot, Date.now() - 301_000)],
      ['timestamp in the future', body, hubspotHeaders(uri(), body, SECRETS.hubspot, Date.now() + 400_000)],
      ['missing signature', body, { 'x-hubspot-request-timestamp': sig['x-hubspot-request-timestamp'] }],
      ['missing timestamp', body, { 'x-hubspot-signature-v3': sig['x-hubspot-signature-v3'] }],
      ['signature of another length', body, { ...sig, 'x-hubspot-signature-v3': 'c2hvcnQ=' }],
      ['wrong secret', body, hubspotHeaders(uri(), body, 'another-client-secret-000000000')],
      ['signed for another URI', body, hubspotHeaders('https://evil.example/webhooks/hubspot', body)],
      ['not a batch, correctly signed', '{"eventId":1}', hubspotHeaders(uri(), '{"eventId":1}')],
    ];
    for (const [why, b, headers] of cases) {
      const res = await post(uri(), b, headers);
      assert.equal(res.status, 400, why);
      assert.deepEqual(JSON.parse(res.body), { error: 'The webhook could not be verified.' }, why);
    }
    assert.equal(await stored('hubspot'), before);
  });
});

describe('Zendesk', () => {
  test('a valid event is processed once; every bad signature or timestamp is a 400 and nothing is stored', async () => {
    const ticket = ada().tickets[0];
    const e = zendeskEvent(ticket.id, ada().zendeskUserId);
    const body = JSON.stringify(e);
    assert.equal((await post(url('zendesk'), body, zendeskHeaders(body))).status, 200);
    assert.deepEqual((await processedOnce(e.id))[0], {
      system: 'zendesk',
      eventId: e.id,
      type: 'zen:event-type:ticket.status_changed',
      object: 'ticket',
      objectId: String(ticket.id),
      crmId: '1001',
      purged: ['support.tickets', 'support.comments'],
    });

    const other = JSON.stringify(zendeskEvent(ticket.id, ada().zendeskUserId));
    const sig = zendeskHeaders(other);
    const before = await stored('zendesk');
    const cases: [string, string, Record<string, string>][] = [
      ['body changed after signing', other.replace('SOLVED', 'OPEN'), sig],
      ['timestamp too old', other, zendeskHeaders(other, SECRETS.zendesk, new Date(Date.now() - 600_000))],
      ['timestamp in the future', other, zendeskHeaders(other, SECRETS.zendesk, new Date(Date.now() + 600_000))],
      ['missing signature', other, { 'x-zendesk-webhook-signature-timestamp': sig['x-zendesk-webhook-signature-timestamp'] }],
      ['signature of another length', other, { ...sig, 'x-zendesk-webhook-signature': 'AAAA' }],
      ['wrong secret', other, zendeskHeaders(other, 'another-zendesk-secret-0000000000')],
    ];
    for (const [why, b, headers] of cases) assert.equal((await post(url('zendesk'), b, headers)).status, 400, why);
    assert.equal(await stored('zendesk'), before);
  });
});

describe('events keep the cache fresh, through the simulators own webhooks', () => {
  const ZERO = { crm: 0, stripe: 0, zendesk: 0, s3: 0 };
  const connect = () =>
    sims.webhooks.configure({
      stripe: { url: url('stripe'), secret: SECRETS.stripe[0] },
      hubspot: { url: url('hubspot'), clientSecret: SECRETS.hubspot },
      zendesk: { url: url('zendesk'), secret: SECRETS.zendesk },
    });
  const delivered = async () => {
    await sims.webhooks.idle();
    return sims.webhooks.deliveries().at(-1)!;
  };
  const warm = async (token: string) => {
    await t.gql(DASHBOARD, { token });
    await t.app.cache.settle();
  };

  test("an invoice paid in Stripe: the next dashboard shows it paid with no vendor call (the event's invoice written into the cached list); another customer stays cached", async () => {
    connect();
    await redis.flush();
    const c = sims.data.customers.find((x) => x.crmId === '1003')!;
    const open = c.invoices.find((i) => i.status === 'open')!;
    const mine = t.token('customer', '1003');
    const theirs = t.token('customer', '1005');
    await warm(mine);
    await warm(theirs);
    const pay = await fetch(`${sims.urls.stripe}/v1/invoices/${open.id}/pay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` },
    });
    assert.equal(pay.status, 200);
    const d = await delivered();
    assert.equal(d.state, 'delivered');
    await processedOnce(d.eventIds[0]);
    sims.resetStats();
    const after = await t.gql(DASHBOARD, { token: mine });
    // invoice.paid carries the whole invoice: it replaced the open copy in the cached list (src/vendors/stripe/webhook.ts).
    assert.deepEqual(t.calls(), ZERO);
    assert.equal(after.body.data.me.billing.invoices.nodes.find((n: { id: string }) => n.id === open.id).status, 'PAID');
    sims.resetStats();
    await t.gql(DASHBOARD, { token: theirs });
    assert.deepEqual(t.calls(), ZERO);
  });

  // The phone: a field with no replica (an email or name change also updates Stripe and Zendesk: test/integration/replicas.test.ts).
  test('a contact changed in HubSpot: the next dashboard calls HubSpot only and shows the new phone', async () => {
    connect();
    await redis.flush();
    const token = t.token('customer', '1001');
    await warm(token);
    const res = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/1001`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { phone: '+44 20 7946 0000' } }),
    });
    assert.equal(res.status, 200);
    const d = await delivered();
    assert.equal(d.state, 'delivered');
    await processedOnce(d.eventIds[0]);
    sims.resetStats();
    const after = await t.gql(DASHBOARD, { token });
    assert.deepEqual(t.calls(), { ...ZERO, crm: 1 });
    assert.equal(after.body.data.me.phone, '+44 20 7946 0000');
  });

  test('a ticket solved in Zendesk: the next dashboard calls Zendesk only and shows it solved', async () => {
    connect();
    await redis.flush();
    const token = t.token('customer', '1001');
    await warm(token);
    const ticket = ada().tickets.find((x) => x.status === 'open')!;
    const auth = `Basic ${Buffer.from(`${sims.credentials.zendeskEmail}/token:${sims.credentials.zendeskApiToken}`).toString('base64')}`;
    const res = await fetch(`${sims.urls.zendesk}/api/v2/tickets/${ticket.id}`, {
      method: 'PUT',
      headers: { authorization: auth, 'content-type': 'application/json' },
      body: JSON.stringify({ ticket: { status: 'solved' } }),
    });
    assert.equal(res.status, 200);
    const d = await delivered();
    assert.equal(d.state, 'delivered');
    await processedOnce(d.eventIds[0]);
    sims.resetStats();
    const after = await t.gql(DASHBOARD, { token });
    // The first ticket page and the changed ticket's comments were dropped; the other tickets' comments stay cached.
    assert.deepEqual(sims.stats('zendesk').byRoute, {
      'GET /api/v2/users/{id}/tickets/requested': 1,
      'GET /api/v2/tickets/{id}/comments': 1,
    });
    assert.deepEqual(t.calls(), { ...ZERO, zendesk: 2 });
    assert.equal(after.body.data.me.tickets.nodes.find((n: { id: string }) => n.id === String(ticket.id)).status, 'SOLVED');
  });

  test('events out of order: a stale event delivered after a newer one never writes old data (the worker re-reads the vendor)', async () => {
    connect();
    await redis.flush();
    const c = sims.data.customers.find((x) => x.crmId === '1014')!;
    const open = c.invoices.find((i) => i.status === 'open');
    assert.ok(open, 'customer 1014 has an open invoice in the seed');
    const stale = structuredClone(open);
    const token = t.token('customer', '1014');
    await warm(token);
    // The newer changes first, through the vendors' own API and webhooks: the invoice paid, the phone changed.
    const pay = await fetch(`${sims.urls.stripe}/v1/invoices/${open.id}/pay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` },
    });
    assert.equal(pay.status, 200);
    await processedOnce((await delivered()).eventIds[0]);
    const phone = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/1014`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { phone: '+44 20 7946 0014' } }),
    });
    assert.equal(phone.status, 200);
    await processedOnce((await delivered()).eventIds[0]);
    // Then older events arrive late, correctly signed: the invoice still open, the phone before the change.
    const late = {
      ...stripeEvent('invoice.updated', stale as unknown as Record<string, unknown>),
      created: Math.floor(Date.now() / 1000) - 600,
    };
    const payload = JSON.stringify(late);
    assert.equal((await post(url('stripe'), payload, { 'stripe-signature': stripeHeader(payload) })).status, 200);
    const old = hubspotEvent('1014', { propertyName: 'phone', propertyValue: '+44 20 7946 9999', occurredAt: Date.now() - 600_000 });
    const body = JSON.stringify([old]);
    assert.equal((await post(url('hubspot'), body, hubspotHeaders(url('hubspot'), body))).status, 200);
    assert.equal((await processedOnce(late.id)).length, 1);
    assert.equal((await processedOnce(String(old.eventId))).length, 1);
    await t.app.cache.settle();
    const after = await t.gql(DASHBOARD, { token });
    assert.equal(after.body.errors, undefined, JSON.stringify(after.body.errors));
    assert.equal(after.body.data.me.billing.invoices.nodes.find((n: { id: string }) => n.id === open.id).status, 'PAID');
    assert.equal(after.body.data.me.phone, '+44 20 7946 0014');
  });
});
