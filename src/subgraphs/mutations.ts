/**
 * What every subgraph's mutations share: whose record a mutation acts on, the vendor idempotency
 * key derived from the client's, input checks that name the field, and the audit entry each write
 * leaves (awaited before the answer: an unrecorded write is not acknowledged).
 */
import { createHash, randomUUID } from 'node:crypto';
import type { GraphQLResolveInfo } from 'graphql';
import { audited as auditedAction, type AuditEvent, type AuditLog, type AuditNote } from '../audit/index.js';
import type { RequestContext } from '../auth/context.js';
import { canAccessCustomer, checkCustomerId, CUSTOMER_FORBIDDEN, ownCustomerId } from '../auth/principal.js';
import { BadUserInputError, ErrorCode, ForbiddenError } from '../errors/index.js';

/**
 * The customer a mutation acts on: a customer token acts on its own record (naming another one is
 * FORBIDDEN); staff and partners name it (`argument`), and must be allowed to reach it. The audit
 * note names it before the check, so a denied attempt is recorded against the customer targeted.
 */
export function targetCustomer(ctx: RequestContext, customerId: string | null | undefined, argument: string, note?: AuditNote): string {
  const own = ownCustomerId(ctx.principal);
  const id = customerId ?? own;
  if (!id) throw new BadUserInputError(`Name the customer: ${argument} is required for staff and partner tokens, e.g. "1001".`, argument);
  if (customerId != null) checkCustomerId(customerId);
  if (note) note.customerId = id;
  if (!canAccessCustomer(ctx.principal, id)) throw new ForbiddenError(CUSTOMER_FORBIDDEN);
  return id;
}

/**
 * The key a vendor receives for this write, derived from the client's `Idempotency-Key` (already
 * scoped to the principal by the HTTP layer) and the action, so one client key never collides
 * across actions or vendors. Without a client key, a fresh random key for this one call: the
 * gateway's own retries of it (an attempt whose answer was lost after the vendor acted) then get
 * the first result instead of doing it twice; a client that sends the mutation again without a key
 * asks for a second write, as it always did.
 */
export function vendorIdempotencyKey(ctx: RequestContext, action: string, info?: Pick<GraphQLResolveInfo, 'fieldName' | 'path'>): string {
  if (!ctx.idempotencyKey) return `portico-once-${randomUUID()}`;
  // Two aliased writes of one action in one document (MAX_WRITES > 1) get keys of their own;
  // an unaliased write keeps the key it always had.
  const slot = info && info.path.key !== info.fieldName ? `${action}\n${String(info.path.key)}` : action;
  return `portico-${createHash('sha256').update(`${slot}\n${ctx.idempotencyKey}`).digest('hex')}`;
}

/** A trimmed string of `min`..`max` characters, or BAD_USER_INPUT naming the field (e.g. `input.subject`). */
export function checkText(value: string, argument: string, min: number, max: number): string {
  const v = value.trim();
  if (v.length < min || v.length > max)
    throw new BadUserInputError(`${argument} must be ${min} to ${max} characters (got ${v.length}).`, argument);
  return v;
}

/** `audited`'s option for writes that a retry under the same client key cannot make twice. */
export const REPEATABLE = { repeatable: true } as const;

/** Failures that say nothing about the write itself: the vendor (or its budget) could not take it now. */
const PASSING = new Set<string>([ErrorCode.UPSTREAM_UNAVAILABLE, ErrorCode.UPSTREAM_TIMEOUT, ErrorCode.RATE_LIMITED]);

/**
 * Tells the HTTP layer how a write under a client `Idempotency-Key` ended (RequestContext.keyedWrites):
 * `code` undefined = done; a passing failure of a `repeatable` write may be run again under the key.
 */
export function settleKeyedWrite(ctx: RequestContext, code: string | undefined, opts: { repeatable?: boolean }): void {
  if (!ctx.keyedWrites) return;
  if (code !== undefined && opts.repeatable && PASSING.has(code)) ctx.keyedWrites.retryable = true;
  else ctx.keyedWrites.final = true;
}

/**
 * Runs a write through the one audit helper (src/audit/index.ts `audited`: refused before anything
 * is sent while the audit log is down; once done, reported done) and tells the HTTP layer how a
 * write under a client `Idempotency-Key` ended.
 *
 * `repeatable`: running the write again under the same client key cannot write twice (the vendor
 * receives a key derived from it, or the write is idempotent by design). Such a write that failed
 * for a passing reason frees the client's `Idempotency-Key`, so the client's retry with the same key
 * runs it again (and, should the lost attempt have reached the vendor, gets its result) instead of
 * replaying the failure or pushing the client to a new key, which could write twice.
 */
export function audited<T>(
  audit: AuditLog,
  ctx: RequestContext,
  event: Omit<AuditEvent, 'outcome'>,
  run: (note: AuditNote) => Promise<T>,
  opts: { repeatable?: boolean } = {},
): Promise<T> {
  return auditedAction(audit, ctx, event, run, { settled: (code) => settleKeyedWrite(ctx, code, opts) });
}
