/**
 * Composition root: wires config, connectors, subgraphs, gateway and HTTP. No logic of its own.
 */
import type { FastifyInstance } from 'fastify';
import type { GraphQLSchema } from 'graphql';
import { createTokenVerifier } from './auth/tokens.js';
import { loadConfig, type Config, type SubgraphName } from './config/index.js';
import { createGateway, SUBGRAPH_NAMES } from './gateway/index.js';
import { createHttpServer } from './http/server.js';
import type { OutboxMail } from './http/sandbox.js';
import { createLogger, type Logger } from './platform/logger.js';
import { createLocalCaches, registerLocalCacheMetrics } from './platform/local-cache.js';
import { createMetrics, type Metrics } from './platform/metrics.js';
import { countCache } from './platform/request-stats.js';
import { startTracing, type Tracing } from './platform/tracing.js';
import type { EntityCache } from './platform/cache.js';
import { createBillingSubgraph } from './subgraphs/billing/index.js';
import { createAdminSubgraph } from './subgraphs/admin/index.js';
import { createCrmSubgraph } from './subgraphs/crm/index.js';
import type { ChangeFeedRunner } from './webhooks/change-feed.js';
import { createFilesSubgraph } from './subgraphs/files/index.js';
import { createSupportSubgraph } from './subgraphs/support/index.js';
import { createUpstreams, type Upstreams } from './upstreams.js';
import { createSignup, type Signup } from './customers/signup.js';
import { CUSTOMER_SIGNED_UP } from './automations/builtins.js';
import { createMemoryLinks, type CustomerLinks } from './customers/links.js';
import { prefetchPlugin, type NamedPrefetcher, type Prefetcher } from './gateway/prefetch.js';
import { createResponseCache } from './gateway/response-cache.js';
import { registerWebhookRoutes, type CustomerLinkSeen, type EventPipeline } from './webhooks/index.js';
import type { ReplicaPipeline } from './replicas/index.js';
import { createBackground } from './background.js';
import type { AutomationEngine } from './automations/index.js';
import type { Notifications } from './notifications/index.js';
import { createDisposalStack } from './platform/disposer.js';
import { connectSimulatorWebhooks, withSimulators } from './dev/simulators.js';
import { createSharedState, type SharedState } from './shared.js';
import { createRealtime, type Realtime } from './realtime/index.js';

export { createSharedState, type SharedState };

export { createUpstreams, type Upstreams } from './upstreams.js';

export interface AppOptions {
  /** Parsed configuration; default: loadConfig() (process.env over portico.config.ts). */
  config?: Readonly<Config>;
  logger?: Logger;
  /** Hook point of the customer-links store: every link a webhook event shows. @default does nothing */
  onLinkSeen?: (link: CustomerLinkSeen) => void | Promise<void>;
  /**
   * The sent emails the sandbox's outbox shows. @default the bundled SMTP simulator's, when
   * SIMULATORS started one (no SMTP_URL); none otherwise
   */
  outbox?: () => readonly OutboxMail[];
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
  /** Replica jobs (keeping the billing and support systems in step with the CRM) and reconciliation. */
  replicas: ReplicaPipeline;
  /** The automations (src/automations) and their queue. */
  automations: AutomationEngine;
  /** Partner webhooks and customer messages (src/notifications). */
  notifications: Notifications;
  /** OpenTelemetry (a no-op unless an OTLP endpoint is configured). */
  tracing: Tracing;
  /** The CRM's change poller when the CRM has no webhooks (CrmVendor.changeFeed) and workers run here. */
  changeFeed?: ChangeFeedRunner;
  /** Prometheus metrics served at /metrics. */
  metrics: Metrics;
  /** Subscriptions (WebSocket /graphql, SSE /graphql/stream); absent with REALTIME=false. */
  realtime?: Realtime;
  /** Bound URL after listen(), e.g. http://127.0.0.1:4000 */
  listen(): Promise<string>;
  close(): Promise<void>;
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
  replicas?: Pick<ReplicaPipeline, 'contactChanged' | 'billingChanged'>,
  /** Sign-up (`registerCustomer`), in the gateway's own CRM subgraph; absent elsewhere. */
  signup?: Signup,
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
    crm: () => createCrmSubgraph({ crm: u.crm, system: u.crmVendor.name, cache: c, audit, replicas, signup }),
    billing: () =>
      createBillingSubgraph({
        billing: u.billing,
        system: u.vendors.billing.name,
        cache: c,
        audit,
        links,
        replicas,
        plans: config.entitlements.plans,
      }),
    files: () =>
      createFilesSubgraph({
        files: u.files,
        system: u.vendors.files.name,
        cache: c,
        audit,
        uploadTtlS: u.files.uploads.ttlS,
        uploadMaxBytes: u.files.uploads.maxBytes,
      }),
    support: () => createSupportSubgraph({ support: u.support, system: u.vendors.support.name, cache: c, audit, links }),
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

export async function createApp(opts: AppOptions = {}): Promise<App> {
  let config = opts.config ?? loadConfig();
  const logger = opts.logger ?? createLogger({ level: config.logLevel });
  // Every part registers its close as it is created; close() (or a failed start) runs them in reverse.
  const stack = createDisposalStack();
  try {
    const sims = config.simulators.enabled ? stack.use(await withSimulators(config), (s) => s.close()) : undefined;
    if (sims) config = sims.config;

    const tracing = stack.use(await startTracing(config.tracing, logger), (t) => t.shutdown());
    const metrics = createMetrics();
    // Every in-process cache, with its byte bound, in /metrics.
    const caches = createLocalCaches();
    registerLocalCacheMetrics(metrics.registry, caches);
    const bounds = config.cache.local;
    const shared = stack.use(createSharedState(config, logger, metrics, caches), (s) => s.close());
    const upstreams = stack.use(createUpstreams(config, logger, metrics, shared.budgets, caches), (u) => u.close());
    const { cache } = shared;
    const remote = config.subgraphs.urls;
    const responses = createResponseCache({
      store: cache.store,
      prefix: config.keyPrefix,
      ttlS: config.cache.enabled ? (config.cache.responseTtlS ?? 30) : 0,
      logger,
      caches,
      documentsMaxBytes: bounds.responseDocumentsBytes,
      bodiesMaxBytes: bounds.responseBodiesBytes,
      reads: { audit: shared.audit, system: config.crm.vendor },
      membershipTtlS: config.cache.ttl.search,
      // A response served whole counts as one hit (metrics and the access log line); its misses are
      // counted by the record reads that follow.
      onResult: (r) => {
        if (r !== 'hit') return;
        metrics.cacheOps.inc({ result: 'hit' });
        countCache(1, 0);
      },
    });
    const background = createBackground({ config, logger, metrics, upstreams, shared, stack, responses, onLinkSeen: opts.onLinkSeen });
    const { events, replicas } = background;
    const subgraphs = buildSubgraphs(
      upstreams,
      config,
      shared,
      SUBGRAPH_NAMES.filter((n) => !remote[n]),
      shared.links,
      replicas,
      createSignup({
        crm: upstreams.crm,
        billing: upstreams.billing,
        support: upstreams.support,
        links: shared.links,
        identities: shared.identities,
        // The sign-up's event: the customer-signed-up run (welcome, admin notice) and the partner webhooks.
        registered: {
          async emit(event, steps) {
            await background.notifications.publish(event);
            await background.automations.enqueue(event, { inline: { automation: CUSTOMER_SIGNED_UP, steps } });
          },
          note: (event, step) => background.automations.noteInline(CUSTOMER_SIGNED_UP, event, step),
        },
        logger,
      }),
    );
    // One purge for records and whole responses: writes, webhooks and the admin mutation call it.
    const purgeRecords = subgraphs.purgeCustomer.bind(subgraphs);
    subgraphs.purgeCustomer = async (crmId) => {
      await purgeRecords(crmId);
      await responses.purgeCustomer(crmId);
    };
    subgraphs.onWritten((crmId) => responses.purgeCustomer(crmId));
    if (config.events.workers)
      await background.start().catch((err: Error) => logger.error({ err: err.message }, 'replica worker: reconciliation not scheduled'));
    // Every durable queue of this process: `integrationHealth` lists them and /readyz checks them.
    const queues = [
      ...Object.values(events.queues),
      ...(replicas.queue ? [replicas.queue] : []),
      ...(background.automations.queue ? [background.automations.queue] : []),
      ...(background.notifications.webhooks.queue ? [background.notifications.webhooks.queue] : []),
    ];
    const admin = createAdminSubgraph({
      partners: shared.partners,
      partnerSecret: config.auth.partnerSecret,
      purgeCustomer: (id) => subgraphs.purgeCustomer(id),
      events,
      audit: shared.audit,
      replicas,
      automationRuns: background.automations.queue,
      automationRunRecords: background.automations.runs,
      notifications: {
        webhooks: background.notifications.webhooks,
        preferences: background.notifications.preferences,
        push: background.notifications.push,
        allowPrivateUrls: config.notifications.webhooks.allowPrivateUrls,
      },
      // One line per queue: `integrationHealth` lists exactly these.
      health: {
        queues,
        breakers: upstreams.breakers,
        redis: shared.redis,
        keyPrefix: config.keyPrefix,
        automations: () => background.automations.list(),
      },
    });

    const gateway = createGateway({
      local: { ...subgraphs.schemas, admin: admin.schema },
      remote,
      signingSecret: config.subgraphs.signingSecret,
      documents: { caches, maxBytes: bounds.subgraphDocumentsBytes },
    });
    const verifier = createTokenVerifier({
      auth: config.auth,
      partners: shared.partners,
      logger,
      partnerCacheS: config.guards.partnerTokenCacheS,
      caches,
      verifiedMaxBytes: bounds.verifiedTokensBytes,
      partnerRecordsMaxBytes: bounds.partnerRecordsBytes,
      identities: shared.identities,
    });
    // Closed after the HTTP server (which ends its connections first).
    const realtime = config.realtime.enabled
      ? stack.use(createRealtime({ config, logger, metrics, gateway, verifier }), (r) => r.close())
      : undefined;
    const smtpSim = sims?.smtp;
    const devOutbox = smtpSim ? () => smtpSim.outbox() : undefined;
    const server = stack.use(
      await createHttpServer({
        config,
        gateway,
        verifier,
        realtime,
        logger,
        metrics,
        caches,
        apqStore: shared.cache.store,
        redis: shared.redis,
        queues,
        liveness: shared.liveness,
        partners: shared.partners,
        audit: shared.audit,
        outbox: opts.outbox ?? devOutbox,
        plugins: [responses.plugin, prefetchPlugin(subgraphs.prefetchers)],
        responseCache: responses,
        deferred: shared.deferred,
      }),
      async (s) => (await s.fastify.close(), await s.apollo.stop()),
    );
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
      automations: background.automations,
      notifications: background.notifications,
      tracing,
      metrics,
      changeFeed: background.changeFeed,
      realtime,
      async listen() {
        const url = await server.fastify.listen({ host: config.host, port: config.port });
        if (sims) connectSimulatorWebhooks(sims.sims, url.replace('://0.0.0.0', '://127.0.0.1'), config);
        return url;
      },
      close: () => stack.dispose(),
    };
  } catch (err) {
    await stack.dispose().catch((closeErr: Error) => logger.error({ err: closeErr.message }, 'cleanup after a failed start failed'));
    throw err;
  }
}
