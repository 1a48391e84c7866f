import type { CostTable } from '../../guards/cost-model.js';

/**
 * Stripe calls per customer (see connector.ts): customers/search and invoices/search take 10
 * customers a call; payment methods have no multi-customer list, so one call per customer.
 */
export const BILLING_COSTS: CostTable = {
  'Customer.billing': { calls: 0.1 },
  'Billing.invoices': { calls: 0.1, items: { arg: 'first', default: 10 } },
  'Billing.paymentMethods': { calls: 1 },
  // Writes: the customer's account (fresh) and the subscription update.
  'Mutation.cancelSubscription': { calls: 2 },
  'Mutation.resumeSubscription': { calls: 2 },
};
