/**
 * Which Stripe subscription events are a cancellation or a resumption (the domain events
 * billing.subscription.canceled / .resumed), read from the event's own snapshot and
 * `previous_attributes` as Stripe sends them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseStripe } from '../../../../src/vendors/stripe/webhook.js';
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
