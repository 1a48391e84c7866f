/**
 * Hostile inputs get a defined 4xx error before any work (issue 18, item 6): deeply nested JSON
 * in `variables` / `extensions` (POST, GET, batched), `__typename` aliases and duplicated fields,
 * and methods /graphql does not serve. Each is refused with no upstream call (counted by the
 * simulators) and, for the nesting, with nothing logged at error level or with a stack trace.
 */
import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { startTestApp, type TestApp } from '../helpers/app.js';

const NONE = { crm: 0, stripe: 0, zendesk: 0, s3: 0 };
const lines: { level: number; msg?: string; err?: unknown; stack?: unknown }[] = [];
const raw: string[] = [];
const logger = pino(
  { level: 'info' },
  new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const line of String(chunk).split('\n').filter(Boolean)) {
        raw.push(line);
        lines.push(JSON.parse(line) as (typeof lines)[number]);
      }
      done();
    },
  }),
);

let t: TestApp;
before(async () => {
  // Redis is not needed: the idempotency store's absence would only refuse keyed mutations later (503).
  t = await startTestApp({ logger });
});
after(() => t?.close());

/** JSON text of `levels` nested objects: {"a":{"a":...1...}}. */
const nested = (levels: number) => `${'{"a":'.repeat(levels)}1${'}'.repeat(levels)}`;

async function post(body: string, headers: Record<string, string> = {}) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token('customer', '1001')}`, ...headers },
    body,
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

function assertTooDeep(res: { status: number; text: string }, where: RegExp) {
  assert.equal(res.status, 400, res.text);
  const body = JSON.parse(res.text) as { errors: { message: string; extensions: Record<string, unknown> }[]; data?: unknown };
  assert.equal(body.errors[0].extensions.code, 'BAD_USER_INPUT');
  assert.equal(body.errors[0].extensions.limit, 'jsonDepth');
  assert.equal(body.errors[0].extensions.allowed, 64);
  assert.match(body.errors[0].message, where);
  assert.match(body.errors[0].message, /MAX_JSON_DEPTH=64/);
  assert.equal(body.data, undefined);
  assert.doesNotMatch(res.text, /RangeError|stack|at [\w.]+ \(/);
}

describe('deeply nested JSON in variables and extensions (item 1)', () => {
  test('5,000 levels of variables (POST, as a query and as a keyed mutation): 400 BAD_USER_INPUT, no work, nothing logged', async () => {
    t.sims.resetStats();
    const logged = lines.length;
    const deep = nested(5000);
    assertTooDeep(await post(`{"query":"{ me { id } }","variables":{"x":${deep}}}`), /^variables is nested more than 64 levels deep/);
    assertTooDeep(
      await post(`{"query":"mutation($s: String!) { openTicket(input: { subject: $s, body: \\"b\\" }) { id } }","variables":${deep}}`, {
        'idempotency-key': 'deep-1',
      }),
      /^variables is nested/,
    );
    assertTooDeep(await post(`{"query":"{ me { id } }","extensions":${deep}}`), /^extensions is nested/);
    assert.deepEqual(t.calls(), NONE);
    const after = lines.slice(logged);
    assert.deepEqual(
      after.filter((l) => l.level >= 50),
      [],
    );
    assert.ok(!raw.slice(logged).some((l) => /RangeError|"stack"/.test(l)), raw.slice(logged).join('\n'));
  });

  test('GET with variables in the query string, and a batched POST, are bounded the same way', async () => {
    t.sims.resetStats();
    const logged = lines.length;
    const url = new URL(`${t.url}/graphql`);
    url.searchParams.set('query', '{ me { id } }');
    url.searchParams.set('variables', `{"x":${'['.repeat(1000)}${']'.repeat(1000)}}`);
    const get = await fetch(url, { headers: { authorization: `Bearer ${t.token('customer', '1001')}` } });
    assertTooDeep({ status: get.status, text: await get.text() }, /^variables is nested/);
    assertTooDeep(await post(`[{"query":"{ me { id } }","variables":${nested(5000)}}]`), /^\[0\]\.variables is nested/);
    assert.deepEqual(t.calls(), NONE);
    assert.deepEqual(
      lines.slice(logged).filter((l) => l.level >= 50),
      [],
    );
  });

  test('64 levels are accepted, 65 are refused', async () => {
    const ok = await post(`{"query":"{ me { id } }","variables":${nested(64)}}`);
    assert.equal(ok.status, 200, ok.text);
    assert.deepEqual(JSON.parse(ok.text), { data: { me: { id: '1001' } } });
    assertTooDeep(await post(`{"query":"{ me { id } }","variables":${nested(65)}}`), /^variables is nested/);
  });
});

function assertLimit(res: Awaited<ReturnType<TestApp['gql']>>, limit: string, allowed: number, setting: RegExp) {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  const e = res.body.errors?.[0];
  assert.equal(e?.extensions?.code, 'QUERY_TOO_COMPLEX');
  assert.equal(e?.extensions?.limit, limit);
  assert.equal(e?.extensions?.allowed, allowed);
  assert.match(e.message, setting);
  assert.equal(res.body.data, undefined);
  assert.deepEqual(t.calls(), NONE);
}

describe('aliases of __typename and duplicated fields (item 2)', () => {
  test('__typename aliases count against MAX_ALIASES: 15 run, 16 are refused', async () => {
    const q = (n: number) => `{ me { id } ${Array.from({ length: n }, (_, i) => `t${i}: __typename`).join(' ')} }`;
    const token = t.token('customer', '1001');
    const ok = await t.gql(q(15), { token });
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
    t.sims.resetStats();
    assertLimit(await t.gql(q(16), { token }), 'aliases', 15, /MAX_ALIASES=15/);
  });

  test('a response key repeated in one selection set: 5 times run, 6 and 500 are refused', async () => {
    const token = t.token('customer', '1001');
    const q = (n: number) => `{ me { id ${'name '.repeat(n)} } }`;
    const ok = await t.gql(q(5), { token });
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
    t.sims.resetStats();
    assertLimit(await t.gql(q(6), { token }), 'duplicates', 5, /"name" 6 times.*MAX_DUPLICATE_FIELDS=5/);
    assertLimit(await t.gql(q(500), { token }), 'duplicates', 5, /MAX_DUPLICATE_FIELDS=5/);
    // Through inline fragments, which GraphQL merges into the same selection set.
    assertLimit(await t.gql(`{ me { id ${'... on Customer { name } '.repeat(6)} } }`, { token }), 'duplicates', 5, /"name"/);
    // graphql-cop's probe: __typename 500 times at the root.
    assertLimit(await t.gql(`{ ${'__typename '.repeat(500)} }`, { token }), 'duplicates', 5, /"__typename"/);
  });
});

describe('methods /graphql does not serve (item 5)', () => {
  for (const method of ['PUT', 'DELETE', 'PATCH'])
    test(`${method} /graphql: 405 with Allow: GET, POST`, async () => {
      t.sims.resetStats();
      const res = await fetch(`${t.url}/graphql`, {
        method,
        headers: { 'content-type': 'application/json' },
        body: method === 'DELETE' ? undefined : '{"query":"{ __typename }"}',
      });
      assert.equal(res.status, 405);
      assert.equal(res.headers.get('allow'), 'GET, POST');
      const body = (await res.json()) as { errors: { message: string; extensions: { code: string } }[] };
      assert.equal(body.errors[0].extensions.code, 'BAD_REQUEST');
      assert.match(body.errors[0].message, new RegExp(`${method}.*GET or POST`));
      assert.deepEqual(t.calls(), NONE);
    });
});
