/**
 * A hung Redis (SIGSTOP: connections stay open, nothing answers) must not hold requests (issue 18,
 * item 2): rate limits, vendor budgets, customer links, partner records and cache writes stop
 * waiting for it once it is noticed stalled, and the app is normal again after it resumes.
 * Real redis-server, real app over HTTP, the bundled simulators. Bounds are generous (a loaded
 * 2-core CI machine); the stall is 10 s, the bound per request 4 s.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { DASHBOARD, startTestApp, type GqlResponse, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let sims: Simulators;
let redis: TestRedis;
let t: TestApp;
const CUSTOMERS = ['1001', '1002', '1003', '1004', '1005', '1006', '1007', '1008'];
const STALL_MS = 10_000;
// The first requests of the stall wait for it to be noticed (about a second of silence), then load
// the records from the vendors (the cache cannot answer); 4 s leaves room for a loaded machine.
const BOUND_MS = 4000;

before(async () => {
  sims = await startSimulators({ customers: 20 });
  redis = await startRedis();
  t = await startTestApp({
    sims,
    // Rate limits generous enough not to refuse the stream (they are still counted, locally during the stall).
    env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'stall', USER_RATE_LIMIT_PER_MINUTE: '100000', PARTNER_RATE_LIMIT_PER_MINUTE: '100000' },
  });
  for (let i = 0; i < 200 && ((await (await fetch(`${t.url}/readyz`)).json()) as { redis: string }).redis !== 'up'; i++)
    await new Promise((r) => setTimeout(r, 50));
});
after(async () => {
  redis?.resume();
  await t?.close();
  await redis?.stop();
  await sims?.close();
});

/** Answered with data; field errors only RATE_LIMITED (a vendor budget refusing, never Redis). */
function assertAnswered(r: GqlResponse, what: string) {
  assert.equal(r.status, 200, `${what}: ${String(JSON.stringify(r.body)).slice(0, 600)}`);
  assert.ok(r.body.data, `${what}: no data`);
  const codes = (r.body.errors ?? []).map((e) => e.extensions?.code);
  assert.ok(
    codes.every((c) => c === 'RATE_LIMITED'),
    `${what}: ${String(JSON.stringify(r.body.errors)).slice(0, 600)}`,
  );
}

const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))];

test('with Redis stopped (SIGSTOP) for 10 s, warm dashboards and a partner read are answered in seconds, not the stall', async () => {
  const tokens = CUSTOMERS.map((id) => t.token('customer', id));
  const admin = t.token('admin');
  const minted = await t.gql(`mutation { createPartnerToken(input: { name: "stall", scopes: ["crm.contacts:read"] }) { token } }`, {
    token: admin,
  });
  const partner = minted.body.data.createPartnerToken.token as string;
  const PARTNER_READ = '{ customer(id: "1002") { id name } }';
  // Warm: every dashboard once, cache writes settled; the partner token verified once.
  for (const token of tokens) assertAnswered(await t.gql(DASHBOARD, { token }), 'warm-up');
  assertAnswered(await t.gql(PARTNER_READ, { token: partner }), 'partner warm-up');
  await t.app.cache.settle();

  const during: { ms: number; what: string }[] = [];
  redis.pause();
  const stalledAt = Date.now();
  try {
    // A steady stream: 4 clients, each a dashboard of the next customer as soon as the last is answered.
    let n = 0;
    const client = async () => {
      while (Date.now() - stalledAt < STALL_MS - 500) {
        const i = n++;
        const partnerTurn = i % 10 === 9;
        const started = Date.now();
        const r = partnerTurn
          ? await t.gql(PARTNER_READ, { token: partner })
          : await t.gql(DASHBOARD, { token: tokens[i % tokens.length] });
        const ms = Date.now() - started;
        const what = partnerTurn ? `partner read #${i}` : `dashboard #${i} (customer ${CUSTOMERS[i % CUSTOMERS.length]})`;
        during.push({ ms, what });
        assertAnswered(r, `${what} after ${ms} ms`);
        if (partnerTurn) assert.deepEqual(r.body.data, { customer: { id: '1002', name: r.body.data.customer.name } });
      }
    };
    await Promise.all([client(), client(), client(), client()]);
  } finally {
    redis.resume();
  }
  const ms = during.map((d) => d.ms);
  console.log(
    `stall: ${during.length} requests in ${Date.now() - stalledAt} ms; latency p50 ${pct(ms, 50)} ms, p95 ${pct(ms, 95)} ms, max ${Math.max(...ms)} ms`,
  );
  console.log(
    `slowest: ${JSON.stringify([...during].sort((a, b) => b.ms - a.ms).slice(0, 5))}; first 8: ${JSON.stringify(during.slice(0, 8).map((d) => d.ms))}`,
  );
  assert.ok(during.length >= 20, `only ${during.length} requests ran during the stall`);
  const slow = during.filter((d) => d.ms >= BOUND_MS);
  assert.deepEqual(slow, [], `requests held by the stalled Redis: ${JSON.stringify(slow)}`);

  // Redis resumed: noticed, and the app is normal (cache hits again, partner tokens, admin).
  const liveness = t.app.shared.liveness!;
  for (let i = 0; i < 100 && liveness.stalled(); i++) await new Promise((r) => setTimeout(r, 50));
  assert.equal(liveness.stalled(), false, 'Redis is still seen stalled after it resumed');
  for (const token of tokens) assertAnswered(await t.gql(DASHBOARD, { token }), 'after resume');
  await t.app.cache.settle();
  const calls = Object.values(t.calls()).reduce((a, b) => a + b, 0);
  for (const token of tokens) assertAnswered(await t.gql(DASHBOARD, { token }), 'after resume, warm');
  // Served from Redis again (whole responses or records): no vendor call.
  assert.equal(
    Object.values(t.calls()).reduce((a, b) => a + b, 0),
    calls,
    'vendor calls for warm dashboards after Redis resumed',
  );
  assertAnswered(await t.gql(PARTNER_READ, { token: partner }), 'partner after resume');
  const list = await t.gql('{ partnerTokens { id name } }', { token: admin });
  assert.equal(list.status, 200, JSON.stringify(list.body));
});
