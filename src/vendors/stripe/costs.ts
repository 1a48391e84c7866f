import type { CostTable } from '../../guards/cost-model.js';

/**
 * Billing calls per customer (the port's lookups for many customers take 10 a call; payment
 * methods have no multi-customer list, so one call per customer).
 */
export const stripeCosts: CostTable = {
  'Customer.billing': { calls: 0.1 },
  // The same account record as Customer.billing (one load per request serves both).
  'Customer.entitlements': { calls: 0.1 },
  'Billing.invoices': { calls: 0.1, items: { arg: 'first', default: 10 } },
  'Billing.paymentMethods': { calls: 1 },
  // Writes: the customer's account (fresh) and the subscription update.
  'Mutation.cancelSubscription': { calls: 2 },
  'Mutation.resumeSubscription': { calls: 2 },
  // The catalog (one list call, cached for everyone); a preview or a change: the account (customers
  // without subscriptionId), the subscription, its customer, then the preview or the update.
  'Query.plans': { calls: 1 },
  'Query.planChangePreview': { calls: 4 },
  'Mutation.changeSubscriptionPlan': { calls: 4 },
};
