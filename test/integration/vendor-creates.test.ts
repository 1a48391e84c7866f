/**
 * The create endpoints a sign-up needs, through the real connectors against the simulators' wire
 * formats: a billing customer (Stripe `POST /v1/customers`, keyed: one customer per key whatever
 * the retries) and a support user (Zendesk `POST /api/v2/users/create_or_update`, matched by the
 * customer id: a repeat finds the user made first), and HubSpot's contact creation
 * (`POST /crm/v3/objects/contacts`) as the CRM answers it (one contact per email, unique-value
 * properties). `registerCustomer` uses them: register-customer.test.ts.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { createUpstreams, type Upstreams } from '../../src/app.js';
import { createLogger } from '../../src/platform/logger.js';
import { BillingInputError } from '../../src/ports/billing.js';
import { ContactConflictError } from '../../src/ports/crm.js';
import { startTestApp, TEST_CRM, type TestApp } from '../helpers/app.js';
import { stripeApi } from '../helpers/stripe.js';

let sims: Simulators;
let t: TestApp;
let u: Upstreams;

before(async () => {
  sims = await startSimulators();
  t = await startTestApp({ sims });
  u = createUpstreams(t.app.config, createLogger({ level: 'silent' }));
});
after(async () => {
  await u?.close();
  await t?.close();
  await sims?.close();
});

const routes = (system: 'stripe' | 'zendesk' | 'hubspot') => sims.stats(system).byRoute;

describe(`crm: createContact (${TEST_CRM})`, () => {
  test('creates the contact once per sign-up key: a repeat returns the contact made first; it reads back by its customer id', async () => {
    const fields = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada.signup@example.org', company: 'Analytical Engines' };
    const first = await u.crm.createContact('su_ada01', fields);
    const again = await u.crm.createContact('su_ada01', fields);
    assert.equal(again.id, first.id);
    assert.deepEqual(
      [first.firstName, first.lastName, first.email, first.company],
      ['Ada', 'Lovelace', 'ada.signup@example.org', 'Analytical Engines'],
    );
    const read = (await u.crm.getContacts([first.id])).get(first.id);
    assert.equal(read?.email, 'ada.signup@example.org');
    const all = await u.crm.searchContacts({ query: 'ada.signup@example.org', limit: 10 });
    assert.equal(all.total, 1, 'one contact, not two');
  });

  test(
    "another contact's email is ContactConflictError (HubSpot keeps one contact per email)",
    { skip: TEST_CRM === 'salesforce' && 'Salesforce allows duplicate emails unless a duplicate rule blocks them' },
    async () => {
      const taken = sims.data.customers[7].email;
      await assert.rejects(
        u.crm.createContact('su_taken01', { firstName: 'X', lastName: 'Y', email: taken, company: null }),
        (err: unknown) => err instanceof ContactConflictError,
      );
    },
  );
});

describe('billing: createCustomer (Stripe)', () => {
  test('creates a customer linked to the customer id; the same key twice is one customer; the account is then found by its link and by customer id', async () => {
    sims.resetStats();
    const first = await u.billing.createCustomer('9001', { name: 'Ada Lovelace', email: 'ada@example.org' }, 'signup-9001-billing');
    const again = await u.billing.createCustomer('9001', { name: 'Ada Lovelace', email: 'ada@example.org' }, 'signup-9001-billing');
    assert.equal(again.id, first.id);
    assert.equal(routes('stripe')['POST /v1/customers'], 2, 'both reached Stripe, which answered the retry with the first customer');
    const found = await stripeApi(sims)('GET', `/v1/customers/search?query=${encodeURIComponent("metadata['crm_contact_id']:'9001'")}`);
    assert.deepEqual(
      found.body.data.map((c: { id: string; email: string; name: string }) => [c.id, c.email, c.name]),
      [[first.id, 'ada@example.org', 'Ada Lovelace']],
    );
    const linked = await u.billing.accountsByLinks([{ crmId: '9001', billingCustomerId: first.id }]);
    assert.equal(linked.get('9001')?.billingCustomerId, first.id);
    assert.equal(linked.get('9001')?.subscription, null);
    assert.equal((await u.billing.accountsByCrmIds(['9001'])).get('9001')?.billingCustomerId, first.id);
  });

  test("an email Stripe refuses is the port's BillingInputError naming email; no customer made", async () => {
    sims.resetStats();
    await assert.rejects(
      u.billing.createCustomer('9002', { name: 'Bad Email', email: 'not an email' }, 'signup-9002-billing'),
      (err: unknown) => err instanceof BillingInputError && err.field === 'email',
    );
    assert.equal((await u.billing.accountsByCrmIds(['9002'])).size, 0);
  });
});

describe('support: upsertUser (Zendesk)', () => {
  test('creates an end user with the customer id as external_id; a repeat updates the same user, never a second', async () => {
    sims.resetStats();
    const first = await u.support.upsertUser('9001', { name: 'Ada Lovelace', email: 'ada@example.org' });
    const again = await u.support.upsertUser('9001', { name: 'Ada King', email: 'ada@example.org' });
    assert.equal(again.id, first.id);
    assert.equal(routes('zendesk')['POST /api/v2/users/create_or_update'], 2);
    const users = await u.support.userContactsByCrmIds(['9001']);
    assert.deepEqual(users.get('9001'), { id: first.id, name: 'Ada King', email: 'ada@example.org' });
  });

  test('an email a support user already has: that user is linked to the customer (Zendesk matches by email), not duplicated', async () => {
    const existing = sims.data.customers[5];
    const res = await u.support.upsertUser('9003', { name: 'Same Person', email: existing.email });
    assert.equal(res.id, String(existing.zendeskUserId));
    assert.equal((await u.support.userContactsByCrmIds(['9003'])).get('9003')?.id, String(existing.zendeskUserId));
  });
});

describe("HubSpot's contact creation (simulator)", () => {
  const create = (properties: Record<string, string>) =>
    fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties }),
    });
  test('201 with the new contact; one contact per email (409 naming the existing id); a unique-value property is refused twice', async () => {
    const res = await create({ email: 'Grace@Example.org', firstname: 'Grace', lastname: 'Hopper', portico_signup_key: 'idp|grace' });
    assert.equal(res.status, 201);
    const made = (await res.json()) as { id: string; properties: Record<string, string> };
    assert.equal(made.properties.email, 'grace@example.org');
    assert.equal(made.properties.hs_object_id, made.id);
    const byEmail = await create({ email: 'grace@example.org', firstname: 'Other' });
    assert.equal(byEmail.status, 409);
    assert.match(((await byEmail.json()) as { message: string }).message, new RegExp(`Existing ID: ${made.id}`));
    const bySubject = await create({ email: 'grace2@example.org', portico_signup_key: 'idp|grace' });
    assert.equal(bySubject.status, 400);
    const read = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/idp%7Cgrace?idProperty=portico_signup_key`, {
      headers: { authorization: `Bearer ${sims.credentials.hubspotToken}` },
    });
    assert.equal(((await read.json()) as { id: string }).id, made.id);
  });
});
