/**
 * Zendesk as the support system: users, tickets and comments through the Support API, its
 * published limits, and its signed webhooks feeding the change pipeline.
 */
import type { SupportVendor } from '../types.js';
import { zendeskCosts } from './costs.js';
import { zendeskSettings } from './config.js';
import { createSupportConnector } from './connector.js';
import { zendeskWebhook } from './webhook.js';
import { zendeskSimulator } from './simulator.js';

export const zendesk: SupportVendor = {
  name: 'zendesk',
  settings: zendeskSettings,
  domain: 'support',
  // Enterprise plan: 700 requests a minute.
  budgets: { zendesk: { limit: 700, windowS: 60 } },
  costs: zendeskCosts,
  createSupport: ({ config, http, logger }) => {
    // API token auth: Basic base64("<email>/token:<token>").
    const auth = Buffer.from(`${config.zendesk.email}/token:${config.zendesk.apiToken}`).toString('base64');
    const client = http(config.zendesk.baseUrl, { authorization: `Basic ${auth}` }, { rateHeaders: ['x-rate-limit-remaining'] });
    return createSupportConnector({ http: client, logger });
  },
  simulator: zendeskSimulator,
  webhook: zendeskWebhook,
};
