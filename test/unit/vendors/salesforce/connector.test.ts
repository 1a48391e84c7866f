/**
 * The Salesforce connector over real HTTP against the simulator (sim/salesforce): OAuth client
 * credentials and session refresh, reads by customer id (coalesced, 200 ids a query), search with
 * SOQL escaping and keyset cursors, writes with Account find-or-create and Salesforce's errors
 * mapped to the CRM port's, REQUEST_LIMIT_EXCEEDED as RATE_LIMITED. Clocks are fixed and shared
 * with the simulator; calls are counted with its stats.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { pino } from 'pino';
import { ErrorCode, UpstreamError } from '../../../../src/errors/index.js';
import { createMemoryBudgetStore, createVendorBudget } from '../../../../src/platform/budget.js';
import { createUpstreamPolicy } from '../../../../src/platform/upstream.js';
import { ContactConflictError, ContactInvalidError } from '../../../../src/ports/crm.js';
import { createSalesforceCrm, SALESFORCE_BUDGETS, type SalesforceCrm } from '../../../../src/vendors/salesforce/index.js';
import { startSalesforceSim, type SalesforceSim } from '../../../../sim/salesforce/index.js';
import { seed } from '../../../../sim/seed.js';

const T0 = Date.UTC(2026, 10, 15, 12, 0, 0);
const V = '/services/data/v62.0';
const QUERY = `GET ${V}/query`;
const TOKEN = 'POST /services/oauth2/token';
/** An access token as Salesforce shapes it (org id, '!', session): never in an error or log line. */
const ACCESS_TOKEN = /00D\w{12}!/;

const data = seed(500, 42);
// One contact with a stage Portico does not know (an admin added a picklist value).
data.customers[1] = { ...data.customers[1], lifecyclestage: 'partner' };

const logLines: string[] = [];
const logger = pino({ level: 'debug' }, { write: (s: string) => void logLines.push(s) });

const clock = T0;
let sim: SalesforceSim;
let crm: SalesforceCrm;
const made: SalesforceCrm[] = [];

const connect = (
  s: SalesforceSim,
  o: { clientSecret?: string; now?: () => number; sessionLifetimeS?: number; refreshEarlyS?: number } = {},
) => {
  const c = createSalesforceCrm({
    instanceUrl: s.url,
    tokenUrl: s.tokenUrl,
    clientId: s.credentials.clientId,
    clientSecret: o.clientSecret ?? s.credentials.clientSecret,
    policy: createUpstreamPolicy({ system: 'crm', backoffMs: 1 }),
    logger,
    now: o.now ?? (() => clock),
    sessionLifetimeS: o.sessionLifetimeS,
    refreshEarlyS: o.refreshEarlyS,
  });
  made.push(c);
  return c;
};
const calls = (route: string, s = sim) => s.stats().byRoute[route] ?? 0;
/** Every error a test saw, checked for secrets at the end. */
const seen: unknown[] = [];
async function rejection(p: Promise<unknown>): Promise<Error> {
  try {
    await p;
  } catch (err) {
    seen.push(err);
    return err as Error;
  }
  assert.fail('expected a rejection');
}

before(async () => {
  sim = await startSalesforceSim({ data, now: () => clock, blockDuplicateEmails: true });
  crm = connect(sim);
});
after(async () => {
  for (const c of made) await c.close();
  await sim.close();
});

test('client credentials: one token for many calls, concurrent callers share one request', async () => {
  const s = await startSalesforceSim({ data, now: () => clock });
  const c = connect(s);
  await Promise.all([c.getContacts(['1001']), c.searchContacts({ query: 'Ada', limit: 5 }), c.listContacts(5)]);
  for (let i = 0; i < 5; i++) await c.getContacts([String(1001 + i)]);
  assert.equal(calls(TOKEN, s), 1);
  assert.equal(c.client.tokenRequests(), 1);
  await s.close();
});

test('the token is replaced before the session lifetime ends, and once more after a 401', async () => {
  let ours = T0;
  let theirs = T0;
  const s = await startSalesforceSim({ data, now: () => theirs, tokenLifetimeS: 600 });
  const c = connect(s, { now: () => ours, sessionLifetimeS: 600, refreshEarlyS: 60 });
  await c.getContacts(['1001']);
  assert.equal(calls(TOKEN, s), 1);
  // 9 min 10 s in: within the last minute of the session, so a new token comes first; no 401.
  ours = theirs = T0 + 550_000;
  assert.equal((await c.getContacts(['1001'])).get('1001')?.firstName, 'Ada');
  assert.equal(calls(TOKEN, s), 2);
  assert.equal(calls(QUERY, s), 2, 'no call was refused and sent again');
  // Salesforce ended the session early (our clock says it has 8 minutes left): 401 INVALID_SESSION_ID,
  // one new token, the same call once more.
  theirs = T0 + 550_000 + 600_000;
  assert.equal((await c.getContacts(['1001'])).get('1001')?.lastName, 'Lovelace');
  assert.equal(calls(TOKEN, s), 3);
  assert.equal(calls(QUERY, s), 4);
  await s.close();
});

test('wrong client secret: UPSTREAM_UNAVAILABLE naming the login, without the secret; the log says what to check', async () => {
  const secret = 'not-the-secret-0123456789-XYZ';
  const c = connect(sim, { clientSecret: secret });
  const err = await rejection(c.getContacts(['1001']));
  assert.ok(err instanceof UpstreamError);
  assert.equal(err.extensions.code, ErrorCode.UPSTREAM_UNAVAILABLE);
  assert.match(err.message, /Salesforce login failed/);
  assert.ok(!JSON.stringify({ m: err.message, e: err.extensions }).includes(secret));
  assert.ok(logLines.some((l) => l.includes('SALESFORCE_CLIENT_SECRET')));
  assert.ok(!logLines.some((l) => l.includes(secret)));
});

test('getContacts: by customer id, company from the Account, missing and malformed ids absent', async () => {
  const got = await crm.getContacts(['1001', '1002', '999999', "1001' OR Id != null", '']);
  assert.deepEqual([...got.keys()].sort(), ['1001', '1002']);
  assert.deepEqual(got.get('1001'), {
    id: '1001',
    firstName: 'Ada',
    lastName: 'Lovelace',
    email: 'ada@example.com',
    phone: '+44 20 7946 0001',
    company: 'Analytical Engines Ltd',
    lifecycleStage: 'CUSTOMER',
    createdAt: '2025-04-03T00:00:00.000Z',
    updatedAt: '2025-04-03T00:00:00.000Z',
  });
  // 'partner' is no stage Portico knows: UNKNOWN, reported once however often it is read.
  assert.equal(got.get('1002')?.lifecycleStage, 'UNKNOWN');
  const reported = () => logLines.filter((l) => l.includes('unknown vendor value') && l.includes('partner')).length;
  const before = reported();
  await crm.getContacts(['1002']);
  await crm.searchContacts({ query: data.customers[1].email, limit: 1 });
  assert.equal(reported(), before);
  assert.ok(before >= 1);
});

test('getContacts: 250 ids are 2 queries (200 a query); concurrent reads share queries; background passes through', async () => {
  const ids = Array.from({ length: 250 }, (_, i) => String(1001 + i));
  sim.resetStats();
  const got = await crm.getContacts(ids);
  assert.equal(got.size, 250);
  assert.equal(calls(QUERY), 2);

  sim.resetStats();
  const reads = await Promise.all(Array.from({ length: 6 }, (_, i) => crm.getContacts([String(1101 + i * 10), String(1102 + i * 10)])));
  reads.forEach((m, i) => assert.equal(m.get(String(1101 + i * 10))?.id, String(1101 + i * 10)));
  // At most two go out at once; the others wait and leave together (2 or 3 queries, not 6).
  assert.ok(calls(QUERY) <= 3, `${calls(QUERY)} queries`);

  sim.resetStats();
  const bg = await crm.getContacts(['1001'], { priority: 'background' });
  assert.equal(bg.get('1001')?.firstName, 'Ada');
  assert.equal(calls(QUERY), 1);
});

test('searchContacts: by name, email, company; the ids filter; every word must match', async () => {
  const ids = async (p: Promise<{ contacts: { id: string }[] }>) => (await p).contacts.map((c) => c.id);
  assert.deepEqual(await ids(crm.searchContacts({ query: 'Ada Lovelace', limit: 10 })), ['1001']);
  assert.deepEqual(await ids(crm.searchContacts({ query: 'ADA@example.com', limit: 10 })), ['1001']);
  assert.deepEqual(await ids(crm.searchContacts({ query: 'Analytical Engines', limit: 10 })), ['1001']);
  const graces = data.customers.filter((c) => c.firstname === 'Grace').map((c) => c.crmId);
  const page = await crm.searchContacts({ query: 'grace', limit: 100 });
  assert.equal(page.total, graces.length);
  assert.deepEqual(
    page.contacts.map((c) => c.id),
    [...graces].sort(),
  );
  const only = await crm.searchContacts({ query: 'grace', limit: 100, ids: [graces[0], graces[2], '1001', 'bad id'] });
  assert.equal(only.total, 2);
  assert.deepEqual(
    only.contacts.map((c) => c.id),
    [graces[0], graces[2]].sort(),
  );
  assert.deepEqual(await crm.searchContacts({ limit: 10, ids: ["') OR (Id != null"] }), { total: 0, contacts: [] });
});

test('searchContacts: pages by position through every match, one query a page, total on each page', async () => {
  const all = data.customers.filter((c) => /grace/i.test(`${c.firstname} ${c.lastname} ${c.email} ${c.company}`)).map((c) => c.crmId);
  assert.ok(all.length > 6);
  sim.resetStats();
  const pages: string[][] = [];
  for (let offset = 0; offset < all.length; offset += 3) {
    const p = await crm.searchContacts({ query: 'grace', limit: 3, offset });
    assert.equal(p.total, all.length);
    pages.push(p.contacts.map((c) => c.id));
  }
  assert.equal(pages.length, Math.ceil(all.length / 3));
  assert.deepEqual(pages.flat(), [...all].sort());
  assert.equal(calls(QUERY), pages.length);
});

test('listContacts: every contact in customer id order, a page at a time', async () => {
  sim.resetStats();
  const ids: string[] = [];
  let cursor: string | undefined;
  let pages = 0;
  do {
    const p = await crm.listContacts(120, cursor);
    ids.push(...p.contacts.map((c) => c.id));
    cursor = p.nextCursor;
    pages++;
  } while (cursor);
  assert.equal(ids.length, 500);
  assert.deepEqual(ids, [...ids].sort());
  assert.equal(pages, 5);
  assert.equal(calls(QUERY), 5);
});

test('hostile search strings are literals: no MALFORMED_QUERY, only literal matches', async () => {
  const hostile = "O'Brien \\ 50%_off";
  const w = await crm.updateContact('1003', { lastName: hostile });
  assert.equal(w?.lastName, hostile);
  const ids = async (query: string) => (await crm.searchContacts({ query, limit: 50 })).contacts.map((c) => c.id);
  assert.deepEqual(await ids(hostile), ['1003']);
  assert.deepEqual(await ids("O'Brien"), ['1003']);
  assert.deepEqual(await ids('\\'), ['1003']);
  assert.deepEqual(await ids('%'), ['1003']);
  assert.deepEqual(await ids('_'), ['1003']);
  assert.deepEqual(await ids('50%_off'), ['1003']);
  for (const q of [
    "' OR Name LIKE '%",
    "%' OR Email != '",
    "\\' OR Id != null OR Name = '",
    "') OR (Email LIKE '%",
    '" OR ""="',
    '\\%\\_\\\\',
    'zq\n\tzx',
  ])
    assert.deepEqual(await ids(q), [], q);
  await crm.updateContact('1003', { lastName: 'McCarthy' });
});

test('updateContact: fields and company (existing Account reused, a new one created once), re-read', async () => {
  sim.resetStats();
  const u = await crm.updateContact('1001', { firstName: 'Augusta Ada', phone: '+44 20 7946 0099', company: 'Initech' });
  assert.equal(u?.firstName, 'Augusta Ada');
  assert.equal(u?.phone, '+44 20 7946 0099');
  assert.equal(u?.company, 'Initech');
  assert.equal(u?.updatedAt, new Date(clock).toISOString());
  assert.equal(calls(`POST ${V}/sobjects/Account`), 0);
  const n = await crm.updateContact('1001', { company: "Babbage & Lovelace's" });
  assert.equal(n?.company, "Babbage & Lovelace's");
  const again = await crm.updateContact('1002', { company: "Babbage & Lovelace's" });
  assert.equal(again?.company, "Babbage & Lovelace's");
  assert.equal(calls(`POST ${V}/sobjects/Account`), 1);
  // Ids remembered from reads: no lookup by external id before each PATCH.
  assert.equal(calls(`GET ${V}/sobjects/Contact/{field}/{value}`), 0);
  assert.equal((await crm.getContacts(['1002'])).get('1002')?.company, "Babbage & Lovelace's");
  const back = await crm.updateContact('1001', { firstName: 'Ada', phone: '+44 20 7946 0001', company: 'Analytical Engines Ltd' });
  assert.equal(back?.company, 'Analytical Engines Ltd');
});

test("updateContact: another contact's email is a conflict, refused values invalid, unknown ids null", async () => {
  const dup = await rejection(crm.updateContact('1002', { email: 'ADA@example.com' }));
  assert.ok(dup instanceof ContactConflictError, String(dup));
  const email = await rejection(crm.updateContact('1002', { email: 'not an email' }));
  assert.ok(email instanceof ContactInvalidError);
  assert.equal(email.message, 'email is not a valid email address.');
  const long = await rejection(crm.updateContact('1002', { firstName: 'x'.repeat(41) }));
  assert.ok(long instanceof ContactInvalidError);
  assert.equal(long.message, 'firstName is too long for Salesforce.');
  const empty = await rejection(crm.updateContact('1002', { lastName: '' }));
  assert.ok(empty instanceof ContactInvalidError);
  assert.equal(empty.message, 'lastName cannot be empty.');
  const company = await rejection(crm.updateContact('1002', { company: 'c'.repeat(256) }));
  assert.ok(company instanceof ContactInvalidError);
  assert.equal(company.message, 'company is too long for Salesforce.');

  assert.equal(await crm.updateContact('999999', { firstName: 'Nobody' }), null);
  assert.equal(await crm.updateContact("1001' OR Id != null", { firstName: 'Nobody' }), null);
  // Remembered from a read, then deleted in Salesforce: null, not an error.
  assert.ok((await crm.getContacts(['1010'])).has('1010'));
  sim.deleteContact('1010');
  assert.equal(await crm.updateContact('1010', { firstName: 'Gone' }), null);
  assert.equal((await crm.getContacts(['1002'])).get('1002')?.email, data.customers[1].email);
});

test('REQUEST_LIMIT_EXCEEDED (403) is RATE_LIMITED through the upstream policy', async () => {
  const s = await startSalesforceSim({ data, now: () => clock, dailyApiRequests: 3 });
  const c = connect(s);
  for (let i = 0; i < 3; i++) await c.getContacts(['1001']);
  assert.deepEqual(s.apiUsage(), { used: 3, max: 3 });
  const err = await rejection(c.getContacts(['1001']));
  assert.ok(err instanceof UpstreamError, String(err));
  assert.equal(err.extensions.code, ErrorCode.RATE_LIMITED);
  assert.equal(err.extensions.system, 'crm');
  await s.close();
});

test('Sforce-Limit-Info feeds the vendor budget: once Salesforce says the allocation is spent, calls fail unsent', async () => {
  const s = await startSalesforceSim({ data, now: () => clock, dailyApiRequests: 4 });
  const budget = createVendorBudget({ store: createMemoryBudgetStore(), prefix: 'test', vendor: 'salesforce', specs: SALESFORCE_BUDGETS });
  const c = createSalesforceCrm({
    instanceUrl: s.url,
    tokenUrl: s.tokenUrl,
    clientId: s.credentials.clientId,
    clientSecret: s.credentials.clientSecret,
    policy: createUpstreamPolicy({ system: 'crm', budget }),
    now: () => clock,
  });
  made.push(c);
  for (let i = 0; i < 4; i++) await c.getContacts(['1001']);
  const err = await rejection(c.getContacts(['1001']));
  assert.equal((err as UpstreamError).extensions.code, ErrorCode.RATE_LIMITED);
  assert.equal(calls(QUERY, s), 4, 'the fifth call was not sent');
  await s.close();
});

test('no access token or client secret in any error or log line', () => {
  const text = [
    ...seen.map((e) => JSON.stringify({ m: (e as Error).message, x: (e as UpstreamError).extensions, s: (e as Error).stack })),
    ...logLines,
  ].join('\n');
  assert.ok(seen.length >= 8);
  assert.doesNotMatch(text, ACCESS_TOKEN);
  assert.ok(!text.includes(sim.credentials.clientSecret));
});
