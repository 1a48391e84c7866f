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
    env: { CACHE_ENABLED: 'false', UPSTREAM_BREAKER_VOLUME: '4', UPSTREAM_BREAKER_RESET_MS: '4000' },
  });
});
after(() => t.close());

const Q = `{ me { name tickets(first: 1) { nodes { id } } } }`;

test('a failing vendor opens its circuit; calls stop; a trial call after the reset closes it again', async () => {
  const token = t.token('customer', '1001');
  t.sims.setFaults('zendesk', { failureRate: 1 });
  t.sims.resetStats();
  for (let i = 0; i < 4; i++) {
    const res = await t.gql(Q, { token });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
  }
  assert.equal(t.sims.stats('zendesk').total, 4);
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
  // The vendor recovers; after the reset (4 s, far longer than the nine requests above take even
  // on a loaded machine) a trial call goes through and closes the circuit. Until then every
  // request fails fast without calling Zendesk.
  t.sims.setFaults('zendesk', {});
  const deadline = Date.now() + 30_000;
  let ok = await t.gql(Q, { token });
  while (ok.body.errors && Date.now() < deadline) {
    assert.match(ok.body.errors[0]?.message ?? '', /circuit open/);
    await new Promise((r) => setTimeout(r, 100));
    ok = await t.gql(Q, { token });
  }
  assert.equal(ok.body.errors, undefined);
  assert.equal(ok.body.data.me.tickets.nodes.length, 1);
  assert.equal((await t.gql(Q, { token })).body.errors, undefined);
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
