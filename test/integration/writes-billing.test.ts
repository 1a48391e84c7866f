/**
 * Subscription mutations against the Stripe simulator with a real Redis: cancel at period end,
 * resume, cancel at once, read-your-writes, ownership, the Stripe idempotency key derived from the
 * client's (Stripe receives it and replays on it), and no blind retry without one.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { runOnSubgraph } from '../helpers/subgraph.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  t = await startTestApp({ sims, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'writesbilling', UPSTREAM_RETRIES: '2' } });
});
after(async () => {
  await t?.close();
  await sims?.close();
  await redis?.stop();
});

const CANCEL = `mutation($now: Boolean, $c: ID) { cancelSubscription(atPeriodEnd: $now, customerId: $c) { id status cancelAtPeriodEnd } }`;
const RESUME = `mutation($c: ID) { resumeSubscription(customerId: $c) { id status cancelAtPeriodEnd } }`;
const SUB = `{ me { billing { subscription { id status cancelAtPeriodEnd } } } }`;
const subOf = (crmId: string) => sims.data.customers.find((c) => c.crmId === crmId)!.subscription!;
const updates = () => sims.stats('stripe').byRoute['POST /v1/subscriptions/{id}'] ?? 0;

describe('cancelSubscription and resumeSubscription', () => {
  test('cancel at period end, then resume; each shows on the next read', async () => {
    const token = t.token('customer', '1001');
    const id = subOf('1001').id;
    assert.deepEqual((await t.gql(SUB, { token })).body.data.me.billing.subscription, { id, status: 'ACTIVE', cancelAtPeriodEnd: false });
    await t.app.cache.settle();
    sims.resetStats();
    const canceled = await t.gql(CANCEL, { token });
    assert.deepEqual(canceled.body.data.cancelSubscription, { id, status: 'ACTIVE', cancelAtPeriodEnd: true });
    assert.equal(updates(), 1);
    assert.deepEqual((await t.gql(SUB, { token })).body.data.me.billing.subscription, { id, status: 'ACTIVE', cancelAtPeriodEnd: true });
    await t.app.cache.settle();

    // Already scheduled: nothing to write.
    sims.resetStats();
    assert.equal((await t.gql(CANCEL, { token })).body.data.cancelSubscription.cancelAtPeriodEnd, true);
    assert.equal(updates(), 0);

    const resumed = await t.gql(RESUME, { token });
    assert.deepEqual(resumed.body.data.resumeSubscription, { id, status: 'ACTIVE', cancelAtPeriodEnd: false });
    assert.deepEqual((await t.gql(SUB, { token })).body.data.me.billing.subscription, { id, status: 'ACTIVE', cancelAtPeriodEnd: false });
  });

  test("Stripe Search lagging a minute behind writes: a resume right after a cancel still resumes (the subscription is read by the customer's link)", async () => {
    const lagging = await startSimulators({ faults: { stripe: { searchLagMs: 60_000 } } });
    const app = await startTestApp({ sims: lagging, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'writesbilling-lag' } });
    try {
      const token = app.token('customer', '1001');
      const sub = lagging.data.customers.find((c) => c.crmId === '1001')!.subscription!;
      const canceled = await app.gql(CANCEL, { token });
      assert.equal(canceled.body.errors, undefined, JSON.stringify(canceled.body.errors));
      assert.equal(canceled.body.data.cancelSubscription.cancelAtPeriodEnd, true);
      lagging.resetStats();
      const resumed = await app.gql(RESUME, { token });
      assert.deepEqual(resumed.body.data.resumeSubscription, { id: sub.id, status: 'ACTIVE', cancelAtPeriodEnd: false });
      assert.equal(lagging.stats('stripe').byRoute['POST /v1/subscriptions/{id}'], 1, 'Stripe was asked to resume');
      assert.equal(lagging.stats('stripe').byRoute['GET /v1/customers/search'] ?? 0, 0, 'no Search on the way to the write');
      // Stripe's own state, read directly: resumed.
      await app.app.cache.settle();
      const after = await app.gql(SUB, { token });
      assert.deepEqual(after.body.data.me.billing.subscription, { id: sub.id, status: 'ACTIVE', cancelAtPeriodEnd: false });
    } finally {
      await app.close();
      await lagging.close();
    }
  });

  test('cancel at once; there is then no subscription to resume', async () => {
    const token = t.token('customer', '1002');
    sims.resetStats();
    const res = await t.gql(CANCEL, { token, variables: { now: false } });
    assert.deepEqual(res.body.data.cancelSubscription, { id: subOf('1002').id, status: 'CANCELED', cancelAtPeriodEnd: false });
    assert.equal(sims.stats('stripe').byRoute['DELETE /v1/subscriptions/{id}'], 1);
    assert.equal((await t.gql(SUB, { token })).body.data.me.billing.subscription, null);
    const resume = await t.gql(RESUME, { token });
    assert.equal(resume.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test("another customer's subscription is FORBIDDEN, agents may not change plans; no Stripe call", async () => {
    sims.resetStats();
    const foreign = await t.gql(CANCEL, { token: t.token('customer', '1001'), variables: { c: '1004' } });
    assert.equal(foreign.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const agent = await t.gql(CANCEL, { token: t.token('agent'), variables: { c: '1004' } });
    assert.equal(agent.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const admin = await t.gql(RESUME, { token: t.token('admin') });
    assert.equal(admin.body.errors?.[0]?.extensions?.argument, 'customerId');
    assert.equal(sims.stats('stripe').total, 0);
  });
});

describe('Stripe idempotency', () => {
  const derived = (key: string, action: string) => `portico-${createHash('sha256').update(`${action}\n${key}`).digest('hex')}`;
  const stripe = (path: string, body: string, key: string) =>
    fetch(`${sims.urls.stripe}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${sims.credentials.stripeSecretKey}`,
        'content-type': 'application/x-www-form-urlencoded',
        'idempotency-key': key,
      },
      body,
    });

  test('the Stripe simulator forgets an idempotency key after its lifetime (Stripe: 24 hours), as Stripe does: the same key then runs again', async () => {
    const id = subOf('1009').id;
    // A lifetime long enough that the replay below comes well within it on a loaded machine.
    sims.setFaults('stripe', { idempotencyKeyTtlMs: 1500 });
    try {
      const first = await stripe(`/v1/subscriptions/${id}`, 'cancel_at_period_end=false', 'ttl-key-1');
      const replay = await stripe(`/v1/subscriptions/${id}`, 'cancel_at_period_end=false', 'ttl-key-1');
      assert.equal(first.status, 200, await first.text());
      assert.equal(first.headers.get('idempotent-replayed'), null);
      assert.equal(replay.headers.get('idempotent-replayed'), 'true');
      await new Promise((r) => setTimeout(r, 1600));
      const later = await stripe(`/v1/subscriptions/${id}`, 'cancel_at_period_end=false', 'ttl-key-1');
      assert.equal(later.status, 200);
      assert.equal(later.headers.get('idempotent-replayed'), null);
    } finally {
      sims.setFaults('stripe', {});
    }
  });

  test('Stripe receives the key derived from ours, retries on it, and replays on it', async () => {
    const id = subOf('1004').id;
    // 1st request (the account search) fails and is retried; 3rd (the update) fails and is retried with the same key.
    sims.setFaults('stripe', { failureRate: 0.5 });
    sims.resetStats();
    let res;
    try {
      res = await runOnSubgraph(t, 'billing', `mutation { cancelSubscription { id cancelAtPeriodEnd } }`, {
        role: 'customer',
        sub: '1004',
        customerId: '1004',
        idempotencyKey: 'user:1004:k-1',
      });
    } finally {
      sims.setFaults('stripe', {});
    }
    assert.equal(res.errors, undefined, JSON.stringify(res.errors));
    assert.deepEqual({ ...res.data?.cancelSubscription }, { id, cancelAtPeriodEnd: true });
    assert.equal(updates(), 2);
    const key = derived('user:1004:k-1', 'billing.subscription.cancel');
    const replay = await stripe(`/v1/subscriptions/${id}`, 'cancel_at_period_end=true', key);
    assert.equal(replay.status, 200);
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
    const misuse = await stripe(`/v1/subscriptions/${id}`, 'cancel_at_period_end=false', key);
    assert.equal(misuse.status, 400);
    assert.equal(((await misuse.json()) as { error: { type: string } }).error.type, 'idempotency_error');
  });

  test("over HTTP: the client's Idempotency-Key reaches Stripe derived; the client's retry writes nothing more", async () => {
    const token = t.token('customer', '1008');
    const id = subOf('1008').id;
    sims.resetStats();
    const headers = { 'idempotency-key': 'plan-page-7f3a' };
    const first = await t.gql(CANCEL, { token, headers });
    assert.deepEqual(first.body, { data: { cancelSubscription: { id, status: 'ACTIVE', cancelAtPeriodEnd: true } } });
    const retry = await t.gql(CANCEL, { token, headers });
    assert.deepEqual(retry.body, first.body);
    assert.equal(updates(), 1);
    // The HTTP layer scopes the key to the principal (user:<sub>:<key>); Stripe holds the key derived from that.
    const replay = await stripe(
      `/v1/subscriptions/${id}`,
      'cancel_at_period_end=true',
      derived('user:1008:plan-page-7f3a', 'billing.subscription.cancel'),
    );
    assert.equal(replay.headers.get('idempotent-replayed'), 'true');
  });

  test('without a client key, a failed update is retried under a key of its own: done once, reported done', async () => {
    sims.setFaults('stripe', { failureRate: 0.5 });
    sims.resetStats();
    try {
      const res = await t.gql(CANCEL, { token: t.token('customer', '1007') });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      assert.equal(res.body.data.cancelSubscription.cancelAtPeriodEnd, true);
      // The subscription read, then the update (refused once by the fault, then made).
      assert.equal(updates(), 2);
    } finally {
      sims.setFaults('stripe', {});
    }
    assert.equal(sims.data.customers.find((c) => c.crmId === '1007')!.subscription!.cancel_at_period_end, true);
  });

  for (const as of ['reset', 'status'] as const) {
    test(`Stripe makes the update and its answer is lost (${as}): the retry under the same key gets Stripe's stored answer; reported done`, async () => {
      const id = as === 'reset' ? '1006' : '1005';
      const sub = sims.data.customers.find((c) => c.crmId === id)!.subscription!;
      assert.equal(sub.cancel_at_period_end, false);
      sims.setFaults('stripe', { loseAnswers: 1, loseAnswerAs: as });
      sims.resetStats();
      try {
        const res = await t.gql(CANCEL, { token: t.token('customer', id) });
        assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
        assert.equal(res.body.data.cancelSubscription.cancelAtPeriodEnd, true);
        assert.equal(updates(), 2, 'the lost attempt and its retry');
      } finally {
        sims.setFaults('stripe', {});
      }
      assert.equal(sub.cancel_at_period_end, true);
    });
  }
});
