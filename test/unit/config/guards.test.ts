import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, loadConfig } from '../../../src/config/index.js';

const problems = (env: Record<string, string>) => {
  try {
    loadConfig(env);
  } catch (e) {
    if (e instanceof ConfigError) return e.problems.join('\n');
    throw e;
  }
  return '';
};

test('limits per principal kind: partners and anonymous callers tighter, each overridable by name', () => {
  const c = loadConfig({});
  assert.deepEqual(c.guards.limits.user, {
    depth: 15,
    aliases: 15,
    directives: 20,
    duplicates: 5,
    tokens: 1000,
    bytes: 10_240,
    cost: 1000,
    writes: 1,
  });
  assert.deepEqual(c.guards.limits.partner, {
    depth: 15,
    aliases: 5,
    directives: 10,
    duplicates: 5,
    tokens: 500,
    bytes: 5120,
    cost: 200,
    writes: 1,
  });
  assert.deepEqual(c.guards.limits.anonymous, {
    depth: 15,
    aliases: 5,
    directives: 5,
    duplicates: 5,
    tokens: 300,
    bytes: 4096,
    cost: 10,
    writes: 1,
  });
  const tuned = loadConfig({ PARTNER_LIMITS: 'cost=50, aliases=2', MAX_COST: '3000' });
  assert.equal(tuned.guards.limits.partner.cost, 50);
  assert.equal(tuned.guards.limits.partner.aliases, 2);
  assert.equal(tuned.guards.limits.partner.tokens, 500);
  assert.equal(tuned.guards.limits.user.cost, 3000);
  assert.match(
    problems({ PARTNER_LIMITS: 'price=5' }),
    /PARTNER_LIMITS names an unknown limit "price". Known: depth, aliases, directives, duplicates, tokens, bytes, cost, writes. Example: PARTNER_LIMITS=/,
  );
  assert.match(problems({ ANONYMOUS_LIMITS: 'cost' }), /ANONYMOUS_LIMITS="cost": must be name=value pairs/);
});

test('sandbox tokens (finding 9): only with the bundled simulators on a loopback HOST unless asked for; never in production', () => {
  assert.equal(loadConfig({}).guards.sandboxTokens, true);
  assert.equal(loadConfig({ HOST: '0.0.0.0' }).guards.sandboxTokens, false);
  assert.equal(
    loadConfig({
      SIMULATORS: 'false',
      HUBSPOT_ACCESS_TOKEN: 'pat-na1-xxxxxxxx',
      STRIPE_SECRET_KEY: 'sk_test_x',
      ZENDESK_BASE_URL: 'https://a.zendesk.com',
      ZENDESK_EMAIL: 'a@b.co',
      ZENDESK_API_TOKEN: 'abcdefgh',
      S3_BUCKET: 'bucket',
    }).guards.sandboxTokens,
    false,
  );
  assert.equal(loadConfig({ HOST: '0.0.0.0', SANDBOX_TOKENS: 'true' }).guards.sandboxTokens, true);
  assert.match(problems({ NODE_ENV: 'production', SANDBOX_TOKENS: 'true' }), /SANDBOX_TOKENS=true is refused in production/);
});

test('trusted documents default to partners in production, off in development', () => {
  assert.equal(loadConfig({}).guards.trustedDocuments, 'off');
  assert.match(problems({ TRUSTED_DOCUMENTS: 'some' }), /TRUSTED_DOCUMENTS="some"/);
});
