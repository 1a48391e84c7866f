/**
 * After a Redis restart, webhook jobs wait for the connections they need instead of spending
 * attempts (issue 18, item 5): the worker's connection may be back before the cache's, whose purge
 * then failed with "Stream isn't writeable..." and, with a short backoff, dead-lettered the job.
 * Real redis-server killed and restarted on the same port, real app, signed Stripe webhooks.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { changesFor, metric, post, redisClient, stripeEvent, stripeHeader, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

const PREFIX = 'whrestart';
let redis: TestRedis;
let sims: Simulators;
let r: Redis;
before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  r = redisClient(redis.url);
});
after(async () => {
  r?.disconnect();
  await sims?.close();
  await redis?.stop();
});

test('jobs run while the cache connection is still reconnecting wait for it: none dead-lettered, each event processed once', async () => {
  const t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: PREFIX,
      // Attempts and backoff short enough that spending them on a reconnect dead-letters the job.
      EVENT_ATTEMPTS: '2',
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '50',
      UPSTREAM_BREAKER_VOLUME: '100000',
      ...WEBHOOK_ENV,
    },
  });
  try {
    const events = sims.data.customers
      .slice(0, 10)
      .flatMap((c) =>
        c.invoices
          .slice(0, 2)
          .map((inv) => stripeEvent('invoice.updated', { id: inv.id, object: 'invoice', customer: c.stripeCustomerId })),
      );
    const deliver = async (e: { id: string }) => {
      const payload = JSON.stringify(e);
      // Refused (503) until the queue's own connection is back: the vendor retries, as here.
      for (let i = 0; i < 400; i++) {
        const res = await post(`${t.url}/webhooks/stripe`, payload, { 'stripe-signature': stripeHeader(payload) });
        if (res.status === 200) return;
        await new Promise((res) => setTimeout(res, 10));
      }
      throw new Error(`event ${e.id} never accepted`);
    };
    // Down long enough that every connection's reconnect backoff is at its cap (2 s): they come
    // back one by one, up to 2 s apart, so some jobs run before the cache's connection is back.
    await redis.stop();
    await new Promise((res) => setTimeout(res, 4000));
    await redis.start();
    await Promise.all(events.map(deliver));
    await waitFor(
      'every event to be processed',
      async () => (await Promise.all(events.map((e) => changesFor(r, PREFIX, e.id)))).every((c) => c.length > 0),
      60_000,
    );
    for (const e of events) assert.equal((await changesFor(r, PREFIX, e.id)).length, 1, `event ${e.id} applied once`);
    const dead = await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'dead' });
    const deferred = await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'deferred' });
    const failed = await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'failed' });
    console.log(`restart: ${events.length} events; deferred ${deferred}, failed attempts ${failed}, dead ${dead}`);
    assert.equal(dead, 0);
    const listed = await t.gql('{ failedEvents(first: 50) { totalCount } }', { token: t.token('admin') });
    assert.equal(listed.body.data.failedEvents.totalCount, 0);
  } finally {
    await redis.start().catch(() => undefined);
    await t.close();
  }
});
