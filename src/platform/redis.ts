/**
 * The one owner of Redis connections and Lua scripts. Every connection Portico opens is made here,
 * by role: a role is a failure policy (fail fast or wait out a reconnect, a deadline, pipelining),
 * declared once in ROLES so two modules that need the same policy cannot drift apart.
 * Scripts are defined with their argument and result types (defineScript), never cast at a call site.
 */
import { Cluster, Redis, type ChainableCommander, type ClusterOptions, type RedisOptions } from 'ioredis';
import { parseRedisUrl, type RedisTarget } from './redis-url.js';

export { isClusterUrl, parseRedisUrl, RedisUrlError, type RedisNode, type RedisTarget } from './redis-url.js';

/** Reconnect backoff: `base` ms doubled per attempt, at most 2 s. */
const backoff = (base: number) => (attempt: number) => Math.min(base * 2 ** attempt, 2000);

/** No offline queue and no command retries: a command Redis cannot take now fails at once. */
const failFast = (base: number): RedisOptions => ({ enableOfflineQueue: false, maxRetriesPerRequest: 0, retryStrategy: backoff(base) });

/**
 * The connection roles and their policies.
 * - `read`: cache reads on the request path; a down or hung Redis costs a miss, never a failed
 *   request. Commands of one loop turn go out in one write (auto-pipelining).
 * - `write`: write-behind cache writes and purges, after the response.
 * - `control`: partner records and rate-limit counters, which must not be dropped as a miss: they
 *   wait for a (re)connecting link within their deadline.
 * - `producer`: adds jobs to a durable queue; fails fast so a receiver answers 503 at once.
 * - `blocking`: a BullMQ worker's connection (BullMQ requires `maxRetriesPerRequest: null`).
 * - `audit`: appends to the audit log; fails fast so the write is refused, not queued.
 * - `idempotency`: Idempotency-Key records; fails fast.
 * - `probe`: a one-shot check that a server answers (local redis-server), connected by the caller.
 * - `replicas`: replica jobs' locks and reconciliation state; one retry, offline queue kept.
 * - `publisher`: publishes events once; one retry, no offline queue.
 * - `admin`: a one-off command (FLUSHALL in tests): no command retries.
 * - `cli`: a command-line script's connection (npm run audit, token, reconcile): connected on first
 *   use, one retry, no reconnection: a Redis that is not there ends the script with a message.
 * - `stream`: reads the change stream (XREAD BLOCK, src/realtime); fails fast, so a Redis outage ends
 *   the subscriptions at once (retryable) instead of queueing reads.
 */
const ROLES = {
  read: (timeoutMs: number) => ({ ...failFast(50), commandTimeout: timeoutMs, enableAutoPipelining: true }),
  write: (timeoutMs: number) => ({ ...failFast(50), commandTimeout: timeoutMs }),
  control: (timeoutMs: number) => ({
    enableAutoPipelining: true,
    enableOfflineQueue: true,
    maxRetriesPerRequest: 1,
    retryStrategy: backoff(50),
    commandTimeout: timeoutMs,
  }),
  producer: (timeoutMs: number) => ({ ...failFast(100), commandTimeout: timeoutMs }),
  blocking: () => ({ maxRetriesPerRequest: null, retryStrategy: backoff(100) }),
  audit: (timeoutMs: number) => ({ ...failFast(100), commandTimeout: timeoutMs }),
  idempotency: (timeoutMs: number) => ({ ...failFast(100), commandTimeout: timeoutMs }),
  probe: () => ({ lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null }),
  replicas: (timeoutMs: number) => ({ maxRetriesPerRequest: 1, commandTimeout: timeoutMs }),
  publisher: (timeoutMs: number) => ({ maxRetriesPerRequest: 1, commandTimeout: timeoutMs, enableOfflineQueue: false }),
  admin: () => ({ maxRetriesPerRequest: 0 }),
  stream: (timeoutMs: number) => ({ ...failFast(100), commandTimeout: timeoutMs }),
  cli: (timeoutMs: number) => ({ lazyConnect: true, maxRetriesPerRequest: 1, commandTimeout: timeoutMs, retryStrategy: () => null }),
} satisfies Record<string, (timeoutMs: number) => RedisOptions>;

export type RedisRole = keyof typeof ROLES;

/** The default command deadline per role, when the caller has none of its own. */
const DEFAULT_TIMEOUT_MS: Record<RedisRole, number> = {
  read: 5000,
  write: 10_000,
  control: 2000,
  producer: 5000,
  blocking: 0,
  audit: 2000,
  idempotency: 2000,
  probe: 0,
  replicas: 5000,
  publisher: 5000,
  admin: 0,
  stream: 10_000,
  cli: 10_000,
};

export interface ConnectOptions {
  /** The per-command deadline (ioredis `commandTimeout`); roles without one ignore it. */
  commandTimeoutMs?: number;
}

/**
 * The cluster's own settings per role. A role that fails fast gets no offline queue (a command
 * sent while the cluster is (re)discovering its slots fails at once); every other one waits.
 * Auto-pipelining sends the commands of one loop turn to each node in one write, which is also
 * how a batch (below) of keys on many nodes goes out; a blocking role never shares its link.
 */
function clusterOptions(role: RedisRole, options: RedisOptions, t: Extract<RedisTarget, { kind: 'cluster' }>): ClusterOptions {
  const { enableOfflineQueue, retryStrategy, enableAutoPipelining, lazyConnect, ...node } = options;
  return {
    enableOfflineQueue: enableOfflineQueue ?? true,
    enableAutoPipelining: enableAutoPipelining ?? (role !== 'blocking' && role !== 'stream'),
    lazyConnect,
    clusterRetryStrategy: (times) => (retryStrategy ? retryStrategy(times) : Math.min(100 * 2 ** times, 2000)),
    // A failover moves a master's slots in a few seconds: MOVED / CLUSTERDOWN answers are retried meanwhile.
    retryDelayOnFailover: 100,
    retryDelayOnClusterDown: 100,
    redisOptions: {
      ...node,
      ...(t.username ? { username: t.username } : {}),
      ...(t.password ? { password: t.password } : {}),
      ...(t.tls ? { tls: {} } : {}),
    },
  };
}

/**
 * A new ioredis connection to `url` with `role`'s policy. The caller owns it (and closes it).
 * A Cluster is returned typed as `Redis`: both implement the same commands, and where a Cluster
 * differs (commands over keys in several slots) the callers go through `mgetKeys`, `delKeys` and
 * `batch` below, or keep their keys under one hash tag.
 */
export function connectRedis(url: string, role: RedisRole, o: ConnectOptions = {}): Redis {
  const options: RedisOptions = ROLES[role](o.commandTimeoutMs ?? DEFAULT_TIMEOUT_MS[role]);
  const t = parseRedisUrl(url);
  if (t.kind === 'single') return new Redis(url, options);
  if (t.kind === 'cluster') return new Cluster(t.nodes, clusterOptions(role, options, t)) as unknown as Redis;
  return new Redis(sentinelOptions(t, options));
}

/** ioredis's options for a master found through Sentinel, with `role`'s policy. */
export function sentinelOptions(t: Extract<RedisTarget, { kind: 'sentinel' }>, options: RedisOptions = {}): RedisOptions {
  return {
    ...options,
    sentinels: t.sentinels,
    name: t.name,
    db: t.db,
    ...(t.username ? { username: t.username } : {}),
    ...(t.password ? { password: t.password } : {}),
    ...(t.sentinelUsername ? { sentinelUsername: t.sentinelUsername } : {}),
    ...(t.sentinelPassword ? { sentinelPassword: t.sentinelPassword } : {}),
    ...(t.tls ? { tls: {}, enableTLSForSentinelMode: true } : {}),
  };
}

/** Whether `redis` is a Cluster connection (connectRedis on a `redis+cluster://` URL). */
export const isCluster = (redis: Redis): boolean => (redis as Redis | Cluster).isCluster;

/**
 * A hash tag: keys containing the same `{tag}` live in the same Cluster slot, so one Lua script or
 * MULTI may touch them together. Only the first `{...}` of a key counts.
 */
export const hashTag = (tag: string): string => `{${tag}}`;

/** MGET: one command on a single server; on a Cluster, one GET per key (auto-pipelined per node), since MGET may not cross slots. */
export function mgetKeys(redis: Redis, keys: readonly string[]): Promise<(string | null)[]> {
  if (!keys.length) return Promise.resolve([]);
  return isCluster(redis) ? Promise.all(keys.map((k) => redis.get(k))) : redis.mget(...keys);
}

/** DEL of many keys: one command on a single server; on a Cluster, one per key. Resolves the count removed. */
export async function delKeys(redis: Redis, keys: readonly string[]): Promise<number> {
  if (!keys.length) return 0;
  if (!isCluster(redis)) return redis.del(...keys);
  return (await Promise.all(keys.map((k) => redis.del(k)))).reduce((a, b) => a + b, 0);
}

/**
 * A pipeline of commands on any keys. On a single server, ioredis's pipeline (one write). On a
 * Cluster a pipeline may only hold keys of one node, so the commands are sent one by one at exec
 * (auto-pipelining still groups them per node) and answered in the pipeline's shape:
 * `[error, result]` per command, in order. Not a transaction on either: use MULTI or a script on
 * keys under one hash tag for that.
 */
export function batch(redis: Redis): ChainableCommander {
  if (!isCluster(redis)) return redis.pipeline();
  const calls: [string, unknown[]][] = [];
  const send = (name: string, args: unknown[]) => (Reflect.get(redis, name) as (...a: unknown[]) => Promise<unknown>).apply(redis, args);
  const proxy: ChainableCommander = new Proxy({} as ChainableCommander, {
    get(_target, prop) {
      if (prop === 'exec')
        return () =>
          Promise.all(
            calls.map(([name, args]) =>
              send(name, args).then(
                (r): [Error | null, unknown] => [null, r],
                (err: Error): [Error | null, unknown] => [err, null],
              ),
            ),
          );
      if (prop === 'length') return calls.length;
      if (typeof prop !== 'string' || prop === 'then') return undefined;
      return (...args: unknown[]) => {
        calls.push([prop, args]);
        return proxy;
      };
    },
  });
  return proxy;
}

/**
 * Resolves once `redis` is ready, or after `maxMs`, when it is still opening its first connection
 * (a process just started); at once otherwise: a reconnection is never waited for here.
 */
export async function whenConnecting(redis: Redis, maxMs = 2000): Promise<void> {
  if (redis.status !== 'connecting' && redis.status !== 'connect' && redis.status !== 'wait') return;
  await new Promise<void>((resolve) => {
    const done = () => {
      clearTimeout(timer);
      redis.off('ready', done);
      resolve();
    };
    const timer = setTimeout(done, maxMs);
    redis.once('ready', done);
  });
}

export type ScriptArg = string | number;

export interface ScriptSpec {
  lua: string;
  /** How many of the arguments are keys; omitted, every call says it (keys of varying count). */
  numberOfKeys?: number;
}

/** A Lua script bound to one connection: `keys`, then its arguments, resolving to `Result`. */
export type Script<Args extends readonly ScriptArg[], Result> = (keys: readonly string[], ...args: Args) => Promise<Result>;

/**
 * Defines `lua` on `redis` as command `name` (ioredis sends EVALSHA, and the script itself when a
 * server does not have it) and returns it typed. `Result` is what the script returns, as RESP
 * decodes it: the one place it is declared.
 */
export function defineScript<Args extends readonly ScriptArg[], Result>(
  redis: Redis,
  name: string,
  spec: ScriptSpec,
): Script<Args, Result> {
  redis.defineCommand(name, spec.numberOfKeys === undefined ? { lua: spec.lua } : { numberOfKeys: spec.numberOfKeys, lua: spec.lua });
  // A Cluster's auto-pipelining groups a command by the slot of its first argument; for a script
  // called with its key count first, that is the count ("2"), not a key. Scripts of one loop turn on
  // keys served by different masters then went into one pipeline, which ioredis refuses as a whole
  // ("All keys in the pipeline should belong to the same slots allocation group"): every vendor
  // budget take of a dashboard failed and was metered per instance, and the vendors answered 429
  // (bench --cluster). Such a script is sent on its own, routed by its first key.
  const client = redis as unknown as { isCluster?: boolean; options: { autoPipeliningIgnoredCommands?: string[] } };
  if (client.isCluster && spec.numberOfKeys === undefined)
    client.options.autoPipeliningIgnoredCommands = [...(client.options.autoPipeliningIgnoredCommands ?? []), name];
  const command: unknown = Reflect.get(redis, name);
  if (typeof command !== 'function') throw new Error(`Redis script ${name} was not defined`);
  return (keys, ...args) => {
    if (spec.numberOfKeys !== undefined && keys.length !== spec.numberOfKeys)
      return Promise.reject(new Error(`Redis script ${name} takes ${spec.numberOfKeys} keys, not ${keys.length}`));
    const head: ScriptArg[] = spec.numberOfKeys === undefined ? [keys.length] : [];
    return command.apply(redis, [...head, ...keys, ...args]) as Promise<Result>;
  };
}
