/**
 * Introspection per principal: what the caller cannot use is not shown.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { getIntrospectionQuery } from 'graphql';
import { startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

async function types(token?: string, app = t) {
  const res = await app.gql(getIntrospectionQuery(), { token });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  const schema = res.body.data.__schema;
  const byName = new Map<string, string[]>(
    schema.types.filter((x: any) => !x.name.startsWith('__')).map((x: any) => [x.name, (x.fields ?? []).map((f: any) => f.name)]),
  );
  return { byName, mutation: schema.mutationType?.name ?? null, subscription: schema.subscriptionType?.name ?? null };
}

test('a partner with only billing.invoices:read sees no support or file fields, no admin operations', async () => {
  const minted = await t.gql(`mutation { createPartnerToken(input: { name: "intro", scopes: ["billing.invoices:read"] }) { token } }`, {
    token: t.token('admin'),
  });
  const { byName, mutation } = await types(minted.body.data.createPartnerToken.token);
  assert.deepEqual(byName.get('Customer'), ['id', 'billing']);
  assert.deepEqual(byName.get('Billing'), ['invoices']);
  for (const hidden of [
    'Ticket',
    'TicketConnection',
    'TicketComment',
    'Document',
    'DocumentConnection',
    'PaymentMethod',
    'BillingSubscription',
    'PartnerToken',
    'CustomerConnection',
  ])
    assert.equal(byName.has(hidden), false, `${hidden} is visible`);
  assert.ok(byName.has('Invoice'));
  assert.equal(mutation, null);
  assert.deepEqual(byName.get('Query')?.sort(), ['customer']);
});

test('an admin sees everything', async () => {
  const { byName, mutation } = await types(t.token('admin'));
  assert.ok(['Ticket', 'Document', 'PaymentMethod', 'PartnerToken', 'CustomerConnection'].every((n) => byName.has(n)));
  assert.deepEqual(byName.get('Query')?.sort(), [
    'auditLog',
    'automationRuns',
    'customer',
    'customers',
    'failedAutomationRuns',
    'failedEvents',
    'failedReplicaJobs',
    'failedWebhookDeliveries',
    'integrationHealth',
    'partnerTokens',
    'planChangePreview',
    'plans',
    'webhookDeliveries',
    'webhookEndpoints',
    'webhookEventTypes',
  ]);
  assert.equal(mutation, 'Mutation');
  assert.ok(byName.get('Customer')!.includes('tickets') && byName.get('Customer')!.includes('documents'));
});

test('a customer sees its own data fields but no staff or admin operations', async () => {
  const { byName, mutation } = await types(t.token('customer', '1001'));
  assert.deepEqual(byName.get('Query')?.sort(), ['customer', 'me', 'notificationPreferences', 'planChangePreview', 'plans']);
  assert.ok(byName.get('Billing')!.includes('paymentMethods'));
  // Its own contact details (updateContact checks ownership per id) and its own writes; no staff or admin mutation.
  assert.equal(mutation, 'Mutation');
  assert.deepEqual(byName.get('Mutation')?.sort(), [
    'addTicketComment',
    'cancelSubscription',
    'changeSubscriptionPlan',
    'confirmDocumentUpload',
    'openTicket',
    'payInvoice',
    // Shown to every customer token; only one without a customer yet may use it (the others are answered alreadyRegistered or FORBIDDEN).
    'registerCustomer',
    'registerDevice',
    'removePaymentMethod',
    'requestDocumentUpload',
    'resumeSubscription',
    'setDefaultPaymentMethod',
    'startPaymentMethodSetup',
    'unregisterDevice',
    'updateBillingDetails',
    'updateContact',
    'updateMyContact',
    'updateNotificationPreferences',
  ]);
  // Updating tickets is for support staff.
  assert.equal(byName.get('Ticket')!.includes('tags'), false);
});

test('subscriptions served over WebSocket and SSE are in introspection (the sandbox and codegen see them), and not with REALTIME=false', async () => {
  const { byName, subscription } = await types(t.token('customer', '1001'));
  assert.equal(subscription, 'Subscription');
  assert.deepEqual(byName.get('Subscription')?.sort(), ['customerChanged', 'ticketChanged']);
  assert.deepEqual(byName.get('CustomerChange')?.sort(), ['customer', 'reason']);
  const off = await startTestApp({ env: { REALTIME: 'false' } });
  try {
    const without = await types(off.token('customer', '1001'), off);
    assert.equal(without.subscription, null);
    assert.equal(without.byName.has('CustomerChange'), false);
  } finally {
    await off.close();
  }
});

test('an agent sees updateTicket, and no billing writes', async () => {
  const { byName } = await types(t.token('agent'));
  const mutations = byName.get('Mutation')!;
  assert.ok(mutations.includes('updateTicket'));
  for (const m of [
    'updateBillingDetails',
    'payInvoice',
    'startPaymentMethodSetup',
    'setDefaultPaymentMethod',
    'removePaymentMethod',
    'changeSubscriptionPlan',
    'registerCustomer',
  ])
    assert.equal(mutations.includes(m), false, m);
});

test('an agent does not see payment methods', async () => {
  const { byName } = await types(t.token('agent'));
  assert.equal(byName.get('Billing')!.includes('paymentMethods'), false);
  assert.equal(byName.has('PaymentMethod'), false);
});

test('introspection mixed with data fields is refused', async () => {
  const res = await t.gql(`{ __schema { types { name } } me { id } }`, { token: t.token('customer', '1001') });
  assert.equal(res.status, 400);
  assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_REQUEST');
});

test('anonymous introspection: the whole schema in development, 401 elsewhere', async () => {
  const dev = await types(undefined);
  assert.ok(dev.byName.has('PartnerToken'));
  const locked = await startTestApp({ sims: t.sims, env: { INTROSPECTION: 'false' } });
  try {
    const res = await locked.gql(getIntrospectionQuery());
    assert.equal(res.status, 401);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    // With a token it still works, filtered.
    assert.ok((await types(locked.token('agent'), locked)).byName.has('Ticket'));
  } finally {
    await locked.close();
  }
});
