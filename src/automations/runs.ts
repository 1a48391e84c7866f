/**
 * The record of automation runs, for admins (`automationRuns`) and the CLI (`npm run automations`):
 * one JSON record per run (its trigger, status, each step with its outcome, attempts and duration,
 * the trace id), kept in Redis, bounded: the newest `max` runs (AUTOMATION_RUNS_KEPT), older ones
 * dropped as new ones come. The queue (src/platform/queue.ts) keeps what exactly-once needs on its
 * own; this is what people read.
 *
 *   <prefix>:{automation-runs}:data   hash: run id -> JSON record
 *   <prefix>:{automation-runs}:index  sorted set: run id by the time it was queued (ms)
 *
 * Both keys share a hash tag, so the script that writes a record, indexes it and trims the oldest
 * runs in one step works on Redis Cluster too.
 */
import type { Redis } from 'ioredis';
import { decodeCursor, encodeCursor } from '../platform/pagination.js';
import { defineScript } from '../platform/redis.js';
import type { StepOutput } from './types.js';

/** Where a run is: queued, running an attempt, waiting for a retry, or ended (completed, skipped by its condition, dead-lettered). */
export type RunStatus = 'QUEUED' | 'RUNNING' | 'RETRYING' | 'COMPLETED' | 'SKIPPED' | 'DEAD';
export const RUN_STATUSES: readonly RunStatus[] = ['QUEUED', 'RUNNING', 'RETRYING', 'COMPLETED', 'SKIPPED', 'DEAD'];

/** How a step ended its last attempt: done, done and ending the run (`stop`), or failed. */
export type StepOutcome = 'OK' | 'STOPPED' | 'FAILED';

export interface StepRecord {
  name: string;
  outcome: StepOutcome;
  /** Times the step was run (a retried run runs only the steps not done). */
  attempts: number;
  /** Of its last attempt. */
  durationMs: number;
  /** The last attempt's error, when it failed. */
  error: string | null;
  /** The port writes the step would have made, in a dry run (e.g. `support.createTicket`). */
  dryRunCalls?: string[];
  output?: StepOutput;
  /**
   * Done by the trigger's source before answering, not by the run's job (the sign-up's steps, made
   * by `registerCustomer` before it answers): recorded here so the run shows the whole workflow.
   */
  inline?: true;
}

export interface RunRecord {
  /** The queue job's id (`<automation>.<event id>`): what replay takes. */
  id: string;
  automation: string;
  status: RunStatus;
  trigger: { type: string; eventId: string; at: string };
  customerId: string | null;
  /** The steps run so far, in order. */
  steps: StepRecord[];
  /** Attempts of the run (1 on the first). */
  attempts: number;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** The trace of the last attempt (W3C trace id), to find it in the tracing backend. */
  traceId: string | null;
  lastError: string | null;
  /** Run with AUTOMATION_DRY_RUN: reads made, writes only logged. */
  dryRun: boolean;
}

export interface RunFilter {
  automation?: string;
  status?: RunStatus;
  customerId?: string;
}

export interface RunPage {
  runs: RunRecord[];
  hasNextPage: boolean;
  endCursor: string | null;
}

export interface RunStore {
  /**
   * Changes one run's record (`change` gets null when absent); updates of one run are applied in
   * order in a process, and compare-and-set across processes (`change` may be called again).
   */
  update(id: string, change: (run: RunRecord | null) => RunRecord | null): Promise<void>;
  get(id: string): Promise<RunRecord | null>;
  /** Newest first, filtered; `after` is a page's `endCursor`. Throws BadUserInputError for a cursor it did not issue. */
  page(filter: RunFilter, first: number, after?: string | null): Promise<RunPage>;
  /** Runs kept now. */
  count(): Promise<number>;
}

/**
 * Writes a record when it is still the one the change was made to (ARGV[5], '' for none: a
 * compare-and-set, since the gateway queuing a run and a worker running it update it from two
 * processes), indexes it by its queue time (once) and drops the oldest runs beyond ARGV[4].
 * Answers -1 when the record changed meanwhile (the caller applies its change again).
 */
const SAVE = `
local cur = redis.call('HGET', KEYS[1], ARGV[1]) or ''
if cur ~= ARGV[5] then return -1 end
redis.call('HSET', KEYS[1], ARGV[1], ARGV[2])
redis.call('ZADD', KEYS[2], 'NX', ARGV[3], ARGV[1])
local over = redis.call('ZCARD', KEYS[2]) - tonumber(ARGV[4])
if over > 0 then
  local old = redis.call('ZRANGE', KEYS[2], 0, over - 1)
  redis.call('ZREMRANGEBYRANK', KEYS[2], 0, over - 1)
  redis.call('HDEL', KEYS[1], unpack(old))
  return over
end
return 0`;

/** Rounds of a change that keeps losing to another process's write, at most. */
const SAVE_TRIES = 20;

/** Records read from the index per round while filling a filtered page. */
const SCAN = 200;

const isCursor = (v: unknown): v is { s: number; id: string } =>
  typeof v === 'object' && v !== null && typeof (v as { s?: unknown }).s === 'number' && typeof (v as { id?: unknown }).id === 'string';

export function createRunStore(o: { redis: Redis; prefix: string; max: number }): RunStore {
  const data = `${o.prefix}:{automation-runs}:data`;
  const index = `${o.prefix}:{automation-runs}:index`;
  const save = defineScript<[id: string, json: string, score: number, max: number, expected: string], number>(
    o.redis,
    'automationRunSave',
    {
      numberOfKeys: 2,
      lua: SAVE,
    },
  );
  // One chain per run in this process: a step's record and the queue's outcome never overwrite each other.
  const chains = new Map<string, Promise<void>>();
  const parse = (json: string | null): RunRecord | null => (json ? (JSON.parse(json) as RunRecord) : null);
  const get = async (id: string) => parse(await o.redis.hget(data, id));

  return {
    get,
    update(id, change) {
      const prev = chains.get(id) ?? Promise.resolve();
      const next = prev
        .catch(() => undefined)
        .then(async () => {
          for (let i = 0; i < SAVE_TRIES; i++) {
            const before = (await o.redis.hget(data, id)) ?? '';
            const run = change(parse(before));
            if (!run) return;
            const out = await save([data, index], id, JSON.stringify(run), Date.parse(run.queuedAt) || Date.now(), o.max, before);
            if (out !== -1) return;
          }
          throw new Error(`run record ${id} kept changing under this update`);
        });
      chains.set(id, next);
      void next.finally(() => {
        if (chains.get(id) === next) chains.delete(id);
      });
      return next;
    },
    async page(filter, first, after) {
      let max = '+inf';
      let skipId: string | undefined;
      let skipScore: number | undefined;
      if (after) {
        const c = decodeCursor(after, isCursor);
        max = String(c.s);
        skipScore = c.s;
        skipId = c.id;
      }
      const out: { run: RunRecord; score: number }[] = [];
      let offset = 0;
      let more = true;
      while (out.length <= first && more) {
        const flat = await o.redis.zrevrangebyscore(index, max, '-inf', 'WITHSCORES', 'LIMIT', offset, SCAN);
        offset += flat.length / 2;
        more = flat.length / 2 === SCAN;
        const ids: string[] = [];
        const scores: number[] = [];
        for (let i = 0; i < flat.length; i += 2) {
          const score = Number(flat[i + 1]);
          // Equal scores come in reverse member order: those at or above the cursor's id were shown.
          if (skipId !== undefined && score === skipScore && flat[i] >= skipId) continue;
          ids.push(flat[i]);
          scores.push(score);
        }
        if (!ids.length) continue;
        const records = await o.redis.hmget(data, ...ids);
        records.forEach((json, i) => {
          const run = parse(json);
          if (!run) return;
          if (filter.automation && run.automation !== filter.automation) return;
          if (filter.status && run.status !== filter.status) return;
          if (filter.customerId && run.customerId !== filter.customerId) return;
          out.push({ run, score: scores[i] });
        });
      }
      const shown = out.slice(0, first);
      const last = shown.at(-1);
      return {
        runs: shown.map((x) => x.run),
        hasNextPage: out.length > first,
        endCursor: last ? encodeCursor({ s: last.score, id: last.run.id }) : null,
      };
    },
    count: () => o.redis.zcard(index),
  };
}
