/** HubSpot's variables: the API, the private app token, and the app secret its webhooks are signed with. */
import { z } from 'zod';
import { section } from '../../config/vars.js';

/** Development client secret: the bundled simulator signs its webhooks with it. Production refuses it. */
export const DEV_HUBSPOT_CLIENT_SECRET = 'portico-dev-only-hubspot-client-secret-0000';

export const hubspotSettings = section({
  vars: {
    HUBSPOT_BASE_URL: {
      schema: z.url().prefault('https://api.hubapi.com'),
      example: 'https://api.hubapi.com',
      doc: 'HubSpot API base URL.',
      selectsRealVendor: true,
    },
    HUBSPOT_ACCESS_TOKEN: {
      schema: z.string().min(8),
      example: 'pat-na1-...',
      doc: 'HubSpot private app access token (scope crm.objects.contacts.read/write).',
      credential: true,
      secret: true,
    },
    HUBSPOT_CLIENT_SECRET: {
      schema: z.string().min(16, 'must be at least 16 characters'),
      example: 'a1b2c3d4-e5f6-...',
      doc: 'Client secret of the HubSpot app whose webhooks call Portico (signature v3). Development has a built-in one.',
      secret: true,
      dev: DEV_HUBSPOT_CLIENT_SECRET,
      devRefused: 'secret',
      requiredInProduction: "in production (each vendor's webhooks are verified with it)",
    },
  },
  build: (v) => ({ baseUrl: v.HUBSPOT_BASE_URL, accessToken: v.HUBSPOT_ACCESS_TOKEN, clientSecret: v.HUBSPOT_CLIENT_SECRET ?? '' }),
});

declare module '../../config/vendors.js' {
  interface VendorConfigs {
    hubspot: ReturnType<typeof hubspotSettings.build>;
  }
}
