/**
 * The durable audit log: admin actions and staff or partner reads are recorded with who did
 * them; appends from two app instances on one Redis form one chain; `npm run audit -- verify`
 * (a real child process) finds a modified or re-hashed entry and the oldest entries deleted, and
 * accepts a log trimmed by retention. Real redis-server,
 * real simulators, real HTTP.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { auditKeys, createRedisAuditLog, sha256 } from '../../src/audit/redis.js';
import { DEV_AUDIT_HMAC_KEY } from '../../src/config/index.js';
import { createLogger } from '../../src/platform/logger.js';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { metric, redisClient, waitFor } from '../helpers/webhooks.js';

const PREFIX = 'audittest';
const logger = createLogger({ level: 'silent' });
let redis: TestRedis;
let sims: Simulators;
let r: Redis;
const env = () => ({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX, EVENT_WORKERS: 'false' });
/** An app whose cache connection is up (a purge on a cache still connecting fails, as it should). */
const start = async () => {
  const t = await startTestApp({ sims, env: env() });
  await new Promise<void>((resolve) => t.app.cache.store.onReady(resolve));
  return t;
};

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  r = redisClient(redis.url);
});
after(async () => {
  r?.disconnect();
  await sims?.close();
  await redis?.stop();
});

const AUDIT = `query Audit($customerId: ID, $first: Int, $after: String) {
  auditLog(customerId: $customerId, first: $first, after: $after) {
    totalCount
    nodes { id at action customerId customerIds systems fields outcome detail requestId operation hash prevHash
      actor { kind subject roles partnerId scopes } }
    pageInfo { hasNextPage endCursor }
  }
}`;
const CREATE = `mutation Mint($input: CreatePartnerTokenInput!) { createPartnerToken(input: $input) { token partnerToken { id } } }`;

type Entry = {
  id: string;
  action: string;
  customerId: string | null;
  customerIds: string[];
  systems: string[];
  fields: string[];
  outcome: string;
  detail: string | null;
  requestId: string | null;
  operation: string | null;
  hash: string;
  prevHash: string;
  actor: Record<string, unknown>;
};
const entries = async (t: TestApp, variables: Record<string, unknown> = {}): Promise<Entry[]> => {
  const res = await t.gql(AUDIT, { token: t.token('admin'), variables: { first: 100, ...variables } });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.auditLog.nodes as Entry[];
};

const verify = (extra: Record<string, string> = {}) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/audit.ts', 'verify'], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX, ...extra },
    encoding: 'utf8',
  });

describe('audit log', () => {
  test('admin actions are recorded with the principal, the fields and the outcome, newest first, hash-chained', async () => {
    await redis.flush();
    const t = await start();
    try {
      const admin = t.token('admin', 'alice');
      const minted = await t.gql(CREATE, {
        token: admin,
        variables: { input: { name: 'acme', scopes: ['crm.contacts:read'] } },
        headers: { 'x-request-id': 'req-mint-1' },
      });
      const ptn = minted.body.data.createPartnerToken.partnerToken.id as string;
      await t.gql(`mutation Revoke($id: ID!) { revokePartnerToken(id: $id) { id } }`, { token: admin, variables: { id: ptn } });
      await t.gql(`mutation { purgeCustomerCache(id: "1001") }`, { token: admin });
      const missing = await t.gql(`mutation { replayFailedEvent(id: "stripe:evt_nope") { id } }`, { token: admin });
      assert.equal(missing.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');

      const log = await entries(t);
      assert.deepEqual(
        log.map((e) => [e.action, e.outcome, e.customerId, e.fields, e.systems, e.detail && JSON.parse(e.detail)]),
        [
          ['failedEvent.replay', 'FAILED', null, [], ['portico'], { eventId: 'stripe:evt_nope', code: 'NOT_FOUND' }],
          ['cache.purge', 'OK', '1001', [], ['portico'], null],
          ['partnerToken.revoke', 'OK', null, ['revokedAt'], ['portico'], { partnerTokenId: ptn, found: true }],
          ['partnerToken.create', 'OK', null, ['name', 'scopes', 'ttlDays'], ['portico'], { name: 'acme', partnerTokenId: ptn }],
        ],
      );
      for (const e of log) assert.deepEqual(e.actor, { kind: 'USER', subject: 'alice', roles: ['admin'], partnerId: null, scopes: null });
      const create = log[3];
      assert.equal(create.requestId, 'req-mint-1');
      assert.equal(create.operation, 'Mint');
      // The token itself is nowhere in the entry.
      assert.ok(!JSON.stringify(log).includes(minted.body.data.createPartnerToken.token as string));
      // One chain: each entry names the previous one's hash.
      assert.equal(create.prevHash, '');
      for (let i = 0; i < log.length - 1; i++) assert.equal(log[i].prevHash, log[i + 1].hash);

      // Filtered by customer, and paged with the cursor.
      assert.deepEqual(
        (await entries(t, { customerId: '1001' })).map((e) => e.action),
        ['cache.purge'],
      );
      const page1 = (await t.gql(AUDIT, { token: admin, variables: { first: 3 } })).body.data.auditLog;
      assert.equal(page1.totalCount, 4);
      assert.equal(page1.pageInfo.hasNextPage, true);
      const page2 = (await t.gql(AUDIT, { token: admin, variables: { first: 3, after: page1.pageInfo.endCursor } })).body.data.auditLog;
      assert.deepEqual(
        page2.nodes.map((e: Entry) => e.action),
        ['partnerToken.create'],
      );
      assert.equal(page2.pageInfo.hasNextPage, false);

      // Admins only; bad input is named.
      assert.equal((await t.gql(AUDIT, { token: t.token('agent') })).body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      const bad = await t.gql(AUDIT, { token: admin, variables: { after: 'nope' } });
      assert.equal(bad.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    } finally {
      await t.close();
    }
  });

  test("a staff list is one read entry per request naming its customers, found in each customer's log, executed or served whole", async () => {
    await redis.flush();
    const t = await start();
    try {
      const list = 'query Page { customers(first: 20) { nodes { id name } } }';
      const first = await t.gql(list, { token: t.token('agent', 'ann') });
      assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
      const ids = (first.body.data.customers.nodes as { id: string }[]).map((c) => c.id);
      assert.equal(ids.length, 20);
      await t.app.cache.settle();
      // Another agent with the same grants: served whole from the response cache, recorded all the same.
      const second = await t.gql(list, { token: t.token('agent', 'cid') });
      assert.deepEqual(second.body, first.body);
      await waitFor('both reads to be recorded', async () => (await entries(t)).filter((e) => e.action === 'customer.read').length >= 2);
      const reads = (await entries(t)).filter((e) => e.action === 'customer.read');
      assert.equal(reads.length, 2, 'one entry per request, not one per customer');
      for (const who of ['ann', 'cid']) {
        const e = reads.find((x) => x.actor.subject === who)!;
        assert.deepEqual(
          { customerId: e.customerId, customerIds: e.customerIds, fields: e.fields, operation: e.operation },
          {
            customerId: null,
            customerIds: [...ids].sort(),
            fields: ['Customer.id', 'Customer.name', 'CustomerConnection.nodes'],
            operation: 'Page',
          },
        );
      }
      // Each customer's own log shows both requests' entry.
      for (const id of [ids[0], ids[19]]) {
        const mine = (await entries(t, { customerId: id })).filter((e) => e.action === 'customer.read');
        assert.deepEqual(mine.map((e) => e.actor.subject).sort(), ['ann', 'cid'], id);
        assert.ok(mine.every((e) => e.customerIds.includes(id)));
      }
      // A customer not on the page has none.
      const outside = ['1001', '1002', '1003', '1500'].find((c) => !ids.includes(c))!;
      assert.deepEqual(await entries(t, { customerId: outside }), []);
    } finally {
      await t.close();
    }
  });

  test('a staff read and a partner read of a customer are recorded once per request; a customer reading itself is not', async () => {
    await redis.flush();
    const t = await start();
    try {
      const admin = t.token('admin');
      const partner = (
        await t.gql(CREATE, { token: admin, variables: { input: { name: 'acme', scopes: ['crm.contacts:read', 'billing.summary:read'] } } })
      ).body.data.createPartnerToken as { token: string; partnerToken: { id: string } };

      const own = t.token('customer', '1001');
      assert.equal((await t.gql('{ me { id email } }', { token: own })).status, 200);
      assert.equal((await t.gql('{ customer(id: "1001") { id email } }', { token: own })).body.data.customer.id, '1001');

      const agent = t.token('agent', 'bob');
      const read = await t.gql('query Look { customer(id: "1001") { id email name billing { currency } } }', { token: agent });
      assert.equal(read.body.errors, undefined);
      const viaPartner = await t.gql('query P { customer(id: "1002") { email } again: customer(id: "1002") { name } }', {
        token: partner.token,
      });
      assert.equal(viaPartner.body.errors, undefined);

      await waitFor('the two reads to be recorded', async () => (await entries(t)).filter((e) => e.action === 'customer.read').length >= 2);
      const reads = (await entries(t)).filter((e) => e.action === 'customer.read');
      assert.equal(reads.length, 2);
      // Reads are recorded without blocking the answer: their order in the log is not asserted.
      const a = reads.find((e) => e.customerId === '1001')!;
      const p = reads.find((e) => e.customerId === '1002')!;
      assert.deepEqual(
        { customerId: a.customerId, actor: a.actor, systems: a.systems, fields: a.fields, outcome: a.outcome, operation: a.operation },
        {
          customerId: '1001',
          actor: { kind: 'USER', subject: 'bob', roles: ['agent'], partnerId: null, scopes: null },
          systems: ['hubspot', 'stripe'],
          fields: ['Billing.currency', 'Customer.billing', 'Customer.email', 'Customer.id', 'Customer.name'],
          outcome: 'OK',
          operation: 'Look',
        },
      );
      assert.deepEqual(
        { customerId: p.customerId, actor: p.actor, systems: p.systems, fields: p.fields },
        {
          customerId: '1002',
          actor: {
            kind: 'PARTNER',
            subject: null,
            roles: null,
            partnerId: partner.partnerToken.id,
            scopes: ['billing.summary:read', 'crm.contacts:read'],
          },
          systems: ['hubspot'],
          fields: ['Customer.email', 'Customer.name'],
        },
      );
      // Refused attempts are recorded as denied: a customer probing another id, a partner outside its allow-list.
      const narrow = (
        await t.gql(CREATE, {
          token: admin,
          variables: { input: { name: 'narrow', scopes: ['crm.contacts:read'], customerIds: ['1002'] } },
        })
      ).body.data.createPartnerToken as { token: string; partnerToken: { id: string } };
      for (const token of [narrow.token, t.token('customer', '1002')]) {
        const res = await t.gql('{ customer(id: "1003") { email } }', { token });
        assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      }
      await waitFor('the denied attempts to be recorded', async () => (await entries(t, { customerId: '1003' })).length === 2);
      assert.deepEqual(
        (await entries(t, { customerId: '1003' })).map((e) => [e.outcome, e.actor.kind, e.actor.partnerId ?? e.actor.subject]).sort(),
        [
          ['DENIED', 'PARTNER', narrow.partnerToken.id],
          ['DENIED', 'USER', '1002'],
        ],
      );

      // Nothing about the customer's own reads.
      assert.deepEqual(
        (await entries(t, { customerId: '1001' })).map((e) => e.actor.kind),
        ['USER'],
      );
      assert.equal((await entries(t, { customerId: '1001' }))[0].actor.subject, 'bob');
    } finally {
      await t.close();
    }
  });

  test('appends from two app instances at once form one valid chain, and verify says how many it checked', async () => {
    await redis.flush();
    const a = await start();
    const b = await start();
    try {
      const purge = (t: TestApp, i: number) =>
        t.gql(`mutation P($id: ID!) { purgeCustomerCache(id: $id) }`, { token: t.token('admin'), variables: { id: `c${i}` } });
      const results = await Promise.all(Array.from({ length: 40 }, (_, i) => purge(i % 2 ? a : b, i)));
      for (const res of results) assert.deepEqual(res.body, { data: { purgeCustomerCache: true } });
      assert.equal(await r.xlen(auditKeys(PREFIX).stream), 40);
      const out = verify();
      assert.equal(out.status, 0, out.stdout + out.stderr);
      assert.match(out.stdout, /OK: 40 entries checked/);
    } finally {
      await a.close();
      await b.close();
    }
  });

  /** Six purges through the app: six signed entries. */
  const sixPurges = async () => {
    const t = await start();
    try {
      for (let i = 0; i < 6; i++) {
        const res = await t.gql(`mutation P($id: ID!) { purgeCustomerCache(id: $id) }`, {
          token: t.token('admin'),
          variables: { id: `c${i}` },
        });
        assert.deepEqual(res.body, { data: { purgeCustomerCache: true } });
      }
    } finally {
      await t.close();
    }
    const original = (await r.xrange(auditKeys(PREFIX).stream, '-', '+')) as [string, string[]][];
    assert.equal(original.length, 6);
    return original;
  };

  test('the oldest entries deleted (XDEL, or XTRIM) while younger than the retention make `npm run audit -- verify` fail', async () => {
    await redis.flush();
    const original = await sixPurges();
    const { stream } = auditKeys(PREFIX);
    const ok = verify();
    assert.equal(ok.status, 0, ok.stdout + ok.stderr);
    assert.match(ok.stdout, /OK: 6 entries checked/);

    await r.xdel(stream, ...original.slice(0, 3).map(([id]) => id));
    const deleted = verify();
    assert.equal(deleted.status, 1, deleted.stdout + deleted.stderr);
    assert.match(
      deleted.stdout,
      new RegExp(`BROKEN at entry ${original[3][0]}: entries before ${original[3][0]} are missing: deleted, not trimmed by retention`),
    );

    // The same with XTRIM MINID, as retention would trim, but with entries minutes old and a 400-day retention.
    await r.xtrim(stream, 'MINID', original[4][0]);
    const trimmed = verify();
    assert.equal(trimmed.status, 1, trimmed.stdout + trimmed.stderr);
    assert.match(trimmed.stdout, new RegExp(`BROKEN at entry ${original[4][0]}: entries before ${original[4][0]} are missing`));
  });

  test("entries trimmed by retention (a later append's MINID) keep `npm run audit -- verify` green", async () => {
    await redis.flush();
    // One entry per macro node, so MINID `~` trims entry by entry, as a busy log's full nodes are.
    await r.config('SET', 'stream-node-max-entries', '1');
    try {
      const original = await sixPurges();
      await new Promise((resolve) => setTimeout(resolve, 250));
      // An appender with a 100 ms retention (AUDIT_RETENTION_DAYS is whole days): its XADDs trim the six above.
      const short = createRedisAuditLog({
        url: redis.url,
        prefix: PREFIX,
        hmacKey: DEV_AUDIT_HMAC_KEY,
        logger,
        retentionDays: 100 / 86_400_000,
      });
      try {
        for (let i = 0; i < 2; i++) await short.record(null, { action: 'cache.purge', systems: ['portico'], fields: [], outcome: 'ok' });
      } finally {
        await short.close();
      }
      const kept = await r.xrange(auditKeys(PREFIX).stream, '-', '+');
      assert.ok(!kept.some(([id]) => original.some(([o]) => o === id)), 'the six old entries were trimmed');
      const out = verify();
      assert.equal(out.status, 0, out.stdout + out.stderr);
      assert.match(out.stdout, new RegExp(`OK: ${kept.length} entries checked, from ${kept[0][0]}`));
    } finally {
      await r.config('SET', 'stream-node-max-entries', '100');
    }
  });

  test('an entry modified in Redis, even re-hashed with SHA-256 along with every later entry, makes `npm run audit -- verify` fail at it', async () => {
    await redis.flush();
    const original = await sixPurges();
    const { stream, head } = auditKeys(PREFIX);
    // Rewrite the stream with the 4th entry's outcome changed (same ids, as an attacker with Redis access could).
    const rewrite = async (change: (d: string, h: string) => [string, string]) => {
      await r.del(stream);
      let touched = false;
      let prev = '';
      for (const [id, f] of original) {
        let d = f[f.indexOf('d') + 1];
        let h = f[f.indexOf('h') + 1];
        if (id === original[3][0]) [d, h] = change(d, h);
        else if (touched) {
          // Without the key, the best an attacker can do is re-chain with plain SHA-256.
          d = JSON.stringify({ ...JSON.parse(d), prev });
          h = sha256(d);
        }
        touched ||= id === original[3][0] && h !== f[f.indexOf('h') + 1];
        prev = h;
        await r.xadd(stream, id, 'd', d, 'h', h);
      }
      await r.set(head, prev);
    };
    const target = original[3][0];
    await rewrite((d, h) => [d.replace('"outcome":"ok"', '"outcome":"failed"'), h]);
    const broken = verify();
    assert.equal(broken.status, 1, broken.stdout + broken.stderr);
    assert.match(broken.stdout, new RegExp(`BROKEN at entry ${target}: its hash is not the HMAC of its stored JSON with AUDIT_HMAC_KEY`));
    assert.match(broken.stdout, /3 entries checked before it/);

    // The same change with the hash recomputed and every later entry re-chained (head included).
    await rewrite((d) => {
      const changed = d.replace('"outcome":"ok"', '"outcome":"failed"');
      return [changed, sha256(changed)];
    });
    const relinked = verify();
    assert.equal(relinked.status, 1, relinked.stdout + relinked.stderr);
    assert.match(
      relinked.stdout,
      new RegExp(`BROKEN at entry ${target}: its hash is a plain SHA-256 but it follows entries signed with AUDIT_HMAC_KEY`),
    );

    // Verify needs the gateways' key: another one refuses the first entry.
    const wrongKey = verify({ AUDIT_HMAC_KEY: 'y'.repeat(40) });
    assert.equal(wrongKey.status, 1);
    assert.match(wrongKey.stdout, new RegExp(`BROKEN at entry ${original[0][0]}: its hash is not the HMAC`));
    // A key too short is named with an example of a good one.
    const short = verify({ AUDIT_HMAC_KEY: 'short' });
    assert.equal(short.status, 2);
    assert.match(short.stderr, /AUDIT_HMAC_KEY: must be at least 32 characters. Example: AUDIT_HMAC_KEY=\$\(openssl rand -hex 32\)/);
  });

  test('with Redis down an admin action is refused with AUDIT_UNAVAILABLE (503), and a staff read is answered but counted as unrecorded', async () => {
    await redis.flush();
    const t = await start();
    try {
      const admin = t.token('admin');
      await redis.stop();
      try {
        let last: unknown;
        await waitFor('the action to be refused as unauditable', async () => {
          const res = await t.gql(`mutation { purgeCustomerCache(id: "1001") }`, { token: admin });
          last = res;
          return res.status === 503 && res.body.errors?.[0]?.extensions?.code === 'AUDIT_UNAVAILABLE';
        }).catch((err: Error) => assert.fail(`${err.message}: ${JSON.stringify(last)}`));
        const read = await t.gql('{ customer(id: "1001") { email } }', { token: t.token('agent') });
        assert.equal(read.status, 200);
        assert.equal(typeof read.body.data.customer.email, 'string');
        await waitFor(
          'the unrecorded read to be counted',
          async () => (await metric(t.url, 'portico_audit_failures_total', { kind: 'read' })) >= 1,
        );
      } finally {
        await redis.start();
      }
    } finally {
      await t.close();
    }
  });
});
