/**
 * `npm run bench -- --soak [--minutes 30 --rate 100 --connections 20]`: does anything grow? One
 * gateway process as `npm start` runs it, with a Redis of the bench's own (cache, response cache,
 * audit), under the steady mixed load of bench/mixed.ts (warm and cold dashboards of customers
 * 1001-1500, one request in ten an agent's staff list of 50). Every 30 s: the gateway's RSS and
 * its V8 heap (total and used, from /metrics). Prints the samples as a table and, last, one JSON
 * line: `soak_rss_start_mb` (the sample at one third of the run, after warm-up), `soak_rss_end_mb`,
 * `soak_rss_growth_pct` and `soak_errors` (answers not a 200 with data or RATE_LIMITED fields).
 * Writes and webhooks are not part of this load.
 */
import { loadConfig } from '../src/config/index.js';
import { startLocalRedis } from '../src/platform/redis-server.js';
import { startGatewayProcess } from './mixed-run.js';
import { badCount, runMixedLoad } from './mixed.js';

const SAMPLE_MS = 30_000;

export async function runSoakBench(o: { minutes: number; rate: number; connections: number }) {
  const redis = await startLocalRedis();
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    SIM_LATENCY_MS: '2',
    USER_RATE_LIMIT_PER_MINUTE: '1000000',
    RECONCILE_SCHEDULE: 'off',
    REDIS_URL: redis.url,
  };
  const gw = await startGatewayProcess(env);
  const config = loadConfig(env);
  const started = Date.now();
  const samples: { s: number; rssMb: number; heapTotalMb: number; heapUsedMb: number }[] = [];
  const sample = async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text().catch(() => '');
    const read = (name: string) => Number(new RegExp(`^portico_${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
    const row = {
      s: Math.round((Date.now() - started) / 1000),
      rssMb: Math.round(gw.rssMb() * 10) / 10,
      heapTotalMb: Math.round(read('nodejs_heap_size_total_bytes') * 10) / 10,
      heapUsedMb: Math.round(read('nodejs_heap_size_used_bytes') * 10) / 10,
    };
    samples.push(row);
    console.log(`| ${row.s} | ${row.rssMb} | ${row.heapTotalMb} | ${row.heapUsedMb} |`);
  };
  console.log(`Soak: ${o.rate} req/s over ${o.connections} connections for ${o.minutes} min against ${gw.url} (pid ${gw.proc.pid})\n`);
  console.log('| elapsed s | RSS MiB | heap total MiB | heap used MiB |');
  console.log('|---|---|---|---|');
  const timer = setInterval(() => void sample(), SAMPLE_MS);
  let result;
  try {
    result = await runMixedLoad({
      url: gw.url,
      config,
      rate: o.rate,
      connections: o.connections,
      durationS: o.minutes * 60,
      stopped: gw.exited,
      onProgress: () => undefined,
    });
    await sample();
  } finally {
    clearInterval(timer);
    await gw.stop();
    await redis.stop();
  }
  const third = samples.find((x) => x.s * 1000 >= (o.minutes * 60_000) / 3) ?? samples[0];
  const end = samples[samples.length - 1];
  const errors = badCount(result) + (gw.exited() && samples.length === 0 ? 1 : 0);
  console.log(
    JSON.stringify({
      soak_minutes: o.minutes,
      soak_rate: o.rate,
      soak_sent: result.sent,
      soak_ok: result.ok,
      soak_rss_start_mb: third?.rssMb ?? null,
      soak_rss_end_mb: end?.rssMb ?? null,
      soak_rss_growth_pct: third && end ? Math.round(((end.rssMb - third.rssMb) / third.rssMb) * 1000) / 10 : null,
      soak_errors: errors,
    }),
  );
  if (errors > 0) process.exitCode = 1;
}
