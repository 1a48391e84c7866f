/**
 * What the app's own AuditLog is given, seen from outside: each `record` call is noted (with its
 * actor) and passed through unchanged to the real log, which stores it (Redis, or the spool).
 */
import { auditActor, type AuditActor, type AuditEvent } from '../../src/audit/index.js';
import type { TestApp } from './app.js';

export type TappedEntry = AuditEvent & { actor: AuditActor };

/** Notes every entry the app records from now on into the returned array (clear it with `length = 0`). */
export function tapAudit(t: TestApp): TappedEntry[] {
  const entries: TappedEntry[] = [];
  const audit = t.app.shared.audit;
  const record = audit.record.bind(audit);
  audit.record = async (ctx, e) => {
    entries.push({ ...e, actor: auditActor(ctx) });
    await record(ctx, e);
  };
  return entries;
}
