/**
 * A subscription document becomes the query each push runs (src/realtime/operation.ts): the
 * subscriber's own selection under `me` or `customer(id:)`, its fragments and variables, nothing else.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema, parse, print } from 'graphql';
import { userPrincipal } from '../../../src/auth/principal.js';
import { planSubscription, subscriptionSchema } from '../../../src/realtime/operation.js';

const api = buildSchema(`
  scalar DateTime
  type Query { me: Customer customer(id: ID!): Customer }
  type Customer { id: ID! name: String invoices(first: Int): [Invoice!] tickets(first: Int, after: String): TicketConnection ticket(id: ID!): Ticket }
  type Invoice { id: ID! status: String }
  type TicketConnection { nodes: [Ticket!]! }
  type Ticket { id: ID! status: String }
`);
const schema = subscriptionSchema(api);
const customer = userPrincipal('1001', ['customer'], '1001');
const agent = userPrincipal('bob', ['agent']);
const same = (a: string, b: string) => assert.equal(print(parse(a)), print(parse(b)));

test("no id: the customer's own record through `me`, with the operation's name, fragments and variables", () => {
  const plan = planSubscription(schema, customer, {
    query: `subscription Mine($n: Int) { c: customerChanged { r: reason { type } who: customer { ...F } } } fragment F on Customer { name invoices(first: $n) { id } }`,
    variables: { n: 3 },
  });
  assert.equal(plan.customerId, '1001');
  same(plan.body.query, `query Mine($n: Int) { who: me { ...F } } fragment F on Customer { name invoices(first: $n) { id } }`);
  assert.deepEqual(plan.body.variables, { n: 3 });
  const push = plan.shape({ data: { who: { name: 'Ada', invoices: [] } } }, { system: 'stripe', type: 'invoice.paid', at: 'T' });
  assert.deepEqual(push.data, { c: { r: { type: 'invoice.paid' }, who: { name: 'Ada', invoices: [] } } });
});

test('a named customer reads customer(id:) (the gateway decides access); staff must name one', () => {
  const plan = planSubscription(schema, customer, { query: `subscription { customerChanged(id: "2002") { customer { id } } }` });
  same(plan.body.query, `query($porticoTarget: ID!) { customer: customer(id: $porticoTarget) { id } }`);
  assert.deepEqual(plan.body.variables, { porticoTarget: '2002' });
  assert.equal(
    plan.refused({ data: { customer: null }, errors: [{ message: 'no', path: ['customer'], extensions: { code: 'FORBIDDEN' } }] })
      ?.extensions?.code,
    'FORBIDDEN',
  );
  // The target failed for now (its system rate limited us, is down or slow): not a refusal, a wait.
  const failed = (code: string, extra: Record<string, unknown> = {}) => ({
    message: 'later',
    path: ['customer'],
    extensions: { code, system: 'crm', ...extra },
  });
  for (const code of ['RATE_LIMITED', 'UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT']) {
    const answer = { data: { customer: null }, errors: [failed(code, { retryAfter: 3 })] };
    assert.equal(plan.unavailable(answer)?.extensions?.retryAfter, 3, code);
  }
  // The instance too busy to run the push (503 OVERLOADED, before anything ran: no path): a wait too.
  assert.equal(
    plan.unavailable({ errors: [{ message: 'busy', extensions: { code: 'OVERLOADED', retryAfter: 1 } }] })?.extensions?.retryAfter,
    1,
  );
  // A refusal beside it, or a failure below the target (one field), is not "for now".
  assert.equal(plan.unavailable({ data: { customer: null }, errors: [failed('RATE_LIMITED'), failed('FORBIDDEN')] }), undefined);
  assert.equal(plan.unavailable({ data: { customer: null }, errors: [failed('FORBIDDEN')] }), undefined);
  assert.equal(
    plan.unavailable({
      data: { customer: { id: '2002' } },
      errors: [{ ...failed('UPSTREAM_UNAVAILABLE'), path: ['customer', 'billing'] }],
    }),
    undefined,
  );
  assert.throws(() => planSubscription(schema, agent, { query: `subscription { customerChanged { customer { id } } }` }), /needs an id/);
  assert.throws(
    () => planSubscription(schema, agent, { query: `subscription { customerChanged(id: "x y") { customer { id } } }` }),
    /A customer id/,
  );
});

test("a ticket: read by id as the customer's (however old); errors keep their path under the subscription field", () => {
  const plan = planSubscription(schema, customer, { query: `subscription { ticketChanged(id: "7") { ticket { status } } }` });
  same(
    plan.body.query,
    `query($porticoTarget: ID!, $porticoTicket: ID!) { ticket: customer(id: $porticoTarget) { ticket: ticket(id: $porticoTicket) { status } } }`,
  );
  assert.deepEqual(plan.body.variables, { porticoTarget: '1001', porticoTicket: '7' });
  const answer = {
    data: { ticket: { ticket: { status: null } } },
    errors: [{ message: 'down', path: ['ticket', 'ticket', 'status'], extensions: { code: 'UPSTREAM_UNAVAILABLE' } }],
  };
  const push = plan.shape(answer, { system: 'zendesk', type: 'x', at: 'T' });
  assert.deepEqual(push.data, { ticketChanged: { ticket: { status: null } } });
  assert.deepEqual(push.errors?.[0].path, ['ticketChanged', 'ticket', 'status']);
  assert.equal(plan.refused(answer), undefined);
  // Not this customer's (or gone): the customer answers, its ticket is null.
  assert.equal(plan.refused({ data: { ticket: { ticket: null } } })?.extensions?.code, 'NOT_FOUND');
});

test('a ticket for staff: customerId names its customer; without one it is refused before anything is read', () => {
  const plan = planSubscription(schema, agent, { query: `subscription { ticketChanged(id: "7", customerId: "1002") { ticket { id } } }` });
  assert.deepEqual(plan.body.variables, { porticoTarget: '1002', porticoTicket: '7' });
  assert.equal(plan.customerId, '1002');
  assert.throws(
    () => planSubscription(schema, agent, { query: `subscription { ticketChanged(id: "7") { ticket { id } } }` }),
    /customerId/,
  );
});

test('only subscriptions, valid against the schema', () => {
  assert.throws(() => planSubscription(schema, customer, { query: `{ me { id } }` }), /Only subscriptions/);
  assert.throws(
    () => planSubscription(schema, customer, { query: `subscription { customerChanged { customer { secret } } }` }),
    /Cannot query field "secret"/,
  );
  assert.throws(() => planSubscription(schema, customer, { query: `subscription {` }), /Syntax Error/);
});
