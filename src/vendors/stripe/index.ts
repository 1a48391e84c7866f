/**
 * Stripe as the billing system: customers, subscriptions, invoices and cards through the REST
 * API, its published limits, and its signed webhooks feeding the change pipeline.
 */
import type { VendorModule } from '../types.js';
import { stripeWebhook } from './webhook.js';
import { stripeSimulator } from './simulator.js';

export const stripe: VendorModule = {
  name: 'stripe',
  domain: 'billing',
  // Live mode: 100 read requests a second, Search 20 a second.
  budgets: { stripe: { limit: 100, windowS: 1 }, 'stripe.search': { limit: 20, windowS: 1 } },
  simulator: stripeSimulator,
  webhook: stripeWebhook,
};
