/** Subgraphs run as their own services, and the signed claims the gateway sends them. */
import { z } from 'zod';
import { bool, section } from './vars.js';

export const DEV_SUBGRAPH_SECRET = 'portico-dev-only-subgraph-secret-000000000';

export type SubgraphName = 'crm' | 'billing' | 'files' | 'support';

export interface SubgraphsConfig {
  subgraphs: { urls: Partial<Record<SubgraphName, string>>; signingSecret: string; acceptTokens: boolean };
}

export const subgraphs = section({
  vars: {
    SUBGRAPH_URL_CRM: {
      schema: z.url(),
      example: 'http://crm-subgraph:4001/graphql',
      doc: 'Run the CRM subgraph remotely at this URL instead of in-process.',
    },
    SUBGRAPH_URL_BILLING: { schema: z.url(), example: 'http://billing:4002/graphql', doc: 'Same for billing.' },
    SUBGRAPH_URL_FILES: { schema: z.url(), example: 'http://files:4003/graphql', doc: 'Same for files.' },
    SUBGRAPH_URL_SUPPORT: { schema: z.url(), example: 'http://support:4004/graphql', doc: 'Same for support.' },
    SUBGRAPH_SIGNING_SECRET: {
      schema: z.string().min(32, 'must be at least 32 characters'),
      example: '$(openssl rand -base64 48)',
      doc: 'HMAC secret of the claims header the gateway sends to remote subgraphs.',
      secret: true,
      dev: DEV_SUBGRAPH_SECRET,
      devRefused: 'secret',
    },
    SUBGRAPH_ACCEPT_TOKENS: {
      schema: bool.prefault('true'),
      example: 'false',
      doc: "A subgraph run as its own service (`npm run subgraph`) also accepts the caller's own `Authorization: Bearer` token forwarded by a federation router in front (Apollo Router, Hive Gateway, Cosmo), verified as the gateway verifies it, with the same policies and document limits. `false`: only the gateway's signed claims.",
    },
  },
  build: (v, { need }): SubgraphsConfig => {
    const urls: Partial<Record<SubgraphName, string>> = {};
    if (v.SUBGRAPH_URL_CRM) urls.crm = v.SUBGRAPH_URL_CRM;
    if (v.SUBGRAPH_URL_BILLING) urls.billing = v.SUBGRAPH_URL_BILLING;
    if (v.SUBGRAPH_URL_FILES) urls.files = v.SUBGRAPH_URL_FILES;
    if (v.SUBGRAPH_URL_SUPPORT) urls.support = v.SUBGRAPH_URL_SUPPORT;
    if (Object.keys(urls).length > 0) need('SUBGRAPH_SIGNING_SECRET', v.SUBGRAPH_SIGNING_SECRET, 'when a SUBGRAPH_URL_* is set');
    return { subgraphs: { urls, signingSecret: v.SUBGRAPH_SIGNING_SECRET ?? '', acceptTokens: v.SUBGRAPH_ACCEPT_TOKENS } };
  },
});
