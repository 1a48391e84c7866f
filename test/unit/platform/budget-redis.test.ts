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

/**
 * The take script's window-edge rule on Redis's own clock (no faked time): a take in the last
 * min(250 ms, a quarter) of a window is counted in the next window too, since the request may reach
 * the vendor after the vendor's window turned. Each step waits for an offset computed from Redis's
 * TIME and checks, from TIME again, that its takes landed where intended; a step that a loaded
 * machine pushed elsewhere is run again in a later window (a bounded count of tries), never judged.
 */
const edgeSpec = { limit: 3, windowS: 1 };
const redisNow = async () => {
  const [s, us] = await a.time();
  return Number(s) * 1000 + Math.floor(Number(us) / 1000);
};
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, ms)));
/** Waits until Redis's clock is `offset` ms into a one-second window, then runs `fn`; true when it all ran within [from, to). */
async function atOffset(offset: number, from: number, to: number, fn: () => Promise<void>): Promise<{ window: number } | null> {
  const now = await redisNow();
  await sleep((offset - (now % 1000) + 1000) % 1000);
  const start = await redisNow();
  await fn();
  const end = await redisNow();
  const window = Math.floor(start / 1000);
  return window === Math.floor(end / 1000) && start % 1000 >= from && end % 1000 < to ? { window } : null;
}

async function edgeCase(takeAt: { offset: number; from: number; to: number }) {
  const store = createRedisBudgetStore(a);
  for (let attempt = 0; attempt < 8; attempt++) {
    const keys = [`t:budget:edge:${takeAt.offset}:${attempt}`];
    const taken: boolean[] = [];
    const first = await atOffset(takeAt.offset, takeAt.from, takeAt.to, async () => {
      for (let i = 0; i < edgeSpec.limit; i++) taken.push((await store.take(keys, [edgeSpec], [0])).ok);
    });
    if (!first) continue;
    assert.deepEqual(taken, [true, true, true]);
    // Early in the next window (well before its own edge).
    let next: { ok: boolean; waitMs: number } | undefined;
    const second = await atOffset(100, 50, 700, async () => {
      next = await store.take(keys, [edgeSpec], [0]);
    });
    if (!second || second.window !== first.window + 1) continue;
    return next!;
  }
  throw new Error('no try landed its takes where the test needs them (the machine is too loaded for this test)');
}

test('Lua take at a window edge (Redis TIME): takes in the last 250 ms are counted in the next window too', async () => {
  const next = await edgeCase({ offset: 820, from: 760, to: 1000 });
  assert.equal(next.ok, false, 'the limit taken at the edge is still spent in the next window');
  assert.ok(next.waitMs > 0 && next.waitMs <= 1000, `waits for the end of that window (${next.waitMs} ms)`);
});

test('Lua take away from the edge (Redis TIME): the next window starts with its full limit', async () => {
  const next = await edgeCase({ offset: 200, from: 100, to: 740 });
  assert.equal(next.ok, true);
});

test('Lua take with a reserve: background takes stop short of it, interactive ones may use it', async () => {
  const store = createRedisBudgetStore(a);
  const keys = ['t:budget:reserve'];
  const background = async () => (await store.take(keys, [spec], [1])).ok;
  assert.deepEqual([await background(), await background(), await background()], [true, true, false]);
  assert.equal((await store.take(keys, [spec], [0])).ok, true);
  assert.equal((await store.take(keys, [spec], [0])).ok, false);
});

test('a Redis outage fails the budget open to this instance share, counted locally: not unlimited, not closed', async () => {
  const gone = await startRedis();
  const conn = connectRedis(gone.url, 'read');
  await new Promise<void>((resolve) => (conn.status === 'ready' ? resolve() : conn.once('ready', () => resolve())));
  await gone.stop();
  try {
    // Half of a limit of 4 per instance (two instances share it) while Redis cannot be asked.
    const store = createRedisBudgetStore(conn, undefined, 200, { localShare: 0.5 });
    const keys = ['t:budget:outage'];
    const taken = [];
    for (let i = 0; i < 4; i++) taken.push((await store.take(keys, [{ limit: 4, windowS: 3600 }], [0])).ok);
    assert.deepEqual(taken, [true, true, false, false]);
  } finally {
    conn.disconnect();
  }
});
