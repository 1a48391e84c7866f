/**
 * Vendor budgets shared by instances through Redis: together they never exceed a vendor's
 * limit, over-budget fields fail with RATE_LIMITED and a retry hint (never the whole response),
 * a vendor's Retry-After given to one instance holds back every instance, and while Redis cannot
 * be asked each process meters its share of the budget (VENDOR_BUDGET_LOCAL_SHARE), not all of it.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { DEFAULT_SIM_CREDENTIALS, startSimulators, type Simulators } from '../../sim/index.js';
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

test('Redis gone: each process meters only its share of a budget (VENDOR_BUDGET_LOCAL_SHARE), so the processes together stay within the plan', async () => {
  // Ten Zendesk requests a day, nine after the headroom; this process's half of them while Redis is away: four.
  await awayFromWindowEdge(86_400, 120);
  const own = await startRedis();
  const app = await startTestApp({
    sims,
    env: {
      REDIS_URL: own.url,
      REDIS_KEY_PREFIX: 'budget-share',
      CACHE_ENABLED: 'false',
      VENDOR_BUDGETS: 'zendesk=10/86400s',
      VENDOR_BUDGET_LOCAL_SHARE: '0.5',
    },
  });
  try {
    await own.stop();
    sims.resetStats();
    const ids = sims.data.customers.slice(10, 18).map((c) => c.crmId);
    const results = await Promise.all(ids.map((id) => app.gql(Q, { token: app.token('agent'), variables: { id } })));
    // At most its share reached Zendesk (the default share, 1, would have let nine through).
    assert.ok(sims.stats('zendesk').total <= 4, `Zendesk calls: ${sims.stats('zendesk').total}`);
    const codes = results.flatMap((r) => (r.body.errors ?? []).map((e) => e.extensions?.code));
    assert.ok(codes.includes('RATE_LIMITED'), JSON.stringify(codes));
  } finally {
    await app.close();
    await own.stop();
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

/**
 * A vendor's rate headers count as used (X-Rate-Limit-Remaining, X-HubSpot-RateLimit-Remaining):
 * another app on the same vendor account has spent most of the vendor's window, which Portico's own
 * budget cannot see; the first answer says how many remain, and Portico sends no more than that,
 * refusing the rest itself (RATE_LIMITED) instead of collecting the vendor's 429s.
 */
const auth = DEFAULT_SIM_CREDENTIALS;
const VENDOR_HEADERS = {
  zendesk: {
    plan: 'team',
    windowS: 60,
    header: 'x-rate-limit-remaining',
    direct: () =>
      fetch(`${sims.urls.zendesk}/api/v2/users/show_many?ids=1`, {
        headers: { authorization: `Basic ${Buffer.from(`${auth.zendeskEmail}/token:${auth.zendeskApiToken}`).toString('base64')}` },
      }),
    query: `query($id: ID!) { customer(id: $id) { tickets(first: 1) { nodes { id } } } }`,
  },
  hubspot: {
    plan: 'starter',
    windowS: 10,
    header: 'x-hubspot-ratelimit-remaining',
    direct: () => fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/1001`, { headers: { authorization: `Bearer ${auth.hubspotToken}` } }),
    query: `query($id: ID!) { customer(id: $id) { name } }`,
  },
} as const;

for (const [system, v] of Object.entries(VENDOR_HEADERS) as [
  keyof typeof VENDOR_HEADERS,
  (typeof VENDOR_HEADERS)[keyof typeof VENDOR_HEADERS],
][]) {
  test(`${system}: the vendor's ${v.header} counts as used, so Portico stops at what the vendor has left`, async () => {
    // A day-long budget Portico alone would never exhaust (90 after the headroom).
    const app = await startTestApp({
      sims,
      env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `headers-${system}`, CACHE_ENABLED: 'false', VENDOR_BUDGETS: `${system}=100/86400s` },
    });
    sims.setFaults(system, { plan: v.plan });
    try {
      // The whole test in one of the vendor's windows, where its count does not start again.
      await awayFromWindowEdge(v.windowS, v.windowS / 2);
      // Another app spends the vendor's window down to 3 requests left.
      let left = Infinity;
      for (let i = 0; i < 1000 && left > 3; i++) {
        const res = await v.direct();
        assert.equal(res.status, 200);
        await res.arrayBuffer();
        left = Number(res.headers.get(v.header));
      }
      assert.equal(left, 3);
      sims.resetStats();
      const answers = [];
      for (const id of ['1001', '1002', '1003', '1004', '1005', '1006']) {
        answers.push(await app.gql(v.query, { token: app.token('agent'), variables: { id } }));
      }
      // Exactly the 3 the vendor had left went out, and none was refused by the vendor.
      assert.equal(sims.stats(system).total, 3, JSON.stringify(sims.stats(system)));
      assert.equal(sims.stats(system).refused, undefined);
      const limited = answers.flatMap((r) => (r.body.errors ?? []).filter((e) => e.extensions?.code === 'RATE_LIMITED'));
      assert.ok(limited.length >= 1, 'the requests past what was left are refused by Portico');
      for (const e of limited) assert.ok(Number(e.extensions?.retryAfter) > 0);
    } finally {
      sims.setFaults(system, {});
      await app.close();
    }
  });
}
