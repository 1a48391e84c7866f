import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, DEV_AUDIT_HMAC_KEY, DEV_JWT_SECRET, loadAuditHmacKey, loadConfig } from '../../../src/config/index.js';

test('development needs no configuration and runs against the simulators', () => {
  const c = loadConfig({});
  assert.equal(c.env, 'development');
  assert.equal(c.port, 4000);
  assert.equal(c.host, '127.0.0.1');
  assert.equal(c.simulators.enabled, true);
  assert.equal(c.auth.secret, DEV_JWT_SECRET);
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.auth));
});

test('production refuses dev secrets and simulators, naming each setting with an example', () => {
  const err = (() => {
    try {
      loadConfig({ NODE_ENV: 'production', SIMULATORS: 'true', AUTH_JWT_SECRET: DEV_JWT_SECRET });
    } catch (e) {
      return e;
    }
    return undefined;
  })();
  assert.ok(err instanceof ConfigError);
  const text = err.problems.join('\n');
  assert.match(text, /AUTH_JWT_SECRET is the development secret.*Example: AUTH_JWT_SECRET=/);
  assert.match(text, /SIMULATORS=true is refused in production/);
  assert.match(text, /AUTH_ISSUER is required in production. Example: AUTH_ISSUER=/);
});

test('a bad value names the variable and shows a good one', () => {
  assert.throws(
    () => loadConfig({ PORT: 'eighty' }),
    (e: unknown) => e instanceof ConfigError && /PORT="eighty".*Example: PORT=4000/.test(e.message),
  );
  assert.throws(
    () => loadConfig({ AUTH_JWT_ALGORITHMS: 'none' }),
    (e: unknown) => e instanceof ConfigError && /AUTH_JWT_ALGORITHMS/.test(e.message),
  );
});

test('vendors must be configured when the simulators are off', () => {
  assert.throws(
    () => loadConfig({ SIMULATORS: 'false' }),
    (e: unknown) =>
      e instanceof ConfigError &&
      ['HUBSPOT_ACCESS_TOKEN', 'STRIPE_SECRET_KEY', 'ZENDESK_BASE_URL', 'S3_BUCKET'].every((v) => e.message.includes(v)),
  );
});

test('the dev token command refuses to run in production, saying why', async () => {
  const { spawnSync } = await import('node:child_process');
  const r = spawnSync(process.execPath, ['--import', 'tsx', 'scripts/token.ts', '--role', 'admin'], {
    env: { ...process.env, NODE_ENV: 'production' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Refusing to mint development tokens when NODE_ENV=production/);
  assert.equal(r.stdout, '');
});

test('production requires the webhook secrets and PUBLIC_BASE_URL, and refuses the development ones', async () => {
  const { DEV_STRIPE_WEBHOOK_SECRET } = await import('../../../src/vendors/stripe/config.js');
  const { DEV_HUBSPOT_CLIENT_SECRET } = await import('../../../src/vendors/hubspot/config.js');
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ NODE_ENV: 'production', ...env });
    } catch (e) {
      return (e as ConfigError).problems.join('\n');
    }
    return '';
  };
  const missing = problems({});
  for (const v of ['STRIPE_WEBHOOK_SECRETS', 'HUBSPOT_CLIENT_SECRET', 'ZENDESK_WEBHOOK_SECRET', 'PUBLIC_BASE_URL'])
    assert.match(missing, new RegExp(`${v} is required in production.*Example: ${v}=`));
  const dev = problems({
    STRIPE_WEBHOOK_SECRETS: `whsec_${'a'.repeat(20)},${DEV_STRIPE_WEBHOOK_SECRET}`,
    HUBSPOT_CLIENT_SECRET: DEV_HUBSPOT_CLIENT_SECRET,
  });
  assert.match(dev, /STRIPE_WEBHOOK_SECRETS contains the development secret/);
  assert.match(dev, /HUBSPOT_CLIENT_SECRET is the development secret/);
  assert.match(problems({ STRIPE_WEBHOOK_SECRETS: 'sk_live_123' }), /STRIPE_WEBHOOK_SECRETS: each must be a Stripe signing secret/);
  assert.deepEqual(loadConfig({}).stripe.webhookSecrets, [DEV_STRIPE_WEBHOOK_SECRET]);
});

test('the audit log key: a development default, refused in production, named with an example when missing or short', () => {
  assert.equal(loadConfig({}).audit.hmacKey, DEV_AUDIT_HMAC_KEY);
  const problems = (env: Record<string, string>) => {
    try {
      loadConfig({ NODE_ENV: 'production', ...env });
    } catch (e) {
      if (e instanceof ConfigError) return e.problems.join('\n');
      throw e;
    }
    return '';
  };
  assert.match(
    problems({ AUDIT_HMAC_KEY: DEV_AUDIT_HMAC_KEY }),
    /AUDIT_HMAC_KEY is the development key; production needs its own. Example: AUDIT_HMAC_KEY=\$\(openssl rand -hex 32\)/,
  );
  assert.match(problems({}), /AUDIT_HMAC_KEY is required in production .*Example: AUDIT_HMAC_KEY=/);
  assert.match(
    problems({ AUDIT_HMAC_KEY: 'short' }),
    /AUDIT_HMAC_KEY: must be at least 32 characters. Example: AUDIT_HMAC_KEY=\$\(openssl rand -hex 32\)/,
  );
  assert.doesNotMatch(problems({ AUDIT_HMAC_KEY: 'k'.repeat(64) }), /AUDIT_HMAC_KEY/);

  // verify's reading of the same variable, by the same rules.
  assert.equal(loadAuditHmacKey({ NODE_ENV: 'test' }), DEV_AUDIT_HMAC_KEY);
  assert.equal(loadAuditHmacKey({ NODE_ENV: 'production', AUDIT_HMAC_KEY: 'k'.repeat(64) }), 'k'.repeat(64));
  assert.throws(
    () => loadAuditHmacKey({ NODE_ENV: 'production', AUDIT_HMAC_KEY: DEV_AUDIT_HMAC_KEY }),
    /AUDIT_HMAC_KEY is the development key/,
  );
  assert.throws(() => loadAuditHmacKey({ NODE_ENV: 'production' }), /AUDIT_HMAC_KEY is required in production/);
});
