/**
 * npm run audit -- verify [--accept-unkeyed]
 *
 * Walks the audit log's chain on the Redis in REDIS_URL (REDIS_KEY_PREFIX as the gateways use it)
 * from the first kept entry to the head, checking each entry's HMAC with AUDIT_HMAC_KEY (the
 * gateways' value), and reports the first broken link. Exit code 0 when the chain holds, 1 when it
 * is broken, 2 on a usage, key or connection problem.
 */
import { parseArgs } from 'node:util';
import { connectRedis } from '../src/platform/redis.js';
import { verifyAuditChain } from '../src/audit/redis.js';
import { loadAuditHmacKey } from '../src/config/audit.js';
import { ConfigError } from '../src/config/vars.js';

const USAGE = `Usage:
  npm run audit -- verify [--accept-unkeyed]
      e.g. REDIS_URL=redis://127.0.0.1:6379 REDIS_KEY_PREFIX=production AUDIT_HMAC_KEY=<the gateways' key> npm run audit -- verify
  --accept-unkeyed   accept entries written before AUDIT_HMAC_KEY existed (plain SHA-256) at the start of the log`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(2);
}

const { positionals, values } = (() => {
  try {
    return parseArgs({ allowPositionals: true, options: { 'accept-unkeyed': { type: 'boolean' } } });
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
// The same rules as the gateway: outside production the development key, in production the real one.
const key = (() => {
  try {
    return loadAuditHmacKey(process.env);
  } catch (err) {
    if (err instanceof ConfigError) fail(`${err.problems.join('\n')}\nverify needs the key the gateways sign the log with.`);
    throw err;
  }
})();

const redis = connectRedis(url, 'cli');
redis.on('error', () => undefined);
try {
  await redis.connect();
} catch (err) {
  fail(`Cannot reach Redis at REDIS_URL (${(err as Error).message}). Check the URL and that Redis runs.`);
}
console.log(`Verifying the audit log chain under prefix "${prefix}"...`);
const started = Date.now();
try {
  const r = await verifyAuditChain(redis, prefix, key, (checked, lastId) => console.log(`  ${checked} entries checked (up to ${lastId})`), {
    acceptUnkeyed: values['accept-unkeyed'] === true,
  });
  if (r.broken) {
    console.log(`BROKEN at entry ${r.broken.id}: ${r.broken.reason}.`);
    console.log(`${r.checked} entries checked before it (from ${r.firstId ?? '-'}).`);
    console.log(
      'Next: treat the log from that entry on as tampered with; compare it with the SIEM copy (log lines "msg":"audit" carry each entry and its hash).',
    );
    process.exitCode = 1;
  } else if (r.checked === 0) {
    console.log('The audit log is empty: nothing to verify. If it should not be, compare with the SIEM copy ("msg":"audit" log lines).');
  } else {
    console.log(`OK: ${r.checked} entries checked, from ${r.firstId} to ${r.lastId}, in ${((Date.now() - started) / 1000).toFixed(1)} s.`);
    if (r.unkeyed > 0)
      console.log(
        `${r.unkeyed} of them (the oldest) were written before AUDIT_HMAC_KEY: their links hold, but anyone with write access to Redis could have rewritten them. They leave the log with retention (AUDIT_RETENTION_DAYS).`,
      );
    console.log(
      [
        'Proven: every other entry was signed with AUDIT_HMAC_KEY, in this order, with none removed or inserted in between,',
        'and the entries before the first one were old enough to be trimmed by retention (AUDIT_RETENTION_DAYS).',
        `Not proven: that the newest entries were not removed by someone who also reset the head; the last entry is ${r.lastId} (hash ${r.lastHash}):`,
        'compare it with the newest "msg":"audit" line of the SIEM. Next: nothing else to do; run this again after an incident or on a schedule.',
      ].join('\n'),
    );
  }
} catch (err) {
  console.error(`Could not read the audit log: ${(err as Error).message}`);
  process.exitCode = 2;
} finally {
  redis.disconnect();
}
