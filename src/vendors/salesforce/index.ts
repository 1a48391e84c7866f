/**
 * Salesforce as Portico's CRM (CRM_VENDOR=salesforce): Contacts (with their Account's name as
 * the company) through the REST API with OAuth 2.0 client credentials, the org's daily API
 * allocation as the budget, and a change poller (Get Updated / Get Deleted) instead of webhooks.
 */
import { salesforceSettings } from './config.js';
import { salesforceCosts } from './costs.js';
import type { CrmVendor } from '../types.js';
import { createSalesforceCrm, SALESFORCE_BUDGETS, type SalesforceCrm } from './connector.js';
import { createSalesforceChangePoller } from './poller.js';
import { salesforceSimulator } from './simulator.js';

export const salesforce: CrmVendor = {
  name: 'salesforce',
  settings: salesforceSettings,
  domain: 'crm',
  budgets: SALESFORCE_BUDGETS,
  costs: salesforceCosts,
  simulator: salesforceSimulator,
  createCrm: ({ config, policy, logger }) =>
    createSalesforceCrm({
      instanceUrl: config.salesforce.instanceUrl,
      tokenUrl: config.salesforce.tokenUrl,
      clientId: config.salesforce.clientId,
      clientSecret: config.salesforce.clientSecret,
      sessionLifetimeS: config.salesforce.sessionLifetimeS,
      policy,
      logger,
    }),
  changeFeed: {
    intervalS: (config) => config.salesforce.pollIntervalS,
    // `crm` is the connector createCrm made: the poller shares its token and upstream policy.
    create: (crm, deps) => createSalesforceChangePoller({ client: (crm as SalesforceCrm).client, ...deps }),
  },
};

export {
  createSalesforceCrm,
  SALESFORCE_BUDGETS,
  SALESFORCE_LONG_REQUESTS_IN_FLIGHT,
  type SalesforceCrm,
  type SalesforceCrmDeps,
} from './connector.js';
export {
  createSalesforceClient,
  SALESFORCE_API_VERSION,
  type SalesforceClient,
  type SalesforceClientOptions,
  type SalesforceRequest,
} from './client.js';
export {
  createSalesforceChangePoller,
  type SalesforceChange,
  type SalesforceChangePoller,
  type SalesforceChangePollerDeps,
} from './poller.js';
