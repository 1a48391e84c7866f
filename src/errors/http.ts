/**
 * The HTTP error table: every reply refused outside GraphQL execution (before Apollo, or on routes
 * that are not /graphql) names one reason here, which fixes its status and its `extensions.code`,
 * and goes out through `replyError`, so one refusal cannot answer two different ways.
 */
import type { FastifyReply } from 'fastify';
import { ErrorCode } from './index.js';

export const HTTP_ERRORS = {
  /** A body Fastify could not take (bad JSON, empty JSON body...); its own 4xx status is kept. */
  MALFORMED_REQUEST: { status: 400, code: ErrorCode.BAD_REQUEST },
  /** A header or argument of the HTTP request itself is invalid (e.g. Idempotency-Key). */
  BAD_REQUEST: { status: 400, code: ErrorCode.BAD_REQUEST },
  /** The client's variables cannot be taken (nested deeper than MAX_JSON_DEPTH...). */
  BAD_USER_INPUT: { status: 400, code: ErrorCode.BAD_USER_INPUT },
  /** The GraphQL document is larger than the principal kind's limits. */
  QUERY_TOO_COMPLEX: { status: 400, code: ErrorCode.QUERY_TOO_COMPLEX },
  UNAUTHENTICATED: { status: 401, code: ErrorCode.UNAUTHENTICATED },
  METHOD_NOT_ALLOWED: { status: 405, code: ErrorCode.BAD_REQUEST },
  IDEMPOTENCY_KEY_IN_USE: { status: 409, code: ErrorCode.IDEMPOTENCY_KEY_IN_USE },
  BODY_TOO_LARGE: { status: 413, code: ErrorCode.BAD_REQUEST },
  IDEMPOTENCY_KEY_REUSED: { status: 422, code: ErrorCode.IDEMPOTENCY_KEY_REUSED },
  RATE_LIMITED: { status: 429, code: ErrorCode.RATE_LIMITED },
  INTERNAL: { status: 500, code: ErrorCode.INTERNAL_SERVER_ERROR },
  /** A part of the service this route needs is missing or unreachable (not built, Redis down). */
  UNAVAILABLE: { status: 503, code: ErrorCode.INTERNAL_SERVER_ERROR },
  IDEMPOTENCY_UNAVAILABLE: { status: 503, code: ErrorCode.IDEMPOTENCY_UNAVAILABLE },
  /** Past MAX_OPERATIONS_IN_FLIGHT with the queue full, or no turn within OPERATIONS_QUEUE_WAIT_MS: nothing ran. */
  OVERLOADED: { status: 503, code: ErrorCode.OVERLOADED },
} as const satisfies Record<string, { status: number; code: ErrorCode }>;

export type HttpErrorReason = keyof typeof HTTP_ERRORS;

export interface ReplyErrorOptions {
  /** More `extensions` keys (a limit's name and value, `retryAfter`...). */
  extensions?: Record<string, unknown>;
  /** Sets `Retry-After`, seconds. */
  retryAfterS?: number;
  /** Extra headers (`allow`, `www-authenticate`...). */
  headers?: Record<string, string>;
  /** MALFORMED_REQUEST only: the 4xx status Fastify chose (415 for an unsupported content type...). */
  status?: number;
  /**
   * The body's shape. `graphql` (default): `{"errors":[{"message","extensions":{"code",...}}]}`, what
   * GraphQL clients parse; `text`: the message as text/plain (routes people open: /metrics, the
   * sandbox's assets); `json`: `{"error": message}` (the sandbox's own API).
   */
  body?: 'graphql' | 'text' | 'json';
}

/** The one way a non-GraphQL error reply is sent. */
export function replyError(reply: FastifyReply, reason: HttpErrorReason, message: string, o: ReplyErrorOptions = {}): FastifyReply {
  const e = HTTP_ERRORS[reason];
  const status = reason === 'MALFORMED_REQUEST' && o.status && o.status >= 400 && o.status < 500 ? o.status : e.status;
  if (o.headers) reply.headers(o.headers);
  if (o.retryAfterS !== undefined) reply.header('retry-after', String(o.retryAfterS));
  reply.status(status);
  switch (o.body ?? 'graphql') {
    case 'text':
      return reply.type('text/plain').send(message);
    case 'json':
      return reply.send({ error: message });
    case 'graphql':
      return reply.type('application/json').send({ errors: [{ message, extensions: { code: e.code, ...o.extensions } }] });
  }
}
