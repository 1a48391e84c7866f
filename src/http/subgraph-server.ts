/**
 * One subgraph as its own HTTP service. It accepts two kinds of caller:
 *
 * - Portico's gateway: the gateway-signed claims header (a forged, stale, replayed or
 *   other-request header is answered 401 and never executed);
 * - any federation router in front (Apollo Router, Hive Gateway, Cosmo) forwarding the caller's
 *   own `Authorization: Bearer` token (with `verifier`): user JWTs are verified against the same
 *   JWKS/issuer/audience as the gateway's, partner tokens against the partner store. The subgraph
 *   then applies the gateway's document limits for that caller (depth, aliases, directives,
 *   repeated fields, writes per operation) itself; field policies, scopes, ownership and partner
 *   allow-lists live in the resolvers and hold for both. Trusted documents and rate limits are the
 *   router's to enforce (a router sends its own query plan's documents, never the client's).
 *
 * Anything else (no credentials, a bad token) is a 401.
 */
import { randomUUID } from 'node:crypto';
import { ApolloServer } from '@apollo/server';
import { ApolloServerPluginInlineTraceDisabled } from '@apollo/server/plugin/disabled';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyRequest } from 'fastify';
import { GraphQLError, type GraphQLSchema } from 'graphql';
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
import type { Principal } from '../auth/principal.js';
import { bearerToken, type TokenVerifier } from '../auth/tokens.js';
import type { Config } from '../config/index.js';
import { checkDocument, TooComplexError } from '../guards/limits.js';
import { writeKeys } from '../guards/writes.js';
import type { ApolloServerPlugin } from '@apollo/server';
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
  /** Verifies a caller's own token forwarded by a router; absent: only the gateway's claims are accepted. */
  verifier?: TokenVerifier;
  /** The document limits per principal kind (GUARDS), applied to callers with a forwarded token. */
  limits?: Config['guards']['limits'];
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
  /** Principals of requests that came with a forwarded token (verified in the preHandler). */
  const forwarded = new WeakMap<FastifyRequest, Principal>();
  // By principal, not by context: Apollo hands plugins a shallow copy of the context object.
  const forwardedPrincipals = new WeakSet<Principal>();
  const apollo = new ApolloServer<RequestContext>({
    schema: o.schema,
    formatError,
    includeStacktraceInErrorResponses: false,
    plugins: [
      fastifyApolloDrainPlugin(fastify),
      // Apollo turns inline traces (`apollo-federation-include-trace: ftv1`) on for a subgraph
      // schema: any caller could read every resolver's timings. Portico's own traces are OpenTelemetry.
      ApolloServerPluginInlineTraceDisabled(),
      observabilityPlugin({ logger: o.logger, redact: createRedactor([o.signingSecret]) }),
      ...(o.limits ? [forwardedLimits(o.limits, forwardedPrincipals)] : []),
    ],
  });
  await apollo.start();
  const handler = fastifyApolloHandler(apollo, {
    context: async (req: FastifyRequest): Promise<RequestContext> => {
      const principal = forwarded.get(req);
      if (principal) {
        const ctx: RequestContext = { principal, requestId: String(req.id), logger: req.log as Logger, perRequest: new Map() };
        forwardedPrincipals.add(principal);
        return ctx;
      }
      return {
        principal: verifyClaims(req.headers[CLAIMS_HEADER] as string | undefined, o.signingSecret, bindingOf(req), {
          maxAgeS: o.claimsMaxAgeS,
        }),
        requestId: String(req.headers['x-request-id'] ?? req.id),
        logger: req.log as Logger,
        perRequest: new Map(),
        idempotencyKey: claimsIdempotencyKey(req.headers[CLAIMS_HEADER] as string | undefined),
      };
    },
  });
  fastify.post('/graphql', {
    preHandler: async (req, reply) => {
      const header = req.headers[CLAIMS_HEADER] as string | undefined;
      const token = header === undefined && o.verifier ? bearerToken(req.headers.authorization) : undefined;
      if (token !== undefined) {
        try {
          const principal = await o.verifier!.verify(token);
          forwarded.set(req, principal);
          return;
        } catch (err) {
          return replyError(reply, 'UNAUTHENTICATED', err instanceof GraphQLError ? err.message : 'The token is not accepted.');
        }
      }
      try {
        if (header === undefined && o.verifier)
          throw new UnauthenticatedError(
            `Send the gateway's signed claims (${CLAIMS_HEADER}) or the caller's own token (Authorization: Bearer <token>), as a router forwards it.`,
          );
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

/**
 * The gateway's document limits for a caller whose token a router forwarded (the gateway's own
 * calls were checked by the gateway): depth, aliases, directives, repeated fields, writes.
 */
function forwardedLimits(limits: Config['guards']['limits'], forwarded: WeakSet<Principal>): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart({ contextValue }) {
      if (!forwarded.has(contextValue.principal)) return;
      const kind = contextValue.principal.kind;
      const l = limits[kind];
      return {
        async didResolveOperation({ document, operation, schema, request }) {
          const refused = checkDocument(schema, document, kind, l);
          if (refused) throw refused;
          const writes = operation ? writeKeys(operation, document, request.variables ?? {}) : [];
          if (writes.length > l.writes)
            throw new TooComplexError(
              kind,
              'writes',
              l.writes,
              `The operation has ${writes.length} writes; send each write as its own request.`,
            );
        },
      };
    },
  };
}
