/**
 * Unknown is not a default, end to end: vendor values the gateway does not know (a new Zendesk
 * status, a custom HubSpot stage, a new Stripe status) reach clients as UNKNOWN, the known ones
 * next to them unchanged, instead of being passed off as OPEN or OTHER.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';

let sims: Simulators;
let t: TestApp;

before(async () => {
  sims = await startSimulators({ customers: 20 });
  t = await startTestApp({ sims, env: { CACHE_ENABLED: 'false' } });
});
after(async () => {
  await t.close();
  await sims.close();
});

test('unknown ticket status and priority, lifecycle stage, invoice and subscription status come back as UNKNOWN', async () => {
  const ada = sims.data.customers.find((c) => c.crmId === '1001')!;
  assert.ok(ada.tickets.length >= 2 && ada.invoices.length >= 2 && ada.subscription, 'seed has what the test changes');
  const [odd, plain] = [ada.tickets[0]!, ada.tickets[1]!];
  // Zendesk and HubSpot keep their own records: change them through their APIs, as an admin would.
  const updated = await fetch(`${sims.urls.zendesk}/api/v2/tickets/${odd.id}`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${sims.credentials.zendeskApiToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ ticket: { status: 'archived', priority: 'critical' } }),
  });
  assert.equal(updated.status, 200);
  const patched = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/1001`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { lifecyclestage: '98765432' } }),
  });
  assert.equal(patched.status, 200);
  // The Stripe simulator serves the seed objects themselves: change them as a new Stripe release would.
  Object.assign(ada.invoices[0]!, { status: 'in_review' });
  Object.assign(ada.subscription!, { status: 'suspended' });

  const res = await t.gql(
    `{ me { lifecycleStage billing { subscription { status } invoices(first: 50) { nodes { id status } } }
       tickets(first: 50) { nodes { id status priority } } } }`,
    { token: t.token('customer', '1001') },
  );
  assert.equal(res.status, 200);
  assert.equal(res.body.errors, undefined);
  const me = res.body.data.me;
  assert.equal(me.lifecycleStage, 'UNKNOWN');
  assert.equal(me.billing.subscription.status, 'UNKNOWN');
  const tickets = new Map(me.tickets.nodes.map((n: any) => [n.id, n]));
  assert.deepEqual(tickets.get(String(odd.id)), { id: String(odd.id), status: 'UNKNOWN', priority: 'UNKNOWN' });
  assert.equal((tickets.get(String(plain.id)) as any).status, plain.status.toUpperCase());
  const invoices = new Map(me.billing.invoices.nodes.map((n: any) => [n.id, n.status]));
  assert.equal(invoices.get(ada.invoices[0]!.id), 'UNKNOWN');
  assert.equal(invoices.get(ada.invoices[1]!.id), ada.invoices[1]!.status.toUpperCase());
});
