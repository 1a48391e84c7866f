/**
 * The Salesforce simulator over real HTTP: OAuth token flows and session expiry, Contact rows by
 * Id and external id, PATCH/upsert with Salesforce's validation errors, sObject Collections,
 * SOQL (filters, escaping, paging through query locators, errors), Get Updated/Deleted and the
 * daily API allocation. The clock is fixed, so nothing depends on wall time.
 */
import assert from 'node:assert/strict';
import { createHmac, generateKeyPairSync } from 'node:crypto';
import { after, before, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { seed } from '../../../sim/seed.js';
import { normalizeId, sfId, startSalesforceSim, type SalesforceSim } from '../../../sim/salesforce/index.js';

const T0 = Date.UTC(2026, 10, 15, 12, 0, 0);
const V = '/services/data/v62.0';
const data = seed(500, 42);
const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
let sim: SalesforceSim;
let token: string;

type Res = { status: number; headers: Headers; body: any };
const tokenCall = async (form: Record<string, string>, s = sim, headers: Record<string, string> = {}): Promise<Res> => {
  const res = await fetch(s.tokenUrl, { method: 'POST', headers, body: new URLSearchParams(form) });
  return { status: res.status, headers: res.headers, body: await res.json() };
};
const login = async (s = sim) => {
  const res = await tokenCall(
    { grant_type: 'client_credentials', client_id: s.credentials.clientId, client_secret: s.credentials.clientSecret },
    s,
  );
  assert.equal(res.status, 200);
  return res.body.access_token as string;
};
const call = async (
  method: string,
  path: string,
  body?: unknown,
  opts: { token?: string; s?: SalesforceSim; headers?: Record<string, string> } = {},
) => {
  const s = opts.s ?? sim;
  const res = await fetch(`${s.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${opts.token ?? token}`, 'content-type': 'application/json', ...opts.headers },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, headers: res.headers, body: text ? JSON.parse(text) : undefined };
};
const soql = (q: string, opts?: Parameters<typeof call>[3]) => call('GET', `${V}/query?q=${encodeURIComponent(q)}`, undefined, opts);
const ada = () => sim.contactId('1001')!;

before(async () => {
  sim = await startSalesforceSim({
    data,
    now: () => T0,
    batchSize: 7,
    jwtPublicKey: keys.publicKey.export({ type: 'spki', format: 'pem' }).toString(),
  });
  token = await login();
});
after(() => sim.close());

test('client credentials: token response as Salesforce sends it; bad client and grant are OAuth errors', async () => {
  const ok = await tokenCall({
    grant_type: 'client_credentials',
    client_id: sim.credentials.clientId,
    client_secret: sim.credentials.clientSecret,
  });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.token_type, 'Bearer');
  assert.equal(ok.body.instance_url, sim.url);
  assert.equal(ok.body.issued_at, String(T0));
  assert.match(ok.body.access_token, /^00D\w{12}!/);
  assert.match(ok.body.id, /\/id\/00D\w{15}\/005\w{15}$/);
  const sig = createHmac('sha256', sim.credentials.clientSecret)
    .update(ok.body.id + ok.body.issued_at)
    .digest('base64');
  assert.equal(ok.body.signature, sig);
  assert.equal(ok.headers.get('sforce-limit-info'), null, 'the token endpoint is not an API call');

  const basic = Buffer.from(`${sim.credentials.clientId}:${sim.credentials.clientSecret}`).toString('base64');
  assert.equal((await tokenCall({ grant_type: 'client_credentials' }, sim, { authorization: `Basic ${basic}` })).status, 200);

  const badSecret = await tokenCall({ grant_type: 'client_credentials', client_id: sim.credentials.clientId, client_secret: 'nope' });
  assert.deepEqual([badSecret.status, badSecret.body], [400, { error: 'invalid_client', error_description: 'invalid client credentials' }]);
  const badId = await tokenCall({ grant_type: 'client_credentials', client_id: 'nope', client_secret: 'nope' });
  assert.deepEqual([badId.status, badId.body.error], [400, 'invalid_client_id']);
  const grant = await tokenCall({ grant_type: 'password', username: 'x', password: 'y' });
  assert.deepEqual([grant.status, grant.body.error], [400, 'unsupported_grant_type']);
});

test('JWT bearer: a signed assertion for the integration user gets a token; wrong user or expired does not', async () => {
  const assertion = (claims: object, expiresIn = 180) =>
    jwt.sign(
      { iss: sim.credentials.clientId, aud: 'https://login.salesforce.com', sub: sim.credentials.username, ...claims },
      keys.privateKey,
      {
        algorithm: 'RS256',
        expiresIn,
      },
    );
  const grant_type = 'urn:ietf:params:oauth:grant-type:jwt-bearer';
  const iat = Math.floor(T0 / 1000);
  const ok = await tokenCall({ grant_type, assertion: assertion({ iat }) });
  assert.equal(ok.status, 200);
  assert.equal((await call('GET', `${V}/sobjects/Contact/${ada()}`, undefined, { token: ok.body.access_token })).status, 200);
  const wrongUser = await tokenCall({ grant_type, assertion: assertion({ iat, sub: 'someone@else.example.com' }) });
  assert.deepEqual([wrongUser.status, wrongUser.body.error], [400, 'invalid_grant']);
  const expired = await tokenCall({ grant_type, assertion: assertion({ iat: iat - 3600 }) });
  assert.deepEqual([expired.status, expired.body], [400, { error: 'invalid_grant', error_description: 'invalid assertion' }]);
});

test('a session expires after its lifetime: 401 INVALID_SESSION_ID, and a new token works', async () => {
  const t = await login();
  sim.setNow(T0 + 2 * 3600_000 - 1);
  assert.equal((await call('GET', `${V}/sobjects/Contact/${ada()}`, undefined, { token: t })).status, 200);
  sim.setNow(T0 + 2 * 3600_000);
  try {
    const expired = await call('GET', `${V}/sobjects/Contact/${ada()}`, undefined, { token: t });
    assert.equal(expired.status, 401);
    assert.deepEqual(expired.body, [{ message: 'Session expired or invalid', errorCode: 'INVALID_SESSION_ID' }]);
    assert.equal(expired.headers.get('sforce-limit-info'), null);
    const fresh = await login();
    assert.equal((await call('GET', `${V}/sobjects/Contact/${ada()}`, undefined, { token: fresh })).status, 200);
    assert.equal((await call('GET', `${V}/sobjects/Contact/${ada()}`, undefined, { token: 'garbage' })).status, 401);
  } finally {
    sim.setNow(undefined);
  }
});

test('GET Contact by Id (18, 15 or case-folded 18 characters) and by Portico_Customer_Id__c', async () => {
  assert.equal(ada(), sfId('003', 1001));
  const byId = await call('GET', `${V}/sobjects/Contact/${ada()}`);
  assert.equal(byId.status, 200);
  assert.deepEqual(byId.body.attributes, { type: 'Contact', url: `${V}/sobjects/Contact/${ada()}` });
  assert.equal(byId.body.Name, 'Ada Lovelace');
  assert.equal(byId.body.Email, 'ada@example.com');
  assert.equal(byId.body.Lifecycle_Stage__c, 'customer');
  assert.equal(byId.body.Portico_Customer_Id__c, '1001');
  assert.match(byId.body.SystemModstamp, /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.000\+0000$/);
  assert.equal((await call('GET', `${V}/sobjects/Contact/${ada().slice(0, 15)}`)).body.Id, ada());
  assert.equal((await call('GET', `${V}/sobjects/Contact/${ada().toLowerCase()}`)).body.Id, ada());
  assert.equal(normalizeId(ada().toLowerCase()), ada());

  const byExt = await call('GET', `${V}/sobjects/Contact/Portico_Customer_Id__c/1001?fields=FirstName,LastName,AccountId,Account.Name`);
  assert.equal(byExt.status, 200);
  assert.deepEqual(Object.keys(byExt.body), ['attributes', 'Id', 'FirstName', 'LastName', 'AccountId', 'Account']);
  assert.equal(byExt.body.Account.Name, 'Analytical Engines Ltd');
  const account = await call('GET', `${V}/sobjects/Account/${byExt.body.AccountId}`);
  assert.equal(account.body.Name, 'Analytical Engines Ltd');

  const missing = await call('GET', `${V}/sobjects/Contact/${sfId('003', 99999)}`);
  assert.deepEqual([missing.status, missing.body], [404, [{ message: 'The requested resource does not exist', errorCode: 'NOT_FOUND' }]]);
  const notAnId = await call('GET', `${V}/sobjects/Contact/banana`);
  assert.equal(notAnId.status, 404);
  assert.equal(notAnId.body[0].message, 'Provided external ID field does not exist or is not accessible: banana');
  const badField = await call('GET', `${V}/sobjects/Contact/${ada()}?fields=Nope`);
  assert.deepEqual([badField.status, badField.body[0].errorCode], [400, 'INVALID_FIELD']);
});

test('PATCH: 204, the change shows in GET and in updated/; Salesforce validation errors', async () => {
  const id = sim.contactId('1002')!;
  sim.setNow(T0 + 60_000);
  try {
    const res = await call('PATCH', `${V}/sobjects/Contact/${id}`, { Phone: '+1 555 0000000', lifecycle_stage__c: 'evangelist' });
    assert.equal(res.status, 204);
    assert.equal(res.body, undefined);
  } finally {
    sim.setNow(undefined);
  }
  const got = await call('GET', `${V}/sobjects/Contact/${id}?fields=Phone,Lifecycle_Stage__c,SystemModstamp,LastModifiedDate`);
  assert.equal(got.body.Phone, '+1 555 0000000');
  assert.equal(got.body.Lifecycle_Stage__c, 'evangelist');
  assert.equal(got.body.SystemModstamp, '2026-11-15T12:01:00.000+0000');
  assert.equal(got.body.LastModifiedDate, got.body.SystemModstamp);
  const updated = await call('GET', `${V}/sobjects/Contact/updated/?start=2026-11-15T11:00:00Z&end=2026-11-15T12:02:30%2B00:00`);
  assert.equal(updated.status, 200);
  assert.ok(updated.body.ids.includes(id));
  assert.equal(updated.body.latestDateCovered, '2026-11-15T12:00:00.000+0000', 'not past the clock, seconds dropped');
  const before = await call('GET', `${V}/sobjects/Contact/updated/?start=2026-11-15T11:00:00Z&end=2026-11-15T12:00:00Z`);
  assert.deepEqual(before.body.ids, []);

  const err = async (body: object, status: number, errorCode: string, fields?: string[]) => {
    const r = await call('PATCH', `${V}/sobjects/Contact/${id}`, body);
    assert.equal(r.status, status, JSON.stringify(r.body));
    assert.equal(r.body[0].errorCode, errorCode);
    if (fields) assert.deepEqual(r.body[0].fields, fields);
    return r.body[0].message as string;
  };
  assert.equal(await err({ Nope__c: 1 }, 400, 'INVALID_FIELD', []), "No such column 'Nope__c' on sobject of type Contact");
  await err({ SystemModstamp: '2020-01-01T00:00:00Z' }, 400, 'INVALID_FIELD_FOR_INSERT_UPDATE', ['SystemModstamp']);
  await err({ LastName: '' }, 400, 'REQUIRED_FIELD_MISSING', ['LastName']);
  await err({ Email: 'not-an-email' }, 400, 'INVALID_EMAIL_ADDRESS', ['Email']);
  await err({ Lifecycle_Stage__c: 'champion' }, 400, 'INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', ['Lifecycle_Stage__c']);
  await err({ AccountId: ada() }, 400, 'MALFORMED_ID', ['AccountId']);
  assert.match(await err({ Portico_Customer_Id__c: '1001' }, 400, 'DUPLICATE_VALUE'), new RegExp(`on record with id: ${ada()}$`));
  assert.equal((await call('GET', `${V}/sobjects/Contact/${id}?fields=Email`)).body.Email, data.customers[1].email, 'nothing applied');
});

test('upsert by external id: 200 created:false for an existing value, 201 created:true for a new one', async () => {
  const upd = await call('PATCH', `${V}/sobjects/Contact/Portico_Customer_Id__c/1003`, { Phone: '+1 555 1234567' });
  assert.deepEqual([upd.status, upd.body], [200, { id: sim.contactId('1003'), success: true, errors: [], created: false }]);
  const created = await call('PATCH', `${V}/sobjects/Contact/Portico_Customer_Id__c/9001`, { LastName: 'New', Email: 'new@example.com' });
  assert.equal(created.status, 201);
  assert.equal(created.body.created, true);
  assert.equal((await call('GET', `${V}/sobjects/Contact/Portico_Customer_Id__c/9001`)).body.Id, created.body.id);
  const noName = await call('PATCH', `${V}/sobjects/Contact/Portico_Customer_Id__c/9002`, { FirstName: 'X' });
  assert.deepEqual([noName.status, noName.body[0].errorCode], [400, 'REQUIRED_FIELD_MISSING']);
  const extInBody = await call('PATCH', `${V}/sobjects/Contact/Portico_Customer_Id__c/9001`, { Portico_Customer_Id__c: '9001' });
  assert.deepEqual([extInBody.status, extInBody.body[0].errorCode], [400, 'INVALID_FIELD']);
  // Email is an idLookup field but not unique: two matches are 300 Multiple Choices with both URLs.
  assert.equal((await call('GET', `${V}/sobjects/Contact/Email/ADA@example.com`)).body.Id, sim.contactId('1001'));
  await call('PATCH', `${V}/sobjects/Contact/${created.body.id}`, { Email: 'ada@example.com' });
  const two = await call('GET', `${V}/sobjects/Contact/Email/ada@example.com`);
  assert.deepEqual(
    [two.status, two.body],
    [300, [`${V}/sobjects/Contact/${sim.contactId('1001')}`, `${V}/sobjects/Contact/${created.body.id}`]],
  );
  await call('PATCH', `${V}/sobjects/Contact/${created.body.id}`, { Email: 'new@example.com' });
  const notLookup = await call('GET', `${V}/sobjects/Contact/Phone/123`);
  assert.deepEqual([notLookup.status, notLookup.body[0].errorCode], [404, 'NOT_FOUND']);
});

test('sObject Collections: records in the order of ids, null for unknown, at most 200 ids', async () => {
  const ids = [sim.contactId('1010')!, 'garbage', sim.contactId('1004')!, sfId('003', 88888), sim.contactId('1001')!.slice(0, 15)];
  const res = await call('GET', `${V}/composite/sobjects/Contact?ids=${ids.join(',')}&fields=Name,Email,Portico_Customer_Id__c`);
  assert.equal(res.status, 200);
  assert.deepEqual(
    res.body.map((r: any) => r?.Portico_Customer_Id__c ?? null),
    ['1010', null, '1004', null, '1001'],
  );
  assert.deepEqual(Object.keys(res.body[0]), ['attributes', 'Id', 'Name', 'Email', 'Portico_Customer_Id__c']);
  const many = Array.from({ length: 201 }, (_, i) => sfId('003', 1001 + i)).join(',');
  const tooMany = await call('GET', `${V}/composite/sobjects/Contact?ids=${many}&fields=Name`);
  assert.deepEqual(
    [tooMany.status, tooMany.body],
    [400, [{ message: 'record limit reached. cannot submit more than 200 records into this call', errorCode: 'EXCEEDED_ID_LIMIT' }]],
  );
  const ok200 = await call('GET', `${V}/composite/sobjects/Contact?ids=${many.split(',').slice(0, 200).join(',')}&fields=Name`);
  assert.equal(ok200.body.length, 200);
});

test('SOQL: WHERE with =, LIKE, IN, AND/OR in parentheses, ORDER BY, LIMIT, paging through nextRecordsUrl', async () => {
  const ada = await soql("SELECT Id, Name, Email, Account.Name FROM Contact WHERE Portico_Customer_Id__c = '1001'");
  assert.equal(ada.status, 200);
  assert.equal(ada.body.totalSize, 1);
  assert.equal(ada.body.done, true);
  assert.equal(ada.body.records[0].Account.Name, 'Analytical Engines Ltd');
  assert.deepEqual(ada.body.records[0].attributes, { type: 'Contact', url: `${V}/sobjects/Contact/${sim.contactId('1001')}` });

  const like = await soql(
    "select id, email from contact where email like '%.hopper.%' and (Lifecycle_Stage__c IN ('customer', 'lead') OR FirstName = 'grace') AND Portico_Customer_Id__c != '1002'",
  );
  // 1002 was changed by an earlier test; the rest are as seeded.
  const want = data.customers.filter(
    (c) =>
      c.crmId !== '1002' &&
      c.email.includes('.hopper.') &&
      (['customer', 'lead'].includes(c.lifecyclestage) || c.firstname.toLowerCase() === 'grace'),
  );
  assert.ok(want.length > 0);
  assert.deepEqual(
    like.body.records.map((r: any) => r.Email),
    want.slice(0, 7).map((c) => c.email),
    'the first batch of 7, in Id order',
  );
  assert.equal(like.body.totalSize, want.length);

  // All pages: batch size 7 (the simulator's option), each page a query locator.
  const q =
    "SELECT Portico_Customer_Id__c, LastName FROM Contact WHERE LastName IN ('Turing','Knuth') ORDER BY Portico_Customer_Id__c DESC LIMIT 20";
  const first = await soql(q);
  const expected = data.customers
    .filter((c) => ['Turing', 'Knuth'].includes(c.lastname))
    .map((c) => c.crmId)
    .sort()
    .reverse()
    .slice(0, 20);
  assert.equal(first.body.totalSize, expected.length);
  assert.equal(first.body.done, false);
  assert.match(first.body.nextRecordsUrl, /^\/services\/data\/v62\.0\/query\/01g\w{15}-7$/);
  const got = [...first.body.records];
  let next: string | undefined = first.body.nextRecordsUrl;
  while (next) {
    const pageRes = await call('GET', next);
    assert.equal(pageRes.body.totalSize, expected.length);
    got.push(...pageRes.body.records);
    next = pageRes.body.nextRecordsUrl;
    if (!next) assert.equal(pageRes.body.done, true);
  }
  assert.deepEqual(
    got.map((r) => r.Portico_Customer_Id__c),
    expected,
  );
  const offset = await soql('SELECT Id FROM Contact ORDER BY LastName ASC LIMIT 3 OFFSET 2');
  assert.equal(offset.body.totalSize, 3);
  const since = await soql('SELECT Id FROM Contact WHERE SystemModstamp > 2026-11-15T12:00:30Z');
  assert.deepEqual(
    since.body.records.map((r: any) => r.Id),
    [sim.contactId('1002')],
  );
  const badLocator = await call('GET', `${V}/query/01gDn0000000999AAA-7`);
  assert.deepEqual([badLocator.status, badLocator.body[0].errorCode], [400, 'INVALID_QUERY_LOCATOR']);
});

test("SOQL string literals: \\' and \\\\ escapes; a quote inside a literal cannot end it", async () => {
  const id = sim.contactId('1005')!;
  assert.equal((await call('PATCH', `${V}/sobjects/Contact/${id}`, { LastName: "O'Brien", FirstName: 'back\\slash' })).status, 204);
  const esc = await soql("SELECT Id, LastName FROM Contact WHERE LastName = 'O\\'Brien'");
  assert.equal(esc.status, 200);
  assert.deepEqual(
    esc.body.records.map((r: any) => [r.Id, r.LastName]),
    [[id, "O'Brien"]],
  );
  assert.equal((await soql("SELECT Id FROM Contact WHERE FirstName = 'back\\\\slash'")).body.totalSize, 1);
  // A client that escapes user input: the attempt to break out stays inside the literal.
  const hostile = "x' OR LastName != 'y";
  const escaped = hostile.replace(/\\/g, '\\\\').replace(/'/g, "\\'");
  const safe = await soql(`SELECT Id FROM Contact WHERE LastName = '${escaped}'`);
  assert.deepEqual([safe.status, safe.body.totalSize], [200, 0]);
  // Unescaped, the same input is a malformed query (mixed AND/OR needs parentheses), never a wider one.
  const raw = await soql(`SELECT Id FROM Contact WHERE Email = 'a' AND LastName = '${hostile}'`);
  assert.deepEqual([raw.status, raw.body[0].errorCode], [400, 'MALFORMED_QUERY']);
  const likeEsc = await soql("SELECT Id FROM Contact WHERE LastName LIKE 'O\\'B%'");
  assert.equal(likeEsc.body.totalSize, 1);
  const pct = await soql("SELECT Id FROM Contact WHERE LastName LIKE '\\%'");
  assert.equal(pct.body.totalSize, 0, '\\% is a literal percent sign');
});

test('malformed SOQL is 400 MALFORMED_QUERY with the position; unknown fields and objects have their own codes', async () => {
  const bad = async (q: string, code = 'MALFORMED_QUERY') => {
    const r = await soql(q);
    assert.equal(r.status, 400, q);
    assert.equal(r.body.length, 1);
    assert.equal(r.body[0].errorCode, code, q);
    return r.body[0].message as string;
  };
  assert.equal(
    await bad('SELECT Id FRM Contact'),
    "\nSELECT Id FRM Contact\n          ^\nERROR at Row:1:Column:11\nunexpected token: 'FRM'",
  );
  await bad('SELECT FROM Contact');
  await bad("SELECT Id FROM Contact WHERE LastName = 'unterminated");
  await bad("SELECT Id FROM Contact WHERE LastName = 'a' AND Email = 'b' OR FirstName = 'c'");
  await bad("SELECT Id FROM Contact WHERE LastName = 'a'; DELETE");
  await bad("SELECT Id FROM Contact WHERE LastName = 'bad \\q escape'");
  await bad('SELECT Id FROM Contact LIMIT x');
  await bad('');
  await bad('SELECT Id FROM Contact OFFSET 2001', 'NUMBER_OUTSIDE_VALID_RANGE');
  assert.match(await bad('SELECT Nope FROM Contact', 'INVALID_FIELD'), /No such column 'Nope' on entity 'Contact'/);
  await bad('SELECT Id FROM Lead', 'INVALID_TYPE');
  await bad("SELECT Id FROM Contact WHERE SystemModstamp > '2026-11-01T00:00:00Z'", 'INVALID_FIELD');
});

test('Get Deleted lists a contact deleted through the test hook; GET says ENTITY_IS_DELETED', async () => {
  sim.setNow(T0 + 5 * 60_000);
  let id: string;
  try {
    id = sim.deleteContact('1020');
  } finally {
    sim.setNow(undefined);
  }
  const res = await call('GET', `${V}/sobjects/Contact/deleted/?start=2026-11-15T12:00:00Z&end=2026-11-15T13:00:00Z`);
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.deletedRecords, [{ id, deletedDate: '2026-11-15T12:05:00.000+0000' }]);
  assert.match(res.body.earliestDateAvailable, /\+0000$/);
  assert.equal(res.body.latestDateCovered, '2026-11-15T12:00:00.000+0000');
  const gone = await call('GET', `${V}/sobjects/Contact/${id}`);
  assert.deepEqual([gone.status, gone.body[0].errorCode], [404, 'ENTITY_IS_DELETED']);
  assert.equal((await soql("SELECT Id FROM Contact WHERE Portico_Customer_Id__c = '1020'")).body.totalSize, 0);
  const old = await call('GET', `${V}/sobjects/Contact/deleted/?start=2026-10-01T00:00:00Z&end=2026-11-15T13:00:00Z`);
  assert.deepEqual([old.status, old.body[0].errorCode], [400, 'INVALID_REPLICATION_DATE']);
  const reversed = await call('GET', `${V}/sobjects/Contact/updated/?start=2026-11-15T13:00:00Z&end=2026-11-15T12:00:00Z`);
  assert.deepEqual([reversed.status, reversed.body[0].errorCode], [400, 'INVALID_REPLICATION_DATE']);
});

test('Sforce-Limit-Info counts API calls; past the daily allocation 403 REQUEST_LIMIT_EXCEEDED until calls age out', async () => {
  let now = T0;
  const small = await startSalesforceSim({ data: seed(5, 42), now: () => now, dailyApiRequests: 3 });
  try {
    const t = await login(small);
    const get = () => call('GET', `${V}/sobjects/Contact/Portico_Customer_Id__c/1001?fields=Name`, undefined, { s: small, token: t });
    for (let i = 1; i <= 3; i++) {
      const r = await get();
      assert.equal(r.status, 200);
      assert.equal(r.headers.get('sforce-limit-info'), `api-usage=${i}/3`);
      now += 1800_000;
    }
    const refused = await get();
    assert.equal(refused.status, 403);
    assert.deepEqual(refused.body, [{ message: 'TotalRequests Limit exceeded.', errorCode: 'REQUEST_LIMIT_EXCEEDED' }]);
    assert.equal(refused.headers.get('sforce-limit-info'), 'api-usage=3/3');
    // Rolling 24 hours: the first call (at T0) leaves the window at T0 + 24 h (the session has expired by then).
    now = T0 + 24 * 3600_000;
    const t2 = await login(small);
    const again = await call('GET', `${V}/sobjects/Contact/Portico_Customer_Id__c/1001`, undefined, { s: small, token: t2 });
    assert.equal(again.status, 200);
    assert.equal(again.headers.get('sforce-limit-info'), 'api-usage=3/3');
    assert.deepEqual(small.apiUsage(), { used: 3, max: 3 });
  } finally {
    await small.close();
  }
});

test('per-second ceiling and common fault knobs answer in Salesforce error bodies; stats count by route', async () => {
  const fast = await startSalesforceSim({ data: seed(5, 42), now: () => T0, apiRequestsPerSecond: 2 });
  try {
    const t = await login(fast);
    const statuses = [];
    for (let i = 0; i < 3; i++) statuses.push((await soql('SELECT Id FROM Contact', { s: fast, token: t })).status);
    assert.deepEqual(statuses, [200, 200, 403]);
    fast.setFaults({ failFirst: 1 });
    const down = await soql('SELECT Id FROM Contact', { s: fast, token: t });
    assert.deepEqual([down.status, down.body[0].errorCode], [503, 'SERVER_UNAVAILABLE']);
    assert.equal(fast.stats().byRoute[`GET ${V}/query`], 4);
    assert.equal(fast.stats().byRoute['POST /services/oauth2/token'], 1);
  } finally {
    await fast.close();
  }
});
