/**
 * Customer links and the critical path: links filled on first sight, shared by instances through
 * Redis, updated through `links.update`; a linked customer is read with the vendors' direct
 * endpoints (no Stripe Search), and every system starts at once. Round trips are counted by the
 * simulators (sim/common.ts RoundTrips), never timed.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, DASHBOARD, type TestApp } from '../helpers/app.js';
import { expectedCustomer, expectedUpstreamCalls, normalize } from '../helpers/expected.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let sims: Simulators;
let a: TestApp;
let b: TestApp;
const LATENCY = { latencyMs: 60 };
const SEARCH_ROUTES = ['GET /v1/customers/search', 'GET /v1/invoices/search'];
const searches = () => SEARCH_ROUTES.reduce((n, r) => n + (sims.stats('stripe').byRoute[r] ?? 0), 0);

before(async () => {
  redis = await startRedis();
  // Every vendor answers after 60 ms, so calls sent together overlap and the simulators count them as one round trip.
  sims = await startSimulators({ faults: { hubspot: LATENCY, stripe: LATENCY, zendesk: LATENCY, s3: LATENCY } });
  const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'linkstest', CACHE_ENABLED: 'false' };
  a = await startTestApp({ sims, env });
  b = await startTestApp({ sims, env });
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
    assert.deepEqual(await a.app.links.get('1001'), { stripeCustomerId: seed.stripeCustomerId, zendeskUserId: seed.zendeskUserId });

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
    assert.deepEqual(a.calls(), { hubspot: 1, stripe: 2, zendesk: 1 + Math.min(3, seed.tickets.length), s3: 1 });
  });

  test('a link updated by a vendor report is used by the next read; a stale one is repaired by lookup', async () => {
    const ada = seedOf('1001');
    const other = seedOf('1004');
    const token = a.token('customer', '1001');
    const q = `{ me { billing { balance } tickets(first: 100) { nodes { id } } } }`;
    // A webhook reports that the customer's Zendesk user is now another one: reads follow the link.
    await a.app.links.update('1001', { zendeskUserId: other.zendeskUserId });
    const moved = await b.gql(q, { token });
    assert.deepEqual(
      moved.body.data.me.tickets.nodes.map((n: { id: string }) => n.id).sort(),
      other.tickets.map((t) => String(t.id)).sort(),
    );
    // A Stripe id that no longer exists: the read looks the customer up by metadata and fixes the link.
    await a.app.links.update('1001', { stripeCustomerId: 'cus_deleted000000', zendeskUserId: ada.zendeskUserId });
    sims.resetStats();
    const repaired = await a.gql(q, { token });
    assert.equal(repaired.body.data.me.billing.balance, ada.balance);
    assert.equal(sims.stats('stripe').byRoute['GET /v1/customers/search'], 1);
    assert.deepEqual(await b.app.links.get('1001'), { stripeCustomerId: ada.stripeCustomerId, zendeskUserId: ada.zendeskUserId });
    sims.resetStats();
    await a.gql(q, { token });
    assert.equal(searches(), 0);
  });

  test('no prefetch for a customer the caller may not reach, and none for a refused operation', async () => {
    sims.resetStats();
    const res = await a.gql(`{ customer(id: "1002") { billing { balance } tickets { nodes { id } } documents { totalCount } } }`, { token: a.token('customer', '1001') });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.deepEqual(a.calls(), { hubspot: 0, stripe: 0, zendesk: 0, s3: 0 });
  });
});
