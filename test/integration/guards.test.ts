/**
 * Request guards, each at its boundary: at the limit the operation runs, one over it is refused
 * with 400 QUERY_TOO_COMPLEX naming the limit and its setting, and no upstream call is made
 * (counted by the simulators).
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { repoUrl } from '../helpers/paths.js';

const NONE = { crm: 0, stripe: 0, zendesk: 0, s3: 0 };
let t: TestApp;
let locked: TestApp;
before(async () => {
  t = await startTestApp({ env: { CACHE_ENABLED: 'false' } });
  locked = await startTestApp({ sims: t.sims, env: { INTROSPECTION: 'false', CACHE_ENABLED: 'false' } });
});
after(async () => {
  await locked?.close();
  await t?.close();
});

async function partner(scopes: string[], customerIds?: string[]): Promise<string> {
  const ids = customerIds ? `, customerIds: ${JSON.stringify(customerIds)}` : '';
  const res = await t.gql(`mutation { createPartnerToken(input: { name: "guards", scopes: ${JSON.stringify(scopes)}${ids} }) { token } }`, {
    token: t.token('admin'),
  });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.createPartnerToken.token;
}

function assertRefused(res: Awaited<ReturnType<TestApp['gql']>>, limit: string, allowed: number, setting: RegExp, app = t) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  const e = res.body.errors?.[0];
  assert.equal(e?.extensions?.code, 'QUERY_TOO_COMPLEX');
  assert.equal(e?.extensions?.limit, limit);
  assert.equal(e?.extensions?.allowed, allowed);
  assert.match(e.message, setting);
  assert.equal(res.body.data, undefined);
  assert.deepEqual(app.calls(), NONE);
}

describe('introspection is recognised in every document shape (finding 1)', () => {
  const shapes: Record<string, string> = {
    'inline fragment': '{ ... on Query { __schema { types { name } } } }',
    'fragment spread': 'query { ...Q } fragment Q on Query { __schema { types { name } } }',
    'nested fragments': 'query { ...A } fragment A on Query { ... on Query { ...B } } fragment B on Query { __schema { types { name } } }',
    aliased: '{ s: __schema { types { name } } }',
    '__type through a fragment': 'query { ...T } fragment T on Query { t: __type(name: "PartnerToken") { name fields { name } } }',
  };
  for (const [shape, query] of Object.entries(shapes)) {
    test(`${shape}: anonymous callers get 401 when INTROSPECTION=false`, async () => {
      locked.sims.resetStats();
      const res = await locked.gql(query);
      assert.equal(res.status, 401, JSON.stringify(res.body));
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      assert.equal(res.body.data, undefined);
    });
  }

  test('a partner reaching __schema through fragments sees only its own view', async () => {
    const token = await partner(['billing.invoices:read']);
    for (const query of [shapes['inline fragment'], shapes['fragment spread'], shapes['nested fragments']]) {
      const res = await t.gql(query, { token });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      const names = res.body.data.__schema.types.map((x: { name: string }) => x.name);
      for (const hidden of ['Ticket', 'Document', 'PartnerToken', 'CustomerConnection', 'PaymentMethod'])
        assert.equal(names.includes(hidden), false, `${hidden} visible via ${query}`);
      assert.ok(names.includes('Invoice'));
    }
    const type = await t.gql(shapes['__type through a fragment'], { token });
    assert.deepEqual(type.body.data, { t: null });
  });

  test('introspection mixed with data through a fragment is refused', async () => {
    const res = await t.gql('query { me { id } ...Q } fragment Q on Query { __schema { types { name } } }', {
      token: t.token('customer', '1001'),
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
  });
});

describe('fragments spreading fragments twice, 26 levels deep (a ~1.5 KB document naming 2^26 fields)', () => {
  // Every walk over the document before execution (introspection check, prefetch, response cache
  // key, cost) must visit each fragment once per selection set. An exponential walk holds the
  // event loop for minutes (it did: 6 s at 22 levels), and this test then fails by its timeout.
  const bomb = (at: 'root' | 'customer') => {
    const type = at === 'root' ? 'Query' : 'Customer';
    const leaf = at === 'root' ? 'me { id }' : 'id name';
    const frags = Array.from({ length: 26 }, (_, i) => `fragment F${i} on ${type} { ...F${i + 1} ...F${i + 1} }`).join('\n');
    const body = at === 'root' ? '...F0' : 'me { ...F0 }';
    return `query Bomb { ${body} }\n${frags}\nfragment F26 on ${type} { ${leaf} }`;
  };
  for (const at of ['root', 'customer'] as const)
    test(`at the ${at} level: 400 QUERY_TOO_COMPLEX, no upstream call`, { timeout: 10_000 }, async () => {
      t.sims.resetStats();
      const res = await t.gql(bomb(at), { token: t.token('customer', '1001') });
      assert.equal(res.status, 400);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
      assert.equal(res.body.errors?.[0]?.extensions?.limit, 'cost');
      assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
    });
});

describe('cost = estimated upstream calls, before execution (finding 2)', () => {
  test('the issue example (five aliased customers(first: 100) with nested fields) is refused with zero upstream calls', async () => {
    const page =
      'customers(first: 100) { nodes { id name billing { balance invoices(first: 10) { nodes { id } } } tickets(first: 10) { nodes { id comments { body } } } documents(first: 10) { nodes { name } } } }';
    const query = `{ ${[1, 2, 3, 4, 5].map((i) => `c${i}: ${page}`).join(' ')} }`;
    t.sims.resetStats();
    const res = await t.gql(query, { token: t.token('admin') });
    assertRefused(res, 'cost', 1000, /up to 6\d{3} upstream calls.*MAX_COST=1000/);
  });

  test('every operation of clients/operations passes, with the largest page sizes the operations allow a client to ask for', async () => {
    const dir = repoUrl('clients/operations/');
    // The writes run with real inputs; confirming an upload that was never made runs and finds none.
    const ticket = String(t.sims.data.customers.find((c) => c.crmId === '1001')!.tickets[0].id);
    const writes: Record<string, Record<string, unknown>> = {
      'open-ticket.graphql': { input: { subject: 'Cost', body: 'Check' } },
      'add-ticket-comment.graphql': { ticketId: ticket, body: 'Check' },
      'request-document-upload.graphql': { input: { name: 'a.txt', contentType: 'text/plain', size: 1 } },
      'confirm-document-upload.graphql': { id: Buffer.from('1001/00000000-0000-0000-0000-000000000000/a.txt').toString('base64url') },
      'cancel-subscription.graphql': {},
      'resume-subscription.graphql': {},
    };
    for (const file of readdirSync(dir)) {
      // Partner endpoint management needs Redis: guards-redis.test.ts runs every operation of it
      // through a production app (TRUSTED_DOCUMENTS=partners).
      if (file === 'partner-webhooks.graphql') continue;
      const query = readFileSync(new URL(file, dir), 'utf8');
      if (/^mutation /m.test(query)) {
        assert.ok(writes[file], `${file}: add its variables to this test`);
        const res = await t.gql(query, { token: t.token('customer', '1001'), variables: writes[file] });
        assert.equal(res.status, 200, `${file}: ${JSON.stringify(res.body.errors)}`);
        const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
        assert.deepEqual(codes, file === 'confirm-document-upload.graphql' ? ['NOT_FOUND'] : [], file);
        continue;
      }
      const staff = file.startsWith('customer-search');
      for (const first of [undefined, 100]) {
        const res = await t.gql(query, {
          token: staff ? t.token('agent') : t.token('customer', '1001'),
          variables: first ? { first } : {},
        });
        assert.equal(res.status, 200, `${file} first=${first}: ${JSON.stringify(res.body.errors)}`);
        assert.equal(res.body.errors, undefined, `${file}: ${JSON.stringify(res.body.errors)}`);
      }
    }
  });

  test('at MAX_COST the operation runs; one call over it is refused with zero upstream calls', async () => {
    // customers(first: n) { documents } = 1 HubSpot search + n S3 listings.
    const app = await startTestApp({ sims: t.sims, env: { MAX_COST: '11', CACHE_ENABLED: 'false' } });
    try {
      const q = (n: number) => `{ customers(first: ${n}) { nodes { id documents(first: 1) { nodes { id } } } } }`;
      app.sims.resetStats();
      const ok = await app.gql(q(10), { token: app.token('admin') });
      assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
      assert.equal(ok.body.data.customers.nodes.length, 10);
      assert.deepEqual(app.calls(), { crm: 1, stripe: 0, zendesk: 0, s3: 10 });
      app.sims.resetStats();
      assertRefused(await app.gql(q(11), { token: app.token('admin') }), 'cost', 11, /up to 12 upstream calls.*MAX_COST=11/, app);
      // Variables count the same as literals.
      app.sims.resetStats();
      const viaVars = await app.gql('query($n: Int) { customers(first: $n) { nodes { documents(first: 1) { nodes { id } } } } }', {
        token: app.token('admin'),
        variables: { n: 11 },
      });
      assertRefused(viaVars, 'cost', 11, /MAX_COST=11/, app);
    } finally {
      await app.close();
    }
  });

  test('partners have their own, tighter cost limit (PARTNER_LIMITS)', async () => {
    const app = await startTestApp({ sims: t.sims, env: { PARTNER_LIMITS: 'cost=6', CACHE_ENABLED: 'false' } });
    try {
      const minted = await app.gql(
        `mutation { createPartnerToken(input: { name: "p", scopes: ["crm.customers:list", "files.documents:read"] }) { token } }`,
        { token: app.token('admin') },
      );
      const token = minted.body.data.createPartnerToken.token as string;
      const q = (n: number) => `{ customers(first: ${n}) { nodes { id documents(first: 1) { nodes { id } } } } }`;
      const ok = await app.gql(q(5), { token });
      assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
      app.sims.resetStats();
      assertRefused(await app.gql(q(6), { token }), 'cost', 6, /partner tokens is 6 \(PARTNER_LIMITS cost=6\)/, app);
      // The same document is fine for staff, whose limit is MAX_COST.
      assert.equal((await app.gql(q(6), { token: app.token('admin') })).body.errors, undefined);
    } finally {
      await app.close();
    }
  });
});

describe('GraphQL Armor limits at the boundary (finding 2)', () => {
  test('aliases: 15 run, 16 are refused', async () => {
    const q = (n: number) => `{ ${Array.from({ length: n }, (_, i) => `a${i}: customer(id: "1001") { id }`).join(' ')} }`;
    const ok = await t.gql(q(15), { token: t.token('customer', '1001') });
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
    t.sims.resetStats();
    assertRefused(await t.gql(q(16), { token: t.token('customer', '1001') }), 'aliases', 15, /MAX_ALIASES=15/);
  });

  test('depth counts introspection: an ofType chain 15 deep runs, 16 deep is refused', async () => {
    // __schema(1) types(2) fields(3) type(4), then ofType levels, then name (a level too).
    const q = (depth: number) =>
      `{ __schema { types { fields { type { ${'ofType { '.repeat(depth - 5)}name${' }'.repeat(depth - 5)} } } } } }`;
    const ok = await t.gql(q(15), { token: t.token('agent') });
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
    t.sims.resetStats();
    assertRefused(await t.gql(q(16), { token: t.token('agent') }), 'depth', 15, /MAX_QUERY_DEPTH=15/);
    // The standard introspection query (what GraphiQL and codegen send) passes.
    assert.equal((await t.gql(getIntrospectionQuery(), { token: t.token('agent') })).body.errors, undefined);
  });

  test('directives: 20 run, 21 are refused', async () => {
    // Over six fields, so no response key repeats more than MAX_DUPLICATE_FIELDS (5) times.
    const fields = ['id', 'name', 'email', 'phone', 'company', 'lifecycleStage'];
    const q = (n: number) => `{ me { ${Array.from({ length: n }, (_, i) => `${fields[i % 6]} @include(if: true)`).join(' ')} } }`;
    const ok = await t.gql(q(20), { token: t.token('customer', '1001') });
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
    t.sims.resetStats();
    assertRefused(await t.gql(q(21), { token: t.token('customer', '1001') }), 'directives', 20, /MAX_DIRECTIVES=20/);
  });

  test('tokens and document size: at the limit the document runs, one over is refused before parsing', async () => {
    // 98 __typename fields are one response key 98 times: MAX_DUPLICATE_FIELDS is raised out of the way.
    const app = await startTestApp({
      sims: t.sims,
      env: { MAX_TOKENS: '100', MAX_DOCUMENT_BYTES: '2000', MAX_DUPLICATE_FIELDS: '1000' },
    });
    try {
      const token = app.token('customer', '1001');
      const fields = (n: number) => `{ ${Array.from({ length: n }, () => '__typename').join(' ')} }`;
      assert.equal((await app.gql(fields(98), { token })).body.errors, undefined); // 98 fields + 2 braces = 100 tokens
      app.sims.resetStats();
      assertRefused(await app.gql(fields(99), { token }), 'tokens', 100, /MAX_TOKENS=100/, app);
      // Comments are not tokens but are bytes.
      const padded = (bytes: number) => `{ __typename }\n#${'x'.repeat(bytes - 16)}`;
      assert.equal(Buffer.byteLength(padded(2000)), 2000);
      assert.equal((await app.gql(padded(2000), { token })).body.errors, undefined);
      assertRefused(await app.gql(padded(2001), { token }), 'bytes', 2000, /MAX_DOCUMENT_BYTES=2000/, app);
    } finally {
      await app.close();
    }
  });

  test('1,000 aliases, 2,000 directives and a 50 KB document are refused with the defaults', async () => {
    const token = t.token('admin');
    t.sims.resetStats();
    const aliases = await t.gql(`{ ${Array.from({ length: 1000 }, (_, i) => `a${i}: __typename`).join(' ')} }`, { token });
    assert.equal(aliases.status, 400);
    assert.equal(aliases.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
    const big = await t.gql(`{ __typename }#${'x'.repeat(50_000)}`, { token });
    assert.equal(big.body.errors?.[0]?.extensions?.limit, 'bytes');
    const directives = await t.gql(`{ __typename ${'@include(if: true) '.repeat(2000)} }`, { token });
    assert.equal(directives.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.deepEqual(t.calls(), NONE);
  });
});

describe('field suggestions (finding 3)', () => {
  test('anonymous callers and partners never see "Did you mean"', async () => {
    const token = await partner(['billing.invoices:read']);
    for (const [who, opts] of [
      ['anonymous', {}],
      ['partner', { token }],
    ] as const) {
      const res = await t.gql('{ customerz(id: "1") { id } }', opts);
      assert.equal(res.status, 400);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
      assert.doesNotMatch(JSON.stringify(res.body), /Did you mean|"customer"/, who);
    }
    // An enum value typo in variables suggests too; hidden as well.
    const res = await t.gql('query($f: Int) { customer(id: "1") { id } __typename @include(if: $f) }', { token, variables: { f: 'x' } });
    assert.doesNotMatch(JSON.stringify(res.body), /Did you mean/);
  });

  test('signed-in users in development still get suggestions', async () => {
    const res = await t.gql('{ mee { id } }', { token: t.token('customer', '1001') });
    assert.match(res.body.errors?.[0]?.message ?? '', /Did you mean "me"\?/);
  });
});

describe('operation selection (finding 5)', () => {
  test('an unknown operationName or several operations without one is a 400 request error', async () => {
    const doc = 'query A { __typename } query B { __typename }';
    for (const body of [{ query: doc }, { query: doc, operationName: 'C' }, { query: '{ __typename }', operationName: 'Nope' }]) {
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token('agent')}` },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      assert.equal(res.status, 400, JSON.stringify(json));
      assert.equal(json.errors[0].extensions.code, 'OPERATION_RESOLUTION_FAILURE');
      assert.match(json.errors[0].message, /operationName|no operation named/);
    }
  });
});

describe('partner customer allow-lists (finding 6)', () => {
  test('customers(search:) counts only the allowed customers, in the HubSpot query itself', async () => {
    const token = await partner(['crm.customers:list', 'crm.contacts:read'], ['1001']);
    const other = await t.gql('{ customer(id: "1002") { email } }', { token: t.token('admin') });
    const email = other.body.data.customer.email as string;
    const probe = await t.gql(`{ customers(search: ${JSON.stringify(email)}) { totalCount nodes { id } } }`, { token });
    assert.deepEqual(probe.body.data.customers, { totalCount: 0, nodes: [] });
    const all = await t.gql('{ customers(first: 5) { totalCount nodes { id name } pageInfo { hasNextPage } } }', { token });
    assert.deepEqual(all.body.data.customers, {
      totalCount: 1,
      nodes: [{ id: '1001', name: 'Ada Lovelace' }],
      pageInfo: { hasNextPage: false },
    });
    const own = await t.gql('{ customers(search: "ada@example.com") { totalCount } }', { token });
    assert.equal(own.body.data.customers.totalCount, 1);
  });
});

describe('landing page (finding 12)', () => {
  test("GET /graphql as a browser never serves Apollo's landing page", async () => {
    const app = await startTestApp({ sims: t.sims, env: { SANDBOX: 'false' } });
    try {
      const res = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
      const body = await res.text();
      assert.doesNotMatch(body, /<html|<script|cdn\./i);
      assert.match(res.headers.get('content-type') ?? '', /application\/json/);
      assert.equal(res.status, 400);
    } finally {
      await app.close();
    }
  });
});

describe('trusted documents per partner', () => {
  test("a partner token's own operation list replaces the manifest (TRUSTED_DOCUMENTS=partners)", async () => {
    const { createHash } = await import('node:crypto');
    const app = await startTestApp({ sims: t.sims, env: { TRUSTED_DOCUMENTS: 'partners' } });
    try {
      const own = '{ customer(id: "1002") { id } }';
      const hash = createHash('sha256').update(own).digest('hex');
      const minted = await app.gql(
        `mutation { createPartnerToken(input: { name: "listed", scopes: ["crm.contacts:read", "crm.customers:list"], operations: ["${hash}"] }) { token partnerToken { operations } } }`,
        { token: app.token('admin') },
      );
      assert.deepEqual(minted.body.data.createPartnerToken.partnerToken.operations, [hash]);
      const token = minted.body.data.createPartnerToken.token as string;
      assert.deepEqual((await app.gql(own, { token })).body.data, { customer: { id: '1002' } });
      app.sims.resetStats();
      const other = await app.gql('{ customer(id: "1003") { id } }', { token });
      assert.equal(other.status, 403);
      assert.equal(other.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      assert.deepEqual(app.calls(), NONE);
      const bad = await app.gql(
        'mutation { createPartnerToken(input: { name: "x", scopes: ["crm.contacts:read"], operations: ["nope"] }) { token } }',
        { token: app.token('admin') },
      );
      assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    } finally {
      await app.close();
    }
  });
});
