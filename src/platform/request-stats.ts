/**
 * What one request cost, counted where it happens: upstream attempts per system (in the HTTP
 * clients and SDK adapters) and entity-cache hits and misses (in the cache). Those layers have no
 * request context in their signatures, and the same connector serves every request, so the
 * counters ride on an AsyncLocalStorage entered once per request by the HTTP layer; the access
 * log line reads them when the response is sent. Outside a request (start-up, background work)
 * nothing is counted.
 */
import { AsyncLocalStorage } from 'node:async_hooks';

export interface RequestStats {
  /** The request's id (the access log's and every error's `requestId`). */
  requestId?: string;
  /** HTTP attempts made to each upstream system (retries included), e.g. { crm: 1, billing: 3 }. */
  upstream: Record<string, number>;
  cache: { hits: number; misses: number; errors: number };
  /** Set by the GraphQL layer once the operation is resolved (null: an anonymous operation). */
  operation?: string | null;
  operationType?: string;
}

const store = new AsyncLocalStorage<RequestStats>();

export function newRequestStats(requestId?: string): RequestStats {
  return { requestId, upstream: {}, cache: { hits: 0, misses: 0, errors: 0 } };
}

/** Runs `fn` (and everything it starts) with `stats` as the current request's counters. */
export function runWithRequestStats<T>(stats: RequestStats, fn: () => T): T {
  return store.run(stats, fn);
}

export function currentRequestStats(): RequestStats | undefined {
  return store.getStore();
}

/** One HTTP attempt to an upstream system. */
export function countUpstream(system: string): void {
  const s = store.getStore();
  if (s) s.upstream[system] = (s.upstream[system] ?? 0) + 1;
}

export function countCache(hits: number, misses: number): void {
  const s = store.getStore();
  if (!s) return;
  s.cache.hits += hits;
  s.cache.misses += misses;
}

export function countCacheError(): void {
  const s = store.getStore();
  if (s) s.cache.errors++;
}
