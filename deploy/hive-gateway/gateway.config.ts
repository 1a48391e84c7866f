/**
 * Hive Gateway in front of Portico's four subgraph services (`npm run subgraph -- <name>`).
 *
 *   SUBGRAPH_URL_CRM=… SUBGRAPH_URL_BILLING=… SUBGRAPH_URL_FILES=… SUBGRAPH_URL_SUPPORT=… \
 *     npm run compose -- --router --out supergraph.graphql
 *   hive-gateway supergraph supergraph.graphql -c deploy/hive-gateway/gateway.config.ts --port 4000
 *
 * Authorization stays in the subgraphs: each verifies the caller's own `Authorization: Bearer`
 * token that this gateway forwards (user JWTs against the identity provider's JWKS, issuer and
 * audience; partner tokens against the partner store in Redis, so a revocation holds at once) and
 * applies the same field policies, scopes, ownership, partner allow-lists and document limits as
 * Portico's gateway. Tested by test/integration/router-hive.test.ts.
 *
 * Not turned on here, and why:
 * - Hive's JWT plugin (`jwt`): partner tokens are signed with PARTNER_TOKEN_SECRET (HS256); a
 *   router holding that secret could mint them. The plugin would also check signatures only, not
 *   the partner store (revocation). The subgraphs verify every token anyway.
 * - `genericAuth` over the supergraph's `@authenticated`/`@requiresScopes`: Portico's scopes come
 *   from roles and partner records, not from a `scope` claim the router could read.
 * - Persisted documents: Portico lets a partner run only the published manifest
 *   (clients/generated/persisted-documents.json) or its token record's own list; Hive's plugin
 *   could hold partners to the manifest (`getPersistedOperation` over that file,
 *   `allowArbitraryDocuments` false for a `portico-partner+jwt` token) but cannot see the
 *   per-partner lists. Trusted documents and rate limits are the router's job when it fronts the
 *   subgraphs (docs/deployment.md): configure them for your partners here.
 */
import { defineConfig } from '@graphql-hive/gateway';

/** Request headers each subgraph needs from the client's request (nothing else is forwarded). */
const FORWARDED = ['authorization', 'traceparent', 'tracestate'] as const;

export const gatewayConfig = defineConfig({
  propagateHeaders: {
    fromClientToSubgraphs: ({ request }) => Object.fromEntries(FORWARDED.map((name) => [name, request.headers.get(name)])),
  },
  // x-request-id: the client's id (or a new one) goes to every subgraph and back in the response,
  // so the subgraphs' log lines carry it (Hive's default, spelled out).
  requestId: { headerName: 'x-request-id' },
  // The subgraphs' own errors (FORBIDDEN, UNAUTHENTICATED, UPSTREAM_*) reach the client as they
  // are; anything unexpected in the gateway itself is masked.
  maskedErrors: true,
  // Document limits on the client's operation before any subgraph is called, Portico's defaults
  // for staff and customers (MAX_TOKENS, MAX_QUERY_DEPTH); the subgraphs check each subgraph
  // operation against the caller's own limits again (PARTNER_LIMITS are lower).
  maxTokens: 1000,
  maxDepth: 15,
  blockFieldSuggestions: true,
  // Bounded upstream calls: a subgraph's own upstream deadline is 10 s at most with retries.
  upstreamTimeout: 15_000,
  graphiql: false,
  landingPage: false,
  healthCheckEndpoint: '/healthz',
  readinessCheckEndpoint: '/readyz',
});
