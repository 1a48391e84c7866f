/** Vendor budgets (platform/budget.ts): background work yields to interactive reads. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createMemoryBudgetStore, createVendorBudget, parseBudgets } from '../../../src/platform/budget.js';

test('background work yields: past the reserve only interactive calls get a token', async () => {
  const budget = createVendorBudget({
    store: createMemoryBudgetStore(),
    prefix: 't',
    vendor: 'zendesk',
    specs: { zendesk: { limit: 10, windowS: 3600 } },
    maxWaitMs: 0,
    headroom: 0,
  });
  let background = 0;
  while ((await budget.acquire(undefined, 'background', 0)) === true) background++;
  // 20% of the bucket is kept for interactive reads.
  assert.equal(background, 8);
  let interactive = 0;
  while ((await budget.acquire(undefined, 'interactive', 0)) === true) interactive++;
  assert.equal(interactive, 2);
  const wait = await budget.acquire(undefined, 'interactive', 0);
  assert.ok(typeof wait === 'number' && wait > 0, 'over budget: the ms to wait, for a retry hint');
});

test('an endpoint class is limited on top of the vendor', async () => {
  const budget = createVendorBudget({
    store: createMemoryBudgetStore(),
    prefix: 't',
    vendor: 'hubspot',
    specs: { hubspot: { limit: 100, windowS: 3600 }, 'hubspot.search': { limit: 3, windowS: 3600 } },
    maxWaitMs: 0,
    headroom: 0,
  });
  let searches = 0;
  while ((await budget.acquire('search', 'interactive', 0)) === true) searches++;
  assert.equal(searches, 3);
  assert.equal(await budget.acquire(undefined, 'interactive', 0), true);
});

test('VENDOR_BUDGETS entries parse, and a bad one is named', () => {
  assert.deepEqual(parseBudgets('zendesk=400/60s, hubspot.search=4/1s'), {
    zendesk: { limit: 400, windowS: 60 },
    'hubspot.search': { limit: 4, windowS: 1 },
  });
  assert.throws(() => parseBudgets('zendesk=400'), /zendesk=400.*e\.g\. zendesk=700\/60s/);
});

test('10% of each limit is left unused by default (stragglers, other apps of the account)', async () => {
  const budget = createVendorBudget({
    store: createMemoryBudgetStore(),
    prefix: 't',
    vendor: 'zendesk',
    specs: { zendesk: { limit: 20, windowS: 3600 } },
    maxWaitMs: 0,
  });
  let n = 0;
  while ((await budget.acquire(undefined, 'interactive', 0)) === true) n++;
  assert.equal(n, 18);
});
