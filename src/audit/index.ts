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
/** A vendor's name (src/vendors/<vendor>), or `portico`: the gateway itself (partner tokens, purges, replays). */
export type AuditSystem = string;

export interface AuditEvent {
  /** When it happened, ISO 8601, when not now (an entry kept in the local spool and replayed later). */
  at?: string;
  /** What happened, `<object>.<verb>`: `contact.update`, `ticket.open`, `partnerToken.create`, `customer.read`. */
  action: string;
  /** The customer concerned (CRM contact id), when there is one. */
  customerId?: string | null;
  /**
   * The customers concerned when there are several (a staff list's page read in one request): one
   * entry for all of them (`customerId` null), indexed under each, so `auditLog(customerId:)` finds it.
   */
  customerIds?: readonly string[];
  /** The systems touched. */
  systems: readonly AuditSystem[];
  /** Field names touched (never their values, never secrets or card data). */
  fields: readonly string[];
  outcome: 'ok' | 'denied' | 'failed';
  /** Optional non-secret detail (ids of created objects, error codes). */
  detail?: Readonly<Record<string, string | number | boolean | null>>;
}

/** What an entry takes from the request: who, its id, its operation. */
export type AuditContext = Pick<RequestContext, 'principal' | 'requestId' | 'operationName'>;

export interface AuditLog {
  /**
   * Appends one entry; `ctx` gives who (principal), the request id and the operation. Writes
   * await it before answering (an unrecorded write is not acknowledged); reads may fire and forget.
   */
  record(ctx: AuditContext | null, event: AuditEvent): Promise<void>;
  /**
   * Undefined when the log can take more entries now; else a promise that resolves once it can (its
   * queue of entries waiting for the store is past its byte bound, AUDIT_QUEUE_MAX_BYTES). Readers
   * that do not wait for their entries wait for this first, so the queue stays bounded.
   * @default always room
   */
  room?(): Promise<void> | undefined;
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
  /** Every customer of an entry about several (a list read); absent in entries about one or none. */
  customerIds?: string[];
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
    super(`The action was not completed (nothing was changed): ${detail}. Try again shortly.`, {
      extensions: { code: ErrorCode.AUDIT_UNAVAILABLE, http: { status: 503 } },
    });
  }
}

/** Who, as an entry records it: kind, subject or partner id, roles or scopes. Never a token. */
export function auditActor(ctx: AuditContext | null): AuditActor {
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

/** What a run learns as it goes and its entry records: the customer it acts on, ids of what it created. */
export interface AuditNote {
  customerId?: string | null;
  detail?: Record<string, string | number | boolean | null>;
}

export interface AuditedOptions<T> {
  /** Detail taken from the result (ids of created objects). */
  detail?: (result: T) => AuditEvent['detail'];
  /** Told how the run ended: `undefined` = done, else the error code (keyed writes, src/subgraphs/mutations.ts). */
  settled?: (code: string | undefined) => void;
}

/** The error code of a failure (`extensions.code`), INTERNAL_SERVER_ERROR for anything else. */
const codeOf = (err: unknown): string => {
  const raw = err instanceof GraphQLError ? err.extensions.code : undefined;
  return typeof raw === 'string' ? raw : ErrorCode.INTERNAL_SERVER_ERROR;
};

/**
 * Runs a write or admin action and records it, the one helper every write and admin action uses:
 *
 * - refused before anything is sent (AUDIT_UNAVAILABLE, HTTP 503 with Retry-After) while the log
 *   is known to be down: a write that could not be recorded is not made;
 * - recorded after it as `ok`, `denied` (FORBIDDEN or UNAUTHENTICATED) or `failed` (with `code`),
 *   naming the customer the run was about (`note.customerId`, set as soon as it is known, so a
 *   denied attempt on another customer's record shows in that customer's log);
 * - once the action is done it is reported done: an entry that cannot be stored then (Redis died
 *   or hung in between) goes to the local spool (src/audit/spool.ts) and is replayed later, and if
 *   even that fails it is logged as an error and counted, never turned into a failed answer for
 *   a write the vendor has taken. The client's retry would otherwise make the write twice.
 */
export async function audited<T>(
  audit: AuditLog,
  ctx: RequestContext | null,
  event: Omit<AuditEvent, 'outcome'>,
  run: (note: AuditNote) => Promise<T>,
  opts: AuditedOptions<T> = {},
): Promise<T> {
  if (audit.ready?.() === false) throw new AuditUnavailableError('the audit log is unreachable');
  const note: AuditNote = {};
  const entry = (outcome: AuditEvent['outcome'], detail?: AuditEvent['detail']): AuditEvent => {
    const all = { ...event.detail, ...note.detail, ...detail };
    return { ...event, customerId: note.customerId ?? event.customerId, detail: Object.keys(all).length ? all : undefined, outcome };
  };
  let result: T;
  try {
    result = await run(note);
  } catch (err) {
    const code = codeOf(err);
    opts.settled?.(code);
    const denied = code === (ErrorCode.FORBIDDEN as string) || code === (ErrorCode.UNAUTHENTICATED as string);
    // Nothing was done: the caller's error stands whether or not its entry could be stored.
    await audit.record(ctx, entry(denied ? 'denied' : 'failed', { code })).catch((e: unknown) => unrecorded(ctx, event, e));
    throw err;
  }
  opts.settled?.(undefined);
  await audit.record(ctx, entry('ok', opts.detail?.(result))).catch((e: unknown) => unrecorded(ctx, event, e));
  return result;
}

function unrecorded(ctx: RequestContext | null, event: Omit<AuditEvent, 'outcome'>, err: unknown) {
  ctx?.logger.error(
    { action: event.action, err: (err as Error)?.message },
    'audit entry NOT stored (neither in Redis nor in the local spool); the action stands',
  );
}
