/** Stripe's variables: the API, the secret key, and the signing secret(s) of its webhook endpoint. */
import { z } from 'zod';
import { list, section } from '../../config/vars.js';

/** Development webhook secret: the bundled simulator signs with it. Production refuses it. */
export const DEV_STRIPE_WEBHOOK_SECRET = 'whsec_portico_dev_only_0000000000000000';

export const stripeSettings = section({
  vars: {
    STRIPE_API_BASE: { schema: z.url().prefault('https://api.stripe.com'), example: 'https://api.stripe.com', doc: 'Stripe API base URL.' },
    STRIPE_SECRET_KEY: {
      schema: z.string().regex(/^(sk|rk)_(test|live)_/, 'must start with sk_ or rk_ (restricted key)'),
      example: 'rk_live_...',
      doc: 'Stripe secret or restricted key.',
      credential: true,
      secret: true,
      selectsRealVendor: true,
    },
    STRIPE_WEBHOOK_SECRETS: {
      schema: list.pipe(z.array(z.string().regex(/^whsec_\w{8,}$/, 'each must be a Stripe signing secret (whsec_...)')).min(1)),
      example: 'whsec_new...,whsec_old...',
      doc: 'Signing secret(s) of the Stripe webhook endpoint, comma-separated (several during a rotation). Development has a built-in one the simulator uses.',
      secret: true,
      dev: DEV_STRIPE_WEBHOOK_SECRET,
      devRefused: 'secret',
      requiredInProduction: "in production (each vendor's webhooks are verified with it)",
    },
  },
  build: (v) => ({ apiBase: v.STRIPE_API_BASE, secretKey: v.STRIPE_SECRET_KEY, webhookSecrets: v.STRIPE_WEBHOOK_SECRETS ?? [] }),
});

declare module '../../config/vendors.js' {
  interface VendorConfigs {
    stripe: ReturnType<typeof stripeSettings.build>;
  }
}
