/**
 * Stripe objects -> the billing subgraph's domain types. Only display fields survive: a card
 * becomes brand/last4/expiry, nothing else of a payment method ever leaves this file.
 */
import type Stripe from 'stripe';
import type { InvoiceStatus, SubscriptionStatus } from '../../generated/billing.js';

export interface CustomerRef {
  id: string;
}

export interface StripeSubscription {
  id: string;
  status: SubscriptionStatus;
  plan: string | null;
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
}

export interface BillingAccount {
  crmId: string;
  stripeCustomerId: string;
  currency: string;
  balance: number;
  subscription: StripeSubscription | null;
}

export interface CardSummary {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface InvoiceSummary {
  id: string;
  number: string | null;
  status: InvoiceStatus;
  amountDue: number;
  amountPaid: number;
  amountRemaining: number;
  currency: string;
  dueDate: string | null;
  createdAt: string;
}

/** Domain types hold ISO strings, so they survive a JSON round trip through the cache unchanged. */
const fromUnix = (s: number | null | undefined) => (typeof s === 'number' ? new Date(s * 1000).toISOString() : null);

export function toSubscription(sub: Stripe.Subscription): StripeSubscription {
  const item = sub.items?.data?.[0];
  // Since API 2025-03-31 the period lives on the items; older versions kept it on the subscription.
  const end = (item as { current_period_end?: number } | undefined)?.current_period_end ?? (sub as { current_period_end?: number }).current_period_end;
  return {
    id: sub.id,
    status: sub.status.toUpperCase() as SubscriptionStatus,
    plan: item?.price?.nickname ?? item?.price?.lookup_key ?? null,
    currentPeriodEnd: fromUnix(end),
    cancelAtPeriodEnd: Boolean(sub.cancel_at_period_end),
  };
}

/** The subscription a portal shows: a live one if any, else the most recent. */
export function currentSubscription(subs: readonly Stripe.Subscription[]): StripeSubscription | null {
  const live = subs.filter((s) => s.status !== 'canceled' && s.status !== 'incomplete_expired');
  const pick = (live.length ? live : [...subs]).sort((a, b) => b.created - a.created)[0];
  return pick ? toSubscription(pick) : null;
}

export function toBillingAccount(crmId: string, c: Stripe.Customer): BillingAccount {
  return {
    crmId,
    stripeCustomerId: c.id,
    currency: (c.currency ?? 'usd').toUpperCase(),
    balance: c.balance ?? 0,
    subscription: currentSubscription(c.subscriptions?.data ?? []),
  };
}

export function toCard(pm: Stripe.PaymentMethod): CardSummary | null {
  if (!pm.card) return null;
  return { id: pm.id, brand: pm.card.brand, last4: pm.card.last4, expMonth: pm.card.exp_month, expYear: pm.card.exp_year };
}

export function toInvoice(inv: Stripe.Invoice): InvoiceSummary {
  return {
    id: inv.id ?? '',
    number: inv.number ?? null,
    status: (inv.status ?? 'draft').toUpperCase() as InvoiceStatus,
    amountDue: inv.amount_due,
    amountPaid: inv.amount_paid,
    amountRemaining: inv.amount_remaining,
    currency: inv.currency.toUpperCase(),
    dueDate: fromUnix(inv.due_date),
    createdAt: fromUnix(inv.created) ?? new Date(0).toISOString(),
  };
}
