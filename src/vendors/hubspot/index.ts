/**
 * HubSpot as the CRM (CRM_VENDOR=hubspot, the default): CRM v3 contacts, its published limits,
 * and its signed webhooks (v3 signatures) feeding the change pipeline.
 */
import { hubspotSettings } from './config.js';
import { hubspotCosts } from './costs.js';
import type { CrmVendor } from '../types.js';
import { createCrmConnector } from './connector.js';
import { hubspotWebhook } from './webhook.js';
import { hubspotSimulator } from './simulator.js';

export const hubspot: CrmVendor = {
  name: 'hubspot',
  settings: hubspotSettings,
  domain: 'crm',
  // Professional and Enterprise: 190 requests per 10 s; CRM search 5 a second.
  budgets: { hubspot: { limit: 190, windowS: 10 }, 'hubspot.search': { limit: 5, windowS: 1 } },
  costs: hubspotCosts,
  simulator: hubspotSimulator,
  webhook: hubspotWebhook,
  createCrm: ({ config, http, logger }) =>
    createCrmConnector({
      http: http(
        config.hubspot.baseUrl,
        { authorization: `Bearer ${config.hubspot.accessToken}` },
        { rateHeaders: ['x-hubspot-ratelimit-remaining'] },
      ),
      logger,
    }),
};
