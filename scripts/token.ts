/**
 * Development user tokens and partner tokens.
 *
 *   npm run token -- --role customer --sub 1001 [--ttl 3600]         a signed development JWT
 *   npm run token -- partner --name acme --scopes billing.invoices:read,crm.contacts:read [--ttl 30d] [--customers 1001,1002]
 *   npm run token -- partners                                         list partner tokens
 *   npm run token -- revoke ptn_...                                   revoke one
 *
 * Partner commands write to Redis when REDIS_URL is set (what every instance reads); without it
 * they ask the running development gateway (PORTICO_URL, default http://127.0.0.1:4000), whose
 * partner store is in memory. Development user tokens are refused when NODE_ENV=production.
 */
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { connectRedis } from '../src/platform/redis.js';
import { createRedisPartnerStore, mintPartnerToken, type PartnerRecord } from '../src/auth/partners.js';
import { PARTNER_SCOPES, ROLES, type Role } from '../src/auth/principal.js';
import { signDevToken } from '../src/auth/tokens.js';
import { shippedPath } from '../src/platform/shipped.js';
import { ConfigError, loadConfig, type Config } from '../src/config/index.js';

const USAGE = `Usage:
  npm run -s token -- --role <customer|agent|admin> [--sub <id>] [--ttl <seconds>]
  npm run -s token -- partner --name <name> --scopes <scope,...> [--ttl 30d] [--customers <crmId,...>]
                              [--operations <name or sha256,...>]
  npm run -s token -- partners
  npm run -s token -- revoke <ptn_id>
Examples:
  npm run -s token -- --role customer --sub 1001
  npm run -s token -- partner --name acme --scopes billing.invoices:read,crm.contacts:read --ttl 30d
  npm run -s token -- partner --name acme --scopes billing.invoices:read --operations InvoicesPage
    (--operations: the only operations the partner may run when TRUSTED_DOCUMENTS applies to partners,
     by name or sha256 from clients/generated/persisted-documents.json)
Partner scopes: ${PARTNER_SCOPES.join(', ')}`;

function fail(message: string): never {
  console.error(`${message}\n\n${USAGE}`);
  process.exit(1);
}

function parseCommandLine() {
  try {
    return parseArgs({
      options: {
        role: { type: 'string' },
        sub: { type: 'string' },
        ttl: { type: 'string' },
        name: { type: 'string' },
        scopes: { type: 'string' },
        customers: { type: 'string' },
        operations: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    // e.g. ERR_PARSE_ARGS_UNKNOWN_OPTION: one line naming the argument, then the usage.
    const message = (err as Error).message;
    fail(/^Unknown option '[^']+'/.exec(message)?.[0].concat('.') ?? message.split('\n')[0]);
  }
}
const { values, positionals } = parseCommandLine();
if (values.help) {
  console.log(USAGE);
  process.exit(0);
}

/** Which options and how many words each command takes: anything else is refused, not ignored. */
const COMMANDS: Record<string, { words: number; options: readonly string[] }> = {
  '': { words: 0, options: ['role', 'sub', 'ttl'] },
  partner: { words: 1, options: ['name', 'scopes', 'ttl', 'customers', 'operations'] },
  partners: { words: 1, options: [] },
  revoke: { words: 2, options: [] },
};
{
  const command = COMMANDS[positionals[0] ?? ''] ? (positionals[0] ?? '') : undefined;
  if (command === undefined) fail(`Unknown command ${JSON.stringify(positionals[0])}.`);
  const spec = COMMANDS[command];
  const stray = positionals.slice(command ? spec.words : 0);
  if (command === 'revoke' && positionals.length < 2)
    fail('Name the token to revoke, e.g. npm run token -- revoke ptn_0123456789abcdef0123.');
  if (stray.length)
    fail(
      `Unexpected argument ${JSON.stringify(stray[0])}${stray[0]?.startsWith('[') ? ' (square brackets in the usage mark optional parts: leave them out)' : ''}.`,
    );
  const misplaced = Object.keys(values).filter((k) => k !== 'help' && !spec.options.includes(k));
  if (misplaced.length) fail(`--${misplaced[0]} does not apply to ${command ? `\`${command}\`` : 'a development token'}.`);
}

const isPartnerCommand = ['partner', 'partners', 'revoke'].includes(positionals[0] ?? '');
if (!isPartnerCommand && process.env.NODE_ENV === 'production')
  fail('Refusing to mint development tokens when NODE_ENV=production. Use your identity provider.');

let config: Readonly<Config>;
try {
  config = loadConfig();
} catch (err) {
  fail(err instanceof ConfigError ? err.message : (err as Error).message);
}

const list = (v: string | undefined) =>
  (v ?? '')
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
const gatewayUrl = process.env.PORTICO_URL ?? `http://127.0.0.1:${config.port || 4000}`;

/** Partner operations against the running development gateway, as an admin. */
async function viaGateway<T>(query: string, variables: Record<string, unknown>): Promise<T> {
  const admin = signDevToken(config, { role: 'admin', sub: 'token-cli' });
  let res: Response;
  try {
    res = await fetch(`${gatewayUrl}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${admin}` },
      body: JSON.stringify({ query, variables }),
    });
  } catch {
    fail(`No gateway answers at ${gatewayUrl}. Start it with \`npm start\` (or set REDIS_URL to write to Redis directly, or PORTICO_URL).`);
  }
  const body = (await res.json()) as { data?: T; errors?: { message: string }[] };
  if (body.errors?.length) fail(body.errors.map((e) => e.message).join('\n'));
  return body.data as T;
}

const RECORD = 'id name scopes customerIds operations createdAt expiresAt lastUsedAt revokedAt';

/** `--operations` entries, by operation name or sha256, as the manifest's hashes. */
function operationHashes(entries: string[]): string[] {
  if (!entries.length) return [];
  const file = 'clients/generated/persisted-documents.json';
  const path = shippedPath(file);
  if (!path) fail(`--operations needs ${file} (run \`npm run codegen\`), or give sha256 hashes.`);
  const manifest = JSON.parse(readFileSync(path, 'utf8')) as Record<string, string>;
  const byName = new Map(
    Object.entries(manifest).map(([hash, doc]) => [/^\s*(?:query|mutation|subscription)\s+(\w+)/.exec(doc)?.[1], hash]),
  );
  return entries.map((e) => {
    if (/^[0-9a-f]{64}$/.test(e)) return e;
    const hash = byName.get(e);
    if (!hash)
      fail(`--operations: no operation named ${JSON.stringify(e)} in ${file}. Known: ${[...byName.keys()].filter(Boolean).join(', ')}.`);
    return hash;
  });
}

function parseTtlDays(v: string | undefined): number {
  if (!v) return 30;
  const m = /^(\d+)d?$/.exec(v);
  if (!m) fail(`--ttl must be days like 30d (got ${JSON.stringify(v)}).`);
  return Number(m[1]);
}

function show(r: PartnerRecord) {
  const state = r.revokedAt ? `revoked ${r.revokedAt}` : Date.parse(r.expiresAt) < Date.now() ? 'expired' : `valid until ${r.expiresAt}`;
  console.log(
    `${r.id}  ${r.name}  [${r.scopes.join(', ')}]${r.customerIds ? ` customers: ${r.customerIds.join(',')}` : ''}${r.operations ? ` operations: ${r.operations.length}` : ''}  ${state}${r.lastUsedAt ? `, last used ${r.lastUsedAt}` : ''}`,
  );
}

async function partnerCommand(cmd: string) {
  const redis = config.redis.url ? connectRedis(config.redis.url, 'cli') : undefined;
  const store = redis && createRedisPartnerStore(redis, config.keyPrefix);
  try {
    if (cmd === 'partner') {
      if (!values.name) fail('--name is required, e.g. --name acme.');
      const input = {
        name: values.name,
        scopes: list(values.scopes),
        customerIds: list(values.customers),
        ttlDays: parseTtlDays(values.ttl),
        operations: operationHashes(list(values.operations)),
      };
      const created = store
        ? await mintPartnerToken(store, config.auth.partnerSecret, input).then((c) => ({ token: c.token, partnerToken: c.record }))
        : (
            await viaGateway<{ createPartnerToken: { token: string; partnerToken: PartnerRecord } }>(
              `mutation($i: CreatePartnerTokenInput!) { createPartnerToken(input: $i) { token partnerToken { ${RECORD} } } }`,
              { i: input },
            )
          ).createPartnerToken;
      process.stdout.write(`${created.token}\n`);
      console.error(
        `Minted ${created.partnerToken.id} for ${input.name}, valid ${input.ttlDays} days. The token is shown once: hand it to the partner now.\nRevoke with: npm run token -- revoke ${created.partnerToken.id}`,
      );
    } else if (cmd === 'partners') {
      const records = store
        ? await store.list()
        : (await viaGateway<{ partnerTokens: PartnerRecord[] }>(`{ partnerTokens { ${RECORD} } }`, {})).partnerTokens;
      if (!records.length)
        console.log('No partner tokens yet. Mint one with: npm run token -- partner --name acme --scopes billing.invoices:read');
      records.forEach(show);
    } else {
      const id = positionals[1];
      const r = store
        ? await store.revoke(id)
        : (
            await viaGateway<{ revokePartnerToken: PartnerRecord | null }>(
              `mutation($id: ID!) { revokePartnerToken(id: $id) { ${RECORD} } }`,
              { id },
            )
          ).revokePartnerToken;
      if (!r) fail(`No partner token ${id}. List them with: npm run token -- partners`);
      console.log(`Revoked ${r.id} (${r.name}); every gateway instance refuses it from the next request.`);
    }
  } catch (err) {
    fail((err as Error).message);
  } finally {
    redis?.disconnect();
  }
}

const cmd = positionals[0];
if (cmd === 'partner' || cmd === 'partners' || cmd === 'revoke') {
  await partnerCommand(cmd);
} else {
  const role = values.role as Role | undefined;
  if (!role || !(ROLES as readonly string[]).includes(role))
    fail(`--role must be one of ${ROLES.join(', ')} (got ${JSON.stringify(values.role ?? '')}).`);
  const sub = values.sub ?? (role === 'customer' ? undefined : `${role}-1`);
  if (!sub) fail('--sub is required for customers: the CRM contact id, e.g. --sub 1001.');
  const ttl = values.ttl ? Number(values.ttl) : 3600;
  if (!Number.isInteger(ttl) || ttl < 1 || ttl > 30 * 86400) fail(`--ttl must be seconds between 1 and ${30 * 86400}, e.g. --ttl 3600.`);
  process.stdout.write(`${signDevToken(config, { role, sub, ttlSeconds: ttl })}\n`);
  if (process.stderr.isTTY) console.error(`Signed a ${role} token for ${sub}, valid ${ttl}s. Send it as: Authorization: Bearer <token>`);
}
