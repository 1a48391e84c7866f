/**
 * The HubSpot simulator speaks CRM v3 contacts as HubSpot does: property selection, batch read
 * with 207 partial results, list and search paging, updates and HubSpot's error bodies.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../../sim/index.js';

let sims: Simulators;
const call = async (method: string, path: string, body?: unknown, token = sims.credentials.hubspotToken) => {
  const res = await fetch(`${sims.urls.hubspot}${path}`, {
    method,
    headers: { authorization: `Bearer ${token}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, headers: res.headers, body: (await res.json()) as any };
};

before(async () => {
  sims = await startSimulators({ customers: 50 });
});
after(() => sims.close());

test('GET a contact returns the requested properties plus the always-returned ones', async () => {
  const res = await call('GET', '/crm/v3/objects/contacts/1001?properties=firstname,company,stripe_customer_id,zendesk_user_id');
  assert.equal(res.status, 200);
  assert.equal(res.body.id, '1001');
  assert.equal(res.body.archived, false);
  assert.deepEqual(Object.keys(res.body.properties).sort(), [
    'company',
    'createdate',
    'firstname',
    'hs_object_id',
    'lastmodifieddate',
    'stripe_customer_id',
    'zendesk_user_id',
  ]);
  assert.equal(res.body.properties.firstname, 'Ada');
  assert.equal(res.body.properties.company, 'Analytical Engines Ltd');
  assert.equal(res.body.properties.stripe_customer_id, sims.data.customers[0].stripeCustomerId);
  assert.equal(res.body.properties.zendesk_user_id, String(sims.data.customers[0].zendeskUserId));
  const byEmail = await call('GET', '/crm/v3/objects/contacts/ada@example.com?idProperty=email');
  assert.equal(byEmail.body.id, '1001');
  assert.equal(byEmail.body.properties.lastname, 'Lovelace');
  assert.equal(sims.stats('hubspot').byRoute['GET /crm/v3/objects/contacts/{id}'], 2);
});

test('a missing contact is OBJECT_NOT_FOUND; no token is INVALID_AUTHENTICATION', async () => {
  const missing = await call('GET', '/crm/v3/objects/contacts/999999');
  assert.equal(missing.status, 404);
  assert.equal(missing.body.category, 'OBJECT_NOT_FOUND');
  assert.match(missing.body.correlationId, /^[0-9a-f-]{36}$/);
  const denied = await call('GET', '/crm/v3/objects/contacts/1001', undefined, 'wrong');
  assert.equal(denied.status, 401);
  assert.equal(denied.body.status, 'error');
  assert.equal(denied.body.category, 'INVALID_AUTHENTICATION');
  assert.match(denied.body.message, /^Authentication credentials not found/);
});

test('batch read: 200 COMPLETE, 207 with errors for missing ids, 400 above 100 inputs', async () => {
  const ok = await call('POST', '/crm/v3/objects/contacts/batch/read', { inputs: [{ id: '1001' }, { id: '1002' }], properties: ['email'] });
  assert.equal(ok.status, 200);
  assert.equal(ok.body.status, 'COMPLETE');
  assert.deepEqual(ok.body.results.map((r: any) => r.id).sort(), ['1001', '1002']);
  const partial = await call('POST', '/crm/v3/objects/contacts/batch/read', {
    inputs: [{ id: '1001' }, { id: '424242' }],
    properties: ['email'],
  });
  assert.equal(partial.status, 207);
  assert.equal(partial.body.numErrors, 1);
  assert.equal(partial.body.errors[0].category, 'OBJECT_NOT_FOUND');
  assert.deepEqual(partial.body.errors[0].context.ids, ['424242']);
  const tooMany = await call('POST', '/crm/v3/objects/contacts/batch/read', {
    inputs: Array.from({ length: 101 }, (_, i) => ({ id: String(1001 + i) })),
  });
  assert.equal(tooMany.status, 400);
  assert.equal(tooMany.body.category, 'VALIDATION_ERROR');
});

test('list pages with paging.next.after', async () => {
  const first = await call('GET', '/crm/v3/objects/contacts?limit=20');
  assert.equal(first.body.results.length, 20);
  assert.equal(first.body.results[0].id, '1001');
  const seen = [...first.body.results.map((r: any) => r.id)];
  let after = first.body.paging?.next?.after;
  while (after) {
    const page = await call('GET', `/crm/v3/objects/contacts?limit=20&after=${after}`);
    seen.push(...page.body.results.map((r: any) => r.id));
    after = page.body.paging?.next?.after;
  }
  assert.equal(seen.length, 50);
  assert.equal(new Set(seen).size, 50);
  assert.equal((await call('GET', '/crm/v3/objects/contacts?limit=101')).status, 400);
});

test('search: text query, filter groups, offset paging, total', async () => {
  const ada = await call('POST', '/crm/v3/objects/contacts/search', { query: 'LOVELACE', properties: ['email'], limit: 10 });
  assert.equal(ada.body.total, 1);
  assert.equal(ada.body.results[0].id, '1001');
  const byCompany = sims.data.customers.filter((c) => c.company === 'Initech').length;
  const initech = await call('POST', '/crm/v3/objects/contacts/search', { query: 'initech', limit: 200 });
  assert.equal(initech.body.total, byCompany);
  const groups = await call('POST', '/crm/v3/objects/contacts/search', {
    filterGroups: [
      { filters: [{ propertyName: 'hs_object_id', operator: 'IN', values: ['1003', '1004'] }] },
      { filters: [{ propertyName: 'email', operator: 'EQ', value: 'ada@example.com' }] },
    ],
    properties: ['firstname'],
    limit: 2,
  });
  assert.equal(groups.body.total, 3);
  assert.deepEqual(
    groups.body.results.map((r: any) => r.id),
    ['1001', '1003'],
  );
  assert.equal(groups.body.paging.next.after, '2');
  const rest = await call('POST', '/crm/v3/objects/contacts/search', {
    filterGroups: [
      { filters: [{ propertyName: 'hs_object_id', operator: 'IN', values: ['1003', '1004'] }] },
      { filters: [{ propertyName: 'email', operator: 'EQ', value: 'ada@example.com' }] },
    ],
    limit: 2,
    after: '2',
  });
  assert.deepEqual(
    rest.body.results.map((r: any) => r.id),
    ['1004'],
  );
  assert.equal(rest.body.paging, undefined);
  assert.equal((await call('POST', '/crm/v3/objects/contacts/search', { limit: 201 })).status, 400);
});

test('PATCH updates properties and lastmodifieddate', async () => {
  const before = await call('GET', '/crm/v3/objects/contacts/1005');
  const res = await call('PATCH', '/crm/v3/objects/contacts/1005', { properties: { phone: '+1 555 0000000' } });
  assert.equal(res.status, 200);
  assert.equal(res.body.properties.phone, '+1 555 0000000');
  assert.notEqual(res.body.updatedAt, before.body.updatedAt);
  const after = await call('GET', '/crm/v3/objects/contacts/1005?properties=phone');
  assert.equal(after.body.properties.phone, '+1 555 0000000');
});
