/**
 * The Salesforce REST client: OAuth 2.0 client credentials, then every API call under the shared
 * upstream policy (platform/upstream.ts: deadline, retries, retry budget, breaker, vendor budget).
 * Not platform/http.ts, because Salesforce needs three things that client hides: the response's
 * Sforce-Limit-Info header (the org's daily allocation), a 401 that means "fetch a new token and
 * send again once", and a 403 REQUEST_LIMIT_EXCEEDED that is a rate limit, not a refusal.
 *
 * Secrets: the client secret goes only into the token request's form body, the access token only
 * into the Authorization header. Neither is logged, put in an error or kept in a span (the
 * tracing records no URL, query, body or header: platform/upstream-tracing.ts).
 */
import { Agent, request } from 'undici';
import { z } from 'zod';
import { UpstreamError } from '../../errors/index.js';
import { parseUpstream, UpstreamHttpError } from '../../platform/http.js';
import type { Logger } from '../../platform/logger.js';
import { RetryableError, type UpstreamPolicy } from '../../platform/upstream.js';
import { traceAttempt } from '../../platform/upstream-tracing.js';
import type { Priority } from '../../platform/budget.js';

/** The REST API version Portico speaks (the simulator's, sim/salesforce). */
export const SALESFORCE_API_VERSION = 'v62.0';

export interface SalesforceClientOptions {
  /** The org's My Domain URL, e.g. https://acme.my.salesforce.com (SALESFORCE_INSTANCE_URL). */
  instanceUrl: string;
  /** OAuth token endpoint, e.g. https://acme.my.salesforce.com/services/oauth2/token (SALESFORCE_TOKEN_URL). */
  tokenUrl: string;
  /** Connected app consumer key and secret (SALESFORCE_CLIENT_ID, SALESFORCE_CLIENT_SECRET). */
  clientId: string;
  clientSecret: string;
  /** Upstream policy of system 'crm' (its budget, if any, should be vendor 'salesforce': SALESFORCE_BUDGETS). */
  policy: UpstreamPolicy;
  logger?: Logger;
  /**
   * The org's session timeout (Setup > Session Settings, or the connected app's own): Salesforce's
   * token response has no expires_in, so a token is taken to live this long from its issued_at.
   * @default 7200 (2 h, Salesforce's default)
   */
  sessionLifetimeS?: number;
  /** A token is replaced this long before it would expire. @default 300 */
  refreshEarlyS?: number;
  /** Milliseconds since the epoch (tests share the simulator's clock). @default Date.now */
  now?: () => number;
}

export interface SalesforceRequest {
  method: 'GET' | 'POST' | 'PATCH';
  /** Path under the instance URL: `/services/data/v62.0/...` (a query's nextRecordsUrl as given). */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  /** Low-cardinality name for logs, metrics and spans, e.g. 'contacts.query'. */
  route: string;
  /** Safe to send twice. @default method === 'GET' */
  idempotent?: boolean;
  priority?: Priority;
  headers?: Record<string, string>;
}

export interface SalesforceClient {
  /** `/services/data/v62.0` */
  readonly base: string;
  /** Sends one API call; 4xx other than 401 and REQUEST_LIMIT_EXCEEDED throw UpstreamHttpError with Salesforce's error array. */
  send<T>(req: SalesforceRequest): Promise<T>;
  /** Token requests made so far (tests, metrics). */
  tokenRequests(): number;
  close(): Promise<void>;
}

const TokenResponse = z.object({
  access_token: z.string().min(1),
  instance_url: z.string().optional(),
  /** Milliseconds since the epoch, as a string. */
  issued_at: z.string().regex(/^\d+$/),
});

/** Salesforce's error body: an array of `{ message, errorCode, fields? }`. */
export interface SalesforceError {
  errorCode: string;
  message: string;
  fields?: string[];
}

export function salesforceErrors(body: unknown): SalesforceError[] {
  if (!Array.isArray(body)) return [];
  return body.filter((e): e is SalesforceError => !!e && typeof e === 'object' && typeof (e as SalesforceError).errorCode === 'string');
}

/** The session was refused (expired, revoked, or the org's timeout is shorter than configured). */
class SessionExpired extends Error {
  readonly status = 401;
}
/** The token endpoint refused our credentials: a configuration error, never retried. */
class LoginRefused extends Error {
  constructor(readonly status: number) {
    super('Salesforce login refused');
  }
}

export function createSalesforceClient(o: SalesforceClientOptions): SalesforceClient {
  const instance = new URL(o.instanceUrl.replace(/\/+$/, ''));
  const base = `/services/data/${SALESFORCE_API_VERSION}`;
  const now = o.now ?? Date.now;
  const lifetimeMs = (o.sessionLifetimeS ?? 7200) * 1000;
  const earlyMs = Math.min((o.refreshEarlyS ?? 300) * 1000, lifetimeMs / 2);
  const agent = new Agent({ keepAliveTimeout: 10_000, connections: 64 });
  let token: { value: string; refreshAt: number } | undefined;
  let pending: Promise<string> | undefined;
  let tokenCalls = 0;

  const classify = (err: unknown) =>
    err instanceof UpstreamHttpError || err instanceof RetryableError || err instanceof SessionExpired || err instanceof LoginRefused
      ? err
      : new RetryableError('unavailable', 'error');

  async function fetchToken(): Promise<string> {
    tokenCalls++;
    const url = new URL(o.tokenUrl);
    const form = new URLSearchParams({ grant_type: 'client_credentials', client_id: o.clientId, client_secret: o.clientSecret });
    const body = await o.policy
      .call(
        // Asking again for a token is harmless (Salesforce hands back the live session).
        { route: 'oauth.token', idempotent: true, classify },
        async (signal, _left, attempt) => {
          const headers = { accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' };
          const info = { system: 'crm', route: 'oauth.token', method: 'POST', resendCount: attempt, host: url.hostname, port: url.port };
          const res = await traceAttempt(info, headers, (h) =>
            request(url, { method: 'POST', headers: h, body: form.toString(), signal, dispatcher: agent }),
          );
          const text = await res.body.text();
          if (res.statusCode >= 500) throw new RetryableError('unavailable', String(res.statusCode));
          if (res.statusCode === 429) throw new RetryableError('rate_limited', '429');
          if (res.statusCode !== 200) {
            // The OAuth error code only (invalid_client, invalid_grant...): its description can quote the request.
            const code = /"error"\s*:\s*"([a-z_]{1,40})"/.exec(text)?.[1] ?? 'unknown';
            o.logger?.error(
              { system: 'crm', vendor: 'salesforce', status: res.statusCode, error: code },
              'Salesforce refused the client credentials: check SALESFORCE_CLIENT_ID and SALESFORCE_CLIENT_SECRET (the connected app ' +
                'must enable the client credentials flow and name a run-as user), and that SALESFORCE_TOKEN_URL is the My Domain token endpoint',
            );
            throw new LoginRefused(res.statusCode);
          }
          return safeJson(text);
        },
      )
      .catch((err: unknown) => {
        throw err instanceof LoginRefused ? new UpstreamError('crm', 'unavailable', 'Salesforce login failed') : err;
      });
    const t = parseUpstream('crm', TokenResponse, body);
    // issued_at is when Salesforce started the session (a repeated request can return a session
    // issued earlier); never later than our own clock, in case Salesforce's runs ahead.
    const issued = Math.min(Number(t.issued_at), now());
    token = { value: t.access_token, refreshAt: issued + lifetimeMs - earlyMs };
    return t.access_token;
  }

  /** The current token, fetching one when there is none or it is due; concurrent callers share one request. */
  function getToken(): Promise<string> {
    if (token && now() < token.refreshAt) return Promise.resolve(token.value);
    pending ??= fetchToken().finally(() => {
      pending = undefined;
    });
    return pending;
  }

  function attempt<T>(req: SalesforceRequest, access: string): Promise<T> {
    const url = new URL(req.path, instance);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = { accept: 'application/json', ...req.headers, authorization: `Bearer ${access}` };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = JSON.stringify(req.body);
      headers['content-type'] = 'application/json';
    }
    return o.policy.call(
      { route: req.route, idempotent: req.idempotent ?? req.method === 'GET', classify, priority: req.priority },
      async (signal, _left, n) => {
        const info = { system: 'crm', route: req.route, method: req.method, resendCount: n, host: url.hostname, port: url.port };
        const res = await traceAttempt(info, headers, (h) =>
          request(url, { method: req.method, headers: h, body, signal, dispatcher: agent }),
        );
        const text = await res.body.text();
        // `api-usage=N/M`: the org's rolling 24 h allocation, shared with every other integration.
        const usage = /api-usage=(\d+)\/(\d+)/.exec(String(res.headers['sforce-limit-info'] ?? ''));
        if (usage) o.policy.remaining(undefined, Number(usage[2]) - Number(usage[1]));
        if (res.statusCode < 300) return (text ? JSON.parse(text) : undefined) as T;
        const parsed = safeJson(text);
        if (res.statusCode === 401) throw new SessionExpired('session refused');
        // REQUEST_LIMIT_EXCEEDED is Salesforce's 429: the daily allocation (TotalRequests) or the
        // concurrent long-running requests (ConcurrentPerOrgLongTxn). Neither sends Retry-After.
        if (
          res.statusCode === 429 ||
          (res.statusCode === 403 && salesforceErrors(parsed).some((e) => e.errorCode === 'REQUEST_LIMIT_EXCEEDED'))
        )
          throw new RetryableError('rate_limited', String(res.statusCode));
        if (res.statusCode >= 500) throw new RetryableError('unavailable', String(res.statusCode));
        throw new UpstreamHttpError('crm', res.statusCode, parsed);
      },
    );
  }

  async function send<T>(req: SalesforceRequest): Promise<T> {
    const first = await getToken();
    try {
      return await attempt<T>(req, first);
    } catch (err) {
      if (!(err instanceof SessionExpired)) throw err;
    }
    // INVALID_SESSION_ID: the session ended before we expected (revoked, or a shorter org timeout).
    // One new token and one more try; a second refusal is a configuration problem.
    if (token?.value === first) token = undefined;
    try {
      return await attempt<T>(req, await getToken());
    } catch (err) {
      if (!(err instanceof SessionExpired)) throw err;
      o.logger?.error(
        { system: 'crm', vendor: 'salesforce', route: req.route },
        "Salesforce refused a fresh session: check the run-as user's API Enabled permission and the connected app's OAuth scopes (api)",
      );
      throw new UpstreamError('crm', 'unavailable', 'Salesforce session refused');
    }
  }

  return { base, send, tokenRequests: () => tokenCalls, close: () => agent.close() };
}

function safeJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text.slice(0, 200);
  }
}
