/**
 * The automation engine: after a vendor event is applied (src/webhooks), its domain event
 * (src/ports/events.ts) starts every enabled automation whose trigger it is, exactly once.
 *
 *   domain event -> one queue job per (automation, event id), job id = that key: a redelivery
 *                   or a retried webhook job adds nothing
 *   worker       -> condition (once, checkpointed), then each step not yet done: run it with a key
 *                   from (automation, event id, step), audit it, checkpoint it in the job; a
 *                   failed attempt is retried (full-jitter backoff) from the first step not done,
 *                   and dead-lettered after EVENT_ATTEMPTS
 *
 * Built by createBackground, so the gateway (EVENT_WORKERS=true) and `npm run worker` both run it.
 */
import { createHash } from 'node:crypto';
import { isSpanContextValid, trace } from '@opentelemetry/api';
import type { Redis } from 'ioredis';
import type { AuditLog } from '../audit/index.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import {
  createDurableQueue,
  jobIdOf,
  PermanentJobError,
  type DurableQueue,
  type JobContext,
  type JobHandler,
  type JobOutcome,
} from '../platform/queue.js';
import { DOMAIN_EVENT_TYPES, type DomainEvent } from '../ports/events.js';
import { argsShown, isRead, standIn } from './dry-run.js';
import { createRunStore, type RunRecord, type RunStore, type StepRecord } from './runs.js';
import { stopReason, type AnyAutomation, type AutomationPorts, type PortCapability, type StepOutput } from './types.js';

export * from './types.js';
export { RUN_STATUSES, type RunFilter, type RunPage, type RunRecord, type RunStatus, type RunStore, type StepRecord } from './runs.js';

/** What a run's job holds: the event, and what is done so far (the checkpoint). */
export interface RunState {
  event: DomainEvent;
  /** The condition's answer, once evaluated. */
  matched?: boolean;
  /** Steps done, in order. */
  done: string[];
  results: Record<string, StepOutput>;
  /** Why the run ended early (a step's `stop`), once it did. */
  stopped?: string;
  /** An attempt began (stored before anything is done): a later attempt is a resumed one. */
  began?: boolean;
}

/** A resumed attempt's look for its first step's audit entry: the customer's newest entries, at most. */
const AUDIT_LOOKBACK = 200;

/** A step done outside the run's job, by the trigger's source (see `AutomationEngine.enqueue`). */
export interface InlineStep {
  name: string;
  durationMs: number;
  output?: StepOutput;
}

const inlineRecord = (s: InlineStep): StepRecord => ({
  name: s.name,
  outcome: 'OK',
  attempts: 1,
  durationMs: s.durationMs,
  error: null,
  ...(s.output ? { output: s.output } : {}),
  inline: true,
});

export interface AutomationInfo {
  name: string;
  trigger: string;
  steps: string[];
  enabled: boolean;
  builtIn: boolean;
}

export interface AutomationEngineOptions {
  config: Readonly<Config>;
  logger: Logger;
  metrics?: Metrics;
  ports: AutomationPorts;
  /** The vendor serving each domain, as the audit names systems. */
  systems: Readonly<Record<keyof AutomationPorts, string>>;
  audit: AuditLog;
  /** Every automation declared, each with whether it runs here. */
  automations: readonly { automation: AnyAutomation; enabled: boolean; builtIn: boolean }[];
  /** Where the run records are kept (src/automations/runs.ts); absent: runs are not recorded. */
  redis?: Redis;
}

export interface AutomationEngine {
  /** False when there is no Redis: nothing is enqueued and nothing runs. */
  readonly available: boolean;
  /** The runs' queue (`automations`), for integrationHealth and replay; absent without Redis. */
  readonly queue: DurableQueue | undefined;
  /** The record of runs (`automationRuns`); absent without Redis. */
  readonly runs: RunStore | undefined;
  /** Every automation declared, enabled or not. */
  list(): AutomationInfo[];
  /**
   * Stores one run per enabled automation the event triggers; resolves once Redis has them. Returns
   * how many are new. `inline`: steps the event's source did itself before (an internal trigger's
   * mutation), recorded first in that automation's new run.
   */
  enqueue(event: DomainEvent, o?: { inline?: { automation: string; steps: readonly InlineStep[] } }): Promise<number>;
  /** One more step the event's source did after queuing the run (recorded after its other inline steps). */
  noteInline(automation: string, event: DomainEvent, step: InlineStep): Promise<void>;
  startWorker(): void;
  close(): Promise<void>;
}

/** A declaration that cannot run: the message names the automation and what is wrong. */
export class AutomationDeclarationError extends Error {}

const NAME = /^[a-z][a-z0-9-]{0,62}$/;

/**
 * Checks declarations against the ports in use; throws AutomationDeclarationError naming the first
 * problem (an unknown trigger, a step calling a method the port does not have, duplicates).
 */
export function checkAutomations(list: readonly AnyAutomation[], ports: AutomationPorts): void {
  const seen = new Set<string>();
  for (const a of list) {
    const where = `automation "${a.name}"`;
    if (!NAME.test(a.name))
      throw new AutomationDeclarationError(`${where}: a name is lower-case letters, digits and dashes, e.g. "payment-failed"`);
    if (seen.has(a.name)) throw new AutomationDeclarationError(`${where} is declared twice`);
    seen.add(a.name);
    if (!DOMAIN_EVENT_TYPES.includes(a.trigger))
      throw new AutomationDeclarationError(`${where}: unknown trigger "${String(a.trigger)}"; use one of ${DOMAIN_EVENT_TYPES.join(', ')}`);
    if (!a.steps.length) throw new AutomationDeclarationError(`${where} has no steps`);
    const steps = new Set<string>();
    for (const s of a.steps) {
      if (!s.name || steps.has(s.name)) throw new AutomationDeclarationError(`${where}: step "${s.name}" is unnamed or declared twice`);
      steps.add(s.name);
      for (const cap of s.uses) {
        const [domain, method] = cap.split('.') as [keyof AutomationPorts, string];
        const port = ports[domain] as unknown as Record<string, unknown> | undefined;
        if (!port || typeof port[method] !== 'function')
          throw new AutomationDeclarationError(
            `${where}, step "${s.name}": the ${String(domain)} port in use cannot do "${String(method)}" (${cap})`,
          );
      }
    }
  }
}

/**
 * The ports as a step (or a condition) sees them. With `uses`, only the declared methods are
 * callable: an undeclared call fails the run at once. With `dryRun`, a call that is not a read is
 * not made: `dryRun` is told of it and its stand-in answers.
 */
function portsFor(
  ports: AutomationPorts,
  o: { uses?: readonly PortCapability[]; where?: string; dryRun?: (capability: string, args: unknown[]) => void },
): AutomationPorts {
  const allowed = o.uses && new Set<string>(o.uses);
  const wrap = <D extends keyof AutomationPorts>(domain: D) =>
    new Proxy(ports[domain], {
      get(target, prop, receiver) {
        const v = Reflect.get(target, prop, receiver) as unknown;
        if (typeof v !== 'function') return v;
        const cap = `${domain}.${String(prop)}`;
        if (allowed && !allowed.has(cap)) throw new PermanentJobError(`${o.where} calls ${cap} without declaring it in \`uses\``);
        const dryRun = o.dryRun;
        if (dryRun && !isRead(cap))
          return async (...args: unknown[]) => {
            dryRun(cap, args);
            return standIn(cap, args);
          };
        return (v as (...args: unknown[]) => unknown).bind(target);
      },
    });
  return { crm: wrap('crm'), billing: wrap('billing'), support: wrap('support'), notifications: wrap('notifications') };
}

/** The key of a vendor write: a hash of its parts (vendors cap key lengths; Stripe at 255). */
export function automationKey(...parts: string[]): string {
  return `portico-auto-${createHash('sha256').update(parts.join('\n')).digest('hex').slice(0, 40)}`;
}

export function createAutomationEngine(o: AutomationEngineOptions): AutomationEngine {
  const { config, logger, audit } = o;
  checkAutomations(
    o.automations.map((x) => x.automation),
    o.ports,
  );
  const enabled = o.automations.filter((x) => x.enabled).map((x) => x.automation);
  const list = () =>
    o.automations.map(({ automation: a, enabled: on, builtIn }) => ({
      name: a.name,
      trigger: a.trigger,
      steps: a.steps.map((s) => s.name),
      enabled: on,
      builtIn,
    }));
  const url = config.redis.url;
  if (!url)
    return {
      available: false,
      queue: undefined,
      runs: undefined,
      list,
      enqueue: async () => 0,
      noteInline: async () => undefined,
      startWorker: () => undefined,
      close: async () => undefined,
    };

  const systemsOf = (uses: readonly PortCapability[]) => [...new Set(uses.map((c) => o.systems[c.split('.')[0] as keyof AutomationPorts]))];

  const dryRun = config.automations.dryRun;
  const runs = o.redis ? createRunStore({ redis: o.redis, prefix: config.keyPrefix, max: config.automations.runsKept }) : undefined;
  /** Changes a run's record; a record that cannot be written is logged (the run itself is the queue's job). */
  const record = (id: string, change: (r: RunRecord | null) => RunRecord | null): Promise<void> =>
    runs
      ? runs.update(id, change).catch((err: Error) => logger.warn({ run: id, err: err.message }, 'automation run record not written'))
      : Promise.resolve();
  // Without a tracing SDK the active span (if any) is a no-op one with an all-zero id: no trace to name.
  const traceId = () => {
    const ctx = trace.getActiveSpan()?.spanContext();
    return ctx && isSpanContextValid(ctx) ? ctx.traceId : null;
  };
  const logDryCall = (automation: string, eventId: string, step: string, call: string, args: unknown[]) =>
    logger.info({ automation, event: eventId, step, call, args: argsShown(args) }, 'dry run: would call');
  const customerOf = (event: DomainEvent) => ('crmId' in event.data && typeof event.data.crmId === 'string' ? event.data.crmId : null);
  const newRecord = (id: string, automation: string, event: DomainEvent): RunRecord => ({
    id,
    automation,
    status: 'QUEUED',
    trigger: { type: event.type, eventId: event.id, at: event.at },
    customerId: customerOf(event),
    steps: [],
    attempts: 0,
    queuedAt: new Date().toISOString(),
    startedAt: null,
    finishedAt: null,
    traceId: null,
    lastError: null,
    dryRun,
  });
  const stepRecord = (r: RunRecord, s: Omit<StepRecord, 'attempts'>): RunRecord => {
    const before = r.steps.find((x) => x.name === s.name);
    const next: StepRecord = { ...s, attempts: (before?.attempts ?? 0) + 1 };
    return { ...r, steps: before ? r.steps.map((x) => (x.name === s.name ? next : x)) : [...r.steps, next] };
  };
  /** The run's end: its record and its end-to-end duration (from the event). */
  const finish = async (id: string, a: AnyAutomation, event: DomainEvent, status: 'COMPLETED' | 'SKIPPED') => {
    o.metrics?.automationRunSeconds.observe(
      { automation: a.name, outcome: status.toLowerCase() },
      Math.max(0, (Date.now() - Date.parse(event.at)) / 1000),
    );
    await record(id, (r) => r && { ...r, status, finishedAt: new Date().toISOString() });
  };

  const handlerOf =
    (a: AnyAutomation): JobHandler<RunState> =>
    async (data, job: JobContext) => {
      let state: RunState = { ...data, done: [...(data.done ?? [])], results: { ...data.results } };
      const { event } = state;
      const customerId = customerOf(event);
      const base = { automation: a.name, event: event.id, attempt: job.attempt, ...(dryRun ? { dryRun: true } : {}) };
      await record(job.id, (r) => ({
        ...(r ?? newRecord(job.id, a.name, event)),
        status: 'RUNNING',
        attempts: job.attempt,
        startedAt: r?.startedAt ?? new Date().toISOString(),
        traceId: traceId(),
        dryRun,
      }));
      // Audit exactly once: an attempt of a run an earlier attempt began (a retry, or a worker
      // killed mid-run) may find the entry of its first step already written (the earlier attempt
      // died between the entry and the checkpoint); it looks for it in the customer's recent entries
      // (by automation, event and step) and does not write it twice.
      const resumed = state.began === true;
      let lookFirst = resumed;
      const alreadyAudited = async (action: string, step?: string): Promise<boolean> => {
        if (!lookFirst) return false;
        lookFirst = false;
        if (!customerId || !audit.page) return false;
        try {
          const recent = await audit.page({ customerId, first: AUDIT_LOOKBACK });
          return recent.entries.some(
            (e) =>
              e.action === action &&
              e.outcome === 'ok' &&
              e.detail?.automation === a.name &&
              e.detail?.event === event.id &&
              (step === undefined || e.detail?.step === step),
          );
        } catch {
          return false; // unreadable now: written again rather than not at all
        }
      };
      try {
        if (!resumed) {
          state = { ...state, began: true };
          await job.update(state);
        }
        if (state.matched === undefined) {
          const when = a.when as ((e: DomainEvent, p: AutomationPorts) => boolean | Promise<boolean>) | undefined;
          // In a dry run a condition cannot write either (a condition should only read).
          const ports = dryRun ? portsFor(o.ports, { dryRun: (cap, args) => logDryCall(a.name, event.id, 'when', cap, args) }) : o.ports;
          state = { ...state, matched: when ? await when(event, ports) : true };
          await job.update(state);
        }
        if (!state.matched && !(await alreadyAudited('automation.skip'))) {
          await audit.record(null, {
            action: 'automation.skip',
            customerId,
            systems: [],
            fields: [],
            outcome: 'ok',
            detail: { ...base, reason: 'condition false' },
          });
        }
      } catch (err) {
        await record(job.id, (r) => r && { ...r, lastError: (err as Error).message.slice(0, 500) });
        throw err;
      }
      if (!state.matched) {
        await finish(job.id, a, event, 'SKIPPED');
        return 'skipped: condition false';
      }
      if (state.stopped) {
        await finish(job.id, a, event, 'COMPLETED');
        return `stopped: ${state.stopped}`;
      }
      for (const step of a.steps) {
        if (state.done.includes(step.name)) continue;
        const where = `automation "${a.name}", step "${step.name}"`;
        const systems = systemsOf(step.uses);
        const started = Date.now();
        const wouldCall: string[] = [];
        const onDryCall = dryRun
          ? (cap: string, args: unknown[]) => {
              wouldCall.push(cap);
              logDryCall(a.name, event.id, step.name, cap, args);
            }
          : undefined;
        let out: unknown;
        try {
          out = await (step.run as (c: unknown) => Promise<unknown>)({
            event,
            ports: portsFor(o.ports, { uses: step.uses, where, dryRun: onDryCall }),
            key: automationKey(a.name, event.id, step.name),
            keyFor: (scope: string) => automationKey(a.name, `scope:${scope}`, step.name),
            results: state.results,
            logger,
          });
        } catch (err) {
          const ms = Date.now() - started;
          const message = (err as Error).message.slice(0, 500);
          o.metrics?.automationSteps.inc({ automation: a.name, step: step.name, outcome: 'failed' });
          o.metrics?.automationStepSeconds.observe({ automation: a.name, step: step.name, outcome: 'failed' }, ms / 1000);
          await record(job.id, (r) =>
            r ? { ...stepRecord(r, { name: step.name, outcome: 'FAILED', durationMs: ms, error: message }), lastError: message } : r,
          );
          await audit
            .record(null, {
              action: 'automation.step',
              customerId,
              systems,
              fields: [],
              outcome: 'failed',
              detail: { ...base, step: step.name, error: (err as Error).message.slice(0, 200) },
            })
            .catch(() => undefined); // the failure itself is what the job reports
          throw err;
        }
        const ms = Date.now() - started;
        const reason = stopReason(out);
        const output: StepOutput = (reason ? (out as { output?: StepOutput }).output : (out as StepOutput | undefined)) ?? {};
        // The audit entry before the checkpoint: a crash between the two runs the step again (its
        // writes are keyed, so it changes nothing), and that attempt finds the entry (above).
        if (!(await alreadyAudited('automation.step', step.name)))
          await audit.record(null, {
            action: 'automation.step',
            customerId,
            systems,
            fields: [],
            outcome: 'ok',
            detail: { ...base, step: step.name, ms, ...(reason ? { stopped: reason } : {}), ...output },
          });
        o.metrics?.automationSteps.inc({ automation: a.name, step: step.name, outcome: 'ok' });
        o.metrics?.automationStepSeconds.observe({ automation: a.name, step: step.name, outcome: 'ok' }, ms / 1000);
        state = { ...state, done: [...state.done, step.name], results: { ...state.results, [step.name]: output }, stopped: reason };
        await job.update(state);
        await record(job.id, (r) =>
          r
            ? stepRecord(r, {
                name: step.name,
                outcome: reason ? 'STOPPED' : 'OK',
                durationMs: ms,
                error: null,
                output,
                ...(dryRun ? { dryRunCalls: wouldCall } : {}),
              })
            : r,
        );
        if (reason) {
          await finish(job.id, a, event, 'COMPLETED');
          return `stopped: ${reason}`;
        }
      }
      await finish(job.id, a, event, 'COMPLETED');
      return 'completed';
    };

  /** The queue's word on an attempt: a failure waits for a retry or is dead. */
  const onOutcome = (automation: string, outcome: JobOutcome, id: string) => {
    o.metrics?.automationRuns.inc({ automation, outcome });
    if (outcome === 'failed' || outcome === 'deferred')
      void record(id, (r) => (r && r.status === 'RUNNING' ? { ...r, status: 'RETRYING' } : r));
    if (outcome === 'dead') {
      // A change can be applied again (the record changed under it: compare-and-set): observed once.
      let observed = false;
      void record(id, (r) => {
        if (!r) return r;
        if (!observed)
          o.metrics?.automationRunSeconds.observe(
            { automation, outcome: 'dead' },
            Math.max(0, (Date.now() - Date.parse(r.trigger.at)) / 1000),
          );
        observed = true;
        return { ...r, status: 'DEAD', finishedAt: new Date().toISOString() };
      });
    }
  };

  const queue = createDurableQueue({
    name: 'automations',
    url,
    prefix: `${config.keyPrefix}:bull`,
    handlers: Object.fromEntries(enabled.map((a) => [a.name, handlerOf(a) as JobHandler<never>])),
    attempts: config.events.attempts,
    backoffMs: config.events.backoffMs,
    backoffMaxMs: config.events.backoffMaxMs,
    dedupeWindowS: config.events.dedupeWindowS,
    lockMs: config.events.lockMs,
    concurrency: config.events.concurrency,
    logger,
    onOutcome,
  });

  return {
    available: true,
    queue,
    runs,
    list,
    async enqueue(event, opts) {
      const triggered = enabled.filter((a) => a.trigger === event.type);
      if (!triggered.length) return 0;
      const state: RunState = { event, done: [], results: {} };
      // A run with steps done before it (inline) is recorded before its job is stored, so its
      // record starts with them whenever the worker takes it; a record already there (a retried
      // source) is left as it is.
      const inlineOf = (a: AnyAutomation) => (opts?.inline?.automation === a.name ? opts.inline.steps.map(inlineRecord) : []);
      await Promise.all(
        triggered.map((a) => {
          const inline = inlineOf(a);
          const id = jobIdOf(a.name, event.id);
          return inline.length ? record(id, (r) => r ?? { ...newRecord(id, a.name, event), steps: inline }) : Promise.resolve();
        }),
      );
      const added = await queue.add(triggered.map((a) => ({ kind: a.name, key: event.id, data: state })));
      // Recorded once stored: a run the worker already started keeps its own record.
      await Promise.all(
        triggered.map((a, i) => {
          if (!added[i]?.added || inlineOf(a).length) return Promise.resolve();
          const id = jobIdOf(a.name, event.id);
          return record(id, (r) => r ?? newRecord(id, a.name, event));
        }),
      );
      return added.filter((r) => r.added).length;
    },
    async noteInline(automation, event, step) {
      if (!enabled.some((a) => a.name === automation && a.trigger === event.type)) return;
      await record(jobIdOf(automation, event.id), (r) => {
        if (!r || r.steps.some((x) => x.inline && x.name === step.name)) return r;
        const inline = r.steps.filter((x) => x.inline);
        return { ...r, steps: [...inline, inlineRecord(step), ...r.steps.filter((x) => !x.inline)] };
      });
    },
    startWorker() {
      if (!enabled.length) return;
      queue.startWorker();
      logger.info({ automations: enabled.map((a) => a.name) }, 'automation worker started');
    },
    close: () => queue.close(),
  };
}
