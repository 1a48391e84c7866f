import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig, VARS, type VarSpec } from '../../../src/config/index.js';
import { secretValues } from '../../../src/config/vars.js';
import { configSecrets, createRedactor } from '../../../src/http/observe.js';
import { VENDORS } from '../../../src/vendors/index.js';

const problemsOf = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join('\n');
    throw e;
  }
  return '';
};
const flagged = (flag: keyof VarSpec) => Object.entries(VARS).filter(([, spec]) => spec[flag] !== undefined);

/** A value the variable's own schema accepts, distinct per variable. */
function sampleValue(name: string, spec: VarSpec): string {
  const candidates = [
    `s3cr3t-${name}-0123456789abcdef0123456789abcdef`,
    `whsec_${name.replace(/_/g, '')}0123456789`,
    `sk_test_${name.replace(/_/g, '')}`,
    `redis://:pw-${name}@localhost:6379/0`,
    `smtps://apikey:pw-${name}@smtp.example.com:465`,
    JSON.stringify({ project_id: 'p', client_email: 'c@p.example', private_key: `-----BEGIN PRIVATE KEY-----${name}` }),
    `x-key-${name}=v-${name}-0123456789`,
    // A 32-byte key in hex (NOTIFY_SECRET_KEY and its old keys).
    Buffer.from(name.padEnd(32, '0').slice(0, 32)).toString('hex'),
  ];
  const good = candidates.find((c) => spec.schema.safeParse(c).success);
  assert.ok(good, `no sample value fits ${name}`);
  return good;
}

test('every variable flagged secret is redacted by configSecrets (the list is the flags, not a hand-kept one)', () => {
  const secrets = flagged('secret');
  assert.ok(secrets.length >= 12, `${secrets.length} secret variables`);
  const env = Object.fromEntries(secrets.map(([name, spec]) => [name, sampleValue(name, spec)]));
  // The vendor credentials are only read with the simulators off; the rest of their settings must be valid then.
  const config = loadConfig({
    ...env,
    SIMULATORS: 'false',
    ZENDESK_BASE_URL: 'https://acme.zendesk.com',
    ZENDESK_EMAIL: 'api@acme.com',
    S3_BUCKET: 'acme-files',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
  });
  const redact = createRedactor(configSecrets(config));
  for (const [name, spec] of secrets) {
    const parts = secretValues(spec, spec.schema.parse(env[name]));
    assert.ok(parts.length > 0, `${name} has a secret part`);
    for (const part of parts) assert.equal(redact(`log line with ${part} in it`), 'log line with [redacted] in it', `${name}: ${part}`);
  }
  // Spot checks of what the flags must cover.
  for (const name of ['AUTH_JWT_SECRET', 'REDIS_URL', 'HUBSPOT_CLIENT_SECRET', 'STRIPE_WEBHOOK_SECRETS', 'OTEL_EXPORTER_OTLP_HEADERS'])
    assert.ok(
      secrets.some(([n]) => n === name),
      `${name} is flagged secret`,
    );
  assert.ok(configSecrets(config).includes(`pw-REDIS_URL`), 'the Redis password, not the URL');
  assert.ok(!configSecrets(config).some((s) => s.startsWith('redis://')));
});

test('production refuses each flagged development value, naming the variable with an example', () => {
  const refused = flagged('devRefused');
  assert.deepEqual(refused.map(([n]) => n).sort(), [
    'AUDIT_HMAC_KEY',
    'AUTH_JWT_SECRET',
    'HUBSPOT_CLIENT_SECRET',
    'NOTIFY_SECRET_KEY',
    'PARTNER_TOKEN_SECRET',
    'STRIPE_WEBHOOK_SECRETS',
    'SUBGRAPH_SIGNING_SECRET',
    'ZENDESK_WEBHOOK_SECRET',
  ]);
  for (const [name, spec] of refused) {
    assert.ok(spec.dev, `${name} has a development value`);
    const text = problemsOf({ NODE_ENV: 'production', [name]: spec.dev });
    assert.match(text, new RegExp(`${name} (is|contains) the development ${spec.devRefused}; production needs its own. Example: ${name}=`));
    // And outside production the development value is the default.
    assert.doesNotMatch(problemsOf({ NODE_ENV: 'test', [name]: spec.dev }), new RegExp(name));
  }
  assert.match(
    problemsOf({ NODE_ENV: 'production', SIMULATORS: 'true' }),
    /SIMULATORS=true is refused in production: configure the real vendors \(.*STRIPE_SECRET_KEY.*\)/,
  );
  assert.match(problemsOf({ NODE_ENV: 'production', SANDBOX_TOKENS: 'true' }), /SANDBOX_TOKENS=true is refused in production/);
});

test('production requires each variable flagged requiredInProduction (of the vendors in use)', () => {
  const missing = problemsOf({ NODE_ENV: 'production' });
  for (const [name] of flagged('requiredInProduction')) {
    if (name === 'HUBSPOT_CLIENT_SECRET') continue; // checked with the CRM it belongs to, below
    assert.match(missing, new RegExp(`${name} is required in production.*Example: ${name}=`));
  }
  assert.match(missing, /HUBSPOT_CLIENT_SECRET is required in production/);
  // A CRM not in use needs no webhook secret.
  assert.doesNotMatch(problemsOf({ NODE_ENV: 'production', CRM_VENDOR: 'salesforce' }), /HUBSPOT_CLIENT_SECRET/);
});

test("a vendor's variables come from its module: every registry vendor's settings are loaded into config.<vendor>", () => {
  const withSettings = VENDORS.filter((v) => v.settings);
  assert.deepEqual(
    withSettings.map((v) => v.name),
    VENDORS.map((v) => v.name),
  );
  const config = loadConfig({ ZENDESK_WEBHOOK_SECRET: 'zendesk-secret-0123456789', S3_UPLOAD_TTL_S: '60' }) as unknown as Record<
    string,
    Record<string, unknown>
  >;
  for (const vendor of withSettings) {
    for (const name of Object.keys(vendor.settings!.vars)) assert.equal(VARS[name], vendor.settings!.vars[name], `${name} in VARS`);
    assert.equal(typeof config[vendor.name], 'object', `config.${vendor.name}`);
  }
  assert.equal(config.zendesk.webhookSecret, 'zendesk-secret-0123456789');
  assert.equal(config.s3.uploadTtlS, 60);
  // CRM_VENDOR accepts the registry's CRMs and nothing else.
  assert.match(problemsOf({ CRM_VENDOR: 'pipedrive' }), /CRM_VENDOR="pipedrive": .*Example: CRM_VENDOR=/);
});

test('every default is declared once: MAX_QUERY_DEPTH is 15 for the document limit and the depth guard alike', () => {
  const c = loadConfig({});
  assert.equal(c.limits.maxDepth, 15);
  assert.equal(c.guards.limits.user.depth, 15);
  assert.equal(loadConfig({ MAX_QUERY_DEPTH: '9' }).limits.maxDepth, 9);
});

test("a secret's refused value is never echoed: the problem names the variable and an example only", () => {
  const secrets = Object.entries(VARS).filter(([, spec]) => spec.secret);
  assert.ok(secrets.length >= 5, 'secrets are declared');
  // Too short for AUDIT_HMAC_KEY (at least 32 characters): the message must not repeat what was given.
  const text = problemsOf({ NODE_ENV: 'test', AUDIT_HMAC_KEY: 'hunter2-leaked' });
  assert.match(text, /AUDIT_HMAC_KEY: must be at least 32 characters\. Example: AUDIT_HMAC_KEY=/);
  assert.doesNotMatch(text, /hunter2-leaked/);
  // A value with a secret part (a Redis URL's password) is not echoed either.
  const url = problemsOf({ NODE_ENV: 'test', REDIS_URL: 'ftp://user:s3cr3t-pw@host:6379' });
  assert.match(url, /REDIS_URL/);
  assert.doesNotMatch(url, /s3cr3t-pw/);
  // A plain setting's value is shown, to say what was wrong with it.
  assert.match(problemsOf({ NODE_ENV: 'test', PORT: 'eighty' }), /PORT="eighty"/);
});
