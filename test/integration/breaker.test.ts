/**
 * Circuit breakers: when a vendor keeps failing, Portico stops calling it for a while (fast
 * UPSTREAM_UNAVAILABLE), then lets one trial call through and recovers by itself.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { upstreamCalls, TEST_CRM, startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp({
    sim: { customers: 20 },
    // Open for a minute: the requests below see an open circuit however slow the machine is.
    env: { CACHE_ENABLED: 'false', UPSTREAM_BREAKER_VOLUME: '4', UPSTREAM_BREAKER_RESET_MS: '60000' },
  });
});
after(() => t.close());

const Q = `{ me { name tickets(first: 1) { nodes { id } } } }`;

const CIRCUITS = `{ integrationHealth { circuits { system state } } }`;
const circuit = async (app: TestApp, system: string) =>
  (
    (await app.gql(CIRCUITS, { token: app.token('admin') })).body.data.integrationHealth.circuits as { system: string; state: string }[]
  ).find((c) => c.system === system)?.state;

test('a failing vendor opens its circuit; calls stop; the rest of the page is served', async () => {
  const token = t.token('customer', '1001');
  t.sims.setFaults('zendesk', { failureRate: 1 });
  try {
    t.sims.resetStats();
    for (let i = 0; i < 4; i++) {
      const res = await t.gql(Q, { token });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
    }
    assert.equal(t.sims.stats('zendesk').total, 4);
    assert.equal(await circuit(t, 'zendesk'), 'OPEN');
    // Open: Zendesk is not called at all; the rest of the page is still served.
    for (let i = 0; i < 5; i++) {
      const res = await t.gql(Q, { token });
      assert.equal(res.body.data.me.name, 'Ada Lovelace');
      assert.equal(res.body.data.me.tickets, null);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(res.body.errors?.[0]?.extensions?.system, 'support');
      assert.match(res.body.errors?.[0]?.message ?? '', /circuit open/);
    }
    assert.equal(t.sims.stats('zendesk').total, 4);
    // Other systems are unaffected.
    assert.ok(upstreamCalls(t.sims).crm >= 9);
  } finally {
    t.sims.setFaults('zendesk', {});
  }
});

test('after the reset one trial call goes through and closes the circuit again', async () => {
  // A short reset; the test follows the circuit's state (integrationHealth), not the clock.
  const app = await startTestApp({
    sims: t.sims,
    env: { CACHE_ENABLED: 'false', UPSTREAM_BREAKER_VOLUME: '4', UPSTREAM_BREAKER_RESET_MS: '500' },
  });
  const token = app.token('customer', '1001');
  t.sims.setFaults('zendesk', { failureRate: 1 });
  try {
    t.sims.resetStats();
    for (let i = 0; i < 4; i++) assert.equal((await app.gql(Q, { token })).body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
    // The vendor recovers. Until the breaker lets a trial call through, nothing calls Zendesk.
    t.sims.setFaults('zendesk', {});
    let state = await circuit(app, 'zendesk');
    for (let i = 0; i < 400 && state === 'OPEN'; i++) {
      await new Promise((r) => setTimeout(r, 25));
      state = await circuit(app, 'zendesk');
    }
    assert.equal(state, 'HALF_OPEN');
    assert.equal(t.sims.stats('zendesk').total, 4, 'no call while the circuit was open');
    const trial = await app.gql(Q, { token });
    assert.equal(trial.body.errors, undefined, JSON.stringify(trial.body));
    assert.equal(trial.body.data.me.tickets.nodes.length, 1);
    assert.equal(await circuit(app, 'zendesk'), 'CLOSED');
    assert.equal((await app.gql(Q, { token })).body.errors, undefined);
  } finally {
    t.sims.setFaults('zendesk', {});
    await app.close();
  }
});

test('at 50% upstream errors with retries on, the circuit opens (the breaker sees attempts, retries stay in budget)', async () => {
  const retrying = await startTestApp({
    sims: t.sims,
    env: { CACHE_ENABLED: 'false', UPSTREAM_RETRIES: '2', UPSTREAM_BREAKER_VOLUME: '10', UPSTREAM_BREAKER_RESET_MS: '60000' },
  });
  t.sims.setFaults(TEST_CRM, { failureRate: 0.5 });
  t.sims.resetStats();
  try {
    const token = retrying.token('agent');
    const messages: string[] = [];
    for (let i = 0; i < 20; i++) {
      const res = await retrying.gql(`{ customer(id: "1002") { name } }`, { token });
      messages.push(res.body.errors?.[0]?.message ?? 'ok');
    }
    assert.ok(
      messages.some((m) => /circuit open/.test(m)),
      messages.join('\n'),
    );
    // Retries never double the traffic: fewer HubSpot attempts than two per request.
    assert.ok(upstreamCalls(t.sims).crm < 2 * 20);
  } finally {
    t.sims.setFaults(TEST_CRM, {});
    await retrying.close();
  }
});
