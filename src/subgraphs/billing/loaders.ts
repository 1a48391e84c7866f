import DataLoader from 'dataloader';
import { settled } from '../../platform/prefetch.js';
import type { CacheType } from '../../config/index.js';
import { cachedBatch, cachedEach, type CacheDeps } from '../../platform/cache.js';
import type { CustomerLinks, LinkLoader } from '../../platform/links.js';
import type { BillingConnector } from '../../vendors/stripe/connector.js';
import type { BillingAccount, CardSummary, InvoiceSummary } from '../../vendors/stripe/mappers.js';

/** Named cache keys, all by CRM id so one customer's entries can be purged without a lookup. */
export const billingKeys = (prefix: string) => ({
  account: (crmId: string) => `${prefix}:billing:account:${crmId}:v1`,
  invoices: (crmId: string) => `${prefix}:billing:invoices:${crmId}:v1`,
  cards: (crmId: string) => `${prefix}:billing:cards:${crmId}:v1`,
});

export function billingCustomerKeys(prefix: string, crmId: string): string[] {
  const k = billingKeys(prefix);
  return [k.account(crmId), k.invoices(crmId), k.cards(crmId)];
}

/**
 * Up to this many linked customers in one batch are read with Stripe's direct endpoints (one
 * retrieve / invoices list each); more use Search, 10 customers a call. Search is limited to
 * 20 requests/s against 100/s for reads, so from 5 customers on one search costs the account's
 * budget no more than the direct calls, and a page of 50 stays at 5 calls instead of 50.
 */
export const DIRECT_MAX = 4;

export interface BillingLoaders {
  /** By CRM id. */
  account: DataLoader<string, BillingAccount | null>;
  /** Every invoice of the customer, newest first, by CRM id. */
  invoices: DataLoader<string, InvoiceSummary[]>;
  /** By CRM id. */
  cards: DataLoader<string, CardSummary[]>;
}

export function createBillingLoaders(
  billing: BillingConnector,
  c: CacheDeps<CacheType>,
  links: CustomerLinks,
  link: LinkLoader,
): BillingLoaders {
  const keys = billingKeys(c.prefix);
  /** Stripe ids learnt in this request (from accounts read, cached or not). */
  const known = new Map<string, string>();

  async function loadAccounts(crmIds: string[]): Promise<Map<string, BillingAccount>> {
    const ls = await link.loadMany(crmIds);
    const linked = crmIds.flatMap((id, i) => {
      const l = ls[i];
      return l && !(l instanceof Error) && l.stripeCustomerId ? [{ crmId: id, stripeCustomerId: l.stripeCustomerId }] : [];
    });
    const direct = crmIds.length <= DIRECT_MAX ? linked : [];
    const out = direct.length ? await billing.accountsByStripeIds(direct) : new Map<string, BillingAccount>();
    // Unknown (or stale: the linked Stripe customer is gone or belongs to another contact) customers are looked up by metadata.
    const lookup = crmIds.filter((id) => !out.has(id));
    if (lookup.length) {
      const found = await billing.accountsByCrmIds(lookup);
      const linkedTo = new Map(linked.map((l) => [l.crmId, l.stripeCustomerId]));
      for (const [id, a] of found) {
        out.set(id, a);
        if (linkedTo.get(id) !== a.stripeCustomerId) await links.update(id, { stripeCustomerId: a.stripeCustomerId });
      }
      // A link to a customer Stripe no longer has is dropped, never left to fail every read.
      for (const id of lookup) if (!found.has(id) && linkedTo.has(id) && direct.length) await links.update(id, { stripeCustomerId: null });
    }
    return out;
  }

  const account = new DataLoader<string, BillingAccount | null>(
    settled(async (crmIds) => {
      const accounts = await cachedBatch(c.cache, crmIds, keys.account, c.ttl.account, (missing) => loadAccounts(missing));
      for (const a of accounts) if (a) known.set(a.crmId, a.stripeCustomerId);
      return accounts;
    }),
  );

  /** Stripe customer ids of these CRM ids: learnt in this request, linked, or looked up with the account. */
  async function stripeIds(crmIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const rest = crmIds.filter((id) => !known.has(id) || !out.set(id, known.get(id)!));
    const ls = await link.loadMany(rest);
    const unlinked: string[] = [];
    rest.forEach((id, i) => {
      const l = ls[i];
      if (l && !(l instanceof Error) && l.stripeCustomerId) out.set(id, l.stripeCustomerId);
      else unlinked.push(id);
    });
    const accounts = await account.loadMany(unlinked);
    unlinked.forEach((id, i) => {
      const a = accounts[i];
      if (a && !(a instanceof Error)) out.set(id, a.stripeCustomerId);
    });
    return out;
  }

  return {
    account,
    invoices: new DataLoader(
      settled(async (crmIds) => {
        const lists = await cachedBatch(c.cache, crmIds, keys.invoices, c.ttl.invoices, async (missing) => {
          const ids = await stripeIds(missing);
          const withId = missing.filter((id) => ids.has(id));
          if (withId.length > DIRECT_MAX) {
            const found = await billing.invoicesByCustomers(withId.map((id) => ids.get(id)!));
            return new Map(withId.map((id) => [id, found.get(ids.get(id)!) ?? []]));
          }
          const got = await Promise.all(withId.map((id) => billing.invoicesOf(ids.get(id)!)));
          return new Map(withId.map((id, i) => [id, got[i]]));
        });
        return lists.map((l) => l ?? []);
      }),
    ),
    // No multi-customer endpoint: one call per customer, as fast as the vendor budget allows.
    cards: new DataLoader(async (crmIds) =>
      (
        await cachedEach(c.cache, crmIds, keys.cards, c.ttl.cards, async (id) => {
          const stripeId = (await stripeIds([id])).get(id);
          return stripeId ? billing.cards(stripeId) : null;
        })
      ).map((l) => l ?? []),
    ),
  };
}
