/**
 * HTTP routes: /graphql (POST; GET for queries), /healthz, /readyz. Authentication happens here,
 * before GraphQL: a bad token is answered 401 with no execution and no upstream call.
 */
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { fastifyApolloDrainPlugin, fastifyApolloHandler } from '@as-integrations/fastify';
import type { ApolloGateway } from '@apollo/gateway';
import Fastify, { LogController, type FastifyBaseLogger, type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../auth/context.js';
import { ANONYMOUS, type Principal } from '../auth/principal.js';
import { bearerToken, type TokenVerifier } from '../auth/tokens.js';
import type { Config } from '../config/index.js';
import { ErrorCode, formatError } from '../errors/index.js';
import { replyError } from '../errors/http.js';
import type { Logger } from '../platform/logger.js';
import { introspectionPlugin } from '../gateway/introspection.js';
import { registerSandbox, type OutboxMail } from './sandbox.js';
import type { PartnerStore } from '../auth/partners.js';
import type { Redis } from 'ioredis';
import type { Deferred } from '../platform/deferred.js';
import { createKeyValueCache, type CacheStore, type RedisLiveness } from '../platform/cache.js';
import { registerRateLimits } from '../guards/rate-limits.js';
import type { Metrics } from '../platform/metrics.js';
import { shippedPath } from '../platform/shipped.js';
import { ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { guardsPlugin } from '../guards/plugin.js';
import { upstreamCosts } from '../guards/cost.js';
import { vendorsInUse } from '../vendors/index.js';
import { createTrustedDocuments } from '../guards/trusted-documents.js';
import { registerHttpGuards } from '../guards/http.js';
import { createSourceCheck } from '../guards/limits.js';
import type { LocalCaches } from '../platform/local-cache.js';
import { registerMetrics } from './metrics.js';
import { configSecrets, createRedactor, observabilityPlugin, principalFields, registerObservability } from './observe.js';
import type { AuditLog } from '../audit/index.js';
import { auditReadsPlugin } from '../audit/reads.js';
import { createIdempotency } from './idempotency.js';
import { createInFlightLimit, type InFlightTicket } from '../guards/in-flight.js';
import { tooDeepPart } from '../guards/json-depth.js';
import type { GraphQLBody, ResponseCache, ResponseCacheMiss } from '../gateway/response-cache.js';
import type { Realtime } from '../realtime/index.js';
import { subscriptionSchema } from '../realtime/operation.js';
import type { DurableQueue } from '../platform/queue.js';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal;
  }
}

export interface HttpServerOptions {
  config: Readonly<Config>;
  gateway: ApolloGateway;
  verifier: TokenVerifier;
  logger: Logger;
  metrics: Metrics;
  /** Where the server's in-process caches (the token-count memo) are reported. @default unreported */
  caches?: LocalCaches;
  partners: PartnerStore;
  /** The development SMTP simulator's sent emails, for the sandbox's outbox. */
  outbox?: () => readonly OutboxMail[];
  /** Where automatic persisted queries live (the cache's store: Redis when configured). */
  apqStore: CacheStore;
  redis?: Redis;
  /** The durable queues (webhook events, replicas, automations, notifications): /readyz reports each producer. */
  queues?: readonly Pick<DurableQueue, 'name' | 'ready'>[];
  /** Shared Redis liveness (platform/cache.ts): rate limits count locally while Redis is stalled or down. */
  liveness?: RedisLiveness;
  /** More Apollo plugins (e.g. the prefetch plugin), run after the built-in ones. */
  plugins?: ApolloServerPlugin<RequestContext>[];
  /** Records staff and partner reads of customers (src/audit). */
  audit?: AuditLog;
  /** Whole cached responses (gateway/response-cache.ts): a hit is answered here, before Apollo. */
  responseCache?: Pick<ResponseCache, 'lookup' | 'rememberMiss'>;
  /** Retries of bookkeeping Redis could not take at once (platform/deferred.ts): a keyed write's kept response. */
  deferred?: Deferred;
  /** Subscriptions (src/realtime): their routes use this server's authentication; their derived queries count as trusted. */
  realtime?: Pick<Realtime, 'register' | 'allowsDerived'>;
}

/** Bound of the readiness PING: a Redis that does not answer within it is reported down. */
const READY_PING_MS = 1000;

/** Whether `redis` is connected and answers a PING within READY_PING_MS (a stalled server does not). */
async function redisAnswers(redis: Redis): Promise<boolean> {
  if (redis.status !== 'ready') return false;
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => (timer = setTimeout(() => resolve(false), READY_PING_MS)));
  try {
    return await Promise.race([
      redis.ping().then(
        (pong) => pong === 'PONG',
        () => false,
      ),
      late,
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export interface HttpServer {
  fastify: FastifyInstance;
  apollo: ApolloServer<RequestContext>;
}

const WWW_AUTHENTICATE = 'Bearer realm="portico"';

/** Apollo answers `application/json` unless the client asks for `application/graphql-response+json` (then Apollo answers). */
function acceptsJson(accept: string | undefined): boolean {
  return !accept || (!accept.includes('graphql-response') && (accept.includes('application/json') || accept.includes('*/*')));
}

/** Operation names are client-chosen: label the first 100 seen, the rest as "other", so a client cannot blow up the metric's cardinality. */
function operationLabels() {
  const seen = new Set<string>();
  return (name: string | null) => {
    if (!name) return 'anonymous';
    if (seen.has(name)) return name;
    if (seen.size < 100 && /^[A-Za-z_]\w{0,63}$/.test(name)) return (seen.add(name), name);
    return 'other';
  };
}

function metricsPlugin(metrics: Metrics, label: (name: string | null) => string): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      const end = metrics.graphqlRequests.startTimer();
      return {
        async willSendResponse({ response, operationName }) {
          const failed = response.body.kind === 'single' && (response.body.singleResult.errors?.length ?? 0) > 0;
          end({ operation: label(operationName ?? null), outcome: failed ? 'error' : 'ok' });
        },
      };
    },
  };
}

/** Anonymous requests that hit a policy get HTTP 401 with a Bearer challenge, as RFC 6750 asks. */
const unauthenticatedStatusPlugin: ApolloServerPlugin<RequestContext> = {
  async requestDidStart() {
    return {
      async willSendResponse({ response, contextValue }) {
        if (contextValue.principal.kind !== 'anonymous' || response.body.kind !== 'single') return;
        const errors = response.body.singleResult.errors ?? [];
        if (errors.some((e) => e.extensions?.code === ErrorCode.UNAUTHENTICATED)) {
          response.http.status = 401;
          response.http.headers.set('www-authenticate', WWW_AUTHENTICATE);
        }
      },
    };
  },
};

/**
 * The operations of clients/operations (hash -> document), registered as persisted queries at
 * start-up, so web and mobile clients built with the generated manifest can send the hash alone
 * from their first call. Apollo Server keys APQ entries as `apq:<sha256>` inside the cache it is given.
 */
function persistedManifest(): Map<string, string> {
  const file = shippedPath('clients/generated/persisted-documents.json');
  return new Map(file ? Object.entries(JSON.parse(readFileSync(file, 'utf8')) as Record<string, string>) : []);
}

async function preloadPersistedDocuments(apq: ReturnType<typeof createKeyValueCache>, manifest: Map<string, string>, logger: Logger) {
  await Promise.all([...manifest].map(([hash, doc]) => apq.set(`apq:${hash}`, doc, { ttl: 30 * 86_400 })));
  logger.debug({ operations: manifest.size }, 'persisted operations registered');
}

export async function createHttpServer(o: HttpServerOptions): Promise<HttpServer> {
  const { config, logger } = o;
  const checkSource = createSourceCheck({ caches: o.caches, maxBytes: config.cache.local.tokenCountsBytes });
  const fastify: FastifyInstance = Fastify({
    // eslint-disable-next-line @typescript-eslint/no-unnecessary-type-assertion -- the cast picks Fastify's logger generic; without it the instance is not a FastifyInstance
    loggerInstance: logger as FastifyBaseLogger,
    bodyLimit: config.limits.maxBodyBytes,
    logController: new LogController({ disableRequestLogging: true }),
    ...(config.guards.trustProxy !== undefined ? { trustProxy: config.guards.trustProxy as boolean } : {}),
    genReqId: (req) =>
      typeof req.headers['x-request-id'] === 'string' && /^[\w-]{1,64}$/.test(req.headers['x-request-id'])
        ? req.headers['x-request-id']
        : randomUUID(),
  });
  registerObservability(fastify, { principalOf: principalFields, metrics: o.metrics });
  // Draining (SIGTERM): a request already in flight is answered, and its keep-alive connection is
  // closed with it. Otherwise that connection (idle only once its answer is sent, after close() has
  // closed the idle ones) holds server.close() open until the force timer exits 1.
  let closing = false;
  fastify.addHook('preClose', async () => {
    closing = true;
  });
  fastify.addHook('onSend', async (_req, reply) => {
    if (closing) reply.header('connection', 'close');
  });

  const apq = createKeyValueCache(o.apqStore, `${config.keyPrefix}:apq:`);
  const operationLabel = operationLabels();
  const manifest = persistedManifest();
  const documents = createTrustedDocuments();
  const realtime = o.realtime;
  // A push runs the query derived from a subscription document that was itself checked (src/realtime).
  const trusted = realtime ? { allows: (h: string, p: Principal) => documents.allows(h, p) || realtime.allowsDerived(h, p) } : documents;
  const apollo = new ApolloServer<RequestContext>({
    gateway: o.gateway,
    formatError,
    includeStacktraceInErrorResponses: false,
    // main.ts owns SIGTERM/SIGINT and closes everything in order (Apollo's own handler would race it).
    stopOnTerminationSignals: false,
    // Introspection is answered by introspectionPlugin, per principal.
    introspection: true,
    persistedQueries: { cache: apq, ttl: 7 * 86_400 },
    plugins: [
      fastifyApolloDrainPlugin(fastify),
      unauthenticatedStatusPlugin,
      guardsPlugin({
        guards: config.guards,
        costs: upstreamCosts(vendorsInUse(config)),
        production: config.env === 'production',
        trusted,
        checkSource,
      }),
      introspectionPlugin({ allowAnonymous: config.limits.introspection, extend: o.realtime ? subscriptionSchema : undefined }),
      metricsPlugin(o.metrics, operationLabel),
      ApolloServerPluginLandingPageDisabled(),
      observabilityPlugin({ logger, redact: createRedactor(configSecrets(config)) }),
      ...(o.audit ? [auditReadsPlugin({ audit: o.audit, system: config.crm.vendor })] : []),
      ...(o.plugins ?? []),
    ],
    logger,
  });
  await apollo.start();
  o.apqStore.onReady(
    () =>
      void preloadPersistedDocuments(apq, manifest, logger).catch((err) =>
        logger.warn({ err: (err as Error).message }, 'could not register the persisted operations'),
      ),
  );

  // Set by the preHandler on every /graphql request (Fastify wants null, not an object, as the default).
  (fastify.decorateRequest as (name: string, value: unknown) => void)('principal', null);
  fastify.setErrorHandler((err: { statusCode?: number; code?: string }, req, reply) => {
    const status = err.statusCode && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 413)
      return replyError(reply, 'BODY_TOO_LARGE', `The request body is larger than ${config.limits.maxBodyBytes} bytes (MAX_BODY_BYTES).`);
    if (status < 500)
      return replyError(reply, 'MALFORMED_REQUEST', 'The request is malformed: send a JSON body like {"query": "{ me { id } }"}.', {
        status,
      });
    req.log.error({ err }, 'unhandled error');
    return replyError(reply, 'INTERNAL', 'Internal server error.');
  });

  const rateLimits = await registerRateLimits(fastify, config, o.redis, o.liveness);
  const httpGuards = await registerHttpGuards(fastify, config, checkSource);

  const authenticate = async (req: FastifyRequest, reply: FastifyReply) => {
    try {
      const token = bearerToken(req.headers.authorization);
      req.principal = token ? await o.verifier.verify(token) : ANONYMOUS;
    } catch (err) {
      const message = err instanceof GraphQLError ? err.message : 'The token is not accepted.';
      const limited = await rateLimits.countFailedAuth(req, reply);
      if (limited) return limited;
      return replyError(reply, 'UNAUTHENTICATED', message, {
        headers: { 'www-authenticate': `${WWW_AUTHENTICATE}, error="invalid_token"` },
      });
    }
    const limited = await rateLimits.check(req, reply);
    if (limited) return limited;
    return httpGuards.check(req, reply);
  };

  const inFlight =
    config.operations.maxInFlight > 0
      ? createInFlightLimit({
          max: config.operations.maxInFlight,
          queueMax: config.operations.queueMax,
          waitMs: config.operations.queueWaitMs,
          registry: o.metrics.registry,
        })
      : undefined;

  /** The turns (MAX_OPERATIONS_IN_FLIGHT) of operations admitted to execute, given back when they end. */
  const turns = new WeakMap<FastifyRequest, InFlightTicket>();

  const idempotency = createIdempotency({
    url: config.redis.url,
    prefix: config.keyPrefix,
    ttlS: config.idempotency.ttlS,
    lockS: config.idempotency.lockS,
    logger,
    persistedDocument: (hash) => apq.get(`apq:${hash}`),
    deferred: o.deferred,
  });
  fastify.addHook('onClose', () => idempotency.close());
  /** Misses the HTTP layer read, by request, for the request's context (then dropped with the request). */
  const cacheMisses = new WeakMap<FastifyRequest, ResponseCacheMiss>();
  const missState = (req: FastifyRequest) => {
    const perRequest = new Map<symbol, unknown>();
    const miss = cacheMisses.get(req);
    if (miss && o.responseCache) o.responseCache.rememberMiss(perRequest, miss);
    return perRequest;
  };
  const handler = fastifyApolloHandler(apollo, {
    context: async (req: FastifyRequest): Promise<RequestContext> => ({
      principal: req.principal ?? ANONYMOUS,
      requestId: String(req.id),
      logger: req.log as Logger,
      perRequest: missState(req),
      ...idempotency.contextOf(req),
    }),
  });
  fastify.route({
    method: ['GET', 'POST', 'OPTIONS'],
    url: '/graphql',
    preHandler: async (req, reply) => {
      // Before any other work: everything after this (the cache key, the idempotency fingerprint,
      // Apollo's variable coercion, log lines) walks variables recursively.
      const deep = tooDeepPart(req, config.limits.maxJsonDepth);
      if (deep !== undefined)
        return replyError(
          reply,
          'BAD_USER_INPUT',
          `${deep} is nested more than ${config.limits.maxJsonDepth} levels deep (MAX_JSON_DEPTH=${config.limits.maxJsonDepth}). Send flatter JSON, e.g. "variables": {"input": {"subject": "Help"}}.`,
          { extensions: { limit: 'jsonDepth', allowed: config.limits.maxJsonDepth } },
        );
      // A browser opening the endpoint in development lands on the sandbox.
      if (
        req.method === 'GET' &&
        config.sandbox &&
        config.env !== 'production' &&
        !(req.query as Record<string, unknown>).query &&
        String(req.headers.accept ?? '').includes('text/html')
      )
        return reply.redirect('/sandbox');
      const refused = await authenticate(req, reply);
      if (refused || reply.sent) return refused;
      const replayed = await idempotency.preHandler(req, reply);
      if (replayed || reply.sent) return replayed;
      if (req.method === 'POST' && o.responseCache && acceptsJson(req.headers.accept)) {
        const served = await serveCached(req, reply, o.responseCache);
        if (served || reply.sent) return served;
      }
      return admit(req, reply);
    },
    onSend: (req, reply, payload) => idempotency.onSend(req, reply, payload),
    async handler(req, reply) {
      try {
        return await handler.call(this, req, reply);
      } finally {
        turns.get(req)?.release();
        turns.delete(req);
      }
    },
  });

  // Other methods on the endpoint are 405 naming the ones it serves (RFC 9110 15.5.6), answered
  // on arrival: before the body is parsed (a DELETE declaring JSON without a body is no 400).
  fastify.route({
    method: ['PUT', 'DELETE', 'PATCH'],
    url: '/graphql',
    onRequest: async (req, reply) =>
      replyError(
        reply,
        'METHOD_NOT_ALLOWED',
        `${req.method} is not served on /graphql: send queries with GET or POST and mutations with POST.`,
        { headers: { allow: 'GET, POST' } },
      ),
    handler: async () => undefined,
  });

  /**
   * An operation about to execute takes a turn (MAX_OPERATIONS_IN_FLIGHT), waiting in the bounded
   * queue when none is free; it gives the turn back when its execution ends (the route's handler,
   * see `turns`), or leaves the queue when its client goes away while waiting. No turn: 503
   * OVERLOADED with Retry-After, before anything ran.
   */
  async function admit(req: FastifyRequest, reply: FastifyReply) {
    if (!inFlight) return undefined;
    const ticket = inFlight.enter();
    // A client gone while waiting leaves the queue; once executing, the turn is given back when the
    // execution ends (the handler's `finally`), even if the client went away before: an operation
    // whose client timed out still runs to its end, and must not make room for another meanwhile.
    const gone = () => {
      if (!turns.has(req)) ticket.release();
    };
    reply.raw.once('close', gone);
    // A client gone before its turn was taken: `close` was emitted already.
    // (Not `req.raw.destroyed`: the request stream is destroyed as soon as its body was read.)
    if (reply.raw.destroyed || req.raw.socket?.destroyed) ticket.release();
    const admitted = await ticket.admitted;
    if (admitted === 'run') {
      turns.set(req, ticket);
      return undefined;
    }
    const { maxInFlight, queueMax, queueWaitMs } = config.operations;
    return replyError(
      reply,
      'OVERLOADED',
      admitted === 'full'
        ? `This instance is executing ${maxInFlight} operations (MAX_OPERATIONS_IN_FLIGHT) with ${queueMax} more waiting (OPERATIONS_QUEUE_MAX). Nothing was run: send it again shortly.`
        : `No turn to execute came within ${queueWaitMs} ms (OPERATIONS_QUEUE_WAIT_MS; MAX_OPERATIONS_IN_FLIGHT=${maxInFlight}). Nothing was run: send it again shortly.`,
      { retryAfterS: 1, extensions: { limit: 'operationsInFlight', allowed: maxInFlight, retryAfter: 1 } },
    );
  }

  /**
   * A whole cached response, answered without Apollo: the token was verified and the rate limits
   * and document limits checked above; the entry exists only because this principal's
   * visibility, this document and these variables ran through the whole pipeline (validation,
   * guards, authorization) without an error. Everything else falls through to Apollo.
   */
  async function serveCached(req: FastifyRequest, reply: FastifyReply, cache: Pick<ResponseCache, 'lookup' | 'rememberMiss'>) {
    const end = o.metrics.graphqlRequests.startTimer();
    const body = req.body as (GraphQLBody & { extensions?: { persistedQuery?: { sha256Hash?: unknown } } }) | undefined;
    // A generated client's operation by its hash alone: the shipped manifest has its text.
    const hash = body?.extensions?.persistedQuery?.sha256Hash;
    // Text and hash together are Apollo's to check against each other.
    if (hash !== undefined && body?.query !== undefined) return undefined;
    const query = body?.query ?? (typeof hash === 'string' ? manifest.get(hash) : undefined);
    const hit = await cache.lookup({ principal: req.principal ?? ANONYMOUS, requestId: String(req.id) }, body && { ...body, query });
    if (hit === undefined) return undefined;
    if (!hit.hit) {
      // Apollo runs it; its plugin stores the result under the key and tag versions read here.
      cacheMisses.set(req, hit.miss);
      return undefined;
    }
    const name = hit.operationName;
    const stats = req.observed?.stats;
    if (stats) {
      stats.operation = name;
      stats.operationType = 'query';
    }
    end({ operation: operationLabel(name), outcome: 'ok' });
    return reply.type('application/json; charset=utf-8').send(hit.body);
  }

  realtime?.register(fastify, { authenticate });

  if (config.sandbox) registerSandbox(fastify, { config, partners: o.partners, outbox: o.outbox });

  fastify.get('/healthz', async () => ({ status: 'ok' }));
  // Ready once the gateway has composed and started (above), and while Redis answers and every
  // durable queue's producer is connected: an instance that cannot reach them answers webhooks
  // 503, refuses keyed writes and counts rate limits alone, so the load balancer should send its
  // traffic elsewhere. 503 names what is down; ready again as soon as it is back.
  fastify.get('/readyz', async (_req, reply) => {
    const redis = o.redis ? ((await redisAnswers(o.redis)) ? 'up' : 'down') : 'not configured';
    const queues = Object.fromEntries((o.queues ?? []).map((q) => [q.name, q.ready() ? 'up' : 'down']));
    const down = [
      ...(redis === 'down' ? ['redis'] : []),
      ...Object.entries(queues)
        .filter(([, state]) => state === 'down')
        .map(([name]) => `queue:${name}`),
    ];
    if (down.length > 0) return reply.code(503).send({ status: 'not ready', down, redis, queues });
    return { status: 'ready', redis, queues };
  });
  await registerMetrics(fastify, { config, metrics: o.metrics, logger });

  return { fastify, apollo };
}
