/**
 * Vendor budgets: a request count per vendor and window, and per endpoint class where the vendor
 * publishes a stricter limit (search), shared by every instance through Redis (one Lua script,
 * atomic, on Redis's clock) or held in process memory without Redis. Windows are fixed and
 * aligned on the clock, as the vendors count, so a window never holds more than the limit. Every upstream attempt takes a token
 * first (platform/upstream.ts), so Portico never sends a burst the vendor will refuse:
 *
 * - interactive reads may spend the whole bucket; background work (webhook processing, replica
 *   sync, reconciliation) only the part above a reserve, so it yields first;
 * - over budget, a call waits for its token while its deadline allows (at most `maxWaitMs`),
 *   else fails with RATE_LIMITED and a retry hint, before any request is sent;
 * - a vendor's `Retry-After` blocks the bucket for every instance until then, and its rate
 *   headers (`X-Rate-Limit-Remaining`, `X-HubSpot-RateLimit-Remaining`) lower the tokens.
 */
import type { Redis } from 'ioredis';
import { redisDeadline, type RedisLiveness } from './cache.js';
import type { Logger } from './logger.js';
import { defineScript, hashTag } from './redis.js';

export type Priority = 'interactive' | 'background';

export interface BucketSpec {
  /** Requests allowed per window. */
  limit: number;
  windowS: number;
}

/** `acme=100/1s,acme.search=4/1s,other=400/60s` (vendor names from the registry) -> specs; throws naming the bad entry. */
export function parseBudgets(text: string): Record<string, BucketSpec> {
  const out: Record<string, BucketSpec> = {};
  for (const part of text
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean)) {
    const m = /^([a-z0-9]+(?:\.[a-z0-9_]+)?)=(\d+)\/(\d+)s$/.exec(part);
    if (!m || Number(m[2]) < 1 || Number(m[3]) < 1)
      throw new Error(`"${part}" is not vendor[.class]=requests/windows, e.g. acme=700/60s (a vendor's name, requests, window)`);
    out[m[1]] = { limit: Number(m[2]), windowS: Number(m[3]) };
  }
  return out;
}

export interface TakeResult {
  ok: boolean;
  /** When not ok: ms until a token may be available. */
  waitMs: number;
}

export interface BudgetStore {
  /** Takes one token from each bucket (all or none). `reserve` tokens stay for interactive calls. */
  take(keys: readonly string[], specs: readonly BucketSpec[], reserve: readonly number[]): Promise<TakeResult>;
  /** Blocks the buckets until `untilMs` from now (the vendor's Retry-After). */
  block(keys: readonly string[], ms: number): Promise<void>;
  /** Caps the tokens at what the vendor says remains. */
  cap(key: string, remaining: number): Promise<void>;
}

interface MemWindow {
  start: number;
  used: number;
  /** Taken at the end of the window `start`, counted in the next one too. */
  nextUsed: number;
  limit: number;
  blockedUntil: number;
}

/**
 * The last moments of a window (a quarter of it, at most 250 ms): a request taken then may reach
 * the vendor in the next window (the SDKs do some work before sending; a busy event loop delays
 * it), so it is counted in both. Shifting our windows instead would let a burst through at every
 * boundary: the vendor's window would get the end of one of ours and the start of the next.
 */
const edgeOf = (windowMs: number) => Math.min(250, windowMs / 4);

/**
 * Fixed windows aligned on the clock, as the vendors count ("700 a minute"): never more than
 * `limit` sent in a vendor's window. (A token bucket refilling at the same rate could send up to
 * twice the limit within one of the vendor's windows: a full bucket plus its refill.)
 */
export function createMemoryBudgetStore(): BudgetStore {
  const windows = new Map<string, MemWindow>();
  const get = (key: string, spec: BucketSpec, now: number) => {
    const ms = spec.windowS * 1000;
    const start = Math.floor(now / ms) * ms;
    let w = windows.get(key);
    if (!w) windows.set(key, (w = { start, used: 0, nextUsed: 0, limit: spec.limit, blockedUntil: 0 }));
    if (w.start !== start) Object.assign(w, { used: w.start === start - ms ? w.nextUsed : 0, nextUsed: 0, start });
    w.limit = spec.limit;
    return w;
  };
  return {
    async take(keys, specs, reserve) {
      const now = Date.now();
      const ws = keys.map((k, i) => get(k, specs[i], now));
      const edge = ws.map((w, i) => now + edgeOf(specs[i].windowS * 1000) >= w.start + specs[i].windowS * 1000);
      let wait = 0;
      ws.forEach((w, i) => {
        const ms = specs[i].windowS * 1000;
        if (w.blockedUntil > now) wait = Math.max(wait, w.blockedUntil - now);
        if (w.limit - w.used < 1 + reserve[i]) wait = Math.max(wait, w.start + ms - now);
        if (edge[i] && w.limit - w.nextUsed < 1 + reserve[i]) wait = Math.max(wait, w.start + 2 * ms - now);
      });
      if (wait > 0) return { ok: false, waitMs: wait };
      ws.forEach((w, i) => {
        w.used += 1;
        if (edge[i]) w.nextUsed += 1;
      });
      return { ok: true, waitMs: 0 };
    },
    async block(keys, ms) {
      const now = Date.now();
      for (const k of keys) {
        const w = windows.get(k) ?? { start: 0, used: 0, nextUsed: 0, limit: 0, blockedUntil: 0 };
        w.blockedUntil = Math.max(w.blockedUntil, now + ms);
        windows.set(k, w);
      }
    },
    async cap(key, remaining) {
      const w = windows.get(key);
      if (w) w.used = Math.max(w.used, w.limit - remaining);
    },
  };
}

/**
 * KEYS: window hashes. ARGV: n, then per window limit, windowMs, reserve. Fixed windows on
 * Redis's clock (instances with skewed clocks still share them); a take at a window's end is
 * counted in the next one too (edgeOf). Returns 0 (taken) or ms to wait.
 */
const TAKE = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local n = tonumber(ARGV[1])
local wait = 0
local used = {}
local nused = {}
local starts = {}
local edges = {}
for i = 1, n do
  local limit = tonumber(ARGV[1 + (i - 1) * 3 + 1])
  local window = tonumber(ARGV[1 + (i - 1) * 3 + 2])
  local reserve = tonumber(ARGV[1 + (i - 1) * 3 + 3])
  local start = math.floor(now / window) * window
  local h = redis.call('HMGET', KEYS[i], 'start', 'used', 'nused', 'blocked')
  local stored = tonumber(h[1])
  local u = 0
  local nu = 0
  if stored == start then
    u = tonumber(h[2]) or 0
    nu = tonumber(h[3]) or 0
  elseif stored == start - window then
    u = tonumber(h[3]) or 0
  end
  local blocked = tonumber(h[4]) or 0
  local edge = now + math.min(250, window / 4) >= start + window
  used[i] = u
  nused[i] = nu
  starts[i] = start
  edges[i] = edge
  if blocked > now then wait = math.max(wait, blocked - now) end
  if limit - u < 1 + reserve then wait = math.max(wait, start + window - now) end
  if edge and limit - nu < 1 + reserve then wait = math.max(wait, start + 2 * window - now) end
end
if wait == 0 then
  for i = 1, n do
    local window = tonumber(ARGV[1 + (i - 1) * 3 + 2])
    local nu = nused[i]
    if edges[i] then nu = nu + 1 end
    redis.call('HSET', KEYS[i], 'start', tostring(starts[i]), 'used', tostring(used[i] + 1), 'nused', tostring(nu), 'limit', ARGV[1 + (i - 1) * 3 + 1])
    redis.call('PEXPIRE', KEYS[i], window * 2 + 60000)
  end
end
return wait
`;

const BLOCK = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
for i = 1, #KEYS do
  local until_ = now + tonumber(ARGV[1])
  local cur = tonumber(redis.call('HGET', KEYS[i], 'blocked')) or 0
  if until_ > cur then redis.call('HSET', KEYS[i], 'blocked', tostring(until_)) end
  if redis.call('PTTL', KEYS[i]) < tonumber(ARGV[1]) + 60000 then redis.call('PEXPIRE', KEYS[i], tonumber(ARGV[1]) + 60000) end
end
return 0
`;

/** The vendor said how many requests remain: count at least limit - remaining as used. */
const CAP = `
local h = redis.call('HMGET', KEYS[1], 'used', 'limit')
local used = tonumber(h[1])
local limit = tonumber(h[2])
if used and limit and used < limit - tonumber(ARGV[1]) then redis.call('HSET', KEYS[1], 'used', tostring(limit - tonumber(ARGV[1]))) end
return 0
`;

export interface RedisBudgetOptions {
  /** Shared Redis liveness (platform/cache.ts): while Redis is stalled, takes use the local limiter at once. */
  liveness?: RedisLiveness;
  /**
   * This instance's share of each limit while Redis cannot be asked (1 / the number of gateway
   * instances): the local limiter's limit. @default 1
   */
  localShare?: number;
}

/**
 * `timeoutMs` bounds a take on a Redis that does not answer; past it the call is metered by a
 * local in-process limiter (this instance's share of the limit) instead: a Redis outage must not
 * stop every vendor call, nor let them all through. It is not a cache read's budget: under load
 * our own event loop adds hundreds of ms, and a take timed out then let whole bursts through
 * unmetered (the plan benchmark saw 81 vendor 429s at 40 connections with 50 ms). A Redis known to
 * be down (no connection) or stalled (`liveness`: silent past STALL_MS with commands outstanding)
 * goes local at once: before, a hung Redis cost every take its full second, and a dashboard's
 * takes in sequence held it for the whole stall.
 */
export function createRedisBudgetStore(redis: Redis, logger?: Logger, timeoutMs = 1000, o: RedisBudgetOptions = {}): BudgetStore {
  let lastLog = 0;
  const failed = (err: unknown) => {
    const now = Date.now();
    if (now - lastLog > 1000) {
      lastLog = now;
      logger?.warn({ err: (err as Error)?.message }, 'vendor budget unavailable (Redis); calls are metered per instance');
    }
  };
  const local = createMemoryBudgetStore();
  const share = Math.min(1, Math.max(0, o.localShare ?? 1));
  const localSpecs = (specs: readonly BucketSpec[]) => specs.map((s) => ({ ...s, limit: Math.max(1, Math.floor(s.limit * share)) }));
  const deadline = <T>(send: () => Promise<T>, ms: number): Promise<T> =>
    o.liveness ? o.liveness.deadline(send, ms) : redisDeadline(send(), ms);
  // EVALSHA: the script's text is sent once per connection (and again after a NOSCRIPT), not with every call.
  // Take: ARGV is the bucket count, then limit, window (ms) and reserve per bucket; answers the wait in ms (0: taken).
  const takeScript = defineScript<string[], number>(redis, 'budgetTake', { lua: TAKE });
  const blockScript = defineScript<[ms: string], number>(redis, 'budgetBlock', { lua: BLOCK });
  const capScript = defineScript<[remaining: string], number>(redis, 'budgetCap', { numberOfKeys: 1, lua: CAP });
  /** A fresh instance's connection may still be opening: wait for it (bounded) rather than go local. */
  const ready = () =>
    ['wait', 'connecting', 'connect'].includes(redis.status) && !o.liveness?.stalled()
      ? redisDeadline(new Promise<void>((resolve) => redis.once('ready', () => resolve())), Math.max(timeoutMs, 1000)).catch(
          () => undefined,
        )
      : undefined;
  return {
    async take(keys, specs, reserve) {
      try {
        await ready();
        const args = [String(keys.length), ...specs.flatMap((s, i) => [String(s.limit), String(s.windowS * 1000), String(reserve[i])])];
        const wait = Number(await deadline(() => takeScript(keys, ...args), timeoutMs));
        return { ok: wait === 0, waitMs: wait };
      } catch (err) {
        // Redis cannot be asked: this instance's share, counted here (the vendors' own 429s still protect them).
        failed(err);
        return local.take(keys, localSpecs(specs), reserve);
      }
    },
    async block(keys, ms) {
      // Kept locally too: the local limiter honours a Retry-After heard while Redis is away.
      await local.block(keys, ms);
      await deadline(() => blockScript(keys, String(Math.ceil(ms))), timeoutMs).catch(failed);
    },
    async cap(key, remaining) {
      await local.cap(key, remaining);
      await deadline(() => capScript([key], String(Math.max(0, remaining))), timeoutMs).catch(failed);
    },
  };
}

export interface VendorBudgetOptions {
  store: BudgetStore;
  /** Environment prefix of the Redis keys. */
  prefix: string;
  vendor: string;
  /** Buckets of this vendor: `vendor` and `vendor.<class>` entries. */
  specs: Readonly<Record<string, BucketSpec>>;
  /** Share of a bucket kept for interactive calls. @default 0.2 */
  backgroundReserve?: number;
  /** Longest wait for a token. @default 1000 */
  maxWaitMs?: number;
  /**
   * Share of each limit Portico leaves unused: calls delayed on their way (a busy event loop, an
   * SDK's own work) reach the vendor in its next window, and other apps share the account.
   * @default 0.1
   */
  headroom?: number;
}

export interface VendorBudget {
  /**
   * Waits for a token of the vendor's bucket (and the class's), at most `maxWaitMs` and never
   * past `remainingMs`; resolves true when taken, or the ms after which to retry.
   */
  acquire(cls: string | undefined, priority: Priority, remainingMs: number): Promise<true | number>;
  /** The vendor said Retry-After: every instance waits. */
  block(cls: string | undefined, ms: number): Promise<void>;
  /** The vendor said how many requests remain in its window. */
  remaining(cls: string | undefined, n: number): Promise<void>;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function createVendorBudget(o: VendorBudgetOptions): VendorBudget {
  const reserveShare = o.backgroundReserve ?? 0.2;
  const maxWait = o.maxWaitMs ?? 1000;
  const buckets = (cls: string | undefined) => {
    const names = [o.vendor, ...(cls && o.specs[`${o.vendor}.${cls}`] ? [`${o.vendor}.${cls}`] : [])].filter((n) => o.specs[n]);
    const keep = 1 - (o.headroom ?? 0.1);
    return {
      // A class's bucket carries its vendor's key as hash tag: one script takes from both, in one
      // Redis Cluster slot. The vendor's own key keeps its plain name.
      keys: names.map((n) =>
        n === o.vendor ? `${o.prefix}:budget:${n}` : `${hashTag(`${o.prefix}:budget:${o.vendor}`)}${n.slice(o.vendor.length)}`,
      ),
      specs: names.map((n) => ({ ...o.specs[n], limit: Math.max(1, Math.floor(o.specs[n].limit * keep)) })),
    };
  };
  return {
    async acquire(cls, priority, remainingMs) {
      const { keys, specs } = buckets(cls);
      if (!keys.length) return true;
      const reserve = specs.map((s) => (priority === 'background' ? Math.max(1, Math.floor(s.limit * reserveShare)) : 0));
      const started = Date.now();
      for (;;) {
        const r = await o.store.take(keys, specs, reserve);
        if (r.ok) return true;
        const left = Math.min(maxWait, remainingMs) - (Date.now() - started);
        if (r.waitMs > left) return r.waitMs;
        await sleep(Math.max(5, r.waitMs));
      }
    },
    async block(cls, ms) {
      await o.store.block(buckets(cls).keys, ms);
    },
    async remaining(cls, n) {
      // Vendors report the account-wide window.
      const key = buckets(cls).keys[0];
      if (key) await o.store.cap(key, n);
    },
  };
}
