/**
 * What every simulator shares: an HTTP server with per-route request counters, fault knobs
 * (latency, failure rate, rate limit with Retry-After), body parsing and JSON answers.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { SeedData } from './seed.js';
import type { WebhookSender } from './webhooks.js';

/**
 * The simulators by vendor name. Each sim/<vendor>/index.ts adds its own entries here and below
 * (declaration merging), so no shared file names a vendor: the registry (src/vendors) decides
 * which simulators run.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SimSystems {}
export type SimSystem = keyof SimSystems;

/** Every simulator's test credentials (valid only against these local servers), one flat object. */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SimCredentials {}

/** Test hooks a simulator exposes as `sims.<vendor>` (e.g. an org's clock). */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SimHooks {}

export interface SimOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 = a free port each. */
  ports?: Partial<Record<SimSystem, number>>;
  /** @default 500 */
  customers?: number;
  /** @default 42 */
  seed?: number;
  faults?: Partial<Record<SimSystem, FaultOptions>>;
  /** Factor on the vendors' webhook retry schedules (1 = real time). @default 0.001 */
  webhookTimeScale?: number;
}

/** What startSimulators hands each simulator it starts. */
export interface SimContext {
  host: string;
  /** 0 = a free port. */
  port: number;
  /** The seeded customers every simulator shares. */
  data: SeedData;
  faults?: FaultOptions;
  /** Where a simulator hands its changes to be sent as signed webhooks. */
  webhooks: WebhookSender;
  options: SimOptions;
}

/** A simulator as sim/<vendor>/index.ts exports it (`simulator`), loaded through its vendor module. */
export interface SimulatorDescriptor {
  name: SimSystem;
  /** Its fixed port under `npm run sim` (SIM_<NAME>_PORT overrides); absent: a free port. */
  port?: number;
  /** Its test credentials, part of `Simulators.credentials`. */
  credentials: Partial<SimCredentials>;
  start(ctx: SimContext): Promise<SimServer>;
  /** Test hooks served as `sims.<name>`, from the started server. */
  hooks?(server: SimServer): unknown;
}

export interface FaultOptions {
  /** Added delay before every answer. @default 0 */
  latencyMs?: number;
  /** 0..1 fraction of requests answered with failStatus; deterministic (0.5 = every 2nd). */
  failureRate?: number;
  /** @default 503 */
  failStatus?: number;
  /** The next this many requests (after setFaults) fail with failStatus, then the vendor is back: an outage "for a while". */
  failFirst?: number;
  /** Above this many requests in the current second: 429 with Retry-After. */
  rateLimitPerSecond?: number;
  /** @default 1 */
  retryAfterSeconds?: number;
  /**
   * Enforce a vendor plan's published limits (account-wide and per endpoint class) with the
   * vendor's 429 and rate headers, e.g. 'enterprise' for Zendesk; see each simulator's PLANS.
   */
  plan?: string;
  /**
   * The next this many writes (any method but GET and HEAD, after setFaults) are performed, then
   * their answer is lost: the connection is reset before any byte of it (`loseAnswerAs: 'reset'`,
   * the default, as a failing load balancer does) or a failStatus error is sent instead
   * (`'status'`, as a gateway timeout in front of the vendor does). The client cannot tell it from a
   * write that was never made.
   */
  loseAnswers?: number;
  /** @default 'reset' */
  loseAnswerAs?: 'reset' | 'status';
  /**
   * Stripe: how long an idempotency key is remembered (Stripe: "at least 24 hours"); after that the
   * same key runs the request again. @default 86_400_000
   */
  idempotencyKeyTtlMs?: number;
  /**
   * Stripe: search results lag writes by up to this long, as Stripe's search index does ("up to a
   * minute"): a search answers each customer as the index saw it, refreshed at most this often.
   */
  searchLagMs?: number;
}

/** A published limit: requests per fixed window, for every route or the routes of one class. */
export interface LimitSpec {
  limit: number;
  windowS: number;
  /** Route patterns (`GET /v1/customers/search`) of an endpoint class; absent = account-wide. */
  routes?: readonly string[];
}

/** A vendor's plans and how it tells clients about its limits. */
export interface VendorPlans {
  plans: Record<string, readonly LimitSpec[]>;
  /** Headers on every answer under a limit (e.g. X-Rate-Limit-Remaining). */
  headers?(spec: LimitSpec, remaining: number): Record<string, string>;
  /** Headers of the 429 (e.g. Retry-After), given the seconds until the window ends. */
  refusedHeaders?(spec: LimitSpec, resetS: number): Record<string, string>;
  /** 429 body of a plan limit, when it differs from the generic one. */
  refusedBody?(spec: LimitSpec): unknown;
}

export interface Stats {
  total: number;
  byRoute: Record<string, number>;
  /** Requests answered 429 by a rate limit (plan or rateLimitPerSecond). */
  refused?: number;
}

export const MAX_BODY = 1024 * 1024;

/**
 * Round trips on the critical path, counted (not timed) across all simulators: a request's wave
 * is one more than the highest wave of the requests that had already been answered when it
 * arrived. Requests sent together are one wave; a request that needed another's answer is the next.
 */
export interface RoundTrips {
  /** Highest wave seen since the last reset (0 = no request). */
  readonly max: number;
  begin(): number;
  end(wave: number): void;
  reset(): void;
}

export function createRoundTrips(): RoundTrips {
  let answered = 0;
  let max = 0;
  return {
    get max() {
      return max;
    },
    begin() {
      const wave = answered + 1;
      max = Math.max(max, wave);
      return wave;
    },
    end(wave) {
      answered = Math.max(answered, wave);
    },
    reset() {
      answered = 0;
      max = 0;
    },
  };
}

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly headers: Record<string, string> = {},
  ) {
    super(`HTTP ${status}`);
  }
}

export interface SimRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  rawQuery: string;
  headers: IncomingMessage['headers'];
  body: Buffer;
}

/** A route: method, a path pattern with {params}, and the handler. */
export interface Route {
  method: string;
  pattern: string;
  handle(req: SimRequest, params: Record<string, string>): unknown;
}

export interface VendorErrors {
  /** Body of a fault answer (5xx) in the vendor's format. */
  failure(status: number): unknown;
  rateLimited(): unknown;
  notFound(): unknown;
  tooLarge(): unknown;
}

export interface SimServer {
  server: Server;
  url: string;
  stats(): Stats;
  resetStats(): void;
  setFaults(f: FaultOptions): void;
  /** Counts this server's requests into shared round trips (startSimulators sets one for all four). */
  setRoundTrips(r: RoundTrips): void;
  close(): Promise<void>;
}

const compile = (pattern: string) => {
  const names: string[] = [];
  const re = new RegExp(`^${pattern.replace(/\{(\w+)\}/g, (_m, n: string) => (names.push(n), '([^/]+?)'))}(?:\\.json)?$`);
  return { re, names };
};

/** A map whose entries are forgotten `ttlMs()` after they were set (checked when read). */
export function expiring<V>(ttlMs: () => number) {
  const entries = new Map<string, { at: number; value: V }>();
  return {
    get(key: string): V | undefined {
      const e = entries.get(key);
      if (e && Date.now() - e.at >= ttlMs()) entries.delete(key);
      else return e?.value;
      return undefined;
    },
    set(key: string, value: V) {
      entries.set(key, { at: Date.now(), value });
    },
  };
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Too large: answer 413 without reading further (the rest of the body is drained, not kept,
    // so the client still receives the answer).
    if (Number(req.headers['content-length'] ?? 0) > MAX_BODY) {
      req.resume();
      reject(new HttpError(413, null, { connection: 'close' }));
      return;
    }
    const chunks: Buffer[] = [];
    let size = 0;
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > MAX_BODY) {
        req.off('data', onData);
        req.resume();
        reject(new HttpError(413, null, { connection: 'close' }));
        return;
      }
      chunks.push(c);
    };
    req.on('data', onData);
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/** Counters and faults around any request handler (the S3 server wraps s3rver with it). */
export function createFaultGate(
  errors: Pick<VendorErrors, 'failure' | 'rateLimited'>,
  send: (res: ServerResponse, status: number, body: unknown, headers?: Record<string, string>) => void,
  vendor?: VendorPlans,
) {
  /** Fixed windows per limit: window start (s) and count. */
  const windows = new Map<LimitSpec, { start: number; count: number }>();
  let faults: FaultOptions = {};
  let stats: Stats = { total: 0, byRoute: {} };
  let refused = 0;
  let served = 0;
  let lost = 0;
  let second = 0;
  let inSecond = 0;
  let trips: RoundTrips | undefined;
  return {
    setRoundTrips(r: RoundTrips) {
      trips = r;
    },
    count(route: string) {
      stats.total++;
      stats.byRoute[route] = (stats.byRoute[route] ?? 0) + 1;
    },
    /** Applies latency, rate limit and failures; true when the request was answered here. */
    async gate(res: ServerResponse, route = ''): Promise<boolean> {
      if (trips) {
        const t = trips;
        const wave = t.begin();
        res.once('close', () => t.end(wave));
      }
      const limits = faults.plan ? vendor?.plans[faults.plan] : undefined;
      if (faults.plan && !limits) throw new Error(`unknown plan ${faults.plan}: one of ${Object.keys(vendor?.plans ?? {}).join(', ')}`);
      for (const spec of limits ?? []) {
        if (spec.routes && !spec.routes.includes(route)) continue;
        const start = Math.floor(Date.now() / 1000 / spec.windowS) * spec.windowS;
        const w = windows.get(spec);
        const cur = w && w.start === start ? w : { start, count: 0 };
        windows.set(spec, cur);
        if (cur.count >= spec.limit) {
          const resetS = Math.max(1, Math.ceil(start + spec.windowS - Date.now() / 1000));
          refused++;
          send(res, 429, vendor?.refusedBody?.(spec) ?? errors.rateLimited(), {
            ...vendor?.headers?.(spec, 0),
            ...vendor?.refusedHeaders?.(spec, resetS),
          });
          return true;
        }
        cur.count++;
        for (const [k, v] of Object.entries(vendor?.headers?.(spec, spec.limit - cur.count) ?? {})) res.setHeader(k, v);
      }
      // The work (and its latency) comes after the edge's rate limit, as at the vendors.
      if (faults.latencyMs) await sleep(faults.latencyMs);
      const nowS = Math.floor(Date.now() / 1000);
      if (nowS !== second) {
        second = nowS;
        inSecond = 0;
      }
      inSecond++;
      if (faults.rateLimitPerSecond !== undefined && inSecond > faults.rateLimitPerSecond) {
        refused++;
        send(res, 429, errors.rateLimited(), { 'retry-after': String(faults.retryAfterSeconds ?? 1) });
        return true;
      }
      served++;
      if (served <= (faults.failFirst ?? 0)) {
        const status = faults.failStatus ?? 503;
        send(res, status, errors.failure(status));
        return true;
      }
      const rate = faults.failureRate ?? 0;
      // Deterministic: the first request fails, then one in every 1/rate.
      if (rate > 0 && Math.ceil(served * rate) > Math.ceil((served - 1) * rate)) {
        const status = faults.failStatus ?? 503;
        send(res, status, errors.failure(status));
        return true;
      }
      return false;
    },
    /**
     * After a write was performed: true when its answer is to be lost (faults.loseAnswers); the
     * caller then resets the connection or answers the failure (`lostAnswer`).
     */
    loseAnswer(method: string): boolean {
      if (method === 'GET' || method === 'HEAD' || lost >= (faults.loseAnswers ?? 0)) return false;
      lost++;
      return true;
    },
    lostAnswer(res: ServerResponse) {
      if (faults.loseAnswerAs === 'status') {
        const status = faults.failStatus ?? 503;
        send(res, status, errors.failure(status));
      } else res.socket?.destroy();
    },
    stats: (): Stats => ({ total: stats.total, byRoute: { ...stats.byRoute }, ...(refused ? { refused } : {}) }),
    reset() {
      stats = { total: 0, byRoute: {} };
      refused = 0;
    },
    setFaults(f: FaultOptions) {
      faults = { ...f };
      served = 0;
      lost = 0;
      // rateLimitPerSecond counts from the fault on: earlier requests of this second do not count.
      inSecond = 0;
    },
  };
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export interface JsonSimOptions {
  host: string;
  port: number;
  routes: Route[];
  errors: VendorErrors;
  /** Returns an error answer when the request is not authenticated. */
  authenticate(req: SimRequest): HttpError | undefined;
  faults?: FaultOptions;
  /** Extra headers on every answer (e.g. Stripe's Request-Id). */
  headers?: () => Record<string, string>;
  /** The vendor's plans, for `faults.plan`. */
  plans?: VendorPlans;
}

/** A JSON REST simulator: routing, auth, faults, counters. */
export async function startJsonSim(o: JsonSimOptions): Promise<SimServer> {
  const compiled = o.routes.map((r) => ({ ...r, ...compile(r.pattern) }));
  const gate = createFaultGate(o.errors, sendJson, o.plans);
  if (o.faults) gate.setFaults(o.faults);
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    let route: (typeof compiled)[number] | undefined;
    let params: Record<string, string> = {};
    for (const r of compiled) {
      if (r.method !== method) continue;
      const m = r.re.exec(path);
      if (m) {
        route = r;
        params = Object.fromEntries(r.names.map((n, i) => [n, decodeURIComponent(m[i + 1])]));
        break;
      }
    }
    gate.count(route ? `${method} ${route.pattern}` : `${method} (unknown)`);
    const extra = o.headers?.() ?? {};
    try {
      if (await gate.gate(res, route ? `${method} ${route.pattern}` : '')) return;
      const body = await readBody(req);
      const simReq: SimRequest = { method, path, query: url.searchParams, rawQuery: url.search.slice(1), headers: req.headers, body };
      const denied = o.authenticate(simReq);
      if (denied) throw denied;
      if (!route) throw new HttpError(404, o.errors.notFound());
      const out = await route.handle(simReq, params);
      if (out instanceof HttpError) throw out;
      if (gate.loseAnswer(method)) return gate.lostAnswer(res);
      const status = (out as { __status?: number })?.__status;
      if (status) {
        const { __status: _s, __headers: h, ...rest } = out as { __status: number; __headers?: Record<string, string> };
        sendJson(res, status, rest, { ...extra, ...h });
      } else sendJson(res, 200, out, extra);
    } catch (err) {
      if (err instanceof HttpError)
        sendJson(res, err.status, err.status === 413 ? o.errors.tooLarge() : err.body, { ...extra, ...err.headers });
      else sendJson(res, 500, o.errors.failure(500), extra);
    }
  });
  await new Promise<void>((r) => server.listen(o.port, o.host, r));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${o.host}:${port}`,
    stats: gate.stats,
    resetStats: () => gate.reset(),
    setFaults: (f) => gate.setFaults(f),
    setRoundTrips: (r) => gate.setRoundTrips(r),
    close: () =>
      new Promise<void>((r) => {
        server.close(() => r());
        server.closeAllConnections();
      }),
  };
}

/** A response with a status other than 200. */
export function withStatus<T extends object>(status: number, body: T, headers?: Record<string, string>): T & { __status: number } {
  return Object.assign({}, body, { __status: status, ...(headers ? { __headers: headers } : {}) });
}

export function jsonBody<T>(req: SimRequest): T {
  try {
    return JSON.parse(req.body.toString('utf8') || '{}') as T;
  } catch {
    throw new HttpError(400, { error: 'invalid JSON' });
  }
}
