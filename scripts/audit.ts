/**
 * npm run audit -- verify
 *
 * Walks the audit log's hash chain on the Redis in REDIS_URL (REDIS_KEY_PREFIX as the gateways
 * use it) from the first kept entry to the head, and reports the first broken link. Exit code 0
 * when the chain holds, 1 when it is broken, 2 on a usage or connection problem.
 */
import { parseArgs } from 'node:util';
import { Redis } from 'ioredis';
import { verifyAuditChain } from '../src/audit/redis.js';

const USAGE = `Usage:
  npm run audit -- verify        e.g. REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX=production npm run audit -- verify`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const { positionals } = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: {} });
  } catch (err) {
    return fail((err as Error).message);
  }
})();
if (positionals[0] !== 'verify') fail(positionals[0] ? `Unknown command "${positionals[0]}".` : 'Say what to do.');
if (positionals.length > 1) fail(`Unexpected argument ${JSON.stringify(positionals[1])}.`);

const url = process.env.REDIS_URL;
if (!url) fail('REDIS_URL is not set: name the Redis the gateways keep the audit log in. Example: REDIS_URL=redis://127.0.0.1:6379');
// The same default as the gateway (src/config): the environment name.
const prefix = process.env.REDIS_KEY_PREFIX || process.env.NODE_ENV || 'development';

const redis = new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 10_000, retryStrategy: () => null, lazyConnect: true });
redis.on('error', () => undefined);
try {
  await redis.connect();
} catch (err) {
  fail(`Cannot reach Redis at REDIS_URL (${(err as Error).message}). Check the URL and that Redis runs.`);
}
console.log(`Verifying the audit log chain under prefix "${prefix}"...`);
const started = Date.now();
try {
  const r = await verifyAuditChain(redis, prefix, (checked, lastId) => console.log(`  ${checked} entries checked (up to ${lastId})`));
  if (r.broken) {
    console.log(`BROKEN at entry ${r.broken.id}: ${r.broken.reason}.`);
    console.log(`${r.checked} entries checked before it (from ${r.firstId ?? '-'}).`);
    console.log(
      'Next: treat the log from that entry on as tampered with; compare it with the SIEM copy (log lines "msg":"audit" carry each entry and its hash).',
    );
    process.exitCode = 1;
  } else if (r.checked === 0) {
    console.log('The audit log is empty: nothing to verify.');
  } else {
    console.log(`OK: ${r.checked} entries checked, from ${r.firstId} to ${r.lastId}, in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    console.log(
      'The first entry checked is the oldest kept (AUDIT_RETENTION_DAYS); its predecessor was trimmed. Next: nothing to do; run this again after an incident or on a schedule.',
    );
  }
} catch (err) {
  console.error(`Could not read the audit log: ${(err as Error).message}`);
  process.exitCode = 2;
} finally {
  redis.disconnect();
}
