/**
 * The Stripe simulator (sim/stripe) for development: the connector pointed at it, and its signed
 * webhooks sent to this gateway's route.
 */
import type { VendorSimulator } from '../types.js';

export const stripeSimulator: VendorSimulator = {
  load: async () => (await import('../../../sim/stripe/index.js')).simulator,
  configure: (config, sim) => ({ stripe: { ...config.stripe, apiBase: sim.url, secretKey: sim.credentials.stripeSecretKey } }),
  env: (sim) => ({ STRIPE_API_BASE: sim.url, STRIPE_SECRET_KEY: sim.credentials.stripeSecretKey }),
  webhooks: (url, config) => ({ stripe: { url: `${url}/webhooks/stripe`, secret: config.stripe.webhookSecrets[0] } }),
  demo: (config) => ({
    what: "pay Ada's open invoice in the Stripe simulator; its webhook refreshes her dashboard",
    command: `curl -X POST -H 'authorization: Bearer ${config.stripe.secretKey}' ${config.stripe.apiBase}/v1/invoices/in_rSRUBN9j9KKiSY/pay`,
  }),
};
