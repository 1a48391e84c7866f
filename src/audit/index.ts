/**
 * The audit log: who did what to which customer's data. Every write, every admin action and
 * every staff or partner read of a customer appends one entry.
 *
 * This module is the contract the rest of the code records through (`AuditLog.record`). The
 * implementation here writes JSON log lines only; the durable, hash-chained store in Redis
 * (`auditLog` query, `npm run audit -- verify`) implements the same interface.
 */
import type { RequestContext } from '../auth/context.js';
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
}

/** Who, as an entry records it: kind, subject or partner id, roles or scopes. Never a token. */
export function auditActor(ctx: RequestContext | null): Record<string, unknown> {
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
      logger.info({ audit: { at: new Date().toISOString(), actor: auditActor(ctx), requestId: ctx?.requestId ?? null, ...e } }, 'audit');
      return Promise.resolve();
    },
  };
}
