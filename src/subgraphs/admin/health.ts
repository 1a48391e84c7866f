/**
 * `integrationHealth`: the job queues, the last reconciliation and the circuit breakers in one
 * answer. Queues are a LIST of named sources, so another queue (replica writes, ...) is one more
 * entry where the composition root builds it.
 */
import type { Redis } from 'ioredis';
import type { QueueCounts } from '../../platform/queue.js';

/** What the health view needs of a queue (a DurableQueue is one). */
export interface QueueSource {
  readonly name: string;
  counts(): Promise<QueueCounts>;
}

export interface ReconciliationRun {
  startedAt: string;
  finishedAt: string | null;
  customersChecked: number;
  fields: { system: string; field: string; drift: number; repaired: number }[];
  errors: number;
}

export interface IntegrationHealthDeps {
  /** Every queue to show; read at each query, so a queue registered later is included. */
  queues: readonly QueueSource[];
  /** Circuit state per system (vendor name). */
  breakers: Readonly<Record<string, { readonly state: 'open' | 'half-open' | 'closed' }>>;
  /** Where the reconciliation job leaves `<keyPrefix>:reconcile:last`; absent without Redis. */
  redis?: Redis;
  keyPrefix: string;
  /** Every automation declared (src/automations). @default none */
  automations?: () => readonly AutomationSummary[];
}

/** An automation as integrationHealth lists it. */
export interface AutomationSummary {
  name: string;
  trigger: string;
  steps: string[];
  enabled: boolean;
  builtIn: boolean;
}

/** The Redis key the reconciliation job writes its last run to (JSON, see ReconciliationRun). */
export const reconcileLastKey = (prefix: string) => `${prefix}:reconcile:last`;

/** A queue whose counts take longer than this shows as unavailable: a hung Redis must not hang the query. */
const COUNTS_DEADLINE_MS = 2000;

async function bounded<T>(p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<never>((_r, reject) => (timer = setTimeout(() => reject(new Error('timed out')), COUNTS_DEADLINE_MS)));
  try {
    return await Promise.race([p, late]);
  } finally {
    clearTimeout(timer);
  }
}

export function createIntegrationHealth(deps: IntegrationHealthDeps) {
  return {
    async queues() {
      return Promise.all(
        deps.queues.map(async (q) => {
          try {
            const c = await bounded(q.counts());
            return {
              name: q.name,
              available: true,
              waiting: c.waiting,
              active: c.active,
              failed: c.delayed,
              deadLettered: c.dead,
              oldestWaitingSeconds: c.oldestWaitingMs / 1000,
            };
          } catch {
            return { name: q.name, available: false, waiting: 0, active: 0, failed: 0, deadLettered: 0, oldestWaitingSeconds: 0 };
          }
        }),
      );
    },
    async lastReconciliation(): Promise<ReconciliationRun | null> {
      if (!deps.redis) return null;
      const raw = await bounded(deps.redis.get(reconcileLastKey(deps.keyPrefix)));
      return raw ? parseRun(raw) : null;
    },
    circuits() {
      return Object.entries(deps.breakers).map(([system, b]) => ({
        system,
        state: b.state === 'half-open' ? ('HALF_OPEN' as const) : b.state === 'open' ? ('OPEN' as const) : ('CLOSED' as const),
      }));
    },
  };
}

const int = (v: unknown) => (typeof v === 'number' && Number.isFinite(v) ? Math.trunc(v) : 0);

/** The fixed JSON shape of `<keyPrefix>:reconcile:last`; a value that does not fit reads as null (never a crash). */
export function parseRun(raw: string): ReconciliationRun | null {
  try {
    const v = JSON.parse(raw) as Record<string, unknown>;
    if (typeof v.startedAt !== 'string' || Number.isNaN(Date.parse(v.startedAt))) return null;
    const finished = typeof v.finishedAt === 'string' && !Number.isNaN(Date.parse(v.finishedAt)) ? v.finishedAt : null;
    const fields = Array.isArray(v.fields) ? (v.fields as Record<string, unknown>[]) : [];
    return {
      startedAt: v.startedAt,
      finishedAt: finished,
      customersChecked: int(v.customersChecked),
      fields: fields
        .filter((f) => f && typeof f.system === 'string' && typeof f.field === 'string')
        .map((f) => ({ system: String(f.system), field: String(f.field), drift: int(f.drift), repaired: int(f.repaired) })),
      errors: int(v.errors),
    };
  } catch {
    return null;
  }
}
