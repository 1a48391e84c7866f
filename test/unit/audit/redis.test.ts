import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { auditKeys, createRedisAuditLog, entryHash, sha256, verifyAuditChain } from '../../../src/audit/redis.js';
import { DEV_AUDIT_HMAC_KEY } from '../../../src/config/index.js';
import { Registry } from 'prom-client';
import { createLocalCaches, registerLocalCacheMetrics } from '../../../src/platform/local-cache.js';
import { createLogger } from '../../../src/platform/logger.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';
import { redisClient } from '../../helpers/webhooks.js';

let redis: TestRedis;
let r: Redis;
before(async () => {
  redis = await startRedis();
  r = redisClient(redis.url);
});
after(async () => {
  r?.disconnect();
  await redis?.stop();
});

const logger = createLogger({ level: 'silent' });
const KEY = DEV_AUDIT_HMAC_KEY;
const event = (i: number) => ({
  action: 'cache.purge',
  customerId: `c${i % 3}`,
  systems: ['portico' as const],
  fields: [],
  outcome: 'ok' as const,
});

test('two logs appending 200 entries at once on one Redis form one chain, walked in batches with progress', async () => {
  await redis.flush();
  const a = createRedisAuditLog({ url: redis.url, prefix: 'u1', hmacKey: KEY, logger });
  const b = createRedisAuditLog({ url: redis.url, prefix: 'u1', hmacKey: KEY, logger });
  try {
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).record(null, event(i))));
    const progress: number[] = [];
    const res = await verifyAuditChain(r, 'u1', KEY, (n) => progress.push(n), { batch: 7, progressEvery: 50 });
    assert.deepEqual({ checked: res.checked, broken: res.broken }, { checked: 200, broken: null });
    assert.deepEqual(progress, [50, 100, 150, 200]);
    // The per-customer index holds each customer's entries, newest first.
    const page = await a.page({ customerId: 'c1', first: 1000 });
    assert.equal(page.totalCount, 67);
    assert.ok(page.entries.every((e) => e.customerId === 'c1'));
    assert.deepEqual(
      page.entries.map((e) => e.id),
      // Stream ids compare as numbers (ms, then sequence): `5-10` is after `5-9`.
      [...page.entries.map((e) => e.id)].sort((x, y) => {
        const [xm, xs] = x.split('-').map(Number);
        const [ym, ys] = y.split('-').map(Number);
        return ym - xm || ys - xs;
      }),
    );
  } finally {
    await a.close();
    await b.close();
  }
});

/** Script calls Redis has run so far (EVALSHA and EVAL), from INFO commandstats. */
async function scriptCalls(): Promise<number> {
  const info = await r.info('commandstats');
  return [...info.matchAll(/^cmdstat_(?:evalsha|eval):calls=(\d+)/gm)].reduce((n, m) => n + Number(m[1]), 0);
}

test('50 entries recorded at once by one process are stored in batches: a few script calls, not 50, one chain', async () => {
  await redis.flush();
  const log = createRedisAuditLog({ url: redis.url, prefix: 'ub', hmacKey: KEY, logger });
  try {
    await log.record(null, event(0)); // connects and learns the head
    const before = await scriptCalls();
    await Promise.all(Array.from({ length: 50 }, (_, i) => log.record(null, event(i + 1))));
    const calls = (await scriptCalls()) - before;
    assert.ok(calls >= 1 && calls <= 3, `50 appends took ${calls} script calls`);
    const res = await verifyAuditChain(r, 'ub', KEY);
    assert.deepEqual({ checked: res.checked, broken: res.broken }, { checked: 51, broken: null });
    // Each customer's index holds exactly its entries (17 each of c0..c2 over 51 entries).
    assert.equal((await log.page({ customerId: 'c1', first: 100 })).totalCount, 17);
  } finally {
    await log.close();
  }
});

test('a read of 50 customers is one entry, indexed under each of them; the chain verifies, and rewriting its list is detected', async () => {
  await redis.flush();
  const log = createRedisAuditLog({ url: redis.url, prefix: 'ul', hmacKey: KEY, logger });
  const page = Array.from({ length: 50 }, (_, i) => `p${1000 + i}`);
  try {
    await log.record(null, event(0)); // connects and learns the head
    const before = await scriptCalls();
    await log.record(null, { action: 'customer.read', customerIds: page, systems: ['hubspot'], fields: ['Customer.name'], outcome: 'ok' });
    // One more single-customer read of a customer on the page, and one of a customer that is not.
    await log.record(null, { action: 'customer.read', customerId: 'p1007', systems: ['hubspot'], fields: [], outcome: 'ok' });
    await log.record(null, { action: 'customer.read', customerId: 'other', systems: ['hubspot'], fields: [], outcome: 'ok' });
    assert.equal((await scriptCalls()) - before, 3, 'one script call per entry recorded alone');
    assert.equal(await r.xlen(auditKeys('ul').stream), 4, 'one stream entry for the read of 50');
    const res = await verifyAuditChain(r, 'ul', KEY);
    assert.deepEqual({ checked: res.checked, broken: res.broken }, { checked: 4, broken: null });
    // Every customer of the page finds the entry in its own log, with the whole list.
    for (const c of page) {
      const mine = await log.page({ customerId: c, first: 10 });
      const reads = mine.entries.filter((e) => e.customerIds !== undefined);
      assert.equal(reads.length, 1, c);
      assert.deepEqual([reads[0].customerId, reads[0].customerIds], [null, page]);
      assert.equal(mine.totalCount, c === 'p1007' ? 2 : 1, c);
    }
    assert.deepEqual(
      (await log.page({ customerId: 'other', first: 10 })).entries.map((e) => [e.customerId, e.customerIds]),
      [['other', undefined]],
    );
    // Someone with write access to Redis but not the key drops a customer from the list (the stream
    // rewritten with the same ids, the entry's hash kept): detected at that entry.
    const stream = auditKeys('ul').stream;
    const rows = await r.xrange(stream, '-', '+');
    const id = rows[1][0];
    const d = rows[1][1][rows[1][1].indexOf('d') + 1];
    const forged = d.replace('"p1007",', '');
    assert.notEqual(forged, d);
    await r.del(stream);
    for (const [rid, fields] of rows) await r.xadd(stream, rid, ...(rid === id ? fields.map((f) => (f === d ? forged : f)) : fields));
    const broken = await verifyAuditChain(r, 'ul', KEY);
    assert.equal(broken.broken?.id, id);
    assert.match(broken.broken?.reason ?? '', /not the HMAC of its stored JSON/);
  } finally {
    await log.close();
  }
});

test('past its byte bound the queue makes readers wait (room) until Redis took the entries, and reports its bytes', async () => {
  await redis.flush();
  const caches = createLocalCaches();
  // About four entries of 768 bytes: 200 recorded at once are far past it.
  const log = createRedisAuditLog({ url: redis.url, prefix: 'uq', hmacKey: KEY, logger, queueMaxBytes: 3000, caches });
  const queue = () => caches.list().find((c) => c.name === 'audit_queue')!;
  const registry = new Registry();
  registerLocalCacheMetrics(registry, caches);
  const gauge = async (name: string) =>
    (await registry.getMetricsAsJSON()).find((m) => m.name === name)?.values.find((v) => v.labels.cache === 'audit_queue')?.value;
  try {
    assert.equal(log.room(), undefined); // empty: room at once
    const stored = Promise.all(Array.from({ length: 200 }, (_, i) => log.record(null, event(i))));
    assert.ok(queue().bytes() > 3000, `queued ${queue().bytes()} bytes`);
    assert.equal(await gauge('portico_local_cache_bytes'), queue().bytes());
    assert.equal(await gauge('portico_local_cache_max_bytes'), 3000);
    const wait = log.room();
    assert.ok(wait instanceof Promise, 'a reader past the bound waits');
    let roomAt = -1;
    await wait.then(() => (roomAt = queue().bytes()));
    assert.ok(roomAt >= 0 && roomAt < 3000, `room given at ${roomAt} bytes queued`);
    await stored;
    assert.deepEqual({ bytes: queue().bytes(), entries: queue().entries() }, { bytes: 0, entries: 0 });
    assert.equal(await gauge('portico_local_cache_entries'), 0);
    assert.equal(log.room(), undefined);
    const res = await verifyAuditChain(r, 'uq', KEY);
    assert.deepEqual({ checked: res.checked, broken: res.broken }, { checked: 200, broken: null });
  } finally {
    await log.close();
  }
});

test('a stalled Redis does not hold audited reads: room() gives up waiting, and reads past twice the bound fail at once, counted', async () => {
  await redis.flush();
  const failures: string[] = [];
  const log = createRedisAuditLog({
    url: redis.url,
    prefix: 'us',
    hmacKey: KEY,
    logger,
    queueMaxBytes: 3000,
    onFailure: (kind) => failures.push(kind),
  });
  const read = (i: number) => ({ ...event(i), action: 'customer.read', systems: ['crm' as const], fields: ['Customer.name'] });
  await log.record(null, event(0)); // connected
  redis.pause();
  let resumed = false;
  try {
    // Twenty reads while Redis answers nothing: the first fill the queue to twice its bound, the rest fail now.
    const outcomes = Array.from({ length: 20 }, (_, i) =>
      log.record(null, read(i)).then(
        () => 'stored',
        () => 'failed',
      ),
    );
    await new Promise((r) => setImmediate(r));
    const failedAtOnce = failures.length;
    assert.ok(failedAtOnce >= 10 && failedAtOnce < 20, `failed at once: ${failedAtOnce}`);
    assert.ok(failures.every((k) => k === 'read'));
    // A reader past the bound waits, but not for Redis: room() ends while Redis is still stalled.
    const wait = log.room();
    assert.ok(wait instanceof Promise);
    await wait;
    assert.equal(resumed, false);
    redis.resume();
    resumed = true;
    const all = await Promise.all(outcomes);
    assert.equal(all.filter((o) => o === 'failed').length, failures.length);
  } finally {
    if (!resumed) redis.resume();
    await log.close();
  }
});

test('after the newest entry was deleted, the next append numbers above the deleted id (no Redis error, nothing half-written)', async () => {
  await redis.flush();
  const log = createRedisAuditLog({ url: redis.url, prefix: 'ud', hmacKey: KEY, logger });
  try {
    for (let i = 0; i < 2; i++) await log.record(null, event(i));
    const rows = await r.xrange('ud:{audit}', '-', '+');
    await r.xdel('ud:{audit}', rows[1][0]);
    // Another process sets the head back to the remaining entry, as if the deleted one never was.
    await r.set('ud:{audit}:head', rows[0][1][3]);
    const other = createRedisAuditLog({ url: redis.url, prefix: 'ud', hmacKey: KEY, logger });
    try {
      await other.record(null, event(2));
    } finally {
      await other.close();
    }
    const after = await r.xrange('ud:{audit}', '-', '+');
    assert.equal(after.length, 2);
    const [ms, seq] = after[1][0].split('-').map(Number);
    const [dms, dseq] = rows[1][0].split('-').map(Number);
    assert.ok(ms > dms || (ms === dms && seq > dseq), `${after[1][0]} is above the deleted ${rows[1][0]}`);
    assert.equal((await verifyAuditChain(r, 'ud', KEY)).broken, null);
  } finally {
    await log.close();
  }
});

test('an entry removed from the end is noticed through the head hash', async () => {
  await redis.flush();
  const log = createRedisAuditLog({ url: redis.url, prefix: 'u2', hmacKey: KEY, logger });
  try {
    for (let i = 0; i < 3; i++) await log.record(null, event(i));
  } finally {
    await log.close();
  }
  const rows = await r.xrange('u2:{audit}', '-', '+');
  await r.xdel('u2:{audit}', rows[2][0]);
  const res = await verifyAuditChain(r, 'u2', KEY);
  assert.equal(res.broken?.id, rows[1][0]);
  assert.match(res.broken?.reason ?? '', /entries after it were removed/);
});

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

test('an entry inserted in the middle is reported, however it was made (replayed, unkeyed, another key, even the right key)', async () => {
  await redis.flush();
  const { stream, head } = auditKeys('u5');
  const log = createRedisAuditLog({ url: redis.url, prefix: 'u5', hmacKey: KEY, logger });
  try {
    // A millisecond apart, so there is room for an id between the second and the third entry.
    for (let i = 0; i < 4; i++) {
      await log.record(null, event(i));
      await sleep(3);
    }
  } finally {
    await log.close();
  }
  const rows = (await r.xrange(stream, '-', '+')) as [string, string[]][];
  const field = (row: [string, string[]], name: string) => row[1][row[1].indexOf(name) + 1];
  const headHash = await r.get(head);
  assert.equal((await verifyAuditChain(r, 'u5', KEY)).broken, null);
  const [ms, seq] = rows[1][0].split('-').map(Number);
  const between = `${ms}-${seq + 1}`;
  assert.ok(Number(rows[2][0].split('-')[0]) > ms, 'a gap between the second and third ids');
  // Streams only append, so whoever inserts rewrites the stream: every entry at its id, one more between.
  const rewrite = async (d: string, h: string) => {
    await r.del(stream);
    for (const [i, row] of rows.entries()) {
      await r.xadd(stream, row[0], ...row[1]);
      if (i === 1) await r.xadd(stream, between, 'd', d, 'h', h);
    }
    await r.set(head, headHash!);
    return verifyAuditChain(r, 'u5', KEY);
  };
  // The forged entry claims the second entry as its predecessor, as a real one would.
  const forged = JSON.stringify({
    ...(JSON.parse(field(rows[1], 'd')) as object),
    action: 'cache.purge',
    customerId: 'c9',
    prev: field(rows[1], 'h'),
    prevId: rows[1][0],
  });
  const cases: [string, string, string, string, RegExp][] = [
    ['a replayed signed entry', field(rows[0], 'd'), field(rows[0], 'h'), between, /prev hash is not the previous entry's hash/],
    ['an entry hashed without the key', forged, sha256(forged), between, /plain SHA-256 but it follows entries signed/],
    ['an entry signed with another key', forged, entryHash('not-the-key', forged), between, /not the HMAC of its stored JSON/],
    // Even someone holding the key cannot insert: the next entry still names the second as its predecessor.
    ['an entry signed with the right key', forged, entryHash(KEY, forged), rows[2][0], /prev hash is not the previous entry's hash/],
  ];
  for (const [what, d, h, at, reason] of cases) {
    const res = await rewrite(d, h);
    assert.equal(res.broken?.id, at, what);
    assert.match(res.broken?.reason ?? '', reason, what);
  }
});

test('retention trimming verifies; the oldest entries deleted (XDEL) while younger than the retention are reported', async () => {
  await redis.flush();
  // One entry per macro node, so MINID `~` trims entry by entry, as a busy log's full nodes are.
  await r.config('SET', 'stream-node-max-entries', '1');
  try {
    const { stream } = auditKeys('u3');
    const long = createRedisAuditLog({ url: redis.url, prefix: 'u3', hmacKey: KEY, logger });
    try {
      for (let i = 0; i < 4; i++) await long.record(null, event(i));
    } finally {
      await long.close();
    }
    const old = await r.xrange(stream, '-', '+');
    // Nothing is older than 400 days: deleting the two oldest is not retention.
    await r.xdel(stream, old[0][0], old[1][0]);
    const deleted = await verifyAuditChain(r, 'u3', KEY);
    assert.equal(deleted.broken?.id, old[2][0]);
    assert.match(deleted.broken?.reason ?? '', new RegExp(`entries before ${old[2][0]} are missing: deleted, not trimmed by retention`));

    // A log with a 100 ms retention, appending after the first entries are older than that: they are trimmed by XADD itself.
    await r.del(stream);
    const short = createRedisAuditLog({ url: redis.url, prefix: 'u3', hmacKey: KEY, logger, retentionDays: 100 / 86_400_000 });
    try {
      await r.del(auditKeys('u3').head);
      for (let i = 0; i < 3; i++) await short.record(null, event(i));
      const before = await r.xrange(stream, '-', '+');
      await sleep(250);
      for (let i = 0; i < 2; i++) await short.record(null, event(i));
      const kept = await r.xrange(stream, '-', '+');
      assert.ok(!kept.some(([id]) => id === before[0][0]), 'the oldest entry was trimmed');
      const res = await verifyAuditChain(r, 'u3', KEY);
      assert.deepEqual(
        { broken: res.broken, checked: res.checked, firstId: res.firstId },
        { broken: null, checked: kept.length, firstId: kept[0][0] },
      );
    } finally {
      await short.close();
    }
  } finally {
    await r.config('SET', 'stream-node-max-entries', '100');
  }
});

test('a log written before AUDIT_HMAC_KEY: refused by default, accepted as a prefix with acceptUnkeyed; a plain SHA-256 entry after signed ones is a rewrite', async () => {
  await redis.flush();
  const { stream, head } = auditKeys('u4');
  // Two entries as the previous version wrote them: d with `prev`, h = SHA-256(d), head = h.
  let prev = '';
  for (let i = 0; i < 2; i++) {
    const d = JSON.stringify({ at: new Date().toISOString(), action: 'cache.purge', outcome: 'ok', prev });
    prev = sha256(d);
    await r.xadd(stream, '*', 'd', d, 'h', prev);
  }
  await r.set(head, prev);
  const log = createRedisAuditLog({ url: redis.url, prefix: 'u4', hmacKey: KEY, logger });
  try {
    for (let i = 0; i < 2; i++) await log.record(null, event(i));
  } finally {
    await log.close();
  }
  const rows = (await r.xrange(stream, '-', '+')) as [string, string[]][];
  const strict = await verifyAuditChain(r, 'u4', KEY);
  assert.equal(strict.broken?.id, rows[0][0]);
  assert.match(strict.broken?.reason ?? '', /plain SHA-256, not signed with AUDIT_HMAC_KEY.*--accept-unkeyed/);
  const lenient = await verifyAuditChain(r, 'u4', KEY, undefined, { acceptUnkeyed: true });
  assert.deepEqual(
    { broken: lenient.broken, checked: lenient.checked, unkeyed: lenient.unkeyed },
    { broken: null, checked: 4, unkeyed: 2 },
  );

  // Another key does not verify the signed entries.
  const other = await verifyAuditChain(r, 'u4', 'x'.repeat(40), undefined, { acceptUnkeyed: true });
  assert.equal(other.broken?.id, rows[2][0]);
  assert.match(other.broken?.reason ?? '', /not the HMAC of its stored JSON with AUDIT_HMAC_KEY/);

  // The last signed entry rewritten and re-hashed with SHA-256 (no key): refused even with acceptUnkeyed.
  const [lastId, fields] = rows[3];
  const d = fields[fields.indexOf('d') + 1].replace('"outcome":"ok"', '"outcome":"failed"');
  await r.del(stream);
  for (const [id, f] of rows.slice(0, 3)) await r.xadd(stream, id, ...f);
  await r.xadd(stream, lastId, 'd', d, 'h', sha256(d));
  await r.set(head, sha256(d));
  const rewritten = await verifyAuditChain(r, 'u4', KEY, undefined, { acceptUnkeyed: true });
  assert.equal(rewritten.broken?.id, lastId);
  assert.match(rewritten.broken?.reason ?? '', /plain SHA-256 but it follows entries signed with AUDIT_HMAC_KEY/);
});
