/**
 * Stripe through the official SDK. Batching: Stripe has no multi-id retrieve, but its Search API
 * takes up to 10 OR-ed clauses, so customers (by our CRM id in metadata, with subscriptions
 * expanded) and invoices (by customer) cost one call per 10 customers. Payment methods have no
 * search, so they are one call per customer with bounded concurrency.
 *
 * Search is eventually consistent (Stripe: "searchable in under 1 minute"); webhooks invalidate
 * caches, and a customer created seconds ago may show no billing until it is indexed.
 */
import Stripe from 'stripe';
import { UpstreamError } from '../../errors/index.js';
import { chunk } from '../../platform/concurrency.js';
import type { Breaker } from '../../platform/breaker.js';
import type { Logger } from '../../platform/logger.js';
import { traceStripeHttpClient, withUpstreamRoute } from '../../platform/upstream-tracing.js';
import { createUnknownValueLog } from '../../platform/unknown.js';
import {
  toBillingAccount,
  toCard,
  toInvoice,
  toSubscription,
  type BillingAccount,
  type CardSummary,
  type InvoiceSummary,
  type StripeSubscription,
} from './mappers.js';

export interface BillingConnector {
  /** Billing accounts by CRM contact id (Stripe customer metadata `crm_contact_id`). */
  accountsByCrmIds(crmIds: readonly string[]): Promise<Map<string, BillingAccount>>;
  /** Every invoice of each Stripe customer, newest first. */
  invoicesByCustomers(stripeIds: readonly string[]): Promise<Map<string, InvoiceSummary[]>>;
  cards(stripeId: string): Promise<CardSummary[]>;
  /** One Stripe customer, re-read (webhook handlers): its CRM id from metadata; null when it does not exist. */
  customer(stripeId: string): Promise<{ id: string; crmId: string | null; deleted: boolean } | null>;
  /** The Stripe customer an invoice, subscription or payment method belongs to now, re-read; null when gone or detached. */
  ownerOf(object: StripeOwnedObject, id: string): Promise<string | null>;
  /**
   * Sets or clears `cancel_at_period_end`. With `idempotencyKey` Stripe receives it and the SDK
   * may retry; without one the call is sent once (a lost answer is not resent blindly).
   */
  setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean, idempotencyKey?: string): Promise<StripeSubscription>;
  /** Cancels at once (DELETE, idempotent by definition at Stripe). */
  cancelSubscriptionNow(subscriptionId: string): Promise<StripeSubscription>;
  /** The replicated contact fields of Stripe customers, by CRM contact id (metadata search, 10 ids a call). */
  customerContactsByCrmIds(crmIds: readonly string[]): Promise<Map<string, StripeCustomerContact>>;
  /** Sets a Stripe customer's name/email; `idempotencyKey` is sent as Stripe's Idempotency-Key. */
  updateCustomerContact(stripeId: string, fields: { name?: string; email?: string }, idempotencyKey: string): Promise<void>;
}

export interface StripeCustomerContact {
  id: string;
  name: string | null;
  email: string | null;
}

export type StripeOwnedObject = 'invoice' | 'subscription' | 'payment_method';

export interface BillingConnectorOptions {
  secretKey: string;
  /** e.g. https://api.stripe.com or the simulator's URL. */
  apiBase: string;
  timeoutMs: number;
  retries: number;
  logger?: Logger;
  /** Every HTTP attempt (retries included) with its HTTP status, or 'error' when no response came. */
  onCall?: (route: string, status: number | 'error') => void;
  breaker?: Breaker;
}

/** The metric's route label of a Stripe API path: Portico's name for it, or the path with ids replaced. */
function stripeRoute(method: string, path: string): string {
  const p = path.split('?')[0];
  if (p === '/v1/customers/search') return 'customers.search';
  if (p === '/v1/invoices/search') return 'invoices.search';
  if (/^\/v1\/customers\/[^/]+\/payment_methods$/.test(p)) return 'paymentMethods.list';
  return `${method} ${p.replace(/\/(cus|in|sub|pm|evt|ch|pi)_[A-Za-z0-9]+/g, '/{id}')}`;
}

const SEARCH_CLAUSES = 10; // Stripe's limit of clauses in one search query
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Search values are quoted; ids are checked so a crafted id can't change the query. */
function orQuery(field: string, values: readonly string[]): string {
  for (const v of values) if (!SAFE_ID.test(v)) throw new UpstreamError('billing', 'unavailable', 'invalid id');
  return values.map((v) => `${field}:'${v}'`).join(' OR ');
}

export function mapStripeError(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof Stripe.errors.StripeRateLimitError) return new UpstreamError('billing', 'rate_limited');
  if (err instanceof Stripe.errors.StripeConnectionError && /timeout|timed out/i.test(err.message))
    return new UpstreamError('billing', 'timeout');
  return new UpstreamError('billing', 'unavailable');
}

/**
 * The SDK's own Node HTTP client, with every attempt (its retries included) reported with the
 * HTTP status, or 'error' when no response came. (The SDK's `response` event fires only for
 * the final, successful response.)
 */
function countingHttpClient(onCall: BillingConnectorOptions['onCall']): Stripe.HttpClient {
  const base = Stripe.createNodeHttpClient();
  const counting = Object.create(base) as Stripe.HttpClient;
  counting.makeRequest = async (host, port, path, method, headers, data, protocol, timeout) => {
    try {
      const res = await base.makeRequest(host, port, path, method, headers, data, protocol, timeout);
      onCall?.(stripeRoute(method, path), res.getStatusCode());
      return res;
    } catch (err) {
      onCall?.(stripeRoute(method, path), 'error');
      throw err;
    }
  };
  return counting;
}

async function notFoundAsNull<T>(fn: () => Promise<T>): Promise<T | null> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return null;
    throw err;
  }
}

export function createBillingConnector(o: BillingConnectorOptions): BillingConnector {
  const url = new URL(o.apiBase);
  const stripe = new Stripe(o.secretKey, {
    httpClient: traceStripeHttpClient(countingHttpClient(o.onCall), 'billing'),
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    timeout: o.timeoutMs,
    maxNetworkRetries: o.retries,
    telemetry: false,
    appInfo: { name: 'portico' },
  });
  const onUnknown = createUnknownValueLog({ system: 'billing', logger: o.logger });
  async function call<T>(route: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await withUpstreamRoute(route, () => (o.breaker ? o.breaker.run(fn) : fn()));
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) throw err;
      o.logger?.warn({ system: 'billing', route, err: (err as Error).message }, 'stripe call failed');
      throw mapStripeError(err);
    }
  }
  return {
    async accountsByCrmIds(crmIds) {
      const out = new Map<string, BillingAccount>();
      await Promise.all(
        chunk(crmIds, SEARCH_CLAUSES).map(async (ids) => {
          const res = await call('customers.search', () =>
            stripe.customers.search({ query: orQuery("metadata['crm_contact_id']", ids), limit: 100, expand: ['data.subscriptions'] }),
          );
          for (const c of res.data) {
            const crmId = c.metadata?.crm_contact_id;
            if (crmId && ids.includes(crmId)) out.set(crmId, toBillingAccount(crmId, c, onUnknown));
          }
        }),
      );
      return out;
    },
    async invoicesByCustomers(stripeIds) {
      const out = new Map<string, InvoiceSummary[]>(stripeIds.map((id) => [id, []]));
      await Promise.all(
        chunk(stripeIds, SEARCH_CLAUSES).map(async (ids) => {
          let page: string | undefined;
          do {
            const res: Stripe.ApiSearchResult<Stripe.Invoice> = await call('invoices.search', () =>
              stripe.invoices.search({ query: orQuery('customer', ids), limit: 100, ...(page ? { page } : {}) }),
            );
            for (const inv of res.data) {
              const cid = typeof inv.customer === 'string' ? inv.customer : inv.customer?.id;
              if (cid) out.get(cid)?.push(toInvoice(inv, onUnknown));
            }
            page = res.has_more && res.next_page ? res.next_page : undefined;
          } while (page);
        }),
      );
      for (const list of out.values())
        list.sort((a, b) => (a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1));
      return out;
    },
    async cards(stripeId) {
      const res = await call('paymentMethods.list', () => stripe.customers.listPaymentMethods(stripeId, { type: 'card', limit: 100 }));
      return res.data.map(toCard).filter((c): c is CardSummary => c !== null);
    },
    async customer(stripeId) {
      const c = await notFoundAsNull(() => call('customers.retrieve', () => stripe.customers.retrieve(stripeId)));
      if (!c) return null;
      if ((c as Stripe.DeletedCustomer).deleted) return { id: c.id, crmId: null, deleted: true };
      return { id: c.id, crmId: (c as Stripe.Customer).metadata?.crm_contact_id ?? null, deleted: false };
    },
    async ownerOf(object, id) {
      const owner = (o: { customer?: string | { id: string } | null } | null) =>
        o ? (typeof o.customer === 'string' ? o.customer : (o.customer?.id ?? null)) : null;
      if (object === 'invoice') return owner(await notFoundAsNull(() => call('invoices.retrieve', () => stripe.invoices.retrieve(id))));
      if (object === 'subscription')
        return owner(await notFoundAsNull(() => call('subscriptions.retrieve', () => stripe.subscriptions.retrieve(id))));
      return owner(await notFoundAsNull(() => call('paymentMethods.retrieve', () => stripe.paymentMethods.retrieve(id))));
    },
    async setCancelAtPeriodEnd(subscriptionId, cancel, idempotencyKey) {
      const sub = await call('subscriptions.update', () =>
        stripe.subscriptions.update(
          subscriptionId,
          { cancel_at_period_end: cancel },
          idempotencyKey ? { idempotencyKey } : { maxNetworkRetries: 0 },
        ),
      );
      return toSubscription(sub, onUnknown);
    },
    async cancelSubscriptionNow(subscriptionId) {
      return toSubscription(await call('subscriptions.cancel', () => stripe.subscriptions.cancel(subscriptionId)), onUnknown);
    },
    async customerContactsByCrmIds(crmIds) {
      const out = new Map<string, StripeCustomerContact>();
      // One search at a time: reconciliation walks every customer and must stay under Stripe's search rate limit.
      for (const ids of chunk(crmIds, SEARCH_CLAUSES)) {
        const res = await call('customers.search', () =>
          stripe.customers.search({ query: orQuery("metadata['crm_contact_id']", ids), limit: 100 }),
        );
        for (const c of res.data) {
          const crmId = c.metadata?.crm_contact_id;
          if (crmId && ids.includes(crmId)) out.set(crmId, { id: c.id, name: c.name ?? null, email: c.email ?? null });
        }
      }
      return out;
    },
    async updateCustomerContact(stripeId, fields, idempotencyKey) {
      await call('customers.update', () => stripe.customers.update(stripeId, fields, { idempotencyKey }));
    },
  };
}
