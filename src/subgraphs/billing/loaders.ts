import DataLoader from 'dataloader';
import type { CacheType } from '../../config/index.js';
import { cachedBatch, type CacheDeps } from '../../platform/cache.js';
import { mapBounded } from '../../platform/concurrency.js';
import type { BillingConnector } from './connector.js';
import type { BillingAccount, CardSummary, InvoiceSummary } from './mappers.js';

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

export interface BillingLoaders {
  account: DataLoader<string, BillingAccount | null>;
  invoices: DataLoader<BillingAccount, InvoiceSummary[], string>;
  cards: DataLoader<BillingAccount, CardSummary[], string>;
}

export function createBillingLoaders(billing: BillingConnector, concurrency: number, c: CacheDeps<CacheType>): BillingLoaders {
  const keys = billingKeys(c.prefix);
  const byCrmId = { cacheKeyFn: (a: BillingAccount) => a.crmId };
  return {
    account: new DataLoader((crmIds) =>
      cachedBatch(c.cache, crmIds, keys.account, c.ttl.account, (missing) => billing.accountsByCrmIds(missing)),
    ),
    invoices: new DataLoader(async (accounts) => {
      const lists = await cachedBatch(
        c.cache,
        accounts,
        (a) => keys.invoices(a.crmId),
        c.ttl.invoices,
        async (missing) => {
          const found = await billing.invoicesByCustomers(missing.map((a) => a.stripeCustomerId));
          return new Map(missing.map((a) => [a, found.get(a.stripeCustomerId) ?? []]));
        },
      );
      return lists.map((l) => l ?? []);
    }, byCrmId),
    // No batch endpoint: one call per customer, at most `concurrency` at once.
    cards: new DataLoader(async (accounts) => {
      const lists = await cachedBatch(
        c.cache,
        accounts,
        (a) => keys.cards(a.crmId),
        c.ttl.cards,
        async (missing) => {
          const cards = await mapBounded(missing, concurrency, (a) => billing.cards(a.stripeCustomerId));
          return new Map(missing.map((a, i) => [a, cards[i]]));
        },
      );
      return lists.map((l) => l ?? []);
    }, byCrmId),
  };
}
