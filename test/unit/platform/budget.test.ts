/** Vendor budgets (platform/budget.ts): background work yields to interactive reads. */
import assert from 'node:assert/strict';
import { mock, test, type TestContext } from 'node:test';
import { createMemoryBudgetStore, createVendorBudget, parseBudgets } from '../../../src/platform/budget.js';

/** The clock at `ms` (windows are aligned on it): a test never straddles a window's boundary by accident. */
function clockAt(t: TestContext, ms: number) {
  mock.timers.enable({ apis: ['Date'], now: ms });
  t.after(() => mock.timers.reset());
}
const HOUR = 3_600_000;

test('background work yields: past the reserve only interactive calls get a token', async (t) => {
  clockAt(t, 100 * HOUR + 60_000);
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

test('an endpoint class is limited on top of the vendor', async (t) => {
  clockAt(t, 100 * HOUR + 60_000);
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
  assert.throws(() => parseBudgets('zendesk=400'), /zendesk=400.*e\.g\. acme=700\/60s/);
});

test('10% of each limit is left unused by default (stragglers, other apps of the account)', async (t) => {
  clockAt(t, 100 * HOUR + 60_000);
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

test("a call taken in a window's last 250 ms counts in the next window too: a vendor's window never gets more than the limit", async (t) => {
  clockAt(t, 10_000);
  const budget = createVendorBudget({
    store: createMemoryBudgetStore(),
    prefix: 't',
    vendor: 'stripe',
    specs: { stripe: { limit: 10, windowS: 1 } },
    maxWaitMs: 0,
    headroom: 0,
  });
  const takeAll = async () => {
    let n = 0;
    while ((await budget.acquire(undefined, 'interactive', 0)) === true) n++;
    return n;
  };
  // Mid-window: counted once.
  mock.timers.tick(300);
  for (let i = 0; i < 3; i++) assert.equal(await budget.acquire(undefined, 'interactive', 0), true);
  // The last 250 ms: these may reach the vendor after the boundary, so they count in both windows.
  mock.timers.tick(500); // 10.8 s
  for (let i = 0; i < 4; i++) assert.equal(await budget.acquire(undefined, 'interactive', 0), true);
  mock.timers.tick(300); // 11.1 s: the new window starts with those 4
  assert.equal(await takeAll(), 6);
  // Full at the edge of this window: nothing more until the next one has room.
  mock.timers.tick(700); // 11.8 s
  const wait = await budget.acquire(undefined, 'interactive', 0);
  assert.ok(typeof wait === 'number' && wait > 0);
  mock.timers.tick(300); // 12.1 s
  assert.equal(await takeAll(), 10);
});
