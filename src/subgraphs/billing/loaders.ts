import DataLoader from 'dataloader';
import { settled } from '../../platform/prefetch.js';
import type { CacheType } from '../../config/index.js';
import { cachedBatch, cachedEach, type CacheDeps } from '../../platform/cache.js';
import type { CustomerLinks, LinkLoader } from '../../customers/links.js';
import type { BillingAccount, BillingLink, BillingPort, CardSummary, InvoiceSummary } from '../../ports/billing.js';

/**
 * Named cache keys, all by CRM id so one customer's entries can be purged without a lookup. The
 * account is v2 since it names the billing customer `billingCustomerId` (v1 entries expire unread).
 */
export const billingKeys = (prefix: string) => ({
  account: (crmId: string) => `${prefix}:billing:account:${crmId}:v3`,
  invoices: (crmId: string) => `${prefix}:billing:invoices:${crmId}:v1`,
  cards: (crmId: string) => `${prefix}:billing:cards:${crmId}:v1`,
  /** The plans on sale: the same for every customer, so not among a customer's keys. */
  plans: () => `${prefix}:billing:plans:v1`,
});

export function billingCustomerKeys(prefix: string, crmId: string): string[] {
  const k = billingKeys(prefix);
  return [k.account(crmId), k.invoices(crmId), k.cards(crmId)];
}

/**
 * Up to this many linked customers in one batch are read with the direct endpoints (one account
 * and one invoice list each); more use the port's lookups for many customers (a search takes 10
 * customers a call at a fifth of the read rate, so from 5 customers on it costs the budget no
 * more than the direct calls, and a page of 50 stays at 5 calls instead of 50).
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
  billing: BillingPort,
  c: CacheDeps<CacheType>,
  links: CustomerLinks,
  link: LinkLoader,
): BillingLoaders {
  const keys = billingKeys(c.prefix);
  /** Billing customer ids learnt in this request (from accounts read, cached or not). */
  const known = new Map<string, string>();

  async function loadAccounts(crmIds: string[]): Promise<Map<string, BillingAccount>> {
    const ls = await link.loadMany(crmIds);
    const linked = crmIds.flatMap((id, i): BillingLink[] => {
      const l = ls[i];
      return l && !(l instanceof Error) && l.billingCustomerId ? [{ crmId: id, billingCustomerId: l.billingCustomerId }] : [];
    });
    const direct = crmIds.length <= DIRECT_MAX ? linked : [];
    const out = direct.length ? await billing.accountsByLinks(direct) : new Map<string, BillingAccount>();
    // Unknown (or stale: the linked billing customer is gone or belongs to another contact) customers are looked up.
    const lookup = crmIds.filter((id) => !out.has(id));
    if (lookup.length) {
      const found = await billing.accountsByCrmIds(lookup);
      const linkedTo = new Map(linked.map((l) => [l.crmId, l.billingCustomerId]));
      for (const [id, a] of found) {
        out.set(id, a);
        if (linkedTo.get(id) !== a.billingCustomerId) await links.update(id, { billingCustomerId: a.billingCustomerId });
      }
      // A link to a customer the billing system no longer has is dropped, never left to fail every read.
      for (const id of lookup) if (!found.has(id) && linkedTo.has(id) && direct.length) await links.update(id, { billingCustomerId: null });
    }
    return out;
  }

  const account = new DataLoader<string, BillingAccount | null>(
    settled(async (crmIds) => {
      const accounts = await cachedBatch(c.cache, crmIds, keys.account, c.ttl.account, (missing) => loadAccounts(missing));
      for (const a of accounts) if (a) known.set(a.crmId, a.billingCustomerId);
      return accounts;
    }),
  );

  /** Billing customer ids of these CRM ids: learnt in this request, linked, or looked up with the account. */
  async function billingIds(crmIds: readonly string[]): Promise<Map<string, string>> {
    const out = new Map<string, string>();
    const rest = crmIds.filter((id) => !known.has(id) || !out.set(id, known.get(id)!));
    const ls = await link.loadMany(rest);
    const unlinked: string[] = [];
    rest.forEach((id, i) => {
      const l = ls[i];
      if (l && !(l instanceof Error) && l.billingCustomerId) out.set(id, l.billingCustomerId);
      else unlinked.push(id);
    });
    const accounts = await account.loadMany(unlinked);
    unlinked.forEach((id, i) => {
      const a = accounts[i];
      if (a && !(a instanceof Error)) out.set(id, a.billingCustomerId);
    });
    return out;
  }

  return {
    account,
    invoices: new DataLoader(
      settled(async (crmIds) => {
        const lists = await cachedBatch(c.cache, crmIds, keys.invoices, c.ttl.invoices, async (missing) => {
          const ids = await billingIds(missing);
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
          const billingId = (await billingIds([id])).get(id);
          return billingId ? billing.cards(billingId) : null;
        })
      ).map((l) => l ?? []),
    ),
  };
}
