/**
 * One subgraph as its own HTTP service. It trusts only the gateway-signed claims header: a
 * request without one, or with a forged or stale one, is answered 401 and never executed.
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import {
  CLAIMS_HEADER,
  claimsIdempotencyKey,
  DEFAULT_CLAIMS_MAX_AGE_S,
  claimsNonce,
  memoryClaimsNonces,
  verifyClaims,
  type ClaimsBinding,
  type ClaimsNonces,
} from '../auth/claims.js';
import type { RequestContext } from '../auth/context.js';
import { UnauthenticatedError, formatError } from '../errors/index.js';
import { replyError } from '../errors/http.js';
import type { Logger } from '../platform/logger.js';
import { createRedactor, observabilityPlugin, registerObservability } from './observe.js';

/** The request id and GraphQL request a claims header must be bound to. */
function bindingOf(req: FastifyRequest): ClaimsBinding {
  const body = (req.body && typeof req.body === 'object' ? req.body : {}) as ClaimsBinding['request'];
  return {
    requestId: String(req.headers['x-request-id'] ?? ''),
    request: { query: body.query, operationName: body.operationName, variables: body.variables },
  };
}

export async function createSubgraphServer(o: {
  schema: GraphQLSchema;
  signingSecret: string;
  logger: Logger;
  claimsMaxAgeS?: number;
  /** Where used claims nonces are remembered (Redis when several replicas share a load balancer). */
  nonces?: ClaimsNonces;
}): Promise<{ fastify: FastifyInstance; close(): Promise<void> }> {
  const fastify: FastifyInstance = Fastify({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the cast picks Fastify's logger generic; without it the instance is not a FastifyInstance
    loggerInstance: o.logger as FastifyBaseLogger,
    logController: new LogController({ disableRequestLogging: true }),
    // The gateway's request id, so its log lines and this service's share it.
    genReqId: (req) =>
      typeof req.headers['x-request-id'] === 'string' && /^[\w-]{1,64}$/.test(req.headers['x-request-id'])
        ? req.headers['x-request-id']
        : randomUUID(),
  });
  registerObservability(fastify);
  const nonces = o.nonces ?? memoryClaimsNonces();
  // A nonce is remembered past the header's life on either side of the clock skew the age check allows.
  const nonceTtlS = 2 * (o.claimsMaxAgeS ?? DEFAULT_CLAIMS_MAX_AGE_S) + 1;
  const apollo = new ApolloServer<RequestContext>({
    schema: o.schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [fastifyApolloDrainPlugin(fastify), observabilityPlugin({ logger: o.logger, redact: createRedactor([o.signingSecret]) })],
  });
  await apollo.start();
  const handler = fastifyApolloHandler(apollo, {
    context: async (req: FastifyRequest): Promise<RequestContext> => ({
      principal: verifyClaims(req.headers[CLAIMS_HEADER] as string | undefined, o.signingSecret, bindingOf(req), {
        maxAgeS: o.claimsMaxAgeS,
      }),
      requestId: String(req.headers['x-request-id'] ?? req.id),
      logger: req.log as Logger,
      perRequest: new Map(),
      idempotencyKey: claimsIdempotencyKey(req.headers[CLAIMS_HEADER] as string | undefined),
    }),
  });
  fastify.post('/graphql', {
    preHandler: async (req, reply) => {
      const header = req.headers[CLAIMS_HEADER] as string | undefined;
      try {
        verifyClaims(header, o.signingSecret, bindingOf(req), { maxAgeS: o.claimsMaxAgeS });
        if (!(await nonces.firstUse(claimsNonce(header ?? ''), nonceTtlS))) throw new UnauthenticatedError('Gateway claims already used.');
      } catch (err) {
        return replyError(reply, 'UNAUTHENTICATED', (err as Error).message);
      }
    },
    handler,
  });
  fastify.get('/healthz', async () => ({ status: 'ok' }));
  return {
    fastify,
    async close() {
      await fastify.close();
      await apollo.stop();
    },
  };
}
