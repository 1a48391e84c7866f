/**
 * Partner webhooks through the real app: partners mint tokens (admin), register endpoints with
 * their own token, and a loopback receiver gets the deliveries. A real declined payment in the
 * Stripe simulator is the event (its signed webhook -> the app -> domain event -> fan-out). The
 * receiver verifies every delivery with both `standardwebhooks` and Svix's verifier, as partners
 * would. Retry times are compressed (WEBHOOK_TIME_SCALE): a day's schedule takes about 2.4 s.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Webhook as StandardWebhook } from 'standardwebhooks';
import { Webhook as SvixWebhook } from 'svix';
import { startSimulators, vendorEnv, type Simulators } from '../../sim/index.js';
import { createLogAuditLog } from '../../src/audit/index.js';
import { createRedisPartnerStore } from '../../src/auth/partners.js';
import { loadConfig } from '../../src/config/index.js';
import { DEV_NOTIFY_SECRET_KEY } from '../../src/config/notifications.js';
import { createPartnerWebhooks, RETRY_SCHEDULE_MS } from '../../src/notifications/webhooks.js';
import { createLogger } from '../../src/platform/logger.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { metric, redisClient, SECRETS, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

const SCALE = 0.000025;

interface Received {
  path: string;
  headers: IncomingHttpHeaders;
  body: string;
  at: number;
}

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;
let receiver: Server;
let base: string;
const received: Received[] = [];
/** Status per path; 200 when not set. */
const answers = new Map<string, number>();
/** Paths that never answer. */
const hanging = new Set<string>();

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body: Buffer.concat(chunks).toString('utf8'), at: performance.now() });
      // A path in `hanging` takes the request and never answers (until the connection is closed).
      if (hanging.has(req.url ?? '')) return;
      res.statusCode = answers.get(req.url ?? '') ?? 200;
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'notifytest',
      WEBHOOK_TIME_SCALE: String(SCALE),
      // 48 h scaled: 4.3 s, longer than the whole retry schedule (2.4 s).
      WEBHOOK_DISABLE_AFTER_H: '48',
      WEBHOOK_TIMEOUT_MS: '2000',
      // No partner here has more than three endpoints, but the limits test.
      WEBHOOK_MAX_ENDPOINTS: '3',
      ...WEBHOOK_ENV,
    },
  });
  sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
});
after(async () => {
  await t?.close();
  await sims?.close();
  await redis?.stop();
  await new Promise((r) => receiver?.close(r));
});

/** A partner token that may manage its endpoints (`webhooks:manage`) with these data scopes. */
async function partnerToken(name: string, scopes: string[], customerIds?: string[], manage = true) {
  const r = await t.gql(`mutation($input: CreatePartnerTokenInput!) { createPartnerToken(input: $input) { token partnerToken { id } } }`, {
    token: t.token('admin'),
    variables: { input: { name, scopes: manage ? [...scopes, 'webhooks:manage'] : scopes, customerIds } },
  });
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data.createPartnerToken.token as string;
}

const CREATE = `mutation($input: CreateWebhookEndpointInput!) {
  createWebhookEndpoint(input: $input) { endpoint { id url eventTypes status partnerId } secret }
}`;

async function createEndpoint(token: string, path: string, eventTypes: string[]) {
  const r = await t.gql(CREATE, { token, variables: { input: { url: `${base}${path}`, eventTypes } } });
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data.createWebhookEndpoint as { endpoint: { id: string; status: string; partnerId: string }; secret: string };
}

const at = (path: string) => received.filter((r) => r.path === path);

function verifyBoth(r: Received, secret: string) {
  const headers = {
    'webhook-id': String(r.headers['webhook-id']),
    'webhook-timestamp': String(r.headers['webhook-timestamp']),
    'webhook-signature': String(r.headers['webhook-signature']),
  };
  // Each throws when no signature of the header matches this secret.
  new StandardWebhook(secret).verify(r.body, headers);
  new SvixWebhook(secret).verify(r.body, headers);
  return JSON.parse(r.body) as { type: string; timestamp: string; data: Record<string, string> };
}

/** Waits until no delivery is waiting, running or scheduled for a retry. */
async function idle() {
  const q = t.app.notifications.webhooks.queue!;
  await waitFor('deliveries to settle', async () => {
    await sims.webhooks.idle();
    const busy = async () => {
      const c = await q.counts();
      return c.waiting + c.active + c.delayed;
    };
    const stripe = await t.app.events.queues.stripe.counts();
    return (await busy()) + stripe.waiting + stripe.active + stripe.delayed + (await busy()) === 0;
  });
}

async function declinePayment() {
  const c = sims.data.customers.filter((x) => x.invoices.some((i) => i.status === 'open'))[declined++];
  assert.ok(c);
  const invoice = c.invoices.find((i) => i.status === 'open')!;
  const res = await fetch(`${sims.urls.stripe}/v1/invoices/${invoice.id}/pay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ payment_method: 'pm_card_chargeDeclined' }).toString(),
  });
  assert.equal(res.status, 402);
  return { crmId: c.crmId, invoiceId: invoice.id };
}
let declined = 0;

describe('deliveries', () => {
  test('a declined payment reaches the subscribed partners, signed per Standard Webhooks (standardwebhooks and svix verify it), once; scopes and allow-lists filter', async () => {
    const all = await partnerToken('all-customers', ['billing.invoices:read']);
    const other = sims.data.customers.at(-1)!.crmId;
    const narrow = await partnerToken('one-customer', ['billing.invoices:read'], [other]);
    const support = await partnerToken('support-only', ['support.tickets:read']);
    const a = await createEndpoint(all, '/a', ['billing.invoice.payment_failed']);
    assert.match(a.secret, /^whsec_[A-Za-z0-9+/]{32}$/);
    assert.equal(a.endpoint.status, 'ENABLED');
    const n = await createEndpoint(narrow, '/narrow', ['billing.invoice.payment_failed']);
    const paidOnly = await createEndpoint(all, '/paid-only', ['billing.invoice.paid']);
    // A type the token's scopes do not cover is refused before anything is stored.
    const refused = await t.gql(CREATE, {
      token: support,
      variables: { input: { url: `${base}/s`, eventTypes: ['billing.invoice.paid'] } },
    });
    assert.equal(refused.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.match(refused.body.errors[0].message, /needs the scope billing\.invoices:read/);

    const { crmId, invoiceId } = await declinePayment();
    assert.notEqual(crmId, other);
    await waitFor('the delivery', () => at('/a').length > 0);
    await idle();
    assert.equal(at('/a').length, 1, 'one delivery per (endpoint, event)');
    assert.equal(at('/narrow').length, 0, 'the customer is not in its allow-list');
    assert.equal(at('/paid-only').length, 0, 'not subscribed to payment_failed');
    const body = verifyBoth(at('/a')[0], a.secret);
    assert.equal(body.type, 'billing.invoice.payment_failed');
    assert.deepEqual(body.data, { customerId: crmId, invoiceId });
    assert.match(String(at('/a')[0].headers['webhook-id']), /^msg_/);
    // Another partner's secret does not verify it.
    assert.throws(() => verifyBoth(at('/a')[0], n.secret));

    // The delivery log, as the partner reads it.
    const log = await t.gql(`{ webhookDeliveries(endpointId: "${a.endpoint.id}") { eventType attempt statusCode delivered messageId } }`, {
      token: all,
    });
    assert.deepEqual(log.body.data.webhookDeliveries, [
      {
        eventType: 'billing.invoice.payment_failed',
        attempt: 1,
        statusCode: 200,
        delivered: true,
        messageId: at('/a')[0].headers['webhook-id'],
      },
    ]);
    // Partners see their own endpoints; an admin sees every partner's; another partner's is NOT_FOUND.
    const mine = await t.gql('{ webhookEndpoints { id } }', { token: narrow });
    assert.deepEqual(mine.body.data.webhookEndpoints, [{ id: n.endpoint.id }]);
    const admin = await t.gql('{ webhookEndpoints { id } }', { token: t.token('admin') });
    const ids = admin.body.data.webhookEndpoints.map((e: { id: string }) => e.id);
    for (const id of [a.endpoint.id, n.endpoint.id, paidOnly.endpoint.id]) assert.ok(ids.includes(id));
    const foreign = await t.gql(`{ webhookDeliveries(endpointId: "${a.endpoint.id}") { attempt } }`, { token: narrow });
    assert.equal(foreign.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test('bad input and the wrong callers get clear errors', async () => {
    const p = await partnerToken('bad-input', ['crm.contacts:read']);
    const bad = async (url: string, eventTypes: string[]) =>
      (await t.gql(CREATE, { token: p, variables: { input: { url, eventTypes } } })).body.errors?.[0]?.extensions?.code;
    assert.equal(await bad('ftp://partner.example/x', ['crm.contact.updated']), 'BAD_USER_INPUT');
    assert.equal(await bad('not a url', ['crm.contact.updated']), 'BAD_USER_INPUT');
    assert.equal(await bad(`${base}/x`, ['crm.contact.renamed']), 'BAD_USER_INPUT');
    assert.equal(await bad(`${base}/x`, []), 'BAD_USER_INPUT');
    const customer = await t.gql(CREATE, {
      token: t.token('customer', 'c-1'),
      variables: { input: { url: `${base}/x`, eventTypes: ['crm.contact.updated'] } },
    });
    assert.equal(customer.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal((await t.gql('{ webhookEndpoints { id } }')).body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    const noManage = await partnerToken('no-manage', ['crm.contacts:read'], undefined, false);
    assert.equal((await t.gql('{ webhookEndpoints { id } }', { token: noManage })).body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });
});

describe('failures', () => {
  test("a failing endpoint is retried on Svix's schedule (8 attempts), dead-lettered, then replayed once it answers", async () => {
    const p = await partnerToken('failing', ['crm.contacts:read']);
    answers.set('/fail', 500);
    const ep = await createEndpoint(p, '/fail', ['crm.contact.updated']);
    const sent = await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
    const messageId = sent.body.data.sendTestWebhookEvent as string;
    await waitFor('eight attempts', () => at('/fail').length >= 8);
    await idle();
    const attempts = at('/fail');
    assert.equal(attempts.length, 8);
    assert.ok(
      attempts.every((r) => r.headers['webhook-id'] === messageId),
      'the same webhook-id on every retry',
    );
    // Never earlier than the schedule says (a lower bound: the queue can only be later).
    for (let i = 1; i < attempts.length; i++)
      assert.ok(attempts[i].at - attempts[i - 1].at >= RETRY_SCHEDULE_MS[i - 1] * SCALE - 1, `retry ${i} waited its turn`);
    const dead = await t.gql(`{ failedWebhookDeliveries(endpointId: "${ep.endpoint.id}") { messageId eventType attempts lastError } }`, {
      token: p,
    });
    assert.deepEqual(dead.body.data.failedWebhookDeliveries, [
      { messageId, eventType: 'portico.webhook.test', attempts: 8, lastError: 'endpoint answered 500' },
    ]);
    answers.set('/fail', 204);
    const replayed = await t.gql(`mutation { replayWebhookDeliveries(endpointId: "${ep.endpoint.id}") }`, { token: p });
    assert.equal(replayed.body.data.replayWebhookDeliveries, 1);
    await waitFor('the replayed delivery', () => at('/fail').length === 9);
    await idle();
    assert.equal(at('/fail').length, 9);
    const log = await t.gql(`{ webhookDeliveries(endpointId: "${ep.endpoint.id}", first: 2) { statusCode delivered } }`, { token: p });
    assert.deepEqual(log.body.data.webhookDeliveries, [
      { statusCode: 204, delivered: true },
      { statusCode: 500, delivered: false },
    ]);
  });

  test('an endpoint that does not answer within WEBHOOK_TIMEOUT_MS: the attempt is logged as a timeout (no status) and retried; the retry delivers', async () => {
    const p = await partnerToken('hanging', ['crm.contacts:read']);
    hanging.add('/hang');
    const ep = await createEndpoint(p, '/hang', ['crm.contact.updated']);
    await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
    const log = async () =>
      (await t.gql(`{ webhookDeliveries(endpointId: "${ep.endpoint.id}") { attempt statusCode delivered } }`, { token: p })).body.data
        .webhookDeliveries as { attempt: number; statusCode: number | null; delivered: boolean }[];
    await waitFor('the first attempt to time out', async () => (await log()).length === 1);
    hanging.delete('/hang');
    await waitFor('the retry', async () => (await log()).some((a) => a.delivered));
    await idle();
    // The retry may have started before the endpoint was freed: then it timed out too.
    const entries = await log();
    assert.deepEqual(entries[0], { attempt: entries.length, statusCode: 200, delivered: true });
    assert.ok(entries.length >= 2 && entries.length <= 8, `${entries.length} attempts`);
    const raw = await t.app.notifications.webhooks.deliveries({ kind: 'admin' }, ep.endpoint.id, 10);
    for (const a of raw.slice(1)) assert.deepEqual([a.status, a.delivered, a.error], [null, false, 'timeout']);
    assert.equal(at('/hang').length, entries.length, 'each attempt reached the endpoint once');
  });

  test('an endpoint failing for the whole window (48 h, scaled) is disabled with an admin notice; redirects are failures', async () => {
    const p = await partnerToken('dead-endpoint', ['crm.contacts:read']);
    answers.set('/dead', 302);
    const ep = await createEndpoint(p, '/dead', ['crm.contact.updated']);
    const status = async () =>
      (
        (await t.gql('{ webhookEndpoints { id status disabledReason } }', { token: p })).body.data.webhookEndpoints as {
          status: string;
          disabledReason: string | null;
        }[]
      )[0];
    // Test events, one after another, until the failures span the window.
    await waitFor(
      'the endpoint to be disabled',
      async () => {
        if ((await status()).status === 'DISABLED') return true;
        await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
        await new Promise((r) => setTimeout(r, 300));
        return false;
      },
      20_000,
    );
    assert.deepEqual(await status(), { id: ep.endpoint.id, status: 'DISABLED', disabledReason: 'FAILING' });
    assert.ok(at('/dead').length >= 2);
    const audit = await t.gql(`{ auditLog(first: 50) { nodes { action detail } } }`, { token: t.token('admin') });
    const notice = (audit.body.data.auditLog.nodes as { action: string; detail: string }[]).find(
      (e) => e.action === 'webhookEndpoint.autoDisable',
    );
    assert.ok(notice && JSON.parse(notice.detail).endpointId === ep.endpoint.id);
    // Nothing more is sent to a disabled endpoint.
    await idle();
    const count = at('/dead').length;
    await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
    await idle();
    assert.equal(at('/dead').length, count);
    // Enabled again by the partner, it receives again.
    answers.set('/dead', 200);
    const enabled = await t.gql(`mutation { enableWebhookEndpoint(id: "${ep.endpoint.id}") { status disabledReason } }`, { token: p });
    assert.deepEqual(enabled.body.data.enableWebhookEndpoint, { status: 'ENABLED', disabledReason: null });
    await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
    await waitFor('a delivery after enabling', () => at('/dead').length === count + 1);
  });

  test('an endpoint that fails now and then but also delivers is not disabled: a delivery restarts the window', async () => {
    const p = await partnerToken('flaky-endpoint', ['crm.contacts:read']);
    const ep = await createEndpoint(p, '/flaky', ['crm.contact.updated']);
    const status = async () =>
      ((await t.gql('{ webhookEndpoints { status } }', { token: p })).body.data.webhookEndpoints as { status: string }[])[0].status;
    const send = () => t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
    // A failure starts the window; the retry is answered and delivered.
    answers.set('/flaky', 500);
    await send();
    await waitFor('a failed attempt', () => at('/flaky').length >= 1);
    answers.set('/flaky', 200);
    await idle();
    const seen = at('/flaky').length;
    // Past the whole window (48 h scaled) since that first failure, failures again: the delivery in
    // between restarted the window, so the endpoint stays enabled.
    await new Promise((r) => setTimeout(r, 48 * 3_600_000 * SCALE + 200));
    answers.set('/flaky', 500);
    await send();
    await waitFor('three failed attempts after the window', () => at('/flaky').length >= seen + 3);
    assert.equal(await status(), 'ENABLED');
    answers.set('/flaky', 200);
    await idle();
    assert.equal(await status(), 'ENABLED');
  });
});

describe('secret rotation', () => {
  test('after a rotation deliveries verify with the old and the new secret for the overlap window, then with the new one only', async () => {
    const p = await partnerToken('rotating', ['crm.contacts:read']);
    const ep = await createEndpoint(p, '/rotate', ['crm.contact.updated']);
    const rotated = await t.gql(`mutation { rotateWebhookEndpointSecret(id: "${ep.endpoint.id}") { endpoint { id } secret } }`, {
      token: p,
    });
    const fresh = rotated.body.data.rotateWebhookEndpointSecret.secret as string;
    assert.notEqual(fresh, ep.secret);
    const rotatedAt = performance.now();
    await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
    await waitFor('the delivery', () => at('/rotate').length === 1);
    const during = at('/rotate')[0];
    assert.equal(String(during.headers['webhook-signature']).split(' ').length, 2);
    assert.equal(verifyBoth(during, ep.secret).type, 'portico.webhook.test');
    assert.equal(verifyBoth(during, fresh).type, 'portico.webhook.test');
    // Past the overlap (24 h scaled: 2.16 s), the old secret no longer signs.
    const overlapMs = 24 * 3_600_000 * SCALE;
    await new Promise((r) => setTimeout(r, Math.max(0, overlapMs - (performance.now() - rotatedAt)) + 100));
    await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
    await waitFor('the second delivery', () => at('/rotate').length === 2);
    const afterOverlap = at('/rotate')[1];
    assert.equal(verifyBoth(afterOverlap, fresh).type, 'portico.webhook.test');
    assert.throws(() => verifyBoth(afterOverlap, ep.secret));
  });
});

describe('secrets at rest', () => {
  test('Redis holds the signing secrets encrypted (AES-256-GCM); another key fails clearly; the old key listed opens them and the next write re-encrypts', async () => {
    const p = await partnerToken('sealed', ['crm.contacts:read']);
    const ep = await createEndpoint(p, '/sealed', ['crm.contact.updated']);
    const rotated = await t.gql(`mutation { rotateWebhookEndpointSecret(id: "${ep.endpoint.id}") { secret } }`, { token: p });
    const fresh = rotated.body.data.rotateWebhookEndpointSecret.secret as string;
    const key = `notifytest:notify:wh:ep:${ep.endpoint.id}`;
    const db = redisClient(redis.url);
    try {
      const stored = (await db.get(key))!;
      for (const secret of [ep.secret, fresh]) {
        assert.ok(!stored.includes(secret), 'no secret in the stored record');
        assert.ok(!stored.includes(secret.replace(/^whsec_/, '')), 'not even its base64 body');
      }
      const sealed = (JSON.parse(stored) as { secrets: { secret: string }[] }).secrets.map((s) => s.secret);
      assert.equal(sealed.length, 2);
      for (const s of sealed) assert.match(s, /^v1\.[0-9a-f]{8}\.[\w-]+\.[\w-]+\.[\w-]+$/);

      // Deliveries still sign with the opened secrets (both, in the overlap).
      await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
      await waitFor('the delivery', () => at('/sealed').length === 1);
      assert.equal(verifyBoth(at('/sealed')[0], ep.secret).type, 'portico.webhook.test');
      assert.equal(verifyBoth(at('/sealed')[0], fresh).type, 'portico.webhook.test');

      // A process with another NOTIFY_SECRET_KEY cannot open them, and says which variable to fix.
      const other = '11'.repeat(32);
      const withKey = (env: Record<string, string>) => {
        const config = loadConfig({ ...vendorEnv(sims), NODE_ENV: 'test', REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'notifytest', ...env });
        const logger = createLogger({ level: 'silent' });
        return createPartnerWebhooks({
          config,
          logger,
          redis: db,
          partners: createRedisPartnerStore(db, 'notifytest'),
          audit: createLogAuditLog(logger),
        });
      };
      const wrong = withKey({ NOTIFY_SECRET_KEY: other });
      try {
        await assert.rejects(wrong.setStatus({ kind: 'admin' }, ep.endpoint.id, 'DISABLED'), (err: Error) => {
          assert.equal(err.name, 'SecretKeyError');
          assert.match(err.message, /neither NOTIFY_SECRET_KEY nor in NOTIFY_SECRET_KEYS_OLD/);
          assert.ok(!err.message.includes(ep.secret) && !err.message.includes(fresh));
          return true;
        });
      } finally {
        await wrong.close();
      }
      assert.equal(await db.get(key), stored, 'nothing written by the failed attempt');

      // Key rotation: the new key, the development key (the test app's) listed as old: it opens, and the write re-encrypts.
      const rotatedKey = withKey({ NOTIFY_SECRET_KEY: other, NOTIFY_SECRET_KEYS_OLD: DEV_NOTIFY_SECRET_KEY });
      try {
        const r = await rotatedKey.setStatus({ kind: 'admin' }, ep.endpoint.id, 'DISABLED');
        assert.deepEqual(
          r.secrets.map((s) => s.secret),
          [fresh, ep.secret],
        );
      } finally {
        await rotatedKey.close();
      }
      const ids = (JSON.parse((await db.get(key))!) as { secrets: { secret: string }[] }).secrets.map((s) => s.secret.split('.')[1]);
      const before = sealed.map((s) => s.split('.')[1]);
      assert.equal(new Set(ids).size, 1);
      assert.notEqual(ids[0], before[0], 'sealed with the new key');
    } finally {
      db.disconnect();
    }
  });
});

describe('metrics', () => {
  test('/metrics counts webhook attempts, deliveries, their duration, dead letters and disabled endpoints', async () => {
    const m = (name: string, labels: Record<string, string>) => metric(t.url, name, labels);
    const p = await partnerToken('metered', ['crm.contacts:read']);
    const ep = await createEndpoint(p, '/metered', ['crm.contact.updated']);
    const before = {
      ok: await m('portico_notification_attempts_total', { channel: 'webhook', outcome: 'ok' }),
      delivered: await m('portico_notification_deliveries_total', { channel: 'webhook', outcome: 'delivered' }),
      seconds: await m('portico_notification_attempt_duration_seconds_count', { channel: 'webhook', outcome: 'ok' }),
      partner: await m('portico_notification_endpoints_disabled_total', { reason: 'PARTNER' }),
      skipped: await m('portico_notification_deliveries_total', { channel: 'webhook', outcome: 'skipped' }),
    };
    await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
    await waitFor('the delivery', () => at('/metered').length === 1);
    await idle();
    assert.equal(await m('portico_notification_attempts_total', { channel: 'webhook', outcome: 'ok' }), before.ok + 1);
    assert.equal(await m('portico_notification_deliveries_total', { channel: 'webhook', outcome: 'delivered' }), before.delivered + 1);
    assert.equal(await m('portico_notification_attempt_duration_seconds_count', { channel: 'webhook', outcome: 'ok' }), before.seconds + 1);
    // Disabled by the partner, then a test event: counted as disabled, and the job as skipped.
    const off = await t.gql(`mutation { disableWebhookEndpoint(id: "${ep.endpoint.id}") { status } }`, { token: p });
    assert.equal(off.body.data?.disableWebhookEndpoint?.status, 'DISABLED', JSON.stringify(off.body.errors));
    assert.equal(await m('portico_notification_endpoints_disabled_total', { reason: 'PARTNER' }), before.partner + 1);
    await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: p });
    await idle();
    assert.equal(at('/metered').length, 1);
    assert.equal(await m('portico_notification_deliveries_total', { channel: 'webhook', outcome: 'skipped' }), before.skipped + 1);
    // The failures tests before: the dead-lettered deliveries and the endpoint disabled for failing.
    assert.ok((await m('portico_notification_deliveries_total', { channel: 'webhook', outcome: 'dead_lettered' })) >= 1);
    assert.equal(await m('portico_notification_endpoints_disabled_total', { reason: 'FAILING' }), 1);
    assert.ok((await m('portico_notification_attempts_total', { channel: 'webhook', outcome: 'failed' })) >= 8);
  });
});

describe('revoked partner', () => {
  test('a revoked partner token gets no more deliveries: events are not sent to its endpoints (another partner still gets them), nor test events an admin queues', async () => {
    const minted = await t.gql(
      `mutation($input: CreatePartnerTokenInput!) { createPartnerToken(input: $input) { token partnerToken { id } } }`,
      {
        token: t.token('admin'),
        variables: { input: { name: 'to-revoke', scopes: ['billing.invoices:read', 'webhooks:manage'] } },
      },
    );
    const { token, partnerToken: record } = minted.body.data.createPartnerToken as { token: string; partnerToken: { id: string } };
    const revoked = await createEndpoint(token, '/revoked', ['billing.invoice.payment_failed']);
    await createEndpoint(await partnerToken('control', ['billing.invoices:read']), '/control', ['billing.invoice.payment_failed']);
    const r = await t.gql(`mutation { revokePartnerToken(id: "${record.id}") { id } }`, { token: t.token('admin') });
    assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
    assert.equal((await t.gql('{ webhookEndpoints { id } }', { token })).body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // Partner records are read at most once a second per process: past that, the revocation applies.
    await new Promise((done) => setTimeout(done, 1100));
    await declinePayment();
    await waitFor("the other partner's delivery", () => at('/control').length === 1);
    const sent = await t.gql(`mutation { sendTestWebhookEvent(id: "${revoked.endpoint.id}") }`, { token: t.token('admin') });
    assert.equal(sent.body.errors, undefined, JSON.stringify(sent.body.errors));
    await idle();
    assert.equal(at('/revoked').length, 0, 'nothing reaches the revoked partner');
    assert.equal(at('/control').length, 1);
  });
});

describe('endpoints per partner', () => {
  test('at most WEBHOOK_MAX_ENDPOINTS enabled endpoints per partner, also when ten are created side by side; a disabled one does not count; enabling past it is refused', async () => {
    const p = await partnerToken('many-endpoints', ['crm.contacts:read']);
    const tries = await Promise.all(
      Array.from({ length: 10 }, (_, i) =>
        t.gql(CREATE, { token: p, variables: { input: { url: `${base}/many/${i}`, eventTypes: ['crm.contact.updated'] } } }),
      ),
    );
    const created = tries.filter((r) => r.body.data?.createWebhookEndpoint);
    assert.equal(created.length, 3, JSON.stringify(tries.map((r) => r.body.errors?.[0]?.message ?? 'created')));
    for (const r of tries.filter((x) => !x.body.data?.createWebhookEndpoint)) {
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.match(r.body.errors[0].message, /WEBHOOK_MAX_ENDPOINTS allows \(3\)/);
    }
    const list = async () =>
      (await t.gql('{ webhookEndpoints { id status } }', { token: p })).body.data.webhookEndpoints as { id: string; status: string }[];
    assert.equal((await list()).length, 3, 'nothing stored for the refused ones');
    const first = created[0].body.data.createWebhookEndpoint.endpoint.id as string;
    const off = await t.gql(`mutation { disableWebhookEndpoint(id: "${first}") { status } }`, { token: p });
    assert.equal(off.body.data?.disableWebhookEndpoint?.status, 'DISABLED');
    await createEndpoint(p, '/many/after-disable', ['crm.contact.updated']);
    const again = await t.gql(`mutation { enableWebhookEndpoint(id: "${first}") { status } }`, { token: p });
    assert.equal(again.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal((await list()).filter((e) => e.status === 'ENABLED').length, 3);
    // Another partner has its own three.
    const other = await partnerToken('many-endpoints-2', ['crm.contacts:read']);
    await createEndpoint(other, '/many/other', ['crm.contact.updated']);
  });
});

describe("another partner's endpoint", () => {
  test('its id in every endpoint mutation and query: NOT_FOUND, as for none; nothing changed, nothing sent, no secret', async () => {
    const owner = await partnerToken('owner', ['crm.contacts:read']);
    const intruder = await partnerToken('intruder', ['crm.contacts:read']);
    answers.set('/owned', 500);
    const ep = await createEndpoint(owner, '/owned', ['crm.contact.updated']);
    // One dead-lettered delivery, so a replay would have something to send.
    const sent = await t.gql(`mutation { sendTestWebhookEvent(id: "${ep.endpoint.id}") }`, { token: owner });
    assert.equal(sent.body.errors, undefined, JSON.stringify(sent.body.errors));
    await waitFor('eight attempts', () => at('/owned').length >= 8);
    await idle();
    const attempts = at('/owned').length;
    const id = ep.endpoint.id;
    const tries = {
      disable: `mutation { disableWebhookEndpoint(id: "${id}") { id status } }`,
      enable: `mutation { enableWebhookEndpoint(id: "${id}") { id status } }`,
      rotate: `mutation { rotateWebhookEndpointSecret(id: "${id}") { secret } }`,
      test: `mutation { sendTestWebhookEvent(id: "${id}") }`,
      replay: `mutation { replayWebhookDeliveries(endpointId: "${id}") }`,
      dead: `{ failedWebhookDeliveries(endpointId: "${id}") { messageId } }`,
      log: `{ webhookDeliveries(endpointId: "${id}") { attempt } }`,
      // Aliased and through a fragment: the same answer.
      aliased: `mutation { a: rotateWebhookEndpointSecret(id: "${id}") { ...S } } fragment S on CreatedWebhookEndpoint { secret }`,
    };
    for (const [what, q] of Object.entries(tries)) {
      const r = await t.gql(q, { token: intruder });
      assert.equal(r.body.errors?.[0]?.extensions?.code, 'NOT_FOUND', `${what}: ${JSON.stringify(r.body)}`);
      assert.doesNotMatch(JSON.stringify(r.body), /whsec_/, `${what}: no secret`);
      const none = await t.gql(q.replace(id, 'we_doesNotExist'), { token: intruder });
      assert.equal(none.body.errors?.[0]?.extensions?.code, 'NOT_FOUND', `${what} of none`);
      assert.equal(
        r.body.errors[0].message.replace(id, 'X'),
        none.body.errors[0].message.replace('we_doesNotExist', 'X'),
        'the same answer as for an endpoint that does not exist',
      );
    }
    await idle();
    assert.equal(at('/owned').length, attempts, 'no test event and no replay sent');
    const mine = await t.gql('{ webhookEndpoints { id status } }', { token: owner });
    assert.deepEqual(mine.body.data.webhookEndpoints, [{ id, status: 'ENABLED' }]);
    const dead = await t.gql(`{ failedWebhookDeliveries(endpointId: "${id}") { attempts } }`, { token: owner });
    assert.deepEqual(dead.body.data.failedWebhookDeliveries, [{ attempts: 8 }], 'still dead-lettered, not replayed');
    // The owner's secret still verifies a new delivery: no rotation happened.
    answers.set('/owned', 200);
    await t.gql(`mutation { sendTestWebhookEvent(id: "${id}") }`, { token: owner });
    await waitFor('the delivery', () => at('/owned').length === attempts + 1);
    assert.equal(String(at('/owned').at(-1)!.headers['webhook-signature']).split(' ').length, 1, 'one secret signs');
    verifyBoth(at('/owned').at(-1)!, ep.secret);
  });
});

describe('SSRF checks (production: WEBHOOK_ALLOW_PRIVATE_URLS=false)', () => {
  test('loopback, private and link-local URLs in any spelling, names resolving to them, and http are BAD_USER_INPUT; nothing stored', async () => {
    const strict = await startTestApp({
      sims,
      env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'notifystrict', WEBHOOK_ALLOW_PRIVATE_URLS: 'false', ...WEBHOOK_ENV },
    });
    try {
      const minted = await strict.gql(`mutation($input: CreatePartnerTokenInput!) { createPartnerToken(input: $input) { token } }`, {
        token: strict.token('admin'),
        variables: { input: { name: 'ssrf', scopes: ['crm.contacts:read', 'webhooks:manage'] } },
      });
      const token = minted.body.data.createPartnerToken.token as string;
      for (const url of [
        base.replace('http:', 'https:'),
        `${base}/plain-http`,
        'https://localhost/hook',
        'https://2130706433/hook',
        'https://0x7f.0.0.1/hook',
        'https://0177.0.0.1/hook',
        'https://127.1/hook',
        'https://169.254.169.254/latest/meta-data',
        'https://[::1]/hook',
        'https://[::ffff:127.0.0.1]/hook',
        'https://[::127.0.0.1]/hook',
        'https://[64:ff9b::a9fe:a9fe]/hook',
        'https://[2002:a00:1::]/hook',
        'https://[fd00::1]/hook',
      ]) {
        const r = await strict.gql(CREATE, { token, variables: { input: { url, eventTypes: ['crm.contact.updated'] } } });
        assert.equal(r.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${url}: ${JSON.stringify(r.body)}`);
        assert.match(r.body.errors[0].message, /https|loopback, private or link-local/, url);
      }
      const eps = await strict.gql('{ webhookEndpoints { id } }', { token });
      assert.deepEqual(eps.body.data.webhookEndpoints, []);
    } finally {
      await strict.close();
    }
  });
});
