/**
 * `npm run bench -- --soak [--minutes 30 --rate 100 --connections 20]`: does anything grow? One
 * gateway process as `npm start` runs it, with a Redis of the bench's own (cache, response cache,
 * audit, queues), under the steady mixed load of bench/mixed.ts: warm and cold dashboards of
 * customers 1001-1500, one request in ten an agent's staff list of 50, one in twenty a customer's
 * contact write (Idempotency-Key) and one in twenty a signed Stripe webhook.
 *
 * Every 30 s: the gateway's RSS, its V8 heap (total and used) and the heap floor (the lowest heap
 * used of the 2 s samples of the last 2 minutes: what survives garbage collection; a full
 * collection runs more than once in 2 minutes under this load, not in every 30 s). Prints the samples as a
 * table, writes a plot of them (SVG, `--plot`, default `soak.svg`), then, last, one JSON line:
 * `soak_rss_start_mb` (the sample at one third of the run, after warm-up), `soak_rss_end_mb`,
 * `soak_rss_growth_pct`, `soak_heap_floor_trend_mb_per_h` (least-squares slope of the heap floor
 * after the first third) and `soak_errors` (answers not a 2xx with data or RATE_LIMITED fields).
 */
import { writeFileSync } from 'node:fs';
import { loadConfig } from '../src/config/index.js';
import { startLocalRedis } from '../src/platform/redis-server.js';
import { startGatewayProcess } from './mixed-run.js';
import { badCount, runMixedLoad } from './mixed.js';
import { signedStripeEvents } from './webhooks.js';

const SAMPLE_MS = 30_000;
const HEAP_MS = 2_000;
const FLOOR_WINDOW_MS = 120_000;

interface Sample {
  s: number;
  rssMb: number;
  heapTotalMb: number;
  heapUsedMb: number;
  heapFloorMb: number;
}

/** Least-squares slope of y over x. */
function slope(points: readonly [number, number][]): number {
  const n = points.length;
  if (n < 2) return 0;
  const mx = points.reduce((a, [x]) => a + x, 0) / n;
  const my = points.reduce((a, [, y]) => a + y, 0) / n;
  const num = points.reduce((a, [x, y]) => a + (x - mx) * (y - my), 0);
  const den = points.reduce((a, [x]) => a + (x - mx) ** 2, 0);
  return den === 0 ? 0 : num / den;
}

/** RSS, heap used and heap floor over time, as a small standalone SVG line chart. */
export function soakPlot(samples: readonly Sample[], title: string): string {
  const W = 720;
  const H = 360;
  const pad = { l: 60, r: 150, t: 40, b: 40 };
  const maxS = Math.max(60, ...samples.map((x) => x.s));
  const maxMb = Math.ceil(Math.max(100, ...samples.map((x) => Math.max(x.rssMb, x.heapUsedMb))) / 100) * 100;
  const px = (s: number) => pad.l + (s / maxS) * (W - pad.l - pad.r);
  const py = (mb: number) => H - pad.b - (mb / maxMb) * (H - pad.t - pad.b);
  const series: [string, string, (x: Sample) => number][] = [
    ['RSS', '#d62728', (x) => x.rssMb],
    ['heap used', '#1f77b4', (x) => x.heapUsedMb],
    ['heap floor', '#2ca02c', (x) => x.heapFloorMb],
  ];
  const lines = series.map(
    ([name, color, pick], i) =>
      `<polyline fill="none" stroke="${color}" stroke-width="2" points="${samples.map((x) => `${px(x.s).toFixed(1)},${py(pick(x)).toFixed(1)}`).join(' ')}"/>` +
      `<text x="${W - pad.r + 10}" y="${pad.t + 20 * i + 10}" fill="${color}" font-size="12">${name}</text>`,
  );
  const yTicks = Array.from({ length: 5 }, (_x, i) => (maxMb / 4) * i).map(
    (mb) =>
      `<line x1="${pad.l}" x2="${W - pad.r}" y1="${py(mb)}" y2="${py(mb)}" stroke="#ddd"/><text x="${pad.l - 8}" y="${py(mb) + 4}" text-anchor="end" font-size="11">${mb}</text>`,
  );
  const xTicks = Array.from({ length: 5 }, (_x, i) => (maxS / 4) * i).map(
    (s) => `<text x="${px(s)}" y="${H - pad.b + 18}" text-anchor="middle" font-size="11">${Math.round(s / 60)} min</text>`,
  );
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" font-family="sans-serif">`,
    `<rect width="${W}" height="${H}" fill="white"/>`,
    `<text x="${pad.l}" y="24" font-size="14">${title.replace(/[<&>]/g, '')}</text>`,
    `<text x="16" y="${pad.t - 10}" font-size="11">MiB</text>`,
    ...yTicks,
    ...xTicks,
    ...lines,
    '</svg>',
  ].join('\n');
}

export async function runSoakBench(o: { minutes: number; rate: number; connections: number; plot?: string }) {
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
  const samples: Sample[] = [];
  const metric = async () => {
    const text = await (await fetch(`${gw.url}/metrics`)).text().catch(() => '');
    return (name: string) => Number(new RegExp(`^portico_${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
  };
  // The heap floor: the lowest 2 s sample of heap used in the last FLOOR_WINDOW_MS.
  let heap: { at: number; used: number }[] = [];
  const heapTimer = setInterval(() => {
    void metric().then((read) => {
      const used = read('nodejs_heap_size_used_bytes');
      const at = Date.now();
      if (Number.isFinite(used)) heap = [...heap.filter((x) => x.at >= at - FLOOR_WINDOW_MS), { at, used }];
    });
  }, HEAP_MS);
  const round = (mb: number) => Math.round(mb * 10) / 10;
  const sample = async () => {
    const read = await metric();
    const row = {
      s: Math.round((Date.now() - started) / 1000),
      rssMb: round(gw.rssMb()),
      heapTotalMb: round(read('nodejs_heap_size_total_bytes')),
      heapUsedMb: round(read('nodejs_heap_size_used_bytes')),
      heapFloorMb: round(
        Math.min(read('nodejs_heap_size_used_bytes'), ...heap.filter((x) => x.at >= Date.now() - FLOOR_WINDOW_MS).map((x) => x.used)),
      ),
    };
    samples.push(row);
    console.log(`| ${row.s} | ${row.rssMb} | ${row.heapTotalMb} | ${row.heapUsedMb} | ${row.heapFloorMb} |`);
  };
  console.log(
    `Soak: ${o.rate} req/s over ${o.connections} connections for ${o.minutes} min against ${gw.url} (pid ${gw.proc.pid}):` +
      ' dashboards of 500 customers, 10% staff lists, 5% contact writes, 5% signed Stripe webhooks\n',
  );
  console.log('| elapsed s | RSS MiB | heap total MiB | heap used MiB | heap floor MiB |');
  console.log('|---|---|---|---|---|');
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
      writeShare: 0.05,
      eventShare: 0.05,
      event: signedStripeEvents(),
      onProgress: () => undefined,
    });
    await sample();
  } finally {
    clearInterval(timer);
    clearInterval(heapTimer);
    await gw.stop();
    await redis.stop();
  }
  const thirdS = (o.minutes * 60) / 3;
  const third = samples.find((x) => x.s >= thirdS) ?? samples[0];
  const end = samples[samples.length - 1];
  const errors = badCount(result) + (gw.exited() && samples.length === 0 ? 1 : 0);
  const trend = slope(samples.filter((x) => x.s >= thirdS).map((x) => [x.s / 3600, x.heapFloorMb]));
  const plot = o.plot ?? 'soak.svg';
  writeFileSync(plot, soakPlot(samples, `Portico soak: ${o.rate} req/s for ${o.minutes} min, one process`));
  console.log(`\nSent ${result.sent} (${JSON.stringify(result.kinds ?? {})}), ok ${result.ok}, bad ${JSON.stringify(result.bad)}.`);
  console.log(`Plot of RSS and heap written to ${plot} (open it in a browser).`);
  console.log(
    JSON.stringify({
      soak_minutes: o.minutes,
      soak_rate: o.rate,
      soak_sent: result.sent,
      soak_ok: result.ok,
      soak_rss_start_mb: third?.rssMb ?? null,
      soak_rss_end_mb: end?.rssMb ?? null,
      soak_rss_growth_pct: third && end ? Math.round(((end.rssMb - third.rssMb) / third.rssMb) * 1000) / 10 : null,
      soak_heap_floor_trend_mb_per_h: Math.round(trend * 10) / 10,
      soak_errors: errors,
    }),
  );
  if (errors > 0) process.exitCode = 1;
}
