/**
 * Stripe: `Stripe-Signature` (t=, one or more v1=) verified by the official SDK over the raw
 * bytes with a 300 s tolerance, against each configured secret (several during a rotation).
 * The handler treats the event as a notification: it re-reads the object's owner from Stripe,
 * so an old event replayed late cannot point at stale data, and drops that customer's records.
 */
import Stripe from 'stripe';
import { billingKeys } from '../../subgraphs/billing/loaders.js';
import type { BillingObject } from '../../ports/billing.js';
import { checkTimestamp, header, parseJson, WebhookRejected } from '../../webhooks/verify.js';
import type { EventHandlerDeps, ReceivedEvent, WebhookRequest } from '../../webhooks/types.js';
import type { WebhookReceiver } from '../types.js';

export const STRIPE_TOLERANCE_S = 300;

export interface StripeEventData {
  id: string;
  type: string;
  created: number;
  object: { object: string; id: string; customer: string | null };
  /**
   * What a subscription event did to its cancellation, from the event's own snapshot and
   * `previous_attributes`: `canceled` (deleted, or cancel_at_period_end set), `resumed`
   * (cancel_at_period_end cleared, or a paused subscription resumed). Absent otherwise.
   */
  subscriptionChange?: 'canceled' | 'resumed';
}

/** A subscription event's change to the cancellation (see StripeEventData.subscriptionChange). */
function subscriptionChangeOf(type: string, obj: Record<string, unknown>, previous: unknown): 'canceled' | 'resumed' | undefined {
  if (obj.object !== 'subscription') return undefined;
  if (type === 'customer.subscription.deleted') return 'canceled';
  if (type === 'customer.subscription.resumed') return 'resumed';
  if (type !== 'customer.subscription.updated' || !previous || typeof previous !== 'object') return undefined;
  if (!('cancel_at_period_end' in previous) || typeof obj.cancel_at_period_end !== 'boolean') return undefined;
  if ((previous as { cancel_at_period_end?: unknown }).cancel_at_period_end === obj.cancel_at_period_end) return undefined;
  return obj.cancel_at_period_end ? 'canceled' : 'resumed';
}

/** `Stripe-Signature` checked by the SDK against each configured secret (several during a rotation). */
export function verifyStripe(req: WebhookRequest, secrets: readonly string[]): void {
  const sig = header(req.headers, 'stripe-signature');
  if (!sig) throw new WebhookRejected('missing Stripe-Signature');
  const matches = secrets.some((secret) => {
    try {
      Stripe.webhooks.constructEvent(req.body, sig, secret, STRIPE_TOLERANCE_S, undefined, Math.floor(req.nowMs / 1000));
      return true;
    } catch {
      return false; // try the next secret (rotation)
    }
  });
  if (!matches) throw new WebhookRejected('no configured secret matches Stripe-Signature');
  // The SDK refuses old timestamps only; one far in the future is a forged clock, refused too.
  const t = Number(/(?:^|,)\s*t=(\d+)/.exec(sig)?.[1]);
  checkTimestamp(t * 1000, req.nowMs, STRIPE_TOLERANCE_S * 1000);
}

export function parseStripe(req: WebhookRequest): ReceivedEvent<StripeEventData>[] {
  const e = parseJson(req.body) as {
    id?: unknown;
    type?: unknown;
    created?: unknown;
    data?: { object?: { object?: unknown; id?: unknown; customer?: unknown }; previous_attributes?: unknown };
  };
  const obj = e.data?.object;
  if (
    typeof e.id !== 'string' ||
    !/^evt_\w{1,250}$/.test(e.id) ||
    typeof e.type !== 'string' ||
    !obj ||
    typeof obj.id !== 'string' ||
    typeof obj.object !== 'string'
  )
    throw new WebhookRejected('not a Stripe event');
  const customer =
    typeof obj.customer === 'string'
      ? obj.customer
      : typeof (obj.customer as { id?: unknown })?.id === 'string'
        ? (obj.customer as { id: string }).id
        : null;
  const subscriptionChange = subscriptionChangeOf(e.type, obj, e.data?.previous_attributes);
  return [
    {
      key: e.id,
      type: e.type,
      data: {
        id: e.id,
        type: e.type,
        created: Number(e.created) || 0,
        object: { object: obj.object, id: obj.id, customer },
        ...(subscriptionChange ? { subscriptionChange } : {}),
      },
    },
  ];
}

type Record_ = 'account' | 'invoices' | 'cards';

/** What each event family makes stale, and which object to re-read for its owner. */
function classify(type: string): { owned?: BillingObject; records: Record_[] } | undefined {
  if (type.startsWith('customer.subscription.')) return { owned: 'subscription', records: ['account'] };
  if (type.startsWith('customer.source.') || type.startsWith('customer.tax_id.') || type.startsWith('customer.discount.'))
    return { records: ['account'] };
  if (type.startsWith('customer.')) return { records: ['account', 'cards'] };
  if (type.startsWith('invoice.')) return { owned: 'invoice', records: ['invoices'] };
  if (type.startsWith('payment_method.')) return { owned: 'payment_method', records: ['cards'] };
  return undefined;
}

export async function handleStripe(e: StripeEventData, d: EventHandlerDeps): Promise<string> {
  // The catalog changed (a price or product created, updated, taken off sale): the plan list is stale.
  if (e.type.startsWith('price.') || e.type.startsWith('product.')) {
    await d.cache.purge([billingKeys(d.prefix).plans()]);
    return 'applied';
  }
  const what = classify(e.type);
  if (!what) return 'ignored';
  const o = e.object;
  // The owner as Stripe knows it now; a detached payment method keeps the owner the event named.
  // An invoice's or a subscription's customer never changes in Stripe, so the signed event's own
  // is the owner now: no re-read (half the worker's Stripe reads at 50 changes/s). A payment
  // method moves between customers (attach, detach), so its owner is re-read.
  const immutableOwner = (what.owned === 'invoice' || what.owned === 'subscription') && o.object === what.owned && o.customer;
  const stripeId =
    o.object === 'customer'
      ? o.id
      : immutableOwner
        ? o.customer
        : ((what.owned ? await d.billing.ownerOf(what.owned, o.id) : null) ?? o.customer);
  if (!stripeId) return 'no customer';
  const customer = await d.billing.customer(stripeId);
  const crmId = customer?.crmId ?? null;
  if (!crmId) return 'customer not linked to the CRM';
  if (!customer?.deleted) await d.onLinkSeen({ crmId, billingCustomerId: stripeId, source: `stripe:${e.type}` });
  const keys = billingKeys(d.prefix);
  await d.cache.purge(what.records.map((r) => keys[r](crmId)));
  await d.publish({
    system: 'stripe',
    eventId: e.id,
    type: e.type,
    object: o.object,
    objectId: o.id,
    crmId,
    purged: what.records.map((r) => `billing.${r}`),
  });
  // A customer changed (an address edited in the Dashboard, or our own write's echo): the job
  // re-reads Stripe and the CRM and writes the CRM's copy only if it differs.
  if (e.type === 'customer.updated' && o.object === 'customer' && !customer?.deleted) await d.replicateBilling?.(crmId, `stripe.${e.id}`);
  const domain = DOMAIN_EVENTS[e.type];
  const at = new Date((e.created || Math.floor(Date.now() / 1000)) * 1000).toISOString();
  if (domain && o.object === 'invoice' && !customer?.deleted)
    await d.emit({ id: `stripe:${e.id}`, type: domain, at, data: { invoiceId: o.id, crmId, billingCustomerId: stripeId } });
  // A subscription canceled or resumed (the change read from the event's own snapshot; the
  // automations re-read the subscription before acting, so a late event changes nothing wrong).
  if (e.subscriptionChange && o.object === 'subscription' && !customer?.deleted)
    await d.emit({
      id: `stripe:${e.id}`,
      type: e.subscriptionChange === 'canceled' ? 'billing.subscription.canceled' : 'billing.subscription.resumed',
      at,
      data: { subscriptionId: o.id, crmId, billingCustomerId: stripeId },
    });
  return 'applied';
}

/** Stripe's event types -> Portico's domain events (the automations' triggers). */
const DOMAIN_EVENTS: Readonly<Partial<Record<string, 'billing.invoice.payment_failed' | 'billing.invoice.paid'>>> = {
  'invoice.payment_failed': 'billing.invoice.payment_failed',
  'invoice.paid': 'billing.invoice.paid',
};

export const stripeWebhook: WebhookReceiver<StripeEventData> = {
  verify: (req, config) => verifyStripe(req, config.stripe.webhookSecrets),
  parse: parseStripe,
  handle: handleStripe,
};
