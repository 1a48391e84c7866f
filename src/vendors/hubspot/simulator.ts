/**
 * The HubSpot simulator (sim/hubspot) for development: the connector pointed at it, and its
 * signed webhooks sent to this gateway's route.
 */
import type { VendorSimulator } from '../types.js';

export const hubspotSimulator: VendorSimulator = {
  load: async () => (await import('../../../sim/hubspot/index.js')).simulator,
  configure: (config, sim) => ({ hubspot: { ...config.hubspot, baseUrl: sim.url, accessToken: sim.credentials.hubspotToken } }),
  env: (sim) => ({ HUBSPOT_BASE_URL: sim.url, HUBSPOT_ACCESS_TOKEN: sim.credentials.hubspotToken }),
  // v3 signatures cover the public URI: the simulator calls the one HubSpot would.
  webhooks: (url, config) => ({
    hubspot: { url: `${config.webhooks.publicBaseUrl ?? url}/webhooks/hubspot`, clientSecret: config.hubspot.clientSecret },
  }),
};
