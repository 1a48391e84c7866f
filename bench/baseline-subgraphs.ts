/**
 * Baseline, part 1: the same four subgraphs (same resolvers, loaders, connectors) each as its own
 * HTTP service, as the usual Apollo Gateway deployment runs them. Cache off. Prints one JSON line
 * with the URLs when listening.
 */
import { buildSubgraphs, createSharedState, createUpstreams } from '../src/app.js';
import { loadConfig } from '../src/config/index.js';
import { SUBGRAPH_NAMES } from '../src/gateway/index.js';
import { createSubgraphServer } from '../src/http/subgraph-server.js';
import { createLogger } from '../src/platform/logger.js';

const config = loadConfig({ ...process.env, CACHE_ENABLED: 'false' });
const logger = createLogger({ level: 'warn', name: 'baseline-subgraph' });
const subgraphs = buildSubgraphs(createUpstreams(config, logger), config, createSharedState(config, logger), SUBGRAPH_NAMES);
const urls: Record<string, string> = {};
for (const name of SUBGRAPH_NAMES) {
  const server = await createSubgraphServer({ schema: subgraphs.schemas[name]!, signingSecret: config.subgraphs.signingSecret, logger });
  urls[name] = `${await server.fastify.listen({ host: '127.0.0.1', port: 0 })}/graphql`;
}
console.log(JSON.stringify({ urls }));
