import DataLoader from 'dataloader';
import { mapBounded } from '../../platform/concurrency.js';
import type { BillingConnector } from './connector.js';
import type { BillingAccount, CardSummary, InvoiceSummary } from './mappers.js';

export interface BillingLoaders {
  account: DataLoader<string, BillingAccount | null>;
  invoices: DataLoader<string, InvoiceSummary[]>;
  cards: DataLoader<string, CardSummary[]>;
}

export function createBillingLoaders(billing: BillingConnector, concurrency: number): BillingLoaders {
  return {
    account: new DataLoader(async (crmIds) => {
      const found = await billing.accountsByCrmIds(crmIds);
      return crmIds.map((id) => found.get(id) ?? null);
    }),
    invoices: new DataLoader(async (stripeIds) => {
      const found = await billing.invoicesByCustomers(stripeIds);
      return stripeIds.map((id) => found.get(id) ?? []);
    }),
    // No batch endpoint: one call per customer, at most `concurrency` at once.
    cards: new DataLoader((stripeIds) => mapBounded(stripeIds, concurrency, (id) => billing.cards(id))),
  };
}
