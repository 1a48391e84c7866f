/**
 * /readyz takes an instance out of the load balancer while it cannot reach Redis or a durable
 * queue (503, naming what is down) and puts it back once they answer again: a real redis-server
 * killed and restarted on the same port, then frozen (SIGSTOP) and thawed.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

interface Readiness {
  status: string;
  down?: string[];
  redis: string;
  queues: Record<string, string>;
}

let redis: TestRedis;
let t: TestApp;
let queueNames: string[];

async function readyz(): Promise<{ status: number; body: Readiness }> {
  const res = await fetch(`${t.url}/readyz`);
  return { status: res.status, body: (await res.json()) as Readiness };
}

/** Polls /readyz until `want` holds (ioredis reconnects on its own schedule); bounded by attempts. */
async function until(what: string, want: (r: { status: number; body: Readiness }) => boolean) {
  let last: { status: number; body: Readiness } | undefined;
  for (let i = 0; i < 200; i++) {
    last = await readyz();
    if (want(last)) return last;
    await new Promise((r) => setTimeout(r, 50));
  }
  assert.fail(`/readyz never became ${what}; last: ${JSON.stringify(last)}`);
}

before(async () => {
  redis = await startRedis();
  t = await startTestApp({ env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'readyz' } });
  // Every durable queue of the app is reported: the webhook queues and the others (replicas, automations, …).
  queueNames = Object.keys((await until('ready', (r) => r.status === 200)).body.queues);
  const webhookQueues = Object.values(t.app.events.queues).map((q) => q.name);
  assert.ok(webhookQueues.length >= 3);
  for (const name of [...webhookQueues, 'replicas', 'automations'])
    assert.ok(queueNames.includes(name), `${name} in ${queueNames.join(', ')}`);
});
after(async () => {
  redis?.resume();
  await t?.close();
  await redis?.stop();
});

const allUp = () => Object.fromEntries(queueNames.map((n) => [n, 'up']));

test('ready while Redis and every queue answer', async () => {
  const ready = await until('ready', (r) => r.status === 200);
  assert.equal(ready.body.status, 'ready');
  assert.equal(ready.body.redis, 'up');
  assert.equal(ready.body.down, undefined);
  for (const name of queueNames) assert.equal(ready.body.queues[name], 'up', name);
});

test('Redis stopped: 503 naming Redis and every queue; restarted: ready again', async () => {
  await until('ready', (r) => r.status === 200);
  await redis.stop();
  try {
    const down = await until('not ready', (r) => r.status === 503 && (r.body.down?.length ?? 0) === 1 + queueNames.length);
    assert.equal(down.body.status, 'not ready');
    assert.equal(down.body.redis, 'down');
    assert.deepEqual(down.body.down, ['redis', ...queueNames.map((n) => `queue:${n}`)]);
    assert.deepEqual(down.body.queues, Object.fromEntries(queueNames.map((n) => [n, 'down'])));
    // Liveness is not readiness: the process is alive, it must not be restarted for Redis.
    assert.equal((await fetch(`${t.url}/healthz`)).status, 200);
  } finally {
    await redis.start();
  }
  const back = await until('ready again', (r) => r.status === 200);
  assert.deepEqual(back.body, { status: 'ready', redis: 'up', queues: allUp() });
});

test('Redis frozen (connections open, nothing answers): 503 naming Redis; thawed: ready again', async () => {
  await until('ready', (r) => r.status === 200);
  redis.pause();
  try {
    const frozen = await readyz();
    assert.equal(frozen.status, 503, JSON.stringify(frozen.body));
    assert.deepEqual(frozen.body.down, ['redis']);
  } finally {
    redis.resume();
  }
  const back = await until('ready again', (r) => r.status === 200);
  assert.deepEqual(back.body, { status: 'ready', redis: 'up', queues: allUp() });
});
