/**
 * One data subgraph as its own service, wired as `npm run subgraph` runs it: the shared state
 * (Redis: vendor budgets, customer links, partner store, used claims nonces), the connectors, the
 * subgraph's schema and its HTTP server. With SUBGRAPH_ACCEPT_TOKENS (the default) it also takes
 * the caller's own token forwarded by a federation router in front.
 */
import { buildSubgraphs, createSharedState, createUpstreams } from './app.js';
import { redisClaimsNonces } from './auth/claims.js';
import { createTokenVerifier } from './auth/tokens.js';
import type { Config, SubgraphName } from './config/index.js';
import { createSubgraphServer } from './http/subgraph-server.js';
import type { Logger } from './platform/logger.js';

export interface SubgraphService {
  server: Awaited<ReturnType<typeof createSubgraphServer>>;
  /** Stops the server, then the connectors and the shared state (in reverse of their creation). */
  close(): Promise<void>;
}

export async function createSubgraphService(o: { config: Readonly<Config>; logger: Logger; name: SubgraphName }): Promise<SubgraphService> {
  const { config, logger, name } = o;
  const shared = createSharedState(config, logger);
  // The vendor budgets and customer links every instance shares.
  const upstreams = createUpstreams(config, logger, undefined, shared.budgets);
  const schema = buildSubgraphs(upstreams, config, shared, [name], shared.links).schemas[name]!;
  const server = await createSubgraphServer({
    schema,
    signingSecret: config.subgraphs.signingSecret,
    logger,
    claimsMaxAgeS: config.guards.claimsMaxAgeS,
    // Replicas of this subgraph behind one load balancer share the used nonces through Redis.
    nonces: shared.redis ? redisClaimsNonces(shared.redis, config.keyPrefix) : undefined,
    // A federation router in front forwards the caller's own token (SUBGRAPH_ACCEPT_TOKENS).
    ...(config.subgraphs.acceptTokens
      ? {
          verifier: createTokenVerifier({
            auth: config.auth,
            partners: shared.partners,
            logger,
            partnerCacheS: config.guards.partnerTokenCacheS,
          }),
          limits: config.guards.limits,
        }
      : {}),
  });
  return {
    server,
    async close() {
      await server.close();
      await upstreams.close();
      await shared.close();
    },
  };
}
