/**
 * Whole-response cache: a warm dashboard is served in one read, never to another principal,
 * and dropped by the customer purge.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { Redis } from 'ioredis';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { CUSTOMER_FIELDS, DASHBOARD, startTestApp, type TestApp } from '../helpers/app.js';
import { expectedCustomer, normalize } from '../helpers/expected.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { waitFor } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let a: TestApp;
let b: TestApp;
const ZERO = { crm: 0, stripe: 0, zendesk: 0, s3: 0 };

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

test("a miss reads the response entry once (the HTTP layer's read serves the store after execution); a hit on the instance that stored it reads only its tag", async () => {
  await redis.flush();
  const base = new Redis(redis.url);
  const monitor = await base.monitor();
  const entryReads: string[] = [];
  const tagReads: string[] = [];
  monitor.on('monitor', (_time: string, args: string[]) => {
    if (args[0]?.toLowerCase() !== 'mget') return;
    if (/^rctest:rc:[^:]+:v3$/.test(args[1] ?? '')) entryReads.push(args[1]);
    else if (args.includes('rctest:rc:tag:1003')) tagReads.push(args.join(' '));
  });
  try {
    const token = a.token('customer', '1003');
    const miss = await a.gql(DASHBOARD, { token });
    assert.equal(miss.body.errors, undefined);
    await a.app.cache.settle();
    await waitFor("the miss's read", () => entryReads.length >= 1);
    sims.resetStats();
    const tagsBefore = tagReads.length;
    const hit = await a.gql(DASHBOARD, { token });
    assert.deepEqual(a.calls(), ZERO, 'the entry written after the single read answers the next request');
    assert.deepEqual(hit.body.data, miss.body.data);
    // The monitor shows commands in order: once the hit's tag read is seen, an entry read would be too.
    await waitFor("the hit's tag read", () => tagReads.length > tagsBefore);
    assert.equal(entryReads.length, 1, `reads of the entry: ${entryReads.length} (the miss's only: the body is held in memory)`);
    // Another instance reads the entry once, then holds it too.
    const other = await b.gql(DASHBOARD, { token });
    assert.deepEqual(other.body.data, miss.body.data);
    await waitFor("the other instance's read", () => entryReads.length >= 2);
    assert.equal(entryReads[0], entryReads[1]);
    assert.deepEqual(b.calls(), ZERO);
  } finally {
    monitor.disconnect();
    base.disconnect();
  }
});

test("a miss reads Redis once per thing it needs: its response entry once, each customer's links once (billing and support share them)", async () => {
  await redis.flush();
  const base = new Redis(redis.url);
  const monitor = await base.monitor();
  const reads = new Map<string, number>();
  monitor.on('monitor', (_time: string, args: string[]) => {
    const cmd = args[0]?.toLowerCase();
    if (cmd === 'hgetall' || cmd === 'mget' || cmd === 'get')
      for (const k of args.slice(1)) if (k.startsWith('rctest:rc:') || k.startsWith('rctest:links:')) reads.set(k, (reads.get(k) ?? 0) + 1);
  });
  const settled = async (what: string, key: (k: string) => boolean, n: number) =>
    waitFor(what, () => [...reads.keys()].filter(key).length >= n);
  try {
    // A customer's dashboard: billing and support both need the customer's links.
    const dash = await a.gql(DASHBOARD, { token: a.token('customer', '1004') });
    assert.equal(dash.body.errors, undefined);
    await a.app.cache.settle();
    await settled('the links read', (k) => k === 'rctest:links:1004', 1);
    const entries = [...reads].filter(([k]) => /^rctest:rc:[^:]+:v3$/.test(k));
    assert.deepEqual(
      entries.map(([, n]) => n),
      [1],
    );
    assert.equal(reads.get('rctest:links:1004'), 1, 'the links of the customer, read once');
    // A staff list of 50 (audited: its entry is stored with the customers read).
    reads.clear();
    const list = await a.gql(LIST, { token: a.token('admin', 'rc-once') });
    assert.equal(list.body.errors, undefined, JSON.stringify(list.body.errors));
    const ids = (list.body.data.customers.nodes as { id: string }[]).map((c) => c.id);
    await a.app.cache.settle();
    await settled("the page's links", (k) => k.startsWith('rctest:links:'), 50);
    const linkReads = ids.map((id) => reads.get(`rctest:links:${id}`));
    assert.deepEqual(
      linkReads,
      ids.map(() => 1),
      "each customer's links read once",
    );
    assert.deepEqual(
      [...reads].filter(([k]) => /^rctest:rc:[^:]+:v3$/.test(k)).map(([, n]) => n),
      [1],
      'the response entry read once (by the HTTP layer)',
    );
  } finally {
    monitor.disconnect();
    base.disconnect();
  }
});

test('a copy held in memory is never served once Redis was emptied (restart, failover, FLUSHALL)', async () => {
  await redis.flush();
  const token = a.token('customer', '1001');
  await a.gql(DASHBOARD, { token });
  await a.app.cache.settle();
  sims.resetStats();
  await a.gql(DASHBOARD, { token });
  assert.deepEqual(a.calls(), ZERO, 'served from the copy in memory');
  await redis.flush();
  sims.resetStats();
  const res = await a.gql(DASHBOARD, { token });
  assert.deepEqual(normalize(res.body.data.me), expectedMe('1001'));
  assert.ok(a.calls().crm > 0, 'read from the systems again');
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
  assert.equal(a.calls().crm, 1, 'the purged dashboard was read from the systems again');
});

type Read = {
  action: string;
  actor: { subject: string };
  customerIds: string[];
  systems: string[];
  fields: string[];
  operation: string | null;
};
/** The `customer.read` entries stored for a customer (read back from the audit log), by actor. */
const storedReads = async (customerId: string, subject: string) => {
  const res = await a.gql(
    `query($c: ID!) { auditLog(customerId: $c, first: 100) { nodes { action actor { subject } customerIds systems fields operation } } }`,
    { token: a.token('admin'), variables: { c: customerId } },
  );
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return (res.body.data.auditLog.nodes as Read[]).filter((e) => e.action === 'customer.read' && e.actor.subject === subject);
};

test('staff reads served whole are still recorded in the audit log, once per customer per request', async () => {
  await redis.flush();
  const q = `query Look { customer(id: "1003") { id name } }`;
  const agent = a.token('agent', 'rc-bob');
  const first = await a.gql(q, { token: agent });
  assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
  await a.app.cache.settle();
  sims.resetStats();
  const reads = recordReads(a);
  const second = await a.gql(q, { token: agent });
  assert.deepEqual(second.body, first.body);
  assert.deepEqual(a.calls(), ZERO, 'the second read was served whole');
  assert.equal(recordReads(a), reads);
  await waitFor('both reads to be recorded', async () => (await storedReads('1003', 'rc-bob')).length >= 2);
  const entries = await storedReads('1003', 'rc-bob');
  assert.equal(entries.length, 2);
  assert.deepEqual(entries[0], entries[1], 'the served read is recorded as the executed one was');
  assert.deepEqual(entries[0]?.fields, ['Customer.id', 'Customer.name']);
});

const LIST = `query StaffList { customers(first: 50) { totalCount nodes { ${CUSTOMER_FIELDS} } pageInfo { hasNextPage endCursor } } }`;

test('a warm staff list of 50 is served whole to all staff with the same grants on any instance, each read recorded for who asked', async () => {
  await redis.flush();
  const cold = await a.gql(LIST, { token: a.token('admin', 'rc-list-1') });
  assert.equal(cold.body.errors, undefined, JSON.stringify(cold.body.errors));
  const ids = (cold.body.data.customers.nodes as { id: string }[]).map((c) => c.id);
  assert.equal(ids.length, 50);
  await a.app.cache.settle();
  sims.resetStats();
  const reads = recordReads(b);
  const warm = await b.gql(LIST, { token: b.token('admin', 'rc-list-2') });
  assert.deepEqual(warm.body, cold.body);
  assert.deepEqual(b.calls(), ZERO);
  assert.equal(recordReads(b), reads, 'served whole, without reading records');
  // Each admin's request recorded one read naming every customer on the page, with the same fields,
  // found in each customer's log.
  for (const id of [ids[0], ids[49]]) {
    await waitFor(`the reads of ${id}`, async () => (await storedReads(id, 'rc-list-2')).length >= 1);
    const [executed, served] = [await storedReads(id, 'rc-list-1'), await storedReads(id, 'rc-list-2')];
    assert.equal(executed.length, 1);
    assert.equal(served.length, 1);
    assert.deepEqual({ ...served[0], actor: null }, { ...executed[0], actor: null });
    assert.equal(served[0]?.operation, 'StaffList');
    assert.deepEqual(served[0].customerIds, [...ids].sort());
    assert.ok(served[0].fields.includes('Invoice.amountDue') && served[0].systems.length === 4, JSON.stringify(served[0]));
  }
});

test('a change to one customer on a cached page makes the page a miss, and the list shows the change', async () => {
  await redis.flush();
  const agent = a.token('admin');
  const cold = await a.gql(LIST, { token: agent });
  const target = (cold.body.data.customers.nodes as { id: string }[])[7].id;
  await a.app.cache.settle();
  const write = await b.gql(`mutation($id: ID!) { updateContact(id: $id, input: { company: "Changed Page Co" }) { id company } }`, {
    token: b.token('admin'),
    variables: { id: target },
  });
  assert.equal(write.body.errors, undefined, JSON.stringify(write.body.errors));
  sims.resetStats();
  const after = await a.gql(LIST, { token: agent });
  assert.ok(a.calls().crm > 0, 'the page was read from the systems again');
  const row = (after.body.data.customers.nodes as { id: string; company: string }[]).find((c) => c.id === target);
  assert.equal(row?.company, 'Changed Page Co');
});

test('a purge while a page is being read keeps that page from being stored', async () => {
  await redis.flush();
  const agent = a.token('admin');
  sims.setFaults('zendesk', { latencyMs: 1500 });
  try {
    sims.resetStats();
    const slow = a.gql(LIST, { token: agent });
    // The page's CRM records are read; its tickets are on their way.
    await waitFor('the page to reach the support system', () => a.calls().zendesk > 0);
    const ids = sims.data.customers.map((c) => c.crmId);
    const purge = await b.gql(`mutation($id: ID!) { purgeCustomerCache(id: $id) }`, {
      token: b.token('admin'),
      variables: { id: ids[ids.length - 1] },
    });
    assert.deepEqual(purge.body, { data: { purgeCustomerCache: true } });
    assert.equal((await slow).body.errors, undefined);
  } finally {
    sims.setFaults('zendesk', {});
  }
  await a.app.cache.settle();
  sims.resetStats();
  await a.gql(LIST, { token: agent });
  assert.ok(a.calls().crm > 0, 'the page read across the purge was not stored');
});

const post = (app: TestApp, token: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...headers },
    body: JSON.stringify(body),
  });

test("a hit is the miss's answer byte for byte, by the document's text or the generated client's hash alone", async () => {
  await redis.flush();
  const manifest = JSON.parse(readFileSync('clients/generated/persisted-documents.json', 'utf8')) as Record<string, string>;
  const [hash, text] = Object.entries(manifest).find(([, doc]) => doc.startsWith('query Dashboard'))!;
  const token = a.token('customer', '1001');
  const miss = await post(a, token, { query: text });
  const missBody = await miss.text();
  assert.equal(miss.status, 200);
  assert.equal(JSON.parse(missBody).errors, undefined, missBody);
  await a.app.cache.settle();
  sims.resetStats();
  const reads = recordReads(b);
  for (const body of [{ query: text }, { extensions: { persistedQuery: { version: 1, sha256Hash: hash } } }]) {
    const hit = await post(b, token, body);
    assert.equal(hit.status, 200);
    assert.equal(hit.headers.get('content-type'), miss.headers.get('content-type'));
    assert.equal(await hit.text(), missBody);
  }
  assert.deepEqual(b.calls(), ZERO);
  assert.equal(recordReads(b), reads, 'both served whole');
  // Text and a hash that is not its hash: Apollo's error, never the cached answer.
  const mismatch = await post(b, token, { query: text, extensions: { persistedQuery: { version: 1, sha256Hash: '0'.repeat(64) } } });
  const body = (await mismatch.json()) as { data?: unknown; errors?: { extensions?: { code?: string } }[] };
  assert.equal(body.data, undefined);
  assert.ok(body.errors?.length, 'refused');
  // A client asking for application/graphql-response+json gets that media type (Apollo answers it).
  const negotiated = await post(b, token, { query: text }, { accept: 'application/graphql-response+json' });
  assert.match(negotiated.headers.get('content-type') ?? '', /application\/graphql-response\+json/);
});

test('the same document rewritten with a fragment and aliases is cached per principal too', async () => {
  await redis.flush();
  const q = `query Mine { mine: me { ...Who } } fragment Who on Customer { who: name billing { owed: balance } }`;
  for (const [id, name] of [
    ['1001', 'Ada Lovelace'],
    ['1002', (expectedMe('1002') as { name: string }).name],
  ] as const) {
    const token = a.token('customer', id);
    for (const app of [a, b, a]) {
      const res = await app.gql(q, { token });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      assert.equal(res.body.data.mine.who, name);
    }
    await a.app.cache.settle();
  }
});

test('a cached response is never served on an expired token', async () => {
  await redis.flush();
  const strict = await startTestApp({ sims, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'rctest', AUTH_CLOCK_TOLERANCE_S: '0' } });
  try {
    // The entry is keyed by the customer, not the token: a valid token of the same customer fills it,
    // then a token of that customer that expired a minute ago asks for it. No waiting on the clock.
    const first = await strict.gql(DASHBOARD, { token: strict.token('customer', '1001') });
    assert.equal(first.status, 200);
    await strict.app.cache.settle();
    sims.resetStats();
    const hit = await strict.gql(DASHBOARD, { token: strict.token('customer', '1001') });
    assert.deepEqual(hit.body, first.body);
    assert.deepEqual(strict.calls(), ZERO, 'the entry is there: a valid token is served from it');
    const token = strict.token('customer', '1001', -60);
    const res = await strict.gql(DASHBOARD, { token });
    assert.equal(res.status, 401);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    assert.equal(res.body.data, undefined);
  } finally {
    await strict.close();
  }
});

test('partners with different allow-lists or scopes never share a response, whatever was asked before', async () => {
  await redis.flush();
  const mint = async (name: string, scopes: string[], customerIds: string[]) => {
    const res = await a.gql(`mutation($i: CreatePartnerTokenInput!) { createPartnerToken(input: $i) { token } }`, {
      token: a.token('admin'),
      variables: { i: { name, scopes, customerIds, ttlDays: 1 } },
    });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body));
    return res.body.data.createPartnerToken.token as string;
  };
  const read = ['crm.contacts:read', 'billing.summary:read'];
  const both = await mint('rc-both', read, ['1002']);
  const elsewhere = await mint('rc-elsewhere', read, ['1003']);
  const contactsOnly = await mint('rc-contacts', ['crm.contacts:read'], ['1002']);
  const q = `{ customer(id: "1002") { id name billing { currency } } }`;
  const seed = sims.data.customers.find((c) => c.crmId === '1002')!;
  const name = `${seed.firstname} ${seed.lastname}`;
  // The partner that may see it all asks first, twice, on both instances.
  const full = await a.gql(q, { token: both });
  assert.equal(full.body.errors, undefined, JSON.stringify(full.body));
  assert.equal(full.body.data.customer.name, name);
  assert.ok(full.body.data.customer.billing.currency);
  for (const app of [a, b]) assert.deepEqual((await app.gql(q, { token: both })).body, full.body);
  for (const app of [a, b]) {
    // The same document from a partner whose allow-list names other customers: refused.
    const other = await app.gql(q, { token: elsewhere });
    assert.equal(other.body.data?.customer ?? null, null);
    assert.equal(other.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    // From a partner without the billing scope: the contact, and billing refused.
    const fewer = await app.gql(q, { token: contactsOnly });
    assert.equal(fewer.body.data.customer.name, name);
    assert.equal(fewer.body.data.customer.billing, null);
    assert.deepEqual(
      fewer.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]),
      [['customer.billing', 'FORBIDDEN']],
    );
  }
});
