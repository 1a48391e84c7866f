import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createInFlightLimit } from '../../../src/guards/in-flight.js';

const settled = async <T>(p: Promise<T>) => {
  const mark = Symbol('pending');
  return Promise.race([p, new Promise<typeof mark>((r) => setImmediate(() => r(mark)))]).then((v) => (v === mark ? 'pending' : v));
};

test('two run, three wait in arrival order, the sixth is refused at once; each release hands its turn to the oldest waiting', async () => {
  const registry = new Registry();
  const limit = createInFlightLimit({ max: 2, queueMax: 3, waitMs: 60_000, registry });
  const tickets = Array.from({ length: 6 }, () => limit.enter());
  assert.deepEqual(await Promise.all(tickets.map((t) => settled(t.admitted))), ['run', 'run', 'pending', 'pending', 'pending', 'full']);
  assert.deepEqual([limit.running(), limit.queued()], [2, 3]);
  tickets[1].release();
  tickets[1].release(); // twice (the response's close after an explicit release): one turn given back
  assert.deepEqual(await Promise.all(tickets.slice(2, 5).map((t) => settled(t.admitted))), ['run', 'pending', 'pending']);
  assert.deepEqual([limit.running(), limit.queued()], [2, 2]);
  // A waiting client that went away leaves the queue; its turn is never taken.
  tickets[3].release();
  assert.deepEqual([limit.running(), limit.queued()], [2, 1]);
  tickets[0].release();
  assert.equal(await settled(tickets[4].admitted), 'run');
  for (const t of tickets) t.release();
  assert.deepEqual([limit.running(), limit.queued()], [0, 0]);
  const text = await registry.metrics();
  assert.match(text, /portico_operations_refused_total\{reason="queue_full"\} 1/);
  assert.match(text, /portico_operations_in_flight 0/);
});

test('a wait past waitMs is refused (waited) and leaves the queue; max 0 is no bound', async () => {
  const limit = createInFlightLimit({ max: 1, queueMax: 5, waitMs: 20 });
  const first = limit.enter();
  const second = limit.enter();
  assert.equal(await second.admitted, 'waited');
  assert.deepEqual([limit.running(), limit.queued()], [1, 0]);
  first.release();
  second.release();
  assert.equal(limit.running(), 0);
  const none = createInFlightLimit({ max: 0, queueMax: 0, waitMs: 1 });
  const all = Array.from({ length: 100 }, () => none.enter());
  assert.ok((await Promise.all(all.map((t) => t.admitted))).every((a) => a === 'run'));
});
