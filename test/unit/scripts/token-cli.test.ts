/**
 * The token CLI refuses what it does not understand (issue 8): an unknown flag or a stray word is
 * one line naming it plus the usage, exit 1, and nothing on stdout (so `TOKEN=$(...)` never
 * captures a token minted from a half-understood command line).
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';

const run = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', ...args], { env: { ...process.env, NODE_ENV: 'development', REDIS_URL: '' }, encoding: 'utf8' });

const refused: [string[], RegExp][] = [
  [['--role', 'customer', '--sub', '1001', '--bogus'], /^Unknown option '--bogus'\.$/m],
  // The README's usage pasted literally, brackets included.
  [['partner', '--name', 'acme', '--scopes', 'billing.invoices:read', '--ttl', '30d', '[--customers', '1001,1002]'], /^Unexpected argument "\[--customers" \(square brackets/m],
  [['--role', 'admin', 'extra'], /^Unknown command "extra"\.$/m],
  [['partners', '--name', 'x'], /^--name does not apply to `partners`\.$/m],
  [['revoke', 'ptn_1', 'ptn_2'], /^Unexpected argument "ptn_2"\.$/m],
  [['partner', '--name', 'acme', '--role', 'admin'], /^--role does not apply to `partner`\.$/m],
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
