import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createMemoryStore } from '../../../src/platform/cache.js';
import { createLocalCaches, ENTRY_OVERHEAD, registerLocalCacheMetrics } from '../../../src/platform/local-cache.js';

const gauge = async (registry: Registry, name: string, cache: string) => {
  const m = (await registry.getMetricsAsJSON()).find((x) => x.name === name);
  return m?.values.find((v) => v.labels.cache === cache)?.value;
};

test('a cache over its byte bound drops its least recently used entries, and /metrics reports bytes and entries', async () => {
  const caches = createLocalCaches();
  const registry = new Registry();
  registerLocalCacheMetrics(registry, caches);
  const entry = 1000 + ENTRY_OVERHEAD;
  const lru = caches.lru<string, string>({ name: 'test', maxBytes: entry * 3, sizeOf: (v) => v.length });
  for (const k of ['a', 'b', 'c']) lru.set(k, 'x'.repeat(1000));
  assert.equal(await gauge(registry, 'portico_local_cache_bytes', 'test'), entry * 3);
  assert.equal(await gauge(registry, 'portico_local_cache_entries', 'test'), 3);
  lru.get('a'); // b is now the least recently used
  lru.set('d', 'x'.repeat(1000));
  assert.deepEqual([...lru.keys()].sort(), ['a', 'c', 'd']);
  assert.equal(await gauge(registry, 'portico_local_cache_bytes', 'test'), entry * 3);
  assert.equal(await gauge(registry, 'portico_local_cache_entries', 'test'), 3);
  assert.equal(await gauge(registry, 'portico_local_cache_max_bytes', 'test'), entry * 3);
  // One entry larger than the whole bound is not kept (and does not evict the others).
  lru.set('huge', 'x'.repeat(entry * 4));
  assert.equal(lru.has('huge'), false);
  assert.equal(await gauge(registry, 'portico_local_cache_entries', 'test'), 3);
});

test('the entity memory store keeps under CACHE_MEMORY_MAX_BYTES whatever its entry count allows', async () => {
  const caches = createLocalCaches();
  const registry = new Registry();
  registerLocalCacheMetrics(registry, caches);
  const maxBytes = 64 * 1024;
  const store = createMemoryStore({ maxBytes, maxEntries: 50_000, caches });
  const value = JSON.stringify({ body: 'y'.repeat(2000) });
  for (let i = 0; i < 100; i++) await store.mset([[`crm:contact:${i}:v1`, value]], 60);
  const bytes = (await gauge(registry, 'portico_local_cache_bytes', 'entity_memory'))!;
  const entries = (await gauge(registry, 'portico_local_cache_entries', 'entity_memory'))!;
  assert.ok(bytes <= maxBytes, `${bytes} bytes held, bound ${maxBytes}`);
  const perEntry = 'crm:contact:99:v1'.length + value.length + ENTRY_OVERHEAD;
  assert.equal(entries, Math.floor(maxBytes / perEntry));
  // The newest entries are the ones kept.
  assert.deepEqual(await store.mget(['crm:contact:99:v1', 'crm:contact:0:v1']), [value, null]);
});
