/**
 * Customer links and the critical path: links filled on first sight, shared by instances through
 * Redis, updated through `links.update`; a linked customer is read with the vendors' direct
 * endpoints (no Stripe Search), and every system starts at once. Round trips are counted by the
 * simulators (sim/common.ts RoundTrips), never timed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { Redis } from 'ioredis';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, DASHBOARD, TEST_CRM, type TestApp } from '../helpers/app.js';
import { expectedCustomer, expectedUpstreamCalls, normalize } from '../helpers/expected.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let sims: Simulators;
let a: TestApp;
let b: TestApp;
const LATENCY = { latencyMs: 100 };
const SEARCH_ROUTES = ['GET /v1/customers/search', 'GET /v1/invoices/search'];
const searches = () => SEARCH_ROUTES.reduce((n, r) => n + (sims.stats('stripe').byRoute[r] ?? 0), 0);

before(async () => {
  redis = await startRedis();
  // Every vendor answers after 100 ms, so calls sent together overlap and the simulators count them as one round trip.
  sims = await startSimulators({ faults: { [TEST_CRM]: LATENCY, stripe: LATENCY, zendesk: LATENCY, s3: LATENCY } });
  const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'linkstest', CACHE_ENABLED: 'false', REDIS_COMMAND_TIMEOUT_MS: '500' };
  a = await startTestApp({ sims, env });
  b = await startTestApp({ sims, env });
  // Warm-up: an SDK's first call in a process does one-off work (connections, Stripe's user agent
  // probe) that would blur the counting of round trips below.
  for (const app of [a, b])
    await app.gql(`{ customer(id: "1010") { billing { balance } tickets { nodes { id } } documents { totalCount } } }`, {
      token: app.token('agent'),
    });
});
after(async () => {
  await a.close();
  await b.close();
  await sims.close();
  await redis.stop();
});

const seedOf = (id: string) => sims.data.customers.find((c) => c.crmId === id)!;
const expectedMe = (id: string) => normalize((({ allInvoiceIds: _x, ...e }) => e)(expectedCustomer(seedOf(id))));

describe('customer links', () => {
  test('first sight: ids looked up, links filled, three round trips; then two, on every instance, without Stripe Search', async () => {
    const seed = seedOf('1001');
    await a.app.links.remove('1001');
    const token = a.token('customer', '1001');
    sims.resetStats();
    const first = await a.gql(DASHBOARD, { token });
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    assert.deepEqual(normalize(first.body.data.me), expectedMe('1001'));
    assert.deepEqual(a.calls(), expectedUpstreamCalls([seed], { paymentMethods: true }));
    // HubSpot, Stripe search, Zendesk show_many, S3 at once; then invoices, cards and tickets; then comments.
    assert.equal(sims.roundTrips(), 3);
    assert.deepEqual(await a.app.links.get('1001'), {
      billingCustomerId: seed.stripeCustomerId,
      supportUserId: String(seed.zendeskUserId),
    });

    for (const app of [a, b]) {
      sims.resetStats();
      const linked = await app.gql(DASHBOARD, { token });
      assert.equal(linked.body.errors, undefined, JSON.stringify(linked.body.errors));
      assert.deepEqual(normalize(linked.body.data.me), expectedMe('1001'));
      assert.deepEqual(app.calls(), expectedUpstreamCalls([seed], { paymentMethods: true, linked: true }));
      assert.equal(searches(), 0);
      assert.equal(sims.stats('zendesk').byRoute['GET /api/v2/users/show_many'] ?? 0, 0);
      // Everything but the comments at once, then the comments: the vendors' own minimum.
      assert.equal(sims.roundTrips(), 2);
    }
  });

  test('customer(id:) for an agent starts every system before the CRM answers', async () => {
    const seed = seedOf('1003');
    const q = `query($id: ID!) { customer(id: $id) { id name billing { balance subscription { status } invoices(first: 5) { totalCount } } tickets(first: 3) { nodes { subject comments { body } } } documents { totalCount } } }`;
    await a.gql(q, { token: a.token('agent'), variables: { id: '1003' } }); // links filled
    sims.resetStats();
    const res = await a.gql(q, { token: a.token('agent'), variables: { id: '1003' } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.equal(res.body.data.customer.billing.invoices.totalCount, seed.invoices.length);
    assert.equal(res.body.data.customer.tickets.nodes.length, Math.min(3, seed.tickets.length));
    assert.equal(searches(), 0);
    assert.equal(sims.roundTrips(), seed.tickets.length ? 2 : 1);
    assert.deepEqual(a.calls(), { crm: 1, stripe: 2, zendesk: 1 + Math.min(3, seed.tickets.length), s3: 1 });
  });

  test('a link updated by a vendor report is used by the next read; a stale one is repaired by lookup', async () => {
    const ada = seedOf('1001');
    const other = seedOf('1004');
    const token = a.token('customer', '1001');
    const q = `{ me { billing { balance } tickets(first: 100) { nodes { id } } } }`;
    // A webhook reports that the customer's Zendesk user is now another one: reads follow the link.
    await a.app.links.update('1001', { supportUserId: String(other.zendeskUserId) });
    const moved = await b.gql(q, { token });
    assert.deepEqual(
      moved.body.data.me.tickets.nodes.map((n: { id: string }) => n.id).sort(),
      other.tickets.map((t) => String(t.id)).sort(),
    );
    // A Stripe id that no longer exists: the read looks the customer up by metadata and fixes the link.
    await a.app.links.update('1001', { billingCustomerId: 'cus_deleted000000', supportUserId: String(ada.zendeskUserId) });
    sims.resetStats();
    const repaired = await a.gql(q, { token });
    assert.equal(repaired.body.data.me.billing.balance, ada.balance);
    assert.equal(sims.stats('stripe').byRoute['GET /v1/customers/search'], 1);
    assert.deepEqual(await b.app.links.get('1001'), { billingCustomerId: ada.stripeCustomerId, supportUserId: String(ada.zendeskUserId) });
    sims.resetStats();
    await a.gql(q, { token });
    assert.equal(searches(), 0);
  });

  test('a link stored under the former hash fields (vendor names) is not read: the ids are looked up again and stored under the new ones', async () => {
    const seed = seedOf('1002');
    const r = new Redis(redis.url);
    try {
      await r.del('linkstest:links:1002');
      await r.hset('linkstest:links:1002', 'stripe', 'cus_former0000000', 'zendesk', '1');
      assert.equal(await a.app.links.get('1002'), undefined);
      const res = await a.gql(`{ me { billing { balance } tickets(first: 100) { nodes { id } } } }`, {
        token: a.token('customer', '1002'),
      });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      assert.equal(res.body.data.me.billing.balance, seed.balance);
      assert.equal(res.body.data.me.tickets.nodes.length, Math.min(100, seed.tickets.length));
      assert.deepEqual(await b.app.links.get('1002'), {
        billingCustomerId: seed.stripeCustomerId,
        supportUserId: String(seed.zendeskUserId),
      });
      assert.deepEqual(await r.hgetall('linkstest:links:1002'), {
        stripe: 'cus_former0000000',
        zendesk: '1',
        billing: seed.stripeCustomerId,
        support: String(seed.zendeskUserId),
      });
    } finally {
      r.disconnect();
    }
  });

  test('no prefetch for a customer the caller may not reach, and none for a refused operation', async () => {
    sims.resetStats();
    const res = await a.gql(`{ customer(id: "1002") { billing { balance } tickets { nodes { id } } documents { totalCount } } }`, {
      token: a.token('customer', '1001'),
    });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.deepEqual(a.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
  });
});

describe('staff list of 50', () => {
  const STAFF = `query StaffList { customers(first: 50) { nodes { id name email billing { balance subscription { status } } tickets(first: 3) { nodes { subject status } } } } }`;
  const expectedRows = () =>
    sims.data.customers.slice(0, 50).map((s) => {
      const e = expectedCustomer(s);
      return {
        id: e.id,
        name: e.name,
        email: e.email,
        billing: { balance: e.billing.balance, subscription: e.billing.subscription && { status: e.billing.subscription.status } },
        tickets: { nodes: e.tickets.nodes.slice(0, 3).map((t) => ({ subject: t.subject, status: t.status })) },
      };
    });

  test('bulk endpoints: 12 calls in three round trips on first sight, 11 in two once linked', async () => {
    await Promise.all(sims.data.customers.slice(0, 50).map((s) => a.app.links.remove(s.crmId)));
    const token = a.token('agent');
    sims.resetStats();
    const cold = await a.gql(STAFF, { token });
    assert.equal(cold.body.errors, undefined, JSON.stringify(cold.body.errors?.slice(0, 2)));
    assert.deepEqual(cold.body.data.customers.nodes, expectedRows());
    // HubSpot search; then Stripe customer search (10 a call) and Zendesk show_many; then ticket search (10 requesters a call).
    assert.deepEqual(a.calls(), { crm: 1, stripe: 5, zendesk: 1 + 5, s3: 0 });
    assert.equal(sims.roundTrips(), 3);
    sims.resetStats();
    const linked = await b.gql(STAFF, { token });
    assert.deepEqual(linked.body.data.customers.nodes, expectedRows());
    assert.deepEqual(b.calls(), { crm: 1, stripe: 5, zendesk: 5, s3: 0 });
    assert.equal(sims.roundTrips(), 2);
  });

  test('ticket detail with comments: two round trips for a linked customer', async () => {
    const seed = seedOf('1001');
    const q = `query($id: ID!) { customer(id: $id) { tickets(first: 1) { nodes { id subject status comments { body author } } } } }`;
    await a.gql(q, { token: a.token('agent'), variables: { id: '1001' } });
    sims.resetStats();
    const res = await a.gql(q, { token: a.token('agent'), variables: { id: '1001' } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(
      res.body.data.customer.tickets.nodes[0].comments,
      expectedCustomer(seed).tickets.nodes[0].comments.map(({ body, author }) => ({ body, author })),
    );
    assert.deepEqual(a.calls(), { crm: 1, stripe: 0, zendesk: 2, s3: 0 });
    assert.equal(sims.roundTrips(), 2);
  });
});
