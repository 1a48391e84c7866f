/**
 * Per-row calls (a vendor without a batch endpoint) are paced by the vendor budget, not by a
 * fixed concurrency: they go out together while the budget allows (one round trip, counted by
 * the simulators, never timed), and what the budget does not allow fails that field with
 * RATE_LIMITED and a retry hint before any request is sent. Webhook re-reads made through the
 * connectors are background work: they stop at the reserve the budget keeps for interactive reads.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createUpstreams } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { createMemoryBudgetStore } from '../../src/platform/budget.js';
import { createLogger } from '../../src/platform/logger.js';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { simEnv, startTestApp, TEST_CRM } from '../helpers/app.js';
import { awayFromWindowEdge } from '../helpers/windows.js';

const LATENCY = { latencyMs: 100 };
const CARDS = 'GET /v1/customers/{id}/payment_methods';
const LIST = `{ customers(first: 20) { nodes { id name billing { paymentMethods { last4 } } } } }`;

let sims: Simulators;
before(async () => {
  // Every vendor answers after 100 ms, so calls sent together overlap and count as one round trip.
  sims = await startSimulators({ faults: { [TEST_CRM]: LATENCY, stripe: LATENCY, zendesk: LATENCY, s3: LATENCY } });
});
after(async () => {
  await sims.close();
});

describe('per-row calls paced by the vendor budget', () => {
  test('twenty card lists go out in one round trip: search, accounts, then every card list at once', async () => {
    const t = await startTestApp({ sims, env: { CACHE_ENABLED: 'false' } });
    try {
      // Warm-up: an SDK's first call does one-off work that would blur the round trips.
      await t.gql(LIST, { token: t.token('admin') });
      sims.resetStats();
      const res = await t.gql(LIST, { token: t.token('admin') });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      const nodes = res.body.data.customers.nodes as { id: string; billing: { paymentMethods: unknown[] } | null }[];
      assert.equal(nodes.length, 20);
      for (const n of nodes) {
        const seed = sims.data.customers.find((c) => c.crmId === n.id)!;
        assert.equal(n.billing?.paymentMethods.length, seed.paymentMethods.length, n.id);
      }
      assert.equal(sims.stats('stripe').byRoute[CARDS], 20);
      // With a fixed cap of 8 calls at once the 20 lists took three round trips of their own (five in all).
      assert.equal(sims.roundTrips(), 3);
    } finally {
      await t.close();
    }
  });

  test('calls beyond the budget are not sent: those fields fail with RATE_LIMITED and a retry hint, the page is served', async () => {
    // Twelve Stripe requests a day, ten after the default 10% headroom: two searches, then eight card lists.
    await awayFromWindowEdge(86_400, 120);
    const t = await startTestApp({ sims, env: { CACHE_ENABLED: 'false', VENDOR_BUDGETS: 'stripe=12/86400s' } });
    try {
      sims.resetStats();
      const res = await t.gql(LIST, { token: t.token('admin') });
      assert.equal(res.status, 200);
      assert.equal(sims.stats('stripe').total, 10);
      assert.equal(sims.stats('stripe').byRoute[CARDS], 8);
      assert.equal(sims.stats('stripe').refused ?? 0, 0, 'no request reached the vendor over its limit');
      const nodes = res.body.data.customers.nodes as { name: string; billing: { paymentMethods: unknown[] | null } | null }[];
      assert.equal(nodes.length, 20);
      for (const n of nodes) assert.ok(n.name, 'CRM fields are served');
      const errors = res.body.errors ?? [];
      assert.equal(errors.length, 12);
      for (const e of errors) {
        assert.equal(e.extensions?.code, 'RATE_LIMITED');
        assert.equal(e.extensions?.system, 'billing');
        assert.ok(Number(e.extensions?.retryAfter) > 0);
        assert.equal(e.path?.at(-1), 'paymentMethods');
      }
    } finally {
      await t.close();
    }
  });
});

describe('background work yields the budget at the connectors', () => {
  test("webhook re-reads stop at the interactive reserve; a read still gets the reserve's calls", async () => {
    // Fifteen Stripe requests a day: thirteen after headroom, of which two (20%, rounded down) are kept for interactive reads.
    await awayFromWindowEdge(86_400, 120);
    const config = loadConfig({ ...simEnv(sims), VENDOR_BUDGETS: 'stripe=15/86400s' });
    const u = createUpstreams(config, createLogger({ level: 'silent' }), undefined, createMemoryBudgetStore());
    try {
      const seed = sims.data.customers[0];
      sims.resetStats();
      const background = await Promise.allSettled(Array.from({ length: 13 }, () => u.billing.customer(seed.stripeCustomerId)));
      assert.equal(background.filter((r) => r.status === 'fulfilled').length, 11);
      for (const r of background.filter((x) => x.status === 'rejected'))
        assert.equal((r.reason as { extensions?: { code?: string } }).extensions?.code, 'RATE_LIMITED');
      assert.equal(sims.stats('stripe').total, 11);
      // Interactive reads (a page's billing) still have the reserve: two calls.
      const reads = await Promise.allSettled(
        Array.from({ length: 3 }, () => u.billing.accountsByLinks([{ crmId: seed.crmId, billingCustomerId: seed.stripeCustomerId }])),
      );
      assert.equal(reads.filter((r) => r.status === 'fulfilled').length, 2);
      assert.equal(sims.stats('stripe').total, 13);
    } finally {
      await u.close();
    }
  });
});

describe('an over-budget read served from the cache when it may be', () => {
  test('an expired entry is answered from its stale copy; a record never read fails with RATE_LIMITED; a purge drops both', async () => {
    // Three Zendesk requests a day, two after headroom: one customer's first read (user lookup, ticket page).
    await awayFromWindowEdge(86_400, 120);
    const t = await startTestApp({ sims, env: { VENDOR_BUDGETS: 'zendesk=3/86400s', RESPONSE_CACHE_TTL_S: '0' } });
    const q = `query($id: ID!) { customer(id: $id) { id tickets(first: 3) { nodes { id subject status } } } }`;
    const token = t.token('agent');
    const [one, two] = sims.data.customers.filter((c) => c.tickets.length > 0);
    try {
      sims.resetStats();
      const first = await t.gql(q, { token, variables: { id: one.crmId } });
      assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
      assert.equal(sims.stats('zendesk').total, 2);
      await t.app.cache.settle();
      // The fresh entry expires (its TTL is over); the budget is spent.
      const ticketsKey = `${t.app.config.keyPrefix}:support:tickets:${one.crmId}:first:v2`;
      await t.app.cache.store.del([ticketsKey]);
      const again = await t.gql(q, { token, variables: { id: one.crmId } });
      assert.equal(again.body.errors, undefined, JSON.stringify(again.body.errors));
      assert.deepEqual(again.body.data, first.body.data);
      assert.equal(sims.stats('zendesk').total, 2, 'no call went out');

      const other = await t.gql(q, { token, variables: { id: two.crmId } });
      assert.equal(other.status, 200);
      assert.equal(other.body.data.customer.id, two.crmId);
      assert.equal(other.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
      assert.ok(Number(other.body.errors?.[0]?.extensions?.retryAfter) > 0);

      // A purge (a write or a webhook said the customer changed) drops the stale copy too.
      await t.app.subgraphs.purgeCustomer(one.crmId);
      const purged = await t.gql(q, { token, variables: { id: one.crmId } });
      assert.equal(purged.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
      assert.equal(sims.stats('zendesk').total, 2);
    } finally {
      await t.close();
    }
  });
});
