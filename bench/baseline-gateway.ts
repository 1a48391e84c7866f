/**
 * Baseline, part 2: a plain @apollo/gateway (RemoteGraphQLDataSource, Apollo Server standalone)
 * over the four subgraph services. It verifies the same JWTs and forwards the caller's claims in
 * the signed header the subgraphs require; nothing else of Portico.
 */
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer } from '@apollo/server';
import { startStandaloneServer } from '@apollo/server/standalone';
import type { RequestContext } from '../src/auth/context.js';
import { createLogger } from '../src/platform/logger.js';
import { createTokenVerifier } from '../src/auth/tokens.js';
import { createMemoryPartnerStore } from '../src/auth/partners.js';
import { loadConfig } from '../src/config/index.js';
import { composeSupergraph, SignedRemoteDataSource, SUBGRAPH_NAMES } from '../src/gateway/index.js';

const config = loadConfig(process.env);
const logger = createLogger({ level: 'warn', name: 'baseline-gateway' });
const urls = JSON.parse(process.env.BASELINE_SUBGRAPH_URLS ?? '{}') as Record<string, string>;
const verifier = createTokenVerifier({ auth: config.auth, partners: createMemoryPartnerStore() });
// The admin subgraph is Portico's own; the baseline serves the four data subgraphs only.
const supergraphSdl = composeSupergraph(urls, { forGateway: true, only: SUBGRAPH_NAMES });
const gateway = new ApolloGateway({
  supergraphSdl,
  buildService: ({ url }) => new SignedRemoteDataSource(url!, config.subgraphs.signingSecret),
});
const server = new ApolloServer<RequestContext>({ gateway });
const { url } = await startStandaloneServer(server, {
  listen: { host: '127.0.0.1', port: Number(process.env.PORT ?? 0) },
  context: async ({ req }) => ({
    principal: await verifier.verify(String(req.headers.authorization ?? '').replace(/^Bearer /, '')),
    requestId: '',
    logger,
    perRequest: new Map(),
  }),
});
console.log(JSON.stringify({ url }));
