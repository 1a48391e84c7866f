/**
 * npm run token -- --role customer --sub 1001 [--ttl 3600]
 * Prints a signed development JWT. Refuses to run when NODE_ENV=production.
 */
import { parseArgs } from 'node:util';
import { ROLES, type Role } from '../src/auth/principal.js';
import { signDevToken } from '../src/auth/tokens.js';
import { ConfigError, loadConfig } from '../src/config/index.js';

const USAGE = `Usage: npm run token -- --role <customer|agent|admin> [--sub <id>] [--ttl <seconds>]
Examples:
  npm run -s token -- --role customer --sub 1001     # the demo customer
  npm run -s token -- --role agent --sub agent-1`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(1);
}

if (process.env.NODE_ENV === 'production') fail('Refusing to mint development tokens when NODE_ENV=production. Use your identity provider.');
const { values } = parseArgs({ options: { role: { type: 'string' }, sub: { type: 'string' }, ttl: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true });
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}
const role = values.role as Role | undefined;
if (!role || !(ROLES as readonly string[]).includes(role)) fail(`--role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(values.role ?? '')}).`);
const sub = values.sub ?? (role === 'customer' ? undefined : `${role}-1`);
if (!sub) fail('--sub is required for customers: the CRM contact id, e.g. --sub 1001.');
const ttl = values.ttl ? Number(values.ttl) : 3600;
if (!Number.isInteger(ttl) || ttl < 1 || ttl > 30 * 86400) fail(`--ttl must be seconds between 1 and ${30 * 86400}, e.g. --ttl 3600.`);

try {
  const config = loadConfig();
  process.stdout.write(`${signDevToken(config, { role, sub, ttlSeconds: ttl })}\n`);
  if (process.stderr.isTTY) console.error(`Signed a ${role} token for ${sub}, valid ${ttl}s. Send it as: Authorization: Bearer <token>`);
} catch (err) {
  fail(err instanceof ConfigError ? err.message : (err as Error).message);
}
