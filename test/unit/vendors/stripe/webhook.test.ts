/**
 * Which Stripe subscription events are a cancellation or a resumption (the domain events
 * billing.subscription.canceled / .resumed), read from the event's own snapshot and
 * `previous_attributes` as Stripe sends them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compareInvoice, parseStripe } from '../../../../src/vendors/stripe/webhook.js';
import type { InvoiceSummary } from '../../../../src/ports/billing.js';
import type { WebhookRequest } from '../../../../src/webhooks/types.js';

const req = (type: string, object: Record<string, unknown>, previous?: Record<string, unknown>): WebhookRequest => ({
  method: 'POST',
  url: '/webhooks/stripe',
  baseUrl: 'http://127.0.0.1',
  headers: {},
  nowMs: Date.now(),
  body: Buffer.from(
    JSON.stringify({
      id: 'evt_1',
      object: 'event',
      created: 1,
      type,
      data: { object, ...(previous ? { previous_attributes: previous } : {}) },
    }),
  ),
});
const sub = (cancelAtPeriodEnd: boolean, status = 'active') => ({
  id: 'sub_1',
  object: 'subscription',
  customer: 'cus_1',
  status,
  cancel_at_period_end: cancelAtPeriodEnd,
});
const changeOf = (r: WebhookRequest) => parseStripe(r)[0].data.subscriptionChange;

test('cancel_at_period_end set: canceled; cleared: resumed; deleted: canceled; customer.subscription.resumed: resumed', () => {
  assert.equal(changeOf(req('customer.subscription.updated', sub(true), { cancel_at_period_end: false })), 'canceled');
  assert.equal(changeOf(req('customer.subscription.updated', sub(false), { cancel_at_period_end: true })), 'resumed');
  assert.equal(changeOf(req('customer.subscription.deleted', sub(false, 'canceled'), { status: 'active' })), 'canceled');
  assert.equal(changeOf(req('customer.subscription.resumed', sub(false))), 'resumed');
});

test('other changes of a subscription, and other objects, are neither', () => {
  assert.equal(changeOf(req('customer.subscription.updated', sub(false), { status: 'past_due' })), undefined);
  assert.equal(changeOf(req('customer.subscription.updated', sub(true))), undefined);
  assert.equal(changeOf(req('customer.subscription.updated', sub(true), { cancel_at_period_end: true })), undefined);
  assert.equal(changeOf(req('invoice.paid', { id: 'in_1', object: 'invoice', customer: 'cus_1' })), undefined);
});

const invoice = (o: Partial<InvoiceSummary> = {}): InvoiceSummary => ({
  id: 'in_1',
  number: 'A-1',
  status: 'OPEN',
  amountDue: 1000,
  amountPaid: 0,
  amountRemaining: 1000,
  currency: 'USD',
  dueDate: null,
  createdAt: '2026-11-01T00:00:00.000Z',
  ...o,
});

test("an invoice event's own invoice is kept with the event (mapped as a read maps it); a partial object is not", () => {
  const whole = {
    id: 'in_1',
    object: 'invoice',
    customer: 'cus_1',
    number: 'A-1',
    status: 'paid',
    amount_due: 1000,
    amount_paid: 1000,
    amount_remaining: 0,
    currency: 'usd',
    due_date: null,
    created: Date.parse('2026-11-01T00:00:00Z') / 1000,
  };
  assert.deepEqual(
    parseStripe(req('invoice.paid', whole))[0].data.invoice,
    invoice({ status: 'PAID', amountPaid: 1000, amountRemaining: 0 }),
  );
  assert.equal(parseStripe(req('invoice.paid', { id: 'in_1', object: 'invoice', customer: 'cus_1' }))[0].data.invoice, undefined);
  const customer = parseStripe(req('customer.updated', { id: 'cus_1', object: 'customer', metadata: { crm_contact_id: '1001' } }))[0];
  assert.equal(customer.data.crmIdHint, '1001');
});

test('an invoice snapshot is placed against the cached copy by its own fields: later in its life or more paid is newer; undecidable is unknown', () => {
  const open = invoice();
  const paid = invoice({ status: 'PAID', amountPaid: 1000, amountRemaining: 0 });
  assert.equal(compareInvoice(open, invoice()), 'same');
  assert.equal(compareInvoice(paid, open), 'newer');
  assert.equal(compareInvoice(open, paid), 'older');
  assert.equal(compareInvoice(invoice({ status: 'DRAFT', number: null }), open), 'older');
  assert.equal(compareInvoice(invoice({ amountPaid: 400, amountRemaining: 600 }), open), 'newer');
  assert.equal(compareInvoice(open, invoice({ amountPaid: 400, amountRemaining: 600 })), 'older');
  // Paid and void are both ends; the same status with another field changed; another creation time.
  assert.equal(compareInvoice(invoice({ status: 'VOID', amountRemaining: 0 }), paid), 'unknown');
  assert.equal(compareInvoice(invoice({ dueDate: '2026-12-01T00:00:00.000Z' }), open), 'unknown');
  assert.equal(compareInvoice(paid, invoice({ createdAt: '2026-10-01T00:00:00.000Z' })), 'unknown');
  assert.equal(compareInvoice(invoice({ status: 'UNKNOWN' }), open), 'unknown');
  // A later status with less paid is not a lifecycle Stripe has: unknown, never written.
  assert.equal(compareInvoice(invoice({ status: 'UNCOLLECTIBLE' }), invoice({ amountPaid: 400, amountRemaining: 600 })), 'unknown');
});
