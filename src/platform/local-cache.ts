/**
 * In-process caches with a byte bound. Every cache this process keeps in its own memory (the
 * entity cache's memory store, parsed documents, verified tokens, presigned URLs...) is an
 * lru-cache bounded by an estimate of its bytes (`maxSize` + `sizeCalculation`), not only by a
 * count of entries: a count says nothing of memory when one entry is a 60-byte token and another
 * a 200 KB document. Each is registered under a name, so /metrics reports its bytes and entries
 * (portico_local_cache_bytes, portico_local_cache_entries, portico_local_cache_max_bytes).
 *
 * Sizes are estimates of what the entry holds, in bytes: a string's length (V8 keeps ASCII text
 * one byte a character), an object's JSON length or a per-call estimate, plus ENTRY_OVERHEAD for
 * the cache's own bookkeeping of the entry.
 */
import { LRUCache } from 'lru-cache';
import { Gauge, type Registry } from 'prom-client';

/** What an lru-cache entry costs beside its key and value (its slots in the cache's arrays and maps). */
export const ENTRY_OVERHEAD = 64;

export interface LocalCacheInfo {
  readonly name: string;
  readonly maxBytes: number;
  bytes(): number;
  entries(): number;
}

/** The named in-process caches of one app, read by its /metrics. */
export interface LocalCaches {
  list(): readonly LocalCacheInfo[];
  /** Reports a bounded in-process store that is not an LRU (a queue) beside the caches. */
  register(info: LocalCacheInfo): void;
  /**
   * A new LRU bounded by `maxBytes` (the estimate `sizeOf(value, key)` per entry, plus
   * ENTRY_OVERHEAD) and, when given, by `maxEntries`; registered under `name`.
   */
  lru<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(o: BoundedLruOptions<K, V>): LRUCache<K, V>;
}

export interface BoundedLruOptions<K, V> {
  /** The label of the cache in /metrics (`cache="..."`). */
  name: string;
  /** Bound on the estimated bytes of keys and values; the least recently used entries go first. */
  maxBytes: number;
  /** Estimated bytes of one entry's key and value. */
  sizeOf: (value: V, key: K) => number;
  /** Bound on the number of entries. @default none (the byte bound alone) */
  maxEntries?: number;
  /** Lifetime of an entry, ms. @default none */
  ttlMs?: number;
}

/** Estimated bytes of a string key or value. */
export const stringBytes = (s: string) => s.length;

export function createLocalCaches(): LocalCaches {
  const caches: LocalCacheInfo[] = [];
  return {
    list: () => caches,
    register: (info) => void caches.push(info),
    lru<K extends NonNullable<unknown>, V extends NonNullable<unknown>>(o: BoundedLruOptions<K, V>) {
      // An entry larger than the whole bound is not stored (lru-cache refuses it), never an error.
      const lru = new LRUCache<K, V>({
        maxSize: Math.max(1, o.maxBytes),
        sizeCalculation: (v, k) => Math.max(1, Math.ceil(o.sizeOf(v, k)) + ENTRY_OVERHEAD),
        ...(o.maxEntries ? { max: o.maxEntries } : {}),
        ...(o.ttlMs ? { ttl: o.ttlMs, ttlAutopurge: false } : {}),
      });
      caches.push({ name: o.name, maxBytes: o.maxBytes, bytes: () => lru.calculatedSize, entries: () => lru.size });
      return lru;
    },
  };
}

/** Gauges of every named cache in `caches`, read at each scrape. */
export function registerLocalCacheMetrics(registry: Registry, caches: LocalCaches): void {
  const gauge = (name: string, help: string, read: (c: LocalCacheInfo) => number) =>
    new Gauge({
      name,
      help,
      labelNames: ['cache'],
      registers: [registry],
      collect() {
        for (const c of caches.list()) this.set({ cache: c.name }, read(c));
      },
    });
  gauge('portico_local_cache_bytes', 'Estimated bytes held by an in-process cache (keys, values and per-entry overhead).', (c) =>
    c.bytes(),
  );
  gauge('portico_local_cache_entries', 'Entries held by an in-process cache.', (c) => c.entries());
  gauge('portico_local_cache_max_bytes', 'The byte bound of an in-process cache (its *_MAX_BYTES setting).', (c) => c.maxBytes);
}
