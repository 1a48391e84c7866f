/**
 * The authorization matrix: every field group as every kind of caller, data or FORBIDDEN in each
 * cell, and no call to a system whose data was denied. Plus partner tokens end to end:
 * minting, scopes, customer allow-lists, revocation, and typ separation.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import type { SimSystem } from '../../sim/index.js';
import { upstreamCalls, crmWrites, startTestApp, type TestApp } from '../helpers/app.js';

let t: TestApp;
before(async () => {
  t = await startTestApp();
});
after(() => t.close());

/** A field group, the query that reads it for customer $id, where its data sits, and the system behind it. */
const GROUPS = {
  contact: { q: 'customer(id: $id) { name email phone }', pick: (d: any) => d?.customer?.name, system: 'hubspot' },
  billingSummary: {
    q: 'customer(id: $id) { billing { currency balance subscription { status } } }',
    pick: (d: any) => d?.customer?.billing?.currency,
    system: 'stripe',
  },
  invoices: {
    q: 'customer(id: $id) { billing { invoices(first: 3) { totalCount } } }',
    pick: (d: any) => d?.customer?.billing?.invoices?.totalCount,
    system: 'stripe',
  },
  paymentMethods: {
    q: 'customer(id: $id) { billing { paymentMethods { last4 } } }',
    pick: (d: any) => d?.customer?.billing?.paymentMethods,
    system: 'stripe',
  },
  tickets: {
    q: 'customer(id: $id) { tickets(first: 3) { nodes { id } } }',
    pick: (d: any) => d?.customer?.tickets?.nodes,
    system: 'zendesk',
  },
  documents: {
    q: 'customer(id: $id) { documents(first: 3) { nodes { id } } }',
    pick: (d: any) => d?.customer?.documents?.nodes,
    system: 's3',
  },
  customerList: { q: 'customers(first: 2) { totalCount }', pick: (d: any) => d?.customers?.totalCount, system: 'hubspot' },
  plans: { q: 'plans { id }', pick: (d: any) => d?.plans?.[0]?.id, system: 'stripe' },
  adminPartners: { q: 'partnerTokens { id }', pick: (d: any) => d?.partnerTokens, system: undefined },
} as const satisfies Record<string, { q: string; pick: (d: any) => unknown; system: SimSystem | undefined }>;
type Group = keyof typeof GROUPS;

const DATA_SCOPES = [
  'crm.contacts:read',
  'crm.customers:list',
  'billing.summary:read',
  'billing.invoices:read',
  'billing.payment_methods:read',
  'support.tickets:read',
  'files.documents:read',
  'crm.contacts:write',
] as const;
/** The scope that opens each group for a partner (admin groups: none). */
const OPENED_BY: Record<Group, string | undefined> = {
  contact: 'crm.contacts:read',
  billingSummary: 'billing.summary:read',
  invoices: 'billing.invoices:read',
  paymentMethods: 'billing.payment_methods:read',
  tickets: 'support.tickets:read',
  documents: 'files.documents:read',
  customerList: 'crm.customers:list',
  plans: 'billing.summary:read',
  adminPartners: undefined,
};

type Outcome = 'data' | 'FORBIDDEN' | 'UNAUTHENTICATED';
/** The policy, written out: who sees what. */
const USERS: Record<string, Record<Group, Outcome>> = {
  anonymous: {
    contact: 'UNAUTHENTICATED',
    billingSummary: 'UNAUTHENTICATED',
    invoices: 'UNAUTHENTICATED',
    paymentMethods: 'UNAUTHENTICATED',
    tickets: 'UNAUTHENTICATED',
    documents: 'UNAUTHENTICATED',
    customerList: 'UNAUTHENTICATED',
    plans: 'UNAUTHENTICATED',
    adminPartners: 'UNAUTHENTICATED',
  },
  customerOwn: {
    contact: 'data',
    billingSummary: 'data',
    invoices: 'data',
    paymentMethods: 'data',
    tickets: 'data',
    documents: 'data',
    customerList: 'FORBIDDEN',
    // The plans on sale are nobody's record: the same for every customer.
    plans: 'data',
    adminPartners: 'FORBIDDEN',
  },
  customerForeign: {
    contact: 'FORBIDDEN',
    billingSummary: 'FORBIDDEN',
    invoices: 'FORBIDDEN',
    paymentMethods: 'FORBIDDEN',
    tickets: 'FORBIDDEN',
    documents: 'FORBIDDEN',
    customerList: 'FORBIDDEN',
    plans: 'data',
    adminPartners: 'FORBIDDEN',
  },
  agent: {
    contact: 'data',
    billingSummary: 'data',
    invoices: 'data',
    paymentMethods: 'FORBIDDEN',
    tickets: 'data',
    documents: 'data',
    customerList: 'data',
    plans: 'data',
    adminPartners: 'FORBIDDEN',
  },
  admin: {
    contact: 'data',
    billingSummary: 'data',
    invoices: 'data',
    paymentMethods: 'data',
    tickets: 'data',
    documents: 'data',
    customerList: 'data',
    plans: 'data',
    adminPartners: 'data',
  },
};

async function mintPartner(scopes: readonly string[], customerIds?: string[]): Promise<{ token: string; id: string }> {
  const res = await t.gql(`mutation($i: CreatePartnerTokenInput!) { createPartnerToken(input: $i) { token partnerToken { id scopes } } }`, {
    token: t.token('admin'),
    variables: { i: { name: 'matrix', scopes, customerIds, ttlDays: 1 } },
  });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return { token: res.body.data.createPartnerToken.token, id: res.body.data.createPartnerToken.partnerToken.id };
}

async function cell(group: Group, token: string | undefined, id: string) {
  const g = GROUPS[group];
  t.sims.resetStats();
  const res = await t.gql(
    `query($id: ID!) { ${g.q} }`
      .replace('query($id: ID!) { partnerTokens', '{ partnerTokens')
      .replace('query($id: ID!) { customers', '{ customers')
      .replace('query($id: ID!) { plans', '{ plans'),
    {
      token,
      variables: g.q.includes('$id') ? { id } : undefined,
    },
  );
  const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
  const value = g.pick(res.body.data);
  const outcome: Outcome | 'mixed' =
    value !== null && value !== undefined && codes.length === 0
      ? 'data'
      : codes.length > 0 && codes.every((c) => c === codes[0])
        ? (codes[0] as Outcome)
        : 'mixed';
  return { outcome, calls: g.system ? t.sims.stats(g.system).total : 0, res };
}

/**
 * Every mutation, for customer $id: the operation, where its data sits, and the scope that opens it.
 * Confirming an upload that never happened reaches S3 and answers NOT_FOUND: authorized, nothing to show.
 */
/** A ticket of the customer that is not closed (Zendesk refuses any change to a closed one). */
const ticketOf = (id: string) => String(t.sims.data.customers.find((c) => c.crmId === id)!.tickets.find((x) => x.status !== 'closed')!.id);
const uploadIdOf = (id: string) => Buffer.from(`${id}/00000000-0000-0000-0000-000000000000/x.txt`).toString('base64url');
/** The customer's open invoice, else any of its invoices (paying a paid one is authorized: BAD_USER_INPUT, nothing to pay). */
const invoiceOf = (id: string) => {
  const invoices = t.sims.data.customers.find((c) => c.crmId === id)!.invoices;
  const inv = invoices.find((i) => i.status === 'open') ?? invoices[0];
  assert.ok(inv, `customer ${id} has an invoice`);
  return inv.id;
};
/** A card newly attached to the customer in Stripe (Stripe's test card), so every cell has one to act on. */
async function freshCardOf(id: string): Promise<string> {
  const cus = t.sims.data.customers.find((c) => c.crmId === id)!.stripeCustomerId;
  const res = await fetch(`${t.sims.urls.stripe}/v1/payment_methods/pm_card_visa/attach`, {
    method: 'POST',
    headers: { authorization: `Bearer ${t.sims.credentials.stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ customer: cus }).toString(),
  });
  assert.equal(res.status, 200);
  return ((await res.json()) as { id: string }).id;
}
/** The customer's subscription and a plan of the same interval it is not on (read from Stripe: each cell that changes it moves it on). */
async function planChangeOf(id: string): Promise<{ p: string; s: string }> {
  const sub = t.sims.data.customers.find((c) => c.crmId === id)!.subscription!;
  const headers = { authorization: `Bearer ${t.sims.credentials.stripeSecretKey}` };
  const now = (await (await fetch(`${t.sims.urls.stripe}/v1/subscriptions/${sub.id}`, { headers })).json()) as any;
  const prices = (await (await fetch(`${t.sims.urls.stripe}/v1/prices?active=true&type=recurring`, { headers })).json()) as any;
  const price = now.items.data[0].price;
  const other = prices.data.find((p: any) => p.id !== price.id && p.recurring.interval === price.recurring.interval);
  assert.ok(other, `a plan for customer ${id} to change to`);
  return { p: other.id, s: sub.id };
}
const WRITE_MUTATIONS = {
  openTicket: {
    q: 'mutation($id: ID!) { openTicket(input: { subject: "Matrix", body: "Cell", customerId: $id }) { id } }',
    vars: (id: string) => ({ id }),
    pick: (d: any) => d?.openTicket?.id,
    scope: 'support.tickets:write',
  },
  addTicketComment: {
    q: 'mutation($t: ID!) { addTicketComment(ticketId: $t, body: "Cell") { id } }',
    vars: (id: string) => ({ t: ticketOf(id) }),
    pick: (d: any) => d?.addTicketComment?.id,
    scope: 'support.tickets:write',
  },
  requestDocumentUpload: {
    q: 'mutation($id: ID!) { requestDocumentUpload(input: { name: "x.txt", contentType: "text/plain", size: 3, customerId: $id }) { id } }',
    vars: (id: string) => ({ id }),
    pick: (d: any) => d?.requestDocumentUpload?.id,
    scope: 'files.documents:write',
  },
  confirmDocumentUpload: {
    q: 'mutation($u: ID!) { confirmDocumentUpload(id: $u) { id } }',
    vars: (id: string) => ({ u: uploadIdOf(id) }),
    pick: () => undefined,
    scope: 'files.documents:write',
  },
  cancelSubscription: {
    q: 'mutation($id: ID!) { cancelSubscription(customerId: $id) { id } }',
    vars: (id: string) => ({ id }),
    pick: (d: any) => d?.cancelSubscription?.id,
    scope: 'billing.subscription:write',
  },
  resumeSubscription: {
    q: 'mutation($id: ID!) { resumeSubscription(customerId: $id) { id } }',
    vars: (id: string) => ({ id }),
    pick: (d: any) => d?.resumeSubscription?.id,
    scope: 'billing.subscription:write',
  },
  updateBillingDetails: {
    q: 'mutation($id: ID!) { updateBillingDetails(input: { address: { line1: "1 Rue X", city: "Paris", country: "FR" }, customerId: $id }) { __typename } }',
    vars: (id: string) => ({ id }),
    // Only the type: a write-only partner may set the details without reading the account back.
    pick: (d: any) => d?.updateBillingDetails?.__typename,
    scope: 'billing.details:write',
  },
  payInvoice: {
    q: 'mutation($i: ID!) { payInvoice(id: $i) { id } }',
    vars: (id: string) => ({ i: invoiceOf(id) }),
    pick: (d: any) => d?.payInvoice?.id,
    scope: 'billing.invoices:pay',
  },
  startPaymentMethodSetup: {
    q: 'mutation($id: ID!) { startPaymentMethodSetup(customerId: $id) { id } }',
    vars: (id: string) => ({ id }),
    pick: (d: any) => d?.startPaymentMethodSetup?.id,
    scope: 'billing.payment_methods:write',
  },
  setDefaultPaymentMethod: {
    q: 'mutation($p: ID!) { setDefaultPaymentMethod(id: $p) { __typename } }',
    vars: async (id: string) => ({ p: await freshCardOf(id) }),
    pick: (d: any) => d?.setDefaultPaymentMethod?.__typename,
    scope: 'billing.payment_methods:write',
  },
  removePaymentMethod: {
    q: 'mutation($p: ID!) { removePaymentMethod(id: $p) { __typename } }',
    vars: async (id: string) => ({ p: await freshCardOf(id) }),
    pick: (d: any) => d?.removePaymentMethod?.__typename,
    scope: 'billing.payment_methods:write',
  },
  changeSubscriptionPlan: {
    q: 'mutation($p: ID!, $s: ID) { changeSubscriptionPlan(planId: $p, subscriptionId: $s) { id } }',
    vars: planChangeOf,
    pick: (d: any) => d?.changeSubscriptionPlan?.id,
    scope: 'billing.subscription:change_plan',
  },
  updateTicket: {
    q: 'mutation($t: ID!) { updateTicket(id: $t, input: { tags: ["matrix"] }) { id } }',
    vars: (id: string) => ({ t: ticketOf(id) }),
    pick: (d: any) => d?.updateTicket?.id,
    scope: 'support.tickets:manage',
  },
  // Sign-up: only a customer token that names no customer yet (register-customer.test.ts); every caller here is refused.
  registerCustomer: {
    q: 'mutation($id: String) { registerCustomer(input: { name: "Matrix Person", company: $id }) { customerId } }',
    vars: (id: string) => ({ id }),
    pick: (d: any) => d?.registerCustomer?.customerId,
    scope: 'self:register',
  },
} as const;
type WriteMutation = keyof typeof WRITE_MUTATIONS;
const WRITE_SCOPES = [
  'support.tickets:write',
  'files.documents:write',
  'billing.subscription:write',
  'billing.details:write',
  'billing.invoices:pay',
  'support.tickets:manage',
  'billing.payment_methods:write',
  'billing.subscription:change_plan',
] as const;
const WRITE_MUTATION_USERS: Record<string, Record<WriteMutation, Outcome>> = {
  anonymous: Object.fromEntries(Object.keys(WRITE_MUTATIONS).map((m) => [m, 'UNAUTHENTICATED'])) as Record<WriteMutation, Outcome>,
  // Customers may do every write on their own record but one: updating tickets is for support staff.
  customerOwn: {
    ...(Object.fromEntries(Object.keys(WRITE_MUTATIONS).map((m) => [m, 'data'])) as Record<WriteMutation, Outcome>),
    updateTicket: 'FORBIDDEN',
    // A token naming its customer is one already.
    registerCustomer: 'FORBIDDEN',
  },
  customerForeign: Object.fromEntries(Object.keys(WRITE_MUTATIONS).map((m) => [m, 'FORBIDDEN'])) as Record<WriteMutation, Outcome>,
  agent: {
    openTicket: 'data',
    addTicketComment: 'data',
    requestDocumentUpload: 'data',
    confirmDocumentUpload: 'data',
    cancelSubscription: 'FORBIDDEN',
    resumeSubscription: 'FORBIDDEN',
    updateBillingDetails: 'FORBIDDEN',
    payInvoice: 'FORBIDDEN',
    startPaymentMethodSetup: 'FORBIDDEN',
    setDefaultPaymentMethod: 'FORBIDDEN',
    removePaymentMethod: 'FORBIDDEN',
    changeSubscriptionPlan: 'FORBIDDEN',
    updateTicket: 'data',
    registerCustomer: 'FORBIDDEN',
  },
  admin: {
    ...(Object.fromEntries(Object.keys(WRITE_MUTATIONS).map((m) => [m, 'data'])) as Record<WriteMutation, Outcome>),
    registerCustomer: 'FORBIDDEN',
  },
};

/** Writes the simulators received (reads to check ownership may precede a refusal; writes may not). */
function upstreamWrites(): number {
  const z = t.sims.stats('zendesk').byRoute;
  const s = t.sims.stats('stripe').byRoute;
  const f = t.sims.stats('s3').byRoute;
  return (
    (z['POST /api/v2/tickets'] ?? 0) +
    (z['PUT /api/v2/tickets/{id}'] ?? 0) +
    (s['POST /v1/subscriptions/{id}'] ?? 0) +
    (s['DELETE /v1/subscriptions/{id}'] ?? 0) +
    (s['POST /v1/customers/{id}'] ?? 0) +
    (s['POST /v1/customers/{id}/tax_ids'] ?? 0) +
    (s['DELETE /v1/customers/{id}/tax_ids/{taxId}'] ?? 0) +
    (s['POST /v1/invoices/{id}/pay'] ?? 0) +
    (s['POST /v1/setup_intents'] ?? 0) +
    (s['POST /v1/payment_methods/{id}/detach'] ?? 0) +
    (s['POST /v1/customers'] ?? 0) +
    (z['POST /api/v2/users/create_or_update'] ?? 0) +
    (t.sims.stats('hubspot').byRoute['POST /crm/v3/objects/contacts'] ?? 0) +
    (f.PutObject ?? 0) +
    (f.DeleteObject ?? 0) +
    (f.PostObject ?? 0)
  );
}

async function writeMutationCell(m: WriteMutation, token: string | undefined, id: string) {
  const g = WRITE_MUTATIONS[m];
  // Before the counts start: a cell's fixture (a card to remove) is not the mutation's call.
  const variables = await g.vars(id);
  t.sims.resetStats();
  const res = await t.gql(g.q, { token, variables });
  const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
  const value = g.pick(res.body.data);
  // Authorized: the data, or (confirming an upload never made) S3's answer that there is none.
  const outcome: Outcome | 'mixed' =
    (value !== null && value !== undefined && codes.length === 0) ||
    (m === 'confirmDocumentUpload' && codes[0] === 'NOT_FOUND') ||
    (m === 'payInvoice' && codes[0] === 'BAD_USER_INPUT' && res.body.errors?.[0]?.extensions?.argument === 'id')
      ? 'data'
      : codes.length === 1
        ? (codes[0] as Outcome)
        : 'mixed';
  return {
    outcome,
    writes: upstreamWrites(),
    calls: t.sims.stats('zendesk').total + t.sims.stats('stripe').total + t.sims.stats('s3').total,
    res,
  };
}

let cells = 0;
describe('matrix: ticket, document and subscription mutations', () => {
  for (const [who, row] of Object.entries(WRITE_MUTATION_USERS)) {
    for (const m of Object.keys(row) as WriteMutation[]) {
      test(`${who} / ${m} -> ${row[m]}`, async () => {
        const token =
          who === 'anonymous' ? undefined : who.startsWith('customer') ? t.token('customer', '1001') : t.token(who as 'agent' | 'admin');
        const id = who === 'customerOwn' ? '1001' : '1002';
        const { outcome, writes, calls, res } = await writeMutationCell(m, token, id);
        cells++;
        assert.equal(outcome, row[m], JSON.stringify(res.body));
        if (row[m] !== 'data') assert.equal(writes, 0, `denied ${m} still wrote upstream`);
        // Refused by scope (or no token): not even a read went out.
        if (who === 'anonymous' || (who === 'agent' && row[m] !== 'data') || (who === 'customerOwn' && row[m] !== 'data'))
          assert.equal(calls, 0);
        if (row[m] === 'UNAUTHENTICATED') assert.equal(res.status, 401);
      });
    }
  }
  for (const scope of [...DATA_SCOPES, ...WRITE_SCOPES]) {
    for (const m of Object.keys(WRITE_MUTATIONS) as WriteMutation[]) {
      const expected: Outcome = WRITE_MUTATIONS[m].scope === scope ? 'data' : 'FORBIDDEN';
      test(`partner [${scope}] / ${m} -> ${expected}`, async () => {
        const { token } = await mintPartner([scope]);
        const { outcome, writes, calls, res } = await writeMutationCell(m, token, '1002');
        cells++;
        assert.equal(outcome, expected, JSON.stringify(res.body));
        if (expected !== 'data') {
          assert.equal(writes, 0, `denied ${m} still wrote upstream`);
          assert.equal(calls, 0, `denied ${m} still called upstream`);
        }
      });
    }
  }
  test('a partner allow-list limits which customers a write reaches, with no write', async () => {
    const { token } = await mintPartner([...WRITE_SCOPES], ['1003']);
    for (const m of Object.keys(WRITE_MUTATIONS) as WriteMutation[]) {
      const { outcome, writes, res } = await writeMutationCell(m, token, '1002');
      assert.equal(outcome, 'FORBIDDEN', `${m}: ${JSON.stringify(res.body)}`);
      assert.equal(writes, 0);
    }
  });
});

describe('matrix: users', () => {
  for (const [who, row] of Object.entries(USERS)) {
    for (const group of Object.keys(row) as Group[]) {
      test(`${who} / ${group} -> ${row[group]}`, async () => {
        const token =
          who === 'anonymous' ? undefined : who.startsWith('customer') ? t.token('customer', '1001') : t.token(who as 'agent' | 'admin');
        const id = who === 'customerForeign' ? '1002' : who === 'customerOwn' ? '1001' : '1002';
        const { outcome, calls, res } = await cell(group, token, id);
        cells++;
        assert.equal(outcome, row[group], JSON.stringify(res.body));
        if (row[group] !== 'data') assert.equal(calls, 0, `denied ${group} still called ${GROUPS[group].system}`);
        if (row[group] === 'UNAUTHENTICATED') assert.equal(res.status, 401);
      });
    }
  }
});

describe('matrix: partners', () => {
  // One partner per data scope: each is the "with" case of its scope and the "without" case of every other.
  for (const scope of [...DATA_SCOPES, ...WRITE_SCOPES]) {
    for (const group of Object.keys(GROUPS) as Group[]) {
      const expected: Outcome = OPENED_BY[group] === scope ? 'data' : 'FORBIDDEN';
      test(`partner [${scope}] / ${group} -> ${expected}`, async () => {
        const { token } = await mintPartner([scope]);
        const { outcome, calls, res } = await cell(group, token, '1002');
        cells++;
        assert.equal(outcome, expected, JSON.stringify(res.body));
        // customer(id) reads the CRM contact before nested fields are decided; other denied systems see no call.
        if (expected !== 'data' && GROUPS[group].system !== 'hubspot')
          assert.equal(calls, 0, `denied ${group} still called ${GROUPS[group].system}`);
      });
    }
  }
});

/** Contact mutations: who may write which customer's contact, and no HubSpot write when denied. */
const MUTATIONS = {
  updateMyContact: {
    q: 'mutation { updateMyContact(input: { company: "Matrix Co" }) { id } }',
    pick: (d: any) => d?.updateMyContact?.id,
  },
  updateContact: {
    // Only the id: a write-only partner may change the contact without reading it back.
    q: 'mutation($id: ID!) { updateContact(id: $id, input: { company: "Matrix Co" }) { id } }',
    pick: (d: any) => d?.updateContact?.id,
  },
} as const;
type MutationName = keyof typeof MUTATIONS;
const MUTATION_USERS: Record<string, Record<MutationName, Outcome>> = {
  anonymous: { updateMyContact: 'UNAUTHENTICATED', updateContact: 'UNAUTHENTICATED' },
  customerOwn: { updateMyContact: 'data', updateContact: 'data' },
  // A customer token naming another customer's id (updateMyContact takes no id: it is always the own record).
  customerForeign: { updateMyContact: 'data', updateContact: 'FORBIDDEN' },
  agent: { updateMyContact: 'FORBIDDEN', updateContact: 'data' },
  admin: { updateMyContact: 'FORBIDDEN', updateContact: 'data' },
};
const hubspotWrites = () => crmWrites(t.sims);

async function mutationCell(m: MutationName, token: string | undefined, id: string) {
  t.sims.resetStats();
  const res = await t.gql(MUTATIONS[m].q, { token, variables: m === 'updateContact' ? { id } : undefined });
  const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
  const value = MUTATIONS[m].pick(res.body.data);
  const outcome: Outcome | 'mixed' =
    typeof value === 'string' && codes.length === 0 ? 'data' : codes.length === 1 ? (codes[0] as Outcome) : 'mixed';
  return { outcome, writes: hubspotWrites(), res };
}

describe('matrix: contact mutations', () => {
  for (const [who, row] of Object.entries(MUTATION_USERS)) {
    for (const m of Object.keys(row) as MutationName[]) {
      test(`${who} / ${m} -> ${row[m]}`, async () => {
        const token =
          who === 'anonymous' ? undefined : who.startsWith('customer') ? t.token('customer', '1001') : t.token(who as 'agent' | 'admin');
        const id = who === 'customerForeign' ? '1002' : who === 'customerOwn' ? '1001' : '1002';
        const { outcome, writes, res } = await mutationCell(m, token, id);
        cells++;
        assert.equal(outcome, row[m], JSON.stringify(res.body));
        assert.equal(writes, row[m] === 'data' ? 1 : 0, `HubSpot writes for ${who} / ${m}`);
        if (row[m] === 'UNAUTHENTICATED') assert.equal(res.status, 401);
      });
    }
  }
  for (const scope of DATA_SCOPES) {
    for (const m of Object.keys(MUTATIONS) as MutationName[]) {
      // A partner is never a customer: updateMyContact is FORBIDDEN whatever its scopes.
      const expected: Outcome = m === 'updateContact' && scope === 'crm.contacts:write' ? 'data' : 'FORBIDDEN';
      test(`partner [${scope}] / ${m} -> ${expected}`, async () => {
        const { token } = await mintPartner([scope]);
        const { outcome, writes, res } = await mutationCell(m, token, '1002');
        cells++;
        assert.equal(outcome, expected, JSON.stringify(res.body));
        assert.equal(writes, expected === 'data' ? 1 : 0);
      });
    }
  }
  test('partner [crm.contacts:write] limited to other customers / updateContact -> FORBIDDEN, no HubSpot call', async () => {
    const { token } = await mintPartner(['crm.contacts:write', 'crm.contacts:read'], ['1003']);
    const { outcome, res } = await mutationCell('updateContact', token, '1002');
    assert.equal(outcome, 'FORBIDDEN', JSON.stringify(res.body));
    assert.equal(upstreamCalls(t.sims).crm, 0);
    assert.equal((await mutationCell('updateContact', token, '1003')).outcome, 'data');
  });
});

describe('partner tokens', () => {
  test('only what the scopes allow; the rest of the response is still served', async () => {
    const { token } = await mintPartner(['billing.invoices:read', 'crm.contacts:read']);
    const res = await t.gql(
      `{ customer(id: "1002") { name billing { invoices(first: 2) { totalCount } paymentMethods { last4 } } tickets { nodes { id } } } }`,
      { token },
    );
    assert.equal(typeof res.body.data.customer.name, 'string');
    assert.equal(typeof res.body.data.customer.billing.invoices.totalCount, 'number');
    assert.equal(res.body.data.customer.billing.paymentMethods, null);
    assert.equal(res.body.data.customer.tickets, null);
    assert.deepEqual(res.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]).sort(), [
      ['customer.billing.paymentMethods', 'FORBIDDEN'],
      ['customer.tickets', 'FORBIDDEN'],
    ]);
  });

  test('a customer allow-list limits which customers a partner reaches', async () => {
    const { token } = await mintPartner(['crm.contacts:read'], ['1003']);
    assert.equal((await t.gql(`{ customer(id: "1003") { id } }`, { token })).body.data.customer.id, '1003');
    const denied = await t.gql(`{ customer(id: "1002") { id } }`, { token });
    assert.equal(denied.body.data.customer, null);
    assert.equal(denied.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  test('revocation takes effect on the next request', async () => {
    const { token, id } = await mintPartner(['crm.contacts:read']);
    assert.equal((await t.gql(`{ customer(id: "1002") { id } }`, { token })).status, 200);
    const revoked = await t.gql(`mutation($id: ID!) { revokePartnerToken(id: $id) { id revokedAt } }`, {
      token: t.token('admin'),
      variables: { id },
    });
    assert.ok(revoked.body.data.revokePartnerToken.revokedAt);
    const after = await t.gql(`{ customer(id: "1002") { id } }`, { token });
    assert.equal(after.status, 401);
    assert.equal(after.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
  });

  test('a partner token re-labelled as a user token, or with tampered scopes, is refused', async () => {
    const { token } = await mintPartner(['crm.contacts:read']);
    const [h, p, s] = token.split('.') as [string, string, string];
    const asUser = `${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(h, 'base64url').toString()), typ: 'JWT' })).toString('base64url')}.${p}.${s}`;
    const moreScopes = `${h}.${Buffer.from(JSON.stringify({ ...JSON.parse(Buffer.from(p, 'base64url').toString()), scope: 'billing.payment_methods:read' })).toString('base64url')}.${s}`;
    for (const forged of [asUser, moreScopes]) {
      const res = await t.gql(`{ customer(id: "1002") { id } }`, { token: forged });
      assert.equal(res.status, 401);
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UNAUTHENTICATED');
    }
  });

  test('a token minted with the partner secret but unknown to the store is refused', async () => {
    const stray = jwt.sign({}, 'portico-dev-only-partner-secret-0000000000', {
      algorithm: 'HS256',
      jwtid: 'ptn_unknown',
      issuer: 'portico',
      audience: 'portico-partner',
      expiresIn: 600,
      header: { alg: 'HS256', typ: 'portico-partner+jwt' },
    });
    const res = await t.gql(`{ customer(id: "1002") { id } }`, { token: stray });
    assert.equal(res.status, 401);
  });

  test('minting rejects unknown scopes and admin scopes, naming the valid ones', async () => {
    for (const scopes of [['billing.everything'], ['admin:partners']]) {
      const res = await t.gql(`mutation($i: CreatePartnerTokenInput!) { createPartnerToken(input: $i) { token } }`, {
        token: t.token('admin'),
        variables: { i: { name: 'x', scopes } },
      });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
      assert.match(res.body.errors?.[0]?.message ?? '', /billing\.invoices:read/);
    }
  });

  test('only admins mint partner tokens', async () => {
    const res = await t.gql(`mutation { createPartnerToken(input: { name: "x", scopes: ["crm.contacts:read"] }) { token } }`, {
      token: t.token('agent'),
    });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(res.body.data, null);
  });
});

describe('ownership by every path', () => {
  test('aliases: the own record is served, the foreign one is FORBIDDEN in the same response', async () => {
    t.sims.resetStats();
    const res = await t.gql(
      `{ mine: customer(id: "1001") { name } theirs: customer(id: "1002") { name billing { balance } } again: me { id } }`,
      { token: t.token('customer', '1001') },
    );
    assert.equal(res.body.data.mine.name, 'Ada Lovelace');
    assert.equal(res.body.data.theirs, null);
    assert.equal(res.body.data.again.id, '1001');
    assert.deepEqual(
      res.body.errors?.map((e) => [e.path?.join('.'), e.extensions?.code]),
      [['theirs', 'FORBIDDEN']],
    );
    assert.equal(t.sims.stats('stripe').total, 0);
  });

  test('_entities is not part of the public API', async () => {
    const res = await t.gql(`{ _entities(representations: [{ __typename: "Customer", id: "1002" }]) { ... on Customer { id } } }`, {
      token: t.token('customer', '1001'),
    });
    assert.equal(res.status, 400);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'GRAPHQL_VALIDATION_FAILED');
  });

  test('a cursor from another query cannot widen what a customer reaches', async () => {
    const staff = await t.gql(`{ customers(first: 5) { pageInfo { endCursor } } }`, { token: t.token('agent') });
    const cursor = staff.body.data.customers.pageInfo.endCursor;
    const res = await t.gql(`query($c: String) { me { id billing { invoices(first: 2, after: $c) { nodes { id } } } } }`, {
      token: t.token('customer', '1001'),
      variables: { c: cursor },
    });
    // The cursor only moves within the customer's own invoices.
    assert.equal(res.body.data.me.id, '1001');
    const own = t.sims.data.customers[0].invoices.map((i) => i.id);
    const nodes = res.body.data.me.billing.invoices.nodes as { id: string }[];
    assert.ok(own.length >= 1 && nodes.length >= 1, 'the customer has invoices and the page is not empty');
    for (const n of nodes) assert.ok(own.includes(n.id), `${n.id} is not one of ${own.join(', ')}`);
  });
});

/** planChangePreview: a read of one customer's subscription (its owner read from Stripe decides), opened by billing.summary:read. */
const PREVIEW_USERS: Record<string, Outcome> = {
  anonymous: 'UNAUTHENTICATED',
  customerOwn: 'data',
  customerForeign: 'FORBIDDEN',
  agent: 'data',
  admin: 'data',
};
async function previewCell(token: string | undefined, id: string) {
  const variables = await planChangeOf(id);
  t.sims.resetStats();
  const res = await t.gql('query($p: ID!, $s: ID) { planChangePreview(planId: $p, subscriptionId: $s) { prorationAmount } }', {
    token,
    variables,
  });
  const codes = (res.body.errors ?? []).map((e) => e.extensions?.code);
  const value = res.body.data?.planChangePreview?.prorationAmount;
  const outcome: Outcome | 'mixed' =
    typeof value === 'number' && codes.length === 0 ? 'data' : codes.length === 1 ? (codes[0] as Outcome) : 'mixed';
  const stripe = t.sims.stats('stripe');
  return { outcome, calls: stripe.total, previews: stripe.byRoute['POST /v1/invoices/create_preview'] ?? 0, res };
}
describe('matrix: plan change previews', () => {
  for (const [who, expected] of Object.entries(PREVIEW_USERS)) {
    test(`${who} / planChangePreview -> ${expected}`, async () => {
      const token =
        who === 'anonymous' ? undefined : who.startsWith('customer') ? t.token('customer', '1001') : t.token(who as 'agent' | 'admin');
      const { outcome, calls, previews, res } = await previewCell(token, who === 'customerOwn' ? '1001' : '1002');
      cells++;
      assert.equal(outcome, expected, JSON.stringify(res.body));
      // Another customer's subscription: its owner is read, nothing is previewed.
      if (expected !== 'data') assert.equal(previews, 0);
      if (expected === 'UNAUTHENTICATED') assert.equal(calls, 0);
    });
  }
  for (const scope of [...DATA_SCOPES, ...WRITE_SCOPES]) {
    const expected: Outcome = scope === 'billing.summary:read' ? 'data' : 'FORBIDDEN';
    test(`partner [${scope}] / planChangePreview -> ${expected}`, async () => {
      const { token } = await mintPartner([scope]);
      const { outcome, calls, res } = await previewCell(token, '1002');
      cells++;
      assert.equal(outcome, expected, JSON.stringify(res.body));
      if (expected !== 'data') assert.equal(calls, 0, 'refused by scope: no Stripe call');
    });
  }
  test('a partner allow-list limits whose subscription it previews', async () => {
    const { token } = await mintPartner(['billing.summary:read'], ['1003']);
    const { outcome, previews, res } = await previewCell(token, '1002');
    assert.equal(outcome, 'FORBIDDEN', JSON.stringify(res.body));
    assert.equal(previews, 0);
  });
});

test('the matrix ran every cell of its tables', () => {
  const rows = (table: Record<string, Record<string, Outcome>>) => Object.values(table).reduce((n, row) => n + Object.keys(row).length, 0);
  const scopes = DATA_SCOPES.length + WRITE_SCOPES.length;
  const expected =
    rows(WRITE_MUTATION_USERS) +
    scopes * Object.keys(WRITE_MUTATIONS).length +
    rows(USERS) +
    scopes * Object.keys(GROUPS).length +
    rows(MUTATION_USERS) +
    DATA_SCOPES.length * Object.keys(MUTATIONS).length +
    Object.keys(PREVIEW_USERS).length +
    scopes;
  // Five callers by nine groups, sixteen scopes by nine groups, and the mutation and preview rows: a
  // table that lost a row or a loop that stopped early shows here, not only in a log line.
  assert.ok(rows(USERS) === 5 * 9 && scopes === 16, `${rows(USERS)} user cells, ${scopes} scopes`);
  assert.equal(cells, expected);
});
