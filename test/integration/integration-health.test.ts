/**
 * `integrationHealth`: a dead-lettered webhook event shows in its queue, an open circuit shows
 * as OPEN, and the last reconciliation is read from `<prefix>:reconcile:last` as the job leaves
 * it. Real redis-server, real simulators (fault knobs), real HTTP.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, TEST_CRM } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { post, redisClient, stripeEvent, stripeHeader, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

const PREFIX = 'healthtest';
let redis: TestRedis;
let sims: Simulators;
let r: Redis;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  r = redisClient(redis.url);
});
after(async () => {
  r?.disconnect();
  await sims?.close();
  await redis?.stop();
});

const HEALTH = `{ integrationHealth {
  queues { name available waiting active failed deadLettered oldestWaitingSeconds }
  lastReconciliation { startedAt finishedAt customersChecked errors fields { system field drift repaired } }
  circuits { system state }
  automations { name trigger steps enabled builtIn }
} }`;

describe('integrationHealth', () => {
  test('a dead-lettered webhook event and an open circuit are visible; no reconciliation yet is null', async () => {
    await redis.flush();
    const t = await startTestApp({
      sims,
      env: {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: PREFIX,
        EVENT_ATTEMPTS: '3',
        EVENT_BACKOFF_MS: '20',
        EVENT_BACKOFF_MAX_MS: '100',
        // Three failed calls in the window open the billing circuit, which then stays open for the test.
        UPSTREAM_BREAKER_VOLUME: '3',
        UPSTREAM_BREAKER_RESET_MS: '600000',
        ...WEBHOOK_ENV,
      },
    });
    try {
      const admin = t.token('admin');
      const before = (await t.gql(HEALTH, { token: admin })).body.data.integrationHealth;
      assert.deepEqual(
        before.queues.map((q: { name: string }) => q.name),
        // Registry order (the CRM first, as in circuits), then the replica queue, the automations', the partner webhooks'.
        [`webhooks-${TEST_CRM}`, 'webhooks-stripe', 'webhooks-zendesk', 'replicas', 'automations', 'partner-webhooks'],
      );
      // The built-ins, on by default outside production.
      assert.deepEqual(before.automations, [
        {
          name: 'payment-failed',
          trigger: 'billing.invoice.payment_failed',
          steps: ['open-ticket', 'mark-past-due', 'settle-if-paid', 'notify-customer'],
          enabled: true,
          builtIn: true,
        },
        {
          name: 'payment-succeeded',
          trigger: 'billing.invoice.paid',
          steps: ['mark-active', 'solve-ticket', 'notify-customer'],
          enabled: true,
          builtIn: true,
        },
        {
          name: 'subscription-canceled',
          trigger: 'billing.subscription.canceled',
          steps: ['set-crm-status', 'note-tickets'],
          enabled: true,
          builtIn: true,
        },
        {
          name: 'subscription-resumed',
          trigger: 'billing.subscription.resumed',
          steps: ['set-crm-status', 'note-tickets'],
          enabled: true,
          builtIn: true,
        },
        { name: 'ticket-solved', trigger: 'support.ticket.solved', steps: ['notify-customer'], enabled: true, builtIn: true },
        {
          name: 'customer-signed-up',
          trigger: 'crm.customer.registered',
          steps: ['welcome', 'notify-admins'],
          enabled: true,
          builtIn: true,
        },
      ]);
      assert.equal(before.lastReconciliation, null);
      assert.deepEqual(before.circuits, [
        { system: TEST_CRM, state: 'CLOSED' },
        { system: 'stripe', state: 'CLOSED' },
        { system: 'zendesk', state: 'CLOSED' },
        { system: 's3', state: 'CLOSED' },
      ]);

      sims.setFaults('stripe', { failureRate: 1 });
      const c = sims.data.customers.find((x) => x.crmId === '1001')!;
      const e = stripeEvent('invoice.updated', { id: c.invoices[1].id, object: 'invoice', customer: c.stripeCustomerId });
      const payload = JSON.stringify(e);
      assert.equal((await post(`${t.url}/webhooks/stripe`, payload, { 'stripe-signature': stripeHeader(payload) })).status, 200);
      await waitFor(
        'the event to be dead-lettered',
        async () => stripeQueue((await t.gql(HEALTH, { token: admin })).body.data.integrationHealth)?.deadLettered === 1,
      );
      const h = (await t.gql(HEALTH, { token: admin })).body.data.integrationHealth;
      assert.deepEqual(stripeQueue(h), {
        name: 'webhooks-stripe',
        available: true,
        waiting: 0,
        active: 0,
        failed: 0,
        deadLettered: 1,
        oldestWaitingSeconds: 0,
      });
      assert.deepEqual(
        h.circuits.find((x: { system: string }) => x.system === 'stripe'),
        { system: 'stripe', state: 'OPEN' },
      );

      // Admins only.
      assert.equal((await t.gql(HEALTH, { token: t.token('agent') })).body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    } finally {
      sims.setFaults('stripe', {});
      await t.close();
    }
  });

  test('the last reconciliation is read from <prefix>:reconcile:last as the job writes it', async () => {
    await redis.flush();
    const t = await startTestApp({ sims, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX, EVENT_WORKERS: 'false' } });
    try {
      const run = {
        startedAt: '2026-11-23T22:00:00.000Z',
        finishedAt: '2026-11-23T22:01:30.000Z',
        customersChecked: 120,
        fields: [
          { system: 'stripe', field: 'email', drift: 3, repaired: 3 },
          { system: 'zendesk', field: 'name', drift: 1, repaired: 0 },
        ],
        errors: 1,
      };
      await r.set(`${PREFIX}:reconcile:last`, JSON.stringify(run));
      const h = (await t.gql(HEALTH, { token: t.token('admin') })).body;
      assert.equal(h.errors, undefined);
      assert.deepEqual(h.data.integrationHealth.lastReconciliation, run);

      // A value that does not fit the shape reads as null, not as an error.
      await r.set(`${PREFIX}:reconcile:last`, '{"startedAt": 5}');
      assert.equal((await t.gql(HEALTH, { token: t.token('admin') })).body.data.integrationHealth.lastReconciliation, null);
    } finally {
      await t.close();
    }
  });
});

function stripeQueue(health: { queues: { name: string; deadLettered: number }[] }) {
  return health.queues.find((q) => q.name === 'webhooks-stripe');
}
