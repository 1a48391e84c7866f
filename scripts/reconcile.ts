/**
 * npm run reconcile: compares every replicated field (Stripe customer and Zendesk user name and
 * email with their owner, the CRM contact; the CRM's copy of the billing country with its owner,
 * the Stripe customer) for every customer, repairs what drifted (the owner wins), prints progress and a summary, and records the result in Redis (`<prefix>:reconcile:last`,
 * shown by `integrationHealth`). The same code runs hourly as a queue job (RECONCILE_SCHEDULE).
 */
import type { Redis } from 'ioredis';
import { connectRedis } from '../src/platform/redis.js';
import { createUpstreams } from '../src/app.js';
import { loadConfigOrExit } from '../src/config/index.js';
import { createLogger } from '../src/platform/logger.js';
import { reconcile, reconcileKey } from '../src/replicas/index.js';

async function main() {
  const config = loadConfigOrExit();
  if (config.simulators.enabled) {
    console.error(
      'npm run reconcile needs the vendors configured; SIMULATORS=true would start private simulators. Point it at the same vendors as the gateway, e.g. HUBSPOT_BASE_URL, STRIPE_API_BASE, ZENDESK_BASE_URL (see `npm run sim`).',
    );
    process.exit(1);
  }
  const logger = createLogger({ level: config.logLevel });
  const upstreams = createUpstreams(config, logger);
  let redis: Redis | undefined;
  if (config.redis.url) {
    redis = connectRedis(config.redis.url, 'cli', { commandTimeoutMs: 5000 });
    redis.on('error', () => undefined);
  } else console.log('REDIS_URL is not set: the result is printed but not recorded for integrationHealth.');

  console.log(
    `Reconciling Stripe and Zendesk with the CRM, and the CRM's billing country with Stripe (the owners win), at most ${config.reconcile.callsPerSecond} vendor calls a second...`,
  );
  const report = await reconcile({
    upstreams,
    redis,
    prefix: config.keyPrefix,
    callsPerSecond: config.reconcile.callsPerSecond,
    logger,
    onProgress: (p) =>
      console.log(`  ${p.customersChecked} customers checked: ${p.drift} fields drifted, ${p.repaired} repaired, ${p.errors} errors`),
  });
  console.log(`\nDone: ${report.customersChecked} customers checked from ${report.startedAt} to ${report.finishedAt}.`);
  for (const f of report.fields) console.log(`  ${f.system}.${f.field}: ${f.drift} drifted, ${f.repaired} repaired`);
  console.log(`  errors: ${report.errors}`);
  if (redis) console.log(`Recorded at ${reconcileKey(config.keyPrefix)} (see integrationHealth).`);
  const drift = report.fields.reduce((n, f) => n + f.drift, 0);
  if (report.errors)
    console.log(
      '\nNext: some replicas could not be read or repaired (see the warnings above). Fix the cause (vendor credentials, outage, rate limit) and run `npm run reconcile` again.',
    );
  else if (drift)
    console.log(
      '\nNext: nothing; drift was repaired. If it keeps coming back, look for failed replica jobs (admin query failedReplicaJobs).',
    );
  else console.log('\nNext: nothing; every replica matches its owner.');
  await upstreams.close();
  redis?.disconnect();
  process.exit(report.errors ? 2 : 0);
}

main().catch((err) => {
  console.error(
    'Reconciliation failed:',
    err instanceof Error ? err.message : err,
    '\nCheck the vendor settings and REDIS_URL, then run it again.',
  );
  process.exit(1);
});
