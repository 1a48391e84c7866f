/**
 * Billing self-service writes through the real app against the Stripe simulator and a real Redis:
 * `updateBillingDetails` (address and tax ids, checked before any call; the CRM's copy of the
 * billing country through a replica job, in the CRM under test) and `payInvoice` (the default
 * card; a decline is PAYMENT_DECLINED with the vendor's decline code, and the payment-failed
 * automation runs from Stripe's own webhook). For each: happy path, read-your-writes, another
 * customer's id (FORBIDDEN, no vendor write), bad input, the same Idempotency-Key twice (one vendor
 * write), a vendor outage (nothing reported done), and the audit entry.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { paymentFailedMarker } from '../../src/automations/builtins.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { crmBillingCountry } from '../helpers/crm.js';
import { tapAudit, type TappedEntry } from '../helpers/audit-tap.js';
import { stripeApi } from '../helpers/stripe.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { SECRETS, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;
let entries: TappedEntry[] = [];

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  stripe = stripeApi(sims);
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'writesbd',
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '100',
      SALESFORCE_POLL_INTERVAL_S: '3600',
      ...WEBHOOK_ENV,
    },
  });
  sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
  entries = tapAudit(t);
});
after(async () => {
  await t?.close();
  await sims?.close();
  await redis?.stop();
});
beforeEach(() => {
  entries.length = 0;
});

const seedOf = (crmId: string) => sims.data.customers.find((c) => c.crmId === crmId)!;
/** No webhook on its way from the simulators and no job waiting or running in the app's queues (events, replicas, automations). */
async function quiet() {
  await sims.webhooks.idle();
  const queues = [...Object.values(t.app.events.queues), t.app.replicas.queue, t.app.automations.queue].filter((q) => q !== undefined);
  await waitFor('the queues to be idle', async () => {
    const counts = await Promise.all(queues.map((q) => q.counts()));
    return counts.every((c) => c.waiting + c.active + c.delayed === 0);
  });
}
const stripeRoutes = () => sims.stats('stripe').byRoute;
const stripeWrites = () => {
  const r = stripeRoutes();
  return (
    (r['POST /v1/customers/{id}'] ?? 0) +
    (r['POST /v1/customers/{id}/tax_ids'] ?? 0) +
    (r['DELETE /v1/customers/{id}/tax_ids/{taxId}'] ?? 0) +
    (r['POST /v1/invoices/{id}/pay'] ?? 0)
  );
};
let stripe: ReturnType<typeof stripeApi>;

const UPDATE = /* GraphQL */ `
  mutation ($input: BillingDetailsInput!) {
    updateBillingDetails(input: $input) {
      address {
        line1
        line2
        city
        postalCode
        state
        country
      }
      taxIds {
        type
        value
        country
      }
    }
  }
`;
const DETAILS = `{ me { billing { address { line1 line2 city postalCode state country } taxIds { type value country } } } }`;
const ADDRESS = { line1: 'Friedrichstraße 123', line2: '3. OG', city: 'Berlin', postalCode: '10117', state: null, country: 'de' };

describe('updateBillingDetails', () => {
  test('sets the address and tax ids in Stripe; the next read shows them; the CRM receives the billing country', async () => {
    const token = t.token('customer', '1001');
    await t.gql(DETAILS, { token });
    await t.app.cache.settle();
    sims.resetStats();
    const res = await t.gql(UPDATE, {
      token,
      variables: { input: { address: ADDRESS, taxIds: [{ type: 'eu_vat', value: 'de 123456789' }] } },
    });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const expected = {
      address: { ...ADDRESS, country: 'DE' },
      taxIds: [{ type: 'eu_vat', value: 'DE123456789', country: 'DE' }],
    };
    assert.deepEqual(res.body.data.updateBillingDetails, expected);
    assert.equal(stripeRoutes()['POST /v1/customers/{id}'], 1);
    assert.equal(stripeRoutes()['POST /v1/customers/{id}/tax_ids'], 1);
    // Stripe holds it.
    const customer = await stripe('GET', `/v1/customers/${seedOf('1001').stripeCustomerId}?expand[]=tax_ids`);
    assert.deepEqual(customer.body.address, {
      line1: 'Friedrichstraße 123',
      line2: '3. OG',
      city: 'Berlin',
      postal_code: '10117',
      state: null,
      country: 'DE',
    });
    // Read-your-writes: the cached account was dropped.
    assert.deepEqual((await t.gql(DETAILS, { token })).body.data.me.billing, expected);
    // The CRM's copy, written by the replica job.
    await waitFor('the CRM copy of the billing country', async () => (await crmBillingCountry(sims, '1001')) === 'DE');

    // The whole list: the same tax id again is no write; an empty list removes it.
    sims.resetStats();
    const kept = await t.gql(UPDATE, { token, variables: { input: { taxIds: [{ type: 'eu_vat', value: 'DE123456789' }] } } });
    assert.deepEqual(kept.body.data.updateBillingDetails.taxIds, expected.taxIds);
    assert.equal(stripeWrites(), 0);
    const cleared = await t.gql(UPDATE, { token, variables: { input: { taxIds: [] } } });
    assert.deepEqual(cleared.body.data.updateBillingDetails, { address: expected.address, taxIds: [] });
    assert.equal(stripeRoutes()['DELETE /v1/customers/{id}/tax_ids/{taxId}'], 1);
    assert.equal(stripeWrites(), 1);
    assert.deepEqual((await t.gql(DETAILS, { token })).body.data.me.billing.taxIds, []);

    // A change of country reaches the CRM too.
    await t.gql(UPDATE, {
      token,
      variables: { input: { address: { line1: '1 Main St', city: 'Lyon', postalCode: '69001', country: 'FR' } } },
    });
    await waitFor('the CRM copy of the new country', async () => (await crmBillingCountry(sims, '1001')) === 'FR');
  });

  test("an address edited in Stripe's Dashboard reaches the CRM's copy (Stripe's customer.updated webhook queues the job)", async () => {
    const cus = seedOf('1018').stripeCustomerId;
    const res = await stripe('POST', `/v1/customers/${cus}`, {
      'address[line1]': 'Via Roma 1',
      'address[city]': 'Milano',
      'address[country]': 'IT',
    });
    assert.equal(res.status, 200);
    await waitFor('the CRM copy of the Dashboard edit', async () => (await crmBillingCountry(sims, '1018')) === 'IT');
  });

  test('bad input is BAD_USER_INPUT naming the field, before any call to Stripe', async () => {
    const token = t.token('customer', '1003');
    const cases: [unknown, string][] = [
      [{ address: { ...ADDRESS, country: 'XX' } }, 'input.address.country'],
      [{ address: { ...ADDRESS, country: 'Germany' } }, 'input.address.country'],
      [{ address: { ...ADDRESS, line1: '  ' } }, 'input.address.line1'],
      [{ address: { ...ADDRESS, postalCode: '1'.repeat(21) } }, 'input.address.postalCode'],
      [{ address: { ...ADDRESS, city: 'Ber\u0000lin' } }, 'input.address.city'],
      // Bidirectional overrides and isolates would print on invoices as other text than was stored.
      [{ address: { ...ADDRESS, line2: 'Apt \u202E01 tpA' } }, 'input.address.line2'],
      [{ address: { ...ADDRESS, state: 'B\u2066E\u2069' } }, 'input.address.state'],
      // Over the lengths Stripe takes.
      [{ address: { ...ADDRESS, line1: 'x'.repeat(201) } }, 'input.address.line1'],
      [{ taxIds: [{ type: 'vat', value: 'DE123456789' }] }, 'input.taxIds[0].type'],
      [
        {
          taxIds: [
            { type: 'eu_vat', value: 'DE123456789' },
            { type: 'gb_vat', value: '' },
          ],
        },
        'input.taxIds[1].value',
      ],
      [
        {
          taxIds: [
            { type: 'eu_vat', value: 'DE123456789' },
            { type: 'eu_vat', value: 'de123456789' },
          ],
        },
        'input.taxIds[1]',
      ],
      [
        { taxIds: Array.from({ length: 26 }, (_, i) => ({ type: 'us_ein', value: `12-34567${String(i).padStart(2, '0')}` })) },
        'input.taxIds',
      ],
      [{}, 'input'],
    ];
    // Stripe's webhooks of the writes before (customer.updated) are re-read by the event worker in the
    // background: let that finish, so every Stripe call counted below would be this test's.
    await quiet();
    sims.resetStats();
    for (const [input, argument] of cases) {
      const res = await t.gql(UPDATE, { token, variables: { input } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${argument}: ${JSON.stringify(res.body.errors)}`);
      assert.equal(res.body.errors?.[0]?.extensions?.argument, argument);
    }
    assert.equal(sims.stats('stripe').total, 0, 'no call to Stripe');
    assert.equal(entries.length, cases.length);
    assert.deepEqual(
      new Set(entries.map((e) => `${e.action} ${e.outcome} ${e.detail?.code}`)),
      new Set(['billing.details.update failed BAD_USER_INPUT']),
    );
  });

  test('a value Stripe refuses (a malformed VAT number) is BAD_USER_INPUT naming it, and nothing else is written', async () => {
    const token = t.token('customer', '1003');
    sims.resetStats();
    const res = await t.gql(UPDATE, {
      token,
      variables: { input: { address: ADDRESS, taxIds: [{ type: 'eu_vat', value: 'XY123456789' }] } },
    });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.body.errors?.[0]?.extensions?.argument, 'input.taxIds[0].value');
    assert.equal(res.body.data, null);
    assert.equal(stripeRoutes()['POST /v1/customers/{id}'] ?? 0, 0, 'the address was not written');
    assert.equal((await stripe('GET', `/v1/customers/${seedOf('1003').stripeCustomerId}`)).body.address, null);
  });

  test("another customer's record is FORBIDDEN with no call to Stripe; agents may not; staff name the customer", async () => {
    sims.resetStats();
    const input = { address: ADDRESS, customerId: '1004' };
    const foreign = await t.gql(UPDATE, { token: t.token('customer', '1001'), variables: { input } });
    assert.equal(foreign.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const agent = await t.gql(UPDATE, { token: t.token('agent'), variables: { input } });
    assert.equal(agent.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(sims.stats('stripe').total, 0);
    assert.deepEqual(
      entries.map((e) => [e.action, e.customerId, e.outcome]),
      [['billing.details.update', '1004', 'denied']],
      'the denied attempt is recorded against the customer targeted (the agent is refused by scope before the resolver)',
    );
    const admin = await t.gql(UPDATE, { token: t.token('admin'), variables: { input: { address: ADDRESS } } });
    assert.equal(admin.body.errors?.[0]?.extensions?.argument, 'input.customerId');
  });

  test('the same Idempotency-Key twice: one Stripe write, the first answer replayed; an audit entry', async () => {
    const token = t.token('customer', '1006');
    const headers = { 'idempotency-key': 'billing-form-1' };
    const variables = { input: { address: { ...ADDRESS, country: 'AT' }, taxIds: [{ type: 'eu_vat', value: 'ATU12345678' }] } };
    sims.resetStats();
    const first = await t.gql(UPDATE, { token, headers, variables });
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    const retry = await t.gql(UPDATE, { token, headers, variables });
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(stripeRoutes()['POST /v1/customers/{id}'], 1);
    assert.equal(stripeRoutes()['POST /v1/customers/{id}/tax_ids'], 1);
    assert.equal(entries.length, 1);
    assert.deepEqual(
      {
        action: entries[0].action,
        customerId: entries[0].customerId,
        systems: entries[0].systems,
        fields: entries[0].fields,
        outcome: entries[0].outcome,
      },
      { action: 'billing.details.update', customerId: '1006', systems: ['stripe'], fields: ['address', 'tax_ids'], outcome: 'ok' },
    );
    assert.equal(entries[0].actor.kind, 'user');
  });

  test('Stripe down: UPSTREAM_UNAVAILABLE, nothing changed; the retry with the same key then writes once', async () => {
    const token = t.token('customer', '1007');
    const headers = { 'idempotency-key': 'billing-form-outage' };
    const variables = { input: { address: { ...ADDRESS, country: 'NL' } } };
    sims.setFaults('stripe', { failureRate: 1 });
    try {
      const res = await t.gql(UPDATE, { token, headers, variables });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(res.body.errors?.[0]?.extensions?.system, 'billing');
      assert.equal(res.body.data, null);
    } finally {
      sims.setFaults('stripe', {});
    }
    assert.equal((await stripe('GET', `/v1/customers/${seedOf('1007').stripeCustomerId}`)).body.address, null);
    assert.deepEqual([entries.at(-1)?.outcome, entries.at(-1)?.detail?.code], ['failed', 'UPSTREAM_UNAVAILABLE']);
    sims.resetStats();
    const retry = await t.gql(UPDATE, { token, headers, variables });
    assert.equal(retry.body.errors, undefined, JSON.stringify(retry.body.errors));
    assert.equal(retry.body.data.updateBillingDetails.address.country, 'NL');
    assert.equal(stripeRoutes()['POST /v1/customers/{id}'], 1);
  });
});

const INVOICE_EMAIL = `mutation ($input: BillingDetailsInput!) { updateBillingDetails(input: $input) { invoiceEmail address { country } } }`;
const UPDATE_CONTACT = `mutation($id: ID!, $input: ContactInput!) { updateContact(id: $id, input: $input) { id email } }`;
const zendeskUserEmail = async (crmId: string) => {
  const r = await fetch(`${sims.urls.zendesk}/api/v2/users/${seedOf(crmId).zendeskUserId}`, { headers: { authorization: zendeskAuth() } });
  return ((await r.json()) as { user: { email: string } }).user.email;
};
const stripeCustomer = async (crmId: string) =>
  (await stripe('GET', `/v1/customers/${seedOf(crmId).stripeCustomerId}`)).body as { email: string; metadata: Record<string, string> };

describe('updateBillingDetails: invoiceEmail', () => {
  test('sets where Stripe sends invoices; the next read shows it; a change of the contact email no longer overwrites it; null gives invoices back to the contact email', async () => {
    const token = t.token('customer', '1012');
    await t.gql(`{ me { billing { invoiceEmail } } }`, { token });
    await t.app.cache.settle();
    await quiet();
    sims.resetStats();
    const res = await t.gql(INVOICE_EMAIL, { token, variables: { input: { invoiceEmail: ' Accounts@Example.com ' } } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(res.body.data.updateBillingDetails, { invoiceEmail: 'accounts@example.com', address: null });
    assert.equal(stripeRoutes()['POST /v1/customers/{id}'], 1);
    assert.equal(stripeWrites(), 1);
    // Stripe holds it as the customer's email (where it sends invoices), marked as the billing system's own.
    const cus = await stripeCustomer('1012');
    assert.equal(cus.email, 'accounts@example.com');
    assert.equal(cus.metadata.portico_invoice_email, 'set');
    // Read-your-writes.
    assert.equal((await t.gql(`{ me { billing { invoiceEmail } } }`, { token })).body.data.me.billing.invoiceEmail, 'accounts@example.com');
    const entry = entries.find((e) => e.action === 'billing.details.update')!;
    assert.deepEqual([entry.customerId, entry.fields, entry.outcome], ['1012', ['invoice_email'], 'ok']);

    // The contact email changes in the CRM (the owner of Customer.email): Zendesk follows, Stripe keeps the invoice email.
    const changed = await t.gql(UPDATE_CONTACT, {
      token: t.token('agent'),
      variables: { id: '1012', input: { email: 'ada.new@example.com' } },
    });
    assert.equal(changed.body.errors, undefined, JSON.stringify(changed.body.errors));
    await waitFor('the support copy of the new contact email', async () => (await zendeskUserEmail('1012')) === 'ada.new@example.com');
    await quiet();
    assert.equal((await stripeCustomer('1012')).email, 'accounts@example.com', 'the CRM copy did not overwrite the invoice email');
    assert.equal(
      (await t.gql(`{ me { email billing { invoiceEmail } } }`, { token })).body.data.me.billing.invoiceEmail,
      'accounts@example.com',
    );

    // Cleared: invoices go to the contact email again; the replica job copies it to Stripe.
    const cleared = await t.gql(INVOICE_EMAIL, { token, variables: { input: { invoiceEmail: null } } });
    assert.equal(cleared.body.errors, undefined, JSON.stringify(cleared.body.errors));
    assert.equal(cleared.body.data.updateBillingDetails.invoiceEmail, null);
    await waitFor('the contact email copied back to Stripe', async () => (await stripeCustomer('1012')).email === 'ada.new@example.com');
    assert.equal((await stripeCustomer('1012')).metadata.portico_invoice_email, undefined);
    assert.equal((await t.gql(`{ me { billing { invoiceEmail } } }`, { token })).body.data.me.billing.invoiceEmail, null);
  });

  test('a malformed invoice email is BAD_USER_INPUT naming input.invoiceEmail, before any call to Stripe', async () => {
    const token = t.token('customer', '1015');
    await quiet();
    sims.resetStats();
    for (const invoiceEmail of [
      '',
      'accounts',
      'accounts@example',
      'a b@example.com',
      `${'a'.repeat(250)}@example.com`,
      'x@exa\u0000mple.com',
    ]) {
      const res = await t.gql(INVOICE_EMAIL, { token, variables: { input: { invoiceEmail } } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', invoiceEmail);
      assert.equal(res.body.errors?.[0]?.extensions?.argument, 'input.invoiceEmail');
    }
    assert.equal(sims.stats('stripe').total, 0, 'no call to Stripe');
  });

  test("another customer's invoice email is FORBIDDEN with no call to Stripe", async () => {
    await quiet();
    sims.resetStats();
    const res = await t.gql(INVOICE_EMAIL, {
      token: t.token('customer', '1001'),
      variables: { input: { invoiceEmail: 'thief@example.com', customerId: '1016' } },
    });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(sims.stats('stripe').total, 0);
    assert.notEqual((await stripeCustomer('1016')).email, 'thief@example.com');
    assert.deepEqual(
      entries.map((e) => [e.action, e.customerId, e.outcome]),
      [['billing.details.update', '1016', 'denied']],
    );
  });

  test('the same Idempotency-Key twice: one Stripe write; Stripe down: UPSTREAM_UNAVAILABLE and nothing set', async () => {
    const token = t.token('customer', '1017');
    const headers = { 'idempotency-key': 'invoice-email-1017' };
    const variables = { input: { invoiceEmail: 'billing@example.org' } };
    sims.setFaults('stripe', { failureRate: 1 });
    try {
      const res = await t.gql(INVOICE_EMAIL, { token, headers, variables });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(res.body.data, null);
    } finally {
      sims.setFaults('stripe', {});
    }
    const before = await stripeCustomer('1017');
    assert.equal(before.email, seedOf('1017').email);
    assert.equal(before.metadata.portico_invoice_email, undefined);
    assert.deepEqual([entries.at(-1)?.outcome, entries.at(-1)?.detail?.code], ['failed', 'UPSTREAM_UNAVAILABLE']);
    sims.resetStats();
    const first = await t.gql(INVOICE_EMAIL, { token, headers, variables });
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    assert.equal(first.body.data.updateBillingDetails.invoiceEmail, 'billing@example.org');
    const retry = await t.gql(INVOICE_EMAIL, { token, headers, variables });
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(stripeRoutes()['POST /v1/customers/{id}'], 1);
    assert.equal((await stripeCustomer('1017')).email, 'billing@example.org');
  });
});

const PAY = `mutation($id: ID!) { payInvoice(id: $id) { id status amountPaid amountRemaining } }`;
const INVOICES = `{ me { billing { invoices(first: 20) { nodes { id status } } } } }`;
const openInvoiceOf = (crmId: string) => seedOf(crmId).invoices.find((i) => i.status === 'open')!;
const pays = () => stripeRoutes()['POST /v1/invoices/{id}/pay'] ?? 0;
const zendeskAuth = () =>
  `Basic ${Buffer.from(`${sims.credentials.zendeskEmail}/token:${sims.credentials.zendeskApiToken}`).toString('base64')}`;

/** Gives a customer a card that declines (Stripe's test payment method) as its default. */
async function declineWith(crmId: string, testMethod: string) {
  const cus = seedOf(crmId).stripeCustomerId;
  const pm = await stripe('POST', `/v1/payment_methods/${testMethod}/attach`, { customer: cus });
  assert.equal(pm.status, 200);
  const set = await stripe('POST', `/v1/customers/${cus}`, { 'invoice_settings[default_payment_method]': pm.body.id });
  assert.equal(set.status, 200);
}

describe('payInvoice', () => {
  test('pays an open invoice with the default card; the next read shows it paid; an audit entry', async () => {
    const token = t.token('customer', '1010');
    const inv = openInvoiceOf('1010');
    const before = (await t.gql(INVOICES, { token })).body.data.me.billing.invoices.nodes.find((n: { id: string }) => n.id === inv.id);
    assert.equal(before.status, 'OPEN');
    await t.app.cache.settle();
    sims.resetStats();
    const res = await t.gql(PAY, { token, variables: { id: inv.id } });
    assert.deepEqual(res.body, { data: { payInvoice: { id: inv.id, status: 'PAID', amountPaid: inv.amount_due, amountRemaining: 0 } } });
    assert.equal(pays(), 1);
    const after = (await t.gql(INVOICES, { token })).body.data.me.billing.invoices.nodes.find((n: { id: string }) => n.id === inv.id);
    assert.equal(after.status, 'PAID');
    const entry = entries.find((e) => e.action === 'invoice.pay')!;
    assert.deepEqual([entry.customerId, entry.outcome, entry.systems], ['1010', 'ok', ['stripe']]);

    // Paid now: nothing to pay, no call.
    sims.resetStats();
    const again = await t.gql(PAY, { token, variables: { id: inv.id } });
    assert.equal(again.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(again.body.errors?.[0]?.extensions?.argument, 'id');
    assert.equal(pays(), 0);
  });

  test("another customer's invoice, or one that does not exist, is FORBIDDEN with no payment; a malformed id is BAD_USER_INPUT", async () => {
    const token = t.token('customer', '1001');
    sims.resetStats();
    for (const id of [openInvoiceOf('1003').id, 'in_doesnotexist']) {
      const res = await t.gql(PAY, { token, variables: { id } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', id);
    }
    const bad = await t.gql(PAY, { token, variables: { id: '../v1/x' } });
    assert.equal(bad.body.errors?.[0]?.extensions?.argument, 'id');
    assert.equal(pays(), 0);
    assert.equal(stripeWrites(), 0);
    const payEntries = entries.filter((e) => e.action === 'invoice.pay');
    assert.deepEqual(
      payEntries.map((e) => [e.customerId, e.outcome]),
      [
        ['1003', 'denied'],
        ['1001', 'denied'],
        ['1001', 'failed'],
      ],
      "a denied attempt is recorded against the invoice's customer (the caller's own when there is none)",
    );
    const agent = await t.gql(PAY, { token: t.token('agent'), variables: { id: openInvoiceOf('1003').id } });
    assert.equal(agent.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  test('a declined card: PAYMENT_DECLINED with the decline code, the invoice stays open, the payment-failed automation runs; the same key replays', async () => {
    const token = t.token('customer', '1014');
    const inv = openInvoiceOf('1014');
    await declineWith('1014', 'pm_card_chargeDeclinedInsufficientFunds');
    sims.resetStats();
    const headers = { 'idempotency-key': 'pay-1014' };
    const res = await t.gql(PAY, { token, headers, variables: { id: inv.id } });
    assert.equal(res.body.data, null);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'PAYMENT_DECLINED');
    assert.equal(res.body.errors?.[0]?.extensions?.declineCode, 'insufficient_funds');
    assert.equal(res.body.errors?.[0]?.extensions?.system, 'billing');
    const retry = await t.gql(PAY, { token, headers, variables: { id: inv.id } });
    assert.deepEqual(retry.body, res.body);
    assert.equal(pays(), 1, 'one attempt at Stripe');
    const entry = entries.find((e) => e.action === 'invoice.pay')!;
    assert.equal(entry.outcome, 'failed');
    assert.deepEqual(entry.detail, { invoiceId: inv.id, declineCode: 'insufficient_funds', code: 'PAYMENT_DECLINED' });
    const now = (await t.gql(INVOICES, { token })).body.data.me.billing.invoices.nodes.find((n: { id: string }) => n.id === inv.id);
    assert.equal(now.status, 'OPEN');
    // Stripe's invoice.payment_failed reaches the app and the automation opens its ticket.
    await waitFor('the payment-failed ticket', async () => {
      const r = await fetch(`${sims.urls.zendesk}/api/v2/tickets?external_id=${encodeURIComponent(paymentFailedMarker(inv.id))}`, {
        headers: { authorization: zendeskAuth() },
      });
      return ((await r.json()) as { tickets: unknown[] }).tickets.length === 1;
    });
  });

  test('one invoice paid side by side (one key five times, two tabs without a key, two aliases): charged once', async () => {
    // One key sent five times at once: one payment; the others wait their turn (409) and then get the same answer.
    const one = openInvoiceOf('1041');
    sims.resetStats();
    const headers = { 'idempotency-key': 'pay-1041-side-by-side' };
    const five = await Promise.all(
      Array.from({ length: 5 }, () => t.gql(PAY, { token: t.token('customer', '1041'), headers, variables: { id: one.id } })),
    );
    for (const r of five)
      if (r.status === 409) assert.equal(r.body.errors?.[0]?.extensions?.code, 'IDEMPOTENCY_KEY_IN_USE');
      else assert.equal(r.body.data?.payInvoice?.status, 'PAID', JSON.stringify(r.body));
    const retry = await t.gql(PAY, { token: t.token('customer', '1041'), headers, variables: { id: one.id } });
    assert.equal(retry.body.data?.payInvoice?.status, 'PAID');
    assert.equal(pays(), 1, 'one payment at Stripe');
    assert.equal((await stripe('GET', `/v1/invoices/${one.id}`)).body.attempt_count, 1);

    // Two tabs, no key, at once: one is paid; the other is told the invoice is not open, and nothing is charged twice.
    const two = openInvoiceOf('1044');
    const tabs = await Promise.all([0, 1].map(() => t.gql(PAY, { token: t.token('customer', '1044'), variables: { id: two.id } })));
    const paid = tabs.filter((r) => r.body.data?.payInvoice?.status === 'PAID');
    assert.equal(paid.length, 1, JSON.stringify(tabs.map((r) => r.body)));
    const other = tabs.find((r) => !r.body.data?.payInvoice)!;
    assert.deepEqual([other.body.errors?.[0]?.extensions?.code, other.body.errors?.[0]?.extensions?.argument], ['BAD_USER_INPUT', 'id']);
    const invoice = (await stripe('GET', `/v1/invoices/${two.id}`)).body;
    assert.deepEqual([invoice.status, invoice.attempt_count, invoice.amount_paid], ['paid', 1, two.amount_due]);

    // Two aliases of payInvoice in one document: refused whole (one write per operation), nothing paid.
    const open = openInvoiceOf('1049');
    sims.resetStats();
    const aliased = await t.gql(`mutation($id: ID!) { a: payInvoice(id: $id) { id } b: payInvoice(id: $id) { id } }`, {
      token: t.token('customer', '1049'),
      variables: { id: open.id },
    });
    assert.equal(aliased.status, 400);
    assert.equal(aliased.body.errors?.[0]?.extensions?.code, 'QUERY_TOO_COMPLEX');
    assert.equal(pays(), 0);
  });

  test('the same Idempotency-Key twice: one payment; Stripe down: UPSTREAM_UNAVAILABLE and the invoice stays open', async () => {
    const token = t.token('customer', '1022');
    const inv = openInvoiceOf('1022');
    sims.setFaults('stripe', { failureRate: 1 });
    try {
      const res = await t.gql(PAY, { token, headers: { 'idempotency-key': 'pay-1022' }, variables: { id: inv.id } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
    } finally {
      sims.setFaults('stripe', {});
    }
    assert.equal((await stripe('GET', `/v1/invoices/${inv.id}`)).body.status, 'open');
    sims.resetStats();
    const first = await t.gql(PAY, { token, headers: { 'idempotency-key': 'pay-1022' }, variables: { id: inv.id } });
    assert.equal(first.body.data?.payInvoice?.status, 'PAID', JSON.stringify(first.body));
    const retry = await t.gql(PAY, { token, headers: { 'idempotency-key': 'pay-1022' }, variables: { id: inv.id } });
    assert.deepEqual(retry.body, first.body);
    assert.equal(pays(), 1);
  });
});
