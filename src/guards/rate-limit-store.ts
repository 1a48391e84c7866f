/**
 * The store of @fastify/rate-limit (user, anonymous and partner limits): Redis, so every instance
 * counts together, with an in-process fallback for when Redis cannot be asked.
 *
 * The plugin's own Redis store waited on the `control` connection (offline queue, 2 s timeout) and
 * `skipOnError` then let the request through: with Redis hung, every request first waited 2 s for
 * its rate limit, and nothing was limited. Here a Redis that is down (no connection) or stalled
 * (shared liveness, platform/cache.ts) is not asked at all, and a count Redis does not return
 * within its deadline is taken locally instead: this instance's share of the limit, counted in
 * process memory, so a client is still limited (per instance) while Redis is away.
 */
import { createRequire } from 'node:module';
import type { Redis } from 'ioredis';
import type { RedisLiveness } from '../platform/cache.js';

type Result = { current: number; ttl: number };
type Callback = (err: Error | null, res?: Result) => void;
interface PluginStore {
  incr(key: string, cb: Callback, timeWindow: number, max: number): void;
  child(routeOptions: unknown): PluginStore;
}
type StoreCtor = new (...args: unknown[]) => PluginStore;

const require = createRequire(import.meta.url);
const RedisStore = require('@fastify/rate-limit/store/RedisStore') as StoreCtor;
const LocalStore = require('@fastify/rate-limit/store/LocalStore') as StoreCtor;

export interface RateLimitStoreOptions {
  redis: Redis;
  liveness: RedisLiveness;
  /** Key prefix in Redis. */
  nameSpace: string;
  /**
   * How long a count waits for Redis before it is taken locally; Redis still sending bytes is
   * waited for up to 1 s (a loaded healthy Redis goes silent 50-300 ms; counting locally then would
   * hand that instance a fresh window). @default 50
   */
  timeoutMs?: number;
  /** This instance's share of each limit while Redis cannot be asked (1 / instances). @default 1 */
  localShare?: number;
}

/** A store class for the plugin's `store` option. */
export function failoverRateLimitStore(o: RateLimitStoreOptions): new (params: unknown) => PluginStore {
  const timeoutMs = o.timeoutMs ?? 50;
  const share = Math.min(1, Math.max(0.0001, o.localShare ?? 1));
  return class FailoverStore implements PluginStore {
    private readonly remote: PluginStore;
    private readonly local: PluginStore;
    constructor(_params?: unknown, remote?: PluginStore, local?: PluginStore) {
      this.remote = remote ?? new RedisStore(false, false, o.redis, o.nameSpace);
      this.local = local ?? new LocalStore(false, false, 10_000);
    }

    incr(key: string, cb: Callback, timeWindow: number, max: number) {
      // Counted against this instance's share; reported scaled to the whole limit, which the
      // plugin compares with `max`.
      const locally = () =>
        this.local.incr(key, (err, r) => cb(err, r ? { current: Math.ceil(r.current / share), ttl: r.ttl } : undefined), timeWindow, max);
      if (o.redis.status !== 'ready' || o.liveness.stalled()) return locally();
      o.liveness
        .deadline(
          () =>
            new Promise<Result>((resolve, reject) =>
              this.remote.incr(key, (err, r) => (err || !r ? reject(err ?? new Error('no count')) : resolve(r)), timeWindow, max),
            ),
          timeoutMs,
          Math.max(timeoutMs, 1000),
        )
        .then((r) => cb(null, r), locally);
    }

    child(routeOptions: unknown): PluginStore {
      return new FailoverStore(undefined, this.remote.child(routeOptions), this.local.child(routeOptions));
    }
  };
}
