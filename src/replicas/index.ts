/**
 * Keeping replicas in step: the `replicas` durable queue (src/platform/queue.ts, the same queue
 * implementation as webhooks). A change of an owned field (our mutation, or the CRM's change
 * event for an edit made there) adds one job per replica system, its kind the vendor module's
 * name; the job re-reads the owner and the replica and writes what differs (src/replicas/sync.ts).
 * Failures retry with exponential backoff and full jitter, then dead-letter; admins list and
 * replay them like failed webhook events. The same queue runs the repeatable reconciliation job.
 *
 * Our own writes echo back as change events: the CRM's echo adds jobs that find the replicas in
 * step and write nothing; billing and support events never write the owner. So nothing loops.
 */
import { randomUUID } from 'node:crypto';
import { connectRedis, defineScript } from '../platform/redis.js';
import type { Config } from '../config/index.js';
import type { BillingReplicaSystem, ReplicaSystem } from '../ownership.js';
import type { Logger } from '../platform/logger.js';
import { createDurableQueue, type DeadJob, type DurableQueue, type ReplayResult } from '../platform/queue.js';
import { reconcile, type ReconcileReport } from './reconcile.js';
import { syncCrmCopy, syncReplica, type ReplicaUpstreams } from './sync.js';

/** Life of a replica's sync lock (longer than one sync with its upstream deadlines). */
const REPLICA_LOCK_MS = 15_000;
/** Releases a lock only if it is still ours. */
const RELEASE = "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0";
export { reconcile, reconcileKey, type ReconcileReport } from './reconcile.js';

export const REPLICA_SYSTEMS: readonly ReplicaSystem[] = ['billing', 'support'];
export const REPLICAS_QUEUE = 'replicas';
const RECONCILE_SCHEDULER = 'reconcile';

export interface ReplicaJobData {
  crmId: string;
}

export interface FailedReplicaJob extends DeadJob {
  /** The vendor module's name of the replica system the job writes, or `reconcile`. */
  system: string;
}

export interface ReplicaPipeline {
  readonly available: boolean;
  readonly queue?: DurableQueue;
  /** Queues one job per replica system for a contact whose owned fields changed. `changeKey` names the change (dedupe). */
  contactChanged(crmId: string, changeKey: string): Promise<void>;
  /** Queues the job that brings the CRM's copies of billing-owned fields (the billing country) in step. */
  billingChanged(crmId: string, changeKey: string): Promise<void>;
  /** Starts this process's worker and (re)declares the reconciliation schedule. */
  startWorker(): Promise<void>;
  failed(offset: number, limit: number): Promise<{ total: number; jobs: FailedReplicaJob[] }>;
  replay(id: string): Promise<ReplayResult>;
  /** Runs a reconciliation now, in this process. */
  reconcile(onProgress?: Parameters<typeof reconcile>[0]['onProgress']): Promise<ReconcileReport>;
  close(): Promise<void>;
}

export interface ReplicaPipelineOptions {
  config: Readonly<Config>;
  logger: Logger;
  upstreams: ReplicaUpstreams;
}

export function createReplicaPipeline(o: ReplicaPipelineOptions): ReplicaPipeline {
  const { config, logger } = o;
  const name = (system: ReplicaSystem | BillingReplicaSystem) => o.upstreams.vendors[system].name;
  const url = config.redis.url;
  const prefix = config.keyPrefix;
  if (!url) {
    return {
      available: false,
      contactChanged: async () => {
        logger.warn(
          `No Redis: replica updates are not queued; run \`npm run reconcile\` to bring ${REPLICA_SYSTEMS.map(name).join(' and ')} in step.`,
        );
      },
      billingChanged: async () => {
        logger.warn(`No Redis: the ${name('crm')} copy of billing fields is not queued.`);
      },
      startWorker: async () => undefined,
      failed: async () => ({ total: 0, jobs: [] }),
      replay: async () => 'not_found',
      reconcile: (onProgress) =>
        reconcile({ upstreams: o.upstreams, prefix, callsPerSecond: config.reconcile.callsPerSecond, onProgress, logger }),
      close: async () => undefined,
    };
  }
  const redis = connectRedis(url, 'replicas');
  const release = defineScript<[string], number>(redis, 'replicaRelease', { numberOfKeys: 1, lua: RELEASE });
  redis.on('error', () => undefined);
  const run = (onProgress?: Parameters<typeof reconcile>[0]['onProgress']) =>
    reconcile({ upstreams: o.upstreams, redis, prefix, callsPerSecond: config.reconcile.callsPerSecond, onProgress, logger });
  const ev = config.events;
  /**
   * One sync of a replica at a time, across every worker: two jobs for one customer (our write and
   * its webhook echo) would otherwise both read the old value and both write it. Held for the
   * read-compare-write; a job that finds it held waits, at most the lock's life (a crashed holder's
   * lock expires).
   */
  const exclusive = async <T>(system: ReplicaSystem | BillingReplicaSystem, crmId: string, fn: () => Promise<T>): Promise<T> => {
    const key = `${prefix}:replica-lock:${name(system)}:${crmId}`;
    const token = randomUUID();
    const until = Date.now() + REPLICA_LOCK_MS;
    while ((await redis.set(key, token, 'PX', REPLICA_LOCK_MS, 'NX')) !== 'OK' && Date.now() < until)
      await new Promise((r) => setTimeout(r, 25 + Math.random() * 50));
    try {
      return await fn();
    } finally {
      await release([key], token).catch(() => undefined);
    }
  };
  const sync = (system: ReplicaSystem) => async (data: ReplicaJobData, job: { id: string }) => {
    const r = await exclusive(system, data.crmId, () => syncReplica(o.upstreams, system, data.crmId, job.id));
    if (r.result === 'updated')
      logger.info({ system: name(system), crmId: data.crmId, fields: r.drift, job: job.id }, 'replica updated from the owner');
    return r.result;
  };
  const queue = createDurableQueue({
    name: REPLICAS_QUEUE,
    url,
    prefix: `${prefix}:bull`,
    handlers: {
      ...Object.fromEntries(REPLICA_SYSTEMS.map((system) => [name(system), sync(system)])),
      // The CRM's copies of billing fields: the job kind is the CRM vendor's name.
      [name('crm')]: async (data: ReplicaJobData, job: { id: string }) => {
        const r = await exclusive('crm', data.crmId, () => syncCrmCopy(o.upstreams, data.crmId));
        if (r.result === 'updated')
          logger.info({ system: name('crm'), crmId: data.crmId, fields: r.drift, job: job.id }, 'replica updated from the owner');
        return r.result;
      },
      reconcile: async () => {
        const r = await run();
        logger.info({ customersChecked: r.customersChecked, errors: r.errors, fields: r.fields }, 'scheduled reconciliation finished');
        return { customersChecked: r.customersChecked, errors: r.errors };
      },
    },
    attempts: ev.attempts,
    backoffMs: ev.backoffMs,
    backoffMaxMs: ev.backoffMaxMs,
    dedupeWindowS: ev.dedupeWindowS,
    lockMs: ev.lockMs,
    concurrency: ev.concurrency,
    logger,
  });
  return {
    available: true,
    queue,
    async contactChanged(crmId, changeKey) {
      await queue.add(
        REPLICA_SYSTEMS.map((system) => ({ kind: name(system), key: `${crmId}.${changeKey}`, data: { crmId } satisfies ReplicaJobData })),
      );
    },
    async billingChanged(crmId, changeKey) {
      await queue.add([{ kind: name('crm'), key: `${crmId}.${changeKey}`, data: { crmId } satisfies ReplicaJobData }]);
    },
    async startWorker() {
      queue.startWorker();
      await queue.schedule(RECONCILE_SCHEDULER, 'reconcile', config.reconcile.schedule);
    },
    async failed(offset, limit) {
      const r = await queue.dead(offset, limit);
      return { total: r.total, jobs: r.jobs.map((j) => ({ ...j, system: j.kind })) };
    },
    replay: (id) => queue.replay(id),
    reconcile: run,
    async close() {
      await queue.close();
      redis.disconnect();
    },
  };
}
