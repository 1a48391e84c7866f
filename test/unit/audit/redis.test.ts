import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { createRedisAuditLog, verifyAuditChain } from '../../../src/audit/redis.js';
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
const event = (i: number) => ({
  action: 'cache.purge',
  customerId: `c${i % 3}`,
  systems: ['portico' as const],
  fields: [],
  outcome: 'ok' as const,
});

test('two logs appending 200 entries at once on one Redis form one chain, walked in batches with progress', async () => {
  await redis.flush();
  const a = createRedisAuditLog({ url: redis.url, prefix: 'u1', logger });
  const b = createRedisAuditLog({ url: redis.url, prefix: 'u1', logger });
  try {
    await Promise.all(Array.from({ length: 200 }, (_, i) => (i % 2 ? a : b).record(null, event(i))));
    const progress: number[] = [];
    const res = await verifyAuditChain(r, 'u1', (n) => progress.push(n), { batch: 7, progressEvery: 50 });
    assert.deepEqual({ checked: res.checked, broken: res.broken }, { checked: 200, broken: null });
    assert.deepEqual(progress, [50, 100, 150, 200]);
    // The per-customer index holds each customer's entries, newest first.
    const page = await a.page({ customerId: 'c1', first: 1000 });
    assert.equal(page.totalCount, 67);
    assert.ok(page.entries.every((e) => e.customerId === 'c1'));
    assert.deepEqual(
      page.entries.map((e) => e.id),
      [...page.entries.map((e) => e.id)].sort((x, y) => (x < y ? 1 : -1)),
    );
  } finally {
    await a.close();
    await b.close();
  }
});

test('an entry removed from the end is noticed through the head hash', async () => {
  await redis.flush();
  const log = createRedisAuditLog({ url: redis.url, prefix: 'u2', logger });
  try {
    for (let i = 0; i < 3; i++) await log.record(null, event(i));
  } finally {
    await log.close();
  }
  const rows = await r.xrange('u2:{audit}', '-', '+');
  await r.xdel('u2:{audit}', rows[2][0]);
  const res = await verifyAuditChain(r, 'u2');
  assert.equal(res.broken?.id, rows[1][0]);
  assert.match(res.broken?.reason ?? '', /entries after it were removed/);
});
