/**
 * Guards that share state through a real Redis: partner tokens through a Redis outage (finding 7),
 * rate limits for users (per subject) and callers without a token (per IP) counted across
 * instances, and the production rules: trusted documents for partners, no APQ registration by
 * partners, no suggestions, no open /metrics, no Apollo landing page.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { mintPartnerToken } from '../../src/auth/partners.js';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { repoUrl } from '../helpers/paths.js';

const NONE = { crm: 0, stripe: 0, zendesk: 0, s3: 0 };
let sims: Simulators;
let redis: TestRedis;
before(async () => {
  sims = await startSimulators({ customers: 20 });
  redis = await startRedis();
});
after(async () => {
  await redis?.stop();
  await sims?.close();
});

async function until<T>(what: string, probe: () => Promise<T>, ok: (v: T) => boolean, deadlineMs = 20_000): Promise<T> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    const v = await probe();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** An app whose Redis connection is up (commands before that fail fast, by design). */
async function startApp(env: Record<string, string>) {
  const app = await startTestApp({ sims, env });
  await until(
    'Redis to be connected',
    async () => (await (await fetch(`${app.url}/readyz`)).json()) as { redis: string },
    (r) => r.redis === 'up',
  );
  return app;
}

describe('partner tokens while Redis is down (finding 7)', () => {
  test('a partner token verified recently keeps working while Redis is down, for at most PARTNER_TOKEN_CACHE_S', async () => {
    const app = await startApp({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'ptcache', PARTNER_TOKEN_CACHE_S: '8' });
    try {
      const minted = await app.gql(`mutation { createPartnerToken(input: { name: "outage", scopes: ["crm.contacts:read"] }) { token } }`, {
        token: app.token('admin'),
      });
      const token = minted.body.data.createPartnerToken.token as string;
      const q = '{ customer(id: "1002") { id } }';
      const never = (
        await app.gql(`mutation { createPartnerToken(input: { name: "unseen", scopes: ["crm.contacts:read"] }) { token } }`, {
          token: app.token('admin'),
        })
      ).body.data.createPartnerToken.token as string;
      assert.equal((await app.gql(q, { token })).status, 200);
      // The record this instance keeps was read before this moment: the bound runs from here at the latest.
      const verifiedAt = Date.now();
      await redis.stop();
      try {
        const during = await app.gql(q, { token });
        assert.equal(during.status, 200, JSON.stringify(during.body));
        assert.deepEqual(during.body.data, { customer: { id: '1002' } });
        // A token this instance never verified cannot be checked: refused.
        assert.equal((await app.gql(q, { token: never })).status, 401);
        // The bound holds: the first request sent once PARTNER_TOKEN_CACHE_S (8 s) have passed since
        // the record was read is refused. One request, not a poll: a copy kept longer fails here.
        await new Promise((r) => setTimeout(r, Math.max(0, verifiedAt + 8_000 + 100 - Date.now())));
        const later = await app.gql(q, { token });
        assert.equal(later.status, 401);
        assert.equal(later.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
      } finally {
        await redis.start();
      }
    } finally {
      await app.close();
    }
  });

  test('with Redis up, a revocation is honoured on the next request (the local copy is only a fallback)', async () => {
    const app = await startApp({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'ptrevoke' });
    try {
      const minted = await app.gql(
        `mutation { createPartnerToken(input: { name: "rev", scopes: ["crm.contacts:read"] }) { token partnerToken { id } } }`,
        { token: app.token('admin') },
      );
      const { token, partnerToken } = minted.body.data.createPartnerToken;
      assert.equal((await app.gql('{ customer(id: "1002") { id } }', { token })).status, 200);
      await app.gql('mutation($id: ID!) { revokePartnerToken(id: $id) { id } }', {
        token: app.token('admin'),
        variables: { id: partnerToken.id },
      });
      assert.equal((await app.gql('{ customer(id: "1002") { id } }', { token })).status, 401);
    } finally {
      await app.close();
    }
  });
});

describe('rate limits for users and for callers without a token, shared through Redis', () => {
  test('users are counted per subject across instances: 429 RATE_LIMITED with Retry-After, others unaffected', async () => {
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'userrl', USER_RATE_LIMIT_PER_MINUTE: '3' };
    const a = await startApp(env);
    const b = await startApp(env);
    try {
      const q = '{ me { id } }';
      const ada = a.token('customer', '1001');
      for (const app of [a, b, a]) assert.equal((await app.gql(q, { token: ada })).status, 200);
      sims.resetStats();
      const over = await b.gql(q, { token: ada });
      assert.equal(over.status, 429);
      assert.equal(over.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
      assert.match(over.body.errors?.[0]?.message ?? '', /USER_RATE_LIMIT_PER_MINUTE/);
      assert.ok(Number(over.headers.get('retry-after')) > 0);
      assert.deepEqual(b.calls(), NONE);
      assert.equal((await b.gql(q, { token: b.token('customer', '1002') })).status, 200);
    } finally {
      await a.close();
      await b.close();
    }
  });

  test('callers without a valid token are counted per IP across instances', async () => {
    const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'anonrl', ANONYMOUS_RATE_LIMIT_PER_MINUTE: '3' };
    const a = await startApp(env);
    const b = await startApp(env);
    try {
      assert.equal((await a.gql('{ __typename }')).status, 200);
      assert.equal((await b.gql('{ __typename }')).status, 200);
      // A refused token counts like no token: guessing tokens is limited too.
      assert.equal((await a.gql('{ __typename }', { token: 'not.a.token' })).status, 401);
      const over = await b.gql('{ __typename }');
      assert.equal(over.status, 429);
      assert.equal(over.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
      assert.match(over.body.errors?.[0]?.message ?? '', /ANONYMOUS_RATE_LIMIT_PER_MINUTE/);
      assert.equal((await b.gql('{ __typename }', { token: 'not.a.token' })).status, 429);
      // Signed-in users are counted by subject, not by IP.
      assert.equal((await b.gql('{ me { id } }', { token: b.token('customer', '1001') })).status, 200);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('production', () => {
  const SECRET = 'p'.repeat(40);
  const PARTNER_SECRET = 'q'.repeat(40);
  const ISSUER = 'https://idp.example.test/';
  const prodEnv = () => ({
    NODE_ENV: 'production',
    AUTH_ISSUER: ISSUER,
    AUTH_JWT_SECRET: SECRET,
    PARTNER_TOKEN_SECRET: PARTNER_SECRET,
    SUBGRAPH_SIGNING_SECRET: 'r'.repeat(40),
    STRIPE_WEBHOOK_SECRETS: `whsec_${'s'.repeat(32)}`,
    HUBSPOT_CLIENT_SECRET: 'h'.repeat(36),
    ZENDESK_WEBHOOK_SECRET: 'z'.repeat(44),
    AUDIT_HMAC_KEY: 'a'.repeat(64),
    NOTIFY_SECRET_KEY: 'b'.repeat(64),
    PUBLIC_BASE_URL: 'https://api.example.test',
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'prodguards',
  });
  const userToken = (roles: string[], sub = 'staff-1') =>
    jwt.sign({ roles, crm_contact_id: sub }, SECRET, {
      algorithm: 'HS256',
      subject: sub,
      issuer: ISSUER,
      audience: 'portico',
      expiresIn: 600,
    });
  const manifest = JSON.parse(readFileSync(repoUrl('clients/generated/persisted-documents.json'), 'utf8')) as Record<string, string>;
  const [searchHash, searchDoc] = Object.entries(manifest).find(([, d]) => d.includes('query CustomerSearch'))!;

  const post = (url: string, token: string, body: object) =>
    fetch(`${url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
      body: JSON.stringify(body),
    }).then(async (r) => ({ status: r.status, body: (await r.json()) as any }));

  test('partners run only the published operations (TRUSTED_DOCUMENTS=partners by default), with zero upstream calls otherwise', async () => {
    const app = await startApp(prodEnv());
    try {
      const { token } = await mintPartnerToken(app.app.shared.partners, PARTNER_SECRET, {
        name: 'trusted',
        scopes: ['crm.customers:list', 'crm.contacts:read', 'billing.summary:read'],
        ttlDays: 1,
      });
      sims.resetStats();
      const adhoc = await post(app.url, token, { query: '{ customers(first: 1) { nodes { id email } } }' });
      assert.equal(adhoc.status, 403);
      assert.equal(adhoc.body.errors[0].extensions.code, 'FORBIDDEN');
      assert.match(adhoc.body.errors[0].message, /TRUSTED_DOCUMENTS=partners/);
      assert.deepEqual(app.calls(), NONE);
      // The published operation by hash (preloaded) or in full both run.
      await until(
        'the manifest to be registered',
        () =>
          post(app.url, token, {
            operationName: 'CustomerSearch',
            extensions: { persistedQuery: { version: 1, sha256Hash: searchHash } },
            variables: { first: 2 },
          }),
        (r) => r.status === 200,
      );
      const full = await post(app.url, token, { query: searchDoc, variables: { first: 2 } });
      assert.equal(full.status, 200, JSON.stringify(full.body));
      assert.equal(full.body.data.customers.edges.length, 2);
      // Staff are not pinned by default.
      assert.equal((await post(app.url, userToken(['agent']), { query: '{ customers(first: 1) { nodes { id } } }' })).status, 200);
      // A partner manages its webhook endpoints with the published operations (clients/operations/partner-webhooks.graphql).
      const { token: hooks } = await mintPartnerToken(app.app.shared.partners, PARTNER_SECRET, {
        name: 'hooks',
        scopes: ['billing.invoices:read', 'webhooks:manage'],
        ttlDays: 1,
      });
      const published = (name: string) => Object.values(manifest).find((d) => d.includes(` ${name}(`) || d.includes(` ${name} {`))!;
      const types = await post(app.url, hooks, { query: published('WebhookEventTypes'), operationName: 'WebhookEventTypes' });
      assert.equal(types.status, 200, JSON.stringify(types.body));
      assert.ok(types.body.data.webhookEventTypes.length > 0);
      const endpoints = await post(app.url, hooks, { query: published('WebhookEndpoints'), operationName: 'WebhookEndpoints' });
      assert.deepEqual(endpoints.body, { data: { webhookEndpoints: [] } });
      // The create mutation passes the trusted-document check and meets production's URL rule (no request is made).
      const create = await post(app.url, hooks, {
        query: published('CreateWebhookEndpoint'),
        operationName: 'CreateWebhookEndpoint',
        variables: { input: { url: 'http://127.0.0.1:9/hooks', eventTypes: ['billing.invoice.payment_failed'] } },
      });
      assert.equal(create.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(create.body));
      assert.match(create.body.errors[0].message, /https/);
      // Every other published endpoint operation passes the trusted-document check: on an unknown
      // endpoint each answers NOT_FOUND, never the FORBIDDEN of an unpublished document.
      for (const name of [
        'WebhookDeliveries',
        'FailedWebhookDeliveries',
        'DisableWebhookEndpoint',
        'EnableWebhookEndpoint',
        'RotateWebhookEndpointSecret',
        'SendTestWebhookEvent',
        'ReplayWebhookDeliveries',
      ]) {
        const res = await post(app.url, hooks, {
          query: published(name),
          operationName: name,
          variables: { id: 'we_unknown', endpointId: 'we_unknown' },
        });
        assert.equal(res.body.errors?.[0]?.extensions?.code, 'NOT_FOUND', `${name}: ${JSON.stringify(res.body)}`);
      }
    } finally {
      await app.close();
    }
  });

  test('even with TRUSTED_DOCUMENTS=off, partners cannot register new APQ documents in production', async () => {
    const app = await startApp({ ...prodEnv(), TRUSTED_DOCUMENTS: 'off', REDIS_KEY_PREFIX: 'prodapq' });
    try {
      const { token } = await mintPartnerToken(app.app.shared.partners, PARTNER_SECRET, {
        name: 'apq',
        scopes: ['crm.contacts:read'],
        ttlDays: 1,
      });
      const query = '{ customer(id: "1002") { id name } }';
      const { createHash } = await import('node:crypto');
      const sha256Hash = createHash('sha256').update(query).digest('hex');
      sims.resetStats();
      const register = await post(app.url, token, { query, extensions: { persistedQuery: { version: 1, sha256Hash } } });
      assert.equal(register.status, 403, JSON.stringify(register.body));
      assert.match(register.body.errors[0].message, /cannot register new persisted queries/);
      assert.deepEqual(app.calls(), NONE);
      const byHash = await post(app.url, token, { extensions: { persistedQuery: { version: 1, sha256Hash } } });
      assert.equal(byHash.body.errors[0].extensions.code, 'PERSISTED_QUERY_NOT_FOUND');
      // A plain ad-hoc query is allowed with TRUSTED_DOCUMENTS=off.
      assert.equal((await post(app.url, token, { query })).status, 200);
    } finally {
      await app.close();
    }
  });

  test('no suggestions for anyone, no open /metrics, no Apollo landing page', async () => {
    const app = await startApp({ ...prodEnv(), REDIS_KEY_PREFIX: 'prodmisc' });
    try {
      const typo = await post(app.url, userToken(['admin']), { query: '{ partnerTokenz { id } }' });
      assert.equal(typo.status, 400);
      assert.doesNotMatch(JSON.stringify(typo.body), /Did you mean|partnerTokens/);
      assert.equal((await fetch(`${app.url}/metrics`)).status, 404);
      const landing = await fetch(`${app.url}/graphql`, { headers: { accept: 'text/html' } });
      assert.doesNotMatch(await landing.text(), /<html|<script|cdn\./i);
      assert.equal(landing.status, 400);
    } finally {
      await app.close();
    }
  });
});
