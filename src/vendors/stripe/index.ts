/**
 * Stripe as the billing system: customers, subscriptions, invoices and cards through the REST
 * API, its published limits, and its signed webhooks feeding the change pipeline.
 */
import type { BillingVendor } from '../types.js';
import { stripeCosts } from './costs.js';
import { stripeSettings } from './config.js';
import { createBillingConnector } from './connector.js';
import { stripeWebhook } from './webhook.js';
import { stripeSimulator } from './simulator.js';

export const stripe: BillingVendor = {
  name: 'stripe',
  settings: stripeSettings,
  domain: 'billing',
  // Live mode: 100 read requests a second, Search 20 a second.
  budgets: { stripe: { limit: 100, windowS: 1 }, 'stripe.search': { limit: 20, windowS: 1 } },
  costs: stripeCosts,
  createBilling: ({ config, policy, logger }) =>
    createBillingConnector({ secretKey: config.stripe.secretKey, apiBase: config.stripe.apiBase, policy, logger }),
  simulator: stripeSimulator,
  webhook: stripeWebhook,
};
