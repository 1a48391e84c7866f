/** Calls to the vendors: deadline, retries, breaker, budgets, and the reconciliation that uses them. */
import { z } from 'zod';
import { publishedBudgets } from '../vendors/index.js';
import { int, section } from './vars.js';

// The published limits come from each vendor module; the example halves two of them.
const published = Object.entries(publishedBudgets());
const publishedText = published.map(([k, b]) => `${k}=${b.limit}/${b.windowS}s`).join(', ');
const budgetsExample = published
  .filter(([k]) => !k.includes('.'))
  .slice(0, 2)
  .map(([k, b]) => `${k}=${Math.max(1, Math.floor(b.limit / 2))}/${b.windowS}s`)
  .join(',');

export interface UpstreamConfig {
  upstream: {
    timeoutMs: number;
    retries: number;
    breakerVolume: number;
    breakerResetMs: number;
    retryBudget: number;
    vendorBudgets?: string;
    /** This process's share of each budget while Redis cannot be asked (metered locally). */
    budgetLocalShare: number;
  };
  /** `schedule`: a cron pattern, or null when off. */
  reconcile: { schedule: string | null; callsPerSecond: number };
}

export const upstream = section({
  vars: {
    UPSTREAM_TIMEOUT_MS: {
      schema: int(50, 120000).prefault('5000'),
      example: '5000',
      doc: 'Deadline of one upstream call including retries.',
    },
    UPSTREAM_RETRIES: {
      schema: int(0, 10).prefault('2'),
      example: '2',
      doc: 'Retries of idempotent upstream calls on network errors, 5xx and 429.',
    },
    UPSTREAM_BREAKER_VOLUME: {
      schema: int(1, 100000).prefault('20'),
      example: '20',
      doc: 'Calls to one system in a rolling 10 s before its circuit may open (at 50% failures); then calls fail fast with UPSTREAM_UNAVAILABLE.',
    },
    UPSTREAM_BREAKER_RESET_MS: {
      schema: int(100, 600000).prefault('5000'),
      example: '5000',
      doc: 'How long an open circuit waits before a trial call.',
    },
    UPSTREAM_RETRY_BUDGET: {
      schema: z.coerce.number().min(0).max(1).prefault('0.2'),
      example: '0.2',
      doc: 'Share of calls to one system (rolling 10 s) that may be retries, on top of 10 always allowed; past it failed attempts are not retried, so retries never multiply the load on a failing vendor.',
    },
    VENDOR_BUDGETS: {
      schema: z
        .string()
        .regex(
          /^\s*[a-z0-9]+(\.[a-z0-9_]+)?=\d+\/\d+s\s*(,\s*[a-z0-9]+(\.[a-z0-9_]+)?=\d+\/\d+s\s*)*$/,
          'must be vendor[.class]=requests/windows, comma-separated',
        ),
      example: budgetsExample,
      doc: `Requests per window each vendor (and endpoint class) allows, shared by every instance through Redis; overrides the published defaults ${publishedText}. Interactive reads first; over budget a call waits briefly, then its field fails with RATE_LIMITED and a retry hint.`,
    },
    VENDOR_BUDGET_LOCAL_SHARE: {
      schema: z.coerce.number().gt(0).max(1).prefault('1'),
      example: '0.2',
      doc: "This process's share of each vendor budget while Redis cannot be asked (down, stalled, or slower than 1 s to answer a take): its calls are then metered in process at this share of the limit. Set 1 / the number of processes that call vendors (gateways and `npm run worker` processes; e.g. 0.2 for 3 gateways and 2 workers), so that together they stay within the vendor's plan; 1 (the default) suits one process.",
    },
    RECONCILE_SCHEDULE: {
      schema: z
        .string()
        .trim()
        .regex(/^(off|(\S+\s+){4,5}\S+)$/, 'must be a cron pattern of 5 or 6 fields, or "off"')
        .prefault('0 * * * *'),
      example: '0 * * * *',
      doc: "When the queue workers reconcile replicas with their owner (Stripe/Zendesk name and email from the CRM; the CRM's billing country from Stripe), as a cron pattern (UTC); `off` = only `npm run reconcile`.",
    },
    RECONCILE_CALLS_PER_SECOND: {
      schema: int(1, 100).prefault('10'),
      example: '10',
      doc: "Upper bound of vendor calls a second during reconciliation, to stay inside the vendors' rate limits.",
    },
  },
  build: (v): UpstreamConfig => ({
    upstream: {
      timeoutMs: v.UPSTREAM_TIMEOUT_MS,
      retries: v.UPSTREAM_RETRIES,
      breakerVolume: v.UPSTREAM_BREAKER_VOLUME,
      breakerResetMs: v.UPSTREAM_BREAKER_RESET_MS,
      retryBudget: v.UPSTREAM_RETRY_BUDGET,
      vendorBudgets: v.VENDOR_BUDGETS,
      budgetLocalShare: v.VENDOR_BUDGET_LOCAL_SHARE,
    },
    reconcile: {
      schedule: v.RECONCILE_SCHEDULE === 'off' ? null : v.RECONCILE_SCHEDULE,
      callsPerSecond: v.RECONCILE_CALLS_PER_SECOND,
    },
  }),
});
