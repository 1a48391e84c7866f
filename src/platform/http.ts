/**
 * The REST client of vendors spoken to over plain HTTP: a keep-alive connection pool under the shared upstream
 * policy (platform/upstream.ts: deadline, retries within the retry budget, breaker per attempt).
 * Failures become UpstreamError naming the system; vendor 4xx answers become UpstreamHttpError
 * for the connector to interpret.
 */
import { Agent, request } from 'undici';
import { UpstreamError, type UpstreamSystem } from '../errors/index.js';
import { RetryableError, type UpstreamPolicy } from './upstream.js';
import { traceAttempt } from './upstream-tracing.js';

export interface HttpClientOptions {
  system: UpstreamSystem;
  baseUrl: string;
  /** Headers sent on every call (auth). */
  headers: Record<string, string>;
  /** Deadline, retries, retry budget, breaker and outcome labels (platform/upstream.ts). */
  policy: UpstreamPolicy;
  /** Response headers that carry the requests left in the vendor's window (the vendor module names them). @default none */
  rateHeaders?: readonly string[];
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
  /** Endpoint class with its own vendor limit, e.g. 'search'. */
  cls?: string;
  /** Background work yields the vendor budget to interactive reads. @default 'interactive' */
  priority?: 'interactive' | 'background';
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
  const base = opts.baseUrl.replace(/\/+$/, '');
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  const rateHeaders = (opts.rateHeaders ?? []).map((h) => h.toLowerCase());
  const classify = (err: unknown) =>
    err instanceof UpstreamHttpError || err instanceof RetryableError ? err : new RetryableError('unavailable', 'error');

  async function send<T>(req: HttpRequest): Promise<T> {
    const idempotent = req.idempotent ?? req.method === 'GET';
    const url = new URL(base + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v));
    const headers: Record<string, string> = { accept: 'application/json', ...opts.headers, ...req.headers };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    return opts.policy.call(
      { route: req.route, idempotent, classify, cls: req.cls, priority: req.priority },
      async (signal, _left, attempt) => {
        const info = {
          system: opts.system,
          route: req.route,
          method: req.method,
          resendCount: attempt,
          host: url.hostname,
          port: url.port,
        };
        const res = await traceAttempt(info, headers, (h) =>
          request(url, { method: req.method, headers: h, body, signal, dispatcher: agent }),
        );
        const text = await res.body.text();
        // The vendor's rate headers keep the shared budget honest.
        const left = rateHeaders.map((h) => res.headers[h]).find((v) => v !== undefined);
        if (left !== undefined) opts.policy.remaining(undefined, Number(Array.isArray(left) ? left[0] : left));
        if (res.statusCode < 300) return (text ? JSON.parse(text) : undefined) as T;
        if (res.statusCode === 429) throw new RetryableError('rate_limited', '429', parseRetryAfter(res.headers['retry-after']));
        if (res.statusCode >= 500) throw new RetryableError('unavailable', String(res.statusCode));
        throw new UpstreamHttpError(opts.system, res.statusCode, safeJson(text));
      },
    );
  }

  return { send, close: () => agent.close() };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}
