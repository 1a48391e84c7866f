/**
 * The background part of Portico, built the same way by the gateway (app.ts, EVENT_WORKERS=true)
 * and by `npm run worker` (worker.ts): the webhook event pipeline and its workers, the replica
 * pipeline and its worker, the automations and their worker, the CRM's change poller (a CRM without webhooks), and the purge of
 * whole cached responses after a change. Each part registers its close on the caller's disposal
 * stack as it is created, so shutdown stops them in reverse.
 */
import type { Upstreams } from './upstreams.js';
import { createAutomationEngine, type AutomationEngine } from './automations/index.js';
import { builtInAutomations } from './automations/builtins.js';
import type { SharedState } from './shared.js';
import type { Config } from './config/index.js';
import { createResponseCache, type ResponseCache } from './gateway/response-cache.js';
import type { DisposalStack } from './platform/disposer.js';
import type { Logger } from './platform/logger.js';
import type { Metrics } from './platform/metrics.js';
import { registerQueueGauges } from './platform/queue.js';
import { createReplicaPipeline, type ReplicaPipeline } from './replicas/index.js';
import { startChangeFeed, type ChangeFeedRunner } from './webhooks/change-feed.js';
import { createEventPipeline, type CustomerLinkSeen, type EventPipeline } from './webhooks/index.js';
import { createNotifications, type Notifications } from './notifications/index.js';

export interface BackgroundOptions {
  config: Readonly<Config>;
  logger: Logger;
  metrics?: Metrics;
  upstreams: Upstreams;
  shared: Pick<SharedState, 'cache' | 'links' | 'redis' | 'audit' | 'partners'>;
  /** Where each part registers its close. */
  stack: DisposalStack;
  /** The gateway's whole-response cache, purged after every applied change. @default one over the shared cache store (purges only) */
  responses?: Pick<ResponseCache, 'purgeCustomer'>;
  /** Every customer link a webhook event shows. @default updates the customer links (`shared.links`) */
  onLinkSeen?: (link: CustomerLinkSeen) => void | Promise<void>;
}

export interface Background {
  /** Webhook queues and workers (unavailable without Redis). */
  events: EventPipeline;
  /** Replica jobs and reconciliation. */
  replicas: ReplicaPipeline;
  /** The automations, run after the events that trigger them. */
  automations: AutomationEngine;
  /** Partner webhooks and customer messages (src/notifications). */
  notifications: Notifications;
  /** The CRM's change poller, once `start()` ran, when the CRM has no webhooks and Redis is there. */
  readonly changeFeed: ChangeFeedRunner | undefined;
  /** Starts this process's workers: events, the change feed, then replicas (rejects when the replica worker cannot start). */
  start(): Promise<void>;
}

/** Builds the pipelines (workers not started: `start()`). */
export function createBackground(o: BackgroundOptions): Background {
  const { config, logger, shared, stack } = o;
  const responses = o.responses ?? createResponseCache({ store: shared.cache.store, prefix: config.keyPrefix, ttlS: 0, logger });
  const replicas = stack.use(createReplicaPipeline({ config, logger, upstreams: { ...o.upstreams, links: shared.links } }), (r) =>
    r.close(),
  );
  const notifications = stack.use(
    createNotifications({
      config,
      logger,
      metrics: o.metrics,
      redis: shared.redis,
      partners: shared.partners,
      audit: shared.audit,
      crm: o.upstreams.crm,
    }),
    (n) => n.close(),
  );
  // Built (and checked: a wrong declaration stops the start-up) before the events that feed it.
  const automations = stack.use(
    createAutomationEngine({
      config,
      logger,
      metrics: o.metrics,
      ports: { ...o.upstreams, notifications },
      systems: {
        crm: o.upstreams.crmVendor.name,
        billing: o.upstreams.vendors.billing.name,
        support: o.upstreams.vendors.support.name,
        notifications: 'notifications',
      },
      audit: shared.audit,
      redis: shared.redis,
      // The built-ins, then those portico.config.ts declares (`automations: [...]`).
      automations: [
        ...builtInAutomations(config),
        ...config.automations.declared.map((automation) => ({ automation, enabled: true, builtIn: false })),
      ],
    }),
    (a) => a.close(),
  );
  const events = stack.use(
    createEventPipeline({
      config,
      logger,
      metrics: o.metrics,
      upstreams: o.upstreams,
      cache: shared.cache,
      // A vendor reporting a customer's ids updates the customer links.
      onLinkSeen:
        o.onLinkSeen ?? ((l) => shared.links.update(l.crmId, { billingCustomerId: l.billingCustomerId, supportUserId: l.supportUserId })),
      // Records are purged exactly by the workers; whole responses containing the customer go too.
      onChanged: (crmId) => responses.purgeCustomer(crmId),
      replicate: (crmId, key) => replicas.contactChanged(crmId, key),
      replicateBilling: (crmId, key) => replicas.billingChanged(crmId, key),
      // Automations and partner webhooks: both keyed by the event id, so a retried job adds nothing.
      onDomainEvent: async (e) => {
        await notifications.publish(e);
        return automations.enqueue(e);
      },
    }),
    (e) => e.close(),
  );
  // One set of gauges over every queue of this process (the queues exist only with Redis).
  if (o.metrics)
    registerQueueGauges(o.metrics, [
      ...(events.available ? Object.values(events.queues) : []),
      ...(replicas.queue ? [replicas.queue] : []),
      ...(automations.queue ? [automations.queue] : []),
    ]);
  let changeFeed: ChangeFeedRunner | undefined;
  return {
    events,
    replicas,
    automations,
    notifications,
    get changeFeed() {
      return changeFeed;
    },
    async start() {
      events.startWorkers();
      automations.startWorker();
      notifications.startWorker();
      changeFeed = startCrmChangeFeed(o.upstreams, events, shared, config, logger);
      if (changeFeed) stack.use(changeFeed, (f) => f.stop());
      await replicas.startWorker();
    },
  };
}

/** Polls the CRM's changes into the event queues when it has no webhooks; needs Redis. */
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
