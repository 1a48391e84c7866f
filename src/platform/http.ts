/**
 * The network policy every REST connector shares: keep-alive connection pool, one deadline per
 * call (AbortSignal), retries only for idempotent calls on network errors, 5xx and 429 (honouring
 * Retry-After), capped exponential backoff with full jitter. Failures become UpstreamError naming
 * the system; vendor 4xx answers become UpstreamHttpError for the connector to interpret.
 */
import { Agent, request } from 'undici';
import { UpstreamError, type UpstreamSystem } from '../errors/index.js';
import type { Breaker } from './breaker.js';
import type { Logger } from './logger.js';
import { traceAttempt } from './upstream-tracing.js';

export interface HttpClientOptions {
  system: UpstreamSystem;
  baseUrl: string;
  /** Headers sent on every call (auth). */
  headers: Record<string, string>;
  /** Deadline of one call including its retries. @default 5000 */
  timeoutMs?: number;
  /** Retries of idempotent calls. @default 2 */
  retries?: number;
  /** First backoff step; doubled each retry, capped at 2 s, with full jitter. @default 100 */
  backoffMs?: number;
  logger?: Logger;
  /** Called once per HTTP attempt (metrics). */
  onAttempt?: (system: UpstreamSystem, route: string, status: number | 'error') => void;
  /** The system's circuit breaker; each call (with its retries) runs through it. */
  breaker?: Breaker;
}

export interface HttpRequest {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  query?: Record<string, string | number | undefined>;
  body?: unknown;
  /** Safe to retry (reads, and POSTs that only read such as search/batch read). @default method === 'GET' */
  idempotent?: boolean;
  /** A low-cardinality name for logs and metrics, e.g. 'contacts.search'. */
  route: string;
  headers?: Record<string, string>;
}

/** A vendor answered 4xx (other than 429): the connector decides what it means (404 -> null...). */
export class UpstreamHttpError extends Error {
  constructor(
    readonly system: UpstreamSystem,
    readonly status: number,
    readonly body: unknown,
  ) {
    super(`${system} answered HTTP ${status}`);
    this.name = 'UpstreamHttpError';
  }
}

/** Validates a vendor response body; an unexpected shape is that system being unavailable, not a crash. */
export function parseUpstream<T>(
  system: UpstreamSystem,
  schema: { safeParse(v: unknown): { success: true; data: T } | { success: false } },
  body: unknown,
): T {
  const r = schema.safeParse(body);
  if (!r.success) throw new UpstreamError(system, 'unavailable', 'unexpected response');
  return r.data;
}

export interface HttpClient {
  send<T>(req: HttpRequest): Promise<T>;
  close(): Promise<void>;
}

const sleep = (ms: number, signal: AbortSignal) =>
  new Promise<void>((resolve, reject) => {
    const t = setTimeout(resolve, ms);
    signal.addEventListener('abort', () => (clearTimeout(t), reject(signal.reason as Error)), { once: true });
  });

/** Seconds or HTTP-date, as RFC 9110 allows. */
export function parseRetryAfter(value: string | string[] | undefined): number | undefined {
  const v = Array.isArray(value) ? value[0] : value;
  if (!v) return undefined;
  const secs = Number(v);
  if (Number.isFinite(secs)) return Math.max(0, secs * 1000);
  const at = Date.parse(v);
  return Number.isNaN(at) ? undefined : Math.max(0, at - Date.now());
}

export function createHttpClient(opts: HttpClientOptions): HttpClient {
  const timeoutMs = opts.timeoutMs ?? 5000;
  const retries = opts.retries ?? 2;
  const backoffMs = opts.backoffMs ?? 100;
  const base = opts.baseUrl.replace(/\/+$/, '');
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });

  async function send<T>(req: HttpRequest): Promise<T> {
    const idempotent = req.idempotent ?? req.method === 'GET';
    const url = new URL(base + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const deadline = AbortSignal.timeout(timeoutMs);
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers, ...req.headers };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    for (let attempt = 0; ; attempt++) {
      let retryAfterMs: number | undefined;
      let failure: 'unavailable' | 'rate_limited' = 'unavailable';
      try {
        const attemptInfo = {
          system: opts.system,
          route: req.route,
          method: req.method,
          resendCount: attempt,
          host: url.hostname,
          port: url.port,
        };
        const res = await traceAttempt(attemptInfo, headers, (h) =>
          request(url, { method: req.method, headers: h, body, signal: deadline, dispatcher: agent }),
        );
        opts.onAttempt?.(opts.system, req.route, res.statusCode);
        const text = await res.body.text();
        if (res.statusCode < 300) return (text ? JSON.parse(text) : undefined) as T;
        const parsed = safeJson(text);
        if (res.statusCode === 429) {
          failure = 'rate_limited';
          retryAfterMs = parseRetryAfter(res.headers['retry-after']);
        } else if (res.statusCode < 500) {
          throw new UpstreamHttpError(opts.system, res.statusCode, parsed);
        }
        opts.logger?.warn({ system: opts.system, route: req.route, status: res.statusCode, attempt }, 'upstream answered with an error');
      } catch (err) {
        if (err instanceof UpstreamHttpError) throw err;
        if (deadline.aborted) throw new UpstreamError(opts.system, 'timeout');
        opts.onAttempt?.(opts.system, req.route, 'error');
        opts.logger?.warn({ system: opts.system, route: req.route, attempt, err: (err as Error).message }, 'upstream call failed');
      }
      if (!idempotent || attempt >= retries) throw new UpstreamError(opts.system, failure);
      const exp = Math.min(2000, backoffMs * 2 ** attempt);
      const wait = retryAfterMs ?? Math.random() * exp;
      try {
        await sleep(wait, deadline);
      } catch {
        // The vendor asked us to wait past our deadline: give up now rather than hold the request.
        throw new UpstreamError(opts.system, failure === 'rate_limited' ? 'rate_limited' : 'timeout');
      }
    }
  }

  const guarded = opts.breaker;
  return { send: guarded ? <T>(req: HttpRequest) => guarded.run(() => send<T>(req)) : send, close: () => agent.close() };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}
