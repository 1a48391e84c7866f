/**
 * The built-in payment automations through the real app: the Stripe simulator declines or takes a
 * payment and sends its own signed webhook; the app verifies and stores it, applies it, and the
 * automation worker opens, or solves, the ticket in the Zendesk simulator and sets the billing
 * standing in the CRM simulator under test (PORTICO_TEST_CRM). Every assertion reads the systems
 * themselves.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { paymentFailedMarker } from '../../src/automations/builtins.js';
import { startTestApp, TEST_CRM, type TestApp } from '../helpers/app.js';
import { salesforceToken } from '../helpers/crm.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { metric, post, SECRETS, stripeHeader, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

const PREFIX = 'autotest';
let redis: TestRedis;
let sims: Simulators;
let t: TestApp;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: PREFIX,
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '100',
      EVENT_ATTEMPTS: '4',
      // A circuit opened by the dead-letter test closes again soon after Zendesk is back.
      UPSTREAM_BREAKER_RESET_MS: '200',
      ...WEBHOOK_ENV,
    },
  });
  sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
});
after(async () => {
  await t?.close();
  await sims?.close();
  await redis?.stop();
});

/** Customers with an open invoice, one per test (each test's state is its own). */
let nextCustomer = 0;
function openInvoice() {
  const withOpen = sims.data.customers.filter((c) => c.invoices.some((i) => i.status === 'open'));
  const c = withOpen[nextCustomer++];
  assert.ok(c, 'the seed has another customer with an open invoice');
  return { crmId: c.crmId, stripeCustomerId: c.stripeCustomerId, invoice: c.invoices.find((i) => i.status === 'open')! };
}

/** Pays with a payment method (Stripe's test ones: `pm_card_visa` pays, `pm_card_chargeDeclined` declines); without one, the customer's default. */
async function pay(invoiceId: string, paymentMethod?: string) {
  const res = await fetch(`${sims.urls.stripe}/v1/invoices/${invoiceId}/pay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: paymentMethod ? new URLSearchParams({ payment_method: paymentMethod }).toString() : '',
  });
  return { status: res.status, body: (await res.json()) as Record<string, unknown> & { error?: Record<string, string> } };
}

const zendeskAuth = () =>
  `Basic ${Buffer.from(`${sims.credentials.zendeskEmail}/token:${sims.credentials.zendeskApiToken}`).toString('base64')}`;

/** The tickets Zendesk holds for an invoice's payment-failed marker. */
async function ticketsOf(invoiceId: string) {
  const res = await fetch(`${sims.urls.zendesk}/api/v2/tickets?external_id=${encodeURIComponent(paymentFailedMarker(invoiceId))}`, {
    headers: { authorization: zendeskAuth() },
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { tickets: { id: number; subject: string; status: string; requester_id: number }[] }).tickets;
}

async function commentsOf(ticketId: number) {
  const res = await fetch(`${sims.urls.zendesk}/api/v2/tickets/${ticketId}/comments`, { headers: { authorization: zendeskAuth() } });
  return ((await res.json()) as { comments: { body: string }[] }).comments.map((c) => c.body);
}

/** The billing standing as the CRM under test holds it. */
async function standingOf(crmId: string): Promise<{ standing: string | null; lastPayment: string | null }> {
  if (TEST_CRM === 'salesforce') {
    const access_token = await salesforceToken(sims);
    const res = await fetch(
      `${sims.urls.salesforce}/services/data/v62.0/sobjects/Contact/${sims.salesforce.contactId(crmId)}?fields=Portico_Billing_Standing__c,Portico_Last_Payment__c`,
      { headers: { authorization: `Bearer ${access_token}` } },
    );
    assert.equal(res.status, 200);
    const r = (await res.json()) as Record<string, string | null>;
    return { standing: r.Portico_Billing_Standing__c, lastPayment: r.Portico_Last_Payment__c };
  }
  const res = await fetch(
    `${sims.urls.hubspot}/crm/v3/objects/contacts/${crmId}?properties=portico_billing_standing,portico_last_payment_at`,
    { headers: { authorization: `Bearer ${sims.credentials.hubspotToken}` } },
  );
  assert.equal(res.status, 200);
  const p = ((await res.json()) as { properties: Record<string, string | null> }).properties;
  return { standing: p.portico_billing_standing ?? null, lastPayment: p.portico_last_payment_at ?? null };
}
const PAST_DUE = TEST_CRM === 'salesforce' ? 'Past Due' : 'past_due';
const ACTIVE = TEST_CRM === 'salesforce' ? 'Active' : 'active';

/** Waits until no webhook job or automation run is waiting, running or retrying; returns the automation counts. */
async function settled() {
  const q = t.app.automations.queue!;
  const busy = async (x: typeof q) => {
    const c = await x.counts();
    return c.waiting + c.active + c.delayed;
  };
  await waitFor('the webhook jobs and automation runs to settle', async () => {
    await sims.webhooks.idle();
    // Twice: a webhook job adds its runs before it completes.
    return (await busy(t.app.events.queues.stripe)) + (await busy(q)) + (await busy(t.app.events.queues.stripe)) === 0;
  });
  return q.counts();
}

/** The last Stripe event the simulator sent, as it sent it (the same bytes can be signed again). */
function lastStripeDelivery() {
  const d = sims.webhooks.deliveries().filter((x) => x.system === 'stripe');
  return d.at(-1)!;
}

describe('payment failed', () => {
  test('a declined payment: Stripe answers 402 and keeps the invoice open; one ticket naming the invoice, CRM past due', async () => {
    const { crmId, invoice } = openInvoice();
    const before = await settled();
    const res = await pay(invoice.id, 'pm_card_chargeDeclined');
    assert.equal(res.status, 402);
    assert.equal(res.body.error?.type, 'card_error');
    assert.equal(res.body.error?.decline_code, 'generic_decline');
    const inv = (await (
      await fetch(`${sims.urls.stripe}/v1/invoices/${invoice.id}`, {
        headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` },
      })
    ).json()) as { status: string; attempted: boolean; attempt_count: number; next_payment_attempt: number | null };
    assert.equal(inv.status, 'open');
    assert.equal(inv.attempted, true);
    assert.equal(inv.attempt_count, 1);
    assert.ok(inv.next_payment_attempt && inv.next_payment_attempt > Date.now() / 1000);
    await waitFor('the ticket', async () => (await ticketsOf(invoice.id)).length > 0);
    const c = await settled();
    assert.equal(c.processed, before.processed + 1, 'one run, completed');
    assert.equal(c.dead, 0);
    const tickets = await ticketsOf(invoice.id);
    assert.equal(tickets.length, 1);
    assert.equal(tickets[0].subject, `Payment failed for invoice ${invoice.number}`);
    assert.equal(tickets[0].requester_id, sims.data.customers.find((x) => x.crmId === crmId)!.zendeskUserId);
    assert.equal((await standingOf(crmId)).standing, PAST_DUE);
  });

  test('the same event delivered 20 times at once, and a second declined attempt: still one ticket', async () => {
    const { crmId, invoice } = openInvoice();
    assert.equal((await pay(invoice.id, 'pm_card_chargeDeclined')).status, 402);
    await settled();
    const d = lastStripeDelivery();
    // The event as Stripe sends it again (a redelivery): same id, signed anew.
    const evt = await fetch(`${sims.urls.stripe}/v1/invoices/${invoice.id}`, {
      headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` },
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const payload = JSON.stringify({
      id: d.eventIds[0],
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      type: 'invoice.payment_failed',
      data: { object: evt },
    });
    const answers = await Promise.all(
      Array.from({ length: 20 }, () => post(`${t.url}/webhooks/stripe`, payload, { 'stripe-signature': stripeHeader(payload) })),
    );
    assert.deepEqual(
      answers.map((a) => a.status),
      Array(20).fill(200),
    );
    // A second failed attempt is a new event: a run of its own, the same ticket.
    assert.equal((await pay(invoice.id, 'pm_card_chargeDeclinedInsufficientFunds')).status, 402);
    await settled();
    assert.equal((await ticketsOf(invoice.id)).length, 1);
    assert.equal((await standingOf(crmId)).standing, PAST_DUE);
  });

  test('Zendesk failing the step twice (503): the run retries and opens one ticket', async () => {
    const { crmId, invoice } = openInvoice();
    const before = await settled();
    const failedSteps = () =>
      metric(t.url, 'portico_automation_steps_total', { automation: 'payment-failed', step: 'open-ticket', outcome: 'failed' });
    const failedBefore = await failedSteps();
    sims.setFaults('zendesk', { failFirst: 2 });
    try {
      assert.equal((await pay(invoice.id, 'pm_card_chargeDeclined')).status, 402);
      // The queue, not Zendesk, is watched: a read of ours would take one of the failures.
      await waitFor('the run to complete', async () => (await t.app.automations.queue!.counts()).processed > before.processed);
      const c = await settled();
      assert.equal(c.processed, before.processed + 1);
      assert.equal(c.dead, before.dead);
      // The upstream policy may retry a read within one attempt; at least one attempt of the step failed.
      assert.ok((await failedSteps()) - failedBefore >= 1, 'the step failed before it succeeded');
    } finally {
      sims.setFaults('zendesk', {});
    }
    assert.equal((await ticketsOf(invoice.id)).length, 1);
    assert.equal((await standingOf(crmId)).standing, PAST_DUE);
  });
  test('the CRM failing after the ticket is open: the retry resumes at the CRM step, the ticket step is not run again', async () => {
    const { crmId, invoice } = openInvoice();
    const before = await settled();
    const failedCrmSteps = () =>
      metric(t.url, 'portico_automation_steps_total', { automation: 'payment-failed', step: 'mark-past-due', outcome: 'failed' });
    const failedBefore = await failedCrmSteps();
    sims.resetStats();
    sims.setFaults(TEST_CRM, { failureRate: 1 });
    try {
      assert.equal((await pay(invoice.id, 'pm_card_chargeDeclined')).status, 402);
      await waitFor('the CRM step to fail', async () => (await failedCrmSteps()) > failedBefore);
    } finally {
      sims.setFaults(TEST_CRM, {});
    }
    await waitFor('the run to complete', async () => (await t.app.automations.queue!.counts()).processed > before.processed);
    await settled();
    assert.equal((await standingOf(crmId)).standing, PAST_DUE);
    // The ticket step ran once: one marker lookup, one creation, whatever the CRM step's attempts.
    const zendesk = sims.stats('zendesk').byRoute;
    assert.equal(zendesk['GET /api/v2/tickets'], 1);
    assert.equal(zendesk['POST /api/v2/tickets'], 1);
    assert.equal((await ticketsOf(invoice.id)).length, 1);
  });

  test("an attempt lost between a step's audit entry and its checkpoint: the retry runs the step again and the log has its entry once", async () => {
    const { crmId, invoice } = openInvoice();
    const before = await settled();
    // The entry is stored, then the attempt ends as if its worker died before the checkpoint.
    const audit = t.app.shared.audit;
    const original = Object.getOwnPropertyDescriptor(audit, 'record');
    const record = audit.record.bind(audit);
    let lost = 0;
    audit.record = async (ctx, e) => {
      await record(ctx, e);
      if (!lost && e.action === 'automation.step' && e.outcome === 'ok' && e.customerId === crmId && e.detail?.step === 'open-ticket') {
        lost++;
        throw new Error('attempt lost after the audit entry');
      }
    };
    try {
      assert.equal((await pay(invoice.id, 'pm_card_chargeDeclined')).status, 402);
      await waitFor('the run to complete', async () => (await t.app.automations.queue!.counts()).processed > before.processed);
      await settled();
    } finally {
      if (original) Object.defineProperty(audit, 'record', original);
    }
    assert.equal(lost, 1);
    assert.equal((await ticketsOf(invoice.id)).length, 1);
    const res = await t.gql(`query($c: ID) { auditLog(customerId: $c, first: 100) { nodes { action outcome detail } } }`, {
      token: t.token('admin'),
      variables: { c: crmId },
    });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const steps = (res.body.data.auditLog.nodes as { action: string; outcome: string; detail: string }[])
      .filter((e) => e.action === 'automation.step' && e.outcome === 'OK')
      .map((e) => JSON.parse(e.detail) as { automation: string; step: string })
      .filter((d) => d.automation === 'payment-failed')
      .map((d) => d.step);
    assert.deepEqual(steps.sort(), ['mark-past-due', 'notify-customer', 'open-ticket', 'settle-if-paid']);
  });

  test('Zendesk down for every attempt: the run is dead-lettered and listed to admins; replayed by an admin once Zendesk is back, it opens one ticket', async () => {
    const { crmId, invoice } = openInvoice();
    const q = t.app.automations.queue!;
    const before = await settled();
    sims.setFaults('zendesk', { failureRate: 1 });
    try {
      assert.equal((await pay(invoice.id, 'pm_card_chargeDeclined')).status, 402);
      await waitFor('the run to be dead-lettered', async () => (await q.counts()).dead > before.dead);
    } finally {
      sims.setFaults('zendesk', {});
    }
    assert.deepEqual(await ticketsOf(invoice.id), []);
    const [dead] = (await q.dead(0, 1)).jobs;
    // The condition was checkpointed before the first failing step.
    assert.equal((dead.data as { matched?: boolean }).matched, true);
    // What an admin sees and does, through the GraphQL admin API.
    const LIST =
      '{ failedAutomationRuns(first: 5) { totalCount nodes { id automation eventType customerId stepsDone attempts lastError } } }';
    const refused = await t.gql(LIST, { token: t.token('customer', crmId) });
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const listed = await t.gql(LIST, { token: t.token('admin') });
    assert.equal(listed.body.errors, undefined, JSON.stringify(listed.body.errors));
    const run = listed.body.data.failedAutomationRuns.nodes[0];
    assert.deepEqual(
      { ...run, lastError: typeof run.lastError },
      {
        id: dead.id,
        automation: 'payment-failed',
        eventType: 'billing.invoice.payment_failed',
        customerId: crmId,
        stepsDone: [],
        attempts: 4,
        lastError: 'string',
      },
    );
    // The queue gauges cover the automations' queue like the webhook queues.
    const gauge = Number(
      /^portico_queue_jobs\{queue="automations",state="dead"\} (\d+)$/m.exec(await (await fetch(`${t.url}/metrics`)).text())?.[1],
    );
    assert.equal(gauge, listed.body.data.failedAutomationRuns.totalCount);
    // The run's record says the same: dead, its first step failed on every attempt.
    const deadRuns = async () => {
      const recorded = await t.gql(RUNS, { token: t.token('admin'), variables: { c: crmId, s: 'DEAD' } });
      assert.equal(recorded.body.errors, undefined, JSON.stringify(recorded.body.errors));
      return recorded.body.data.automationRuns.nodes;
    };
    // The queue's dead-letter outcome reaches the record just after the job is moved.
    await waitFor('the run recorded dead', async () => (await deadRuns()).length === 1);
    const deadRun = (await deadRuns())[0];
    assert.equal(deadRun.id, dead.id);
    assert.equal(deadRun.attempts, 4);
    assert.deepEqual(
      deadRun.steps.map((x: { name: string; outcome: string; attempts: number }) => [x.name, x.outcome, x.attempts]),
      [['open-ticket', 'FAILED', 4]],
    );
    assert.ok(deadRun.finishedAt);
    const REPLAY = 'mutation($id: ID!) { replayAutomationRun(id: $id) { id status } }';
    const missing = await t.gql(REPLAY, { token: t.token('admin'), variables: { id: 'no-such-run' } });
    assert.equal(missing.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
    const replayed = await t.gql(REPLAY, { token: t.token('admin'), variables: { id: dead.id } });
    assert.deepEqual(replayed.body.data, { replayAutomationRun: { id: dead.id, status: 'REPLAYED' } });
    await waitFor('the replayed run to complete', async () => (await q.counts()).processed > before.processed);
    const c = await settled();
    assert.equal(c.dead, before.dead);
    assert.equal((await ticketsOf(invoice.id)).length, 1);
    assert.equal((await standingOf(crmId)).standing, PAST_DUE);
  });
});

const RUNS = `query($c: ID, $a: String, $s: AutomationRunStatus, $first: Int, $after: String) {
  automationRuns(customerId: $c, automation: $a, status: $s, first: $first, after: $after) {
    nodes { id automation status trigger { type eventId at } customerId steps { name outcome attempts durationMs error wouldCall }
      attempts queuedAt startedAt finishedAt durationMs traceId lastError dryRun }
    pageInfo { hasNextPage endCursor }
  }
}`;

describe('payment succeeded', () => {
  test('paid after a failure: the CRM active with the payment time, the ticket solved with a comment', async () => {
    const { crmId, invoice } = openInvoice();
    assert.equal((await pay(invoice.id, 'pm_card_chargeDeclined')).status, 402);
    await waitFor('the ticket', async () => (await ticketsOf(invoice.id)).length > 0);
    await settled();
    const res = await pay(invoice.id, 'pm_card_visa');
    assert.equal(res.status, 200);
    assert.equal(res.body.status, 'paid');
    await settled();
    const [ticket] = await ticketsOf(invoice.id);
    assert.equal(ticket.status, 'solved');
    assert.match((await commentsOf(ticket.id)).at(-1)!, /has been paid/);
    const s = await standingOf(crmId);
    assert.equal(s.standing, ACTIVE);
    assert.ok(s.lastPayment && Math.abs(Date.parse(s.lastPayment) - Date.now()) < 10 * 60_000, `last payment ${s.lastPayment}`);
    assert.equal((await ticketsOf(invoice.id)).length, 1);
  });

  test('out of order (paid delivered before failed): the CRM active and no open ticket', async () => {
    const { crmId, invoice } = openInvoice();
    // Both events happen, but the failed one is held back and delivered after the paid one.
    sims.webhooks.configure({});
    assert.equal((await pay(invoice.id, 'pm_card_chargeDeclined')).status, 402);
    assert.equal((await pay(invoice.id, 'pm_card_visa')).status, 200);
    sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
    const inv = (await (
      await fetch(`${sims.urls.stripe}/v1/invoices/${invoice.id}`, {
        headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` },
      })
    ).json()) as Record<string, unknown>;
    const send = async (type: string, object: Record<string, unknown>) => {
      const payload = JSON.stringify({
        id: `evt_${type.replace(/\W/g, '')}${invoice.id}`,
        object: 'event',
        created: Math.floor(Date.now() / 1000),
        type,
        data: { object },
      });
      assert.equal((await post(`${t.url}/webhooks/stripe`, payload, { 'stripe-signature': stripeHeader(payload) })).status, 200);
      await settled();
    };
    await send('invoice.paid', inv);
    assert.equal((await standingOf(crmId)).standing, ACTIVE);
    await send('invoice.payment_failed', { ...inv, status: 'open' });
    assert.equal((await standingOf(crmId)).standing, ACTIVE);
    assert.deepEqual(await ticketsOf(invoice.id), []);
  });
});

describe('echoes', () => {
  test("the automations' own writes come back as webhooks and start no further run", async () => {
    const { crmId, invoice } = openInvoice();
    const url = (s: string) => `${t.url}/webhooks/${s}`;
    // Every vendor reports its changes to the app, the automations' writes included.
    sims.webhooks.configure({
      stripe: { url: url('stripe'), secret: SECRETS.stripe[0] },
      hubspot: { url: url('hubspot'), clientSecret: SECRETS.hubspot },
      zendesk: { url: url('zendesk'), secret: SECRETS.zendesk },
    });
    const echoQueues = [t.app.events.queues.zendesk, ...(TEST_CRM === 'hubspot' ? [t.app.events.queues.hubspot] : [])];
    const processed = async () => Promise.all(echoQueues.map(async (q) => (await q.counts()).processed));
    try {
      const before = await settled();
      const echoesBefore = await processed();
      assert.equal((await pay(invoice.id, 'pm_card_chargeDeclined')).status, 402);
      await waitFor('the ticket', async () => (await ticketsOf(invoice.id)).length > 0);
      await settled();
      assert.equal((await pay(invoice.id, 'pm_card_visa')).status, 200);
      await waitFor('the ticket solved', async () => (await ticketsOf(invoice.id))[0]?.status === 'solved');
      // Every echo delivered and applied (each vendor queue idle), then the runs counted.
      await waitFor('the echoes to be applied', async () => {
        await sims.webhooks.idle();
        const busy = await Promise.all(echoQueues.map(async (q) => (await q.counts()).waiting + (await q.counts()).active));
        return busy.every((n) => n === 0);
      });
      const c = await settled();
      const echoes = await processed();
      echoes.forEach((n, i) => assert.ok(n > echoesBefore[i], `echoes of our writes arrived at ${echoQueues[i].name}`));
      // Three runs: payment-failed, payment-succeeded, and ticket-solved for the ticket the latter
      // solved (it tells the customer, writing to no vendor); none from the echoes of the CRM writes.
      assert.equal(c.processed, before.processed + 3, 'payment-failed, payment-succeeded and ticket-solved; nothing more');
      assert.equal((await standingOf(crmId)).standing, ACTIVE);
      assert.equal((await ticketsOf(invoice.id)).length, 1);
    } finally {
      sims.webhooks.configure({ stripe: { url: url('stripe'), secret: SECRETS.stripe[0] } });
    }
  });
});

describe('run records', () => {
  test('automationRuns: each run with its trigger, steps (outcome, attempts, duration) and attempts; filters and pages; admins only; the CLI prints it', async () => {
    const { crmId, invoice } = openInvoice();
    const before = await settled();
    const failedCrmSteps = () =>
      metric(t.url, 'portico_automation_steps_total', { automation: 'payment-failed', step: 'mark-past-due', outcome: 'failed' });
    const failedBefore = await failedCrmSteps();
    sims.setFaults(TEST_CRM, { failureRate: 1 });
    try {
      assert.equal((await pay(invoice.id, 'pm_card_chargeDeclined')).status, 402);
      await waitFor('the CRM step to fail', async () => (await failedCrmSteps()) > failedBefore);
    } finally {
      sims.setFaults(TEST_CRM, {});
    }
    await waitFor('the run to complete', async () => (await t.app.automations.queue!.counts()).processed > before.processed);
    await settled();

    const refused = await t.gql(RUNS, { token: t.token('customer', crmId), variables: { c: crmId } });
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const r = await t.gql(RUNS, { token: t.token('admin'), variables: { c: crmId } });
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    const runs = r.body.data.automationRuns.nodes;
    assert.equal(runs.length, 1);
    const run = runs[0];
    assert.equal(run.id, `payment-failed.${encodeURIComponent(run.trigger.eventId)}`);
    assert.match(run.trigger.eventId, /^stripe:evt_\w+$/);
    assert.equal(run.trigger.type, 'billing.invoice.payment_failed');
    assert.equal(run.automation, 'payment-failed');
    assert.equal(run.status, 'COMPLETED');
    assert.equal(run.customerId, crmId);
    assert.equal(run.dryRun, false);
    const steps = run.steps as { name: string; outcome: string; attempts: number; durationMs: number; error: string | null }[];
    assert.deepEqual(
      steps.map((x) => [x.name, x.outcome, x.error]),
      [
        ['open-ticket', 'OK', null],
        ['mark-past-due', 'OK', null],
        ['settle-if-paid', 'OK', null],
        ['notify-customer', 'OK', null],
      ],
    );
    // The ticket step ran once; the CRM step once per attempt of the run, the last one done.
    assert.equal(steps[0].attempts, 1);
    assert.ok(steps[1].attempts >= 2, `mark-past-due ran ${steps[1].attempts} time(s)`);
    assert.equal(run.attempts, steps[1].attempts);
    assert.equal(typeof run.lastError, 'string');
    assert.ok(steps.every((x) => Number.isInteger(x.durationMs) && x.durationMs >= 0));
    assert.ok(Number.isInteger(run.durationMs) && run.durationMs >= 0);
    assert.ok(Date.parse(run.finishedAt) >= Date.parse(run.startedAt));

    // Filters: none dead and no payment-succeeded run for this customer.
    for (const variables of [
      { c: crmId, s: 'DEAD' },
      { c: crmId, a: 'payment-succeeded' },
    ]) {
      const none = await t.gql(RUNS, { token: t.token('admin'), variables });
      assert.deepEqual(none.body.data.automationRuns.nodes, []);
    }
    // Pages: newest first, the next page after the cursor, no run twice.
    const p1 = (await t.gql(RUNS, { token: t.token('admin'), variables: { a: 'payment-failed', first: 2 } })).body.data.automationRuns;
    assert.equal(p1.nodes.length, 2);
    assert.equal(p1.nodes[0].id, run.id);
    assert.equal(p1.pageInfo.hasNextPage, true);
    const p2 = (await t.gql(RUNS, { token: t.token('admin'), variables: { a: 'payment-failed', first: 2, after: p1.pageInfo.endCursor } }))
      .body.data.automationRuns;
    assert.ok(p2.nodes.length >= 1);
    const ids = [...p1.nodes, ...p2.nodes].map((n: { id: string }) => n.id);
    assert.equal(new Set(ids).size, ids.length);
    assert.ok(Date.parse(p2.nodes[0].queuedAt) <= Date.parse(p1.nodes[1].queuedAt));
    const bad = await t.gql(RUNS, { token: t.token('admin'), variables: { after: 'nope' } });
    assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');

    // Durations per automation and step in /metrics.
    assert.ok(
      (await metric(t.url, 'portico_automation_step_duration_seconds_count', {
        automation: 'payment-failed',
        step: 'mark-past-due',
        outcome: 'failed',
      })) >= 1,
    );
    assert.ok(
      (await metric(t.url, 'portico_automation_run_duration_seconds_count', { automation: 'payment-failed', outcome: 'completed' })) >= 1,
    );

    // The CLI reads the same records.
    const cli = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/automations.ts', 'list', '--customer', crmId], {
      env: { ...process.env, REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX },
      encoding: 'utf8',
    });
    assert.equal(cli.status, 0, cli.stderr);
    assert.match(cli.stdout, /^1 run\(s\) \(customer \d+\), newest first:/);
    assert.ok(cli.stdout.includes(run.id), cli.stdout);
    assert.match(cli.stdout, /payment-failed {2}COMPLETED {2}customer \d+ {2}attempts \d/);
    assert.match(cli.stdout, /OK {6}mark-past-due {2}\d+ attempt\(s\)/);
    assert.match(cli.stdout, /Nothing to do: no run here is dead-lettered\./);
    const missing = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/automations.ts', 'replay', 'no-such-run'], {
      env: { ...process.env, REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX },
      encoding: 'utf8',
    });
    assert.equal(missing.status, 1);
    assert.match(missing.stderr, /No dead-lettered run no-such-run\. List them with `npm run automations -- list --status DEAD`\./);
  });
});
