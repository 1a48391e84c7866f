/**
 * The Salesforce simulator (sim/salesforce) for development: instance and token endpoint on one
 * server, with the simulator's connected-app credentials. No webhooks: the change poller reads it.
 */
import type { VendorSimulator } from '../types.js';

export const salesforceSimulator: VendorSimulator = {
  load: async () => (await import('../../../sim/salesforce/index.js')).simulator,
  configure: (config, sim) => ({
    salesforce: {
      ...config.salesforce,
      instanceUrl: sim.url,
      tokenUrl: `${sim.url}/services/oauth2/token`,
      clientId: sim.credentials.salesforceClientId,
      clientSecret: sim.credentials.salesforceClientSecret,
    },
  }),
  env: (sim) => ({
    SALESFORCE_INSTANCE_URL: sim.url,
    SALESFORCE_TOKEN_URL: `${sim.url}/services/oauth2/token`,
    SALESFORCE_CLIENT_ID: sim.credentials.salesforceClientId,
    SALESFORCE_CLIENT_SECRET: sim.credentials.salesforceClientSecret,
  }),
};
