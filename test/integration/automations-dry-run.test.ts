/**
 * AUTOMATION_DRY_RUN through the real app: a declined payment in the Stripe simulator runs the
 * payment-failed automation, which reads (the invoice, the support user, the marker) but writes
 * nothing: no ticket in the Zendesk simulator, no standing in the CRM simulator, no email; each write
 * it would have made is logged and listed in the run's record.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startSmtpSimulator, type SmtpSimulator } from '../../sim/smtp/index.js';
import { paymentFailedMarker } from '../../src/automations/builtins.js';
import { startTestApp, TEST_CRM, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { SECRETS, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let smtp: SmtpSimulator;
let t: TestApp;
const lines: Record<string, unknown>[] = [];

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  smtp = await startSmtpSimulator();
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l) as Record<string, unknown>);
      cb();
    },
  });
  t = await startTestApp({
    sims,
    logger: pino({ level: 'info' }, stream),
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'dryrun',
      SMTP_URL: smtp.url,
      AUTOMATION_DRY_RUN: 'true',
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '100',
      ...WEBHOOK_ENV,
    },
  });
  sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
});
after(async () => {
  await t?.close();
  await sims?.close();
  await smtp?.close();
  await redis?.stop();
});

test('a dry run reads, logs each write it would make, and writes nothing', async () => {
  const c = sims.data.customers.find((x) => x.email && x.invoices.some((i) => i.status === 'open'))!;
  const invoice = c.invoices.find((i) => i.status === 'open')!;
  sims.resetStats();
  const res = await fetch(`${sims.urls.stripe}/v1/invoices/${invoice.id}/pay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'payment_method=pm_card_chargeDeclined',
  });
  assert.equal(res.status, 402);
  await waitFor('the run to complete', async () => (await t.app.automations.queue!.counts()).processed === 1);
  await sims.webhooks.idle();

  // Nothing written: no ticket, no CRM write, no email.
  const zendesk = sims.stats('zendesk').byRoute;
  assert.equal(zendesk['POST /api/v2/tickets'] ?? 0, 0);
  assert.ok((zendesk['GET /api/v2/tickets'] ?? 0) >= 1, 'the marker was read');
  const tickets = await fetch(`${sims.urls.zendesk}/api/v2/tickets?external_id=${encodeURIComponent(paymentFailedMarker(invoice.id))}`, {
    headers: {
      authorization: `Basic ${Buffer.from(`${sims.credentials.zendeskEmail}/token:${sims.credentials.zendeskApiToken}`).toString('base64')}`,
    },
  }).then((r) => r.json() as Promise<{ tickets: unknown[] }>);
  assert.deepEqual(tickets.tickets, []);
  // (Salesforce's OAuth token request is a POST that writes nothing.)
  const crmWrites = Object.entries(sims.stats(TEST_CRM).byRoute).filter(
    ([route]) => /^(PATCH|POST|PUT|DELETE) /.test(route) && !route.includes('/oauth2/'),
  );
  assert.deepEqual(crmWrites, []);
  assert.deepEqual(
    smtp.outbox().filter((m) => m.to.includes(c.email)),
    [],
  );

  // Each write it would have made, logged with its step.
  const would = lines.filter((l) => l.msg === 'dry run: would call').map((l) => [l.step, l.call]);
  assert.deepEqual(would, [
    ['open-ticket', 'support.createTicket'],
    ['mark-past-due', 'crm.setBillingStanding'],
    ['notify-customer', 'notifications.notifyCustomer'],
  ]);
  const create = lines.find((l) => l.call === 'support.createTicket')!;
  assert.match(String(create.args), new RegExp(`Payment failed for invoice ${invoice.number}`));

  // The run's record says it was a dry run, and what each step would have written.
  const r = await t.gql(
    `{ automationRuns(customerId: "${c.crmId}") { nodes { automation status dryRun steps { name outcome wouldCall } } } }`,
    { token: t.token('admin') },
  );
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  assert.deepEqual(r.body.data.automationRuns.nodes, [
    {
      automation: 'payment-failed',
      status: 'COMPLETED',
      dryRun: true,
      steps: [
        { name: 'open-ticket', outcome: 'OK', wouldCall: ['support.createTicket'] },
        { name: 'mark-past-due', outcome: 'OK', wouldCall: ['crm.setBillingStanding'] },
        { name: 'settle-if-paid', outcome: 'OK', wouldCall: [] },
        { name: 'notify-customer', outcome: 'OK', wouldCall: ['notifications.notifyCustomer'] },
      ],
    },
  ]);
});
