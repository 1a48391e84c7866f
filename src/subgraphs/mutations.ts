/**
 * What every subgraph's mutations share: whose record a mutation acts on, the vendor idempotency
 * key derived from the client's, input checks that name the field, and the audit entry each write
 * leaves (awaited before the answer: an unrecorded write is not acknowledged).
 */
import { createHash } from 'node:crypto';
import { GraphQLError } from 'graphql';
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
export function vendorIdempotencyKey(ctx: RequestContext, action: string): string | undefined {
  if (!ctx.idempotencyKey) return undefined;
  return `portico-${createHash('sha256').update(`${action}\n${ctx.idempotencyKey}`).digest('hex')}`;
}

/** A trimmed string of `min`..`max` characters, or BAD_USER_INPUT naming the field (e.g. `input.subject`). */
export function checkText(value: string, argument: string, min: number, max: number): string {
  const v = value.trim();
  if (v.length < min || v.length > max)
    throw new BadUserInputError(`${argument} must be ${min} to ${max} characters (got ${v.length}).`, argument);
  return v;
}

/**
 * Runs a write and appends its audit entry with the outcome: `ok`, `denied` (FORBIDDEN or
 * UNAUTHENTICATED) or `failed` (anything else, with the error code). The entry is awaited.
 */
export async function audited<T>(
  audit: AuditLog,
  ctx: RequestContext,
  event: Omit<AuditEvent, 'outcome'>,
  run: (e: { customerId?: string | null; detail?: Record<string, string | number | boolean | null> }) => Promise<T>,
): Promise<T> {
  const found: { customerId?: string | null; detail?: Record<string, string | number | boolean | null> } = {};
  try {
    const out = await run(found);
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
