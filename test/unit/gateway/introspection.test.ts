/**
 * The per-principal schema views behind introspection, built from the real composed API schema
 * and the real policies of schema/*.graphql: a caller sees exactly the fields it can reach.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildSchema, isObjectType, Kind, parse, type GraphQLSchema, type OperationDefinitionNode } from 'graphql';
import type { Principal } from '../../../src/auth/principal.js';
import { userPrincipal } from '../../../src/auth/principal.js';
import { composeApiSchema } from '../../../src/gateway/index.js';
import { createSchemaViews, introspectionKind } from '../../../src/gateway/introspection.js';

const api = buildSchema(composeApiSchema());
const partner = (scopes: string[], id = 'ptn_1'): Principal => ({ kind: 'partner', partnerId: id, name: 'acme', scopes: new Set(scopes) });
const fieldsOf = (s: GraphQLSchema, type: string) => {
  const t = s.getType(type);
  return isObjectType(t) ? Object.keys(t.getFields()).sort() : undefined;
};

test('a partner with billing.invoices:read sees Billing.invoices and nothing of support, files, admin or mutations', () => {
  const view = createSchemaViews()(api, partner(['billing.invoices:read']));
  assert.equal(view.getMutationType(), undefined);
  assert.deepEqual(fieldsOf(view, 'Billing'), ['invoices']);
  assert.deepEqual(fieldsOf(view, 'Query'), ['customer']);
  assert.deepEqual(fieldsOf(view, 'Customer'), ['billing', 'id']);
  assert.deepEqual(fieldsOf(view, 'Invoice'), fieldsOf(api, 'Invoice'));
  for (const gone of ['Ticket', 'TicketComment', 'Document', 'PartnerToken', 'PaymentMethod'])
    assert.equal(view.getType(gone), undefined, gone);
});

test('an agent sees billing summary and invoices but not payment methods; a customer sees its payment methods and `me`', () => {
  const views = createSchemaViews();
  const agent = views(api, userPrincipal('a1', ['agent']));
  assert.equal(fieldsOf(agent, 'Billing')!.includes('paymentMethods'), false);
  assert.equal(fieldsOf(agent, 'Billing')!.includes('invoices'), true);
  assert.equal(agent.getType('PaymentMethod'), undefined);
  assert.equal(fieldsOf(agent, 'Query')!.includes('customers'), true);
  const customer = views(api, userPrincipal('u1', ['customer'], '1001'));
  assert.equal(fieldsOf(customer, 'Billing')!.includes('paymentMethods'), true);
  assert.equal(fieldsOf(customer, 'Query')!.includes('me'), true);
  assert.equal(fieldsOf(customer, 'Query')!.includes('customers'), false);
});

/** The caller's own things, for customers only (scope `self:read`): a staff member has no contact, devices or notification preferences (nor `me`, `notificationPreferences`). */
const SELF_MUTATIONS = ['updateMyContact', 'registerDevice', 'unregisterDevice', 'updateNotificationPreferences', 'registerCustomer'];

test('an admin sees every field of the API schema (no `me` nor the self-service mutations: staff are not customers)', () => {
  const admin = createSchemaViews()(api, userPrincipal('root', ['admin']));
  for (const type of ['Billing', 'Customer', 'Ticket', 'Document', 'Mutation']) {
    const all = fieldsOf(api, type)!;
    const seen = fieldsOf(admin, type)!;
    assert.deepEqual(
      seen,
      all.filter((f) => !(type === 'Query' && f === 'me') && !(type === 'Mutation' && SELF_MUTATIONS.includes(f))),
      type,
    );
  }
  assert.deepEqual(
    fieldsOf(admin, 'Query'),
    fieldsOf(api, 'Query')!.filter((f) => f !== 'me' && f !== 'notificationPreferences'),
  );
});

test('views are cached per kind and scope set: same scopes share one view, other scopes get another', () => {
  const views = createSchemaViews();
  const a = views(api, partner(['billing.invoices:read', 'crm.contacts:read'], 'ptn_a'));
  const b = views(api, partner(['crm.contacts:read', 'billing.invoices:read'], 'ptn_b'));
  const c = views(api, partner(['crm.contacts:read'], 'ptn_c'));
  assert.equal(a, b);
  assert.notEqual(a, c);
  // A new API schema (a gateway reload) gets its own views.
  const api2 = buildSchema(composeApiSchema());
  assert.notEqual(views(api2, partner(['crm.contacts:read', 'billing.invoices:read'])), a);
});

test('introspectionKind: pure introspection, mixed with data, or none', () => {
  const op = (q: string) => parse(q).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION) as OperationDefinitionNode;
  assert.equal(introspectionKind(op('{ __schema { types { name } } }')), 'introspection');
  assert.equal(introspectionKind(op('{ __typename __type(name: "Customer") { name } }')), 'introspection');
  assert.equal(introspectionKind(op('{ __schema { queryType { name } } me { id } }')), 'mixed');
  assert.equal(introspectionKind(op('{ me { id __typename } }')), 'none');
  assert.equal(introspectionKind(op('{ __typename }')), 'none');
  assert.equal(introspectionKind(undefined), 'none');
});
