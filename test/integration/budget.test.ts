/**
 * Vendor budgets shared by instances through Redis: together they never exceed a vendor's
 * limit, over-budget fields fail with RATE_LIMITED and a retry hint (never the whole response),
 * and a vendor's Retry-After given to one instance holds back every instance.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { awayFromWindowEdge } from '../helpers/windows.js';

let redis: TestRedis;
let sims: Simulators;
before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
});
after(async () => {
  await sims.close();
  await redis.stop();
});

// A Redis that does not answer a budget take within 1 s fails it open (an outage must not stop
// vendor calls); the cache reads' deadline is generous too, so a loaded machine changes nothing.
async function pair(prefix: string, extra: Record<string, string> = {}): Promise<[TestApp, TestApp]> {
  const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: prefix, CACHE_ENABLED: 'false', REDIS_COMMAND_TIMEOUT_MS: '2000', ...extra };
  return [await startTestApp({ sims, env }), await startTestApp({ sims, env })];
}

const Q = `query($id: ID!) { customer(id: $id) { id name tickets(first: 1) { nodes { id } } } }`;

test('two instances on one Redis together never exceed a vendor budget; the rest is RATE_LIMITED with a retry hint', async () => {
  // Ten Zendesk requests a day (nine after the default 10% headroom), in one fixed window.
  await awayFromWindowEdge(86_400, 120);
  const [a, b] = await pair('budget1', { VENDOR_BUDGETS: 'zendesk=10/86400s' });
  try {
    sims.resetStats();
    const ids = sims.data.customers.slice(0, 8).map((c) => c.crmId);
    const results = await Promise.all(
      ids.flatMap((id) => [a, b].map((app) => app.gql(Q, { token: app.token('agent'), variables: { id } }))),
    );
    // Zendesk saw exactly the budget: each request needs show_many then a ticket page.
    assert.equal(sims.stats('zendesk').total, 9);
    for (const r of results) {
      assert.equal(r.status, 200);
      assert.ok(r.body.data.customer.name, 'the rest of the page is served');
    }
    const limited = results.flatMap((r) => r.body.errors ?? []);
    assert.ok(limited.length >= 16 - 5);
    for (const e of limited) {
      assert.equal(e.extensions?.code, 'RATE_LIMITED');
      assert.equal(e.extensions?.system, 'support');
      assert.ok(Number(e.extensions?.retryAfter) > 0);
    }
  } finally {
    await a.close();
    await b.close();
  }
});

test("a vendor's Retry-After given to one instance is honoured by every instance", async () => {
  const [a, b] = await pair('budget2');
  sims.setFaults('zendesk', { rateLimitPerSecond: 0, retryAfterSeconds: 30 });
  try {
    sims.resetStats();
    const first = await a.gql(Q, { token: a.token('agent'), variables: { id: '1001' } });
    assert.equal(first.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
    assert.equal(sims.stats('zendesk').total, 1);
    for (const app of [b, a]) {
      const res = await app.gql(Q, { token: app.token('agent'), variables: { id: '1002' } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
      assert.ok(Number(res.body.errors?.[0]?.extensions?.retryAfter) > 1);
    }
    // Neither instance called Zendesk again before its Retry-After.
    assert.equal(sims.stats('zendesk').total, 1);
  } finally {
    sims.setFaults('zendesk', {});
    await a.close();
    await b.close();
  }
});
