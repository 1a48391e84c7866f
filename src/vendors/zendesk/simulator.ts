/**
 * The Zendesk simulator (sim/zendesk) for development: the connector pointed at it, and its signed
 * webhooks sent to this gateway's route.
 */
import type { VendorSimulator } from '../types.js';

export const zendeskSimulator: VendorSimulator = {
  load: async () => (await import('../../../sim/zendesk/index.js')).simulator,
  configure: (config, sim) => ({
    zendesk: { ...config.zendesk, baseUrl: sim.url, email: sim.credentials.zendeskEmail, apiToken: sim.credentials.zendeskApiToken },
  }),
  env: (sim) => ({
    ZENDESK_BASE_URL: sim.url,
    ZENDESK_EMAIL: sim.credentials.zendeskEmail,
    ZENDESK_API_TOKEN: sim.credentials.zendeskApiToken,
  }),
  webhooks: (url, config) => ({ zendesk: { url: `${url}/webhooks/zendesk`, secret: config.zendesk.webhookSecret } }),
};
