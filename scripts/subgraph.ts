/**
 * npm run subgraph -- <crm|billing|files|support> [--port 4001]
 * Runs one subgraph as its own service; point the gateway at it with SUBGRAPH_URL_<NAME>.
 * In development with no vendor configured it starts its own bundled simulators (seeded with the
 * same data as the gateway's), so the command works on its own.
 */
import { parseArgs } from 'node:util';
import { withSimulators } from '../src/dev/simulators.js';
import { ConfigError, loadConfig, type SubgraphName } from '../src/config/index.js';
import { SUBGRAPH_NAMES } from '../src/gateway/index.js';
import { createSubgraphService } from '../src/subgraph-service.js';
import { createLogger } from '../src/platform/logger.js';
import { startTracing } from '../src/platform/tracing.js';

const USAGE = `Usage: npm run subgraph -- <${SUBGRAPH_NAMES.join('|')}> [--port 4001]
Example: npm run subgraph -- billing --port 4002`;

function fail(message: string): never {
  console.error(`${message}\n${USAGE}`);
  process.exit(1);
}

function parseCommandLine() {
  try {
    return parseArgs({ options: { port: { type: 'string', default: '4001' } }, allowPositionals: true, strict: true });
  } catch (err) {
    fail((err as Error).message.split('. ')[0].concat('.'));
  }
}

const { values, positionals } = parseCommandLine();
const name = positionals[0] as SubgraphName | undefined;
if (!name || !SUBGRAPH_NAMES.includes(name)) fail(`Name the subgraph: one of ${SUBGRAPH_NAMES.join(', ')}.`);
if (positionals.length > 1) fail(`Unexpected argument ${JSON.stringify(positionals[1])}.`);
const port = Number(values.port);
if (!Number.isInteger(port) || port < 0 || port > 65535)
  fail(`--port must be a port number, e.g. --port 4002 (got ${JSON.stringify(values.port)}).`);

try {
  let config = loadConfig();
  const sims = config.simulators.enabled ? await withSimulators(config) : undefined;
  if (sims) config = sims.config;
  const logger = createLogger({ level: config.logLevel, name: `portico-${name}` });
  await startTracing({ ...config.tracing, serviceName: `${config.tracing.serviceName}-${name}` }, logger);
  const service = await createSubgraphService({ config, logger, name });
  const server = service.server;
  const url = (await server.fastify.listen({ host: config.host, port })).replace('://0.0.0.0', '://127.0.0.1');
  console.log(
    [
      `Subgraph ${name} listening on ${url}/graphql${sims ? ' (against the bundled simulators)' : ''}`,
      `Next: start the gateway with SUBGRAPH_URL_${name.toUpperCase()}=${url}/graphql${config.env === 'production' ? ' and the same SUBGRAPH_SIGNING_SECRET' : ''}, e.g.`,
      `  SUBGRAPH_URL_${name.toUpperCase()}=${url}/graphql npm start`,
      config.subgraphs.acceptTokens
        ? `A federation router in front may forward the caller's own token (Authorization: Bearer); SUBGRAPH_ACCEPT_TOKENS=false accepts only the gateway's claims.`
        : `Only the gateway's signed claims are accepted (SUBGRAPH_ACCEPT_TOKENS=false).`,
    ].join('\n'),
  );
  const stop = () =>
    void (async () => {
      await service.close();
      await sims?.close();
      process.exit(0);
    })();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
}
