/**
 * Process entry: read config, build the app, listen, drain on SIGTERM/SIGINT.
 */
import { createApp } from './app.js';
import { loadConfigOrExit } from './config/index.js';
import { CompositionError } from './gateway/index.js';
import { installFatalHandlers } from './platform/fatal.js';
import { applyHeapSettings } from './platform/heap.js';
import { withLocalRedis } from './platform/local-redis.js';
import { vendorsInUse } from './vendors/index.js';
import { activeEventSystems, WEBHOOK_SYSTEMS } from './webhooks/index.js';

async function main() {
  let config = loadConfigOrExit();
  applyHeapSettings(config);
  const local = await withLocalRedis(config);
  config = local.config;
  const app = await createApp({ config });
  const url = await app.listen();
  const shown = url.replace('://0.0.0.0', '://127.0.0.1');
  const vendors = vendorsInUse(app.config);
  const demos = vendors.flatMap((v) => (v.simulator?.demo ? [v.simulator.demo(app.config)] : []));
  const lines = [
    `Portico is listening (${app.config.env}).`,
    `  GraphQL:  ${shown}/graphql`,
    `  Health:   ${shown}/healthz   Ready: ${shown}/readyz`,
    ...(app.config.sandbox ? [`  Sandbox:  ${shown}/sandbox (explore the API in a browser as any persona)`] : []),
    app.config.simulators.enabled
      ? `  Upstreams: bundled simulators (${vendors.map((v) => `${v.domain}: ${v.name}`).join(', ')}) with 500 seeded customers`
      : '  Upstreams: configured vendors',
    ...local.lines,
    app.events.available
      ? `  Webhooks: ${shown}/webhooks/{${WEBHOOK_SYSTEMS.filter((s) => activeEventSystems(app.config).includes(s)).join(',')}}${app.config.events.workers ? ' (workers in this process)' : ' (workers off here: run npm run worker)'}${app.config.simulators.enabled ? '; the simulators send theirs here' : ''}`
      : '  Webhooks: OFF (no Redis): POST /webhooks/* answers 503 so vendors retry later',
    ...(app.config.simulators.enabled && app.events.available
      ? demos.flatMap((d) => [`  Try it:   ${d.what}:`, `            ${d.command}`])
      : []),
  ];
  if (app.config.env !== 'production') {
    lines.push(
      '',
      'Next: get a development token and query as the demo customer:',
      '  TOKEN=$(npm run -s token -- --role customer --sub 1001)',
      `  curl -s ${shown}/graphql -H "authorization: Bearer $TOKEN" -H 'content-type: application/json' -d '{"query":"{ me { name email billing { balance currency } } }"}'`,
      '  (--role agent or --role admin for staff tokens)',
    );
  }
  console.log(lines.join('\n'));

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.logger.info({ signal }, 'draining');
    // Under Docker's 10 s stop timeout: a close that hangs is reported and cut short.
    const force = setTimeout(() => {
      app.logger.error('shutdown did not finish within 8 s; exiting anyway');
      process.exit(1);
    }, 8_000).unref();
    await app.close();
    await local.stop();
    clearTimeout(force);
    app.logger.info('stopped');
    process.exit(process.exitCode ?? 0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  installFatalHandlers({ logger: app.logger, counter: app.metrics.fatalErrors, shutdown: (reason) => void shutdown(reason) });
}

main().catch((err) => {
  if (err instanceof CompositionError) console.error(err.message);
  else console.error('Portico failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
