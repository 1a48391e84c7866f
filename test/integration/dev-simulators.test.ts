/**
 * SIMULATORS=true (`npm start` in development): createApp starts the simulator of every registry
 * vendor that has one, points that vendor's config at it, and once the app listens the simulators
 * send their signed webhooks to it: a change made in a simulator arrives as a verified, applied event.
 */
import assert from 'node:assert/strict';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { test } from 'node:test';
import { createApp } from '../../src/app.js';
import { loadConfig } from '../../src/config/index.js';
import { startRedis } from '../helpers/redis.js';
import { redisClient, waitFor } from '../helpers/webhooks.js';

test('SIMULATORS=true: every vendor points at its simulator, and a simulator webhook reaches the app', async () => {
  const redis = await startRedis();
  const app = await createApp({
    config: loadConfig({
      NODE_ENV: 'development',
      SIMULATORS: 'true',
      HOST: '127.0.0.1',
      PORT: '0',
      LOG_LEVEL: 'silent',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'devsims',
      RECONCILE_SCHEDULE: 'off',
      AUDIT_SPOOL_DIR: mkdtempSync(join(tmpdir(), 'portico-spool-')),
    }),
  });
  const r = redisClient(redis.url);
  try {
    await app.listen();
    const loopback = /^http:\/\/127\.0\.0\.1:\d+$/;
    assert.match(app.config.hubspot.baseUrl, loopback);
    assert.match(app.config.salesforce.instanceUrl, loopback);
    assert.match(app.config.stripe.apiBase, loopback);
    assert.match(app.config.zendesk.baseUrl, loopback);
    assert.match(app.config.s3.endpoint ?? '', loopback);
    // The simulators' credentials are redacted from logs as real ones are.
    for (const secret of [
      app.config.stripe.secretKey,
      app.config.hubspot.accessToken,
      app.config.zendesk.apiToken,
      app.config.s3.secretAccessKey,
    ])
      assert.ok(secret && app.config.secrets.includes(secret), 'a simulator credential is on the redaction list');

    // Ada pays her open invoice in the Stripe simulator (the start-up banner's "Try it").
    const paid = await fetch(`${app.config.stripe.apiBase}/v1/invoices/in_rSRUBN9j9KKiSY/pay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${app.config.stripe.secretKey}` },
    });
    assert.equal(paid.status, 200);
    const changes = async () =>
      (await r.xrange('devsims:changes', '-', '+')).map(([, f]) => JSON.parse(f[f.indexOf('change') + 1]) as Record<string, unknown>);
    await waitFor('the invoice.paid webhook to be applied', async () => (await changes()).some((c) => c.type === 'invoice.paid'));
    const change = (await changes()).find((c) => c.type === 'invoice.paid');
    assert.deepEqual(
      { system: change?.system, crmId: change?.crmId, purged: change?.purged },
      { system: 'stripe', crmId: '1001', purged: ['billing.invoices'] },
    );
  } finally {
    r.disconnect();
    await app.close();
    await redis.stop();
  }
});
