/**
 * The event path: receivers (verify, dedupe, enqueue, answer) and the workers behind them.
 *
 *   POST /webhooks/<vendor>, for every registry module with a `webhook` (src/vendors)
 *     -> verify the vendor's signature on the raw bytes (400 on any failure, nothing stored)
 *     -> add one job per event to the system's durable queue, job id = vendor event id
 *     -> 200 only once Redis has the job; 503 when it cannot take it (the vendor retries)
 *   worker (in the gateway or `npm run worker`)
 *     -> re-read the object from the vendor, drop exactly the affected cache keys, tell the
 *        links hook, publish one change event per vendor event; retries, then dead letter.
 */
import type { FastifyInstance } from 'fastify';
import { connectRedis, defineScript, hashTag } from '../platform/redis.js';
import { replyError } from '../errors/http.js';
import type { Config } from '../config/index.js';
import type { EntityCache } from '../platform/cache.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { createDurableQueue, jobIdOf, type DeadJob, type DurableQueue, type JobHandler, type ReplayResult } from '../platform/queue.js';
import type { BillingPort as BillingConnector } from '../ports/billing.js';
import type { CrmPort as CrmConnector } from '../ports/crm.js';
import type { DomainEvent } from '../ports/events.js';
import type { SupportPort as SupportConnector } from '../ports/support.js';
import { vendorsInUse } from '../vendors/index.js';
import type { WebhookReceiver } from '../vendors/types.js';
import {
  EVENT_SYSTEMS,
  EVENT_VENDORS,
  type ChangeEvent,
  type CrmChangeData,
  type CustomerLinkSeen,
  type EventHandlerDeps,
  type EventSystem,
  type ReceivedEvent,
  type WebhookRequest,
  type WebhookSystem,
  WEBHOOK_SYSTEMS,
} from './types.js';
import { WebhookRejected } from './verify.js';
import { handleCrmChange } from './crm-change.js';

export { EVENT_SYSTEMS, WEBHOOK_SYSTEMS, type ChangeEvent, type CrmChangeData, type CustomerLinkSeen, type EventSystem } from './types.js';

export interface EventPipelineOptions {
  config: Readonly<Config>;
  logger: Logger;
  metrics?: Metrics;
  upstreams: { crm: CrmConnector; billing: BillingConnector; support: SupportConnector };
  cache: EntityCache;
  /**
   * Hook point of the customer-links store: called with every link an event shows (a Stripe
   * customer's crm_contact_id, a Zendesk user's external_id). Does nothing by default.
   */
  onLinkSeen?: (link: CustomerLinkSeen) => void | Promise<void>;
  /** Called with the customer of every applied change, after its records were purged (whole-response cache). */
  onChanged?: (crmId: string) => void | Promise<void>;
  /** Queues replica updates when an owner changed a replicated field (src/replicas). */
  replicate?: (crmId: string, changeKey: string) => Promise<void>;
  /** Queues the CRM's copy of billing-owned fields when the billing customer changed (src/replicas). */
  replicateBilling?: (crmId: string, changeKey: string) => Promise<void>;
  /** Stores the domain event of each applied vendor event (the automations); resolves once stored. @default nothing */
  onDomainEvent?: (event: DomainEvent) => Promise<unknown>;
}

export interface FailedEvent extends DeadJob {
  system: EventSystem;
  /** `<system>:<vendor event id>`, what replay takes. */
  ref: string;
}

export interface EventPipeline {
  /** False when there is no Redis: receivers answer 503 and nothing runs. */
  readonly available: boolean;
  /** The queue of each active event system (activeEventSystems); no entry for any other name. */
  queues: Readonly<Record<EventSystem, DurableQueue>>;
  /** Receives one delivery: verifies and stores it, or throws WebhookRejected / QueueUnavailable. */
  receive(system: WebhookSystem, req: WebhookRequest): Promise<{ accepted: number; duplicates: number }>;
  /** Stores changes a change feed reported (a polled CRM), one job each, keyed by its event id. */
  enqueueCrmChanges(system: EventSystem, changes: readonly CrmChangeData[]): Promise<void>;
  startWorkers(): void;
  failed(system: EventSystem | undefined, offset: number, limit: number): Promise<{ total: number; events: FailedEvent[] }>;
  replay(ref: string): Promise<ReplayResult>;
  replayAll(system?: EventSystem): Promise<number>;
  /** The Redis stream the change events go to. */
  readonly changesStream: string;
  close(): Promise<void>;
}

export class QueueUnavailableError extends Error {}

/** Change events are kept this many entries (approximately) in the stream. */
const CHANGES_MAX_LEN = 100_000;

/**
 * Publishes a change event once per vendor event: one Lua call marks the event applied (SET NX
 * with the dedupe window) and appends to the stream only when the mark is new, atomically, so a
 * job run twice (a worker killed after publishing) publishes once.
 */
const PUBLISH_ONCE = `
if redis.call('SET', KEYS[1], '1', 'NX', 'EX', ARGV[1]) then
  return redis.call('XADD', KEYS[2], 'MAXLEN', '~', ARGV[2], '*', 'system', ARGV[3], 'event', ARGV[4], 'change', ARGV[5])
end
return false`;

/** The vendors with event queues in this deployment: those in use (the CRM is CRM_VENDOR's). */
function activeEventVendors(config: Pick<Config, 'crm'>) {
  const inUse = vendorsInUse(config);
  return EVENT_VENDORS.filter((v) => inUse.includes(v));
}

/** The event queues of this deployment: the webhook vendors and the CRM in use (CRM_VENDOR), not another CRM. */
export function activeEventSystems(config: Pick<Config, 'crm'>): EventSystem[] {
  return activeEventVendors(config).map((v) => v.name);
}

export function parseEventRef(ref: string): { system: EventSystem; id: string } | undefined {
  const m = new RegExp(`^(${EVENT_SYSTEMS.join('|')}):(.{1,256})$`).exec(ref);
  return m ? { system: m[1], id: m[2] } : undefined;
}

export function createEventPipeline(o: EventPipelineOptions): EventPipeline {
  const { config, logger } = o;
  const prefix = config.keyPrefix;
  const changesStream = `${prefix}:changes`;
  const url = config.redis.url;
  if (!url) {
    logger.error(
      'No Redis: webhooks are OFF (POST /webhooks/* answers 503 so vendors retry later), and no event worker runs. Set REDIS_URL (or let `npm start` run a local redis-server).',
    );
    return {
      available: false,
      queues: {},
      receive: async () => {
        throw new QueueUnavailableError('no Redis configured');
      },
      enqueueCrmChanges: async () => {
        throw new QueueUnavailableError('no Redis configured');
      },
      startWorkers: () => undefined,
      failed: async () => ({ total: 0, events: [] }),
      replay: async () => 'not_found',
      replayAll: async () => 0,
      changesStream,
      close: async () => undefined,
    };
  }
  const ev = config.events;
  const vendors = activeEventVendors(config);
  const systems = vendors.map((v) => v.name);
  const receivers = new Map(vendors.flatMap((v): [string, WebhookReceiver][] => (v.webhook ? [[v.name, v.webhook]] : [])));
  const publisher = connectRedis(url, 'publisher');
  publisher.on('error', () => undefined); // a failed publish fails the job, which retries
  const publishOnce = defineScript<[number, number, string, string, string], unknown>(publisher, 'publishOnce', {
    numberOfKeys: 2,
    lua: PUBLISH_ONCE,
  });
  const deps: EventHandlerDeps = {
    ...o.upstreams,
    cache: o.cache,
    prefix,
    ttl: config.cache.ttl,
    logger,
    onLinkSeen: o.onLinkSeen ?? (() => undefined),
    replicate: o.replicate,
    replicateBilling: o.replicateBilling,
    async emit(event) {
      await o.onDomainEvent?.(event);
    },
    async publish(change: ChangeEvent) {
      if (change.crmId) await o.onChanged?.(change.crmId);
      await publishOnce(
        // The marker carries the stream's name as hash tag: the script writes both in one Cluster slot.
        [`${hashTag(changesStream)}:applied:${change.system}:${change.eventId}`, changesStream],
        ev.dedupeWindowS,
        CHANGES_MAX_LEN,
        change.system,
        change.eventId,
        JSON.stringify(change),
      );
    },
  };
  // A webhook's events go to its vendor's handler; a change feed's (no webhook) to the CRM change handler.
  const handlerOf = (system: EventSystem): JobHandler<never> => {
    const hook = receivers.get(system);
    return hook ? (data) => hook.handle(data, deps) : (data) => handleCrmChange(system, data, deps);
  };
  const queues = Object.fromEntries(
    systems.map((system) => [
      system,
      createDurableQueue({
        name: `webhooks-${system}`,
        url,
        prefix: `${prefix}:bull`,
        handlers: { [system]: handlerOf(system) },
        attempts: ev.attempts,
        backoffMs: ev.backoffMs,
        backoffMaxMs: ev.backoffMaxMs,
        dedupeWindowS: ev.dedupeWindowS,
        lockMs: ev.lockMs,
        concurrency: ev.concurrency,
        logger,
        onOutcome: (_kind, outcome) => o.metrics?.webhookEvents.inc({ system, outcome }),
      }),
    ]),
  ) as Record<EventSystem, DurableQueue>;

  const failedOf = async (system: EventSystem, offset: number, limit: number) => {
    const r = await queues[system].dead(offset, limit);
    return { total: r.total, events: r.jobs.map((j) => ({ ...j, system, ref: `${system}:${j.key}` })) };
  };

  return {
    available: true,
    queues,
    changesStream,
    async receive(system, req) {
      const hook = receivers.get(system);
      if (!hook) throw new WebhookRejected(`no webhook receiver for ${system} in this deployment`);
      hook.verify(req, config);
      const events: ReceivedEvent[] = hook.parse(req);
      let results;
      try {
        results = await queues[system].add(events.map((e) => ({ kind: system, key: e.key, data: e.data })));
      } catch (err) {
        throw new QueueUnavailableError((err as Error).message);
      }
      const duplicates = results.filter((r) => !r.added).length;
      return { accepted: results.length - duplicates, duplicates };
    },
    async enqueueCrmChanges(system, changes) {
      if (changes.length) await queues[system].add(changes.map((c) => ({ kind: system, key: c.eventId, data: c })));
    },
    startWorkers() {
      for (const q of Object.values(queues)) q.startWorker();
      logger.info({ queues: Object.values(queues).map((q) => q.name) }, 'event workers started');
    },
    async failed(system, offset, limit) {
      if (system && !queues[system]) return { total: 0, events: [] };
      if (system) return failedOf(system, offset, limit);
      // All systems, newest failure first: enough of each to cover the page.
      const all = await Promise.all(systems.map((s) => failedOf(s, 0, offset + limit)));
      const events = all.flatMap((r) => r.events).sort((a, b) => (b.failedAt?.getTime() ?? 0) - (a.failedAt?.getTime() ?? 0));
      return { total: all.reduce((n, r) => n + r.total, 0), events: events.slice(offset, offset + limit) };
    },
    async replay(ref) {
      const parsed = parseEventRef(ref);
      if (!parsed || !queues[parsed.system]) return 'not_found';
      return queues[parsed.system].replay(jobIdOf(parsed.system, parsed.id));
    },
    async replayAll(system) {
      let n = 0;
      for (const s of system ? [system] : systems) n += await queues[s].replayAll();
      return n;
    },
    async close() {
      await Promise.all(Object.values(queues).map((q) => q.close()));
      publisher.disconnect();
    },
  };
}

export interface WebhookRoutesOptions {
  config: Readonly<Config>;
  events: EventPipeline;
  metrics?: Metrics;
  logger: Logger;
}

/**
 * POST /webhooks/<vendor> for the webhook vendors in use. The body is kept as the exact bytes received (the
 * signatures cover them), with a size cap, for these routes only.
 */
export function registerWebhookRoutes(fastify: FastifyInstance, o: WebhookRoutesOptions) {
  const { config, events, metrics } = o;
  fastify.register(async (scope) => {
    scope.removeAllContentTypeParsers();
    scope.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: config.limits.maxBodyBytes }, (_req, body, done) => done(null, body));
    scope.setErrorHandler((err: { statusCode?: number }, req, reply) => {
      if (err.statusCode === 413)
        return replyError(reply, 'BODY_TOO_LARGE', `The body is larger than ${config.limits.maxBodyBytes} bytes.`, { body: 'json' });
      if (err.statusCode && err.statusCode < 500)
        return replyError(reply, 'BAD_REQUEST', 'The webhook could not be verified.', { body: 'json' });
      req.log.error({ err }, 'webhook receiver failed');
      return replyError(reply, 'INTERNAL', 'Internal error.', { body: 'json' });
    });
    for (const system of WEBHOOK_SYSTEMS.filter((s) => activeEventSystems(config).includes(s))) {
      scope.post(`/webhooks/${system}`, async (req, reply) => {
        const body = Buffer.isBuffer(req.body) ? req.body : Buffer.alloc(0);
        const baseUrl = config.webhooks.publicBaseUrl ?? `${req.protocol}://${req.headers.host ?? `${config.host}:${config.port}`}`;
        try {
          const r = await events.receive(system, {
            method: req.method,
            url: req.url,
            baseUrl,
            headers: req.headers,
            body,
            nowMs: Date.now(),
          });
          if (r.accepted) metrics?.webhookEvents.inc({ system, outcome: 'accepted' }, r.accepted);
          if (r.duplicates) metrics?.webhookEvents.inc({ system, outcome: 'duplicate' }, r.duplicates);
          return reply.status(200).send({ received: r.accepted + r.duplicates, duplicates: r.duplicates });
        } catch (err) {
          if (err instanceof WebhookRejected) {
            metrics?.webhookEvents.inc({ system, outcome: 'rejected' });
            req.log.warn({ system, reason: err.reason }, 'webhook rejected');
            // One answer for every cause: a forger learns nothing about what was wrong.
            return replyError(reply, 'BAD_REQUEST', 'The webhook could not be verified.', { body: 'json' });
          }
          if (err instanceof QueueUnavailableError) {
            metrics?.webhookEvents.inc({ system, outcome: 'unavailable' });
            req.log.error({ system, err: err.message }, 'webhook not stored: the queue is unavailable; answered 503 so the vendor retries');
            return replyError(reply, 'UNAVAILABLE', 'The event could not be stored. Retry later.', { body: 'json', retryAfterS: 30 });
          }
          throw err;
        }
      });
    }
  });
}
