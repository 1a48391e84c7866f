/**
 * The audit log: who did what to which customer's data. Every write, every admin action and
 * every staff or partner read of a customer appends one entry.
 *
 * This module is the contract the rest of the code records through (`AuditLog.record`). The
 * implementation here writes JSON log lines only; the durable, hash-chained store in Redis
 * (`auditLog` query, `npm run audit -- verify`) implements the same interface.
 */
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../auth/context.js';
import { ErrorCode } from '../errors/index.js';
import type { Logger } from '../platform/logger.js';

/** The systems an entry can name. `portico` is the gateway itself (partner tokens, purges, replays). */
export type AuditSystem = 'hubspot' | 'stripe' | 'zendesk' | 's3' | 'portico';

export interface AuditEvent {
  /** What happened, `<object>.<verb>`: `contact.update`, `ticket.open`, `partnerToken.create`, `customer.read`. */
  action: string;
  /** The customer concerned (CRM contact id), when there is one. */
  customerId?: string | null;
  /** The systems touched. */
  systems: readonly AuditSystem[];
  /** Field names touched (never their values, never secrets or card data). */
  fields: readonly string[];
  outcome: 'ok' | 'denied' | 'failed';
  /** Optional non-secret detail (ids of created objects, error codes). */
  detail?: Readonly<Record<string, string | number | boolean | null>>;
}

export interface AuditLog {
  /**
   * Appends one entry; `ctx` gives who (principal), the request id and the operation. Writes
   * await it before answering (an unrecorded write is not acknowledged); reads may fire and forget.
   */
  record(ctx: RequestContext | null, event: AuditEvent): Promise<void>;
  /** Whether entries can be stored now (false while the durable store is unreachable). @default always true */
  ready?(): boolean;
  /** Newest first; only the durable (Redis) log has one. */
  page?(query: AuditQuery): Promise<AuditPage>;
  close?(): Promise<void>;
}

export interface AuditQuery {
  customerId?: string;
  first: number;
  /** Stream id of the last entry of the previous page. */
  after?: string;
}

/** One stored entry: what `record` was given, who, when, and its place in the chain. */
export interface StoredAuditEntry {
  /** Redis stream id, e.g. `1732400000000-0`. */
  id: string;
  at: string;
  actor: AuditActor;
  requestId: string | null;
  operation: string | null;
  action: string;
  customerId: string | null;
  systems: string[];
  fields: string[];
  outcome: AuditEvent['outcome'];
  detail: Record<string, string | number | boolean | null> | null;
  /** The previous entry's hash; '' for the first entry ever. */
  prev: string;
  /** The previous entry's stream id; '' for the first entry ever, absent in entries written before AUDIT_HMAC_KEY. */
  prevId?: string;
  /** The MINID (ms) the append of this entry trimmed the stream with; absent before AUDIT_HMAC_KEY. */
  trimBelow?: number;
  /** HMAC-SHA256 (hex, AUDIT_HMAC_KEY) of this entry's stored JSON; a plain SHA-256 in entries written before the key. */
  hash: string;
}

export interface AuditActor {
  kind: 'user' | 'partner' | 'anonymous' | 'system';
  subject?: string;
  roles?: string[];
  partnerId?: string;
  scopes?: string[];
}

export interface AuditPage {
  totalCount: number;
  entries: StoredAuditEntry[];
  hasNextPage: boolean;
}

/** A write or admin action cannot be recorded: it is refused (HTTP 503) rather than done unaudited. */
export class AuditUnavailableError extends GraphQLError {
  constructor(detail = 'the audit log cannot be written') {
    super(`The action was not completed: ${detail}. Try again shortly.`, {
      extensions: { code: ErrorCode.AUDIT_UNAVAILABLE, http: { status: 503 } },
    });
  }
}

/** Who, as an entry records it: kind, subject or partner id, roles or scopes. Never a token. */
export function auditActor(ctx: RequestContext | null): AuditActor {
  const p = ctx?.principal;
  if (!p) return { kind: 'system' };
  if (p.kind === 'user') return { kind: 'user', subject: p.subject, roles: [...p.roles] };
  if (p.kind === 'partner') return { kind: 'partner', partnerId: p.partnerId, scopes: [...p.scopes].sort() };
  return { kind: p.kind };
}

/** Log-line only audit (development without Redis, and until the durable log is wired). */
export function createLogAuditLog(logger: Logger): AuditLog {
  return {
    record(ctx, e) {
      logger.info(
        {
          audit: {
            at: new Date().toISOString(),
            actor: auditActor(ctx),
            requestId: ctx?.requestId ?? null,
            operation: ctx?.operationName ?? null,
            ...e,
          },
        },
        'audit',
      );
      return Promise.resolve();
    },
  };
}

/**
 * Runs a write or admin action and records it: refused before it starts (AUDIT_UNAVAILABLE, HTTP
 * 503) when the log is known to be down; recorded after it as `ok` or `failed` (with the error
 * code); an entry that cannot be stored fails the request, so no action is acknowledged unaudited.
 */
export async function audited<T>(
  audit: AuditLog,
  ctx: RequestContext | null,
  event: Omit<AuditEvent, 'outcome'>,
  run: () => Promise<T>,
  detail?: (result: T) => AuditEvent['detail'],
): Promise<T> {
  if (audit.ready?.() === false) throw new AuditUnavailableError('the audit log is unreachable');
  let result: T;
  try {
    result = await run();
  } catch (err) {
    const code = (err as { extensions?: { code?: unknown } }).extensions?.code;
    await audit.record(ctx, { ...event, outcome: 'failed', detail: { ...event.detail, error: typeof code === 'string' ? code : 'ERROR' } });
    throw err;
  }
  await audit.record(ctx, { ...event, outcome: 'ok', detail: detail ? { ...event.detail, ...detail(result) } : event.detail });
  return result;
}
