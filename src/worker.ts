/**
 * `npm run worker`: the event workers alone, on the Redis the gateways use (REDIS_URL), so
 * receivers and workers scale separately. The same code runs inside the gateway by default
 * (EVENT_WORKERS=true); run gateways with EVENT_WORKERS=false to keep them receivers only.
 */
import { createUpstreams } from './upstreams.js';
import { createSharedState } from './shared.js';
import { createBackground } from './background.js';
import { loadConfigOrExit } from './config/index.js';
import { applyHeapSettings } from './platform/heap.js';
import { installFatalHandlers } from './platform/fatal.js';
import { createLogger } from './platform/logger.js';
import { createMetrics } from './platform/metrics.js';
import { createDisposalStack } from './platform/disposer.js';

async function main() {
  const config = loadConfigOrExit();
  applyHeapSettings(config);
  if (!config.redis.url) {
    console.error(
      'npm run worker needs REDIS_URL: the Redis your gateways store webhook events in. Example: REDIS_URL=redis://127.0.0.1:6379 npm run worker',
    );
    process.exit(1);
  }
  if (config.simulators.enabled) {
    console.error(
      'npm run worker needs the vendors configured (it re-reads objects from them); SIMULATORS=true would start private simulators. Point it at the same vendors as the gateway (see `npm run sim`).',
    );
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel });
  const metrics = createMetrics();
  // Every part registers its close as it is created; shutdown runs them in reverse.
  const stack = createDisposalStack();
  const shared = stack.use(createSharedState(config, logger, metrics), (s) => s.close());
  // The vendor budgets the gateways use (background work yields to their reads), and the same links and response cache.
  const upstreams = stack.use(createUpstreams(config, logger, metrics, shared.budgets), (u) => u.close());
  const background = createBackground({ config, logger, metrics, upstreams, shared, stack });
  await background.start();
  console.log(
    `Event workers running on ${config.redis.url.replace(/\/\/[^@]*@/, '//***@')} (queues ${Object.values(background.events.queues)
      .map((q) => q.name)
      .join(', ')}, replicas). Stop with Ctrl-C.`,
  );

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    logger.info({ signal }, 'worker draining');
    const force = setTimeout(() => process.exit(1), 10_000).unref();
    await stack.dispose().catch((err: Error) => {
      logger.error({ err: err.message }, 'worker: a part failed to close');
      process.exitCode = 1;
    });
    clearTimeout(force);
    process.exit(process.exitCode ?? 0);
  };
  process.on('SIGTERM', () => void shutdown('SIGTERM'));
  process.on('SIGINT', () => void shutdown('SIGINT'));
  installFatalHandlers({ logger, counter: metrics.fatalErrors, shutdown: (reason) => void shutdown(reason) });
}

main().catch((err) => {
  console.error('The worker failed to start:', err instanceof Error ? err.message : err);
  process.exit(1);
});
