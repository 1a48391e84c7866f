/**
 * Request rate limits, one per principal kind, in one table: users per token subject, partners per
 * partner token, callers without a valid token per client IP. Counted by @fastify/rate-limit in
 * Redis when configured, so every instance counts together; while Redis is down or stalled each
 * instance counts alone (guards/rate-limit-store.ts), and any other store failure lets the request
 * through (skipOnError) rather than failing it.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config/index.js';
import { replyError } from '../errors/http.js';
import type { RedisLiveness } from '../platform/cache.js';
import { failoverRateLimitStore } from './rate-limit-store.js';

interface KindLimit<P extends Principal> {
  /** The counter a request of this kind counts against. */
  key(p: P, req: FastifyRequest): string;
  perMinute(config: Readonly<Config>): number;
  /** Who is limited, as the refusal says it. */
  who: string;
  /** The setting that raises it. */
  setting: string;
}

type Limits = { [K in Principal['kind']]: KindLimit<Extract<Principal, { kind: K }>> };

const ipKey = (req: FastifyRequest) => `ip:${req.ip}`;

/** The limit of every principal kind. A request whose token was refused counts as `anonymous` (its IP). */
const LIMITS: Limits = {
  user: {
    key: (p) => `user:${p.subject}`,
    perMinute: (c) => c.guards.userRateLimitPerMinute,
    who: 'This token',
    setting: 'USER_RATE_LIMIT_PER_MINUTE',
  },
  partner: {
    key: (p) => `partner:${p.partnerId}`,
    perMinute: (c) => c.partnerRateLimitPerMinute,
    who: 'This partner token',
    setting: 'PARTNER_RATE_LIMIT_PER_MINUTE',
  },
  anonymous: {
    key: (_p, req) => ipKey(req),
    perMinute: (c) => c.guards.anonymousRateLimitPerMinute,
    who: 'Requests without a token',
    setting: 'ANONYMOUS_RATE_LIMIT_PER_MINUTE',
  },
};

export interface RateLimits {
  /** After authentication: a 429 reply when the principal's limit is exceeded, undefined to go on. */
  check(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** A request whose token was refused counts against its IP like an anonymous one. */
  countFailedAuth(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
}

export async function registerRateLimits(
  fastify: FastifyInstance,
  config: Readonly<Config>,
  redis?: Redis,
  liveness?: RedisLiveness,
): Promise<RateLimits> {
  const nameSpace = `${config.keyPrefix}:rl:`;
  await fastify.register(fastifyRateLimit, {
    global: false,
    ...(redis && liveness ? { store: failoverRateLimitStore({ redis, liveness, nameSpace }) } : { redis }),
    nameSpace,
    skipOnError: true,
  });
  // One limiter per kind; each request's key is computed before it is counted (see `limited`).
  const keyOf = new WeakMap<FastifyRequest, string>();
  const limiters = Object.fromEntries(
    (Object.keys(LIMITS) as Principal['kind'][]).map((kind) => [
      kind,
      fastify.createRateLimit({ max: LIMITS[kind].perMinute(config), timeWindow: 60_000, keyGenerator: (req) => keyOf.get(req) ?? 'none' }),
    ]),
  ) as Record<Principal['kind'], ReturnType<FastifyInstance['createRateLimit']>>;

  const limited = async (req: FastifyRequest, reply: FastifyReply, kind: Principal['kind'], key: string, who: string) => {
    // While Redis is down or stalled the store counts in this process (guards/rate-limit-store.ts),
    // without first waiting out the connection's reconnect deadline on every request. Without
    // that store (no shared liveness), a Redis that is not connected skips the count.
    if (redis && !liveness && redis.status !== 'ready') return undefined;
    keyOf.set(req, key);
    const r = await limiters[kind](req);
    if (r.isAllowed || !r.isExceeded) return undefined;
    return replyError(
      reply,
      'RATE_LIMITED',
      `${who} may make ${r.max} requests a minute (${LIMITS[kind].setting}). Retry after ${r.ttlInSeconds} s.`,
      { retryAfterS: r.ttlInSeconds, extensions: { retryAfter: r.ttlInSeconds } },
    );
  };
  const limitOf = <P extends Principal>(p: P): KindLimit<P> => LIMITS[p.kind] as KindLimit<P>;

  return {
    check(req, reply) {
      const p = req.principal;
      const l = limitOf(p);
      return limited(req, reply, p.kind, l.key(p, req), l.who);
    },
    countFailedAuth: (req, reply) => limited(req, reply, 'anonymous', ipKey(req), 'Requests without a valid token'),
  };
}
