/**
 * Composition root: wires config, connectors, subgraphs, gateway and HTTP. No logic of its own.
 */
import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { createTokenVerifier } from './auth/tokens.js';
import { loadConfig, type Config, type SubgraphName } from './config/index.js';
import { createGateway, SUBGRAPH_NAMES } from './gateway/index.js';
import { createHttpServer } from './http/server.js';
import { createBreaker, type Breaker } from './platform/breaker.js';
import { createHttpClient, type HttpClient } from './platform/http.js';
import { createUpstreamPolicy } from './platform/upstream.js';
import { createMemoryBudgetStore, createRedisBudgetStore, createVendorBudget, parseBudgets, type BudgetStore } from './platform/budget.js';
import { createLogger, type Logger } from './platform/logger.js';
import type { Redis } from 'ioredis';
import { createLogAuditLog, type AuditLog } from './audit/index.js';
import { createRedisAuditLog } from './audit/redis.js';
import { withAuditSpool } from './audit/spool.js';
import { createDeferred, type Deferred } from './platform/deferred.js';
import { createMemoryPartnerStore, createRedisPartnerStore, type PartnerStore } from './auth/partners.js';
import { createMetrics, type Metrics } from './platform/metrics.js';
import { countCache, countCacheError } from './platform/request-stats.js';
import { startTracing, type Tracing } from './platform/tracing.js';
import { createEntityCache, createMemoryStore, createRedisStore, type EntityCache, type RedisLiveness } from './platform/cache.js';
import { createBillingConnector, createBillingSubgraph, type BillingConnector } from './subgraphs/billing/index.js';
import { createAdminSubgraph } from './subgraphs/admin/index.js';
import { createCrmSubgraph } from './subgraphs/crm/index.js';
import type { CrmPort } from './ports/crm.js';
import { crmVendor, publishedBudgets, type CrmVendor } from './vendors/index.js';
import { startChangeFeed, type ChangeFeedRunner } from './webhooks/change-feed.js';
import { createFilesConnector, createFilesSubgraph, type FilesConnector } from './subgraphs/files/index.js';
import { createSupportConnector, createSupportSubgraph, type SupportConnector } from './subgraphs/support/index.js';
import { createMemoryLinks, createRedisLinks, type CustomerLinks } from './platform/links.js';
import { prefetchPlugin, type NamedPrefetcher, type Prefetcher } from './gateway/prefetch.js';
import { createResponseCache } from './gateway/response-cache.js';
import { createEventPipeline, registerWebhookRoutes, type CustomerLinkSeen, type EventPipeline } from './webhooks/index.js';
import { createReplicaPipeline, type ReplicaPipeline } from './replicas/index.js';
import { connectSimulatorWebhooks, withSimulators } from './dev/simulators.js';

export interface AppOptions {
  /** Parsed configuration; default: loadConfig(process.env). */
  config?: Readonly<Config>;
  logger?: Logger;
  /** Hook point of the customer-links store: every link a webhook event shows. @default does nothing */
  onLinkSeen?: (link: CustomerLinkSeen) => void | Promise<void>;
}

export interface App {
  config: Readonly<Config>;
  cache: EntityCache;
  shared: SharedState;
  /** Customer links (crm id <-> Stripe customer <-> Zendesk user <-> S3 prefix); `links.update` is the API for webhooks. */
  links: CustomerLinks;
  subgraphs: Subgraphs;
  fastify: FastifyInstance;
  logger: Logger;
  /** Webhook queues and workers (unavailable without Redis). */
  events: EventPipeline;
  /** Replica jobs (keeping Stripe and Zendesk in step with HubSpot) and reconciliation. */
  replicas: ReplicaPipeline;
  /** OpenTelemetry (a no-op unless an OTLP endpoint is configured). */
  tracing: Tracing;
  /** The CRM's change poller when the CRM has no webhooks (Salesforce) and workers run here. */
  changeFeed?: ChangeFeedRunner;
  /** Prometheus metrics served at /metrics. */
  metrics: Metrics;
  /** Bound URL after listen(), e.g. http://127.0.0.1:4000 */
  listen(): Promise<string>;
  close(): Promise<void>;
}

export interface Upstreams {
  crm: CrmPort;
  /** The CRM's vendor module (CRM_VENDOR). */
  crmVendor: CrmVendor;
  billing: BillingConnector;
  support: SupportConnector;
  files: FilesConnector;
  /** Circuit breaker per system, by vendor name (integrationHealth). */
  breakers: Readonly<Record<string, Breaker>>;
  close(): Promise<void>;
}

/** The vendor connectors, each with the shared upstream policy (platform/upstream.ts). */
export function createUpstreams(
  config: Readonly<Config>,
  logger: Logger,
  metrics?: Metrics,
  budgets: BudgetStore = createMemoryBudgetStore(),
): Upstreams {
  const { upstream } = config;
  const breakerGauge = (system: string, state: string) => metrics?.breakerOpen.set({ system }, state === 'closed' ? 0 : 1);
  for (const s of ['crm', 'billing', 'support', 'files']) breakerGauge(s, 'closed');
  const specs = { ...publishedBudgets(), ...parseBudgets(upstream.vendorBudgets ?? '') };
  const crmModule = crmVendor(config.crm.vendor);
  const VENDOR = { crm: crmModule.name, billing: 'stripe', support: 'zendesk', files: 's3' } as const;
  const breakers = Object.fromEntries(
    (['crm', 'billing', 'support', 'files'] as const).map((s) => [
      s,
      createBreaker(s, { volumeThreshold: upstream.breakerVolume, resetMs: upstream.breakerResetMs, logger, onStateChange: breakerGauge }),
    ]),
  ) as Record<'crm' | 'billing' | 'support' | 'files', Breaker>;
  const policy = (system: 'crm' | 'billing' | 'support' | 'files') =>
    createUpstreamPolicy({
      system,
      timeoutMs: upstream.timeoutMs,
      retries: upstream.retries,
      retryRatio: upstream.retryBudget,
      breaker: breakers[system],
      budget: createVendorBudget({ store: budgets, prefix: config.keyPrefix, vendor: VENDOR[system], specs }),
      logger,
      onAttempt: (route, status) => metrics?.upstreamCalls.inc({ system, route, status }),
    });
  const httpClients: HttpClient[] = [];
  const http = (system: 'crm' | 'support', baseUrl: string, headers: Record<string, string>) => {
    const client = createHttpClient({ system, baseUrl, headers, policy: policy(system) });
    httpClients.push(client);
    return client;
  };
  const zendeskAuth = Buffer.from(`${config.zendesk.email}/token:${config.zendesk.apiToken}`).toString('base64');
  const files = createFilesConnector({ ...config.s3, policy: policy('files'), logger });
  const crmPolicy = policy('crm');
  const crm = crmModule.createCrm({
    config,
    policy: crmPolicy,
    http: (baseUrl, headers) => {
      const client = createHttpClient({ system: 'crm', baseUrl, headers, policy: crmPolicy });
      httpClients.push(client);
      return client;
    },
    logger,
  });
  return {
    crm,
    crmVendor: crmModule,
    support: createSupportConnector({ http: http('support', config.zendesk.baseUrl, { authorization: `Basic ${zendeskAuth}` }), logger }),
    billing: createBillingConnector({
      secretKey: config.stripe.secretKey,
      apiBase: config.stripe.apiBase,
      policy: policy('billing'),
      logger,
    }),
    files,
    breakers: { [crmModule.name]: breakers.crm, stripe: breakers.billing, zendesk: breakers.support, s3: breakers.files },
    async close() {
      await crm.close?.();
      await Promise.all(httpClients.map((c) => c.close()));
      files.close();
      for (const b of Object.values(breakers)) b.shutdown();
    },
  };
}

export interface Subgraphs {
  schemas: Partial<Record<SubgraphName, GraphQLSchema>>;
  /** Prefetch hooks of the subgraphs running in this process (gateway/prefetch.ts). */
  prefetchers: NamedPrefetcher[];
  /** Drops every cached record of a customer in the subgraphs of this process. */
  purgeCustomer(crmId: string): Promise<void>;
  /** What else to drop after a mutation changed a customer's records (the gateway's response cache). */
  onWritten(fn: (crmId: string) => Promise<void>): void;
}

/** The named subgraphs, wired to the connectors and the cache. */
export function buildSubgraphs(
  u: Upstreams,
  config: Readonly<Config>,
  shared: Pick<SharedState, 'cache' | 'audit' | 'deferred'>,
  names: readonly SubgraphName[],
  links: CustomerLinks = createMemoryLinks(),
  replicas?: Pick<ReplicaPipeline, 'contactChanged'>,
): Subgraphs {
  // Writes drop the customer's cached whole responses too, once the gateway has set `written` (late bound).
  let written: ((crmId: string) => Promise<void>) | undefined;
  const c = {
    cache: shared.cache,
    prefix: config.keyPrefix,
    ttl: config.cache.ttl,
    // A write the vendor has taken is reported done: purges Redis cannot take now are retried later.
    afterWrite: async (crmId: string, keys: readonly string[]) => {
      await shared.deferred.attempt('purge', async () => {
        await shared.cache.purge(keys);
        await written?.(crmId);
      });
    },
  };
  const { audit } = shared;
  const build = {
    crm: () => createCrmSubgraph({ crm: u.crm, system: u.crmVendor.name, cache: c, audit, replicas }),
    billing: () => createBillingSubgraph({ billing: u.billing, cache: c, audit, links }),
    files: () =>
      createFilesSubgraph({ files: u.files, cache: c, audit, uploadTtlS: config.s3.uploadTtlS, uploadMaxBytes: config.s3.uploadMaxBytes }),
    support: () => createSupportSubgraph({ support: u.support, cache: c, audit, links }),
  } satisfies Record<SubgraphName, () => { schema: GraphQLSchema; purgeCustomer(id: string): Promise<void>; prefetch?: Prefetcher }>;
  // Purging needs only the key builders, so it covers every subgraph, local or remote (shared Redis).
  const built = SUBGRAPH_NAMES.map((n) => [n, build[n]()] as const);
  return {
    schemas: Object.fromEntries(built.filter(([n]) => names.includes(n)).map(([n, b]) => [n, b.schema])),
    prefetchers: built.flatMap(([n, b]) =>
      names.includes(n) && 'prefetch' in b ? [{ subgraph: n, prefetch: (...a: Parameters<Prefetcher>) => b.prefetch(...a) }] : [],
    ),
    async purgeCustomer(crmId) {
      await Promise.all(built.map(([, b]) => b.purgeCustomer(crmId)));
    },
    onWritten(fn) {
      written = fn;
    },
  };
}

export interface SharedState {
  cache: EntityCache;
  partners: PartnerStore;
  /** Where writes, admin actions and staff or partner reads of a customer are recorded. */
  audit: AuditLog;
  /** The Redis connection for partner tokens and rate limits (waits out a reconnect; see createRedisStore). */
  redis?: Redis;
  /** Whether Redis answers, shared by every Redis step on the request path (platform/cache.ts createRedisLiveness). */
  liveness?: RedisLiveness;
  /** Customer links (platform/links.ts): Redis when configured, else process memory. */
  links: CustomerLinks;
  /** Vendor budgets (platform/budget.ts): shared through Redis when configured. */
  budgets: BudgetStore;
  /** Bookkeeping after writes that Redis could not take at once, retried in the background (platform/deferred.ts). */
  deferred: Deferred;
  close(): Promise<void>;
}

/**
 * What gateway instances share: Redis when REDIS_URL is set; otherwise process memory, said
 * loudly (one instance only; production refuses it).
 */
export function createSharedState(config: Readonly<Config>, logger: Logger, metrics?: Metrics): SharedState {
  const onError = () => (metrics?.cacheOps.inc({ result: 'error' }), countCacheError());
  // Records served from their stale copy because the vendor budget refused the load (platform/cache.ts).
  const onStale = (n: number) => metrics?.cacheOps.inc({ result: 'stale' }, n);
  const onRead = (hits: number, misses: number) => {
    countCache(hits, misses);
    if (hits) metrics?.cacheOps.inc({ result: 'hit' }, hits);
    if (misses) metrics?.cacheOps.inc({ result: 'miss' }, misses);
  };
  const deferred = createDeferred({ logger, onOutcome: (kind, outcome) => metrics?.deferredOps.inc({ kind, outcome }) });
  if (!config.redis.url) {
    logger.warn(
      'REDIS_URL is not set: cache and partner tokens live in process memory. Fine for development; run Redis for more than one instance (production requires it).',
    );
    const store = createMemoryStore();
    return {
      cache: createEntityCache({ store, logger, enabled: config.cache.enabled, onError, onRead, onStale }),
      partners: createMemoryPartnerStore(),
      audit: createLogAuditLog(logger),
      links: createMemoryLinks(),
      budgets: createMemoryBudgetStore(),
      deferred,
      close: async () => (await deferred.close(), await store.close()),
    };
  }
  const store = createRedisStore({ url: config.redis.url, commandTimeoutMs: config.redis.commandTimeoutMs, logger });
  const audit = withAuditSpool(
    createRedisAuditLog({
      url: config.redis.url,
      prefix: config.keyPrefix,
      retentionDays: config.audit.retentionDays,
      hmacKey: config.audit.hmacKey,
      logger,
      onFailure: (kind) => metrics?.auditFailures.inc({ kind }),
    }),
    { dir: config.audit.spoolDir, logger, onSpool: (what, n) => metrics?.auditSpool.inc({ what }, n) },
  );
  return {
    cache: createEntityCache({ store, logger, enabled: config.cache.enabled, onError, onRead, onStale }),
    partners: createRedisPartnerStore(store.control, config.keyPrefix, store.liveness),
    audit,
    redis: store.control,
    liveness: store.liveness,
    links: createRedisLinks({
      redis: store.client,
      prefix: config.keyPrefix,
      logger,
      timeoutMs: config.redis.commandTimeoutMs,
      liveness: store.liveness,
    }),
    budgets: createRedisBudgetStore(store.client, logger, undefined, { liveness: store.liveness }),
    deferred,
    close: async () => (await deferred.close(), await audit.close(), await store.close()),
  };
}

export async function createApp(opts: AppOptions = {}): Promise<App> {
  let config = opts.config ?? loadConfig();
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  const sims = config.simulators.enabled ? await withSimulators(config) : undefined;
  if (sims) config = sims.config;

  const tracing = await startTracing(config.tracing, logger);
  const metrics = createMetrics();
  const shared = createSharedState(config, logger, metrics);
  const upstreams = createUpstreams(config, logger, metrics, shared.budgets);
  const { cache } = shared;
  const remote = config.subgraphs.urls;
  const replicas = createReplicaPipeline({ config, logger, upstreams: { ...upstreams, links: shared.links } });
  const subgraphs = buildSubgraphs(
    upstreams,
    config,
    shared,
    SUBGRAPH_NAMES.filter((n) => !remote[n]),
    shared.links,
    replicas,
  );
  const responses = createResponseCache({
    store: cache.store,
    prefix: config.keyPrefix,
    ttlS: config.cache.enabled ? (config.cache.responseTtlS ?? 30) : 0,
    logger,
    // A response served whole counts as one hit (metrics and the access log line); its misses are
    // counted by the record reads that follow.
    onResult: (r) => {
      if (r !== 'hit') return;
      metrics.cacheOps.inc({ result: 'hit' });
      countCache(1, 0);
    },
  });
  // One purge for records and whole responses: writes, webhooks and the admin mutation call it.
  const purgeRecords = subgraphs.purgeCustomer.bind(subgraphs);
  subgraphs.purgeCustomer = async (crmId) => {
    await purgeRecords(crmId);
    await responses.purgeCustomer(crmId);
  };
  subgraphs.onWritten((crmId) => responses.purgeCustomer(crmId));
  const events = createEventPipeline({
    config,
    logger,
    metrics,
    upstreams,
    cache,
    // A vendor reporting a customer's ids updates the customer links.
    onLinkSeen:
      opts.onLinkSeen ?? ((l) => shared.links.update(l.crmId, { stripeCustomerId: l.stripeCustomerId, zendeskUserId: l.zendeskUserId })),
    // Records are purged exactly by the workers; whole responses containing the customer go too.
    onChanged: (crmId) => responses.purgeCustomer(crmId),
    replicate: (crmId, key) => replicas.contactChanged(crmId, key),
  });
  if (config.events.workers) events.startWorkers();
  const changeFeed = config.events.workers ? startCrmChangeFeed(upstreams, events, shared, config, logger) : undefined;
  if (config.events.workers)
    await replicas.startWorker().catch((err: Error) => logger.error({ err: err.message }, 'replica worker: reconciliation not scheduled'));
  const admin = createAdminSubgraph({
    partners: shared.partners,
    partnerSecret: config.auth.partnerSecret,
    purgeCustomer: (id) => subgraphs.purgeCustomer(id),
    events,
    audit: shared.audit,
    replicas,
    // One line per queue: `integrationHealth` lists exactly these.
    health: {
      queues: [...Object.values(events.queues), ...(replicas.queue ? [replicas.queue] : [])],
      breakers: upstreams.breakers,
      redis: shared.redis,
      keyPrefix: config.keyPrefix,
    },
  });

  const gateway = createGateway({
    local: { ...subgraphs.schemas, admin: admin.schema },
    remote,
    signingSecret: config.subgraphs.signingSecret,
  });
  const server = await createHttpServer({
    config,
    gateway,
    verifier: createTokenVerifier({
      auth: config.auth,
      partners: shared.partners,
      logger,
      partnerCacheS: config.guards.partnerTokenCacheS,
    }),
    logger,
    metrics,
    apqStore: shared.cache.store,
    redis: shared.redis,
    liveness: shared.liveness,
    partners: shared.partners,
    audit: shared.audit,
    plugins: [responses.plugin, prefetchPlugin(subgraphs.prefetchers)],
    responseCache: responses,
    deferred: shared.deferred,
  });
  registerWebhookRoutes(server.fastify, { config, events, metrics, logger });

  return {
    config,
    cache,
    shared,
    links: shared.links,
    subgraphs,
    fastify: server.fastify,
    logger,
    events,
    replicas,
    tracing,
    metrics,
    changeFeed,
    async listen() {
      const url = await server.fastify.listen({ host: config.host, port: config.port });
      if (sims) connectSimulatorWebhooks(sims.sims, url.replace('://0.0.0.0', '://127.0.0.1'), config);
      return url;
    },
    async close() {
      await server.fastify.close();
      await server.apollo.stop();
      await events.close();
      changeFeed?.stop();
      await replicas.close();
      await upstreams.close();
      await cache.settle();
      await shared.close();
      await sims?.close();
      await tracing.shutdown();
    },
  };
}

/** Polls the CRM's changes into the event queues when it has no webhooks (Salesforce); needs Redis. */
export function startCrmChangeFeed(
  upstreams: Pick<Upstreams, 'crm' | 'crmVendor'>,
  events: EventPipeline,
  shared: Pick<SharedState, 'redis'>,
  config: Readonly<Config>,
  logger: Logger,
): ChangeFeedRunner | undefined {
  const vendor = upstreams.crmVendor;
  if (!vendor.changeFeed || !shared.redis || !events.available) return undefined;
  return startChangeFeed({
    vendor: { ...vendor, changeFeed: vendor.changeFeed },
    crm: upstreams.crm,
    events,
    redis: shared.redis,
    prefix: config.keyPrefix,
    intervalMs: vendor.changeFeed.intervalS(config) * 1000,
    logger,
  });
}
