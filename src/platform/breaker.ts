/**
 * One circuit breaker per upstream system (opossum). When most recent calls to a system fail,
 * further calls fail at once with UPSTREAM_UNAVAILABLE instead of piling up on a dead vendor;
 * after `resetMs` one trial call is let through, and success closes the circuit again.
 * Vendor 4xx answers (not found, bad request) are the caller's, not the vendor's failure.
 */
import CircuitBreaker from 'opossum';
import { UpstreamError, type UpstreamSystem } from '../errors/index.js';
import type { Logger } from './logger.js';

export interface BreakerOptions {
  /** Failures per hundred calls that open the circuit. @default 50 */
  errorThresholdPercentage?: number;
  /** Calls in the rolling 10 s window before the circuit may open. @default 20 */
  volumeThreshold?: number;
  /** How long the circuit stays open before a trial call. @default 5000 */
  resetMs?: number;
  logger?: Logger;
  onStateChange?: (system: UpstreamSystem, state: 'open' | 'half-open' | 'closed') => void;
}

export interface Breaker {
  run<T>(call: () => Promise<T>): Promise<T>;
  readonly state: 'open' | 'half-open' | 'closed';
  shutdown(): void;
}

/** Errors that say nothing about the vendor's health. */
const isCallersFault = (err: unknown) => {
  const status = (err as { status?: number; statusCode?: number; $metadata?: { httpStatusCode?: number } }) ?? {};
  const code = status.status ?? status.statusCode ?? status.$metadata?.httpStatusCode;
  return typeof code === 'number' && code >= 400 && code < 500 && code !== 429;
};

export function createBreaker(system: UpstreamSystem, o: BreakerOptions = {}): Breaker {
  const breaker = new CircuitBreaker((call: () => Promise<unknown>) => call(), {
    timeout: false, // deadlines belong to the connectors
    errorThresholdPercentage: o.errorThresholdPercentage ?? 50,
    volumeThreshold: o.volumeThreshold ?? 20,
    resetTimeout: o.resetMs ?? 5000,
    rollingCountTimeout: 10_000,
    errorFilter: isCallersFault,
  });
  breaker.on('open', () => {
    o.logger?.warn({ system }, 'circuit opened: calls fail fast until a trial call succeeds');
    o.onStateChange?.(system, 'open');
  });
  breaker.on('halfOpen', () => o.onStateChange?.(system, 'half-open'));
  breaker.on('close', () => {
    o.logger?.info({ system }, 'circuit closed');
    o.onStateChange?.(system, 'closed');
  });
  return {
    async run<T>(call: () => Promise<T>): Promise<T> {
      try {
        return (await breaker.fire(call)) as T;
      } catch (err) {
        if ((err as { code?: string }).code === 'EOPENBREAKER') throw new UpstreamError(system, 'unavailable', 'circuit open');
        throw err;
      }
    },
    get state() {
      return breaker.opened ? 'open' : breaker.halfOpen ? 'half-open' : 'closed';
    },
    shutdown: () => breaker.shutdown(),
  };
}
