/**
 * The write path against the shapes an attacker or a bad day sends, through the real app, a real
 * Redis and the vendor simulators: many writes in one document (aliases, fragments, @skip/@include),
 * one Idempotency-Key over rewritten documents, APQ hashes, GET, batches and concurrent retries,
 * an answer that costs more than it writes, vendor outages and lost answers during a write, and
 * authorization through aliases, missing scopes and other customers' ids. Each asserts what the
 * client gets and what the vendors and the audit log saw.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { TEST_CRM, startTestApp, type GqlResponse, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { crmContact } from '../helpers/crm.js';
import { redisClient, waitFor } from '../helpers/webhooks.js';

const PREFIX = 'writeshapes';
let redis: TestRedis;
let sims: Simulators;
let r: Redis;
let t: TestApp;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  r = redisClient(redis.url);
  // No record cache, so every ticket listing is what Zendesk holds now.
  t = await startTestApp({
    sims,
    env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX, UPSTREAM_RETRIES: '2', CACHE_ENABLED: 'false', EVENT_WORKERS: 'false' },
  });
});
after(async () => {
  r?.disconnect();
  await t?.close();
  await sims?.close();
  await redis?.stop();
});

const customer = (id = '1001') => t.token('customer', id);
const zendesk = () => sims.stats('zendesk').byRoute;
const ticketWrites = () => (zendesk()['POST /api/v2/tickets'] ?? 0) + (zendesk()['PUT /api/v2/tickets/{id}'] ?? 0);
const auditEntries = () => r.xlen(`${PREFIX}:{audit}`);

/** A raw POST /graphql: status, headers, the body text (to compare replays byte for byte) and the parsed body. */
async function post(token: string, body: unknown, key?: string, app: TestApp = t) {
  const res = await fetch(`${app.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, replayed: res.headers.get('idempotent-replayed'), text, body: JSON.parse(text) as GqlResponse['body'] };
}

/** The customer's tickets with this subject, as Zendesk holds them now. */
async function ticketsNamed(subject: string, token = customer(), app: TestApp = t): Promise<string[]> {
  const res = await app.gql('{ me { tickets(first: 100) { nodes { id subject } } } }', { token });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return (res.body.data.me.tickets.nodes as { id: string; subject: string }[]).filter((n) => n.subject === subject).map((n) => n.id);
}

const tooManyWrites = (res: { status: number; body: GqlResponse['body'] }, n: number) => {
  assert.equal(res.status, 400, JSON.stringify(res.body));
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
  assert.equal(res.body.errors?.[0]?.extensions?.limit, 'writes');
  assert.equal(res.body.errors?.[0]?.extensions?.allowed, 1);
  assert.match(res.body.errors?.[0]?.message ?? '', new RegExp(`has ${n} writes.*MAX_WRITES=1`));
  assert.equal(res.body.data, undefined);
};

describe('writes per operation (MAX_WRITES)', () => {
  const ten = (field: (i: number) => string) => `mutation Ten {${Array.from({ length: 10 }, (_, i) => ` w${i}: ${field(i)}`).join('')} }`;

  test('ten aliased writes of one kind are one 400 QUERY_TOO_COMPLEX: no vendor call, no audit entry', async () => {
    const mine = await t.gql('mutation { openTicket(input: { subject: "Aliased target", body: "x" }) { id } }', { token: customer() });
    const ticketId = mine.body.data.openTicket.id as string;
    const documents = [
      ten((i) => `openTicket(input: { subject: "Ten ${i}", body: "x" }) { id }`),
      ten((i) => `addTicketComment(ticketId: "${ticketId}", body: "Ten ${i}") { id }`),
      ten((i) => `requestDocumentUpload(input: { name: "ten-${i}.pdf", contentType: "application/pdf", size: 10 }) { id }`),
      ten(() => 'cancelSubscription { id status }'),
    ];
    for (const query of documents) {
      sims.resetStats();
      const audited = await auditEntries();
      // With and without an Idempotency-Key: the key must not make ten writes acceptable.
      tooManyWrites(await post(customer(), { query }), 10);
      tooManyWrites(await post(customer(), { query }, `ten-${createHash('sha256').update(query).digest('hex')}`), 10);
      assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 }, query.slice(0, 60));
      assert.equal(await auditEntries(), audited);
    }
    assert.deepEqual(await ticketsNamed('Ten 0'), []);
  });

  test('writes are counted as GraphQL runs them: through fragments, with @skip/@include, merged keys once, __typename free', async () => {
    const refused = [
      // A named fragment on Mutation, spread at the root.
      'mutation M { ...W } fragment W on Mutation { a: openTicket(input: { subject: "Frag", body: "x" }) { id } b: openTicket(input: { subject: "Frag", body: "y" }) { id } }',
      // Inline fragments, nested.
      'mutation { ... on Mutation { a: openTicket(input: { subject: "Frag", body: "x" }) { id } ... { b: requestDocumentUpload(input: { name: "f.pdf", contentType: "application/pdf", size: 1 }) { id } } } }',
      // One field plainly, one through a fragment.
      'mutation { openTicket(input: { subject: "Frag", body: "x" }) { id } ...C } fragment C on Mutation { cancelSubscription { id } }',
    ];
    sims.resetStats();
    for (const query of refused) tooManyWrites(await post(customer(), { query }), 2);
    assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });

    // @skip/@include decide with the request's variables: two written, one runs.
    const conditional = `mutation($first: Boolean!) {
      a: openTicket(input: { subject: "Cond A", body: "x" }) @include(if: $first) { id }
      b: openTicket(input: { subject: "Cond B", body: "x" }) @skip(if: $first) { id }
      __typename
    }`;
    sims.resetStats();
    const one = await post(customer(), { query: conditional, variables: { first: false } });
    assert.equal(one.status, 200, one.text);
    assert.deepEqual(Object.keys(one.body.data ?? {}), ['b', '__typename']);
    assert.equal(zendesk()['POST /api/v2/tickets'], 1);
    // Both included: two writes, refused.
    tooManyWrites(
      await post(customer(), { query: conditional.replace('@skip(if: $first)', '@include(if: $first)'), variables: { first: true } }),
      2,
    );
    // The same response key twice is one execution (GraphQL merges it): allowed, one ticket.
    sims.resetStats();
    const merged = await post(customer(), {
      query:
        'mutation { openTicket(input: { subject: "Merged", body: "x" }) { id } openTicket(input: { subject: "Merged", body: "x" }) { subject } }',
    });
    assert.equal(merged.status, 200, merged.text);
    assert.equal(zendesk()['POST /api/v2/tickets'], 1);
    assert.equal((await ticketsNamed('Merged')).length, 1);
    assert.deepEqual(await ticketsNamed('Cond A'), []);
  });

  test('introspection is not a write and cannot ride along: __schema on Mutation is a validation error, nothing runs', async () => {
    sims.resetStats();
    const res = await post(customer(), {
      query: 'mutation { __schema { types { name } } openTicket(input: { subject: "Intro", body: "x" }) { id } }',
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
    assert.equal(ticketWrites(), 0);
  });

  test('with MAX_WRITES=2, two aliased keyed writes of one kind get vendor keys of their own: two tickets, replayed as one answer', async () => {
    const two = await startTestApp({
      sims,
      env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: `${PREFIX}2`, MAX_WRITES: '2', CACHE_ENABLED: 'false' },
    });
    try {
      const token = two.token('customer', '1001');
      const query =
        'mutation { a: openTicket(input: { subject: "Two A", body: "x" }) { id subject } b: openTicket(input: { subject: "Two B", body: "x" }) { id subject } }';
      sims.resetStats();
      const first = await post(token, { query }, 'two-writes', two);
      assert.equal(first.status, 200);
      assert.equal(first.body.errors, undefined, first.text);
      assert.deepEqual([first.body.data.a.subject, first.body.data.b.subject], ['Two A', 'Two B']);
      assert.notEqual(first.body.data.a.id, first.body.data.b.id);
      const again = await post(token, { query }, 'two-writes', two);
      assert.equal(again.replayed, 'true');
      assert.equal(again.text, first.text);
      assert.equal(zendesk()['POST /api/v2/tickets'], 2);
      assert.deepEqual(await ticketsNamed('Two A', token, two), [first.body.data.a.id]);
      assert.deepEqual(await ticketsNamed('Two B', token, two), [first.body.data.b.id]);
      // Three is over the limit it names.
      const three = await post(token, { query: query.replace(/ }$/, ' c: cancelSubscription { id } }') }, undefined, two);
      assert.equal(three.status, 400);
      assert.equal(three.body.errors?.[0]?.extensions?.allowed, 2);
    } finally {
      await two.close();
    }
  });
});

describe('one Idempotency-Key', () => {
  const OPEN = 'mutation Open($i: OpenTicketInput!) { openTicket(input: $i) { id subject } }';

  test('the same operation re-serialized (whitespace, commas, comments) is the same request; aliases or fragments are another (422)', async () => {
    const variables = { i: { subject: 'Reserialized', body: 'x' } };
    sims.resetStats();
    const first = await post(customer(), { query: OPEN, variables }, 'reser-1');
    assert.equal(first.status, 200, first.text);
    const rewritten = `# retried by the app after a reload
      mutation   Open( $i : OpenTicketInput! ) {
        openTicket( input : $i ) , { id , subject }
      }`;
    const replay = await post(customer(), { query: rewritten, variables: { i: { body: 'x', subject: 'Reserialized' } } }, 'reser-1');
    assert.equal(replay.status, 200);
    assert.equal(replay.replayed, 'true');
    assert.equal(replay.text, first.text);
    for (const other of [
      'mutation Open($i: OpenTicketInput!) { ticket: openTicket(input: $i) { id subject } }',
      'mutation Open($i: OpenTicketInput!) { openTicket(input: $i) { ...T } } fragment T on Ticket { id subject }',
      'mutation Open($i: OpenTicketInput!) { openTicket(input: $i) { subject id } }',
    ]) {
      const res = await post(customer(), { query: other, variables }, 'reser-1');
      assert.equal(res.status, 422, other);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_REUSED');
    }
    assert.equal(zendesk()['POST /api/v2/tickets'], 1);
    assert.equal((await ticketsNamed('Reserialized')).length, 1);
  });

  test('APQ: registered with the text, retried as the hash alone under the key: the stored answer; a mutation by GET is 405, text or hash', async () => {
    const query = 'mutation ApqOpen { openTicket(input: { subject: "By hash", body: "x" }) { id subject } }';
    const sha256Hash = createHash('sha256').update(query).digest('hex');
    const persistedQuery = { version: 1, sha256Hash };
    sims.resetStats();
    const first = await post(customer(), { query, extensions: { persistedQuery } }, 'apq-1');
    assert.equal(first.status, 200, first.text);
    const byHash = await post(customer(), { extensions: { persistedQuery } }, 'apq-1');
    assert.equal(byHash.replayed, 'true');
    assert.equal(byHash.text, first.text);
    for (const qs of [`query=${encodeURIComponent(query)}`, `extensions=${encodeURIComponent(JSON.stringify({ persistedQuery }))}`]) {
      const res = await fetch(`${t.url}/graphql?${qs}`, {
        headers: { authorization: `Bearer ${customer()}`, 'apollo-require-preflight': 'true', 'idempotency-key': 'apq-get' },
      });
      assert.equal(res.status, 405, qs);
      assert.equal(((await res.json()) as GqlResponse['body']).errors?.[0]?.extensions?.code, 'BAD_REQUEST');
    }
    assert.equal(zendesk()['POST /api/v2/tickets'], 1);
    assert.equal((await ticketsNamed('By hash')).length, 1);
  });

  test('a batch (JSON array) of mutations is refused whole: 400 BAD_REQUEST, nothing written', async () => {
    sims.resetStats();
    const item = (s: string) => ({ query: OPEN, variables: { i: { subject: s, body: 'x' } } });
    const res = await post(customer(), [item('Batch 1'), item('Batch 2')], 'batch-1');
    assert.equal(res.status, 400);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
    assert.equal(ticketWrites(), 0);
  });

  test('concurrent requests with one key while the first runs: 409 IDEMPOTENCY_KEY_IN_USE, then the stored answer; one Zendesk write', async () => {
    const body = { query: OPEN, variables: { i: { subject: 'Concurrent', body: 'x' } } };
    sims.resetStats();
    // A slow Zendesk keeps the first request running while the others arrive.
    sims.setFaults('zendesk', { latencyMs: 3000 });
    try {
      const first = post(customer(), body, 'conc-1');
      await waitFor('the first request to reach Zendesk', () => (zendesk()['GET /api/v2/users/show_many'] ?? 0) >= 1);
      const others = await Promise.all(Array.from({ length: 5 }, () => post(customer(), body, 'conc-1')));
      const done = await first;
      assert.equal(done.status, 200, done.text);
      // Each one answered while the first ran is 409; on a machine so loaded that one is answered after
      // the first finished, that one is the stored answer, replayed. Never a second execution.
      for (const o of others) {
        if (o.status === 409) assert.equal(o.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_IN_USE');
        else assert.deepEqual([o.status, o.replayed, o.text], [200, 'true', done.text]);
      }
      assert.ok(
        others.some((o) => o.status === 409),
        'at least the first of them arrived while the first request was still running',
      );
      sims.setFaults('zendesk', {});
      const retry = await post(customer(), body, 'conc-1');
      assert.equal(retry.replayed, 'true');
      assert.equal(retry.text, done.text);
    } finally {
      sims.setFaults('zendesk', {});
    }
    assert.equal(zendesk()['POST /api/v2/tickets'], 1);
    assert.equal((await ticketsNamed('Concurrent')).length, 1);
  });
});

describe('outages during a write', () => {
  test('Zendesk down for the first attempts: the keyed creation fails UPSTREAM_UNAVAILABLE, the retry with the same key opens it once', async () => {
    const body = { query: 'mutation { openTicket(input: { subject: "Outage", body: "x" }) { id subject } }' };
    sims.resetStats();
    // Three 503s: the requester lookup and its two retries (UPSTREAM_RETRIES=2).
    sims.setFaults('zendesk', { failFirst: 3 });
    let failed;
    try {
      failed = await post(customer(), body, 'outage-1');
    } finally {
      sims.setFaults('zendesk', {});
    }
    assert.equal(failed.status, 200);
    assert.equal(failed.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
    assert.equal(failed.body.errors?.[0]?.extensions?.system, 'support');
    assert.equal(zendesk()['POST /api/v2/tickets'] ?? 0, 0);
    // The vendor is back: the same key runs the write (not a replay of the outage).
    const retry = await post(customer(), body, 'outage-1');
    assert.equal(retry.replayed, null);
    assert.equal(retry.body.errors, undefined, retry.text);
    const again = await post(customer(), body, 'outage-1');
    assert.equal(again.replayed, 'true');
    assert.equal(again.text, retry.text);
    assert.equal(zendesk()['POST /api/v2/tickets'], 1);
    assert.deepEqual(await ticketsNamed('Outage'), [retry.body.data.openTicket.id]);
  });

  test('the answer of a keyed creation is lost after Zendesk wrote it: the retry with the same key gets that ticket, not a second', async () => {
    // The network between the gateway and Zendesk: Zendesk receives and performs the creation, then
    // the connection drops before its answer arrives (a reset, as a failing load balancer does).
    let dropCreations = true;
    const proxy = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => {
        const headers = Object.fromEntries(
          Object.entries(req.headers).filter(([k]) => !['host', 'content-length', 'connection'].includes(k)),
        );
        void fetch(`${sims.urls.zendesk}${req.url}`, {
          method: req.method,
          headers: headers as Record<string, string>,
          body: chunks.length ? Buffer.concat(chunks) : undefined,
        }).then(async (up) => {
          const text = await up.text();
          if (dropCreations && req.method === 'POST' && req.url === '/api/v2/tickets') return void res.socket?.destroy();
          res.writeHead(up.status, { 'content-type': up.headers.get('content-type') ?? 'application/json' }).end(text);
        });
      });
    });
    await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
    const lossy = await startTestApp({
      sims,
      env: {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `${PREFIX}lossy`,
        ZENDESK_BASE_URL: `http://127.0.0.1:${(proxy.address() as AddressInfo).port}`,
        // One attempt per call: the creation is not retried by the gateway, only by the client.
        UPSTREAM_RETRIES: '0',
        CACHE_ENABLED: 'false',
      },
    });
    const token = lossy.token('customer', '1001');
    const body = { query: 'mutation { openTicket(input: { subject: "Lost answer", body: "x" }) { id subject } }' };
    try {
      sims.resetStats();
      const lost = await post(token, body, 'lost-1', lossy);
      assert.equal(lost.status, 200);
      assert.equal(lost.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE', lost.text);
      dropCreations = false;
      const made = await ticketsNamed('Lost answer', token, lossy);
      assert.equal(made.length, 1, 'Zendesk made the ticket whose answer was lost');
      // The client retries with its key: the gateway runs the write again, Zendesk answers with the ticket it made.
      const retry = await post(token, body, 'lost-1', lossy);
      assert.equal(retry.body.errors, undefined, retry.text);
      assert.equal(retry.body.data.openTicket.id, made[0]);
      assert.equal(zendesk()['POST /api/v2/tickets'], 2);
      assert.deepEqual(await ticketsNamed('Lost answer', token, lossy), made);
      const again = await post(token, body, 'lost-1', lossy);
      assert.equal(again.replayed, 'true');
      assert.equal(again.text, retry.text);
    } finally {
      await lossy.close();
      proxy.closeAllConnections();
      await new Promise<void>((resolve) => proxy.close(() => resolve()));
    }
  });

  test('HubSpot down during a keyed contact update: the retry with the same key updates it (the same values again)', async () => {
    const body = { query: 'mutation { updateMyContact(input: { phone: "+44 20 7946 0003" }) { id phone } }' };
    sims.resetStats();
    sims.setFaults(TEST_CRM, { failFirst: 3 });
    let failed;
    try {
      failed = await post(customer(), body, 'contact-outage-1');
    } finally {
      sims.setFaults(TEST_CRM, {});
    }
    assert.equal(failed.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE', failed.text);
    const retry = await post(customer(), body, 'contact-outage-1');
    assert.equal(retry.replayed, null);
    assert.equal(retry.body.errors, undefined, retry.text);
    assert.equal(retry.body.data.updateMyContact.phone, '+44 20 7946 0003');
    const again = await post(customer(), body, 'contact-outage-1');
    assert.equal(again.replayed, 'true');
    assert.equal(again.text, retry.text);
  });

  for (const as of ['reset', 'status'] as const) {
    test(`the CRM makes a contact update and its answer is lost (${as}): the gateway sends it again (same values) and reports it done`, async () => {
      const phone = as === 'reset' ? '+44 20 7946 0004' : '+44 20 7946 0005';
      const body = { query: `mutation { updateMyContact(input: { phone: "${phone}" }) { id phone } }` };
      sims.setFaults(TEST_CRM, { loseAnswers: 1, loseAnswerAs: as });
      let res;
      try {
        res = await post(customer('1003'), body);
      } finally {
        sims.setFaults(TEST_CRM, {});
      }
      assert.equal(res.body.errors, undefined, res.text);
      assert.equal(res.body.data.updateMyContact.phone, phone);
      assert.equal((await crmContact(sims, '1003')).phone, phone);
    });
  }

  test('a comment cannot be made safe to repeat: its failure stays with the key and is replayed; one PUT', async () => {
    const ticket = await t.gql('mutation { openTicket(input: { subject: "Flaky comment", body: "x" }) { id } }', { token: customer() });
    const body = { query: `mutation { addTicketComment(ticketId: "${ticket.body.data.openTicket.id}", body: "Once only") { id } }` };
    sims.resetStats();
    // Requests 1, 4, 7 fail: the ticket read (retried), the requester read, then the comment itself.
    sims.setFaults('zendesk', { failureRate: 1 / 3 });
    let failed;
    try {
      failed = await post(customer(), body, 'comment-1');
    } finally {
      sims.setFaults('zendesk', {});
    }
    assert.equal(failed.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE', failed.text);
    assert.equal(zendesk()['PUT /api/v2/tickets/{id}'], 1);
    const retry = await post(customer(), body, 'comment-1');
    assert.equal(retry.replayed, 'true');
    assert.equal(retry.text, failed.text);
    assert.equal(zendesk()['PUT /api/v2/tickets/{id}'], 1);
  });
});

describe('forged ids', () => {
  test('an upload id forged under the own prefix with a name no upload can have is BAD_USER_INPUT, with no S3 call', async () => {
    sims.resetStats();
    for (const name of ['..', '.', 'report.exe']) {
      const id = Buffer.from(`1002/00000000-0000-4000-8000-000000000000/${name}`).toString('base64url');
      const res = await post(customer('1002'), { query: `mutation { confirmDocumentUpload(id: "${id}") { id } }` });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${name}: ${res.text}`);
      assert.equal(res.body.errors?.[0]?.extensions?.argument, 'id');
    }
    assert.deepEqual(sims.stats('s3').byRoute, {});
  });
});

describe('what a write may return', () => {
  test("a mutation's answer is bounded like a query: a costly selection is refused before the write", async () => {
    sims.resetStats();
    const res = await t.gql(
      'mutation { updateMyContact(input: { phone: "+44 20 7946 0001" }) { id tickets(first: 1000) { nodes { id comments { id body } } } } }',
      { token: customer() },
    );
    assert.equal(res.status, 400);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.equal(res.body.errors?.[0]?.extensions?.limit, 'cost');
    assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
  });
});

describe('authorization shapes', () => {
  test('a customer calling staff-only mutations, aliased or through a fragment: FORBIDDEN, nothing done', async () => {
    const before = await auditEntries();
    sims.resetStats();
    for (const query of [
      'mutation { mint: createPartnerToken(input: { name: "sneaky", scopes: ["crm.contacts:read"] }) { token } }',
      'mutation { ...P } fragment P on Mutation { wipe: purgeCustomerCache(id: "1002") }',
      'mutation { edit: updateContact(id: "1002", input: { phone: "+44 20 7946 0002" }) { id } }',
    ]) {
      const res = await post(customer(), { query });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', query);
      assert.equal(res.body.data, null, query);
    }
    assert.deepEqual(t.calls(), { crm: 0, stripe: 0, zendesk: 0, s3: 0 });
    // Whatever the audit log recorded of these attempts, nothing is recorded as done.
    const entries = (await r.xrange(`${PREFIX}:{audit}`, '-', '+')).slice(before).map(([, f]) => JSON.parse(f[f.indexOf('d') + 1]));
    assert.deepEqual(
      entries.filter((e: { outcome?: string }) => e.outcome === 'ok'),
      [],
    );
    const tokens = await t.gql('{ partnerTokens { name } }', { token: t.token('admin') });
    assert.equal((tokens.body.data.partnerTokens as { name: string }[]).filter((p) => p.name === 'sneaky').length, 0);
  });

  test("a partner token without the write scope: FORBIDDEN, no vendor call; BOLA: another customer's ids are FORBIDDEN with no write", async () => {
    const minted = await t.gql('mutation($i: CreatePartnerTokenInput!) { createPartnerToken(input: $i) { token } }', {
      token: t.token('admin'),
      variables: { i: { name: 'readonly', scopes: ['support.tickets:read', 'billing.invoices:read'], customerIds: ['1001'], ttlDays: 1 } },
    });
    const partner = minted.body.data.createPartnerToken.token as string;
    const theirs = await t.gql('mutation { openTicket(input: { subject: "Theirs", body: "x" }) { id } }', { token: customer('1001') });
    const ticketId = theirs.body.data.openTicket.id as string;
    const upload = await t.gql(
      'mutation { requestDocumentUpload(input: { name: "theirs.pdf", contentType: "application/pdf", size: 10 }) { id } }',
      { token: customer('1001') },
    );
    const uploadId = upload.body.data.requestDocumentUpload.id as string;
    sims.resetStats();
    const cases: [string, string][] = [
      [partner, 'mutation { openTicket(input: { subject: "P", body: "x", customerId: "1001" }) { id } }'],
      [partner, 'mutation { c: cancelSubscription(customerId: "1001") { id } }'],
      [partner, `mutation { addTicketComment(ticketId: "${ticketId}", body: "x") { id } }`],
      [customer('1002'), `mutation { addTicketComment(ticketId: "${ticketId}", body: "x") { id } }`],
      [customer('1002'), `mutation { confirmDocumentUpload(id: "${uploadId}") { id } }`],
      [customer('1002'), 'mutation { cancelSubscription(customerId: "1001") { id } }'],
      [customer('1002'), 'mutation { resumeSubscription(customerId: "1001") { id } }'],
      [customer('1002'), 'mutation { openTicket(input: { subject: "P", body: "x", customerId: "1001" }) { id } }'],
      [
        customer('1002'),
        'mutation { requestDocumentUpload(input: { name: "a.pdf", contentType: "application/pdf", size: 1, customerId: "1001" }) { id } }',
      ],
    ];
    for (const [token, query] of cases) {
      const res = await post(
        token,
        { query },
        `bola-${createHash('sha256')
          .update(token + query)
          .digest('hex')}`,
      );
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', `${query}: ${res.text}`);
      assert.equal(res.body.data, null, query);
    }
    const stats = (['stripe', 'zendesk', 's3'] as const).flatMap((s) =>
      Object.entries(sims.stats(s).byRoute).filter(([route]) => !route.startsWith('GET ') && !route.startsWith('HEAD ')),
    );
    assert.deepEqual(stats, []);
    assert.deepEqual(await ticketsNamed('P'), []);
  });
});
