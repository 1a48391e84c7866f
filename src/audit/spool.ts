/**
 * The local durable fallback of the audit log. An action refused before it starts needs no entry
 * (src/audit/index.ts `audited` refuses while Redis is known to be down); but Redis can die or hang
 * between the vendor taking a write and its entry being appended. The write is done then, and
 * must be reported done (a client told it failed retries and writes twice), so its entry goes to
 * disk instead: one NDJSON line, written and fsynced, in `dir` (AUDIT_SPOOL_DIR), before the answer.
 *
 * Every `replayEveryMs`, while Redis is reachable, each spool file in `dir` (this process's and
 * any left by a crashed or other instance sharing the folder) is claimed by renaming it (atomic:
 * one claimer wins) and its entries are appended to the chain in order, with their original time
 * (`at`), unless the log already holds it (an append that timed out on a hung Redis and was applied
 * when it resumed). A failure puts the rest back. A process killed in the middle of a replay may
 * append an entry twice (same `at`, request id and detail); none is ever lost.
 */
import { randomUUID } from 'node:crypto';
import { accessSync, constants, mkdirSync } from 'node:fs';
import { open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import { join } from 'node:path';
import { ANONYMOUS, userPrincipal, type Role } from '../auth/principal.js';
import type { Logger } from '../platform/logger.js';
import { auditActor, type AuditActor, type AuditContext, type AuditEvent, type AuditLog } from './index.js';

export interface AuditSpoolOptions {
  dir: string;
  logger: Logger;
  /** Entries kept on disk (`spooled`) and replayed into Redis later (`replayed`) (metrics). */
  onSpool?: (what: 'spooled' | 'replayed', n: number) => void;
  /** @default 2000 */
  replayEveryMs?: number;
}

interface SpoolLine {
  actor: AuditActor;
  requestId: string | null;
  operation: string | null;
  event: AuditEvent;
}

/** A context that records as the same actor (a replayed entry names who acted, not the replayer). */
function contextOf(line: SpoolLine): AuditContext | null {
  const a = line.actor;
  const base = { requestId: line.requestId ?? '', operationName: line.operation ?? undefined };
  switch (a.kind) {
    case 'system':
      return null;
    case 'user':
      return { ...base, principal: userPrincipal(a.subject ?? '', (a.roles ?? []) as Role[]) };
    case 'partner':
      return { ...base, principal: { kind: 'partner', partnerId: a.partnerId ?? '', name: '', scopes: new Set(a.scopes ?? []) } };
    case 'anonymous':
      return { ...base, principal: ANONYMOUS };
  }
}

export function withAuditSpool<L extends AuditLog>(inner: L, o: AuditSpoolOptions): L & { replay(): Promise<number> } {
  try {
    mkdirSync(o.dir, { recursive: true });
    accessSync(o.dir, constants.W_OK);
  } catch (err) {
    throw new Error(
      `AUDIT_SPOOL_DIR=${o.dir} cannot be written (${(err as NodeJS.ErrnoException).code ?? (err as Error).message}): point it at a folder this process may write, on a persistent volume, e.g. AUDIT_SPOOL_DIR=/var/lib/portico/audit-spool`,
      { cause: err },
    );
  }
  const own = join(o.dir, `audit-${process.pid}-${randomUUID().slice(0, 8)}.ndjson`);
  let writing: Promise<unknown> = Promise.resolve();

  /** Appends one line and fsyncs it; lines of this process are written one at a time. */
  const append = (line: SpoolLine) => {
    const run = writing.then(async () => {
      const f = await open(own, 'a');
      try {
        await f.write(`${JSON.stringify(line)}\n`);
        await f.sync();
      } finally {
        await f.close();
      }
    });
    writing = run.catch(() => undefined);
    return run;
  };

  /**
   * An append that timed out on a hung Redis may still have been applied when Redis resumed: the
   * entry is then in the log already (same time, request and action), and is not appended again.
   */
  const alreadyStored = async (line: SpoolLine) => {
    if (!inner.page) return false;
    const e = line.event;
    const customer = e.customerId ?? e.customerIds?.[0];
    const recent = await inner.page(customer ? { customerId: customer, first: 200 } : { first: 1000 });
    return recent.entries.some((x) => x.at === e.at && x.requestId === line.requestId && x.action === e.action && x.outcome === e.outcome);
  };

  let replaying: Promise<number> | undefined;
  const replayOnce = async (): Promise<number> => {
    if (inner.ready?.() === false) return 0;
    let files: string[];
    try {
      files = (await readdir(o.dir)).filter((f) => f.endsWith('.ndjson')).sort();
    } catch {
      return 0;
    }
    let n = 0;
    for (const f of files) {
      const claimed = join(o.dir, `${f}.replaying-${process.pid}-${randomUUID().slice(0, 8)}`);
      try {
        await rename(join(o.dir, f), claimed);
      } catch {
        continue; // another instance claimed it
      }
      await writing; // a line of ours being written lands in the file renamed, or in a new one
      const lines = (await readFile(claimed, 'utf8')).split('\n').filter(Boolean);
      let i = 0;
      try {
        for (; i < lines.length; i++) {
          const line = JSON.parse(lines[i]) as SpoolLine;
          if (await alreadyStored(line)) continue;
          await inner.record(contextOf(line), line.event);
          n++;
        }
      } catch (err) {
        // Redis went away again: the rest waits for the next round, in order, in a file of its own.
        const rest = lines.slice(i);
        const back = join(o.dir, `${f.replace(/\.ndjson$/, '')}-rest-${randomUUID().slice(0, 8)}.ndjson`);
        const h = await open(back, 'a');
        await h.write(`${rest.join('\n')}\n`);
        await h.sync();
        await h.close();
        o.logger.warn({ left: rest.length, err: (err as Error).message }, 'audit spool replay paused');
      }
      await unlink(claimed);
    }
    if (n) {
      o.onSpool?.('replayed', n);
      o.logger.info({ entries: n }, 'audit entries replayed from the local spool into the audit log');
    }
    return n;
  };
  const replay = () => (replaying ??= replayOnce().finally(() => (replaying = undefined)));
  const timer = setInterval(() => void replay().catch(() => undefined), o.replayEveryMs ?? 2000);
  timer.unref();

  return Object.assign(Object.create(inner) as L, inner, {
    async record(ctx: AuditContext | null, e: AuditEvent) {
      // The time is fixed here, so a copy replayed from the spool can be told from the same entry
      // applied late by a Redis that resumed after the append timed out.
      const event = { ...e, at: e.at ?? new Date().toISOString() };
      try {
        await inner.record(ctx, event);
      } catch (err) {
        await append({ actor: auditActor(ctx), requestId: ctx?.requestId ?? null, operation: ctx?.operationName ?? null, event });
        o.onSpool?.('spooled', 1);
        o.logger.warn(
          { action: e.action, file: own, err: (err as Error).message },
          'audit entry kept in the local spool; it is replayed into the audit log when Redis is back',
        );
      }
    },
    replay,
    async close() {
      clearInterval(timer);
      await writing;
      await replay().catch(() => undefined);
      await inner.close?.();
    },
  });
}
