/**
 * Stripe through the official SDK. Batching: Stripe has no multi-id retrieve, but its Search API
 * takes up to 10 OR-ed clauses, so customers (by our CRM id in metadata, with subscriptions
 * expanded) and invoices (by customer) cost one call per 10 customers. Payment methods have no
 * search, so they are one call per customer with bounded concurrency.
 *
 * Search is eventually consistent (Stripe: "searchable in under 1 minute"); webhooks invalidate
 * caches, and a customer created seconds ago may show no billing until it is indexed.
 */
import { createHash } from 'node:crypto';
import Stripe from 'stripe';
import { UpstreamError } from '../../errors/index.js';
import { chunk } from '../../platform/concurrency.js';
import { RetryableError, type UpstreamPolicy } from '../../platform/upstream.js';
import type { Priority } from '../../platform/budget.js';
import { parseRetryAfter } from '../../platform/http.js';
import type { Logger } from '../../platform/logger.js';
import { traceStripeHttpClient, withUpstreamRoute } from '../../platform/upstream-tracing.js';
import { createUnknownValueLog } from '../../platform/unknown.js';
import {
  BillingInputError,
  PaymentDeclinedError,
  type BillingAccount,
  type BillingContact,
  type BillingPort,
  type CardSummary,
  type InvoiceSummary,
  type Plan,
  type PlanChangeOptions,
  type SubscriptionState,
} from '../../ports/billing.js';
import {
  INVOICE_EMAIL_MARKER,
  invoiceEmailOf,
  STRIPE_TAX_ID_TYPES,
  toBillingAccount,
  toCard,
  toInvoice,
  toPlan,
  toSubscription,
  toSubscriptionState,
} from './mappers.js';

/** Stripe as Portico's billing system: the billing port (src/ports/billing.ts). */
export type BillingConnector = BillingPort;

export interface BillingConnectorOptions {
  secretKey: string;
  /** e.g. https://api.stripe.com or the simulator's URL. */
  apiBase: string;
  /** Deadline, retries, breaker: the SDK's own retries are off and its timeout is the time left. */
  policy: UpstreamPolicy;
  logger?: Logger;
}

/** Webhook handlers' re-reads: background work, which yields the vendor budget to interactive reads. */
const BG: Priority = 'background';

const SEARCH_CLAUSES = 10; // Stripe's limit of clauses in one search query
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** Search values are quoted; ids are checked so a crafted id can't change the query. */
function orQuery(field: string, values: readonly string[]): string {
  for (const v of values) if (!SAFE_ID.test(v)) throw new UpstreamError('billing', 'unavailable', 'invalid id');
  return values.map((v) => `${field}:'${v}'`).join(' OR ');
}

const newestFirst = (a: InvoiceSummary, b: InvoiceSummary) =>
  a.createdAt === b.createdAt ? (a.id < b.id ? 1 : -1) : a.createdAt < b.createdAt ? 1 : -1;

/** Stripe's address fields by the port's names. */
const ADDRESS_PARAMS = {
  line1: 'line1',
  line2: 'line2',
  city: 'city',
  postalCode: 'postal_code',
  state: 'state',
  country: 'country',
} as const;

/** A 400 naming a parameter, as the port's BillingInputError naming the field in the patch's words. */
function inputRefusal(field: (param: string | undefined) => string | undefined) {
  return (err: unknown): Error | undefined => {
    if (!(err instanceof Stripe.errors.StripeInvalidRequestError) || err.statusCode !== 400 || err.type === 'StripeIdempotencyError')
      return undefined;
    const f = field(err.param);
    return f ? new BillingInputError(err.message, f) : undefined;
  };
}

/** Prices read for the plan list at most (10 pages of 100): a catalog larger than that is cut, with a warning. */
const PLANS_MAX = 1000;

/** A plan change's parameter the vendor refused, by the port's field names (Stripe names it in its own words). */
const planRefusal = inputRefusal((param) =>
  param === undefined ? undefined : /price\]?$/.test(param) ? 'planId' : /proration_date\]?$/.test(param) ? 'prorationDate' : undefined,
);

/** The one item a plan change acts on (the port's callers check there is exactly one). */
function onlyItem(sub: SubscriptionState) {
  const item = sub.items[0];
  if (sub.items.length !== 1 || !item) throw new BillingInputError('The subscription does not have exactly one item.', 'subscriptionId');
  return item;
}

/** The subscription-update parameters of a plan change, the same for its preview and for the change. */
function planChangeParams(sub: SubscriptionState, planId: string, o: PlanChangeOptions) {
  return {
    items: [{ id: onlyItem(sub).id, price: planId }],
    proration_behavior: o.prorate ? ('create_prorations' as const) : ('none' as const),
    ...(o.prorate ? { proration_date: Math.floor(Date.parse(o.prorationDate) / 1000) } : {}),
  };
}

const byPlanOrder = (a: Plan, b: Plan) => {
  const order = ['DAY', 'WEEK', 'MONTH', 'YEAR', 'UNKNOWN'];
  return (
    (a.productName ?? a.name).localeCompare(b.productName ?? b.name) ||
    order.indexOf(a.interval) - order.indexOf(b.interval) ||
    a.intervalCount - b.intervalCount ||
    (a.amount ?? Infinity) - (b.amount ?? Infinity) ||
    (a.id < b.id ? -1 : 1)
  );
};

/** Stripe kept this idempotency key for a request with other parameters. */
class KeyUsedOtherwise extends Error {}

/** A detach of a card no longer attached: the removal is already done. */
class DetachedAlready extends Error {}

/** The derived key of one of a write's several Stripe calls (a retry sends each with the same key). */
const partKey = (key: string | undefined, part: string) =>
  key ? `${key}-${createHash('sha256').update(part).digest('hex').slice(0, 16)}` : undefined;

/** Tax id values compared as Stripe stores them: case and spacing do not count. */
const sameTaxId = (a: { type: string; value: string }, b: { type: string; value: string }) =>
  a.type === b.type && a.value.replace(/\s/g, '').toUpperCase() === b.value.replace(/\s/g, '').toUpperCase();

export function mapStripeError(err: unknown): UpstreamError {
  if (err instanceof UpstreamError) return err;
  if (err instanceof Stripe.errors.StripeRateLimitError) return new UpstreamError('billing', 'rate_limited');
  if (err instanceof Stripe.errors.StripeConnectionError && /timeout|timed out/i.test(err.message))
    return new UpstreamError('billing', 'timeout');
  return new UpstreamError('billing', 'unavailable');
}

/** A Stripe SDK error as the upstream policy sees it: retryable (network, 5xx, 429) or the caller's. */
function classifyStripe(err: unknown): unknown {
  if (err instanceof Stripe.errors.StripeRateLimitError)
    return new RetryableError('rate_limited', '429', parseRetryAfter(err.headers?.['retry-after']));
  if (err instanceof Stripe.errors.StripeConnectionError)
    return new RetryableError(/timeout|timed out/i.test(err.message) ? 'timeout' : 'unavailable', 'error');
  const status = (err as { statusCode?: number }).statusCode;
  if (err instanceof Stripe.errors.StripeAPIError || (typeof status === 'number' && status >= 500))
    return new RetryableError('unavailable', String(status ?? 'error'));
  return err;
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
    httpClient: traceStripeHttpClient(Stripe.createNodeHttpClient(), 'billing'),
    host: url.hostname,
    port: url.port || (url.protocol === 'https:' ? 443 : 80),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    timeout: o.policy.timeoutMs,
    maxNetworkRetries: 0, // retries belong to the policy, within its budget and deadline
    telemetry: false,
    appInfo: { name: 'portico' },
  });
  const onUnknown = createUnknownValueLog({ system: 'billing', logger: o.logger });
  /**
   * One Stripe call under the policy; `priority` 'background' (webhook re-reads, replica writes,
   * reconciliation) yields the vendor budget to reads. Reads are retried; a write only when it is
   * `idempotent` (it carries a Stripe idempotency key, or is a DELETE).
   */
  async function call<T>(
    route: string,
    fn: (opts: Stripe.RequestOptions) => Promise<T>,
    priority: Priority = 'interactive',
    idempotent = true,
    /** A refusal of the caller's values (a 4xx the write's caller must see), as the port's error; undefined for others. */
    refusal?: (err: unknown) => Error | undefined,
  ): Promise<T> {
    try {
      return await withUpstreamRoute(route, () =>
        o.policy.call(
          { route, idempotent, classify: classifyStripe, cls: route.endsWith('.search') ? 'search' : undefined, priority },
          (_signal, remainingMs) => fn({ timeout: remainingMs, maxNetworkRetries: 0 }),
        ),
      );
    } catch (err) {
      if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) throw err;
      const refused = refusal?.(err);
      if (refused) throw refused;
      o.logger?.warn({ system: 'billing', route, err: (err as Error).message }, 'stripe call failed');
      throw mapStripeError(err);
    }
  }
  return {
    contactsPerCall: SEARCH_CLAUSES,
    async accountsByCrmIds(crmIds) {
      const out = new Map<string, BillingAccount>();
      await Promise.all(
        chunk(crmIds, SEARCH_CLAUSES).map(async (ids) => {
          const res = await call('customers.search', (ro) =>
            stripe.customers.search(
              { query: orQuery("metadata['crm_contact_id']", ids), limit: 100, expand: ['data.subscriptions', 'data.tax_ids'] },
              ro,
            ),
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
            const res: Stripe.ApiSearchResult<Stripe.Invoice> = await call('invoices.search', (ro) =>
              stripe.invoices.search({ query: orQuery('customer', ids), limit: 100, ...(page ? { page } : {}) }, ro),
            );
            for (const inv of res.data) {
              const cid = typeof inv.customer === 'string' ? inv.customer : inv.customer?.id;
              if (cid) out.get(cid)?.push(toInvoice(inv, onUnknown));
            }
            page = res.has_more && res.next_page ? res.next_page : undefined;
          } while (page);
        }),
      );
      for (const list of out.values()) list.sort(newestFirst);
      return out;
    },
    async accountsByLinks(links) {
      const out = new Map<string, BillingAccount>();
      await Promise.all(
        links.map(async ({ crmId, billingCustomerId: stripeCustomerId }) => {
          if (!SAFE_ID.test(stripeCustomerId)) return;
          let c: Stripe.Customer | Stripe.DeletedCustomer;
          try {
            c = await call('customers.retrieve', (ro) =>
              stripe.customers.retrieve(stripeCustomerId, { expand: ['subscriptions', 'tax_ids'] }, ro),
            );
          } catch (err) {
            if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return;
            throw err;
          }
          if (!('deleted' in c && c.deleted) && c.metadata?.crm_contact_id === crmId) out.set(crmId, toBillingAccount(crmId, c, onUnknown));
        }),
      );
      return out;
    },
    async invoicesOf(stripeId) {
      const out: InvoiceSummary[] = [];
      let startingAfter: string | undefined;
      do {
        const res: Stripe.ApiList<Stripe.Invoice> = await call('invoices.list', (ro) =>
          stripe.invoices.list({ customer: stripeId, limit: 100, ...(startingAfter ? { starting_after: startingAfter } : {}) }, ro),
        );
        out.push(...res.data.map((inv) => toInvoice(inv, onUnknown)));
        startingAfter = res.has_more ? res.data.at(-1)?.id : undefined;
      } while (startingAfter);
      return out.sort(newestFirst);
    },
    async cards(stripeId) {
      const res = await call('paymentMethods.list', (ro) =>
        stripe.customers.listPaymentMethods(stripeId, { type: 'card', limit: 100 }, ro),
      );
      return res.data.map(toCard).filter((c): c is CardSummary => c !== null);
    },
    async customer(stripeId) {
      // Expanded as accountsByLinks reads it (the same one call): the event path writes the account through to the cache.
      const c = await notFoundAsNull(() =>
        call('customers.retrieve', (ro) => stripe.customers.retrieve(stripeId, { expand: ['subscriptions', 'tax_ids'] }, ro), BG),
      );
      if (!c) return null;
      if ((c as Stripe.DeletedCustomer).deleted) return { id: c.id, crmId: null, deleted: true };
      const crmId = (c as Stripe.Customer).metadata?.crm_contact_id ?? null;
      return { id: c.id, crmId, deleted: false, ...(crmId ? { account: toBillingAccount(crmId, c as Stripe.Customer, onUnknown) } : {}) };
    },
    async ownerOf(object, id) {
      const owner = (o: { customer?: string | { id: string } | null } | null) =>
        o ? (typeof o.customer === 'string' ? o.customer : (o.customer?.id ?? null)) : null;
      if (object === 'invoice')
        return owner(await notFoundAsNull(() => call('invoices.retrieve', (ro) => stripe.invoices.retrieve(id, {}, ro), BG)));
      if (object === 'subscription')
        return owner(await notFoundAsNull(() => call('subscriptions.retrieve', (ro) => stripe.subscriptions.retrieve(id, {}, ro), BG)));
      return owner(await notFoundAsNull(() => call('paymentMethods.retrieve', (ro) => stripe.paymentMethods.retrieve(id, {}, ro), BG)));
    },
    async setCancelAtPeriodEnd(subscriptionId, cancel, idempotencyKey) {
      const sub = await call(
        'subscriptions.update',
        (ro) =>
          stripe.subscriptions.update(subscriptionId, { cancel_at_period_end: cancel }, idempotencyKey ? { ...ro, idempotencyKey } : ro),
        'interactive',
        idempotencyKey !== undefined,
      );
      return toSubscription(sub, onUnknown);
    },
    async cancelSubscriptionNow(subscriptionId) {
      return toSubscription(await call('subscriptions.cancel', (ro) => stripe.subscriptions.cancel(subscriptionId, {}, ro)), onUnknown);
    },
    async customerContactsByCrmIds(crmIds) {
      const out = new Map<string, BillingContact>();
      // One search at a time: reconciliation walks every customer and must stay under Stripe's search rate limit.
      for (const ids of chunk(crmIds, SEARCH_CLAUSES)) {
        const res = await call(
          'customers.search',
          (ro) => stripe.customers.search({ query: orQuery("metadata['crm_contact_id']", ids), limit: 100 }, ro),
          BG,
        );
        for (const c of res.data) {
          const crmId = c.metadata?.crm_contact_id;
          if (crmId && ids.includes(crmId))
            out.set(crmId, {
              id: c.id,
              name: c.name ?? null,
              email: c.email ?? null,
              country: c.address?.country || null,
              ownEmail: invoiceEmailOf(c) !== null,
            });
        }
      }
      return out;
    },
    async customerContact(stripeId, crmId) {
      if (!SAFE_ID.test(stripeId)) return null;
      try {
        const c = await call('customers.retrieve', (ro) => stripe.customers.retrieve(stripeId, {}, ro), BG);
        if (('deleted' in c && c.deleted) || c.metadata?.crm_contact_id !== crmId) return null;
        return {
          id: c.id,
          name: c.name ?? null,
          email: c.email ?? null,
          country: c.address?.country || null,
          ownEmail: invoiceEmailOf(c) !== null,
        };
      } catch (err) {
        if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 404) return null;
        throw err;
      }
    },
    taxIdTypes: STRIPE_TAX_ID_TYPES,
    async updateDetails(stripeId, patch, idempotencyKey) {
      if (!SAFE_ID.test(stripeId)) throw new UpstreamError('billing', 'unavailable', 'invalid id');
      if (patch.taxIds) {
        const wanted = patch.taxIds;
        const now = await call('customers.listTaxIds', (ro) => stripe.customers.listTaxIds(stripeId, { limit: 100 }, ro));
        // Creations first: a refused value stops the write before anything is removed.
        for (const [i, t] of wanted.entries()) {
          if (now.data.some((x) => sameTaxId(x, t))) continue;
          const key = partKey(idempotencyKey, `tax_id\n${t.type}\n${t.value}`);
          await call(
            'customers.createTaxId',
            (ro) => stripe.customers.createTaxId(stripeId, { type: t.type, value: t.value }, key ? { ...ro, idempotencyKey: key } : ro),
            'interactive',
            key !== undefined,
            inputRefusal((param) => (param === 'type' || param === 'value' ? `taxIds[${i}].${param}` : `taxIds[${i}]`)),
          );
        }
        for (const x of now.data)
          if (!wanted.some((t) => sameTaxId(x, t)))
            // A DELETE is idempotent: one already gone (404, a retry after a lost answer) is done.
            await notFoundAsNull(() => call('customers.deleteTaxId', (ro) => stripe.customers.deleteTaxId(stripeId, x.id, {}, ro)));
      }
      if (patch.address || patch.invoiceEmail !== undefined) {
        const params: Stripe.CustomerUpdateParams = {};
        if (patch.address) {
          const a = patch.address;
          params.address = Object.fromEntries(
            Object.entries(ADDRESS_PARAMS).map(([k, p]) => [p, a[k as keyof typeof ADDRESS_PARAMS] ?? '']),
          );
        }
        // Stripe sends invoices and receipts to the customer's `email`. Set here, it is marked as the
        // billing system's own (the CRM's copy stops); cleared, the marker goes (an empty string
        // deletes a metadata key) and the next replica job copies the CRM's email back.
        if (patch.invoiceEmail !== undefined) {
          if (patch.invoiceEmail !== null) params.email = patch.invoiceEmail;
          params.metadata = { [INVOICE_EMAIL_MARKER]: patch.invoiceEmail === null ? '' : 'set' };
        }
        const key = partKey(idempotencyKey, patch.invoiceEmail === undefined ? 'address' : 'customer');
        const byParam: Record<string, string> = {
          ...Object.fromEntries(Object.entries(ADDRESS_PARAMS).map(([k, p]) => [`address[${p}]`, `address.${k}`])),
          email: 'invoiceEmail',
        };
        // Absolute values: the same update twice leaves the same customer, so it may be retried.
        await call(
          'customers.update',
          (ro) => stripe.customers.update(stripeId, params, key ? { ...ro, idempotencyKey: key } : ro),
          'interactive',
          true,
          inputRefusal((param) => (param ? byParam[param] : undefined)),
        );
      }
    },
    async invoice(invoiceId) {
      if (!SAFE_ID.test(invoiceId)) return null;
      const inv = await notFoundAsNull(() => call('invoices.retrieve', (ro) => stripe.invoices.retrieve(invoiceId, {}, ro)));
      if (!inv) return null;
      const cid = typeof inv.customer === 'string' ? inv.customer : (inv.customer?.id ?? null);
      return { invoice: toInvoice(inv, onUnknown), billingCustomerId: cid };
    },
    async subscriptionWithCustomer(subscriptionId) {
      if (!SAFE_ID.test(subscriptionId)) return null;
      const sub = await notFoundAsNull(() =>
        call('subscriptions.retrieve', (ro) => stripe.subscriptions.retrieve(subscriptionId, {}, ro), BG),
      );
      if (!sub) return null;
      const cid = typeof sub.customer === 'string' ? sub.customer : (sub.customer?.id ?? null);
      return { subscription: toSubscription(sub, onUnknown), billingCustomerId: cid };
    },
    async payInvoice(invoiceId, idempotencyKey) {
      const inv = await call(
        'invoices.pay',
        (ro) => stripe.invoices.pay(invoiceId, {}, idempotencyKey ? { ...ro, idempotencyKey } : ro),
        'interactive',
        // Only a keyed payment is safe to send twice (Stripe answers the retry with the first attempt).
        idempotencyKey !== undefined,
        (err) => {
          if (err instanceof Stripe.errors.StripeCardError)
            return new PaymentDeclinedError(err.message, err.code ?? 'card_declined', err.decline_code ?? null);
          if (err instanceof Stripe.errors.StripeInvalidRequestError && err.statusCode === 400 && err.type !== 'StripeIdempotencyError')
            return new BillingInputError(err.message, 'id');
          return undefined;
        },
      );
      return toInvoice(inv, onUnknown);
    },
    async startCardSetup(stripeId, idempotencyKey) {
      if (!SAFE_ID.test(stripeId)) throw new UpstreamError('billing', 'unavailable', 'invalid id');
      const intent = await call(
        'setupIntents.create',
        (ro) =>
          stripe.setupIntents.create(
            // off_session: the card is saved to charge invoices later, without the customer present.
            { customer: stripeId, allowed_payment_method_types: ['card'], usage: 'off_session' },
            idempotencyKey ? { ...ro, idempotencyKey } : ro,
          ),
        'interactive',
        // Unkeyed, a retry would leave a second (unused, harmless) SetupIntent: still sent once.
        idempotencyKey !== undefined,
      );
      if (!intent.client_secret) throw new UpstreamError('billing', 'unavailable', 'setup intent without client secret');
      return { id: intent.id, clientSecret: intent.client_secret };
    },
    async setDefaultCard(stripeId, paymentMethodId, idempotencyKey) {
      await call(
        'customers.update',
        (ro) =>
          stripe.customers.update(
            stripeId,
            { invoice_settings: { default_payment_method: paymentMethodId } },
            idempotencyKey ? { ...ro, idempotencyKey } : ro,
          ),
        'interactive',
        // Absolute value: the same update twice leaves the same customer.
        true,
        inputRefusal((param) => (param?.startsWith('invoice_settings') ? 'id' : undefined)),
      );
    },
    async removeCard(paymentMethodId, idempotencyKey) {
      try {
        await call(
          'paymentMethods.detach',
          (ro) => stripe.paymentMethods.detach(paymentMethodId, {}, idempotencyKey ? { ...ro, idempotencyKey } : ro),
          'interactive',
          idempotencyKey !== undefined,
          (err) =>
            // Already detached (a retry after a lost answer): done.
            err instanceof Stripe.errors.StripeInvalidRequestError && err.code === 'payment_method_unexpected_state'
              ? new DetachedAlready()
              : undefined,
        );
      } catch (err) {
        if (err instanceof DetachedAlready) return;
        throw err;
      }
    },
    async plans() {
      const out: Plan[] = [];
      let startingAfter: string | undefined;
      do {
        const res: Stripe.ApiList<Stripe.Price> = await call('prices.list', (ro) =>
          stripe.prices.list(
            {
              active: true,
              type: 'recurring',
              limit: 100,
              // The product's name and description, and the price in every currency it is sold in.
              expand: ['data.product', 'data.currency_options'],
              ...(startingAfter ? { starting_after: startingAfter } : {}),
            },
            ro,
          ),
        );
        out.push(...res.data.map((p) => toPlan(p, onUnknown)));
        startingAfter = res.has_more ? res.data.at(-1)?.id : undefined;
        if (startingAfter && out.length >= PLANS_MAX) {
          o.logger?.warn({ system: 'billing', plans: out.length }, `more than ${PLANS_MAX} active recurring prices: the plan list is cut`);
          break;
        }
      } while (startingAfter);
      return out.sort(byPlanOrder);
    },
    async subscription(subscriptionId) {
      if (!SAFE_ID.test(subscriptionId)) return null;
      const sub = await notFoundAsNull(() => call('subscriptions.retrieve', (ro) => stripe.subscriptions.retrieve(subscriptionId, {}, ro)));
      return sub ? toSubscriptionState(sub, onUnknown) : null;
    },
    async previewPlanChange(sub, planId, opts) {
      const params = planChangeParams(sub, planId, opts);
      // A preview changes nothing: safe to retry like a read.
      const inv = await call(
        'invoices.createPreview',
        (ro) =>
          stripe.invoices.createPreview(
            {
              ...(sub.billingCustomerId ? { customer: sub.billingCustomerId } : {}),
              subscription: sub.id,
              subscription_details: params,
            },
            ro,
          ),
        'interactive',
        true,
        (err) => planRefusal(err),
      );
      if (inv.lines.has_more) {
        // Stripe sends the first lines only; a proration summed over part of them would be wrong.
        o.logger?.warn({ system: 'billing', subscription: sub.id }, 'invoice preview with more lines than one page');
        throw new UpstreamError('billing', 'unavailable', 'invoice preview with more lines than one page');
      }
      // Stripe's recommended reading: the proration lines of this change start at its proration date.
      const prorationAmount = opts.prorate
        ? inv.lines.data
            .filter((l) => l.parent?.subscription_item_details?.proration && l.period.start === params.proration_date)
            .reduce((sum, l) => sum + l.amount, 0)
        : 0;
      return { prorationAmount, nextInvoiceTotal: inv.total, currency: inv.currency.toUpperCase() };
    },
    async changePlan(sub, planId, opts, idempotencyKey) {
      let updated: Stripe.Response<Stripe.Subscription>;
      try {
        updated = await call(
          'subscriptions.update',
          (ro) => stripe.subscriptions.update(sub.id, planChangeParams(sub, planId, opts), { ...ro, idempotencyKey }),
          'interactive',
          // Keyed: Stripe answers a retry with the first result, so the change (and its prorations) is made once.
          true,
          (err) =>
            err instanceof Stripe.errors.StripeIdempotencyError ||
            (err instanceof Stripe.errors.StripeInvalidRequestError && err.type === 'StripeIdempotencyError')
              ? new KeyUsedOtherwise()
              : planRefusal(err),
        );
      } catch (err) {
        if (!(err instanceof KeyUsedOtherwise)) throw err;
        // The client's retry under the same key, with a proration date of its own (none given: "now"
        // again): Stripe kept the first attempt under this key, so that attempt was made. Its result
        // is the subscription as it is now, when it is on the plan asked for.
        const now = await call('subscriptions.retrieve', (ro) => stripe.subscriptions.retrieve(sub.id, {}, ro));
        const items = now.items?.data ?? [];
        if (items.length === 1 && items[0]?.price?.id === planId) return { subscription: toSubscription(now, onUnknown), replayed: true };
        throw mapStripeError(err);
      }
      const replayed = updated.lastResponse?.headers?.['idempotent-replayed'] === 'true';
      return { subscription: toSubscription(updated, onUnknown), replayed };
    },
    async createCustomer(crmId, fields, idempotencyKey) {
      const c = await call(
        'customers.create',
        (ro) =>
          stripe.customers.create(
            { name: fields.name, ...(fields.email ? { email: fields.email } : {}), metadata: { crm_contact_id: crmId } },
            { ...ro, idempotencyKey },
          ),
        'interactive',
        // Keyed: Stripe answers a retry with the customer the first attempt made.
        true,
        inputRefusal((param) => (param === 'email' ? 'email' : undefined)),
      );
      return { id: c.id };
    },
    async updateCustomerContact(stripeId, fields, idempotencyKey) {
      await call('customers.update', (ro) => stripe.customers.update(stripeId, fields, { ...ro, idempotencyKey }), BG);
    },
  };
}
