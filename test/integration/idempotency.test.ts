/**
 * `Idempotency-Key` on mutations, through the real app and a real Redis: a retry replays the
 * first response without a second execution (one partner token minted, also with 10 concurrent
 * clients); another body is 422; a request still running holds the key (409) until it finishes or
 * its lock expires; a request running longer than the lock's lease keeps its key (renewed) while
 * the key it holds never outlives the lease, so a killed instance frees it within the lease; keys
 * are per principal; bad keys are 400; no Redis is 503.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { fingerprint, idempotencyLeaseMs, idempotencyRedisKey } from '../../src/http/idempotency.js';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { crmWrites, startTestApp, TEST_CRM, type GqlResponse, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { redisClient, waitFor } from '../helpers/webhooks.js';

const PREFIX = 'idemtest';
let redis: TestRedis;
let sims: Simulators;
let r: Redis;
let t: TestApp;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  r = redisClient(redis.url);
  t = await startTestApp({ sims, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX, EVENT_WORKERS: 'false' } });
});
after(async () => {
  r?.disconnect();
  await t?.close();
  await sims?.close();
  await redis?.stop();
});

const MINT = 'mutation Mint($input: CreatePartnerTokenInput!) { createPartnerToken(input: $input) { token partnerToken { id name } } }';
const input = (name: string) => ({ input: { name, scopes: ['crm.contacts:read'] } });

/** The raw answer (status, headers, body text), to compare responses byte for byte. */
async function post(token: string, key: string | undefined, variables: Record<string, unknown>, query = MINT) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, ...(key ? { 'idempotency-key': key } : {}) },
    body: JSON.stringify({ query, variables }),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, text, body: JSON.parse(text) as GqlResponse['body'] };
}

const tokensNamed = async (name: string) => {
  const res = await t.gql('{ partnerTokens { name } }', { token: t.token('admin') });
  return (res.body.data.partnerTokens as { name: string }[]).filter((p) => p.name === name).length;
};

describe('Idempotency-Key', () => {
  test('the same key and body twice: one execution, the same response, marked as a replay', async () => {
    const admin = t.token('admin', 'alice');
    const first = await post(admin, 'key-twice-1', input('twice'));
    assert.equal(first.status, 200);
    assert.equal(first.body.errors, undefined);
    assert.equal(first.headers.get('idempotent-replayed'), null);
    const second = await post(admin, 'key-twice-1', input('twice'));
    assert.equal(second.status, 200);
    assert.equal(second.text, first.text);
    assert.equal(second.headers.get('idempotent-replayed'), 'true');
    assert.equal(await tokensNamed('twice'), 1);
    // A structured-field string ("...") is the same key.
    const quoted = await post(admin, '"key-twice-1"', input('twice'));
    assert.equal(quoted.text, first.text);
    assert.equal(await tokensNamed('twice'), 1);
  });

  test('a kept response is sealed: Redis holds neither the partner token minted nor anything of the answer; the retry with the key still gets it; a record from before sealing still replays', async () => {
    const admin = t.token('admin', 'alice');
    const first = await post(admin, 'key-sealed-1', input('sealed'));
    const minted = first.body.data.createPartnerToken.token as string;
    assert.ok(minted.length > 20);
    const id = first.body.data.createPartnerToken.partnerToken.id as string;
    const keys = await r.keys('*');
    const values = await Promise.all(keys.map(async (k) => ((await r.type(k)) === 'string' ? ((await r.get(k)) ?? '') : '')));
    assert.ok(!values.some((v) => v.includes(minted)), 'the minted token is nowhere in Redis');
    const record = JSON.parse((await r.get(idempotencyRedisKey(PREFIX, 'user:alice', 'key-sealed-1')))!) as Record<string, unknown>;
    assert.equal(record.body, undefined);
    assert.doesNotMatch(String(record.sealed), new RegExp(id));
    const again = await post(admin, 'key-sealed-1', input('sealed'));
    assert.equal(again.text, first.text);
    assert.equal(again.headers.get('idempotent-replayed'), 'true');
    // Another principal with the same key has a record of its own: it runs its own mint.
    const other = await post(t.token('admin', 'bob'), 'key-sealed-1', input('sealed'));
    assert.notEqual(other.body.data.createPartnerToken.token, minted);
    // A response kept in clear before sealing existed is still replayed.
    const legacyVars = input('legacy');
    const legacyKey = idempotencyRedisKey(PREFIX, 'user:alice', 'key-legacy-1');
    const legacyBody = JSON.stringify({
      data: { createPartnerToken: { token: 'kept-before', partnerToken: { id: 'ptn_x', name: 'legacy' } } },
    });
    await r.set(
      legacyKey,
      JSON.stringify({
        s: 'done',
        fp: fingerprint(MINT, undefined, legacyVars),
        status: 200,
        type: 'application/json; charset=utf-8',
        body: legacyBody,
      }),
      'EX',
      60,
    );
    const legacy = await post(admin, 'key-legacy-1', legacyVars);
    assert.equal(legacy.text, legacyBody);
    assert.equal(await tokensNamed('legacy'), 0);
  });

  test('10 clients at once with one key: one execution; the others wait (409) and then get the same response', async () => {
    const admin = t.token('admin', 'alice');
    // Bounded by a count of tries, not a clock: a key that stays in use forever fails here by name.
    const client = async () => {
      for (let tries = 0; tries < 500; tries++) {
        const res = await post(admin, 'key-ten-1', input('ten'));
        if (res.status !== 409) return res;
        assert.equal(res.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_IN_USE');
        assert.equal(res.headers.get('retry-after'), '1');
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      assert.fail('the key was still in use (409) after 500 tries: the first execution never finished');
    };
    const results = await Promise.all(Array.from({ length: 10 }, client));
    for (const res of results) {
      assert.equal(res.status, 200);
      assert.equal(res.text, results[0].text);
    }
    assert.equal(results.filter((res) => res.headers.get('idempotent-replayed') === null).length, 1);
    assert.equal(await tokensNamed('ten'), 1);
  });

  test('the same key with another body is 422 IDEMPOTENCY_KEY_REUSED, and nothing runs', async () => {
    const admin = t.token('admin', 'alice');
    assert.equal((await post(admin, 'key-reuse-1', input('reuse-a'))).status, 200);
    const other = await post(admin, 'key-reuse-1', input('reuse-b'));
    assert.equal(other.status, 422);
    assert.equal(other.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_REUSED');
    assert.match(other.body.errors?.[0]?.message ?? '', /Idempotency-Key/);
    assert.equal(await tokensNamed('reuse-b'), 0);
  });

  test('while the first request runs the key is held (409; 422 for another body); a crashed holder frees it when its lock expires', async () => {
    const admin = t.token('admin', 'carol');
    const vars = input('held');
    // What a running request leaves in Redis: its fingerprint and a lock token, with a TTL.
    const key = idempotencyRedisKey(PREFIX, 'user:carol', 'key-held-1');
    await r.set(key, JSON.stringify({ s: 'running', fp: fingerprint(MINT, undefined, vars), token: 'other-instance' }), 'PX', 60_000);
    const busy = await post(admin, 'key-held-1', vars);
    assert.equal(busy.status, 409);
    assert.equal(busy.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_IN_USE');
    const reused = await post(admin, 'key-held-1', input('held-other'));
    assert.equal(reused.status, 422);
    assert.equal(await tokensNamed('held'), 0);

    // The holder crashed: its lock expires (here shortened to 200 ms) and the retry runs, once.
    await r.pexpire(key, 200);
    await waitFor('the held key to expire', async () => (await r.exists(key)) === 0);
    const ran = await post(admin, 'key-held-1', vars);
    assert.equal(ran.status, 200);
    assert.equal(ran.headers.get('idempotent-replayed'), null);
    assert.equal(await tokensNamed('held'), 1);
  });

  test('a write running longer than the lease keeps its key (409 to every retry, one CRM write), while the key never outlives the lease (a killed instance frees it within it)', async () => {
    // IDEMPOTENCY_LOCK_S=12: a 2 s lease renewed while the request runs. The CRM answers slower than that.
    const lease = idempotencyLeaseMs(12_000);
    assert.equal(lease, 2000);
    const slow = await startTestApp({
      sims,
      env: {
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: `${PREFIX}lease`,
        EVENT_WORKERS: 'false',
        IDEMPOTENCY_LOCK_S: '12',
        UPSTREAM_TIMEOUT_MS: '30000',
      },
    });
    const writesBefore = crmWrites(sims);
    sims.setFaults(TEST_CRM, { latencyMs: lease + 1500 });
    try {
      const token = slow.token('customer', '1004');
      const body = JSON.stringify({ query: 'mutation { updateMyContact(input: { phone: "+15550001004" }) { phone } }' });
      const send = () =>
        fetch(`${slow.url}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': 'key-lease-1' },
          body,
        });
      let settled = false;
      const first = send().then(async (res) => ({ status: res.status, text: await res.text() }));
      void first.finally(() => (settled = true));
      const key = idempotencyRedisKey(`${PREFIX}lease`, 'user:1004', 'key-lease-1');
      await waitFor('the first request to take the key', async () => (await r.exists(key)) === 1);
      // Retries until the first answers (it runs more than two leases): each is refused while it runs, never run a second time.
      let refused = 0;
      while (!settled) {
        const ttl = await r.pttl(key);
        const retry = await send();
        await retry.text();
        if (!settled) {
          assert.ok(ttl > 0 && ttl <= lease, `the running request's key expires within the lease (${ttl} ms left)`);
          assert.ok(retry.status === 409 || retry.headers.get('idempotent-replayed') === 'true', `retry answered ${retry.status}`);
          if (retry.status === 409) refused++;
        }
        await new Promise((res) => setTimeout(res, 250));
      }
      const done = await first;
      assert.equal(done.status, 200, done.text);
      assert.match(done.text, /\+15550001004/);
      assert.ok(refused >= 4, `refused ${refused} retries while it ran`);
      assert.equal(crmWrites(sims) - writesBefore, 1);
      // Kept: the response replays and lasts the TTL, not the lease.
      assert.ok((await r.pttl(key)) > 12_000);
    } finally {
      sims.setFaults(TEST_CRM, {});
      await slow.close();
    }
  });

  test('keys are per principal: two admins may use the same key independently', async () => {
    const a = await post(t.token('admin', 'dan'), 'shared-key', input('per-principal'));
    const b = await post(t.token('admin', 'erin'), 'shared-key', input('per-principal'));
    assert.equal(a.status, 200);
    assert.equal(b.status, 200);
    assert.equal(b.headers.get('idempotent-replayed'), null);
    assert.notEqual(a.text, b.text);
    assert.equal(await tokensNamed('per-principal'), 2);
  });

  test('a bad key is 400 naming the header with an example; a query ignores the key', async () => {
    const admin = t.token('admin', 'alice');
    for (const bad of ['x'.repeat(256), 'has space', 'caf\u00e9']) {
      const res = await fetch(`${t.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}`, 'idempotency-key': bad },
        body: JSON.stringify({ query: MINT, variables: input('bad-key') }),
      });
      const body = (await res.json()) as GqlResponse['body'];
      assert.equal(res.status, 400, bad);
      assert.equal(body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
      assert.match(body.errors?.[0]?.message ?? '', /Idempotency-Key header .* e\.g\. Idempotency-Key: "/);
    }
    assert.equal(await tokensNamed('bad-key'), 0);

    const q1 = await post(admin, 'key-query-1', {}, '{ partnerTokens { id } }');
    await post(admin, undefined, input('between'));
    const q2 = await post(admin, 'key-query-1', {}, '{ partnerTokens { id } }');
    assert.equal(q2.headers.get('idempotent-replayed'), null);
    assert.notEqual(q1.text, q2.text);
  });

  test('without Redis a keyed mutation is 503 IDEMPOTENCY_UNAVAILABLE and does not run', async () => {
    await redis.stop();
    try {
      const res = await post(t.token('admin', 'alice'), 'key-down-1', input('down'));
      assert.equal(res.status, 503);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_UNAVAILABLE');
    } finally {
      await redis.start();
    }
    await waitFor('the app to reconnect', async () => (await post(t.token('admin', 'alice'), 'key-down-2', input('back'))).status === 200);
    assert.equal(await tokensNamed('down'), 0);
  });
});
