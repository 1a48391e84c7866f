/**
 * The one upstream policy every connector uses (CONVENTIONS habit 13): a deadline per call that
 * includes its retries, retries only of idempotent calls on network errors, 5xx and 429 (capped
 * exponential backoff with full jitter, or the vendor's Retry-After), a retry budget per system,
 * the system's circuit breaker around every attempt, and one outcome label per attempt for the
 * metrics. The REST client (platform/http.ts), the Stripe SDK and the AWS SDK are adapted to it:
 * their own retries are off and their timeouts come from the remaining deadline.
 *
 * Retry budget: in any rolling 10 s, retries to one system may be at most `minRetries` plus
 * `retryRatio` of the calls made (Finagle's RetryBudget). At 50% upstream errors a call policy
 * of "retry twice" would otherwise double the traffic to a vendor that is already failing.
 *
 * The breaker sees attempts, not calls: a call that failed once and succeeded on retry counts one
 * failure and one success, so a vendor failing half the time opens the circuit.
 */
import { UpstreamError, type UpstreamSystem } from '../errors/index.js';
import type { Breaker } from './breaker.js';
import type { Priority, VendorBudget } from './budget.js';
import type { Logger } from './logger.js';
import { withAttemptNumber } from './upstream-tracing.js';

export type Failure = 'unavailable' | 'rate_limited' | 'timeout';

/** An attempt that failed in a way worth retrying (network error, 5xx, 429). */
export class RetryableError extends Error {
  constructor(
    readonly failure: Failure,
    /** Label for metrics: the HTTP status, or 'error'. */
    readonly outcome: string,
    /** The vendor's Retry-After, in ms. */
    readonly retryAfterMs?: number,
  ) {
    super(`upstream attempt failed (${outcome})`);
    this.name = 'RetryableError';
  }
}

export interface UpstreamPolicyOptions {
  system: UpstreamSystem;
  /** Deadline of one call including its retries. @default 5000 */
  timeoutMs?: number;
  /** Retries of an idempotent call. @default 2 */
  retries?: number;
  /** Share of calls (rolling 10 s) that may be retries. @default 0.2 */
  retryRatio?: number;
  /** Retries always allowed per rolling 10 s, so a quiet system can still retry. @default 10 */
  minRetries?: number;
  /** First backoff step; doubled each retry, capped at 2 s, full jitter. @default 100 */
  backoffMs?: number;
  breaker?: Breaker;
  /** The vendor's shared budget (platform/budget.ts): every attempt takes a token first. */
  budget?: VendorBudget;
  logger?: Logger;
  /** Called once per attempt with its outcome label (HTTP status, 'error', 'timeout', 'circuit_open'). */
  onAttempt?: (route: string, outcome: string) => void;
}

export interface CallOptions {
  route: string;
  /** Safe to retry. */
  idempotent: boolean;
  /**
   * Turns an attempt's error into a RetryableError (vendor or network fault), or returns it
   * unchanged (the caller's fault: 4xx, not found), which ends the call without retry.
   */
  classify(err: unknown): unknown;
  /** Outcome label of a successful attempt. @default '200' */
  okOutcome?: string;
  /** Endpoint class with its own vendor limit (e.g. 'search'). */
  cls?: string;
  /** Background work yields the budget to interactive reads. @default 'interactive' */
  priority?: Priority;
}

export interface UpstreamPolicy {
  readonly system: UpstreamSystem;
  readonly timeoutMs: number;
  /**
   * Runs one call: `attempt` is one try, given the call's deadline signal, the time left and its
   * number (0 for the first try); each try's upstream span carries that number.
   */
  call<T>(o: CallOptions, attempt: (signal: AbortSignal, remainingMs: number, n: number) => Promise<T>): Promise<T>;
  /** Calls and retries in the current window (tests, metrics). */
  budgetState(): { calls: number; retries: number };
  /** The vendor's rate headers said how many requests remain in its window. */
  remaining(cls: string | undefined, n: number): void;
}

const WINDOW_S = 10;

/** Counts per second over a rolling window. */
function rolling() {
  const slots = new Array<number>(WINDOW_S).fill(0);
  let at = Math.floor(Date.now() / 1000);
  const advance = () => {
    const now = Math.floor(Date.now() / 1000);
    for (let s = at + 1; s <= now && s <= at + WINDOW_S; s++) slots[s % WINDOW_S] = 0;
    at = Math.max(at, now);
  };
  return {
    add() {
      advance();
      slots[at % WINDOW_S]++;
    },
    sum() {
      advance();
      return slots.reduce((a, b) => a + b, 0);
    },
  };
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    if (signal.aborted) return reject(signal.reason as Error);
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
  });

export function createUpstreamPolicy(o: UpstreamPolicyOptions): UpstreamPolicy {
  const timeoutMs = o.timeoutMs ?? 5000;
  const retries = o.retries ?? 2;
  const ratio = o.retryRatio ?? 0.2;
  const minRetries = o.minRetries ?? 10;
  const backoffMs = o.backoffMs ?? 100;
  const calls = rolling();
  const retried = rolling();
  const canRetry = () => retried.sum() < minRetries + ratio * calls.sum();

  async function call<T>(c: CallOptions, attempt: (signal: AbortSignal, remainingMs: number, n: number) => Promise<T>): Promise<T> {
    const started = Date.now();
    const deadline = AbortSignal.timeout(timeoutMs);
    calls.add();
    for (let n = 0; ; n++) {
      let failure: Failure;
      let retryAfterMs: number | undefined;
      if (o.budget) {
        // Over budget: wait briefly within the deadline, else fail before sending anything.
        const got = await o.budget.acquire(c.cls, c.priority ?? 'interactive', Math.max(0, timeoutMs - (Date.now() - started)));
        if (got !== true) {
          o.onAttempt?.(c.route, 'budget_exhausted');
          throw new UpstreamError(o.system, 'rate_limited', undefined, Math.max(1, Math.ceil(got / 1000)));
        }
      }
      try {
        const run = () =>
          withAttemptNumber(n, () => attempt(deadline, Math.max(1, timeoutMs - (Date.now() - started)), n)).catch((err: unknown) => {
            throw deadline.aborted ? new RetryableError('timeout', 'timeout') : c.classify(err);
          });
        const value = await (o.breaker ? o.breaker.run(run) : run());
        o.onAttempt?.(c.route, c.okOutcome ?? '200');
        return value;
      } catch (err) {
        if (err instanceof UpstreamError) {
          // The circuit is open: no attempt was made.
          o.onAttempt?.(c.route, 'circuit_open');
          throw err;
        }
        if (!(err instanceof RetryableError)) {
          const e = err as { status?: number; statusCode?: number; $metadata?: { httpStatusCode?: number } };
          o.onAttempt?.(c.route, String(e.status ?? e.statusCode ?? e.$metadata?.httpStatusCode ?? 'error'));
          throw err;
        }
        o.onAttempt?.(c.route, err.outcome);
        failure = err.failure;
        retryAfterMs = err.retryAfterMs;
        // The vendor refused: every instance holds back until its Retry-After (1 s when it gives none).
        if (failure === 'rate_limited' && o.budget) await o.budget.block(c.cls, retryAfterMs ?? 1000);
        o.logger?.warn({ system: o.system, route: c.route, attempt: n, outcome: err.outcome }, 'upstream attempt failed');
        if (failure === 'timeout') throw new UpstreamError(o.system, 'timeout');
      }
      const hint = failure === 'rate_limited' ? Math.max(1, Math.ceil((retryAfterMs ?? 1000) / 1000)) : undefined;
      if (!c.idempotent || n >= retries) throw new UpstreamError(o.system, failure, undefined, hint);
      if (!canRetry()) {
        o.logger?.warn({ system: o.system, route: c.route }, 'retry budget spent: not retrying');
        throw new UpstreamError(o.system, failure);
      }
      retried.add();
      const wait = retryAfterMs ?? Math.random() * Math.min(2000, backoffMs * 2 ** n);
      try {
        await sleep(wait, deadline);
      } catch {
        // The vendor asked us to wait past our deadline: give up now rather than hold the request.
        throw new UpstreamError(o.system, failure === 'rate_limited' ? 'rate_limited' : 'timeout', undefined, hint);
      }
    }
  }

  return {
    system: o.system,
    timeoutMs,
    call,
    budgetState: () => ({ calls: calls.sum(), retries: retried.sum() }),
    remaining(cls, n) {
      if (o.budget && Number.isFinite(n)) void o.budget.remaining(cls, n);
    },
  };
}
