/** The Redis budget store (platform/budget.ts): its three scripts on a real Redis, and one count shared by two stores. */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { createRedisBudgetStore } from '../../../src/platform/budget.js';
import { connectRedis } from '../../../src/platform/redis.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

let server: TestRedis;
let a: Redis;
let b: Redis;
before(async () => {
  server = await startRedis();
  a = connectRedis(server.url, 'read');
  b = connectRedis(server.url, 'read');
});
after(async () => {
  a.disconnect();
  b.disconnect();
  await server.stop();
});

// A window long enough that no test straddles its boundary by accident.
const spec = { limit: 3, windowS: 3600 };

test('two stores on one Redis take from one count; past the limit a take waits', async () => {
  const one = createRedisBudgetStore(a);
  const two = createRedisBudgetStore(b);
  const keys = ['t:budget:shared'];
  const taken = [await one.take(keys, [spec], [0]), await two.take(keys, [spec], [0]), await one.take(keys, [spec], [0])];
  assert.deepEqual(
    taken.map((r) => r.ok),
    [true, true, true],
  );
  const refused = await two.take(keys, [spec], [0]);
  assert.equal(refused.ok, false);
  assert.ok(refused.waitMs > 0);
});

test('a block (the vendor said Retry-After) refuses takes until it ends', async () => {
  const store = createRedisBudgetStore(a);
  const keys = ['t:budget:blocked'];
  assert.equal((await store.take(keys, [spec], [0])).ok, true);
  await store.block(keys, 60_000);
  const r = await createRedisBudgetStore(b).take(keys, [spec], [0]);
  assert.equal(r.ok, false);
  assert.ok(r.waitMs > 50_000 && r.waitMs <= 60_000, `waits out the block, not the window (${r.waitMs} ms)`);
});

test('a cap (the vendor said how many remain) counts the rest as used', async () => {
  const store = createRedisBudgetStore(a);
  const keys = ['t:budget:capped'];
  assert.equal((await store.take(keys, [{ limit: 10, windowS: 3600 }], [0])).ok, true);
  await store.cap(keys[0], 1);
  assert.equal((await store.take(keys, [{ limit: 10, windowS: 3600 }], [0])).ok, true);
  assert.equal((await store.take(keys, [{ limit: 10, windowS: 3600 }], [0])).ok, false);
});

test('after SCRIPT FLUSH the take script is sent again', async () => {
  const store = createRedisBudgetStore(a);
  await a.script('FLUSH');
  assert.equal((await store.take(['t:budget:flushed'], [spec], [0])).ok, true);
});
