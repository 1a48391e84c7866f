/**
 * The Salesforce change poller over real HTTP against the simulator: Get Updated / Get Deleted
 * windows from a stored cursor, one change per record version with a stable event id, deletions
 * with their customer id from the recycle bin, the cursor moved only after every emit succeeded.
 * The clock is fixed and shared with the simulator.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, test } from 'node:test';
import { createUpstreamPolicy } from '../../../../src/platform/upstream.js';
import {
  createSalesforceChangePoller,
  createSalesforceCrm,
  type SalesforceChange,
  type SalesforceCrm,
} from '../../../../src/vendors/salesforce/index.js';
import { startSalesforceSim, type SalesforceSim } from '../../../../sim/salesforce/index.js';
import { seed } from '../../../../sim/seed.js';

const T0 = Date.UTC(2026, 10, 15, 12, 0, 0);
const MIN = 60_000;
const V = '/services/data/v62.0';

let clock = T0;
let sim: SalesforceSim;
let crm: SalesforceCrm;
let stored: string | null;
let emitted: SalesforceChange[];
let failNext = 0;

const cursor = {
  get: async () => stored,
  set: async (v: string) => {
    stored = v;
  },
};
const poller = () =>
  createSalesforceChangePoller({
    client: crm.client,
    cursor,
    now: () => clock,
    emit: async (c) => {
      if (failNext > 0) {
        failNext--;
        throw new Error('queue unavailable');
      }
      emitted.push(c);
    },
  });
const calls = (route: string) => sim.stats().byRoute[route] ?? 0;

before(async () => {
  sim = await startSalesforceSim({ data: seed(500, 42), now: () => clock });
  crm = createSalesforceCrm({
    instanceUrl: sim.url,
    tokenUrl: sim.tokenUrl,
    clientId: sim.credentials.clientId,
    clientSecret: sim.credentials.clientSecret,
    policy: createUpstreamPolicy({ system: 'crm' }),
    now: () => clock,
  });
});
after(async () => {
  await crm.close();
  await sim.close();
});
beforeEach(() => {
  emitted = [];
  failNext = 0;
});

test('first poll looks a few minutes back, finds nothing, and sets the cursor to what Salesforce covered', async () => {
  stored = null;
  clock = T0 + 30_000;
  assert.equal(await poller().pollOnce(), 0);
  assert.equal(stored, new Date(T0).toISOString());
});

test('each PATCHed contact once, with an event id stable per version; the cursor moves on', async () => {
  const p = poller();
  clock = T0 + MIN + 5_000;
  await crm.updateContact('1001', { phone: '+44 20 7946 0002' });
  await crm.updateContact('1002', { firstName: 'Jon' });
  clock = T0 + 3 * MIN;
  sim.resetStats();
  assert.equal(await p.pollOnce(), 2);
  const at = new Date(T0 + MIN + 5_000).toISOString();
  assert.deepEqual(
    emitted.map((c) => [c.customerId, c.kind, c.at]),
    [
      ['1001', 'updated', at],
      ['1002', 'updated', at],
    ],
  );
  assert.equal(emitted[0].eventId, `salesforce:${sim.contactId('1001')}:${at}`);
  assert.equal(emitted[0].sfId, sim.contactId('1001'));
  assert.equal(stored, new Date(T0 + 3 * MIN).toISOString());
  // Get Updated, Get Deleted, one Collections retrieve for both ids.
  assert.equal(calls(`GET ${V}/sobjects/Contact/updated`), 1);
  assert.equal(calls(`GET ${V}/sobjects/Contact/deleted`), 1);
  assert.equal(calls(`GET ${V}/composite/sobjects/Contact`), 1);

  // Nothing since: no change again; within the same minute not even a call.
  emitted = [];
  sim.resetStats();
  assert.equal(await p.pollOnce(), 0);
  assert.equal(sim.stats().total, 0);
  clock = T0 + 4 * MIN;
  assert.equal(await p.pollOnce(), 0);
  assert.equal(emitted.length, 0);

  // The same window polled again (a cursor restored from an older copy) gives the same event ids.
  stored = new Date(T0).toISOString();
  assert.equal(await p.pollOnce(), 2);
  assert.equal(emitted[0].eventId, `salesforce:${sim.contactId('1001')}:${at}`);
  assert.equal(stored, new Date(T0 + 4 * MIN).toISOString());
});

test('a failed emit leaves the cursor: the next poll emits the same change again', async () => {
  const p = poller();
  clock = T0 + 5 * MIN;
  await crm.updateContact('1003', { firstName: 'Don' });
  clock = T0 + 6 * MIN;
  const before = stored;
  failNext = 1;
  await assert.rejects(p.pollOnce(), /queue unavailable/);
  assert.equal(stored, before);
  assert.equal(await p.pollOnce(), 1);
  assert.equal(emitted[0].customerId, '1003');
  assert.equal(emitted[0].eventId, `salesforce:${sim.contactId('1003')}:${new Date(T0 + 5 * MIN).toISOString()}`);
  assert.equal(stored, new Date(T0 + 6 * MIN).toISOString());
});

test('deletions are emitted with the customer id from the recycle bin', async () => {
  const p = poller();
  clock = T0 + 7 * MIN;
  const id = sim.deleteContact('1004');
  clock = T0 + 8 * MIN;
  sim.resetStats();
  assert.equal(await p.pollOnce(), 1);
  const at = new Date(T0 + 7 * MIN).toISOString();
  assert.deepEqual(emitted, [{ eventId: `salesforce:${id}:deleted:${at}`, customerId: '1004', sfId: id, kind: 'deleted', at }]);
  assert.equal(calls(`GET ${V}/queryAll`), 1);
  assert.equal(stored, new Date(T0 + 8 * MIN).toISOString());
});

test('concurrent polls share one poll', async () => {
  const p = poller();
  clock = T0 + 9 * MIN;
  await crm.updateContact('1005', { firstName: 'Five' });
  clock = T0 + 10 * MIN;
  sim.resetStats();
  const [a, b] = await Promise.all([p.pollOnce(), p.pollOnce()]);
  assert.equal(a, 1);
  assert.equal(b, 1);
  assert.equal(emitted.length, 1);
  assert.equal(calls(`GET ${V}/sobjects/Contact/updated`), 1);
});
