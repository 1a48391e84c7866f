/**
 * npm run subgraph -- <crm|billing|files|support> [--port 4001]
 * Runs one subgraph as its own service; point the gateway at it with SUBGRAPH_URL_<NAME>.
 * In development with no vendor configured it starts its own bundled simulators (seeded with the
 * same data as the gateway's), so the command works on its own.
 */
import { parseArgs } from 'node:util';
import { buildSubgraphs, createSharedState, createUpstreams } from '../src/app.js';
import { withSimulators } from '../src/dev/simulators.js';
import { ConfigError, loadConfig, type SubgraphName } from '../src/config/index.js';
import { SUBGRAPH_NAMES } from '../src/gateway/index.js';
import { createSubgraphServer } from '../src/http/subgraph-server.js';
import { redisClaimsNonces } from '../src/auth/claims.js';
import { createTokenVerifier } from '../src/auth/tokens.js';
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
      await server.close();
      await upstreams.close();
      await shared.close();
      await sims?.close();
      process.exit(0);
    })();
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
} catch (err) {
  console.error(err instanceof ConfigError ? err.message : (err as Error).message);
  process.exit(1);
}
