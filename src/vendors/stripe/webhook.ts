/**
 * Stripe: `Stripe-Signature` (t=, one or more v1=) verified by the official SDK over the raw
 * bytes with a 300 s tolerance, against each configured secret (several during a rotation).
 * The handler treats the event as a notification: it re-reads the object's owner from Stripe,
 * so an old event replayed late cannot point at stale data, and refreshes that customer's records
 * in the entity cache: what it holds is written through (the customer it re-read; the invoice the
 * event carries, when newer than the cached copy), the rest is dropped.
 */
import Stripe from 'stripe';
import { billingKeys } from '../../subgraphs/billing/loaders.js';
import type { BillingObject, InvoiceSummary } from '../../ports/billing.js';
import type { EntityCache } from '../../platform/cache.js';
import { checkTimestamp, header, parseJson, WebhookRejected } from '../../webhooks/verify.js';
import type { EventHandlerDeps, ReceivedEvent, WebhookRequest } from '../../webhooks/types.js';
import type { WebhookReceiver } from '../types.js';
import { toInvoice } from './mappers.js';

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
  /** The invoice as the event carries it (Stripe's `invoice.*` events hold the whole invoice), mapped; absent for a partial object. */
  invoice?: InvoiceSummary;
  /** The CRM id in the event's own customer snapshot (`metadata.crm_contact_id`): which cached account a `customer.*` event may refresh. */
  crmIdHint?: string;
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
  const invoice = obj.object === 'invoice' ? invoiceOf(obj) : undefined;
  const hint = obj.object === 'customer' ? (obj as { metadata?: { crm_contact_id?: unknown } }).metadata?.crm_contact_id : undefined;
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
        ...(invoice ? { invoice } : {}),
        ...(typeof hint === 'string' && hint ? { crmIdHint: hint } : {}),
      },
    },
  ];
}

/** The whole invoice an event carries, mapped as a read maps it; undefined for a partial object (then the list is dropped). */
function invoiceOf(obj: Record<string, unknown>): InvoiceSummary | undefined {
  const num = (k: string) => typeof obj[k] === 'number';
  if (
    typeof obj.status !== 'string' ||
    !num('amount_due') ||
    !num('amount_paid') ||
    !num('amount_remaining') ||
    !num('created') ||
    typeof obj.currency !== 'string' ||
    !('number' in obj) ||
    !('due_date' in obj)
  )
    return undefined;
  try {
    return toInvoice(obj as unknown as Parameters<typeof toInvoice>[0]);
  } catch {
    return undefined;
  }
}

/**
 * Where an invoice's status is in its life (Stripe: draft -> open -> paid | void | uncollectible,
 * uncollectible -> paid | void); a snapshot later in it is newer. Undefined: not placed (UNKNOWN).
 */
const LIFECYCLE: Readonly<Partial<Record<InvoiceSummary['status'], number>>> = { DRAFT: 0, OPEN: 1, UNCOLLECTIBLE: 2, PAID: 3, VOID: 3 };

/**
 * The event's invoice against the cached copy, by the invoice's own fields (Stripe invoices carry
 * no version): `same`, `newer` (later in its life, or more paid), `older`, or `unknown` (neither
 * can be told, e.g. a draft edited: then the cached list is dropped, never guessed).
 */
export function compareInvoice(event: InvoiceSummary, cached: InvoiceSummary): 'same' | 'newer' | 'older' | 'unknown' {
  const fields = Object.keys(event) as (keyof InvoiceSummary)[];
  if (fields.length === Object.keys(cached).length && fields.every((k) => event[k] === cached[k])) return 'same';
  if (event.createdAt !== cached.createdAt || event.currency !== cached.currency) return 'unknown';
  const a = LIFECYCLE[event.status];
  const b = LIFECYCLE[cached.status];
  if (a === undefined || b === undefined) return 'unknown';
  const paidUp = event.amountPaid >= cached.amountPaid && event.amountRemaining <= cached.amountRemaining;
  const paidDown = event.amountPaid <= cached.amountPaid && event.amountRemaining >= cached.amountRemaining;
  // Paid and void are both ends (the same place): neither is after the other, told apart below as unknown.
  if (a !== b) {
    if (a > b) return event.amountPaid >= cached.amountPaid ? 'newer' : 'unknown';
    return event.amountPaid <= cached.amountPaid ? 'older' : 'unknown';
  }
  if (event.status === cached.status && event.amountPaid !== cached.amountPaid) {
    if (paidUp) return 'newer';
    if (paidDown) return 'older';
  }
  return 'unknown';
}

/**
 * The event's invoice into the customer's cached invoice list (every invoice, newest first): a
 * newer copy replaces the cached one in place (its place in the list and every page stay the same:
 * an invoice's creation time never changes); an older or equal one leaves the list; a list
 * without it (a new invoice) or one where neither can be told is dropped. No list cached: dropped
 * too (its stale copy may be older). Compare-and-set on the list, so a concurrent change is never
 * overwritten (then the list is dropped).
 */
async function refreshInvoice(
  cache: EntityCache,
  key: string,
  invoice: InvoiceSummary,
  ttlS: number,
): Promise<'written' | 'kept' | 'purged'> {
  const raw = await cache.peek(key);
  // No list cached: nothing to write into (the next read loads it); dropped anyway, for its stale copy.
  if (raw === null) {
    await cache.purge([key]);
    return 'purged';
  }
  let list: unknown;
  try {
    list = JSON.parse(raw);
  } catch {
    list = undefined;
  }
  const at = Array.isArray(list) ? (list as InvoiceSummary[]).findIndex((i) => i?.id === invoice.id) : -1;
  const verdict = at < 0 ? 'unknown' : compareInvoice(invoice, (list as InvoiceSummary[])[at]);
  if (verdict === 'same' || verdict === 'older') return 'kept';
  if (verdict === 'unknown') {
    await cache.purge([key]);
    return 'purged';
  }
  const next = [...(list as InvoiceSummary[])];
  next[at] = invoice;
  return cache.replace(key, raw, next, ttlS);
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
  const keys = billingKeys(d.prefix);
  // The account this customer's event may write through: the one of the CRM id in the event's own
  // snapshot, as cached before the re-read below (compare-and-set: a write that read Stripe earlier
  // never replaces a later one's).
  const hinted = o.object === 'customer' && what.records.includes('account') && e.crmIdHint ? e.crmIdHint : undefined;
  const accountBefore = hinted ? await d.cache.peek(keys.account(hinted)) : null;
  const customer = await d.billing.customer(stripeId);
  const crmId = customer?.crmId ?? null;
  if (!crmId) return 'customer not linked to the CRM';
  if (!customer?.deleted) await d.onLinkSeen({ crmId, billingCustomerId: stripeId, source: `stripe:${e.type}` });
  const refreshed: Record_[] = [];
  const dropped: Record_[] = [];
  for (const r of what.records) {
    const key = keys[r](crmId);
    let outcome: 'written' | 'kept' | 'purged' | undefined;
    // The customer as just re-read (newer than the event), in place of the cached account.
    if (r === 'account' && hinted === crmId && customer?.account && !customer.deleted)
      outcome = await d.cache.replace(key, accountBefore, customer.account, d.ttl.account);
    // The invoice the event carries, into the cached list when newer than its copy there.
    else if (r === 'invoices' && e.invoice && o.object === 'invoice' && e.invoice.id === o.id)
      outcome = await refreshInvoice(d.cache, key, e.invoice, d.ttl.invoices);
    if (outcome === 'written' || outcome === 'kept') refreshed.push(r);
    else if (outcome === 'purged') dropped.push(r);
    else {
      await d.cache.purge([key]);
      dropped.push(r);
    }
  }
  await d.publish({
    system: 'stripe',
    eventId: e.id,
    type: e.type,
    object: o.object,
    objectId: o.id,
    crmId,
    purged: dropped.map((r) => `billing.${r}`),
    ...(refreshed.length ? { refreshed: refreshed.map((r) => `billing.${r}`) } : {}),
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
