/**
 * Nothing acknowledged is lost, nothing is applied twice: a poison event dead-lettered, listed
 * and replayed (GraphQL admin API and the CLI); a worker process killed mid-job; Redis going away
 * (503, the vendor retries) and coming back. Real redis-server, real HTTP, a real child process.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import type { Redis } from 'ioredis';
import { startSimulators, vendorEnv, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { changesFor, metric, post, redisClient, SECRETS, stripeEvent, stripeHeader, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

const PREFIX = 'whdur';
let redis: TestRedis;
let sims: Simulators;
let r: Redis;
const env = () => ({
  REDIS_URL: redis.url,
  REDIS_KEY_PREFIX: PREFIX,
  REDIS_COMMAND_TIMEOUT_MS: '1000',
  EVENT_ATTEMPTS: '3',
  EVENT_BACKOFF_MS: '20',
  EVENT_BACKOFF_MAX_MS: '100',
  EVENT_LOCK_MS: '1000',
  UPSTREAM_BREAKER_VOLUME: '100000',
  ...WEBHOOK_ENV,
});

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

const invoiceEvent = () => {
  const c = sims.data.customers.find((x) => x.crmId === '1001')!;
  return stripeEvent('invoice.updated', { id: c.invoices[1].id, object: 'invoice', customer: c.stripeCustomerId });
};
const send = async (t: TestApp, e: { id: string }) => {
  const payload = JSON.stringify(e);
  return post(`${t.url}/webhooks/stripe`, payload, { 'stripe-signature': stripeHeader(payload) });
};
const FAILED = `query Failed($system: EventSystem, $first: Int, $after: String) {
  failedEvents(system: $system, first: $first, after: $after) { totalCount nodes { id system eventId type attempts lastError receivedAt failedAt } pageInfo { hasNextPage endCursor } }
}`;
const REPLAY = 'mutation Replay($id: ID!) { replayFailedEvent(id: $id) { id status } }';
const cli = (...args: string[]) =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/events.ts', ...args], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', REDIS_URL: redis.url, REDIS_KEY_PREFIX: PREFIX },
    encoding: 'utf8',
  });

describe('dead letters and replay', () => {
  test('a poison event is dead-lettered after N attempts with its error, listed, and processed on replay once fixed', async () => {
    await redis.flush();
    const t = await startTestApp({ sims, env: env() });
    try {
      sims.setFaults('stripe', { failureRate: 1 });
      const e = invoiceEvent();
      assert.equal((await send(t, e)).status, 200);
      const admin = t.token('admin');
      await waitFor(
        'the event to be dead-lettered',
        async () => (await t.gql(FAILED, { token: admin })).body.data?.failedEvents.totalCount === 1,
      );
      const listed = (await t.gql(FAILED, { token: admin, variables: { system: 'STRIPE', first: 10 } })).body.data.failedEvents;
      assert.equal(listed.totalCount, 1);
      assert.deepEqual(
        { ...listed.nodes[0], receivedAt: typeof listed.nodes[0].receivedAt, failedAt: typeof listed.nodes[0].failedAt },
        {
          id: `stripe:${e.id}`,
          system: 'STRIPE',
          eventId: e.id,
          type: 'invoice.updated',
          attempts: 3,
          lastError: 'The billing system is unavailable. Try again later.',
          receivedAt: 'string',
          failedAt: 'string',
        },
      );
      assert.deepEqual(listed.pageInfo, { hasNextPage: false, endCursor: listed.pageInfo.endCursor });
      assert.equal((await t.gql(FAILED, { token: admin, variables: { system: 'HUBSPOT' } })).body.data.failedEvents.totalCount, 0);
      assert.deepEqual(await changesFor(r, PREFIX, e.id), []);
      assert.equal(await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'failed' }), 3);
      assert.equal(await metric(t.url, 'portico_webhook_events_total', { system: 'stripe', outcome: 'dead' }), 1);
      assert.match(await (await fetch(`${t.url}/metrics`)).text(), /^portico_queue_jobs\{queue="webhooks-stripe",state="dead"\} 1$/m);

      // Not for staff without the admin scope; bad ids are named errors.
      const agent = await t.gql(FAILED, { token: t.token('agent') });
      assert.equal(agent.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      const missing = await t.gql(REPLAY, { token: admin, variables: { id: 'stripe:evt_nope' } });
      assert.equal(missing.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
      assert.equal((await t.gql(FAILED, { token: admin, variables: { first: 0 } })).body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');

      sims.setFaults('stripe', {});
      const replayed = await t.gql(REPLAY, { token: admin, variables: { id: `stripe:${e.id}` } });
      assert.deepEqual(replayed.body.data.replayFailedEvent, { id: `stripe:${e.id}`, status: 'REPLAYED' });
      await waitFor('the replayed event to be processed', async () => (await changesFor(r, PREFIX, e.id)).length === 1);
      await waitFor('the job to complete', async () => (await t.app.events.replay(`stripe:${e.id}`)) === 'already_processed');
      const again = await t.gql(REPLAY, { token: admin, variables: { id: `stripe:${e.id}` } });
      assert.deepEqual(again.body.data.replayFailedEvent, { id: `stripe:${e.id}`, status: 'ALREADY_PROCESSED' });
      assert.equal((await t.gql(FAILED, { token: admin })).body.data.failedEvents.totalCount, 0);
      assert.equal((await changesFor(r, PREFIX, e.id)).length, 1);
    } finally {
      sims.setFaults('stripe', {});
      await t.close();
    }
  });

  test('the CLI lists dead letters and replays one or all, saying what it did', async () => {
    await redis.flush();
    const t = await startTestApp({ sims, env: env() });
    try {
      sims.setFaults('stripe', { failureRate: 1 });
      const a = invoiceEvent();
      const b = invoiceEvent();
      assert.equal((await send(t, a)).status, 200);
      assert.equal((await send(t, b)).status, 200);
      await waitFor('two dead letters', async () => (await t.app.events.failed('stripe', 0, 10)).total === 2);
      sims.setFaults('stripe', {});

      const list = cli('list');
      assert.equal(list.status, 0, list.stderr);
      assert.match(list.stdout, /^2 failed event\(s\):/);
      assert.match(
        list.stdout,
        new RegExp(
          `stripe:${a.id}  invoice.updated  attempts=3  failed=\\S+  error: The billing system is unavailable\\. Try again later\\.`,
        ),
      );
      assert.match(list.stdout, /Next: fix the cause, then `npm run events -- replay ID`/);

      const one = cli('replay', `stripe:${a.id}`);
      assert.equal(one.status, 0, one.stderr);
      assert.match(one.stdout, new RegExp(`Replayed stripe:${a.id}: queued again`));
      await waitFor('a processed', async () => (await changesFor(r, PREFIX, a.id)).length === 1);

      const all = cli('replay', '--all');
      assert.match(all.stdout, /Replayed 1 failed event\(s\)/);
      await waitFor('b processed', async () => (await changesFor(r, PREFIX, b.id)).length === 1);
      assert.match(cli('list').stdout, /No failed events\. Nothing to replay\./);

      const bad = cli('replay', 'stripe:evt_unknown');
      assert.equal(bad.status, 1);
      assert.match(bad.stderr, /No event stripe:evt_unknown\. Ids look like stripe:evt_1NxAbc/);
      const usage = cli('frobnicate');
      assert.equal(usage.status, 1);
      assert.match(usage.stderr, /Unknown command "frobnicate"\.\nUsage:/);
    } finally {
      sims.setFaults('stripe', {});
      await t.close();
    }
  });
});

describe('crashes and outages', () => {
  test('a worker process killed mid-job: the job is run again by another worker and applied once', async () => {
    await redis.flush();
    // This gateway only receives; the first worker is its own process (npm run worker).
    const t = await startTestApp({ sims, env: { ...env(), EVENT_WORKERS: 'false' } });
    let child: ChildProcess | undefined;
    try {
      child = spawn(process.execPath, ['--import', 'tsx', 'src/worker.ts'], {
        env: {
          PATH: process.env.PATH,
          NODE_ENV: 'test',
          LOG_LEVEL: 'silent',
          ...vendorEnv(sims),
          ...env(),
          UPSTREAM_TIMEOUT_MS: '60000',
          UPSTREAM_RETRIES: '0',
        },
        stdio: ['ignore', 'pipe', 'pipe'],
      });
      let out = '';
      child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      await waitFor('the worker process to start', () => out.includes('Event workers running'), 60_000);
      // Stripe hangs: the worker is inside its re-read when it dies.
      sims.setFaults('stripe', { latencyMs: 30_000 });
      sims.resetStats();
      const e = invoiceEvent();
      assert.equal((await send(t, e)).status, 200);
      await waitFor(
        'the worker to be mid-job',
        async () => sims.stats('stripe').total > 0 && (await t.app.events.queues.stripe.counts()).active === 1,
      );
      const exited = new Promise((res) => child!.once('exit', res));
      child.kill('SIGKILL');
      await exited;
      assert.deepEqual(await changesFor(r, PREFIX, e.id), []);

      sims.setFaults('stripe', {});
      t.app.events.startWorkers();
      await waitFor(
        'the stalled job to be processed by the new worker',
        async () => (await changesFor(r, PREFIX, e.id)).length > 0,
        60_000,
      );
      await waitFor('the job to complete', async () => (await t.app.events.replay(`stripe:${e.id}`)) === 'already_processed');
      assert.equal((await changesFor(r, PREFIX, e.id)).length, 1);
      assert.equal((await t.app.events.failed(undefined, 0, 10)).total, 0);
    } finally {
      sims.setFaults('stripe', {});
      if (child && child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
      await t.close();
    }
  });

  test('Redis down: 503 so the vendor retries; Redis back: the retry is accepted and processed', async () => {
    await redis.flush();
    const t = await startTestApp({ sims, env: env() });
    try {
      sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
      await redis.stop();
      const direct = invoiceEvent();
      const res = await send(t, direct);
      assert.equal(res.status, 503);
      assert.deepEqual(JSON.parse(res.body), { error: 'The event could not be stored. Retry later.' });

      // A real change in Stripe while Redis is down: its webhook is refused, then retried by the simulator.
      const c = sims.data.customers.find((x) => x.crmId === '1005')!;
      const open = c.invoices.find((i) => i.status === 'open')!;
      // Customer 1005 has no card on file: it pays with Stripe's test card (as Stripe, no default card is a 400).
      const pay = await fetch(`${sims.urls.stripe}/v1/invoices/${open.id}/pay`, {
        method: 'POST',
        headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
        body: new URLSearchParams({ payment_method: 'pm_card_visa' }).toString(),
      });
      assert.equal(pay.status, 200);
      const delivery = () => sims.webhooks.deliveries().find((d) => d.system === 'stripe')!;
      await waitFor('the first delivery to be refused', () => delivery()?.attempts >= 1 && delivery().lastStatus === 503);
      assert.equal(delivery().state, 'pending');

      await redis.start();
      await waitFor('the retried delivery to be accepted', () => delivery().state === 'delivered', 60_000);
      const eventId = delivery().eventIds[0];
      await waitFor('the event to be processed', async () => (await changesFor(r, PREFIX, eventId)).length === 1, 60_000);
      // The vendor's own retry of the refused direct delivery is accepted too.
      await waitFor('the queue to take events again', async () => (await send(t, direct)).status === 200);
      await waitFor('the direct event to be processed', async () => (await changesFor(r, PREFIX, direct.id)).length === 1);
    } finally {
      sims.webhooks.configure({});
      await redis.start().catch(() => undefined);
      await t.close();
    }
  });
});
