/** The audit log (its HMAC chain, retention, spool) and the replay of keyed mutations. */
import { z } from 'zod';
import { ConfigError, int, parseVar, productionProblems, section, type Env } from './vars.js';

/** Development key of the audit log's HMAC chain. Production refuses it (anyone could re-sign a rewritten log). */
export const DEV_AUDIT_HMAC_KEY = 'portico-dev-only-audit-hmac-key-00000000000';

export interface AuditConfig {
  audit: { retentionDays: number; hmacKey: string; spoolDir: string; queueMaxBytes: number };
  idempotency: { ttlS: number; lockS: number };
}

export const audit = section({
  vars: {
    AUDIT_RETENTION_DAYS: {
      schema: int(1, 3650).prefault('400'),
      example: '400',
      doc: 'How long audit log entries are kept in Redis (older ones are trimmed as new ones arrive; `npm run audit -- verify` starts at the first kept entry). Ship the JSON log lines (`"msg":"audit"`) to a SIEM for longer.',
    },
    AUDIT_HMAC_KEY: {
      schema: z.string().min(32, 'must be at least 32 characters'),
      example: '$(openssl rand -hex 32)',
      doc: "Secret key of the audit log chain: each entry's hash is an HMAC-SHA256 with it, so someone who can write to Redis but lacks the key cannot rewrite entries unnoticed. `npm run audit -- verify` needs the same value. Development has a built-in one; production has none.",
      secret: true,
      dev: DEV_AUDIT_HMAC_KEY,
      devRefused: 'key',
      requiredInProduction: 'in production (it signs the audit log chain)',
    },
    AUDIT_SPOOL_DIR: {
      schema: z.string().min(1).prefault('.portico/audit-spool'),
      example: '/var/lib/portico/audit-spool',
      doc: 'Where audit entries of actions already done are kept when Redis cannot take them (killed or hung in the middle of a write), one NDJSON file per process, until they are replayed into the chain (every few seconds once Redis is back, by any instance sharing the folder). Put it on a persistent volume in production.',
    },
    AUDIT_QUEUE_MAX_BYTES: {
      schema: int(64 * 1024, 1024 * 1024 * 1024).prefault(String(8 * 1024 * 1024)),
      example: '8388608',
      doc: 'Byte bound (estimated) of the audit entries waiting for Redis in this process. Reads do not wait for their entries to be stored; past this bound an audited read (a staff or partner request, e.g. a staff list served from the response cache: one entry naming its 50 customers) waits for room (at most 2 s) before it is answered, so a load that records faster than Redis stores slows down instead of growing memory; with Redis stalled, reads go on after that wait and, past twice the bound, their entries fail at once (counted in portico_audit_failures_total{kind="read"}, logged as not stored) instead of queuing. Reported in /metrics (`portico_local_cache_bytes{cache="audit_queue"}`).',
    },
    IDEMPOTENCY_TTL_HOURS: {
      schema: int(24, 720).prefault('24'),
      example: '24',
      doc: 'How long the response of a mutation sent with an `Idempotency-Key` is kept and replayed to retries with the same key (at least 24).',
    },
    IDEMPOTENCY_LOCK_S: {
      schema: int(5, 600).prefault('60'),
      example: '60',
      doc: 'How long a keyed mutation holds its key at most while running: retries get 409 meanwhile. It is held as a lease of a sixth of this (2-10 s) renewed while the request runs, so a killed instance frees its keys within the lease.',
    },
  },
  build: (v): AuditConfig => ({
    audit: {
      retentionDays: v.AUDIT_RETENTION_DAYS,
      hmacKey: v.AUDIT_HMAC_KEY ?? '',
      spoolDir: v.AUDIT_SPOOL_DIR,
      queueMaxBytes: v.AUDIT_QUEUE_MAX_BYTES,
    },
    idempotency: { ttlS: v.IDEMPOTENCY_TTL_HOURS * 3600, lockS: v.IDEMPOTENCY_LOCK_S },
  }),
});

/**
 * The audit key alone, by the gateway's rules (for `npm run audit -- verify`, which needs the key the
 * gateways sign with but none of their other settings, and so imports this module alone, not the
 * whole configuration with every vendor's SDK). Throws ConfigError naming the problem.
 */
export function loadAuditHmacKey(env: Env = process.env): string {
  const spec = audit.vars.AUDIT_HMAC_KEY;
  const r = parseVar('AUDIT_HMAC_KEY', spec, env);
  const problems = r.problem
    ? [r.problem]
    : (env.NODE_ENV ?? 'development') === 'production'
      ? productionProblems('AUDIT_HMAC_KEY', spec, r.value)
      : [];
  if (problems.length > 0 || typeof r.value !== 'string') throw new ConfigError(problems);
  return r.value;
}
