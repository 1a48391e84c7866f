/**
 * The entity cache's own logic on the in-process store (the one development runs): single flight
 * (concurrent misses for a key share one load), negative entries, and failures that are misses.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEntityCache, createMemoryStore, type CacheStore } from '../../../src/platform/cache.js';

/** A loader that counts its calls and the keys asked, and resolves when told to. */
function gatedLoader<T>(values: Record<string, T>) {
  const calls: string[][] = [];
  let open!: () => void;
  const gate = new Promise<void>((r) => (open = r));
  const load = async (missing: string[]) => {
    calls.push([...missing]);
    await gate;
    return new Map(missing.filter((k) => k in values).map((k) => [k, values[k]] as const));
  };
  return { load, calls, open };
}

test('single flight: concurrent misses for one key share one load, and every caller gets the value', async () => {
  const cache = createEntityCache({ store: createMemoryStore() });
  const l = gatedLoader({ a: { id: 'a' } });
  const pending = Array.from({ length: 5 }, () => cache.getMany(['a'], 60, l.load));
  await new Promise((r) => setImmediate(r));
  l.open();
  const results = await Promise.all(pending);
  assert.deepEqual(
    results,
    Array.from({ length: 5 }, () => [{ id: 'a' }]),
  );
  assert.deepEqual(l.calls, [['a']]);
  await cache.settle();
  // Now cached: no further load.
  assert.deepEqual(await cache.getMany(['a'], 60, l.load), [{ id: 'a' }]);
  assert.equal(l.calls.length, 1);
});

test('overlapping batches: the second waits for the key in flight and loads only what nobody is loading', async () => {
  const cache = createEntityCache({ store: createMemoryStore() });
  const l = gatedLoader({ a: 1, b: 2, c: 3 });
  const first = cache.getMany(['a', 'b'], 60, l.load);
  await new Promise((r) => setImmediate(r));
  const second = cache.getMany(['b', 'c', 'c'], 60, l.load);
  await new Promise((r) => setImmediate(r));
  l.open();
  assert.deepEqual(await first, [1, 2]);
  assert.deepEqual(await second, [2, 3, 3]);
  assert.deepEqual(l.calls, [['a', 'b'], ['c']]);
});

test('negative entries: an id the upstream does not have is cached as null and not asked again', async () => {
  const cache = createEntityCache({ store: createMemoryStore() });
  let calls = 0;
  const load = async (missing: string[]) => {
    calls++;
    return new Map(missing.filter((k) => k !== 'gone').map((k) => [k, k.toUpperCase()] as const));
  };
  assert.deepEqual(await cache.getMany(['x', 'gone'], 60, load), ['X', null]);
  await cache.settle();
  assert.deepEqual(await cache.getMany(['gone', 'x'], 60, load), [null, 'X']);
  assert.equal(calls, 1);
  assert.deepEqual({ ...cache.stats }, { hits: 2, misses: 2, errors: 0 });
  // A purge drops the negative entry too: the next read asks the upstream again.
  await cache.purge(['gone']);
  assert.deepEqual(await cache.getMany(['gone'], 60, load), [null]);
  assert.equal(calls, 2);
});

test('getOrSet caches a null result as a negative entry as well', async () => {
  const cache = createEntityCache({ store: createMemoryStore() });
  let calls = 0;
  const load = async () => (calls++, null);
  assert.equal(await cache.getOrSet('k', 60, load), null);
  await cache.settle();
  assert.equal(await cache.getOrSet('k', 60, load), null);
  assert.equal(calls, 1);
});

test('a failed load reaches every waiting caller, caches nothing, and the next read loads again', async () => {
  const cache = createEntityCache({ store: createMemoryStore() });
  let calls = 0;
  let fail = true;
  const load = async (missing: string[]) => {
    calls++;
    await new Promise((r) => setImmediate(r));
    if (fail) throw new Error('upstream down');
    return new Map(missing.map((k) => [k, 1] as const));
  };
  const results = await Promise.allSettled([cache.getMany(['a'], 60, load), cache.getMany(['a'], 60, load)]);
  assert.deepEqual(
    results.map((r) => r.status === 'rejected' && (r.reason as Error).message),
    ['upstream down', 'upstream down'],
  );
  assert.equal(calls, 1);
  fail = false;
  assert.deepEqual(await cache.getMany(['a'], 60, load), [1]);
  assert.equal(calls, 2);
});

test('a store that fails is a miss: the read goes to the upstream, the failure is counted and reported', async () => {
  const broken: CacheStore = {
    kind: 'redis',
    mget: async () => Promise.reject(new Error('ECONNREFUSED')),
    mset: async () => Promise.reject(new Error('ECONNREFUSED')),
    del: async () => Promise.reject(new Error('ECONNREFUSED')),
    cas: async () => Promise.reject(new Error('ECONNREFUSED')),
    close: async () => undefined,
    onReady: () => undefined,
  };
  const ops: string[] = [];
  const cache = createEntityCache({ store: broken, onError: (op) => ops.push(op) });
  let calls = 0;
  const load = async (missing: string[]) => (calls++, new Map(missing.map((k) => [k, 'v'] as const)));
  assert.deepEqual(await cache.getMany(['a'], 60, load), ['v']);
  await cache.settle();
  assert.equal(calls, 1);
  assert.deepEqual(ops, ['mget', 'mset']);
  assert.equal(cache.stats.errors, 2);
  await assert.rejects(cache.purge(['a']), /ECONNREFUSED/);
});

test('with caching off every read loads, and nothing is stored', async () => {
  const store = createMemoryStore();
  const cache = createEntityCache({ store, enabled: false });
  let calls = 0;
  const load = async (missing: string[]) => (calls++, new Map(missing.map((k) => [k, 1] as const)));
  await cache.getMany(['a'], 60, load);
  await cache.getMany(['a'], 60, load);
  assert.equal(calls, 2);
  assert.deepEqual(await store.mget(['a']), [null]);
});
