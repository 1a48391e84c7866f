/**
 * Unknown is not a default: a vendor value the mappers do not know becomes UNKNOWN (or an error
 * where the schema has no such value), reported to the connector's log once per field and value.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { pino } from 'pino';
import type Stripe from 'stripe';
import { toBillingAccount, toInvoice, toPlan, toSubscription, toSubscriptionState } from '../../../src/vendors/stripe/mappers.js';
import { toCrmContact } from '../../../src/vendors/hubspot/mappers.js';
import { toTicket, type ZendeskTicket } from '../../../src/vendors/zendesk/mappers.js';
import { createUnknownValueLog } from '../../../src/platform/unknown.js';

/** A real pino logger writing JSON lines into an array. */
function capture() {
  const lines: Record<string, unknown>[] = [];
  const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s) as Record<string, unknown>) });
  return { logger, lines };
}

const ticket = (over: Partial<ZendeskTicket>): ZendeskTicket => ({
  id: 7,
  subject: 'Printer on fire',
  status: 'open',
  priority: 'high',
  requester_id: 1,
  created_at: '2026-11-01T10:00:00Z',
  updated_at: '2026-11-02T10:00:00Z',
  ...over,
});

test('Zendesk: known statuses and priorities map case-insensitively; unknown ones are UNKNOWN, no priority stays null', () => {
  assert.equal(toTicket(ticket({ status: 'pending' })).status, 'PENDING');
  assert.equal(toTicket(ticket({ status: 'HOLD' })).status, 'HOLD');
  assert.equal(toTicket(ticket({ priority: 'urgent' })).priority, 'URGENT');
  assert.equal(toTicket(ticket({ status: 'archived' })).status, 'UNKNOWN');
  assert.equal(toTicket(ticket({ priority: 'critical' })).priority, 'UNKNOWN');
  assert.equal(toTicket(ticket({ priority: null })).priority, null);
  assert.equal(toTicket(ticket({ priority: undefined })).priority, null);
});

test('each unknown field+value is logged once per log, with the system, field and value', () => {
  const { logger, lines } = capture();
  const onUnknown = createUnknownValueLog({ system: 'support', logger });
  for (let i = 0; i < 3; i++) toTicket(ticket({ status: 'archived', priority: 'critical' }), onUnknown);
  toTicket(ticket({ status: 'deleted' }), onUnknown);
  toTicket(ticket({ status: 'open', priority: 'low' }), onUnknown);
  const logged = lines.map((l) => [l.level, l.system, l.field, l.value]);
  assert.deepEqual(logged, [
    [40, 'support', 'ticket.status', 'archived'],
    [40, 'support', 'ticket.priority', 'critical'],
    [40, 'support', 'ticket.status', 'deleted'],
  ]);
  assert.deepEqual([...onUnknown.seen], ['ticket.status="archived"', 'ticket.priority="critical"', 'ticket.status="deleted"']);
});

test('the log remembers at most `max` distinct values, so a vendor sending garbage cannot grow it', () => {
  const { logger, lines } = capture();
  const onUnknown = createUnknownValueLog({ system: 'crm', logger, max: 2 });
  for (const v of ['a', 'b', 'c', 'a', 'd']) onUnknown('contact.lifecyclestage', v);
  assert.deepEqual(
    lines.map((l) => l.value),
    ['a', 'b'],
  );
  assert.equal(onUnknown.seen.size, 2);
});

test('HubSpot: standard lifecycle stages map; a custom stage is UNKNOWN (not OTHER, a real stage); none is null', () => {
  const { logger, lines } = capture();
  const onUnknown = createUnknownValueLog({ system: 'crm', logger });
  const contact = (stage?: string) => toCrmContact({ id: '1001', properties: { firstname: 'Ada', lifecyclestage: stage } }, onUnknown);
  assert.equal(contact('marketingqualifiedlead').lifecycleStage, 'MARKETING_QUALIFIED_LEAD');
  assert.equal(contact('other').lifecycleStage, 'OTHER');
  assert.equal(contact('1234567').lifecycleStage, 'UNKNOWN');
  assert.equal(contact(undefined).lifecycleStage, null);
  assert.deepEqual(
    lines.map((l) => [l.field, l.value]),
    [['contact.lifecyclestage', '1234567']],
  );
});

const invoice = (over: Partial<Stripe.Invoice>) =>
  ({
    id: 'in_1',
    number: 'A-1',
    status: 'open',
    amount_due: 500,
    amount_paid: 0,
    amount_remaining: 500,
    currency: 'eur',
    due_date: null,
    created: 1_700_000_000,
    ...over,
  }) as Stripe.Invoice;

test('Stripe invoices: a known status maps; an unknown or missing status is UNKNOWN and logged', () => {
  const { logger, lines } = capture();
  const onUnknown = createUnknownValueLog({ system: 'billing', logger });
  assert.deepEqual(toInvoice(invoice({}), onUnknown), {
    id: 'in_1',
    number: 'A-1',
    status: 'OPEN',
    amountDue: 500,
    amountPaid: 0,
    amountRemaining: 500,
    currency: 'EUR',
    dueDate: null,
    createdAt: '2023-11-14T22:13:20.000Z',
  });
  assert.equal(toInvoice(invoice({ status: 'in_review' }), onUnknown).status, 'UNKNOWN');
  assert.equal(toInvoice(invoice({ status: null }), onUnknown).status, 'UNKNOWN');
  assert.deepEqual(
    lines.map((l) => [l.field, l.value]),
    [
      ['invoice.status', 'in_review'],
      ['invoice.status', null],
    ],
  );
});

test('Stripe invoices: one without an id is an UPSTREAM_UNAVAILABLE error naming billing, never an invoice with id ""', () => {
  const { logger, lines } = capture();
  const onUnknown = createUnknownValueLog({ system: 'billing', logger });
  assert.throws(
    () => toInvoice(invoice({ id: undefined }), onUnknown),
    (e: any) => e.extensions?.code === 'UPSTREAM_UNAVAILABLE' && e.extensions?.system === 'billing',
  );
  assert.deepEqual(
    lines.map((l) => [l.field, l.value]),
    [['invoice.id', null]],
  );
});

test('Stripe subscriptions: an unknown status is UNKNOWN, on the subscription and through the billing account', () => {
  const { logger, lines } = capture();
  const onUnknown = createUnknownValueLog({ system: 'billing', logger });
  const sub = (status: string, created = 1) =>
    ({ id: `sub_${status}`, status, created, cancel_at_period_end: false, items: { data: [] } }) as unknown as Stripe.Subscription;
  assert.equal(toSubscription(sub('past_due'), onUnknown).status, 'PAST_DUE');
  assert.equal(toSubscription(sub('suspended'), onUnknown).status, 'UNKNOWN');
  const customer = { id: 'cus_1', currency: 'eur', balance: 0, subscriptions: { data: [sub('frozen', 2)] } } as unknown as Stripe.Customer;
  assert.equal(toBillingAccount('1001', customer, onUnknown).subscription?.status, 'UNKNOWN');
  assert.deepEqual(
    lines.map((l) => [l.field, l.value]),
    [
      ['subscription.status', 'suspended'],
      ['subscription.status', 'frozen'],
    ],
  );
});

const price = (over: Partial<Stripe.Price>) =>
  ({
    id: 'price_1',
    object: 'price',
    active: true,
    currency: 'usd',
    nickname: null,
    lookup_key: null,
    product: { id: 'prod_1', object: 'product', name: 'Pro', description: 'For teams.' },
    recurring: { interval: 'month', interval_count: 1 },
    type: 'recurring',
    unit_amount: 4900,
    ...over,
  }) as unknown as Stripe.Price;

test('Stripe prices as plans: the name falls back to the product; the default currency first, then the others by code; an unknown interval is UNKNOWN', () => {
  const { logger, lines } = capture();
  const onUnknown = createUnknownValueLog({ system: 'billing', logger });
  const plan = toPlan(
    price({
      currency_options: {
        usd: { unit_amount: 4900 },
        gbp: { unit_amount: 3900 },
        eur: { unit_amount: 4500 },
      } as unknown as Stripe.Price['currency_options'],
    }),
    onUnknown,
  );
  assert.deepEqual(plan, {
    id: 'price_1',
    name: 'Pro',
    productName: 'Pro',
    description: 'For teams.',
    interval: 'MONTH',
    intervalCount: 1,
    currency: 'USD',
    amount: 4900,
    prices: [
      { currency: 'USD', amount: 4900 },
      { currency: 'EUR', amount: 4500 },
      { currency: 'GBP', amount: 3900 },
    ],
  });
  // A product not expanded (an id) or deleted: no product name; a tiered price: no unit amount.
  const bare = toPlan(price({ product: 'prod_1', nickname: 'Pro Monthly', unit_amount: null }), onUnknown);
  assert.deepEqual(
    [bare.name, bare.productName, bare.amount, bare.prices],
    ['Pro Monthly', null, null, [{ currency: 'USD', amount: null }]],
  );
  const odd = toPlan(price({ recurring: { interval: 'fortnight', interval_count: 1 } as unknown as Stripe.Price.Recurring }), onUnknown);
  assert.equal(odd.interval, 'UNKNOWN');
  assert.deepEqual(
    lines.map((l) => [l.field, l.value]),
    [['price.recurring.interval', 'fortnight']],
  );
});

test("Stripe subscriptions: planId only for a subscription of one item; its state carries the items' prices and the items' period", () => {
  const item = (id: string, priceId: string) => ({
    id,
    price: { id: priceId, nickname: priceId, currency: 'gbp', recurring: { interval: 'month', interval_count: 1 } },
    current_period_start: 1_790_000_000,
    current_period_end: 1_792_592_000,
  });
  const sub = (items: ReturnType<typeof item>[]) =>
    ({
      id: 'sub_1',
      status: 'active',
      customer: 'cus_1',
      cancel_at_period_end: false,
      items: { data: items },
    }) as unknown as Stripe.Subscription;
  assert.equal(toSubscription(sub([item('si_1', 'price_a')])).planId, 'price_a');
  assert.equal(toSubscription(sub([item('si_1', 'price_a'), item('si_2', 'price_b')])).planId, null);
  assert.deepEqual(toSubscriptionState(sub([item('si_1', 'price_a')])), {
    id: 'sub_1',
    billingCustomerId: 'cus_1',
    status: 'ACTIVE',
    currency: 'GBP',
    items: [{ id: 'si_1', planId: 'price_a', interval: 'MONTH', intervalCount: 1 }],
    currentPeriodStart: new Date(1_790_000_000_000).toISOString(),
    currentPeriodEnd: new Date(1_792_592_000_000).toISOString(),
  });
});
