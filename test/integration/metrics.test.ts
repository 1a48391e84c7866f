/**
 * portico_upstream_calls_total labels every attempt the same way for all four systems (issue 8:
 * Stripe and S3 were counted as status="sent", before the answer): the HTTP status the vendor
 * answered, or "error" when none came. Each system's count equals the attempts its simulator saw.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { TEST_CRM, DASHBOARD, startTestApp, type TestApp } from '../helpers/app.js';
import type { SimSystem } from '../../sim/index.js';

let t: TestApp;
before(async () => {
  // One retry, so a failed attempt and its retry are both visible.
  t = await startTestApp({ env: { UPSTREAM_RETRIES: '1', CACHE_ENABLED: 'false' } });
});
after(async () => {
  await t.close();
});

const SYSTEM: Partial<Record<SimSystem, string>> = { [TEST_CRM]: 'crm', stripe: 'billing', zendesk: 'support', s3: 'files' };

/** status -> count of portico_upstream_calls_total for one system. */
async function attempts(system: string): Promise<Record<string, number>> {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  const out: Record<string, number> = {};
  for (const m of text.matchAll(/^portico_upstream_calls_total\{([^}]*)\} (\d+)$/gm)) {
    const labels = Object.fromEntries([...m[1].matchAll(/(\w+)="([^"]*)"/g)].map((l) => [l[1], l[2]]));
    if (labels.system === system) out[labels.status] = (out[labels.status] ?? 0) + Number(m[2]);
  }
  return out;
}

test('a dashboard: every system counted by HTTP status, as many attempts as each vendor saw', async () => {
  t.sims.resetStats();
  const res = await t.gql(DASHBOARD, { token: t.token('customer', '1001') });
  assert.equal(res.body.errors, undefined);
  for (const [sim, system] of Object.entries(SYSTEM) as [SimSystem, string][]) {
    // Every request the vendor saw, Salesforce's OAuth token request included (it goes through the same policy).
    const seen = t.sims.stats(sim).total;
    assert.ok(seen > 0);
    assert.deepEqual(await attempts(system), { '200': seen }, system);
  }
});

test('failed attempts carry the vendor status for Stripe and S3 too, and retries are counted', async () => {
  const before = { billing: await attempts('billing'), files: await attempts('files') };
  t.sims.resetStats();
  // Every second request fails with 500: the first attempt fails, its retry succeeds.
  t.sims.setFaults('stripe', { failureRate: 0.5, failStatus: 500 });
  t.sims.setFaults('s3', { failureRate: 0.5, failStatus: 500 });
  try {
    const res = await t.gql(`{ me { billing { balance } documents(first: 1) { nodes { id } } } }`, { token: t.token('customer', '1002') });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  } finally {
    t.sims.setFaults('stripe', {});
    t.sims.setFaults('s3', {});
  }
  for (const [sim, system] of [
    ['stripe', 'billing'],
    ['s3', 'files'],
  ] as const) {
    const now = await attempts(system);
    const delta = Object.fromEntries(
      Object.entries(now)
        .map(([k, v]) => [k, v - (before[system][k] ?? 0)])
        .filter(([, v]) => v !== 0),
    );
    assert.ok(delta['500']! >= 1, `${system}: ${JSON.stringify(delta)}`);
    assert.equal((delta['500'] ?? 0) + (delta['200'] ?? 0), t.sims.stats(sim).total, `${system}: ${JSON.stringify(delta)}`);
    assert.equal(Object.keys(delta).filter((k) => k !== '200' && k !== '500').length, 0, `${system}: ${JSON.stringify(delta)}`);
  }
});
