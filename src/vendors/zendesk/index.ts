/**
 * Zendesk as the support system: users, tickets and comments through the Support API, its
 * published limits, and its signed webhooks feeding the change pipeline.
 */
import type { VendorModule } from '../types.js';
import { zendeskWebhook } from './webhook.js';
import { zendeskSimulator } from './simulator.js';

export const zendesk: VendorModule = {
  name: 'zendesk',
  domain: 'support',
  // Enterprise plan: 700 requests a minute.
  budgets: { zendesk: { limit: 700, windowS: 60 } },
  simulator: zendeskSimulator,
  webhook: zendeskWebhook,
};
