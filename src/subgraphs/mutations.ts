/**
 * What every subgraph's mutations share: whose record a mutation acts on, the vendor idempotency
 * key derived from the client's, input checks that name the field, and the audit entry each write
 * leaves (awaited before the answer: an unrecorded write is not acknowledged).
 */
import { createHash } from 'node:crypto';
import { GraphQLError, type GraphQLResolveInfo } from 'graphql';
import type { AuditEvent, AuditLog } from '../audit/index.js';
import type { RequestContext } from '../auth/context.js';
import { canAccessCustomer, checkCustomerId, CUSTOMER_FORBIDDEN, ownCustomerId } from '../auth/principal.js';
import { BadUserInputError, ErrorCode, ForbiddenError } from '../errors/index.js';

/**
 * The customer a mutation acts on: a customer token acts on its own record (naming another one is
 * FORBIDDEN); staff and partners name it (`argument`), and must be allowed to reach it.
 */
export function targetCustomer(ctx: RequestContext, customerId: string | null | undefined, argument: string): string {
  const own = ownCustomerId(ctx.principal);
  const id = customerId ?? own;
  if (!id) throw new BadUserInputError(`Name the customer: ${argument} is required for staff and partner tokens, e.g. "1001".`, argument);
  if (customerId != null) checkCustomerId(customerId);
  if (!canAccessCustomer(ctx.principal, id)) throw new ForbiddenError(CUSTOMER_FORBIDDEN);
  return id;
}

/**
 * The key a vendor receives for this write, derived from the client's `Idempotency-Key` (already
 * scoped to the principal by the HTTP layer) and the action, so one client key never collides
 * across actions or vendors. None without a client key: such a write is then not retried.
 */
export function vendorIdempotencyKey(
  ctx: RequestContext,
  action: string,
  info?: Pick<GraphQLResolveInfo, 'fieldName' | 'path'>,
): string | undefined {
  if (!ctx.idempotencyKey) return undefined;
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
 * Runs a write and appends its audit entry with the outcome: `ok`, `denied` (FORBIDDEN or
 * UNAUTHENTICATED) or `failed` (anything else, with the error code). The entry is awaited.
 *
 * `repeatable`: running the write again under the same client key cannot write twice (the vendor
 * receives a key derived from it, or the write is idempotent by design). Such a write that failed
 * for a passing reason frees the client's `Idempotency-Key`, so the client's retry with the same key
 * runs it again (and, should the lost attempt have reached the vendor, gets its result) instead of
 * replaying the failure or pushing the client to a new key, which could write twice.
 */
export async function audited<T>(
  audit: AuditLog,
  ctx: RequestContext,
  event: Omit<AuditEvent, 'outcome'>,
  run: (e: { customerId?: string | null; detail?: Record<string, string | number | boolean | null> }) => Promise<T>,
  opts: { repeatable?: boolean } = {},
): Promise<T> {
  const found: { customerId?: string | null; detail?: Record<string, string | number | boolean | null> } = {};
  try {
    const out = await run(found);
    settleKeyedWrite(ctx, undefined, opts);
    await audit.record(ctx, {
      ...event,
      customerId: found.customerId ?? event.customerId,
      detail: { ...event.detail, ...found.detail },
      outcome: 'ok',
    });
    return out;
  } catch (err) {
    const raw = err instanceof GraphQLError ? err.extensions.code : undefined;
    const code: string = typeof raw === 'string' ? raw : ErrorCode.INTERNAL_SERVER_ERROR;
    settleKeyedWrite(ctx, code, opts);
    const denied = code === (ErrorCode.FORBIDDEN as string) || code === (ErrorCode.UNAUTHENTICATED as string);
    await audit.record(ctx, {
      ...event,
      customerId: found.customerId ?? event.customerId,
      detail: { ...event.detail, ...found.detail, code },
      outcome: denied ? 'denied' : 'failed',
    });
    throw err;
  }
}
