/**
 * The audit spool (src/audit/spool.ts): an entry the durable log refuses is kept on disk, then
 * replayed in order with its original time and actor once the log takes entries again; a spool
 * folder that cannot be written is a start-up error naming AUDIT_SPOOL_DIR.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { pino } from 'pino';
import { auditActor, type AuditContext, type AuditEvent, type AuditLog } from '../../../src/audit/index.js';
import { withAuditSpool } from '../../../src/audit/spool.js';
import { userPrincipal } from '../../../src/auth/principal.js';

/** A durable log that can be switched off, as Redis going away does to the real one. */
function switchable() {
  const stored: (AuditEvent & { actor: unknown; requestId: string | null })[] = [];
  let up = false;
  const log: AuditLog = {
    async record(ctx, e) {
      if (!up) throw new Error('Connection is closed.');
      stored.push({ ...e, actor: auditActor(ctx), requestId: ctx?.requestId ?? null });
    },
    ready: () => up,
  };
  return { log, stored, set: (v: boolean) => (up = v) };
}

const logger = pino({ level: 'silent' });
const ctx: AuditContext = { principal: userPrincipal('1001', ['customer'], '1001'), requestId: 'req-7', operationName: 'Open' };
const event = (n: number): AuditEvent => ({
  action: 'ticket.open',
  customerId: '1001',
  systems: ['zendesk'],
  fields: ['subject'],
  outcome: 'ok',
  detail: { n },
});

test('entries the log refuses are kept on disk, then replayed in order with their time and actor', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'spool-'));
  const inner = switchable();
  const spool = withAuditSpool(inner.log, { dir, logger, replayEveryMs: 60_000 });
  try {
    await spool.record(ctx, event(1));
    await spool.record(ctx, event(2));
    const files = readdirSync(dir);
    assert.equal(files.length, 1);
    const lines = readFileSync(join(dir, files[0]), 'utf8').trim().split('\n');
    assert.equal(lines.length, 2);
    const first = JSON.parse(lines[0]) as { event: AuditEvent; requestId: string };
    assert.equal(first.requestId, 'req-7');
    assert.equal(await spool.replay(), 0, 'nothing replayed while the log is down');
    inner.set(true);
    assert.equal(await spool.replay(), 2);
    assert.deepEqual(
      inner.stored.map((e) => e.detail?.n),
      [1, 2],
    );
    assert.equal(inner.stored[0].at, first.event.at, 'the original time');
    assert.deepEqual(inner.stored[0].actor, { kind: 'user', subject: '1001', roles: ['customer'] });
    assert.equal(inner.stored[0].requestId, 'req-7');
    assert.deepEqual(readdirSync(dir), [], 'the spool is empty after the replay');
    assert.equal(await spool.replay(), 0, 'replayed once');
  } finally {
    await spool.close?.();
  }
});

test('a spool folder that cannot be written is refused at start-up, naming AUDIT_SPOOL_DIR with an example', () => {
  const file = join(mkdtempSync(join(tmpdir(), 'spool-')), 'a-file');
  writeFileSync(file, '');
  assert.throws(() => withAuditSpool(switchable().log, { dir: join(file, 'x'), logger }), /AUDIT_SPOOL_DIR=.*e\.g\. AUDIT_SPOOL_DIR=\//);
});
