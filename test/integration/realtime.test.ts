/**
 * Subscriptions over WebSocket (a real Apollo Client 4 with GraphQLWsLink) and SSE (a real
 * graphql-sse client), triggered by the simulators' own signed webhooks: every push is the
 * subscriber's selection read again as the subscriber, and never reaches a principal that may not see it.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, test } from 'node:test';
import { ApolloClient, InMemoryCache, gql } from '@apollo/client';
import { GraphQLWsLink } from '@apollo/client/link/subscriptions';
import { addTypenameToDocument } from '@apollo/client/utilities';
import { print } from 'graphql';
import { createClient as createWsClient, type Client as WsClient } from 'graphql-ws';
import { createClient as createSseClient } from 'graphql-sse';
import WebSocket from 'ws';

// Node 20 has no global WebSocket (22 has): Apollo's link tells close events from errors by it, as in a browser.
(globalThis as { WebSocket?: unknown }).WebSocket ??= WebSocket;
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, TEST_CRM, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { SECRETS, WEBHOOK_ENV, waitFor } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'rt',
      ...WEBHOOK_ENV,
      REALTIME_COALESCE_MS: '100',
      TRUSTED_DOCUMENTS: 'partners',
      // Its CRM write after a payment (contact ACTIVE) is a second change of the same customer, which can
      // fold into the payment's push (the reason is then the CRM's): the payment pushes below stand alone.
      AUTOMATION_PAYMENT_SUCCEEDED: 'false',
      // Every push reads its systems (no record cache): a CRM failing reaches the push read below.
      CACHE_ENABLED: 'false',
    },
  });
  sims.webhooks.configure({
    stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] },
    hubspot: { url: `${t.url}/webhooks/hubspot`, clientSecret: SECRETS.hubspot },
    zendesk: { url: `${t.url}/webhooks/zendesk`, secret: SECRETS.zendesk },
  });
});
after(async () => {
  await t.close();
  await sims.close();
  await redis.stop();
});

interface Received {
  pushes: { data?: any; errors?: any[] }[];
  error?: unknown;
  done: boolean;
  stop(): void;
}

/** A WebSocket subscriber: graphql-ws client under Apollo Client 4's GraphQLWsLink. */
function apollo(app: TestApp, token: string | undefined) {
  const closes: { code: number; reason: string }[] = [];
  const ws: WsClient = createWsClient({
    url: `${app.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: token ? { authorization: `Bearer ${token}` } : {},
    retryAttempts: 0,
    on: { closed: (e) => closes.push({ code: (e as { code: number }).code, reason: (e as { reason: string }).reason }) },
  });
  const client = new ApolloClient({ link: new GraphQLWsLink(ws), cache: new InMemoryCache() });
  return {
    closes,
    subscribe(query: string, variables?: Record<string, unknown>): Received {
      const r: Received = { pushes: [], done: false, stop: () => sub.unsubscribe() };
      const sub = client.subscribe({ query: gql(query), variables, fetchPolicy: 'no-cache', errorPolicy: 'all' }).subscribe({
        next: (v) => {
          // Apollo Client 4 hands a refused subscription to `next` as an error (errorPolicy: all).
          if (v.data === undefined && v.error) r.error = v.error;
          else r.pushes.push({ data: v.data, errors: (v.error as { errors?: any[] } | undefined)?.errors });
        },
        error: (e) => ((r.error = e), (r.done = true)),
        complete: () => (r.done = true),
      });
      return r;
    },
    async close() {
      await ws.dispose();
    },
  };
}

/** An SSE subscriber: the graphql-sse client, distinct connections. */
function sse(app: TestApp, token: string, query: string, variables?: Record<string, unknown>): Received {
  const client = createSseClient({
    url: `${app.url}/graphql/stream`,
    headers: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
  });
  const r: Received = { pushes: [], done: false, stop: () => (unsubscribe(), client.dispose()) };
  const unsubscribe = client.subscribe(
    { query, variables },
    {
      next: (v) => r.pushes.push(v as Received['pushes'][number]),
      error: (e) => ((r.error = e), (r.done = true)),
      complete: () => (r.done = true),
    },
  );
  return r;
}

const payInvoice = async (id: string) => {
  const res = await fetch(`${sims.urls.stripe}/v1/invoices/${id}/pay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` },
  });
  assert.equal(res.status, 200);
};

const setPhone = async (id: string, phone: string) => {
  const res = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { phone } }),
  });
  assert.equal(res.status, 200);
};

const pushesOf = async (outcome: string) => {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(new RegExp(`portico_realtime_pushes_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
};

const INVOICES = `subscription Mine { customerChanged { reason { system type at } customer { id billing { invoices(first: 10) { nodes { id status } } } } } }`;

describe('WebSocket (Apollo Client 4, GraphQLWsLink)', () => {
  test('a customer gets its state when subscribed, then the state after an invoice paid in Stripe; another customer gets nothing', async () => {
    const c = sims.data.customers.find((x) => x.crmId === '1003')!;
    const open = c.invoices.find((i) => i.status === 'open')!;
    const mine = apollo(t, t.token('customer', '1003'));
    const theirs = apollo(t, t.token('customer', '1005'));
    try {
      const a = mine.subscribe(INVOICES);
      const b = theirs.subscribe(INVOICES);
      await waitFor('both first pushes', () => a.pushes.length === 1 && b.pushes.length === 1);
      const first = a.pushes[0].data.customerChanged;
      assert.equal(a.pushes[0].errors, undefined);
      assert.deepEqual({ system: first.reason.system, type: first.reason.type }, { system: 'portico', type: 'subscribed' });
      assert.equal(first.customer.id, '1003');
      assert.equal(first.customer.billing.invoices.nodes.find((n: { id: string }) => n.id === open.id).status, 'OPEN');
      assert.equal(b.pushes[0].data.customerChanged.customer.id, '1005');

      // Another customer's change reaches its own subscriber only.
      await setPhone('1005', '+1 555 0105');
      await waitFor("1005's own push", () => b.pushes.length === 2);
      assert.equal(b.pushes[1].data.customerChanged.reason.type, 'contact.propertyChange');
      assert.equal(b.pushes[1].data.customerChanged.customer.id, '1005');

      await payInvoice(open.id);
      await waitFor('the push after the payment', () => a.pushes.length >= 2);
      // The next push 1003 gets is its own payment's (1005's change, before it, gave it none).
      const pushed = a.pushes[1].data.customerChanged;
      assert.deepEqual({ system: pushed.reason.system, type: pushed.reason.type }, { system: 'stripe', type: 'invoice.paid' });
      assert.match(pushed.reason.at, /^\d{4}-\d\d-\d\dT/);
      assert.equal(pushed.customer.billing.invoices.nodes.find((n: { id: string }) => n.id === open.id).status, 'PAID');
      assert.ok(a.pushes.every((p) => p.data.customerChanged.customer.id === '1003'));
      assert.ok(b.pushes.every((p) => p.data.customerChanged.customer.id === '1005'));
      a.stop();
      b.stop();
    } finally {
      await mine.close();
      await theirs.close();
    }
  });

  test('the CRM failing when a change comes: the push waits (no null state, nothing ends), then comes once the CRM answers', async () => {
    const used = new Set(['1001', '1002', '1003', '1004', '1005']);
    const c = sims.data.customers.find((x) => !used.has(x.crmId) && x.invoices.some((i) => i.status === 'open'))!;
    const open = c.invoices.find((i) => i.status === 'open')!;
    const ws = apollo(t, t.token('customer', c.crmId));
    try {
      const s = ws.subscribe(INVOICES);
      await waitFor('the first push', () => s.pushes.length === 1);
      const deferred = await pushesOf('deferred');
      const failed = await pushesOf('error');
      // The CRM (the customer itself) fails; billing, where the change happens, does not.
      sims.setFaults(TEST_CRM, { failureRate: 1 });
      try {
        await payInvoice(open.id);
        await waitFor('the push to be deferred', async () => (await pushesOf('deferred')) > deferred);
        assert.equal(s.pushes.length, 1, 'no push while the customer cannot be read');
        assert.equal(s.done, false, 'the subscription goes on');
        // Deferred again (a backoff of 1 s, then 2 s) while the CRM still fails.
        await waitFor('a second deferral', async () => (await pushesOf('deferred')) > deferred + 1);
        assert.equal(s.pushes.length, 1);
      } finally {
        sims.setFaults(TEST_CRM, {});
      }
      await waitFor('the push once the CRM answers', () => s.pushes.length === 2);
      const pushed = s.pushes[1];
      assert.equal(pushed.errors, undefined);
      assert.deepEqual(
        { system: pushed.data.customerChanged.reason.system, type: pushed.data.customerChanged.reason.type },
        { system: 'stripe', type: 'invoice.paid' },
      );
      assert.equal(pushed.data.customerChanged.customer.id, c.crmId);
      assert.equal(
        pushed.data.customerChanged.customer.billing.invoices.nodes.find((n: { id: string }) => n.id === open.id).status,
        'PAID',
      );
      assert.equal(await pushesOf('error'), failed, 'no push with the error was sent');
      assert.equal(s.done, false);
      s.stop();
    } finally {
      await ws.close();
    }
  });

  test("a customer naming another customer's id is refused FORBIDDEN, and gets none of its pushes", async () => {
    const ws = apollo(t, t.token('customer', '1002'));
    try {
      const forged = ws.subscribe(`subscription { customerChanged(id: "1001") { customer { id name phone } } }`);
      await waitFor('the refusal', () => forged.done);
      assert.equal(forged.pushes.length, 0);
      assert.equal((forged.error as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, 'FORBIDDEN');
      // A ticket of another customer, named with that customer's id: refused the same way.
      const ticket = ws.subscribe(`subscription { ticketChanged(id: "1", customerId: "1001") { ticket { id subject } } }`);
      await waitFor('the refusal', () => ticket.done);
      assert.equal((ticket.error as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, 'FORBIDDEN');
    } finally {
      await ws.close();
    }
  });

  test('no token, or a bad one: the connection closes with 4401', async () => {
    for (const token of [undefined, 'not-a-jwt']) {
      const ws = apollo(t, token);
      const r = ws.subscribe(INVOICES);
      await waitFor('the close', () => r.done);
      assert.equal(ws.closes[0]?.code, 4401, JSON.stringify(ws.closes));
      assert.match(ws.closes[0].reason, /^Unauthorized/);
      await ws.close();
    }
  });
});

describe('SSE (graphql-sse client)', () => {
  test('an agent follows a customer by id: the first push, then the state after a HubSpot contact change', async () => {
    const r = sse(
      t,
      t.token('agent'),
      `subscription($id: ID) { customerChanged(id: $id) { reason { system type } customer { id phone } } }`,
      {
        id: '1001',
      },
    );
    try {
      await waitFor('the first push', () => r.pushes.length === 1);
      assert.deepEqual(r.pushes[0].data.customerChanged.reason, { system: 'portico', type: 'subscribed' });
      await setPhone('1001', '+44 20 7946 0999');
      await waitFor('the push after the change', () => r.pushes.length === 2);
      assert.deepEqual(r.pushes[1].data.customerChanged, {
        reason: { system: 'hubspot', type: 'contact.propertyChange' },
        customer: { id: '1001', phone: '+44 20 7946 0999' },
      });
    } finally {
      r.stop();
    }
  });

  test('a customer naming another id is refused FORBIDDEN; staff must name the customer', async () => {
    const forged = sse(t, t.token('customer', '1002'), `subscription { customerChanged(id: "1001") { customer { id } } }`);
    await waitFor('the refusal', () => forged.done);
    assert.equal(forged.pushes.length, 1);
    assert.equal(forged.pushes[0].errors?.[0].extensions.code, 'FORBIDDEN');
    assert.equal(forged.pushes[0].data, null);
    const unnamed = sse(t, t.token('agent'), `subscription { customerChanged { customer { id } } }`);
    await waitFor('the refusal', () => unnamed.done);
    assert.equal(unnamed.pushes[0].errors?.[0].extensions.code, 'BAD_USER_INPUT');
  });

  test('no token: 401 before any stream', async () => {
    const res = await fetch(`${t.url}/graphql/stream`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: INVOICES }),
    });
    assert.equal(res.status, 401);
    assert.equal(((await res.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, 'UNAUTHENTICATED');
  });
});

const codeOf = (r: Received) => (r.error as { errors?: { extensions?: { code?: string } }[] } | undefined)?.errors?.[0]?.extensions?.code;

async function mintPartner(scopes: readonly string[], customerIds?: string[], operations?: string[]) {
  const res = await t.gql(`mutation($i: CreatePartnerTokenInput!) { createPartnerToken(input: $i) { token partnerToken { id } } }`, {
    token: t.token('admin'),
    variables: { i: { name: 'realtime', scopes, customerIds, ttlDays: 1, ...(operations ? { operations } : {}) } },
  });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return { token: res.body.data.createPartnerToken.token as string, id: res.body.data.createPartnerToken.partnerToken.id as string };
}

describe('every push is authorized as the subscriber', () => {
  test('a ticket: its state when subscribed, and again when solved in Zendesk', async () => {
    const ada = sims.data.customers.find((x) => x.crmId === '1001')!;
    const ticket = ada.tickets.find((x) => x.status === 'open')!;
    const ws = apollo(t, t.token('customer', '1001'));
    try {
      const r = ws.subscribe(`subscription($id: ID!) { ticketChanged(id: $id) { reason { system type } ticket { id status } } }`, {
        id: String(ticket.id),
      });
      await waitFor('the first push', () => r.pushes.length === 1);
      assert.deepEqual(r.pushes[0].data.ticketChanged.ticket, { __typename: 'Ticket', id: String(ticket.id), status: 'OPEN' });
      const auth = `Basic ${Buffer.from(`${sims.credentials.zendeskEmail}/token:${sims.credentials.zendeskApiToken}`).toString('base64')}`;
      const res = await fetch(`${sims.urls.zendesk}/api/v2/tickets/${ticket.id}`, {
        method: 'PUT',
        headers: { authorization: auth, 'content-type': 'application/json' },
        body: JSON.stringify({ ticket: { status: 'solved' } }),
      });
      assert.equal(res.status, 200);
      await waitFor('the push after the change', () => r.pushes.length === 2);
      assert.equal(r.pushes[1].data.ticketChanged.reason.system, 'zendesk');
      assert.equal(r.pushes[1].data.ticketChanged.ticket.status, 'SOLVED');
      // A ticket id that is not this customer's: NOT_FOUND, nothing pushed.
      const stranger = ws.subscribe(`subscription { ticketChanged(id: "99999999") { ticket { id } } }`);
      await waitFor('the refusal', () => stranger.done);
      assert.equal(codeOf(stranger), 'NOT_FOUND');
      r.stop();
    } finally {
      await ws.close();
    }
  });

  test("an agent's updateTicket through Portico is pushed to the customer following the ticket, with the new status and priority", async () => {
    const c = sims.data.customers.find((x) => x.crmId !== '1001' && x.tickets.some((k) => k.status === 'open'))!;
    const ticket = c.tickets.find((x) => x.status === 'open')!;
    const ws = apollo(t, t.token('customer', c.crmId));
    try {
      const r = ws.subscribe(`subscription($id: ID!) { ticketChanged(id: $id) { reason { system } ticket { id status priority } } }`, {
        id: String(ticket.id),
      });
      await waitFor('the first push', () => r.pushes.length === 1);
      assert.equal(r.pushes[0].data.ticketChanged.ticket.status, 'OPEN');
      const res = await t.gql(
        `mutation($id: ID!) { updateTicket(id: $id, input: { status: PENDING, priority: URGENT }) { status priority } }`,
        { token: t.token('agent', 'agent-1'), variables: { id: String(ticket.id) } },
      );
      assert.deepEqual(res.body, { data: { updateTicket: { status: 'PENDING', priority: 'URGENT' } } });
      await waitFor('the push after the update', () => r.pushes.length >= 2);
      const pushed = r.pushes.at(-1)!.data.ticketChanged;
      assert.equal(pushed.reason.system, 'zendesk');
      assert.deepEqual({ status: pushed.ticket.status, priority: pushed.ticket.priority }, { status: 'PENDING', priority: 'URGENT' });
      r.stop();
    } finally {
      await ws.close();
    }
  });

  test("an agent's push leaves out what its role may not read (payment methods), with FORBIDDEN on that field", async () => {
    const r = sse(
      t,
      t.token('agent'),
      `subscription { customerChanged(id: "1002") { customer { id billing { paymentMethods { last4 } } } } }`,
    );
    try {
      await waitFor('the first push', () => r.pushes.length === 1);
      assert.deepEqual(r.pushes[0].data.customerChanged.customer, { id: '1002', billing: { paymentMethods: null } });
      assert.equal(r.pushes[0].errors?.[0].extensions.code, 'FORBIDDEN');
      assert.deepEqual(r.pushes[0].errors?.[0].path, ['customerChanged', 'customer', 'billing', 'paymentMethods']);
    } finally {
      r.stop();
    }
  });

  test("a partner follows a ticket of a customer on its list (naming the customer); another customer's ticket is FORBIDDEN", async () => {
    const taken = new Set(['1001', '1002', '1003', '1004', '1005']);
    const withOpen = sims.data.customers.filter((x) => !taken.has(x.crmId) && x.tickets.some((k) => k.status === 'open'));
    const [c, other] = [withOpen[withOpen.length - 1], withOpen[withOpen.length - 2]];
    const ticket = c.tickets.find((k) => k.status === 'open')!;
    const theirs = other.tickets.find((k) => k.status === 'open')!;
    const doc = `subscription($id: ID!, $customer: ID!) { ticketChanged(id: $id, customerId: $customer) { reason { system type } ticket { id status } } }`;
    const hash = createHash('sha256')
      .update(print(addTypenameToDocument(gql(doc))))
      .digest('hex');
    const partner = await mintPartner(['support.tickets:read'], [c.crmId], [hash]);
    const ws = apollo(t, partner.token);
    try {
      const r = ws.subscribe(doc, { id: String(ticket.id), customer: c.crmId });
      await waitFor('the first push', () => r.pushes.length === 1);
      assert.deepEqual(r.pushes[0].data.ticketChanged.ticket, { __typename: 'Ticket', id: String(ticket.id), status: 'OPEN' });
      const zendeskCalls = sims.stats('zendesk').total;
      const refused = ws.subscribe(doc, { id: String(theirs.id), customer: other.crmId });
      await waitFor('the refusal', () => refused.done);
      assert.equal(codeOf(refused), 'FORBIDDEN');
      assert.equal(refused.pushes.length, 0);
      assert.equal(sims.stats('zendesk').total, zendeskCalls, 'refused before any Zendesk call');
      const res = await fetch(`${sims.urls.zendesk}/api/v2/tickets/${ticket.id}`, {
        method: 'PUT',
        headers: {
          authorization: `Basic ${Buffer.from(`${sims.credentials.zendeskEmail}/token:${sims.credentials.zendeskApiToken}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ ticket: { status: 'solved' } }),
      });
      assert.equal(res.status, 200);
      await waitFor('the push after the change', () => r.pushes.length === 2);
      assert.equal(r.pushes[1].data.ticketChanged.reason.system, 'zendesk');
      assert.deepEqual(r.pushes[1].data.ticketChanged.ticket, { __typename: 'Ticket', id: String(ticket.id), status: 'SOLVED' });
      assert.equal(r.pushes[1].errors, undefined);
      r.stop();
    } finally {
      await ws.close();
    }
  });

  test('a partner: within its allow-list it is pushed to; outside it, FORBIDDEN; revoked, the next push closes the connection with 4401', async () => {
    const doc = `subscription { customerChanged(id: "1004") { reason { type } customer { id name } } }`;
    // The text Apollo Client sends (it adds __typename), as a client's generated manifest would hold it.
    const hash = (d: string) =>
      createHash('sha256')
        .update(print(addTypenameToDocument(gql(d))))
        .digest('hex');
    const outside = `subscription { customerChanged(id: "1001") { reason { type } customer { id name } } }`;
    const partner = await mintPartner(['crm.contacts:read'], ['1004'], [hash(doc), hash(outside)]);
    const ws = apollo(t, partner.token);
    try {
      const r = ws.subscribe(doc);
      await waitFor('the first push', () => r.pushes.length === 1);
      assert.equal(r.pushes[0].data.customerChanged.customer.id, '1004');
      const refused = ws.subscribe(outside);
      await waitFor('the refusal', () => refused.done);
      assert.equal(codeOf(refused), 'FORBIDDEN');
      // A document not on the partner's list (trusted documents): refused before anything runs.
      const untrusted = ws.subscribe(`subscription { customerChanged(id: "1004") { customer { id email } } }`);
      await waitFor('the refusal', () => untrusted.done);
      assert.equal(codeOf(untrusted), 'PERSISTED_QUERY_NOT_FOUND');

      const revoke = await t.gql(`mutation($id: ID!) { revokePartnerToken(id: $id) { id } }`, {
        token: t.token('admin'),
        variables: { id: partner.id },
      });
      assert.equal(revoke.body.errors, undefined, JSON.stringify(revoke.body.errors));
      await setPhone('1004', '+1 555 0104');
      await waitFor('the close', () => ws.closes.length === 1);
      assert.equal(ws.closes[0].code, 4401);
      assert.equal(r.pushes.length, 1, 'nothing pushed after the revocation');
    } finally {
      await ws.close();
    }
  });
});
