/** Zendesk's variables: the account, the API token, and the signing secret of its webhook. */
import { z } from 'zod';
import { section } from '../../config/vars.js';

/** Development webhook secret: the bundled simulator signs with it. Production refuses it. */
export const DEV_ZENDESK_WEBHOOK_SECRET = 'portico-dev-only-zendesk-webhook-secret-000';

export const zendeskSettings = section({
  vars: {
    ZENDESK_BASE_URL: {
      schema: z.url(),
      example: 'https://acme.zendesk.com',
      doc: 'Zendesk Support base URL.',
      credential: true,
      selectsRealVendor: true,
    },
    ZENDESK_EMAIL: {
      schema: z.string().email(),
      example: 'api@acme.com',
      doc: 'Zendesk agent email for API-token auth.',
      credential: true,
    },
    ZENDESK_API_TOKEN: { schema: z.string().min(8), example: 'abc123...', doc: 'Zendesk API token.', credential: true, secret: true },
    ZENDESK_WEBHOOK_SECRET: {
      schema: z.string().min(16, 'must be at least 16 characters'),
      example: 'dGhpc19zZWNyZXQ...',
      doc: 'Signing secret of the Zendesk webhook (Admin Center > Webhooks > the webhook > Reveal secret). Development has a built-in one.',
      secret: true,
      dev: DEV_ZENDESK_WEBHOOK_SECRET,
      devRefused: 'secret',
      requiredInProduction: "in production (each vendor's webhooks are verified with it)",
    },
  },
  build: (v) => ({
    baseUrl: v.ZENDESK_BASE_URL,
    email: v.ZENDESK_EMAIL,
    apiToken: v.ZENDESK_API_TOKEN,
    webhookSecret: v.ZENDESK_WEBHOOK_SECRET ?? '',
  }),
});

declare module '../../config/vendors.js' {
  interface VendorConfigs {
    zendesk: ReturnType<typeof zendeskSettings.build>;
  }
}
