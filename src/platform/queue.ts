/**
 * The durable job queue (BullMQ on Redis), for anything that must happen exactly once in effect:
 * vendor webhook events today, replica writes next. One factory, no domain knowledge:
 *
 * - a job's id is its dedupe key (the vendor's event id, a write's idempotency key), so the same
 *   job added twice, also concurrently, exists once; finished jobs are kept for `dedupeWindowS`,
 *   which is how long a repeated key is still recognised;
 * - `add` resolves only once Redis has stored the job (no offline queue): a caller acknowledges
 *   after it, and a Redis outage is an error the caller turns into "try again later";
 * - failures retry with exponential backoff and full jitter, a bounded number of times, then the
 *   job stays in BullMQ's failed set with its last error: the dead-letter state. Admins list and
 *   replay dead jobs; replaying a job that has since been processed is a no-op;
 * - a worker that dies mid-job loses its lock; BullMQ's stalled-job check puts the job back and
 *   another worker runs it again, so handlers must be idempotent (every side effect has a key).
 *
 * Handlers are a registry by job kind (the BullMQ job name), so one queue can carry several kinds.
 */
import { DelayedError, Queue, UnrecoverableError, Worker, type Job } from 'bullmq';
import { BullMQOtel } from 'bullmq-otel';
import type { Redis } from 'ioredis';
import { Gauge } from 'prom-client';
import { rateLimitedFor } from '../errors/index.js';
import { TRACER_NAME } from './tracing.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { batch, connectRedis, hashTag, isClusterUrl, whenConnecting } from './redis.js';

/** A handler gets the job's data and what it may want to log; it throws to fail the attempt. */
export type JobHandler<T = unknown> = (data: T, job: JobContext) => Promise<unknown>;

export interface JobContext {
  id: string;
  kind: string;
  /** 1 on the first attempt. */
  attempt: number;
  /** Replaces the job's stored data (a checkpoint: a later attempt is handed this data). */
  update(data: unknown): Promise<void>;
}

export interface NewJob<T = unknown> {
  kind: string;
  /** The dedupe key, e.g. `evt_1N...`; becomes the job id. */
  key: string;
  data: T;
}

export type JobOutcome = 'processed' | 'failed' | 'dead' | 'deferred';

export interface DurableQueueOptions {
  /** Queue name, e.g. `replicas` or `webhooks-<vendor>` (no colon). */
  name: string;
  /** Redis URL. */
  url: string;
  /** Prefix of the queue's Redis keys (environment prefix + `:bull`). */
  prefix: string;
  handlers: Record<string, JobHandler<never>>;
  /** Attempts before a job is dead-lettered. @default 8 */
  attempts?: number;
  /** Base of the exponential backoff, ms. @default 1000 */
  backoffMs?: number;
  /** Cap of one backoff delay, ms. @default 600000 */
  backoffMaxMs?: number;
  /**
   * The delay before the next attempt, ms, after `attemptsMade` failed ones: a fixed schedule
   * (partner webhooks follow Svix's) instead of full jitter. @default full jitter over backoffMs/backoffMaxMs
   */
  backoffDelay?(attemptsMade: number): number;
  /** How long processed jobs (and so their keys) are remembered, seconds. @default 345600 (4 days) */
  dedupeWindowS?: number;
  /** How long dead jobs are kept for replay, seconds. @default 2592000 (30 days) */
  deadRetentionS?: number;
  /** Lock of a running job; a dead worker's jobs are recovered after it, ms. @default 30000 */
  lockMs?: number;
  /** Deadline of one producer command (add, counts, replay): a Redis that stops answering is an error, not a wait. @default 5000 */
  commandTimeoutMs?: number;
  /** Jobs one worker runs at once. @default 4 */
  concurrency?: number;
  logger?: Logger;
  /** Called after every attempt (metrics, run records), with the job's id. */
  onOutcome?(kind: string, outcome: JobOutcome, id: string): void;
}

export interface AddResult {
  key: string;
  /** False when a job with this key was already known (a duplicate). */
  added: boolean;
}

export interface DeadJob {
  /** The BullMQ job id (see jobIdOf). */
  id: string;
  /** The dedupe key it was added with. */
  key: string;
  kind: string;
  data: unknown;
  attempts: number;
  lastError: string;
  addedAt: Date;
  failedAt: Date | null;
}

export type ReplayResult = 'replayed' | 'already_processed' | 'pending' | 'not_found';

export interface QueueCounts {
  waiting: number;
  active: number;
  delayed: number;
  dead: number;
  processed: number;
  /** Age of the oldest job waiting to run, ms (0 when none waits). */
  oldestWaitingMs: number;
}

export interface DurableQueue {
  readonly name: string;
  /** Stores the jobs durably (throws when Redis cannot take them). Duplicate keys (of one kind) are no-ops. */
  add(jobs: readonly NewJob[]): Promise<AddResult[]>;
  /** Starts this process's worker (idempotent). */
  startWorker(): void;
  dead(offset: number, limit: number): Promise<{ total: number; jobs: DeadJob[] }>;
  /** Replays a dead job by its job id (jobIdOf). */
  replay(id: string): Promise<ReplayResult>;
  /** Replays every dead job; returns how many. */
  replayAll(): Promise<number>;
  counts(): Promise<QueueCounts>;
  /**
   * Runs a job of `kind` on a cron pattern (UTC; a BullMQ job scheduler: one per id across every
   * process sharing the Redis, so several workers starting do not multiply it). null removes it.
   */
  schedule(id: string, kind: string, pattern: string | null): Promise<void>;
  /** Whether the producer connection is up (readiness, 503 decisions). */
  ready(): boolean;
  close(): Promise<void>;
}

/** Full jitter (AWS architecture blog): a uniform delay in [0, min(cap, base * 2^(attempt-1))]. */
export function fullJitter(attemptsMade: number, baseMs: number, capMs: number, random = Math.random): number {
  const ceiling = Math.min(capMs, baseMs * 2 ** Math.max(0, attemptsMade - 1));
  return Math.floor(random() * ceiling);
}

const BACKOFF = 'full-jitter';

/** Longest a close waits for BullMQ (a running job to finish, Redis to answer). */
const CLOSE_DEADLINE_MS = 5000;

/**
 * The job id of a key: `<kind>.<key>` (BullMQ refuses integer ids and colons, and HubSpot's event
 * ids are integers), the key percent-encoded.
 */
export function jobIdOf(kind: string, key: string): string {
  return `${kind}.${encodeURIComponent(key)}`;
}

function keyOf(jobId: string): string {
  const dot = jobId.indexOf('.');
  return decodeURIComponent(jobId.slice(dot + 1));
}

/** How long a job waits (plus up to 1 s of jitter) when a Redis connection it needs is not there yet. */
const REDIS_WAIT_S = 0.5;

/**
 * The error (or one it wraps, through `cause`) says a Redis connection is closed, reconnecting or
 * stalled: the job could not run, which is not the job's failure. ioredis's words, and ours
 * (platform/cache.ts RedisStalledError, redisDeadline).
 */
export function redisUnavailable(err: unknown): boolean {
  for (let e = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const m = (e as Error).message ?? '';
    if (
      /Stream isn't writeable|Connection is closed|enableOfflineQueue|Reached the max retries per request|Redis is stalled|Redis did not answer|ECONNREFUSED|ECONNRESET/.test(
        m,
      ) ||
      (e as Error).name === 'MaxRetriesPerRequestError'
    )
      return true;
  }
  return false;
}

/** A job failure that must not be retried (bad data, unknown kind): dead-lettered at once. */
export class PermanentJobError extends UnrecoverableError {}

export function createDurableQueue(o: DurableQueueOptions): DurableQueue {
  const attempts = o.attempts ?? 8;
  const backoffMs = o.backoffMs ?? 1000;
  const backoffMaxMs = o.backoffMaxMs ?? 600_000;
  const dedupeWindowS = o.dedupeWindowS ?? 4 * 86_400;
  const deadRetentionS = o.deadRetentionS ?? 30 * 86_400;
  const lockMs = o.lockMs ?? 30_000;
  // The producer fails fast: no offline queue, no command retries. An add that cannot reach Redis
  // throws at once, so the receiver answers 503 and the vendor retries later.
  const producer = connectRedis(o.url, 'producer', { commandTimeoutMs: o.commandTimeoutMs ?? 5000 });
  let down = false;
  producer.on('error', (err) => {
    if (!down) o.logger?.warn({ queue: o.name, err: err.message }, 'queue unavailable: new jobs are refused until Redis is back');
    down = true;
  });
  producer.on('ready', () => {
    if (down) o.logger?.info({ queue: o.name }, 'queue available again');
    down = false;
  });
  // BullMQ's scripts touch many keys of a queue at once: on a Redis Cluster they must share a slot,
  // so the queue's prefix carries a hash tag of its own (one slot per queue). A single server keeps
  // the plain prefix: jobs already queued there stay where they are.
  const bullPrefix = isClusterUrl(o.url) ? `${o.prefix}:${hashTag(o.name)}` : o.prefix;
  // BullMQ checks the server when a Queue is built, and with no offline queue that check fails for
  // good if Redis is down at that moment: so the Queue is built once the connection is ready, and
  // built again if its check failed.
  let current: Queue | undefined;
  // OpenTelemetry through BullMQ's own hooks: a producer span where a job is added, a consumer span per
  // attempt in the worker, joined to the trace that added it (the webhook request); no-ops while tracing is off.
  const telemetry = new BullMQOtel({ tracerName: TRACER_NAME });
  const queue = (): Queue => {
    if (producer.status !== 'ready') throw new Error(`queue ${o.name} is not connected to Redis`);
    if (current) return current;
    const q = new Queue(o.name, { connection: producer, prefix: bullPrefix, telemetry });
    q.on('error', () => undefined); // reported once by the producer's handler above
    q.waitUntilReady().catch(() => {
      if (current === q) current = undefined;
    });
    current = q;
    return q;
  };
  /** A process just started may still be connecting: wait for that (briefly), never for a reconnection. */
  const connected = () => whenConnecting(producer);
  producer.on('ready', () => {
    try {
      queue();
    } catch {
      // not ready after all; the next add tries again
    }
  });
  const seenPrefix = `${o.prefix}:${o.name}:seen:`;
  let worker: Worker | undefined;
  let workerConnection: Redis | undefined;

  const jobOptions = {
    attempts,
    backoff: { type: BACKOFF },
    removeOnComplete: { age: dedupeWindowS },
    removeOnFail: { age: deadRetentionS },
  };

  const toDead = (job: Job): DeadJob => ({
    id: String(job.id),
    key: keyOf(String(job.id)),
    kind: job.name,
    data: job.data,
    attempts: job.attemptsMade,
    lastError: job.failedReason ?? 'unknown error',
    addedAt: new Date(job.timestamp),
    failedAt: job.finishedOn ? new Date(job.finishedOn) : null,
  });

  return {
    name: o.name,
    async add(jobs) {
      if (!jobs.length) return [];
      await connected();
      await queue().addBulk(jobs.map((j) => ({ name: j.kind, data: j.data, opts: { ...jobOptions, jobId: jobIdOf(j.kind, j.key) } })));
      // BullMQ answers an existing id with the existing job, silently. A marker with the same
      // lifetime tells duplicates apart for the metrics; it is written after the job, so a crash
      // between the two can only miscount, never drop a job.
      const p = batch(producer);
      for (const j of jobs) p.set(`${seenPrefix}${jobIdOf(j.kind, j.key)}`, '1', 'EX', dedupeWindowS, 'NX');
      const res = (await p.exec()) ?? [];
      return jobs.map((j, i) => ({ key: j.key, added: res[i]?.[1] === 'OK' }));
    },
    startWorker() {
      if (worker) return;
      workerConnection = connectRedis(o.url, 'blocking');
      workerConnection.on('error', () => undefined);
      worker = new Worker(
        o.name,
        async (job: Job, token?: string) => {
          const handler = o.handlers[job.name];
          if (!handler) throw new PermanentJobError(`no handler for job kind "${job.name}"`);
          try {
            return await handler(job.data as never, {
              id: String(job.id),
              kind: job.name,
              attempt: job.attemptsMade + 1,
              update: (data) => job.updateData(data),
            });
          } catch (err) {
            // A vendor budget or rate limit is not a failure of the job: it waits its turn (the
            // vendor's retry hint, with jitter) without spending an attempt, so background work
            // at the vendor's limit is delayed, never dead-lettered.
            // Likewise a Redis connection the handler needs (the cache's, for purges) that is still
            // (re)connecting while this worker's own is back: after a Redis restart jobs ran before
            // the cache connection was, failed with "Stream isn't writeable...", and with a short
            // backoff were dead-lettered. They wait for it instead, at no attempt's cost.
            const deferS = rateLimitedFor(err) ?? (redisUnavailable(err) ? REDIS_WAIT_S : undefined);
            if (deferS === undefined || !token) throw err;
            await job.moveToDelayed(Date.now() + Math.round((deferS + Math.random()) * 1000), token);
            o.onOutcome?.(job.name, 'deferred', String(job.id));
            throw new DelayedError();
          }
        },
        {
          connection: workerConnection,
          prefix: bullPrefix,
          telemetry,
          concurrency: o.concurrency ?? 4,
          lockDuration: lockMs,
          stalledInterval: Math.max(500, Math.floor(lockMs / 2)),
          // A job whose worker died twice is still worth another try; after three it is dead-lettered.
          maxStalledCount: 3,
          // After a Redis error (a restart, a Cluster failover) the worker asks again in 2 s, not BullMQ's
          // 15 s: events wait for Redis no longer than they must (a failed ask costs one command).
          runRetryDelay: 2000,
          settings: {
            backoffStrategy: (attemptsMade: number) => o.backoffDelay?.(attemptsMade) ?? fullJitter(attemptsMade, backoffMs, backoffMaxMs),
          },
          autorun: true,
        },
      );
      worker.on('error', (err) => o.logger?.warn({ queue: o.name, err: err.message }, 'queue worker error'));
      worker.on('completed', (job) => o.onOutcome?.(job.name, 'processed', String(job.id)));
      worker.on('failed', (job, err) => {
        if (!job) return;
        const dead = err instanceof UnrecoverableError || err.name === 'UnrecoverableError' || job.attemptsMade >= (job.opts.attempts ?? 1);
        o.onOutcome?.(job.name, 'failed', String(job.id));
        if (dead) o.onOutcome?.(job.name, 'dead', String(job.id));
        const log = { queue: o.name, job: job.id, kind: job.name, attempt: job.attemptsMade, err: err.message };
        if (dead) o.logger?.error(log, 'job dead-lettered; replay it with `npm run events -- replay ID` once the cause is fixed');
        else o.logger?.warn(log, 'job failed; it will be retried');
      });
    },
    async dead(offset, limit) {
      await connected();
      const q = queue();
      const [total, jobs] = await Promise.all([q.getFailedCount(), q.getFailed(offset, offset + limit - 1)]);
      return { total, jobs: jobs.filter(Boolean).map((j) => toDead(j as Job)) };
    },
    async replay(id) {
      await connected();
      const job = await queue().getJob(id);
      if (!job) return 'not_found';
      const state = await job.getState();
      if (state === 'completed') return 'already_processed';
      if (state !== 'failed') return 'pending';
      await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
      return 'replayed';
    },
    async replayAll() {
      await connected();
      let n = 0;
      // Page from the start each time: every replayed job leaves the failed set.
      for (;;) {
        const jobs = (await queue().getFailed(0, 99)).filter(Boolean) as Job[];
        if (!jobs.length) return n;
        for (const job of jobs) {
          await job.retry('failed', { resetAttemptsMade: true, resetAttemptsStarted: true });
          n++;
        }
      }
    },
    async counts() {
      await connected();
      const q = queue();
      const c = await q.getJobCounts('waiting', 'active', 'delayed', 'failed', 'completed', 'prioritized');
      const oldest = (await q.getJobs(['waiting'], 0, 0, true)).filter(Boolean)[0] as Job | undefined;
      return {
        waiting: (c.waiting ?? 0) + (c.prioritized ?? 0),
        active: c.active ?? 0,
        delayed: c.delayed ?? 0,
        dead: c.failed ?? 0,
        processed: c.completed ?? 0,
        oldestWaitingMs: oldest ? Math.max(0, Date.now() - oldest.timestamp) : 0,
      };
    },
    async schedule(id, kind, pattern) {
      await connected();
      if (!pattern) {
        await queue().removeJobScheduler(id);
        return;
      }
      await queue().upsertJobScheduler(
        id,
        { pattern, tz: 'UTC' },
        { name: kind, data: {}, opts: { attempts: 1, removeOnComplete: { count: 100 }, removeOnFail: { age: deadRetentionS } } },
      );
    },
    ready: () => producer.status === 'ready',
    async close() {
      // A worker lets its running job finish; but BullMQ's close waits for a Redis it cannot reach
      // forever, so without a connection it is closed by force, and any close is bounded: a
      // shutdown during an outage must still end (the job's lock expires and another worker
      // runs it again, so nothing is lost).
      const bounded = (p: Promise<unknown> | undefined) => {
        let timer: NodeJS.Timeout | undefined;
        const late = new Promise<void>((resolve) => (timer = setTimeout(resolve, CLOSE_DEADLINE_MS)));
        return Promise.race([Promise.resolve(p).catch(() => undefined), late]).finally(() => clearTimeout(timer));
      };
      let closed = false;
      await bounded(worker?.close(workerConnection?.status !== 'ready').then(() => (closed = true)));
      // Past the deadline BullMQ's close is still waiting (seen on a Redis Cluster after a failover:
      // the blocking connection's end never comes), and its lock-extender timer would keep the
      // process alive: stopped here. The job's lock then expires and another worker runs it.
      const locks = worker && !closed ? (Reflect.get(worker, 'lockManager') as { close?: () => Promise<void> } | undefined) : undefined;
      if (typeof locks?.close === 'function') await bounded(locks.close());
      // Likewise BullMQ's own blocking connection (a duplicate of ours): left open, it reconnects
      // for ever once Redis is gone and keeps the process alive (seen as a test file that never
      // exited, with "[ioredis] Unhandled error event" every second, on a loaded machine).
      const backend =
        worker && !closed
          ? (Reflect.get(worker, 'backend') as { blockingClient?: Promise<{ disconnect?: () => void }> } | undefined)
          : undefined;
      if (backend?.blockingClient) await bounded(backend.blockingClient.then((c) => c.disconnect?.()));
      await bounded(current?.close());
      workerConnection?.disconnect();
      producer.disconnect();
    },
  };
}

/** How long a /metrics scrape waits for queue counts; a hung Redis must not hang the scrape. */
const COUNTS_DEADLINE_MS = 1000;

/**
 * `portico_queue_jobs{queue,state}` and `portico_queue_oldest_waiting_seconds{queue}` for these
 * queues (label: the queue's name, e.g. `webhooks-<vendor>`, `replicas`, `automations`). Past the
 * deadline a queue's gauges keep their last values, and the scrape answers.
 */
export function registerQueueGauges(metrics: Metrics, queues: readonly DurableQueue[]) {
  const bounded = (q: DurableQueue) => {
    let timer: NodeJS.Timeout | undefined;
    const late = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), COUNTS_DEADLINE_MS)));
    return Promise.race([q.counts().catch(() => undefined), late]).finally(() => clearTimeout(timer));
  };
  const counts = async () => Promise.all(queues.map(async (q) => [q.name, await bounded(q)] as const));
  new Gauge({
    name: 'portico_queue_jobs',
    help: 'Jobs in each queue (webhook events, replicas, automations) by state (waiting, active, delayed = waiting for a retry, dead = dead-lettered).',
    labelNames: ['queue', 'state'],
    registers: [metrics.registry],
    async collect() {
      for (const [queue, c] of await counts()) {
        if (!c) continue;
        for (const state of ['waiting', 'active', 'delayed', 'dead'] as const) this.set({ queue, state }, c[state]);
      }
    },
  });
  new Gauge({
    name: 'portico_queue_oldest_waiting_seconds',
    help: 'Age of the oldest job waiting to run in each queue (0 when none waits).',
    labelNames: ['queue'],
    registers: [metrics.registry],
    async collect() {
      for (const [queue, c] of await counts()) if (c) this.set({ queue }, c.oldestWaitingMs / 1000);
    },
  });
}
