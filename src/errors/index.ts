/**
 * The one error catalogue. Every error a client can see carries one of these codes in
 * `extensions.code`; anything else is masked as INTERNAL_SERVER_ERROR by `formatError`.
 */
import { GraphQLError, type GraphQLFormattedError } from 'graphql';

export enum ErrorCode {
  UNAUTHENTICATED = 'UNAUTHENTICATED',
  FORBIDDEN = 'FORBIDDEN',
  BAD_USER_INPUT = 'BAD_USER_INPUT',
  NOT_FOUND = 'NOT_FOUND',
  RATE_LIMITED = 'RATE_LIMITED',
  UPSTREAM_UNAVAILABLE = 'UPSTREAM_UNAVAILABLE',
  UPSTREAM_TIMEOUT = 'UPSTREAM_TIMEOUT',
  GRAPHQL_PARSE_FAILED = 'GRAPHQL_PARSE_FAILED',
  GRAPHQL_VALIDATION_FAILED = 'GRAPHQL_VALIDATION_FAILED',
  BAD_REQUEST = 'BAD_REQUEST',
  QUERY_TOO_COMPLEX = 'QUERY_TOO_COMPLEX',
  PERSISTED_QUERY_NOT_FOUND = 'PERSISTED_QUERY_NOT_FOUND',
  PERSISTED_QUERY_NOT_SUPPORTED = 'PERSISTED_QUERY_NOT_SUPPORTED',
  OPERATION_RESOLUTION_FAILURE = 'OPERATION_RESOLUTION_FAILURE',
  INTERNAL_SERVER_ERROR = 'INTERNAL_SERVER_ERROR',
  /** Same `Idempotency-Key` as an earlier request with another operation or variables (HTTP 422). */
  IDEMPOTENCY_KEY_REUSED = 'IDEMPOTENCY_KEY_REUSED',
  /** Same `Idempotency-Key` as a request still running (HTTP 409): retry after it finished. */
  IDEMPOTENCY_KEY_IN_USE = 'IDEMPOTENCY_KEY_IN_USE',
  /** A keyed mutation cannot be protected now (Redis unreachable, HTTP 503): it is not run. */
  IDEMPOTENCY_UNAVAILABLE = 'IDEMPOTENCY_UNAVAILABLE',
  /** A write or admin action cannot be recorded in the audit log now (HTTP 503): it is not done. */
  AUDIT_UNAVAILABLE = 'AUDIT_UNAVAILABLE',
  /** Too many operations executing and waiting on this instance (HTTP 503, Retry-After): nothing was run; send it again. */
  OVERLOADED = 'OVERLOADED',
  /** The payment was declined (`extensions.declineCode`, the vendor's): nothing was charged. */
  PAYMENT_DECLINED = 'PAYMENT_DECLINED',
}

/** Upstream systems, named in UPSTREAM_* errors so a client knows which part of the page failed. */
export type UpstreamSystem = 'crm' | 'billing' | 'files' | 'support';

export class UnauthenticatedError extends GraphQLError {
  constructor(message = 'A valid bearer token is required.') {
    super(message, { extensions: { code: ErrorCode.UNAUTHENTICATED, http: { status: 401 } } });
  }
}

export class ForbiddenError extends GraphQLError {
  constructor(message = 'You are not allowed to access this field.') {
    super(message, { extensions: { code: ErrorCode.FORBIDDEN } });
  }
}

export class BadUserInputError extends GraphQLError {
  constructor(message: string, argument?: string) {
    super(message, { extensions: { code: ErrorCode.BAD_USER_INPUT, ...(argument ? { argument } : {}) } });
  }
}

/** A declined charge: `declineCode` is the vendor's (e.g. `insufficient_funds`, `expired_card`), for the portal to explain. */
export class PaymentDeclinedGraphQLError extends GraphQLError {
  constructor(message: string, declineCode: string) {
    super(message, { extensions: { code: ErrorCode.PAYMENT_DECLINED, system: 'billing', declineCode } });
  }
}

export class NotFoundError extends GraphQLError {
  constructor(message = 'Not found.') {
    super(message, { extensions: { code: ErrorCode.NOT_FOUND } });
  }
}

export type UpstreamFailure = 'unavailable' | 'timeout' | 'rate_limited';

/** An upstream call failed after the connector's retries. Says which system, never its secrets or body. */
export class UpstreamError extends GraphQLError {
  constructor(
    readonly system: UpstreamSystem,
    readonly failure: UpstreamFailure,
    detail?: string,
    /** Seconds after which a retry may succeed (rate limits): `extensions.retryAfter`. */
    retryAfterS?: number,
  ) {
    const code =
      failure === 'timeout'
        ? ErrorCode.UPSTREAM_TIMEOUT
        : failure === 'rate_limited'
          ? ErrorCode.RATE_LIMITED
          : ErrorCode.UPSTREAM_UNAVAILABLE;
    const what = failure === 'timeout' ? 'did not answer in time' : failure === 'rate_limited' ? 'is rate limiting us' : 'is unavailable';
    super(`The ${system} system ${what}${detail ? ` (${detail})` : ''}. Try again later.`, {
      extensions: { code, system, ...(retryAfterS !== undefined ? { retryAfter: retryAfterS } : {}) },
    });
  }
}

/** Seconds to wait when an error is a rate limit (`extensions.code` RATE_LIMITED): its `retryAfter`, or 1; undefined for any other error. */
export function rateLimitedFor(err: unknown): number | undefined {
  const ext = (err as { extensions?: { code?: unknown; retryAfter?: unknown } } | null)?.extensions;
  if (ext?.code !== ErrorCode.RATE_LIMITED) return undefined;
  return typeof ext.retryAfter === 'number' && ext.retryAfter > 0 ? Math.min(ext.retryAfter, 300) : 1;
}

/**
 * Background work (reconciliation) at a vendor's limit: waits for the budget, the rate limit's
 * retry hint plus jitter, instead of giving up; at most `waits` times.
 */
export async function whenBudgetAllows<T>(fn: () => Promise<T>, waits = 10): Promise<T> {
  for (let i = 0; ; i++) {
    try {
      return await fn();
    } catch (err) {
      const s = rateLimitedFor(err);
      if (s === undefined || i >= waits) throw err;
      await new Promise((r) => setTimeout(r, (s + Math.random()) * 1000));
    }
  }
}

const KNOWN = new Set<string>(Object.values(ErrorCode));

/**
 * The one formatError: keeps catalogued errors (message, code, path, system), masks everything
 * else, strips stack traces and exceptions. Never throws.
 */
export function formatError(formatted: GraphQLFormattedError, error?: unknown): GraphQLFormattedError {
  try {
    const ext = (formatted.extensions ?? {}) as Record<string, unknown>;
    let code = typeof ext.code === 'string' ? ext.code : undefined;
    // Apollo marks some request errors only with an HTTP 4xx status (e.g. an APQ hash that does not
    // match its document): those are the client's, not ours.
    const original = (error as { originalError?: unknown })?.originalError ?? error;
    const status = (original as { extensions?: { http?: { status?: number } } })?.extensions?.http?.status;
    const originalCode = (original as { extensions?: { code?: unknown } })?.extensions?.code;
    if (status && status >= 400 && status < 500 && originalCode === undefined) code = ErrorCode.BAD_REQUEST;
    const keep: Record<string, unknown> = {};
    // Apollo Server gives every error without a code INTERNAL_SERVER_ERROR before calling this, so
    // that code is never trusted: its message is the unknown error's own (it may quote a response body).
    if (code && KNOWN.has(code) && code !== (ErrorCode.INTERNAL_SERVER_ERROR as string)) {
      keep.code = code;
      for (const k of ['system', 'argument', 'retryAfter', 'limit', 'allowed', 'declineCode', 'alreadyRegistered'])
        if (ext[k] !== undefined) keep[k] = ext[k];
      return {
        message: formatted.message,
        ...(formatted.locations ? { locations: formatted.locations } : {}),
        ...(formatted.path ? { path: formatted.path } : {}),
        extensions: keep,
      };
    }
    return {
      message: 'Internal server error.',
      ...(formatted.path ? { path: formatted.path } : {}),
      extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR },
    };
  } catch {
    return { message: 'Internal server error.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } };
  }
}
