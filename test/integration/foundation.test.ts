/**
 * The walking skeleton end to end: the real app over real HTTP against the simulators.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { CUSTOMER_FIELDS, DASHBOARD, startTestApp, type TestApp } from '../helpers/app.js';
import { expectedCustomer, expectedUpstreamCalls } from '../helpers/expected.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

describe('dashboard', () => {
  test('a customer gets its contact, billing, tickets and documents joined from four systems', async () => {
    const seed = t.sims.data.customers.find((c) => c.crmId === '1001')!;
    t.sims.resetStats();
    const res = await t.gql(DASHBOARD, { token: t.token('customer', '1001') });
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const me = res.body.data.me;
    const { documents, ...rest } = me;
    const expected = expectedCustomer(seed);
    assert.deepEqual(rest, omit(omit(expected, 'documents'), 'allInvoiceIds'));
    assert.equal(me.billing.invoices.totalCount, 12);
    assert.equal(me.billing.invoices.nodes.length, 10);
    assert.equal(me.billing.invoices.pageInfo.hasNextPage, true);
    // Documents: all fields but the presigned URL are exact; the URL must really download the file.
    assert.deepEqual(
      documents.nodes.map((d: any) => omit(d, 'downloadUrl')),
      expected.documents.nodes.map((d: any) => omit(d, 'downloadUrl')),
    );
    const first = documents.nodes[0];
    const file = await fetch(first.downloadUrl);
    assert.equal(file.status, 200);
    assert.equal((await file.arrayBuffer()).byteLength, first.size);
    // One call per system at most for a single customer (HubSpot batch read, Stripe searches and cards, ...).
    assert.deepEqual(t.calls(), expectedUpstreamCalls([seed], { paymentMethods: true }));
  });

  test('the next page of invoices continues where the first ended', async () => {
    const token = t.token('customer', '1001');
    const q = `query($after: String) { me { billing { invoices(first: 10, after: $after) { totalCount nodes { id } pageInfo { hasNextPage endCursor } } } } }`;
    const p1 = await t.gql(q, { token });
    const p2 = await t.gql(q, { token, variables: { after: p1.body.data.me.billing.invoices.pageInfo.endCursor } });
    const ids = [...p1.body.data.me.billing.invoices.nodes, ...p2.body.data.me.billing.invoices.nodes].map((n: any) => n.id);
    const seed = t.sims.data.customers.find((c) => c.crmId === '1001')!;
    assert.deepEqual(ids, expectedCustomer(seed).allInvoiceIds);
    assert.equal(p2.body.data.me.billing.invoices.pageInfo.hasNextPage, false);
  });

  test('a malformed cursor is BAD_USER_INPUT and the rest of the page is served', async () => {
    const res = await t.gql(`{ me { name billing { invoices(first: 10, after: "nope") { totalCount } } } }`, { token: t.token('customer', '1001') });
    assert.equal(res.body.data.me.name, 'Ada Lovelace');
    assert.equal(res.body.data.me.billing.invoices, null);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
  });
});

describe('staff', () => {
  const LIST = `query($first: Int, $after: String, $search: String) {
    customers(first: $first, after: $after, search: $search) {
      totalCount
      edges { cursor node { id } }
      pageInfo { hasNextPage endCursor }
      nodes { ${CUSTOMER_FIELDS} }
    }
  }`;

  test('customers(first: 50) with every nested field costs the minimum upstream calls per system', async () => {
    const seeds = t.sims.data.customers.slice(0, 50);
    t.sims.resetStats();
    const res = await t.gql(LIST, { token: t.token('admin'), variables: { first: 50 } });
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors?.slice(0, 2)));
    const conn = res.body.data.customers;
    assert.equal(conn.totalCount, t.sims.data.customers.length);
    assert.equal(conn.nodes.length, 50);
    assert.deepEqual(
      conn.nodes.map((n: any) => n.id),
      seeds.map((s) => s.crmId),
    );
    assert.deepEqual(
      conn.nodes.map((n: any) => ({ ...n, documents: { ...n.documents, nodes: n.documents.nodes.map((d: any) => omit(d, 'downloadUrl')) } })),
      seeds.map((s) => {
        const e = omit(expectedCustomer(s), 'allInvoiceIds');
        return { ...e, documents: { ...e.documents, nodes: e.documents.nodes.map((d: any) => omit(d, 'downloadUrl')) } };
      }),
    );
    assert.equal(conn.pageInfo.hasNextPage, true);
    const calls = t.calls();
    assert.deepEqual(calls, expectedUpstreamCalls(seeds, { paymentMethods: true }));
    // The figures the README quotes for the seeded data.
    console.log(`upstream calls for customers(first: 50): ${JSON.stringify(calls)}`);
  });

  test('the second page starts after the first and search narrows the list', async () => {
    const token = t.token('agent');
    const q = `query($after: String, $search: String) { customers(first: 20, after: $after, search: $search) { totalCount nodes { id email } pageInfo { hasNextPage endCursor } } }`;
    const p1 = await t.gql(q, { token });
    const p2 = await t.gql(q, { token, variables: { after: p1.body.data.customers.pageInfo.endCursor } });
    assert.deepEqual(
      p2.body.data.customers.nodes.map((n: any) => n.id),
      t.sims.data.customers.slice(20, 40).map((c) => c.crmId),
    );
    const s = await t.gql(q, { token, variables: { search: 'ada@example.com' } });
    assert.deepEqual(s.body.data.customers.nodes, [{ id: '1001', email: 'ada@example.com' }]);
    assert.equal(s.body.data.customers.totalCount, 1);
  });

  test('an agent sees billing summary but not payment methods, and no payment-method call is made', async () => {
    t.sims.resetStats();
    const res = await t.gql(`{ customer(id: "1002") { name billing { currency balance paymentMethods { last4 } } } }`, { token: t.token('agent') });
    assert.equal(res.body.data.customer.name.length > 0, true);
    assert.equal(typeof res.body.data.customer.billing.balance, 'number');
    assert.equal(res.body.data.customer.billing.paymentMethods, null);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.deepEqual(res.body.errors?.[0]?.path, ['customer', 'billing', 'paymentMethods']);
    assert.equal(t.sims.stats('stripe').byRoute['GET /v1/customers/{id}/payment_methods'] ?? 0, 0);
  });

  test('an agent asking for an unknown customer gets NOT_FOUND', async () => {
    const res = await t.gql(`{ customer(id: "999999") { id name } }`, { token: t.token('agent') });
    assert.equal(res.body.data.customer, null);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test('staff tokens have no `me`', async () => {
    const res = await t.gql(`{ me { id } }`, { token: t.token('agent') });
    assert.equal(res.body.data.me, null);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });
});

describe('ownership', () => {
  for (const id of ['1002', '999999']) {
    test(`a customer asking for customer ${id} gets FORBIDDEN, no data and no upstream call`, async () => {
      t.sims.resetStats();
      const res = await t.gql(`query($id: ID!) { customer(id: $id) { id name billing { balance } tickets { nodes { subject } } } }`, {
        token: t.token('customer', '1001'),
        variables: { id },
      });
      assert.equal(res.body.data.customer, null);
      assert.equal(res.body.errors?.length, 1);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      assert.equal(res.body.errors?.[0]?.message, 'You are not allowed to access this customer.');
      assert.deepEqual(t.calls(), { hubspot: 0, stripe: 0, zendesk: 0, s3: 0 });
    });
  }

  test('a customer cannot list customers', async () => {
    t.sims.resetStats();
    const res = await t.gql(`{ customers(first: 5) { totalCount nodes { id } } }`, { token: t.token('customer', '1001') });
    assert.equal(res.body.data, null);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.deepEqual(t.calls(), { hubspot: 0, stripe: 0, zendesk: 0, s3: 0 });
  });
});

function omit<T extends Record<string, any>>(o: T, key: string): any {
  const { [key]: _drop, ...rest } = o;
  return rest;
}
