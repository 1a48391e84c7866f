/**
 * The walking skeleton end to end: the real app over real HTTP against the simulators.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { upstreamCalls, TEST_CRM, CUSTOMER_FIELDS, DASHBOARD, startTestApp, type TestApp } from '../helpers/app.js';
import { expectedCustomer, expectedUpstreamCalls, normalize } from '../helpers/expected.js';

let t: TestApp;
before(async () => {
  // Cache off: these tests count the upstream calls one request needs (cache.test.ts covers the cache).
  t = await startTestApp({ env: { CACHE_ENABLED: 'false' } });
});
after(() => t.close());

describe('dashboard', () => {
  test('a customer gets its contact, billing, tickets and documents joined from four systems', async () => {
    const seed = t.sims.data.customers.find((c) => c.crmId === '1001')!;
    await t.app.links.remove('1001'); // first sight: the ids in Stripe and Zendesk are looked up
    t.sims.resetStats();
    const res = await t.gql(DASHBOARD, { token: t.token('customer', '1001') });
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const me = res.body.data.me;
    const expected = expectedCustomer(seed);
    assert.deepEqual(normalize(me), normalize(omit(expected, 'allInvoiceIds')));
    assert.equal(me.billing.invoices.totalCount, 12);
    assert.equal(me.billing.invoices.nodes.length, 10);
    assert.equal(me.billing.invoices.pageInfo.hasNextPage, true);
    // One call per system at most for a single customer (HubSpot batch read, Stripe searches and cards, ...).
    assert.deepEqual(t.calls(), expectedUpstreamCalls([seed], { paymentMethods: true }));
    // The presigned URL really downloads the file, without any token.
    const documents = me.documents;
    const first = documents.nodes[0];
    const file = await fetch(first.downloadUrl);
    assert.equal(file.status, 200);
    assert.equal((await file.arrayBuffer()).byteLength, first.size);
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
    const res = await t.gql(`{ me { name billing { invoices(first: 10, after: "nope") { totalCount } } } }`, {
      token: t.token('customer', '1001'),
    });
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
      normalize(conn.nodes),
      seeds.map((s) => normalize(omit(expectedCustomer(s), 'allInvoiceIds'))),
    );
    assert.equal(conn.pageInfo.hasNextPage, true);
    const calls = t.calls();
    assert.deepEqual(calls, expectedUpstreamCalls(seeds, { paymentMethods: true }));
    // The figures docs/vendors.md quotes for the seeded data (upstream calls per request).
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
    const res = await t.gql(`{ customer(id: "1002") { name billing { currency balance paymentMethods { last4 } } } }`, {
      token: t.token('agent'),
    });
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
      assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
    });
  }

  test('a customer cannot list customers', async () => {
    t.sims.resetStats();
    const res = await t.gql(`{ customers(first: 5) { totalCount nodes { id } } }`, { token: t.token('customer', '1001') });
    assert.equal(res.body.data, null);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
  });
});

function omit<T extends Record<string, any>>(o: T, key: string): any {
  const { [key]: _drop, ...rest } = o;
  return rest;
}

describe('upstream failures', () => {
  const secrets = () => Object.values(t.sims.credentials).filter((v) => v.length > 8);
  const assertNoLeak = (body: unknown) => {
    const text = JSON.stringify(body);
    for (const s of secrets()) assert.ok(!text.includes(s), 'a credential leaked into the response');
    assert.ok(!/\n\s+at |stacktrace|127\.0\.0\.1/.test(text), 'a stack trace or upstream address leaked into the response');
  };

  test('billing down: the other systems still answer, billing is null with UPSTREAM_UNAVAILABLE naming it', async () => {
    t.sims.setFaults('stripe', { failureRate: 1 });
    try {
      const res = await t.gql(`{ me { name billing { balance } tickets(first: 1) { nodes { id } } documents(first: 1) { totalCount } } }`, {
        token: t.token('customer', '1001'),
      });
      assert.equal(res.status, 200);
      assert.equal(res.body.data.me.name, 'Ada Lovelace');
      assert.equal(res.body.data.me.billing, null);
      assert.equal(res.body.data.me.tickets.nodes.length, 1);
      assert.equal(res.body.data.me.documents.totalCount, 4);
      assert.deepEqual(
        res.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code, e.extensions?.system]),
        [['me.billing', 'UPSTREAM_UNAVAILABLE', 'billing']],
      );
      assertNoLeak(res.body);
    } finally {
      t.sims.setFaults('stripe', {});
    }
  });

  test('CRM down: me is null with UPSTREAM_UNAVAILABLE naming crm', async () => {
    t.sims.setFaults(TEST_CRM, { failureRate: 1, failStatus: 500 });
    try {
      const res = await t.gql(`{ me { name } }`, { token: t.token('customer', '1001') });
      assert.equal(res.body.data.me, null);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(res.body.errors?.[0]?.extensions?.system, 'crm');
      assertNoLeak(res.body);
    } finally {
      t.sims.setFaults(TEST_CRM, {});
    }
  });

  test('support slow: tickets null with UPSTREAM_TIMEOUT, the rest served', async () => {
    // A deadline the healthy calls clear even on a loaded machine (they answer in milliseconds), and a
    // support vendor answering only at twice the deadline: the outcome does not depend on the load.
    const fast = await startTestApp({ sims: t.sims, env: { CACHE_ENABLED: 'false', UPSTREAM_TIMEOUT_MS: '2500' } });
    t.sims.setFaults('zendesk', { latencyMs: 5000 });
    try {
      const res = await fast.gql(`{ me { name billing { currency } tickets(first: 1) { nodes { id } } } }`, {
        token: fast.token('customer', '1001'),
      });
      assert.equal(res.body.data.me.name, 'Ada Lovelace');
      assert.equal(res.body.data.me.billing.currency, 'GBP');
      assert.equal(res.body.data.me.tickets, null);
      assert.deepEqual(
        res.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code, e.extensions?.system]),
        [['me.tickets', 'UPSTREAM_TIMEOUT', 'support']],
      );
      assertNoLeak(res.body);
    } finally {
      t.sims.setFaults('zendesk', {});
      await fast.close();
    }
  });

  test('a vendor rate limiting us: retried after Retry-After, then RATE_LIMITED naming it', async () => {
    const retrying = await startTestApp({
      sims: t.sims,
      env: { CACHE_ENABLED: 'false', UPSTREAM_RETRIES: '1', UPSTREAM_TIMEOUT_MS: '3000' },
    });
    t.sims.setFaults('zendesk', { rateLimitPerSecond: 0, retryAfterSeconds: 1 });
    t.sims.resetStats();
    try {
      const res = await retrying.gql(`{ me { name tickets(first: 1) { nodes { id } } } }`, { token: retrying.token('customer', '1001') });
      assert.equal(res.body.data.me.tickets, null);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
      assert.equal(res.body.errors?.[0]?.extensions?.system, 'support');
      // show_many answered 429 twice: the first call and one retry.
      assert.equal(t.sims.stats('zendesk').byRoute['GET /api/v2/users/show_many'], 2);
    } finally {
      t.sims.setFaults('zendesk', {});
      await retrying.close();
    }
  });

  test('a transient 503 is retried and the request succeeds', async () => {
    const retrying = await startTestApp({ sims: t.sims, env: { CACHE_ENABLED: 'false', UPSTREAM_RETRIES: '2' } });
    t.sims.setFaults(TEST_CRM, { failureRate: 0.5 });
    t.sims.resetStats();
    try {
      const res = await retrying.gql(`{ me { name } }`, { token: retrying.token('customer', '1001') });
      assert.equal(res.body.errors, undefined);
      assert.equal(res.body.data.me.name, 'Ada Lovelace');
      assert.equal(upstreamCalls(t.sims).crm, 2);
    } finally {
      t.sims.setFaults(TEST_CRM, {});
      await retrying.close();
    }
  });
});

describe('malformed requests', () => {
  test('a syntax error is GRAPHQL_PARSE_FAILED with 400', async () => {
    const res = await t.gql(`{ me { name `, { token: t.token('customer', '1001') });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'GRAPHQL_PARSE_FAILED');
  });

  test('an unknown field is GRAPHQL_VALIDATION_FAILED with 400', async () => {
    const res = await t.gql(`{ me { password } }`, { token: t.token('customer', '1001') });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
  });

  test('a query deeper than MAX_QUERY_DEPTH is refused before execution', async () => {
    t.sims.resetStats();
    const deep = `{ me { billing { invoices { edges { node { id } } pageInfo { hasNextPage } } } } }`;
    const limited = await startTestApp({ sims: t.sims, env: { MAX_QUERY_DEPTH: '4' } });
    try {
      const res = await limited.gql(deep, { token: limited.token('customer', '1001') });
      assert.equal(res.status, 400);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
      assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
    } finally {
      await limited.close();
    }
  });

  test('a body over MAX_BODY_BYTES is 413', async () => {
    const res = await t.gql(`{ me { name } } # ${'x'.repeat(1_100_000)}`, { token: t.token('customer', '1001') });
    assert.equal(res.status, 413);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
  });

  test('a body that is not JSON is 400', async () => {
    const res = await fetch(`${t.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token('customer', '1001')}` },
      body: '{"query": ',
    });
    assert.equal(res.status, 400);
    const body = (await res.json()) as { errors: { extensions: { code: string } }[] };
    assert.equal(body.errors[0].extensions.code, 'BAD_REQUEST');
  });

  test('GET runs queries but never mutations', async () => {
    const token = t.token('admin');
    const q = await fetch(`${t.url}/graphql?query=${encodeURIComponent('{ customer(id: "1001") { name } }')}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    });
    assert.equal(q.status, 200);
    assert.equal(((await q.json()) as any).data.customer.name, 'Ada Lovelace');
    const m = await fetch(`${t.url}/graphql?query=${encodeURIComponent('mutation { purgeCustomerCache(id: "1001") }')}`, {
      headers: { authorization: `Bearer ${token}`, 'apollo-require-preflight': 'true' },
    });
    assert.equal(m.status, 405);
  });

  test('health and readiness', async () => {
    assert.deepEqual(await (await fetch(`${t.url}/healthz`)).json(), { status: 'ok' });
    assert.equal((await fetch(`${t.url}/readyz`)).status, 200);
  });
});

describe('customer ids', () => {
  for (const id of ['1001/../1002', "1001' OR 'x", '1001,1002', '']) {
    test(`${JSON.stringify(id)} is BAD_USER_INPUT before any upstream call`, async () => {
      t.sims.resetStats();
      const res = await t.gql(`query($id: ID!) { customer(id: $id) { id documents { totalCount } } }`, {
        token: t.token('admin'),
        variables: { id },
      });
      assert.equal(res.body.data.customer, null);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
    });
  }
});
