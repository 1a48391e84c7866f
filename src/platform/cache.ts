/**
 * The entity cache: upstream records (never authorized responses) by named key, with a TTL
 * chosen at the call site. Redis when configured (shared by every gateway instance), an
 * in-process LRU otherwise. A cache failure is a miss: it is logged and counted, and the read
 * goes to the upstream. Concurrent misses for one key in this process share one upstream call.
 *
 * Every entry written also keeps a stale copy (`<key>:stale`, `staleTtlS`): when the vendor budget
 * refuses a load (RATE_LIMITED, platform/budget.ts), a read whose every missing key has one is
 * served from those copies instead of failing. A purge (writes, webhooks) drops both, so a
 * changed record is never served stale.
 */
import type { Cluster, Redis } from 'ioredis';
import { createLocalCaches, stringBytes, type LocalCaches } from './local-cache.js';
import type { Logger } from './logger.js';
import { batch, connectRedis, defineScript, delKeys, isCluster, mgetKeys } from './redis.js';
import { traceCacheReads } from './tracing.js';

/** The raw key-value store under the cache. Values are JSON strings. */
export interface CacheStore {
  readonly kind: 'redis' | 'memory';
  mget(keys: readonly string[]): Promise<(string | null)[]>;
  mset(entries: readonly (readonly [string, string])[], ttlS: number): Promise<void>;
  del(keys: readonly string[]): Promise<void>;
  /**
   * Compare-and-set: writes `value` over `key` only if it holds exactly `expected` (null: only if
   * absent), atomically. A present key keeps its time to live; an absent one gets `ttlS`. True when written.
   */
  cas(key: string, expected: string | null, value: string, ttlS: number): Promise<boolean>;
  close(): Promise<void>;
  /** Runs `fn` whenever the store becomes usable: now for memory, on every (re)connect for Redis (a restarted Redis may be empty). */
  onReady(fn: () => void): void;
}

export interface CacheStats {
  hits: number;
  misses: number;
  errors: number;
}

export interface EntityCache {
  /**
   * Values for `keys`, loading the misses with one call of `load` (which returns what it found;
   * keys it does not return are cached as null, a negative entry, for the same TTL).
   */
  getMany<T>(keys: readonly string[], ttlS: number, load: (missing: string[]) => Promise<Map<string, T>>): Promise<(T | null)[]>;
  getOrSet<T>(key: string, ttlS: number, load: () => Promise<T>): Promise<T>;
  purge(keys: readonly string[]): Promise<void>;
  /**
   * The stored value of `key` as it is stored (hand it back to `replace` as `expected`), null when
   * absent. For the event path's write-through; a failure reads as absent.
   */
  peek(key: string): Promise<string | null>;
  /**
   * The event path's write-through: writes `value` over `key` only if the key still holds
   * `expected` (what `peek` returned before the caller read the vendor; null: only if still absent),
   * so a writer that read the vendor earlier never replaces what a later one wrote. The stale copy
   * is dropped (it may hold the record from before the change). When the key changed meanwhile,
   * the key is purged instead (the next read loads it fresh): 'written' or 'purged'.
   */
  replace(key: string, expected: string | null, value: unknown, ttlS: number): Promise<'written' | 'purged'>;
  /** Resolves when the writes started so far have finished (write-behind; used on shutdown and by tests). */
  settle(): Promise<void>;
  readonly stats: Readonly<CacheStats>;
  readonly store: CacheStore;
}

export interface CacheOptions {
  store: CacheStore;
  logger?: Logger;
  /** Called on every cache failure (metrics). */
  onError?: (op: string) => void;
  /** Called with the hits and misses of every read (metrics). */
  onRead?: (hits: number, misses: number) => void;
  /** Turn caching off entirely (benchmarks of the cold path). @default true */
  enabled?: boolean;
  /** How long the stale copy of an entry is kept for reads the vendor budget refuses. 0 = none. @default 3600 */
  staleTtlS?: number;
  /** Called with the number of keys served from stale copies (metrics). */
  onStale?: (n: number) => void;
}

/** The key of an entry's stale copy. */
export const staleKey = (key: string) => `${key}:stale`;

/** The vendor budget (or the vendor) refused the load: a stale copy may answer instead. */
function isRateLimited(err: unknown): boolean {
  return (err as { extensions?: { code?: unknown } } | null)?.extensions?.code === 'RATE_LIMITED';
}

export interface MemoryStoreOptions {
  /** Bound on the estimated bytes of keys and values (CACHE_MEMORY_MAX_BYTES). @default 64 MiB */
  maxBytes?: number;
  /** Bound on the number of entries. @default 50_000 */
  maxEntries?: number;
  /** Where the store is reported (`cache="entity_memory"` in /metrics). @default unreported */
  caches?: LocalCaches;
}

/** In-process LRU with the same interface: development without Redis, and one instance only. */
export function createMemoryStore(o: MemoryStoreOptions = {}): CacheStore {
  const lru = (o.caches ?? createLocalCaches()).lru<string, string>({
    name: 'entity_memory',
    maxBytes: o.maxBytes ?? 64 * 1024 * 1024,
    maxEntries: o.maxEntries ?? 50_000,
    sizeOf: (v, k) => stringBytes(k) + stringBytes(v),
  });
  return {
    kind: 'memory',
    async mget(keys) {
      return keys.map((k) => lru.get(k) ?? null);
    },
    async mset(entries, ttlS) {
      for (const [k, v] of entries) lru.set(k, v, { ttl: ttlS * 1000 });
    },
    async del(keys) {
      for (const k of keys) lru.delete(k);
    },
    async cas(key, expected, value, ttlS) {
      const current = lru.get(key) ?? null;
      if (current !== expected) return false;
      // A present entry keeps the time it has left, as Redis's KEEPTTL.
      const left = expected === null ? ttlS * 1000 : lru.getRemainingTTL(key);
      lru.set(key, value, { ttl: left > 0 && Number.isFinite(left) ? left : ttlS * 1000 });
      return true;
    },
    async close() {
      lru.clear();
    },
    onReady(fn) {
      fn();
    },
  };
}

export interface RedisStoreOptions {
  url: string;
  /** Per-command deadline of reads; past it the command fails and counts as a miss. @default 50 */
  commandTimeoutMs?: number;
  /** Deadline of writes, which run after the response and may carry large values. @default 2000 */
  writeTimeoutMs?: number;
  logger?: Logger;
}

/**
 * Redis through ioredis, on three connections with different failure policies:
 * - `client` serves cache reads on the request path: no offline queue and a short deadline, so a
 *   down or hung Redis costs a miss, never a failed request;
 * - `writer` takes write-behind cache writes, which happen after the response and may be large;
 * - `control` carries what must not be dropped as a miss: partner-token records and rate-limit
 *   counters. Its commands wait for a (re)connecting link instead of failing at once, within a
 *   deadline that measures Redis, not a cache budget: a fresh instance whose connection is
 *   still opening, or a Redis that has just resumed, must not refuse a valid partner token.
 * ioredis reconnects each by itself with backoff. `liveness` (createRedisLiveness) watches all
 * three: every Redis step on the request path asks it first, so a hung Redis is waited for once
 * (about a second), not once per step.
 */
export function createRedisStore(o: RedisStoreOptions): CacheStore & { client: Redis; control: Redis; liveness: RedisLiveness } {
  const readTimeoutMs = o.commandTimeoutMs ?? 50;
  // ioredis's own timeout (a backstop here) fires when our event loop is late, not Redis: under
  // load a reply already waiting in the socket counted as a miss. Reads use redisDeadline.
  // A read that Redis keeps answering may take this long (a large reply while our loop is busy
  // with dozens of requests); one Redis does not answer at all is given up at readTimeoutMs.
  const readCapMs = Math.max(5000, readTimeoutMs * 10);
  // Commands of one loop turn (many requests' reads) go out in one write: fewer syscalls per hit.
  const client = connectRedis(o.url, 'read', { commandTimeoutMs: readCapMs });
  const writeTimeoutMs = o.writeTimeoutMs ?? 2000;
  // Writes too are timed by redisDeadline (below): under load, ioredis's own timer fired while the
  // reply was waiting for our event loop, and the lost write cost a miss and a vendor call later.
  const writer = connectRedis(o.url, 'write', { commandTimeoutMs: writeTimeoutMs * 5 });
  const control = connectRedis(o.url, 'control', { commandTimeoutMs: writeTimeoutMs });
  // Reported once through `client`'s handler below.
  writer.on('error', () => undefined);
  control.on('error', () => undefined);
  const casScript = defineScript<[string, string, string, number], number>(writer, 'cacheCas', { numberOfKeys: 1, lua: CAS });
  let down = false;
  client.on('error', (err) => {
    if (!down) o.logger?.warn({ err: err.message }, 'redis unavailable; cache reads fall back to the upstreams');
    down = true;
  });
  client.on('ready', () => {
    if (down) o.logger?.info('redis is back');
    down = false;
  });
  // A stalled Redis is probed on `client` (no offline queue: a PING on a closed link fails at once
  // and is retried at the next probe); any byte on any connection ends the stall.
  const liveness = createRedisLiveness({ logger: o.logger, probe: () => client.ping() });
  for (const c of [client, writer, control]) liveness.watch(c);
  return {
    kind: 'redis',
    client,
    control,
    liveness,
    async mget(keys) {
      return keys.length ? liveness.deadline(() => mgetKeys(client, keys), readTimeoutMs, readCapMs) : [];
    },
    async mset(entries, ttlS) {
      if (!entries.length) return;
      const results = await liveness.deadline(
        () => {
          const p = batch(writer);
          for (const [k, v] of entries) p.set(k, v, 'EX', ttlS);
          return p.exec();
        },
        writeTimeoutMs,
        writeTimeoutMs * 5,
      );
      const failed = results?.find(([err]) => err);
      if (failed) throw failed[0] as Error;
    },
    async del(keys) {
      // Timed like the writes: a hung Redis fails a purge when it is noticed, not at ioredis's backstop.
      if (keys.length) await liveness.deadline(() => delKeys(writer, keys), writeTimeoutMs, writeTimeoutMs * 5);
    },
    async cas(key, expected, value, ttlS) {
      const r = await liveness.deadline(
        () => casScript([key], expected === null ? '0' : '1', expected ?? '', value, ttlS),
        writeTimeoutMs,
        writeTimeoutMs * 5,
      );
      return r === 1;
    },
    async close() {
      // Pending write-behind writes were awaited by the caller (EntityCache.settle) before this.
      liveness.close();
      for (const c of [client, writer, control]) c.disconnect();
    },
    onReady(fn) {
      if (writer.status === 'ready') fn();
      writer.on('ready', fn);
    },
  };
}

/**
 * Compare-and-set of one key (CacheStore.cas): ARGV[1] '1' when a value is expected (ARGV[2]), '0'
 * when the key must be absent; a present key keeps its TTL, a new one gets ARGV[4] seconds.
 */
const CAS = `
local current = redis.call('GET', KEYS[1])
if ARGV[1] == '0' then
  if current then return 0 end
  redis.call('SET', KEYS[1], ARGV[3], 'EX', ARGV[4])
  return 1
end
if current ~= ARGV[2] then return 0 end
redis.call('SET', KEYS[1], ARGV[3], 'KEEPTTL')
return 1`;

/** Thrown at once by RedisLiveness.deadline while Redis is stalled: the caller's fallback applies. */
export class RedisStalledError extends Error {
  constructor(silentMs: number) {
    super(`Redis is stalled (silent ${Math.round(silentMs)} ms with commands outstanding); not waited for`);
  }
}

/**
 * How long Redis may leave a command unanswered without sending a single byte (on any of our
 * connections) before it counts as stalled (SIGSTOP, a hung host, a dead link ioredis has not
 * noticed, or a closed link whose commands wait in an offline queue). The same second as ALIVE_MS
 * below, and for the same reason: on a loaded 2-core machine a healthy Redis went silent for
 * 50-300 ms at a time, and calling that a stall would turn every Redis step (rate limits,
 * budgets, cache reads) into its fallback for nothing.
 */
export const STALL_MS = 1000;

/**
 * One view of whether Redis is answering, shared by every Redis step on the request path (cache
 * reads and writes, customer links, rate limits, vendor budgets, partner records).
 *
 * Without it, each step waited out its own deadline on a hung Redis: a dashboard paid the rate
 * limit's wait, then up to a second per vendor-budget take, then the cache writes, and took as long
 * as the stall. With it, Redis is "stalled" once a command has been outstanding STALL_MS with no
 * byte from Redis since it was sent; from then on every step fails at once (and uses its local
 * fallback) until a byte arrives again, and commands already waiting are released at once too.
 * An idle Redis sends nothing either, so silence counts only while a command is outstanding.
 * While stalled, a PING is sent every PROBE_MS so a resumed Redis is noticed without a request
 * having to wait for it.
 */
export interface RedisLiveness {
  /** When Redis last sent a byte on a watched connection (performance.now()); -Infinity before. */
  lastByteAt(): number;
  stalled(): boolean;
  /** Counts bytes arriving on this connection (from its every (re)connect). */
  watch(c: Redis): void;
  /**
   * Sends the command (`send`) unless Redis is stalled, and waits for it as redisDeadline does
   * (`ms`, up to `capMs` while bytes keep arriving); rejects at once when Redis is or becomes stalled.
   */
  deadline<T>(send: () => Promise<T>, ms: number, capMs?: number): Promise<T>;
  close(): void;
}

const PROBE_MS = 250;

export function createRedisLiveness(o: { logger?: Logger; probe?: () => Promise<unknown>; stallMs?: number } = {}): RedisLiveness {
  const stallMs = o.stallMs ?? STALL_MS;
  let lastByte = -Infinity; // never: a Redis not heard from yet is not alive
  let stalledAt: number | undefined;
  /** Commands sent and not yet settled: id -> when sent (in sending order, so the first is the oldest). */
  const outstanding = new Map<number, number>();
  let nextId = 0;
  const released = new Set<(err: Error) => void>();
  let monitor: NodeJS.Timeout | undefined;
  let prober: NodeJS.Timeout | undefined;
  let closed = false;

  /** Silence while commands are outstanding: since the later of the last byte and the oldest command. */
  const silence = (now: number) => {
    const oldest = outstanding.values().next();
    return oldest.done ? 0 : now - Math.max(lastByte, oldest.value);
  };
  const markStalled = (silent: number) => {
    if (stalledAt !== undefined || closed) return;
    stalledAt = performance.now();
    o.logger?.warn(
      { silentMs: Math.round(silent) },
      'redis stalled: no answer and no byte; Redis steps use their fallbacks until it answers',
    );
    const err = new RedisStalledError(silent);
    for (const r of [...released]) r(err);
    released.clear();
    if (o.probe && !prober) {
      let probing = false;
      prober = setInterval(() => {
        if (probing) return;
        probing = true;
        void o.probe!()
          .catch(() => undefined)
          .finally(() => (probing = false));
      }, PROBE_MS);
      prober.unref();
    }
  };
  const check = () => {
    monitor = undefined;
    // After the poll phase: bytes already in our sockets count before we call Redis silent (a late
    // event loop is not a silent Redis).
    setImmediate(() => {
      if (closed || stalledAt !== undefined || !outstanding.size) return;
      const s = silence(performance.now());
      if (s >= stallMs) markStalled(s);
      else monitor = setTimeout(check, Math.max(10, stallMs - s));
      monitor?.unref();
    });
  };
  const track = <T>(p: Promise<T>) => {
    const id = nextId++;
    outstanding.set(id, performance.now());
    const done = () => void outstanding.delete(id);
    p.then(done, done);
    if (!monitor && stalledAt === undefined) {
      monitor = setTimeout(check, stallMs);
      monitor.unref();
    }
    return p;
  };
  const heard = () => {
    lastByte = performance.now();
    if (stalledAt === undefined) return;
    o.logger?.info({ stalledMs: Math.round(lastByte - stalledAt) }, 'redis answers again');
    stalledAt = undefined;
    if (prober) clearInterval(prober);
    prober = undefined;
    // Commands still outstanding are measured from now.
    if (outstanding.size && !monitor) {
      monitor = setTimeout(check, stallMs);
      monitor.unref();
    }
  };

  return {
    lastByteAt: () => lastByte,
    stalled: () => stalledAt !== undefined,
    watch(c) {
      // Bytes are heard on the sockets: a Cluster's are its nodes' connections, made as it finds them.
      const node = (n: Redis) => n.on('connect', () => n.stream.on('data', heard));
      if (isCluster(c)) (c as unknown as Cluster).on('+node', node);
      else node(c);
    },
    deadline<T>(send: () => Promise<T>, ms: number, capMs = ms): Promise<T> {
      if (stalledAt !== undefined) return Promise.reject(new RedisStalledError(performance.now() - Math.max(lastByte, stalledAt)));
      const p = track(send());
      return new Promise<T>((resolve, reject) => {
        const release = (err: Error) => reject(err);
        released.add(release);
        redisDeadline(p, ms, () => lastByte, capMs)
          .then(resolve, reject)
          .finally(() => released.delete(release));
      });
    },
    close() {
      closed = true;
      if (monitor) clearTimeout(monitor);
      if (prober) clearInterval(prober);
    },
  };
}

/**
 * A Redis that sent anything on any of our connections this recently is alive: busy (a large
 * reply, a machine short of CPU), not hung. On a loaded 2-core machine Redis went silent for
 * 50-300 ms at a time while answering everything, and a 50 ms silence turned hundreds of reads a
 * run into misses and vendor calls.
 */
const ALIVE_MS = 1000;

/**
 * A deadline that measures Redis, not our event loop: when the timer fires, the loop first reads
 * whatever has arrived on its sockets (setImmediate runs after the poll phase), and only a reply
 * still missing then is a timeout. With `lastByteAt` (when Redis last sent a byte), a Redis alive
 * within ALIVE_MS is waited for, up to `capMs`; one silent that long is given up at `ms`.
 */
export function redisDeadline<T>(p: Promise<T>, ms: number, lastByteAt?: () => number, capMs = ms): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    let done = false;
    const started = performance.now();
    const check = () =>
      setImmediate(() => {
        if (done) return;
        const now = performance.now();
        // Redis is alive: more time, up to the cap.
        if (lastByteAt && now - lastByteAt() < Math.max(ms, ALIVE_MS) && now - started < capMs) {
          t = setTimeout(check, ms);
          return;
        }
        done = true;
        reject(
          new Error(
            `Redis did not answer within ${Math.round(now - started)} ms (last byte ${lastByteAt ? Math.round(now - lastByteAt()) : -1} ms ago)`,
          ),
        );
      });
    let t = setTimeout(check, ms);
    p.then(
      (v) => done || ((done = true), clearTimeout(t), resolve(v)),
      (e: unknown) => done || ((done = true), clearTimeout(t), reject(e as Error)),
    );
  });
}

export function createEntityCache(o: CacheOptions): EntityCache {
  const { store } = o;
  const enabled = o.enabled ?? true;
  const staleTtlS = o.staleTtlS ?? 3600;
  const stats: CacheStats = { hits: 0, misses: 0, errors: 0 };
  const inflight = new Map<string, Promise<unknown>>();
  const writes = new Set<Promise<void>>();
  let lastErrorLog = 0;

  const failed = (op: string, err: unknown) => {
    stats.errors++;
    o.onError?.(op);
    const now = Date.now();
    // One line per second at most: a Redis outage must not flood the logs.
    if (now - lastErrorLog > 1000) {
      lastErrorLog = now;
      o.logger?.warn({ op, err: (err as Error)?.message }, 'cache operation failed; treated as a miss');
    }
  };

  /** Reads of one loop turn (every subgraph's loaders) become one MGET. */
  let pending: { keys: readonly string[]; resolve(v: (string | null)[]): void; reject(e: unknown): void }[] | undefined;
  const flush = async () => {
    const batch = pending ?? [];
    pending = undefined;
    const all = [...new Set(batch.flatMap((b) => b.keys))];
    try {
      const values = await store.mget(all);
      const byKey = new Map(all.map((k, i) => [k, values[i] ?? null]));
      for (const b of batch) b.resolve(b.keys.map((k) => byKey.get(k) ?? null));
    } catch (err) {
      for (const b of batch) b.reject(err);
    }
  };
  const batchedMget = (keys: readonly string[]) =>
    new Promise<(string | null)[]>((resolve, reject) => {
      if (!pending) {
        pending = [];
        setImmediate(() => void flush());
      }
      pending.push({ keys, resolve, reject });
    });

  async function readMany(keys: readonly string[]): Promise<(string | null)[]> {
    try {
      return await batchedMget(keys);
    } catch (err) {
      failed('mget', err);
      return keys.map(() => null);
    }
  }

  async function getMany<T>(
    keys: readonly string[],
    ttlS: number,
    load: (missing: string[]) => Promise<Map<string, T>>,
  ): Promise<(T | null)[]> {
    if (!enabled) {
      const found = await load([...keys]);
      return keys.map((k) => found.get(k) ?? null);
    }
    const raw = await readMany(keys);
    const out: (T | null)[] = new Array<T | null>(keys.length);
    const waits: Promise<void>[] = [];
    const missing: string[] = [];
    raw.forEach((v, i) => {
      const key = keys[i];
      if (v !== null) {
        stats.hits++;
        out[i] = JSON.parse(v) as T | null;
        return;
      }
      stats.misses++;
      const pending = inflight.get(key) as Promise<T | null> | undefined;
      if (pending) waits.push(pending.then((val) => void (out[i] = val)));
      else missing.push(key);
    });
    // Other requests' loads this one shares: observed now, awaited after this request's own load.
    // If that load throws first, nobody would ever await these; one of them rejecting later (the
    // vendor budget refusing the other request's load too) was an unhandled rejection that killed
    // the process at a vendor's rate limit.
    const shared = waits.length ? Promise.all(waits) : undefined;
    shared?.catch(() => undefined);
    if (missing.length) {
      const unique = [...new Set(missing)];
      const loading = load(unique);
      const settle = new Map<string, Promise<T | null>>();
      for (const key of unique) {
        const p = loading.then((found) => found.get(key) ?? null);
        p.catch(() => undefined); // the loader's error reaches the callers through `loading`
        settle.set(key, p);
        inflight.set(key, p);
      }
      try {
        const served = { stale: false };
        const found = await loading.catch(async (err: unknown) => {
          const copies = isRateLimited(err) && staleTtlS > 0 ? await readStale<T>(unique) : undefined;
          if (!copies) throw err;
          served.stale = true;
          return copies;
        });
        keys.forEach((k, i) => {
          if (settle.has(k)) out[i] = found.get(k) ?? null;
        });
        if (!served.stale) {
          // Write-behind: the response does not wait for the cache.
          const entries = unique.map((k) => [k, JSON.stringify(found.get(k) ?? null)] as const);
          const write = Promise.all([
            store.mset(entries, ttlS),
            staleTtlS > 0
              ? store.mset(
                  entries.map(([k, v]) => [staleKey(k), v] as const),
                  Math.max(staleTtlS, ttlS),
                )
              : undefined,
          ])
            .then(() => undefined)
            .catch((err) => failed('mset', err))
            .finally(() => writes.delete(write));
          writes.add(write);
        }
      } finally {
        for (const key of unique) inflight.delete(key);
      }
    }
    await shared;
    o.onRead?.(keys.length - missing.length - waits.length, missing.length + waits.length);
    return out;
  }

  /** Stale copies of every key, or undefined when one is missing (then the refusal stands). */
  async function readStale<T>(keys: readonly string[]): Promise<Map<string, T> | undefined> {
    const raw = await readMany(keys.map(staleKey));
    const values = raw.filter((v): v is string => v !== null);
    if (values.length < keys.length) return undefined;
    o.onStale?.(keys.length);
    return new Map(keys.map((k, i) => [k, JSON.parse(values[i]) as T]));
  }

  async function purge(keys: readonly string[]) {
    if (!keys.length) return;
    try {
      await store.del([...keys, ...keys.map(staleKey)]);
    } catch (err) {
      failed('del', err);
      throw err;
    }
  }

  const tracedGetMany = traceCacheReads(getMany);
  return {
    getMany: tracedGetMany,
    async getOrSet<T>(key: string, ttlS: number, load: () => Promise<T>): Promise<T> {
      const [v] = await tracedGetMany<T>([key], ttlS, async () => new Map([[key, await load()]]));
      return v as T;
    },
    purge,
    async peek(key) {
      if (!enabled) return null;
      try {
        return (await store.mget([key]))[0] ?? null;
      } catch (err) {
        failed('mget', err);
        return null;
      }
    },
    async replace(key, expected, value, ttlS) {
      if (!enabled) return 'purged';
      let written = false;
      try {
        written = await store.cas(key, expected, JSON.stringify(value ?? null), ttlS);
      } catch (err) {
        failed('cas', err);
      }
      // Not written (the key changed since `peek`, or Redis failed): the key is dropped, as a purge
      // does (a failed drop fails the caller, whose job retries). Written: the stale copy may hold
      // the record from before the change.
      if (!written) {
        await purge([key]);
        return 'purged';
      }
      if (staleTtlS > 0)
        await store.del([staleKey(key)]).catch((err: unknown) => {
          failed('del', err);
          throw err;
        });
      return 'written';
    },
    async settle() {
      await Promise.all([...writes]);
    },
    stats,
    store,
  };
}

/** What a subgraph needs to cache: the cache, the environment's key prefix and TTLs per record type. */
export interface CacheDeps<T extends string = string> {
  cache: EntityCache;
  /** Environment prefix of every key (REDIS_KEY_PREFIX), so staging never reads production's entries. */
  prefix: string;
  ttl: Readonly<Record<T, number>>;
  /**
   * After a write the vendor has taken: drops `keys` (the records it changed) and whatever else
   * holds this customer's records (the gateway's cached whole responses). Never fails: when Redis
   * cannot take the purge now it is retried in the background (platform/deferred.ts), since the
   * write is done and must be reported done.
   */
  afterWrite(crmId: string, keys: readonly string[]): Promise<void>;
}

/**
 * A DataLoader batch function through the cache: ids -> keys, one getMany, misses loaded with
 * one call of `load`, results back in the order of `ids`.
 */
export async function cachedBatch<K, V>(
  cache: EntityCache,
  ids: readonly K[],
  keyOf: (id: K) => string,
  ttlS: number,
  load: (missing: K[]) => Promise<Map<K, V>>,
): Promise<(V | null)[]> {
  const byKey = new Map<string, K>();
  const keys = ids.map((id) => {
    const k = keyOf(id);
    byKey.set(k, id);
    return k;
  });
  return cache.getMany<V>(keys, ttlS, async (missing) => {
    const found = await load(missing.map((k) => byKey.get(k)!));
    const out = new Map<string, V>();
    for (const [id, v] of found) out.set(keyOf(id), v);
    return out;
  });
}

/**
 * A DataLoader batch function for a vendor without a batch endpoint: one cached read and, on a
 * miss, one call per id, all at once (the vendor budget paces them). A failed id fails alone (its
 * Error in its place, as DataLoader allows), never its neighbours in the batch: a row the budget
 * refused is RATE_LIMITED while the others are served. The reads of one loop turn are still one MGET.
 */
export function cachedEach<K, V>(
  cache: EntityCache,
  ids: readonly K[],
  keyOf: (id: K) => string,
  ttlS: number,
  load: (id: K) => Promise<V>,
): Promise<(V | null | Error)[]> {
  return Promise.all(
    ids.map(async (id) => {
      const key = keyOf(id);
      try {
        const [v] = await cache.getMany<V>([key], ttlS, async () => new Map([[key, await load(id)]]));
        return v;
      } catch (err) {
        return err instanceof Error ? err : new Error(String(err));
      }
    }),
  );
}

/**
 * Apollo Server's KeyValueCache on the same store (for automatic persisted queries): failures are
 * misses, so a Redis outage means clients resend full documents, never a failed request.
 */
export function createKeyValueCache(store: CacheStore, prefix: string, defaultTtlS = 86_400) {
  return {
    async get(key: string): Promise<string | undefined> {
      try {
        return (await store.mget([`${prefix}${key}`]))[0] ?? undefined;
      } catch {
        return undefined;
      }
    },
    async set(key: string, value: string, options?: { ttl?: number | null }): Promise<void> {
      await store.mset([[`${prefix}${key}`, value]], options?.ttl ?? defaultTtlS).catch(() => undefined);
    },
    async delete(key: string): Promise<void> {
      await store.del([`${prefix}${key}`]).catch(() => undefined);
    },
  };
}
