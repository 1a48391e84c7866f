/** Which replica fields differ from the owner, as replica jobs and reconciliation compute them. */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { replicaDrift } from '../../../src/replicas/sync.js';

const owner = { firstName: 'Ada', lastName: 'Lovelace', email: 'ada@example.com' };

test("the billing customer's email is a copy of the CRM's until an invoice email is set there; the support user's always is", () => {
  const stale = { name: 'Ada Lovelace', email: 'accounts@example.com' };
  assert.deepEqual(replicaDrift('billing', owner, { id: 'cus_1', fields: stale }), ['email']);
  assert.deepEqual(replicaDrift('billing', owner, { id: 'cus_1', fields: stale, set: new Set(['Billing.invoiceEmail']) }), []);
  // Only the email stops: a stale name is still repaired.
  assert.deepEqual(
    replicaDrift('billing', owner, { id: 'cus_1', fields: { ...stale, name: 'A L' }, set: new Set(['Billing.invoiceEmail']) }),
    ['name'],
  );
  assert.deepEqual(replicaDrift('support', owner, { id: '7', fields: stale, set: new Set(['Billing.invoiceEmail']) }), ['email']);
});
