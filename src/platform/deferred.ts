/**
 * Bookkeeping that follows a write the vendor has already taken (dropping the cached copies it
 * changed, keeping the idempotent response): it runs at once, and when Redis cannot take it then
 * (killed, hung, restarting) it is retried in the background instead of failing the request. The
 * write is done; telling the client it failed would make its retry write twice. Until the retry
 * lands, a cached copy may be served for at most its TTL (a restarted Redis is empty anyway).
 *
 * Retries back off (0.5 s doubling to 30 s, full jitter) for at most `forMs`, then are dropped
 * and logged. Counted in `portico_deferred_operations_total{kind,outcome}` (deferred, done,
 * dropped); `pending()` is exported as a gauge. Process memory only: a bounded number of entries
 * (`maxPending`); what a crash loses is bounded by the cache TTLs. Audit entries, which must
 * survive a crash, have a durable spool of their own (src/audit/spool.ts).
 */
import type { Logger } from './logger.js';

export type DeferredOutcome = 'deferred' | 'done' | 'dropped';

export interface DeferredOptions {
  logger: Logger;
  onOutcome?: (kind: string, outcome: DeferredOutcome) => void;
  /** Most operations waiting for a retry; past it the oldest is dropped (and logged). @default 10000 */
  maxPending?: number;
}

export interface Deferred {
  /**
   * Runs `fn` now; if it fails, retries it in the background for up to `forMs` (default 1 h).
   * Resolves true when it succeeded at once, false when it was deferred. Never rejects.
   */
  attempt(kind: string, fn: () => Promise<unknown>, opts?: { forMs?: number }): Promise<boolean>;
  /** Operations waiting for a retry. */
  pending(): number;
  /** Tries everything pending once more (shutdown), then stops retrying. */
  close(): Promise<void>;
}

interface Entry {
  kind: string;
  fn: () => Promise<unknown>;
  until: number;
  tries: number;
  timer?: NodeJS.Timeout;
}

export function createDeferred(o: DeferredOptions): Deferred {
  const max = o.maxPending ?? 10_000;
  const waiting = new Set<Entry>();
  let closed = false;
  let lastLog = 0;
  const say = (msg: string, fields: Record<string, unknown>) => {
    const now = Date.now();
    // One line per second at most: an outage defers every write's bookkeeping.
    if (now - lastLog > 1000) {
      lastLog = now;
      o.logger.warn(fields, msg);
    }
  };
  const schedule = (e: Entry) => {
    if (closed) return;
    const wait = Math.random() * Math.min(30_000, 500 * 2 ** e.tries);
    e.timer = setTimeout(() => void retry(e), wait);
    e.timer.unref();
  };
  const retry = async (e: Entry) => {
    e.tries++;
    try {
      await e.fn();
      waiting.delete(e);
      o.onOutcome?.(e.kind, 'done');
    } catch (err) {
      if (Date.now() >= e.until) {
        waiting.delete(e);
        o.onOutcome?.(e.kind, 'dropped');
        o.logger.error({ kind: e.kind, tries: e.tries, err: (err as Error)?.message }, 'deferred operation given up');
        return;
      }
      schedule(e);
    }
  };
  return {
    async attempt(kind, fn, opts = {}) {
      try {
        await fn();
        return true;
      } catch (err) {
        if (closed) return false;
        o.onOutcome?.(kind, 'deferred');
        say('Redis could not take it now: retrying in the background (the write itself is done)', { kind, err: (err as Error)?.message });
        if (waiting.size >= max) {
          const oldest = waiting.values().next().value!;
          clearTimeout(oldest.timer);
          waiting.delete(oldest);
          o.onOutcome?.(oldest.kind, 'dropped');
        }
        const e: Entry = { kind, fn, until: Date.now() + (opts.forMs ?? 3_600_000), tries: 0 };
        waiting.add(e);
        schedule(e);
        return false;
      }
    },
    pending: () => waiting.size,
    async close() {
      closed = true;
      const last = [...waiting];
      for (const e of last) clearTimeout(e.timer);
      await Promise.all(last.map((e) => retry(e)));
      for (const e of waiting) o.onOutcome?.(e.kind, 'dropped');
      waiting.clear();
    },
  };
}
