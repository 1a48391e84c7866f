/**
 * The run record store on a real Redis: bounded (the oldest runs dropped past `max`), newest first,
 * filtered, paged by a cursor that survives runs queued meanwhile and runs queued in the same
 * millisecond, and one run's updates applied in order, in one process and across two (the
 * gateway queuing a run and a worker running it: compare-and-set, no update lost).
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { createRunStore, type RunRecord } from '../../../src/automations/runs.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

let redis: TestRedis;
let r: Redis;
before(async () => {
  redis = await startRedis();
  r = new Redis(redis.url);
});
after(async () => {
  r?.disconnect();
  await redis?.stop();
});

const run = (id: string, queuedAt: number, over: Partial<RunRecord> = {}): RunRecord => ({
  id,
  automation: 'payment-failed',
  status: 'COMPLETED',
  trigger: { type: 'billing.invoice.payment_failed', eventId: `stripe:evt_${id}`, at: new Date(queuedAt).toISOString() },
  customerId: '1001',
  steps: [],
  attempts: 1,
  queuedAt: new Date(queuedAt).toISOString(),
  startedAt: null,
  finishedAt: null,
  traceId: null,
  lastError: null,
  dryRun: false,
  ...over,
});

test('bounded: past `max` runs the oldest are dropped, record and index', async () => {
  const store = createRunStore({ redis: r, prefix: 'bounded', max: 3 });
  for (let i = 1; i <= 5; i++) await store.update(`r${i}`, () => run(`r${i}`, 1_000 * i));
  assert.equal(await store.count(), 3);
  assert.equal(await store.get('r1'), null);
  assert.equal(await store.get('r2'), null);
  assert.equal((await store.get('r5'))?.id, 'r5');
  assert.equal(await r.hlen('bounded:{automation-runs}:data'), 3);
});

test('newest first, filtered, paged without repeating or skipping a run (same-millisecond ones too)', async () => {
  const store = createRunStore({ redis: r, prefix: 'paged', max: 1000 });
  // 30 runs, three per millisecond; every third about customer 1002, every fifth dead.
  for (let i = 0; i < 30; i++)
    await store.update(`p${String(i).padStart(2, '0')}`, () =>
      run(`p${String(i).padStart(2, '0')}`, 5_000 + Math.floor(i / 3), {
        customerId: i % 3 === 0 ? '1002' : '1001',
        status: i % 5 === 0 ? 'DEAD' : 'COMPLETED',
        automation: i % 2 ? 'payment-succeeded' : 'payment-failed',
      }),
    );
  const all: string[] = [];
  let after: string | null = null;
  for (;;) {
    const page = await store.page({}, 7, after);
    all.push(...page.runs.map((x) => x.id));
    // A run queued meanwhile (newer) does not shift the next page.
    if (all.length === 7) await store.update('late', () => run('late', 9_000));
    if (!page.hasNextPage) break;
    after = page.endCursor;
  }
  const expected = Array.from({ length: 30 }, (_, i) => `p${String(i).padStart(2, '0')}`).reverse();
  assert.deepEqual(all, expected);

  const dead = await store.page({ status: 'DEAD', customerId: '1002' }, 10);
  assert.deepEqual(
    dead.runs.map((x) => x.id),
    ['p15', 'p00'],
  );
  assert.equal(dead.hasNextPage, false);
  const succeeded = await store.page({ automation: 'payment-succeeded' }, 100);
  assert.equal(succeeded.runs.length, 15);
});

test("one run's updates are applied in order, each on the last", async () => {
  const store = createRunStore({ redis: r, prefix: 'ordered', max: 10 });
  await store.update('x', () => run('x', 1));
  await Promise.all(Array.from({ length: 20 }, () => store.update('x', (cur) => cur && { ...cur, attempts: cur.attempts + 1 })));
  assert.equal((await store.get('x'))?.attempts, 21);
});

test("two processes' updates of one run (two stores, two connections): none lost", async () => {
  const other = new Redis(redis.url);
  try {
    const one = createRunStore({ redis: r, prefix: 'shared', max: 10 });
    const two = createRunStore({ redis: other, prefix: 'shared', max: 10 });
    await one.update('y', () => run('y', 1));
    const add = (store: typeof one, name: string) =>
      store.update(
        'y',
        (cur) => cur && { ...cur, steps: [...cur.steps, { name, outcome: 'OK', attempts: 1, durationMs: 0, error: null }] },
      );
    await Promise.all(Array.from({ length: 30 }, (_, i) => add(i % 2 ? one : two, `s${i}`)));
    const steps = (await one.get('y'))?.steps.map((x) => x.name) ?? [];
    assert.equal(steps.length, 30);
    assert.deepEqual(new Set(steps), new Set(Array.from({ length: 30 }, (_, i) => `s${i}`)));
  } finally {
    other.disconnect();
  }
});

test('a cursor it did not issue is BAD_USER_INPUT', async () => {
  const store = createRunStore({ redis: r, prefix: 'cursor', max: 10 });
  await assert.rejects(
    store.page({}, 5, 'bm9wZQ'),
    (e: Error & { extensions?: { code?: string } }) => e.extensions?.code === 'BAD_USER_INPUT',
  );
});
