/**
 * The Stripe simulator answers the official Stripe SDK as Stripe does: retrieve with expansions,
 * search with the query language, lists with cursors, idempotent updates and Stripe's errors.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import Stripe from 'stripe';
import { startSimulators, type Simulators } from '../../../sim/index.js';

let sims: Simulators;
let stripe: Stripe;
const sdk = (key: string) => {
  const url = new URL(sims.urls.stripe);
  return new Stripe(key, { host: url.hostname, port: Number(url.port), protocol: 'http', maxNetworkRetries: 0, telemetry: false });
};

before(async () => {
  sims = await startSimulators({ customers: 50 });
  stripe = sdk(sims.credentials.stripeSecretKey);
});
after(() => sims.close());

test('customers.retrieve with expanded subscriptions', async () => {
  const ada = sims.data.customers[0];
  const c = (await stripe.customers.retrieve(ada.stripeCustomerId, { expand: ['subscriptions'] })) as Stripe.Response<Stripe.Customer>;
  assert.equal(c.id, ada.stripeCustomerId);
  assert.equal(c.email, 'ada@example.com');
  assert.equal(c.name, 'Ada Lovelace');
  assert.equal(c.balance, ada.balance);
  assert.deepEqual(c.metadata, { crm_contact_id: '1001' });
  assert.equal(c.subscriptions?.object, 'list');
  assert.equal(c.subscriptions?.data[0]?.status, 'active');
  assert.match(c.lastResponse.requestId, /^req_/);
  assert.equal(sims.stats('stripe').byRoute['GET /v1/customers/{id}'], 1);
});

test('a missing customer is resource_missing', async () => {
  await assert.rejects(stripe.customers.retrieve('cus_doesnotexist00'), (e: any) => {
    assert.equal(e.type, 'StripeInvalidRequestError');
    assert.equal(e.statusCode, 404);
    assert.equal(e.code, 'resource_missing');
    assert.equal(e.message, "No such customer: 'cus_doesnotexist00'");
    return true;
  });
});

test('customers.search by metadata with OR, total_count and expanded subscriptions', async () => {
  const [a, b] = sims.data.customers;
  const res = await stripe.customers.search({
    query: `metadata['crm_contact_id']:'${a.crmId}' OR metadata['crm_contact_id']:'${b.crmId}'`,
    expand: ['total_count', 'data.subscriptions'],
    limit: 1,
  });
  assert.equal(res.object, 'search_result');
  assert.equal(res.total_count, 2);
  assert.equal(res.data.length, 1);
  assert.equal(res.has_more, true);
  assert.ok(res.next_page);
  assert.equal(res.data[0].subscriptions?.object, 'list');
  const next = await stripe.customers.search({
    query: `metadata['crm_contact_id']:'${a.crmId}' OR metadata['crm_contact_id']:'${b.crmId}'`,
    limit: 1,
    page: res.next_page,
  });
  assert.equal(next.has_more, false);
  assert.deepEqual(new Set([res.data[0].id, next.data[0].id]), new Set([a.stripeCustomerId, b.stripeCustomerId]));
  const byEmail = await stripe.customers.search({ query: "email:'ADA@example.com'" });
  assert.deepEqual(
    byEmail.data.map((c) => c.id),
    [a.stripeCustomerId],
  );
});

test('search queries: more than 10 clauses, and AND mixed with OR, are invalid', async () => {
  const many = Array.from({ length: 11 }, (_, i) => `email:'x${i}@example.com'`).join(' OR ');
  await assert.rejects(
    stripe.customers.search({ query: many }),
    (e: any) => e.type === 'StripeInvalidRequestError' && e.statusCode === 400,
  );
  await assert.rejects(stripe.customers.search({ query: "email:'a' AND name:'b' OR name:'c'" }), (e: any) => e.statusCode === 400);
});

test('invoices.list pages newest first with starting_after; autopagination sees all 12', async () => {
  const ada = sims.data.customers[0];
  const first = await stripe.invoices.list({ customer: ada.stripeCustomerId, limit: 10 });
  assert.equal(first.object, 'list');
  assert.equal(first.url, '/v1/invoices');
  assert.equal(first.data.length, 10);
  assert.equal(first.has_more, true);
  const created = first.data.map((i) => i.created);
  assert.deepEqual(
    created,
    [...created].sort((x, y) => y - x),
  );
  const second = await stripe.invoices.list({ customer: ada.stripeCustomerId, limit: 10, starting_after: first.data.at(-1)!.id });
  assert.equal(second.data.length, 2);
  assert.equal(second.has_more, false);
  const all = await stripe.invoices.list({ customer: ada.stripeCustomerId, limit: 5 }).autoPagingToArray({ limit: 100 });
  assert.deepEqual(new Set(all.map((i) => i.id)), new Set(ada.invoices.map((i) => i.id)));
  const paid = await stripe.invoices.list({ customer: ada.stripeCustomerId, status: 'paid', limit: 100 });
  assert.equal(paid.data.length, ada.invoices.filter((i) => i.status === 'paid').length);
  const inv = first.data[0];
  for (const k of [
    'number',
    'status',
    'amount_due',
    'amount_paid',
    'amount_remaining',
    'currency',
    'due_date',
    'hosted_invoice_url',
    'period_start',
    'period_end',
  ])
    assert.ok(k in inv, k);
});

test('invoices.search by several customers with total_count', async () => {
  const [a, b] = sims.data.customers;
  const res = await stripe.invoices.search({
    query: `customer:'${a.stripeCustomerId}' OR customer:'${b.stripeCustomerId}'`,
    limit: 100,
    expand: ['total_count'],
  });
  assert.equal(res.total_count, a.invoices.length + b.invoices.length);
  assert.equal(res.data.length, a.invoices.length + b.invoices.length);
  assert.equal(res.url, '/v1/invoices/search');
});

test('subscriptions list and retrieve; payment methods both ways', async () => {
  const ada = sims.data.customers[0];
  const subs = await stripe.subscriptions.list({ customer: ada.stripeCustomerId, status: 'all' });
  assert.equal(subs.data.length, 1);
  const sub = await stripe.subscriptions.retrieve(subs.data[0].id);
  assert.equal(sub.items.data[0].price.nickname, 'Pro Monthly');
  assert.equal(typeof sub.items.data[0].current_period_end, 'number');
  const pms = await stripe.customers.listPaymentMethods(ada.stripeCustomerId, { type: 'card', limit: 10 });
  assert.deepEqual(pms.data.map((p) => p.card?.last4).sort(), ['4242', '4444']);
  const pms2 = await stripe.paymentMethods.list({ customer: ada.stripeCustomerId, type: 'card' });
  assert.equal(pms2.data.length, 2);
  assert.equal(sims.stats('stripe').byRoute['GET /v1/customers/{id}/payment_methods'], 1);
});

test('customers.update honours Idempotency-Key: replay, and mismatch is idempotency_error', async () => {
  const c = sims.data.customers[2];
  const first = await stripe.customers.update(
    c.stripeCustomerId,
    { name: 'New Name', metadata: { tier: 'gold' }, address: { line1: '1 Main St', city: 'Springfield' } },
    { idempotencyKey: 'key-1' },
  );
  assert.equal(first.name, 'New Name');
  assert.equal(first.metadata.tier, 'gold');
  assert.equal(first.metadata.crm_contact_id, c.crmId);
  assert.equal(first.address?.line1, '1 Main St');
  const replay = await stripe.customers.update(
    c.stripeCustomerId,
    { name: 'New Name', metadata: { tier: 'gold' }, address: { line1: '1 Main St', city: 'Springfield' } },
    { idempotencyKey: 'key-1' },
  );
  assert.equal(replay.lastResponse.headers['idempotent-replayed'], 'true');
  await assert.rejects(
    stripe.customers.update(c.stripeCustomerId, { name: 'Other' }, { idempotencyKey: 'key-1' }),
    (e: any) => e.type === 'StripeIdempotencyError' && e.statusCode === 400,
  );
});

test('a wrong key is 401 with the masked key', async () => {
  const bad = sdk('sk_test_wrongwrongwrong1234');
  await assert.rejects(bad.customers.retrieve(sims.data.customers[0].stripeCustomerId), (e: any) => {
    assert.equal(e.type, 'StripeAuthenticationError');
    assert.equal(e.statusCode, 401);
    assert.equal(e.message, 'Invalid API Key provided: sk_test_****1234');
    return true;
  });
});

test('rate limit and failures reach the SDK as Stripe errors', async () => {
  sims.setFaults('stripe', { rateLimitPerSecond: 0, retryAfterSeconds: 2 });
  try {
    await assert.rejects(
      stripe.customers.retrieve(sims.data.customers[0].stripeCustomerId),
      (e: any) => e.type === 'StripeRateLimitError' && e.statusCode === 429 && e.code === 'rate_limit' && e.headers['retry-after'] === '2',
    );
    sims.setFaults('stripe', { failureRate: 1 });
    await assert.rejects(
      stripe.customers.retrieve(sims.data.customers[0].stripeCustomerId),
      (e: any) => e.type === 'StripeAPIError' && e.statusCode === 503,
    );
  } finally {
    sims.setFaults('stripe', {});
  }
});
