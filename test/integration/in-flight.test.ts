/**
 * MAX_OPERATIONS_IN_FLIGHT: past the bound an operation waits its turn in a bounded queue; a full
 * queue is 503 OVERLOADED with Retry-After, before anything ran (no upstream call). Real app, real
 * HTTP, real simulators (a slow CRM holds the operations in flight); counts, not times.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, TEST_CRM, type GqlResponse, type TestApp } from '../helpers/app.js';
import { waitFor } from '../helpers/webhooks.js';

let sims: Simulators;
let t: TestApp;
before(async () => {
  sims = await startSimulators();
  t = await startTestApp({
    sims,
    env: { MAX_OPERATIONS_IN_FLIGHT: '2', OPERATIONS_QUEUE_MAX: '3', OPERATIONS_QUEUE_WAIT_MS: '120000' },
  });
});
after(async () => {
  await t?.close();
  await sims?.close();
});

/** A metric without labels, or with the given label string (`reason="queue_full"`), from /metrics. */
const gauge = async (name: string, labels = '') => {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const line = text.split('\n').find((l) => l.startsWith(labels ? `${name}{${labels}} ` : `${name} `));
  return line ? Number(line.split(' ').at(-1)) : 0;
};
const state = async () => [await gauge('portico_operations_in_flight'), await gauge('portico_operations_queued')];

const read = (id: string, signal?: AbortSignal) =>
  fetch(`${t.url}/graphql`, {
    method: 'POST',
    signal,
    headers: { 'content-type': 'application/json', authorization: `Bearer ${t.token('agent', 'gate')}` },
    body: JSON.stringify({ query: `query One($id: ID!) { customer(id: $id) { id name } }`, variables: { id } }),
  }).then(async (res) => ({ status: res.status, headers: res.headers, body: (await res.json()) as GqlResponse['body'] }));

test('two operations run, three wait, the rest are refused at once with 503 OVERLOADED; a client gone while waiting leaves the queue', async () => {
  // One customer read alone: its CRM calls, the unit the counts below are made of.
  sims.resetStats();
  assert.equal((await read('1001')).status, 200);
  const perRead = t.calls().crm;
  assert.ok(perRead >= 1);
  assert.deepEqual(await state(), [0, 0], 'the turn is given back once answered');

  // A slow CRM holds each operation in flight for seconds.
  sims.setFaults(TEST_CRM, { latencyMs: 4000 });
  sims.resetStats();
  try {
    const gone = new AbortController();
    const held = ['1011', '1012', '1013', '1014'].map((id) => read(id));
    const leaving = read('1015', gone.signal).catch((err: Error) => err.name);
    await waitFor('two running, three waiting', async () => (await state()).join() === '2,3');
    gone.abort();
    assert.equal(await leaving, 'AbortError');
    await waitFor('the aborted request to leave the queue', async () => (await state()).join() === '2,2');

    // Four more: one finds room in the queue, three are refused before anything ran.
    const more = await Promise.allSettled(
      ['1021', '1022', '1023', '1024'].map((id) =>
        Promise.race([read(id), new Promise<'still waiting'>((r) => setTimeout(() => r('still waiting'), 2000))]),
      ),
    );
    const answers = more.map((m) => (m.status === 'fulfilled' ? m.value : m.reason)) as (
      Awaited<ReturnType<typeof read>> | 'still waiting'
    )[];
    const refused = answers.filter((a) => a !== 'still waiting');
    assert.equal(refused.length, 3, JSON.stringify(answers));
    for (const r of refused) {
      assert.equal(r.status, 503);
      assert.equal(r.headers.get('retry-after'), '1');
      assert.deepEqual(r.body.errors?.[0]?.extensions, { code: 'OVERLOADED', limit: 'operationsInFlight', allowed: 2, retryAfter: 1 });
      assert.match(r.body.errors?.[0]?.message ?? '', /MAX_OPERATIONS_IN_FLIGHT/);
      assert.equal(r.body.data, undefined);
    }
    const done = await Promise.all(held);
    for (const r of done) assert.deepEqual([r.status, r.body.errors], [200, undefined]);
    await waitFor('the queued one to be answered as well', async () => (await state()).join() === '0,0');
    // The four held, and the one that waited: each executed once; the refused and the aborted never ran.
    assert.equal(t.calls().crm, 5 * perRead);
    assert.equal(await gauge('portico_operations_refused_total', 'reason="queue_full"'), 3);
  } finally {
    sims.setFaults(TEST_CRM, {});
  }
});
