import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import example from '../../../portico.config.example.js';
import { defineConfig } from '../../../src/config/define.js';
import { readConfigFile } from '../../../src/config/file.js';
import { ConfigError, loadConfig, type PorticoConfig } from '../../../src/config/index.js';

const problemsOf = (file: unknown, env: Record<string, string> = {}) => {
  try {
    loadConfig(env, file as PorticoConfig);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join('\n');
    throw e;
  }
  return '';
};

test('the file sets structured settings through the same variables: vendors, budgets, cache TTLs, limits per principal kind', () => {
  const c = loadConfig(
    {},
    defineConfig({
      vendors: { crm: 'salesforce' },
      budgets: { zendesk: { limit: 400, windowS: 60 } },
      cache: { ttl: { contact: 600 }, responseTtlS: 0 },
      limits: { user: { cost: 3000 }, partner: { cost: 50, aliases: 2 } },
      rateLimits: { anonymous: 60 },
      upstream: { retries: 0 },
    }),
  );
  assert.equal(c.crm.vendor, 'salesforce');
  assert.equal(c.upstream.vendorBudgets, 'zendesk=400/60s');
  assert.equal(c.cache.ttl.contact, 600);
  assert.equal(c.cache.ttl.search, 30);
  assert.equal(c.cache.responseTtlS, 0);
  assert.equal(c.guards.limits.user.cost, 3000);
  assert.deepEqual(
    { cost: c.guards.limits.partner.cost, aliases: c.guards.limits.partner.aliases, tokens: c.guards.limits.partner.tokens },
    { cost: 50, aliases: 2, tokens: 500 },
  );
  assert.equal(c.guards.anonymousRateLimitPerMinute, 60);
  assert.equal(c.upstream.retries, 0);
});

test('the environment overrides the file, variable by variable', () => {
  const file = defineConfig({ vendors: { crm: 'salesforce' }, limits: { partner: { cost: 50, aliases: 2 } }, upstream: { retries: 0 } });
  const c = loadConfig({ CRM_VENDOR: 'hubspot', PARTNER_LIMITS: 'cost=7', UPSTREAM_RETRIES: '' }, file);
  assert.equal(c.crm.vendor, 'hubspot');
  // PARTNER_LIMITS replaces the file's limits.partner: names it does not give keep their defaults.
  assert.equal(c.guards.limits.partner.cost, 7);
  assert.equal(c.guards.limits.partner.aliases, 5);
  // An empty variable is unset: the file's key stands.
  assert.equal(c.upstream.retries, 0);
});

test('entitlements: the features of each plan, from the file or ENTITLEMENT_PLANS; a bad feature name is named', () => {
  const plans = { 'Pro Monthly': ['portal', 'exports'], 'Starter Monthly': ['portal'] };
  assert.deepEqual(loadConfig({ NODE_ENV: 'test' }, defineConfig({ entitlements: { plans } })).entitlements.plans, plans);
  assert.deepEqual(loadConfig({ ENTITLEMENT_PLANS: 'Pro Monthly=portal,api; Team=' }).entitlements.plans, {
    'Pro Monthly': ['portal', 'api'],
    Team: [],
  });
  assert.match(
    problemsOf({ entitlements: { plans: { Pro: ['Exports!'] } } }),
    /portico\.config\.ts: entitlements\.plans\.Pro\.0: a feature is lower-case letters.*Example: entitlements: /,
  );
  assert.match(problemsOf({}, { ENTITLEMENT_PLANS: 'Pro=Exports' }), /ENTITLEMENT_PLANS="Pro=Exports": must be plan=feature,feature pairs/);
});

test('a wrong key or value in the file fails, naming the key with an example', () => {
  assert.match(
    problemsOf({ limits: { partnr: { cost: 5 } } }),
    /portico\.config\.ts: unknown key "limits\.partnr"\. Known: user, partner, anonymous\. Example: limits: \{ partner: \{ cost: 200, aliases: 5 \} \}/,
  );
  assert.match(
    problemsOf({ cahce: {} }),
    /portico\.config\.ts: unknown key "cahce"\. Known: vendors, budgets, cache, limits, rateLimits, upstream, automations, entitlements\./,
  );
  assert.match(
    problemsOf({ cache: { ttl: { contact: 'long' } } }),
    /portico\.config\.ts: cache\.ttl\.contact: .*Example: cache: \{ ttl: \{ contact: 600 \}/,
  );
  assert.match(problemsOf({ limits: { anonymous: { price: 1 } } }), /unknown key "limits\.anonymous\.price"/);
  // Values of the right type are checked by the variable's own model (range, allowed values).
  assert.match(
    problemsOf({ upstream: { retries: 99 } }),
    /portico\.config\.ts: upstream\.retries: Too big.* \(as UPSTREAM_RETRIES\)\. Example: upstream: \{ timeoutMs: 5000, retries: 2 \}/,
  );
  assert.match(
    problemsOf({ vendors: { crm: 'pipedrive' } }),
    /portico\.config\.ts: vendors\.crm: .* \(as CRM_VENDOR\)\. Example: vendors: \{ crm: '/,
  );
  // The same value from the environment is named as the variable.
  assert.match(problemsOf({}, { UPSTREAM_RETRIES: '99' }), /UPSTREAM_RETRIES="99"/);
});

test('the shipped example changes nothing: every value in it is the default', () => {
  assert.deepEqual(loadConfig({}, example), loadConfig({}));
});

test('the file is found by PORTICO_CONFIG; a missing one is named', () => {
  // From source (tsx compiles .ts on require) the TypeScript example; compiled by `npm test`, its JavaScript next to this build.
  const examplePath = import.meta.url.endsWith('.ts')
    ? 'portico.config.example.ts'
    : fileURLToPath(new URL('../../../portico.config.example.js', import.meta.url));
  const found = readConfigFile({ PORTICO_CONFIG: examplePath });
  assert.deepEqual(found?.config, example);
  assert.throws(
    () => readConfigFile({ PORTICO_CONFIG: 'no-such.config.ts' }),
    (e: unknown) => e instanceof ConfigError && /PORTICO_CONFIG=no-such\.config\.ts: no such file/.test(e.message),
  );
});

test('loadConfig() without arguments reads process.env over the file (as npm start does)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'portico-config-'));
  try {
    const path = join(dir, 'portico.config.mjs');
    writeFileSync(path, 'export default { limits: { partner: { cost: 42 } }, rateLimits: { partner: 10 } };\n');
    const r = spawnSync(
      process.execPath,
      [
        '--import',
        'tsx',
        '--input-type=module',
        '-e',
        "const { loadConfig } = await import('./src/config/index.ts'); const c = loadConfig(); console.log(JSON.stringify([c.guards.limits.partner.cost, c.partnerRateLimitPerMinute]));",
      ],
      { env: { ...process.env, NODE_ENV: 'test', PORTICO_CONFIG: path, PARTNER_RATE_LIMIT_PER_MINUTE: '20' }, encoding: 'utf8' },
    );
    assert.equal(r.status, 0, r.stderr);
    assert.deepEqual(JSON.parse(r.stdout), [42, 20]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
