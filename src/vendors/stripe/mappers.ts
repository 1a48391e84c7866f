/**
 * Stripe objects -> the billing port's types. Only display fields survive: a card becomes
 * brand/last4/expiry, nothing else of a payment method ever leaves this file.
 */
import type Stripe from 'stripe';
import { UpstreamError } from '../../errors/index.js';
import type { InvoiceStatus, SubscriptionStatus } from '../../generated/billing.js';
import type { BillingAccount, CardSummary, InvoiceSummary, Subscription } from '../../ports/billing.js';
import type { OnUnknownValue } from '../../platform/unknown.js';

/** Domain types hold ISO strings, so they survive a JSON round trip through the cache unchanged. */
const fromUnix = (s: number | null | undefined) => (typeof s === 'number' ? new Date(s * 1000).toISOString() : null);

const SUBSCRIPTION_STATUSES = new Set<string>([
  'INCOMPLETE',
  'INCOMPLETE_EXPIRED',
  'TRIALING',
  'ACTIVE',
  'PAST_DUE',
  'CANCELED',
  'UNPAID',
  'PAUSED',
]);
const INVOICE_STATUSES = new Set<string>(['DRAFT', 'OPEN', 'PAID', 'UNCOLLECTIBLE', 'VOID']);

/** A status we do not know (or none) is UNKNOWN and reported, never the most common value. */
function known<T extends string>(
  field: string,
  value: string | null | undefined,
  statuses: ReadonlySet<string>,
  onUnknown?: OnUnknownValue,
): T {
  const upper = value?.toUpperCase();
  if (upper && statuses.has(upper)) return upper as T;
  onUnknown?.(field, value ?? null);
  return 'UNKNOWN' as T;
}

export function toSubscription(sub: Stripe.Subscription, onUnknown?: OnUnknownValue): Subscription {
  const item = sub.items?.data?.[0];
  // Since API 2025-03-31 the period lives on the items; older versions kept it on the subscription.
  const end =
    (item as { current_period_end?: number } | undefined)?.current_period_end ??
    (sub as { current_period_end?: number }).current_period_end;
  return {
    id: sub.id,
    status: known<SubscriptionStatus>('subscription.status', sub.status, SUBSCRIPTION_STATUSES, onUnknown),
    plan: item?.price?.nickname ?? item?.price?.lookup_key ?? null,
    currentPeriodEnd: fromUnix(end),
    cancelAtPeriodEnd: Boolean(sub.cancel_at_period_end),
  };
}

/** The subscription a portal shows: a live one if any, else the most recent. */
export function currentSubscription(subs: readonly Stripe.Subscription[], onUnknown?: OnUnknownValue): Subscription | null {
  const live = subs.filter((s) => s.status !== 'canceled' && s.status !== 'incomplete_expired');
  const pick = (live.length ? live : [...subs]).sort((a, b) => b.created - a.created)[0];
  return pick ? toSubscription(pick, onUnknown) : null;
}

export function toBillingAccount(crmId: string, c: Stripe.Customer, onUnknown?: OnUnknownValue): BillingAccount {
  return {
    crmId,
    billingCustomerId: c.id,
    currency: (c.currency ?? 'usd').toUpperCase(),
    balance: c.balance ?? 0,
    subscription: currentSubscription(c.subscriptions?.data ?? [], onUnknown),
  };
}

export function toCard(pm: Stripe.PaymentMethod): CardSummary | null {
  if (!pm.card) return null;
  return { id: pm.id, brand: pm.card.brand, last4: pm.card.last4, expMonth: pm.card.exp_month, expYear: pm.card.exp_year };
}

/**
 * An invoice without an id (Stripe omits it only on previews, never in a list) is an unexpected
 * response: billing is unavailable for this read rather than an invoice nobody can open.
 */
export function toInvoice(inv: Stripe.Invoice, onUnknown?: OnUnknownValue): InvoiceSummary {
  if (!inv.id) {
    onUnknown?.('invoice.id', inv.id ?? null);
    throw new UpstreamError('billing', 'unavailable', 'invoice without id');
  }
  return {
    id: inv.id,
    number: inv.number ?? null,
    status: known<InvoiceStatus>('invoice.status', inv.status, INVOICE_STATUSES, onUnknown),
    amountDue: inv.amount_due,
    amountPaid: inv.amount_paid,
    amountRemaining: inv.amount_remaining,
    currency: inv.currency.toUpperCase(),
    dueDate: fromUnix(inv.due_date),
    createdAt: fromUnix(inv.created) ?? new Date(0).toISOString(),
  };
}
