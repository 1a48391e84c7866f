/**
 * Whole-response cache: a warm dashboard is served in one read, never to another principal,
 * and dropped by the customer purge.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { DASHBOARD, startTestApp, type TestApp } from '../helpers/app.js';
import { expectedCustomer, normalize } from '../helpers/expected.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let a: TestApp;
let b: TestApp;
const ZERO = { hubspot: 0, stripe: 0, zendesk: 0, s3: 0 };

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'rctest', REDIS_COMMAND_TIMEOUT_MS: '500' };
  a = await startTestApp({ sims, env });
  b = await startTestApp({ sims, env });
});
after(async () => {
  await a.close();
  await b.close();
  await sims.close();
  await redis.stop();
});

const recordReads = (t: TestApp) => t.app.cache.stats.hits + t.app.cache.stats.misses;
const expectedMe = (id: string) =>
  normalize((({ allInvoiceIds: _x, ...e }) => e)(expectedCustomer(sims.data.customers.find((c) => c.crmId === id)!)));

test('a warm dashboard is one response read on any instance, with no record read and no upstream call', async () => {
  await redis.flush();
  const token = a.token('customer', '1001');
  await a.gql(DASHBOARD, { token });
  await a.app.cache.settle();
  for (const app of [a, b]) {
    sims.resetStats();
    const reads = recordReads(app);
    const res = await app.gql(DASHBOARD, { token });
    assert.equal(res.body.errors, undefined);
    assert.deepEqual(normalize(res.body.data.me), expectedMe('1001'));
    assert.deepEqual(app.calls(), ZERO);
    assert.equal(recordReads(app), reads, 'served whole, without reading records');
  }
});

test('never served to another principal: two customers and an agent', async () => {
  await redis.flush();
  const q = `query($id: ID!) { customer(id: $id) { id name billing { balance paymentMethods { last4 } } } }`;
  const ada = a.token('customer', '1001');
  const grace = a.token('customer', '1002');
  const agent = a.token('agent');
  // Ada's own view, cached.
  const own = await a.gql(q, { token: ada, variables: { id: '1001' } });
  assert.equal(own.body.errors, undefined);
  assert.equal(own.body.data.customer.billing.paymentMethods.length > 0, true);
  await a.gql(q, { token: ada, variables: { id: '1001' } });
  // Another customer asking for the same document and variables: still forbidden.
  const other = await b.gql(q, { token: grace, variables: { id: '1001' } });
  assert.equal(other.body.data.customer, null);
  assert.equal(other.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  // An agent: its own result (no payment methods), not Ada's.
  const staff = await b.gql(q, { token: agent, variables: { id: '1001' } });
  assert.equal(staff.body.data.customer.name, 'Ada Lovelace');
  assert.equal(staff.body.data.customer.billing.paymentMethods, null);
  assert.equal(staff.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  // And the other customer's own dashboard is its own.
  const mine = await b.gql(DASHBOARD, { token: grace });
  assert.deepEqual(normalize(mine.body.data.me), expectedMe('1002'));
  const again = await a.gql(q, { token: ada, variables: { id: '1001' } });
  assert.deepEqual(again.body.data, own.body.data);
});

test('the customer purge drops cached responses on every instance', async () => {
  await redis.flush();
  const token = a.token('customer', '1001');
  await a.gql(DASHBOARD, { token });
  await a.app.cache.settle();
  const purge = await b.gql(`mutation { purgeCustomerCache(id: "1001") }`, { token: b.token('admin') });
  assert.deepEqual(purge.body, { data: { purgeCustomerCache: true } });
  sims.resetStats();
  await a.gql(DASHBOARD, { token });
  assert.equal(a.calls().hubspot, 1, 'the purged dashboard was read from the systems again');
});

test('staff reads are never served whole: each one runs and is recorded in the audit log', async () => {
  await redis.flush();
  const q = `query Look { customer(id: "1003") { id name } }`;
  const agent = a.token('agent', 'rc-bob');
  for (let i = 0; i < 2; i++) {
    const res = await a.gql(q, { token: agent });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.equal(res.body.data.customer.id, '1003');
  }
  const reads = async () => {
    const res = await a.gql(`{ auditLog(customerId: "1003", first: 50) { nodes { action actor { subject } } } }`, {
      token: a.token('admin'),
    });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    return (res.body.data.auditLog.nodes as { action: string; actor: { subject: string } }[]).filter(
      (e) => e.action === 'customer.read' && e.actor.subject === 'rc-bob',
    ).length;
  };
  await waitFor('both reads to be recorded', async () => (await reads()) >= 2);
  assert.equal(await reads(), 2);
});
