/**
 * npm run subgraph -- <crm|billing|files|support> [--port 4001]
 * Runs one subgraph as its own service; point the gateway at it with SUBGRAPH_URL_<NAME>.
 */
import { parseArgs } from 'node:util';
import { buildSubgraphs, createSharedState, createUpstreams } from '../src/app.js';
import { ConfigError, loadConfig, type SubgraphName } from '../src/config/index.js';
import { SUBGRAPH_NAMES } from '../src/gateway/index.js';
import { createSubgraphServer } from '../src/http/subgraph-server.js';
import { createLogger } from '../src/platform/logger.js';
import { startTracing } from '../src/platform/tracing.js';

const { values, positionals } = parseArgs({ options: { port: { type: 'string', default: '4001' } }, allowPositionals: true });
const name = positionals[0] as SubgraphName | undefined;
if (!name || !SUBGRAPH_NAMES.includes(name)) {
  console.error(`Name the subgraph: one of ${SUBGRAPH_NAMES.join(', ')}. Example: npm run subgraph -- billing --port 4002`);
  process.exit(1);
}
try {
  const config = loadConfig();
  if (config.simulators.enabled) throw new Error('A standalone subgraph needs real vendor settings (or the simulators started with `npm run sim` and their URLs set): SIMULATORS=false.');
  const logger = createLogger({ level: config.logLevel, name: `portico-${name}` });
  await startTracing({ ...config.tracing, serviceName: `${config.tracing.serviceName}-${name}` }, logger);
  const schema = buildSubgraphs(createUpstreams(config, logger), config, createSharedState(config, logger).cache, [name]).schemas[name]!;
  const server = await createSubgraphServer({ schema, signingSecret: config.subgraphs.signingSecret, logger });
  const url = await server.fastify.listen({ host: config.host, port: Number(values.port) });
  console.log(`Subgraph ${name} listening on ${url}/graphql\nNext: start the gateway with SUBGRAPH_URL_${name.toUpperCase()}=${url}/graphql and the same SUBGRAPH_SIGNING_SECRET.`);
  process.on('SIGTERM', () => void server.close().then(() => process.exit(0)));
  process.on('SIGINT', () => void server.close().then(() => process.exit(0)));
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
}
