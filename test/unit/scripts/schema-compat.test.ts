import assert from 'node:assert/strict';
import { test } from 'node:test';
import { checkSchema, formatReport, nextHistory, type ReleaseHistory } from '../../../scripts/schema-compat.js';

const RELEASED = /* GraphQL */ `
  type Query {
    customer(id: ID!): Customer
    customers(first: Int, after: String): [Customer!]!
  }
  type Customer {
    id: ID!
    name: String
    email: String
    fax: String @deprecated(reason: "Nobody sends faxes.")
    nickname: String @deprecated(reason: "Use name.")
    legacyCode: String
    status: Status
  }
  enum Status {
    ACTIVE
    CLOSED
  }
`;

const MANIFESTS = {
  'web-1.0.0': {
    h1: 'query Profile($id: ID!) { customer(id: $id) { id name email status } }',
    h2: 'query CustomerList { customers(first: 10) { id name } }',
  },
  'ios-2.3.0': { h3: 'query Contact($id: ID!) { customer(id: $id) { id email } }' },
};

/** `fax` shipped deprecated in releases 1-3, `nickname` only in release 3. */
const HISTORY: ReleaseHistory = {
  minDeprecatedReleases: 2,
  releases: [1, 2, 3].map((release) => ({ release, date: '2026-01-01', manifests: ['web-1.0.0'] })),
  deprecations: { 'Customer.fax': 1, 'Customer.nickname': 3 },
};

const check = (current: string) => checkSchema({ released: RELEASED, current, manifests: MANIFESTS, history: HISTORY });
const without = (line: string) => {
  assert.ok(RELEASED.includes(line), line);
  return RELEASED.replace(line, '');
};

test('the released schema against itself passes with no findings', async () => {
  const r = await check(RELEASED);
  assert.equal(r.ok, true);
  assert.deepEqual(r.counts, { breaking: 0, dangerous: 0, safe: 0 });
});

test('removing a field a supported manifest uses fails, naming the field and every operation using it', async () => {
  const r = await check(without('    email: String\n'));
  assert.equal(r.ok, false);
  const f = r.findings.filter((x) => x.level === 'breaking');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.path, 'Customer.email');
  assert.deepEqual(f[0]!.usedBy, ['web-1.0.0: Profile', 'ios-2.3.0: Contact']);
  const report = formatReport(r);
  assert.match(report, /✖ BREAKING .*Customer\.email/);
  assert.match(report, /used by web-1\.0\.0: Profile, ios-2\.3\.0: Contact/);
});

test('removing an unused field deprecated for enough releases passes (as a warning)', async () => {
  const r = await check(without('    fax: String @deprecated(reason: "Nobody sends faxes.")\n'));
  assert.equal(r.ok, true);
  assert.deepEqual(r.counts, { breaking: 0, dangerous: 1, safe: 0 });
  assert.equal(r.findings[0]!.path, 'Customer.fax');
  assert.match(r.findings[0]!.detail!, /Deprecated since release 1/);
});

test('removing an unused field that was never deprecated fails', async () => {
  const r = await check(without('    legacyCode: String\n'));
  assert.equal(r.ok, false);
  assert.equal(r.findings[0]!.path, 'Customer.legacyCode');
  assert.deepEqual(r.findings[0]!.usedBy, []);
  assert.match(r.findings[0]!.detail!, /not @deprecated/);
});

test('removing an unused field deprecated for fewer releases than the policy fails', async () => {
  const r = await check(without('    nickname: String @deprecated(reason: "Use name.")\n'));
  assert.equal(r.ok, false);
  assert.equal(r.findings[0]!.path, 'Customer.nickname');
  assert.match(r.findings[0]!.detail!, /Deprecated in 1 release\(s\) \(since release 3\); removal needs 2/);
});

test('adding a field passes as a safe change', async () => {
  const r = await check(RELEASED.replace('    name: String\n', '    name: String\n    phone: String\n'));
  assert.equal(r.ok, true);
  assert.deepEqual(r.counts, { breaking: 0, dangerous: 0, safe: 1 });
  assert.equal(r.findings[0]!.path, 'Customer.phone');
});

test('making an argument required fails, naming the operations that call the field', async () => {
  const r = await check(RELEASED.replace('customers(first: Int, after: String)', 'customers(first: Int!, after: String)'));
  assert.equal(r.ok, false);
  const f = r.findings.filter((x) => x.level === 'breaking');
  assert.equal(f.length, 1);
  assert.equal(f[0]!.path, 'Query.customers.first');
  assert.deepEqual(f[0]!.usedBy, ['web-1.0.0: CustomerList']);
});

test('adding an enum value is dangerous for the clients reading that enum, not a failure', async () => {
  const r = await check(RELEASED.replace('    CLOSED\n', '    CLOSED\n    UNKNOWN\n'));
  assert.equal(r.ok, true);
  assert.deepEqual(r.counts, { breaking: 0, dangerous: 1, safe: 0 });
  assert.deepEqual(r.findings[0]!.usedBy, ['web-1.0.0: Profile']);
});

test('a breaking change no supported operation uses only warns; changing the type of a used field fails', async () => {
  const unused = await check(RELEASED.replace('    legacyCode: String\n', '    legacyCode: Int\n'));
  assert.equal(unused.ok, true);
  assert.equal(unused.counts.dangerous, 1);
  const used = await check(RELEASED.replace('    name: String\n', '    name: Int\n'));
  assert.equal(used.ok, false);
  assert.deepEqual(used.findings.find((f) => f.level === 'breaking')!.usedBy, ['web-1.0.0: Profile', 'web-1.0.0: CustomerList']);
});

test('a release records when each deprecation first shipped and forgets deprecations that ended', () => {
  const next = nextHistory(HISTORY, RELEASED.replace('    legacyCode: String\n', '    legacyCode: String @deprecated(reason: "x")\n'), ['web-1.1.0'], '2026-02-01');
  assert.deepEqual(next.releases.at(-1), { release: 4, date: '2026-02-01', manifests: ['web-1.1.0'] });
  assert.deepEqual(next.deprecations, { 'Customer.fax': 1, 'Customer.legacyCode': 4, 'Customer.nickname': 3 });
  const undeprecated = nextHistory(next, RELEASED.replace(' @deprecated(reason: "Nobody sends faxes.")', ''), [], '2026-03-01');
  assert.deepEqual(undeprecated.deprecations, { 'Customer.nickname': 3 });
});
