/** Salesforce's variables: the org, the connected app's client credentials, the session and the poll interval. */
import { z } from 'zod';
import { int, section } from '../../config/vars.js';

export const salesforceSettings = section({
  vars: {
    SALESFORCE_INSTANCE_URL: {
      schema: z.url(),
      example: 'https://acme.my.salesforce.com',
      doc: "The org's My Domain URL (REST API v62.0 under it). Needed with CRM_VENDOR=salesforce.",
      credential: true,
    },
    SALESFORCE_TOKEN_URL: {
      schema: z.url(),
      example: 'https://acme.my.salesforce.com/services/oauth2/token',
      doc: "The org's OAuth 2.0 token endpoint (client credentials flow of a connected app). Needed with CRM_VENDOR=salesforce.",
      credential: true,
    },
    SALESFORCE_CLIENT_ID: {
      schema: z.string().min(8),
      example: '3MVG9...',
      doc: "The connected app's consumer key (client credentials flow, run-as user with API access to Contact and Account).",
      credential: true,
    },
    SALESFORCE_CLIENT_SECRET: {
      schema: z.string().min(8),
      example: '<consumer secret>',
      doc: "The connected app's consumer secret. Never logged.",
      credential: true,
      secret: true,
    },
    SALESFORCE_SESSION_LIFETIME_S: {
      schema: int(300, 86400).prefault('7200'),
      example: '7200',
      doc: "The org's session timeout: access tokens are replaced 5 minutes before it (and once on a 401).",
    },
    SALESFORCE_POLL_INTERVAL_S: {
      schema: int(1, 3600).prefault('30'),
      example: '30',
      doc: "How often contact changes are polled (Get Updated / Get Deleted; Salesforce's REST API has no signed contact webhooks). Each poll costs 2 API requests plus 1 per 200 changed contacts.",
    },
  },
  build: (v) => ({
    instanceUrl: v.SALESFORCE_INSTANCE_URL,
    tokenUrl: v.SALESFORCE_TOKEN_URL,
    clientId: v.SALESFORCE_CLIENT_ID,
    clientSecret: v.SALESFORCE_CLIENT_SECRET,
    sessionLifetimeS: v.SALESFORCE_SESSION_LIFETIME_S,
    pollIntervalS: v.SALESFORCE_POLL_INTERVAL_S,
  }),
});

declare module '../../config/vendors.js' {
  interface VendorConfigs {
    salesforce: ReturnType<typeof salesforceSettings.build>;
  }
}
