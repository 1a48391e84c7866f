/**
 * `updateTicket` through the real app against the Zendesk simulator and a real Redis: support
 * staff set a ticket's status, priority, assignee and tags in one Zendesk write; the customer sees
 * the new status and priority on its next read; customers may not (FORBIDDEN, no Zendesk call);
 * bad input and Zendesk's own ticket rules are BAD_USER_INPUT naming the field; the same
 * Idempotency-Key twice writes once; a Zendesk outage reports nothing done; each leaves an audit entry.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { tapAudit, type TappedEntry } from '../helpers/audit-tap.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;
let entries: TappedEntry[] = [];

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  t = await startTestApp({ sims, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'writesticketupd' } });
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

const UPDATE = `mutation($id: ID!, $input: UpdateTicketInput!) { updateTicket(id: $id, input: $input) { id status priority assigneeId tags } }`;
const MY_TICKETS = `{ me { tickets(first: 100) { nodes { id status priority } } } }`;
const puts = () => sims.stats('zendesk').byRoute['PUT /api/v2/tickets/{id}'] ?? 0;
const agents = () => sims.data.agents;
/** A seeded ticket of this customer in one of these statuses. */
function ticketOf(crmId: string, statuses: string[]) {
  const c = sims.data.customers.find((x) => x.crmId === crmId)!;
  const ticket = c.tickets.find((x) => statuses.includes(x.status));
  assert.ok(ticket, `customer ${crmId} has a ticket in ${statuses.join('/')}`);
  return ticket;
}
/** A customer with a ticket in one of these statuses. */
function someTicket(statuses: string[], skip: readonly string[] = []) {
  const c = sims.data.customers.find((x) => !skip.includes(x.crmId) && x.tickets.some((tk) => statuses.includes(tk.status)))!;
  return { crmId: c.crmId, ticket: ticketOf(c.crmId, statuses) };
}
const zendeskTicket = async (id: number) => {
  const auth = `Basic ${Buffer.from(`${sims.credentials.zendeskEmail}/token:${sims.credentials.zendeskApiToken}`).toString('base64')}`;
  const res = await fetch(`${sims.urls.zendesk}/api/v2/tickets/${id}`, { headers: { authorization: auth } });
  return ((await res.json()) as { ticket: { status: string; priority: string | null; assignee_id: number | null; tags: string[] } }).ticket;
};

describe('updateTicket', () => {
  test('an agent sets status, priority, assignee and tags in one Zendesk write; the customer sees the change', async () => {
    const { crmId, ticket } = someTicket(['open', 'pending', 'hold']);
    const customer = t.token('customer', crmId);
    await t.gql(MY_TICKETS, { token: customer });
    await t.app.cache.settle();
    const assignee = agents()[1];
    sims.resetStats();
    const res = await t.gql(UPDATE, {
      token: t.token('agent', 'agent-1'),
      variables: {
        id: String(ticket.id),
        input: { status: 'SOLVED', priority: 'URGENT', assigneeId: String(assignee.id), tags: ['Billing', 'vip'] },
      },
    });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(res.body.data.updateTicket, {
      id: String(ticket.id),
      status: 'SOLVED',
      priority: 'URGENT',
      assigneeId: String(assignee.id),
      tags: ['billing', 'vip'],
    });
    assert.equal(puts(), 1);
    const z = await zendeskTicket(ticket.id);
    assert.deepEqual([z.status, z.priority, z.assignee_id, z.tags], ['solved', 'urgent', assignee.id, ['billing', 'vip']]);
    // Read-your-writes: the customer's cached ticket page was dropped.
    const mine = (await t.gql(MY_TICKETS, { token: customer })).body.data.me.tickets.nodes.find(
      (n: { id: string }) => n.id === String(ticket.id),
    );
    assert.deepEqual(mine, { id: String(ticket.id), status: 'SOLVED', priority: 'URGENT' });
    // Customers do not see the assignee or the tags.
    const peek = await t.gql(`{ me { tickets(first: 1) { nodes { tags } } } }`, { token: customer });
    assert.equal(peek.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const entry = entries.find((e) => e.action === 'ticket.update')!;
    assert.deepEqual(
      { customerId: entry.customerId, systems: entry.systems, fields: entry.fields, outcome: entry.outcome, kind: entry.actor.kind },
      { customerId: crmId, systems: ['zendesk'], fields: ['status', 'priority', 'assigneeId', 'tags'], outcome: 'ok', kind: 'user' },
    );
  });

  test('customers may not update tickets, even their own: FORBIDDEN, no call to Zendesk', async () => {
    const { crmId, ticket } = someTicket(['open', 'pending']);
    sims.resetStats();
    const res = await t.gql(UPDATE, {
      token: t.token('customer', crmId),
      variables: { id: String(ticket.id), input: { status: 'SOLVED' } },
    });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(sims.stats('zendesk').total, 0);
  });

  test('a partner reaches only tickets of customers in its allow-list: FORBIDDEN without a write', async () => {
    const { crmId, ticket } = someTicket(['open', 'pending']);
    const other = sims.data.customers.find((c) => c.crmId !== crmId)!.crmId;
    const mint = await t.gql(`mutation($input: CreatePartnerTokenInput!) { createPartnerToken(input: $input) { token } }`, {
      token: t.token('admin'),
      variables: { input: { name: 'desk-tool', scopes: ['support.tickets:manage'], customerIds: [other] } },
    });
    assert.equal(mint.body.errors, undefined, JSON.stringify(mint.body.errors));
    sims.resetStats();
    const res = await t.gql(UPDATE, {
      token: mint.body.data.createPartnerToken.token,
      variables: { id: String(ticket.id), input: { priority: 'LOW' } },
    });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(puts(), 0);
    assert.deepEqual(
      entries.filter((e) => e.action === 'ticket.update').map((e) => [e.customerId, e.outcome]),
      [[crmId, 'denied']],
    );
  });

  test('bad input is BAD_USER_INPUT naming the field, with no write', async () => {
    const { ticket } = someTicket(['open', 'pending']);
    const token = t.token('agent', 'agent-1');
    const endUser = sims.data.customers[0].zendeskUserId;
    const cases: [string, unknown, string][] = [
      [String(ticket.id), { status: 'UNKNOWN' }, 'input.status'],
      [String(ticket.id), { priority: 'UNKNOWN' }, 'input.priority'],
      [String(ticket.id), { tags: ['ok', 'two words'] }, 'input.tags[1]'],
      [String(ticket.id), { tags: Array.from({ length: 51 }, (_, i) => `t${i}`) }, 'input.tags'],
      [String(ticket.id), {}, 'input'],
      [String(ticket.id), { assigneeId: String(endUser) }, 'input.assigneeId'],
      [String(ticket.id), { assigneeId: 'not-a-user' }, 'input.assigneeId'],
      ['12ab', { status: 'OPEN' }, 'id'],
    ];
    sims.resetStats();
    for (const [id, input, argument] of cases) {
      const res = await t.gql(UPDATE, { token, variables: { id, input } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', `${argument}: ${JSON.stringify(res.body.errors)}`);
      assert.equal(res.body.errors?.[0]?.extensions?.argument, argument);
    }
    assert.equal(puts(), 0);
    const missing = await t.gql(UPDATE, { token, variables: { id: '99999999', input: { status: 'OPEN' } } });
    assert.equal(missing.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test("Zendesk's ticket rules: a closed ticket, or a status back to NEW, is BAD_USER_INPUT on input.status; nothing changes", async () => {
    const token = t.token('agent', 'agent-1');
    const closed = someTicket(['closed']).ticket;
    const before = await zendeskTicket(closed.id);
    const res = await t.gql(UPDATE, { token, variables: { id: String(closed.id), input: { status: 'OPEN' } } });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.body.errors?.[0]?.extensions?.argument, 'input.status');
    assert.match(res.body.errors[0].message, /closed prevents ticket update/);
    assert.deepEqual(await zendeskTicket(closed.id), before);
    const open = someTicket(['open', 'pending', 'hold']).ticket;
    const back = await t.gql(UPDATE, { token, variables: { id: String(open.id), input: { status: 'NEW' } } });
    assert.equal(back.body.errors?.[0]?.extensions?.argument, 'input.status');
  });

  test('a comment on a closed ticket is BAD_USER_INPUT on ticketId (Zendesk refuses it), not an internal error', async () => {
    const { crmId, ticket } = someTicket(['closed']);
    const res = await t.gql(`mutation($id: ID!) { addTicketComment(ticketId: $id, body: "Still broken") { id } }`, {
      token: t.token('customer', crmId),
      variables: { id: String(ticket.id) },
    });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.body.errors?.[0]?.extensions?.argument, 'ticketId');
    assert.match(res.body.errors[0].message, /open a new ticket/);
  });

  test('the same Idempotency-Key twice: one Zendesk write; Zendesk down: UPSTREAM_UNAVAILABLE and the ticket unchanged', async () => {
    const { ticket } = someTicket(['open', 'pending', 'hold'], []);
    const token = t.token('agent', 'agent-2');
    const variables = { id: String(ticket.id), input: { priority: 'LOW', tags: ['follow-up'] } };
    const before = await zendeskTicket(ticket.id);
    sims.setFaults('zendesk', { failureRate: 1 });
    try {
      const down = await t.gql(UPDATE, { token, variables, headers: { 'idempotency-key': 'triage-1' } });
      assert.equal(down.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(down.body.errors?.[0]?.extensions?.system, 'support');
    } finally {
      sims.setFaults('zendesk', {});
    }
    assert.deepEqual(await zendeskTicket(ticket.id), before);
    sims.resetStats();
    const first = await t.gql(UPDATE, { token, variables, headers: { 'idempotency-key': 'triage-1' } });
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    const retry = await t.gql(UPDATE, { token, variables, headers: { 'idempotency-key': 'triage-1' } });
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(puts(), 1);
  });
});
