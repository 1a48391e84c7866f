/**
 * Guards that run in the HTTP layer, after authentication (and the rate limits, guards/rate-limits.ts)
 * and before Apollo parses anything: the size and token count of the GraphQL document per principal
 * kind; and the CORS allow-list for browser clients.
 */
import cors from '@fastify/cors';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Config } from '../config/index.js';
import { replyError } from '../errors/http.js';
import type { SourceCheck } from './limits.js';

export interface HttpGuards {
  /** After authentication: a reply when the request is refused, undefined to go on. */
  check(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
}

/** The GraphQL document of a POST body or a GET query string, when there is one. */
function documentOf(req: FastifyRequest): string | undefined {
  const from = req.method === 'GET' ? req.query : req.body;
  const query = from && typeof from === 'object' && !Array.isArray(from) ? (from as Record<string, unknown>).query : undefined;
  return typeof query === 'string' ? query : undefined;
}

export async function registerHttpGuards(
  fastify: FastifyInstance,
  config: Readonly<Config>,
  checkSource: SourceCheck,
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
  return {
    async check(req, reply) {
      const p = req.principal;
      const source = documentOf(req);
      const tooBig = source === undefined ? undefined : checkSource(source, p.kind, g.limits[p.kind]);
      if (tooBig)
        return replyError(reply, 'QUERY_TOO_COMPLEX', tooBig.message, {
          extensions: { limit: tooBig.extensions.limit, allowed: tooBig.extensions.allowed },
        });
      return undefined;
    },
  };
}
