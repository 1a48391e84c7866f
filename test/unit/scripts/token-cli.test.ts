/**
 * The token CLI refuses what it does not understand (issue 8): an unknown flag or a stray word is
 * one line naming it plus the usage, exit 1, and nothing on stdout (so `TOKEN=$(...)` never
 * captures a token minted from a half-understood command line).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { createRedisPartnerStore } from '../../../src/auth/partners.js';
import { startRedis } from '../../helpers/redis.js';

const runWith = (env: Record<string, string>, ...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], {
    env: { ...process.env, NODE_ENV: 'development', REDIS_URL: '', ...env },
    encoding: 'utf8',
  });
const run = (...args: string[]) => runWith({}, ...args);

const refused: [string[], RegExp][] = [
  [['--role', 'customer', '--sub', '1001', '--bogus'], /^Unknown option '--bogus'\.$/m],
  // The README's usage pasted literally, brackets included.
  [
    ['partner', '--name', 'acme', '--scopes', 'billing.invoices:read', '--ttl', '30d', '[--customers', '1001,1002]'],
    /^Unexpected argument "\[--customers" \(square brackets/m,
  ],
  [['--role', 'admin', 'extra'], /^Unknown command "extra"\.$/m],
  [['partners', '--name', 'x'], /^--name does not apply to `partners`\.$/m],
  [['revoke', 'ptn_1', 'ptn_2'], /^Unexpected argument "ptn_2"\.$/m],
  [['partner', '--name', 'acme', '--role', 'admin'], /^--role does not apply to `partner`\.$/m],
  [['--role', 'customer', '--operations', 'InvoicesPage'], /^--operations does not apply to a development token\.$/m],
];

for (const [args, message] of refused) {
  test(`refuses: token ${args.join(' ')}`, () => {
    const r = run(...args);
    assert.equal(r.status, 1);
    assert.equal(r.stdout, '');
    assert.match(r.stderr, message);
    assert.match(r.stderr, /^Usage:/m);
    assert.doesNotMatch(r.stderr, /at .*\.ts:\d+|ERR_PARSE_ARGS/);
  });
}

test('a well-formed command still mints a token', () => {
  const r = run('--role', 'customer', '--sub', '1001');
  assert.equal(r.status, 0, r.stderr);
  assert.match(r.stdout.trim(), /^[\w-]+\.[\w-]+\.[\w-]+$/);
});

test('partner --operations takes operation names from the published manifest (or hashes) and stores their hashes', async () => {
  const redis = await startRedis();
  const client = new Redis(redis.url);
  try {
    const manifest = JSON.parse(readFileSync('clients/generated/persisted-documents.json', 'utf8')) as Record<string, string>;
    const invoices = Object.keys(manifest).find((h) => /^query InvoicesPage\b/.test(manifest[h]))!;
    const other = Object.keys(manifest).find((h) => h !== invoices)!;
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'cli' };
    const r = runWith(env, 'partner', '--name', 'acme', '--scopes', 'billing.invoices:read', '--operations', `InvoicesPage,${other}`);
    assert.equal(r.status, 0, r.stderr);
    const [record] = await createRedisPartnerStore(client, 'cli').list();
    assert.deepEqual(record?.operations, [invoices, other]);
    assert.match(runWith(env, 'partners').stdout, /operations: 2/);
    // An unknown name is refused with the names it knows, and nothing is minted.
    const bad = runWith(env, 'partner', '--name', 'acme', '--scopes', 'billing.invoices:read', '--operations', 'Invoices');
    assert.equal(bad.status, 1);
    assert.equal(bad.stdout, '');
    assert.match(
      bad.stderr,
      /^--operations: no operation named "Invoices" in clients\/generated\/persisted-documents\.json\. Known: .*InvoicesPage/m,
    );
    assert.equal((await createRedisPartnerStore(client, 'cli').list()).length, 1);
  } finally {
    client.disconnect();
    await redis.stop();
  }
});
