/**
 * REDIS_URL's forms (one server, a Redis Cluster, a master found through Sentinel), parsed without
 * ioredis so the config module can check them; src/platform/redis.ts connects to what they name.
 */
/** A Redis node's address. */
export interface RedisNode {
  host: string;
  port: number;
}

/**
 * What REDIS_URL names: one server (`redis://`, `rediss://`, handed to ioredis as is), a Redis
 * Cluster (`redis+cluster://[user:password@]h1:p1,h2:p2`: any of its nodes, ioredis finds the
 * rest), or a master found through Sentinel
 * (`redis+sentinel://[user:password@]h1:p1,h2:p2/mymaster[/db][?sentinelPassword=...]`). The
 * `rediss+` forms use TLS. The credentials in the URL are the data nodes'; Sentinel's own are the
 * `sentinelUsername` / `sentinelPassword` query parameters.
 */
export type RedisTarget =
  | { kind: 'single'; url: string }
  | { kind: 'cluster'; nodes: RedisNode[]; username?: string; password?: string; tls: boolean }
  | {
      kind: 'sentinel';
      sentinels: RedisNode[];
      name: string;
      db: number;
      username?: string;
      password?: string;
      sentinelUsername?: string;
      sentinelPassword?: string;
      tls: boolean;
    };

/** A REDIS_URL that cannot be used; the message says how it should look. */
export class RedisUrlError extends Error {}

const CLUSTER_EXAMPLE = 'redis+cluster://:password@10.0.0.1:6379,10.0.0.2:6379';
const SENTINEL_EXAMPLE = 'redis+sentinel://:password@10.0.0.1:26379,10.0.0.2:26379/mymaster';

/** Parses REDIS_URL (see RedisTarget). Throws RedisUrlError naming what is wrong, never echoing a password. */
export function parseRedisUrl(url: string): RedisTarget {
  const m = /^(rediss?)(?:\+(cluster|sentinel))?:\/\/(?:([^@/]*)@)?([^/?#]*)(\/[^?#]*)?(?:\?([^#]*))?$/.exec(url);
  if (!m) throw new RedisUrlError('must be a redis://, rediss://, redis+cluster:// or redis+sentinel:// URL');
  const [, scheme, mode, userinfo, hostList, path = '', query = ''] = m;
  if (!mode) return { kind: 'single', url };
  const example = mode === 'cluster' ? CLUSTER_EXAMPLE : SENTINEL_EXAMPLE;
  const nodes = hostList.split(',').map((h): RedisNode => {
    const hm = /^(\[[0-9a-fA-F:.]+\]|[^:[\]]+):(\d{1,5})$/.exec(h.trim());
    const port = hm ? Number(hm[2]) : 0;
    if (!hm || port < 1 || port > 65535) throw new RedisUrlError(`"${h}" is not host:port in the ${mode} URL, e.g. ${example}`);
    return { host: hm[1].replace(/^\[|\]$/g, ''), port };
  });
  const [user, pass] = userinfo === undefined ? [] : [userinfo.split(':')[0], userinfo.split(':').slice(1).join(':')];
  const cred = {
    ...(user ? { username: decodeURIComponent(user) } : {}),
    ...(pass ? { password: decodeURIComponent(pass) } : {}),
  };
  const tls = scheme === 'rediss';
  if (mode === 'cluster') {
    if (path && path !== '/') throw new RedisUrlError(`a Redis Cluster has no database number or name: drop "${path}", e.g. ${example}`);
    return { kind: 'cluster', nodes, ...cred, tls };
  }
  const [name, db = '0', ...more] = path.split('/').filter(Boolean);
  if (!name || more.length || !/^\d+$/.test(db))
    throw new RedisUrlError(`a Sentinel URL names the master group, and optionally a database: /mymaster or /mymaster/0, e.g. ${example}`);
  const params = new URLSearchParams(query);
  const sentinelUsername = params.get('sentinelUsername') ?? undefined;
  const sentinelPassword = params.get('sentinelPassword') ?? undefined;
  return {
    kind: 'sentinel',
    sentinels: nodes,
    name: decodeURIComponent(name),
    db: Number(db),
    ...cred,
    ...(sentinelUsername ? { sentinelUsername } : {}),
    ...(sentinelPassword ? { sentinelPassword } : {}),
    tls,
  };
}

/** The passwords in REDIS_URL (the config redacts them from logs and errors). */
export function redisUrlSecrets(url: string): string[] {
  try {
    const t = parseRedisUrl(url);
    if (t.kind === 'single') return [decodeURIComponent(new URL(url).password)];
    return [t.password ?? '', t.kind === 'sentinel' ? (t.sentinelPassword ?? '') : ''];
  } catch {
    return [];
  }
}

/** Whether REDIS_URL names a Redis Cluster (keys a script or queue touches together then need a shared hash tag). */
export const isClusterUrl = (url: string): boolean => /^rediss?\+cluster:/.test(url);
