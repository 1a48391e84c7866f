/**
 * Guards that run in the HTTP layer, after authentication and before Apollo parses anything:
 * rate limits for users (per token subject) and for callers without a valid token (per client IP),
 * shared through Redis like the partner limits; the size and token count of the GraphQL document
 * per principal kind; and the CORS allow-list for browser clients.
 */
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Redis } from 'ioredis';
import type { RedisLiveness } from '../platform/cache.js';
import type { Config } from '../config/index.js';
import { ErrorCode } from '../errors/index.js';
import { checkSource } from './limits.js';

export interface HttpGuards {
  /** After authentication: a reply when the request is refused, undefined to go on. */
  check(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** A request whose token was refused counts against its IP like an anonymous one. */
  countFailedAuth(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
}

const send = (reply: FastifyReply, status: number, code: ErrorCode, message: string, extra: Record<string, unknown> = {}) =>
  reply
    .status(status)
    .type('application/json')
    .send({ errors: [{ message, extensions: { code, ...extra } }] });

/** The GraphQL document of a POST body or a GET query string, when there is one. */
function documentOf(req: FastifyRequest): string | undefined {
  const from = req.method === 'GET' ? req.query : req.body;
  const query = from && typeof from === 'object' && !Array.isArray(from) ? (from as Record<string, unknown>).query : undefined;
  return typeof query === 'string' ? query : undefined;
}

export async function registerHttpGuards(
  fastify: FastifyInstance,
  config: Readonly<Config>,
  redis?: Redis,
  liveness?: RedisLiveness,
): Promise<HttpGuards> {
  const g = config.guards;
  if (g.corsOrigins.length > 0) {
    await fastify.register(cors, {
      origin: g.corsOrigins,
      methods: ['GET', 'POST'],
      allowedHeaders: ['authorization', 'content-type', 'x-request-id', 'apollo-require-preflight', 'idempotency-key'],
      exposedHeaders: ['retry-after', 'www-authenticate'],
      maxAge: 600,
    });
  }
  const userLimit = fastify.createRateLimit({
    max: g.userRateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => (req.principal?.kind === 'user' ? `user:${req.principal.subject}` : 'none'),
  });
  const ipLimit = fastify.createRateLimit({
    max: g.anonymousRateLimitPerMinute,
    timeWindow: 60_000,
    keyGenerator: (req) => `ip:${req.ip}`,
  });

  const limited = async (req: FastifyRequest, reply: FastifyReply, limiter: typeof ipLimit, what: string, setting: string) => {
    // While Redis is down or stalled the store counts in this process (guards/rate-limit-store.ts),
    // without first waiting out the connection's reconnect deadline on every user request. Without
    // that store (no shared liveness), a Redis that is not connected skips the count.
    if (redis && !liveness && redis.status !== 'ready') return undefined;
    const r = await limiter(req);
    if (r.isAllowed || !r.isExceeded) return undefined;
    reply.header('retry-after', String(r.ttlInSeconds));
    return send(
      reply,
      429,
      ErrorCode.RATE_LIMITED,
      `${what} may make ${r.max} requests a minute (${setting}). Retry after ${r.ttlInSeconds} s.`,
      { retryAfter: r.ttlInSeconds },
    );
  };

  return {
    async check(req, reply) {
      const p = req.principal;
      const refused =
        p.kind === 'user'
          ? await limited(req, reply, userLimit, 'This token', 'USER_RATE_LIMIT_PER_MINUTE')
          : p.kind === 'anonymous'
            ? await limited(req, reply, ipLimit, 'Requests without a token', 'ANONYMOUS_RATE_LIMIT_PER_MINUTE')
            : undefined;
      if (refused) return refused;
      const source = documentOf(req);
      const tooBig = source === undefined ? undefined : checkSource(source, p.kind, g.limits[p.kind]);
      if (tooBig)
        return send(reply, 400, ErrorCode.QUERY_TOO_COMPLEX, tooBig.message, {
          limit: tooBig.extensions.limit,
          allowed: tooBig.extensions.allowed,
        });
      return undefined;
    },
    countFailedAuth: (req, reply) => limited(req, reply, ipLimit, 'Requests without a valid token', 'ANONYMOUS_RATE_LIMIT_PER_MINUTE'),
  };
}
