/** Salesforce as Portico's CRM: the connector (CRM port), its REST client and the change poller. */
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
