/**
 * npm run bench [-- --duration 20 --connections 10 --latency 2]
 *
 * Load benchmark: Portico (cold: cache off; warm: Redis cache) against a plain @apollo/gateway
 * over the same four subgraphs run as separate HTTP services, both calling the same simulators
 * with a fixed added latency per upstream call. The system under test runs on core 0 (Portico's
 * one process; the baseline's gateway and subgraph services); this process (simulators +
 * autocannon) runs on core 1.
 * Prints a table, then one JSON line with the figures and ratios.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { parseArgs } from 'node:util';
import autocannon from 'autocannon';
import { signDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config/index.js';
import { startSimulators, vendorEnv, type SimSystem } from '../sim/index.js';
import { writeFileSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { criticalPath, criticalViews, kill, planLoad, printCritical, type CriticalRow, type PlanRow } from './critical.js';

const { values } = parseArgs({
  options: {
    duration: { type: 'string', default: '20' },
    connections: { type: 'string', default: '10' },
    latency: { type: 'string', default: '2' },
    warmup: { type: 'string', default: '3' },
    profile: { type: 'string' },
    // cold | warm: only that Portico process (no raw reference, no baseline).
    only: { type: 'string' },
    // Writes a V8 heap snapshot of the warm Portico process halfway through its 50-customer run (use with --only warm).
    'heap-snapshot': { type: 'string' },
    // Samples the gateway processes' memory (RSS, V8 spaces, external) every 250 ms into DIR/mem-<pid>.jsonl (bench/mem-probe.ts).
    'mem-probe': { type: 'string' },
    // Extra Node/V8 flags for the Portico processes, e.g. --node-flags "--max-semi-space-size=8" (A/B runs of V8 settings).
    'node-flags': { type: 'string' },
    webhooks: { type: 'boolean' },
    automations: { type: 'boolean' },
    notifications: { type: 'boolean' },
    subscriptions: { type: 'boolean' },
    subscribers: { type: 'string', default: '2000' },
    seconds: { type: 'string', default: '20' },
    writes: { type: 'boolean' },
    mixed: { type: 'boolean' },
    soak: { type: 'boolean' },
    minutes: { type: 'string', default: '3' },
    // Where --soak writes its plot (SVG).
    plot: { type: 'string' },
    rate: { type: 'string', default: '200' },
    'redis-faults': { type: 'boolean' },
    cluster: { type: 'boolean' },
    redis: { type: 'string', default: 'single' },
    events: { type: 'string' },
    // load (default): Portico vs plain @apollo/gateway; critical: sequential requests at vendor latency; plan: vendor limits enforced.
    mode: { type: 'string', default: 'load' },
    runs: { type: 'string', default: '9' },
    plan: { type: 'string', default: 'zendesk=enterprise,stripe=live,hubspot=professional' },
  },
});
// Read by bench/mem-probe.ts in the gateway processes (bench/mixed-run.ts and --soak load it too).
if (values['mem-probe']) process.env.PORTICO_MEM_PROBE_DIR = values['mem-probe'];
if (values.webhooks) {
  // npm run bench -- --webhooks [--events 10000 --connections 10]: the event path instead (bench/webhooks.ts).
  await (
    await import('./webhooks.js')
  ).runWebhookBench({ connections: Number(values.connections), events: Number(values.events ?? 10_000) });
  process.exit(0);
}
if (values.automations) {
  // npm run bench -- --automations [--events 300]: the payment automations end to end (bench/automations.ts).
  await (await import('./automations.js')).runAutomationsBench({ events: Number(values.events ?? 300) });
  process.exit(process.exitCode ?? 0);
}
if (values.notifications) {
  // npm run bench -- --notifications [--events 10000 --connections 64]: partner webhooks and email (bench/notifications.ts).
  await (
    await import('./notifications.js')
  ).runNotificationsBench({
    events: Number(values.events ?? 10_000),
    concurrency: values.connections === '10' ? 64 : Number(values.connections),
  });
  process.exit(process.exitCode ?? 0);
}
if (values.subscriptions) {
  // npm run bench -- --subscriptions [--subscribers 2000 --rate 50 --seconds 20]: pushes to subscribers (bench/subscriptions.ts).
  await (
    await import('./subscriptions.js')
  ).runSubscriptionsBench({
    subscribers: Number(values.subscribers),
    rate: values.rate === '200' ? 50 : Number(values.rate),
    seconds: Number(values.seconds),
    profile: values.profile,
  });
  process.exit(process.exitCode ?? 0);
}
if (values.writes) {
  // npm run bench -- --writes [--events 1000 --connections 10]: the contact write path and its replicas (bench/writes.ts).
  await (await import('./writes.js')).runWritesBench({ connections: Number(values.connections), writes: Number(values.events ?? 1000) });
  process.exit(process.exitCode ?? 0);
}
if (values.soak) {
  // npm run bench -- --soak [--minutes 30 --rate 100 --connections 20]: RSS and heap every 30 s under a steady mixed load (bench/soak.ts).
  await (
    await import('./soak.js')
  ).runSoakBench({
    minutes: Number(values.minutes),
    rate: values.rate === '200' ? 100 : Number(values.rate),
    connections: values.connections === '10' ? 20 : Number(values.connections),
    plot: values.plot,
  });
  process.exit(process.exitCode ?? 0);
}
if (values.mixed) {
  // npm run bench -- --mixed [--minutes 3 --rate 200 --connections 20 --subscribers 200]: a steady mixed load at the vendors' limits, with subscribers (bench/mixed-run.ts).
  await (
    await import('./mixed-run.js')
  ).runMixedBench({
    minutes: Number(values.minutes),
    rate: Number(values.rate),
    connections: Number(values.connections ?? 20),
    redisFaults: values['redis-faults'],
    // Customers' apps holding a subscription beside the load (200 unless --subscribers says).
    subscribers: process.argv.includes('--subscribers') ? Number(values.subscribers) : 200,
  });
  process.exit(process.exitCode ?? 0);
}
if (values.cluster) {
  // npm run bench -- --cluster [--seconds 60 --rate 10 --redis single|cluster]: 3 gateways, 2 workers, kill -9 midway (bench/cluster.ts).
  await (
    await import('./cluster.js')
  ).runClusterBench({
    seconds: values.seconds === '20' ? 60 : Number(values.seconds),
    rate: values.rate === '200' ? 10 : Number(values.rate),
    redis: values.redis === 'cluster' ? 'cluster' : 'single',
  });
  process.exit(process.exitCode ?? 0);
}
if (values['redis-faults'] && !values.mixed) {
  // npm run bench -- --redis-faults [--connections 8]: Redis stalled, then killed, under load (bench/redis-faults.ts).
  await (
    await import('./redis-faults.js')
  ).runRedisFaultsBench({ connections: values.connections === '10' ? 8 : Number(values.connections) });
  process.exit(process.exitCode ?? 0);
}
const duration = Number(values.duration);
const connections = Number(values.connections);
const latencyMs = Number(values.latency);
const warmupS = Number(values.warmup);

const CUSTOMER_FIELDS = `id name email phone company lifecycleStage
  billing { currency balance subscription { id status plan currentPeriodEnd } paymentMethods { brand last4 expMonth expYear }
    invoices(first: 10) { totalCount nodes { id number status amountDue amountPaid currency dueDate } pageInfo { hasNextPage endCursor } } }
  tickets(first: 10) { nodes { id subject status priority createdAt updatedAt comments { id body author createdAt } } pageInfo { hasNextPage endCursor } }
  documents(first: 10) { nodes { id name size contentType uploadedAt downloadUrl } pageInfo { hasNextPage endCursor } }`;
const QUERIES = {
  customers50: `query Customers50 { customers(first: 50) { totalCount nodes { ${CUSTOMER_FIELDS} } pageInfo { hasNextPage endCursor } } }`,
  dashboard: `query Dashboard { me { ${CUSTOMER_FIELDS} } }`,
};
type QueryName = keyof typeof QUERIES;

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function pin(core: number) {
  try {
    spawn('taskset', ['-cp', String(core), String(process.pid)], { stdio: 'ignore' });
  } catch {
    console.error('taskset not found: running unpinned (install util-linux for pinned figures).');
  }
}

/** `--profile DIR` writes a V8 CPU profile of each gateway process there (open in Chrome DevTools). */
const profileArgs = [
  ...(values.profile ? ['--cpu-prof', `--cpu-prof-dir=${values.profile}`] : []),
  ...(values['heap-snapshot'] ? ['--heapsnapshot-signal=SIGUSR2', `--diagnostic-dir=${values['heap-snapshot']}`] : []),
];

function start(
  name: string,
  core: number,
  script: string,
  env: Record<string, string>,
  readyLine: RegExp,
): Promise<{ proc: ChildProcess; line: string }> {
  return new Promise((resolve, reject) => {
    const proc = spawn(
      'taskset',
      [
        '-c',
        String(core),
        process.execPath,
        ...profileArgs,
        ...(values['node-flags'] && script === 'src/main.ts' ? values['node-flags'].split(/\s+/).filter(Boolean) : []),
        '--import',
        'tsx',
        ...(values['mem-probe'] ? ['--import', './bench/mem-probe.ts'] : []),
        script,
      ],
      {
        env: { ...process.env, ...env },
        stdio: ['ignore', 'pipe', 'pipe'],
      },
    );
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      const m = out.split('\n').find((l) => readyLine.test(l));
      if (m) resolve({ proc, line: m });
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', (d: Buffer) => (out += d.toString()));
    proc.on('exit', (code) => reject(new Error(`${name} exited (${code}) before it was ready:\n${out.slice(-2000)}`)));
  });
}

/** Peak resident set (VmHWM) of a process, MiB. */
const peakRssMb = (pid: number) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;

/** Starts a new peak (VmHWM := current RSS; Linux `clear_refs` 5), so each row reports its own peak. */
function resetPeak(pid: number) {
  try {
    writeFileSync(`/proc/${pid}/clear_refs`, '5');
  } catch {
    // Not Linux, or not ours: the peak then covers the process's life so far.
  }
}

/** CPU time (user + system) a process has used, ms (/proc/<pid>/stat, in clock ticks of 10 ms). */
function cpuMs(pid: number) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  // utime and stime are fields 14 and 15 of stat; after "pid (comm) " they are at 11 and 12.
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/** The V8 heap (total and used) and memory outside it (external: Buffers, strings held by native code), MiB, from /metrics. */
async function heapNow(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (name: string) => Number(new RegExp(`^portico_${name} (\\S+)`, 'm').exec(text)?.[1] ?? NaN) / 1048576;
  const mb = (n: number) => Math.round(n);
  return `${mb(read('nodejs_heap_size_total_bytes'))}/${mb(read('nodejs_heap_size_used_bytes'))}/${mb(read('nodejs_external_memory_bytes'))}`;
}

/** The event loop's active and idle time so far, seconds (portico_eventloop_*_seconds_total in /metrics). */
async function loopTimes(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (what: string) => Number(new RegExp(`^portico_eventloop_${what}_seconds_total (\\S+)`, 'm').exec(text)?.[1] ?? NaN);
  return { active: read('active'), idle: read('idle') };
}

async function cacheCounts(url: string) {
  const text = await (await fetch(`${url}/metrics`)).text();
  const read = (r: string) => Number(new RegExp(`^portico_cache_operations_total\\{result="${r}"\\} (\\d+)`, 'm').exec(text)?.[1] ?? 0);
  return { hit: read('hit'), miss: read('miss'), error: read('error') };
}

/**
 * Waits until the server has answered every request it had: its response count holds still for
 * `quietMs` (the run's p99, so a request of the run still in flight has had time to end).
 */
async function drained(url: string, quietMs: number) {
  const answered = async () =>
    [...(await (await fetch(`${url}/metrics`)).text()).matchAll(/^portico_http_requests_total\{[^}]*\} (\d+)/gm)].reduce(
      (n, m) => n + Number(m[1]),
      0,
    );
  let last = -1;
  const step = Math.max(500, Math.min(quietMs, 10_000));
  for (let i = 0; i < 60; i++) {
    const n = await answered();
    if (n === last) return;
    last = n;
    await new Promise((r) => setTimeout(r, step));
  }
}

/** A redis-server of the bench's own on core 1, with the simulators. */
async function startRedisServer() {
  const redisPort = await freePort();
  const redis = spawn(
    'taskset',
    ['-c', '1', 'redis-server', '--port', String(redisPort), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no'],
    { stdio: 'ignore' },
  );
  await new Promise((r) => setTimeout(r, 300));
  return { redis, redisPort };
}

interface Row {
  target: string;
  query: QueryName;
  cache: string;
  rps: number;
  p50: number;
  p99: number;
  errors: number;
  upstreamPerReq: number;
  hitRatio: number | null;
  /** Cache reads that failed (Redis past its deadline): each counts its keys as misses. */
  cacheErrors?: number;
  /** Peak resident set during the row (warm-up and run), MiB: the sum over the target's processes. */
  peakRssMb: number;
  /** CPU time of the target's processes during the run, per completed request. */
  cpuMsPerReq: number;
  /** Event-loop utilization of the gateway during the run (Portico only: read from its /metrics). */
  elu: number | null;
  /** Halfway through the run: V8 heap total / used / external memory, MiB (Portico only). */
  heapMid?: string;
}

/** `--mode critical`: the critical path of three views, sequential requests, cache off and on. */
async function critical() {
  pin(1);
  const sims = await startSimulators({
    faults: Object.fromEntries((['hubspot', 'stripe', 'zendesk', 's3'] as SimSystem[]).map((s) => [s, { latencyMs }])),
  });
  const { redis, redisPort } = await startRedisServer();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    ...vendorEnv(sims),
    UPSTREAM_TIMEOUT_MS: '10000',
    USER_RATE_LIMIT_PER_MINUTE: '1000000',
  };
  const config = loadConfig(env);
  const views = criticalViews(config, '1001');
  views[0].query = QUERIES.dashboard;
  const rows: CriticalRow[] = [];
  try {
    for (const cache of ['off', 'on'] as const) {
      const port = await freePort();
      const extra: Record<string, string> =
        cache === 'off'
          ? { CACHE_ENABLED: 'false' }
          : { REDIS_URL: `redis://127.0.0.1:${redisPort}`, REDIS_KEY_PREFIX: `crit${Date.now()}` };
      const { proc } = await start(`portico-${cache}`, 0, 'src/main.ts', { ...env, ...extra, PORT: String(port) }, /Portico is listening/);
      process.stderr.write(`  critical path, cache ${cache}...\n`);
      rows.push(...(await criticalPath({ url: `http://127.0.0.1:${port}`, sims, views, cache, runs: Number(values.runs), latencyMs })));
      await kill(proc);
    }
  } finally {
    redis.kill('SIGTERM');
    await sims.close();
  }
  printCritical(rows, latencyMs);
  const pick = (view: string, cache: string) => rows.find((r) => r.view === view && r.cache === cache)!;
  console.log(
    JSON.stringify({
      mode: 'critical',
      upstream_latency_ms: latencyMs,
      dashboard_cold_p50_ms: pick('dashboard', 'off').p50_ms,
      dashboard_cold_round_trips: pick('dashboard', 'off').round_trips,
      dashboard_first_sight_round_trips: pick('dashboard', 'off').first_round_trips,
      staff_list_cold_round_trips: pick('staff_list_50', 'off').round_trips,
      staff_list_cold_calls: pick('staff_list_50', 'off').calls_total,
      ticket_detail_cold_round_trips: pick('ticket_detail', 'off').round_trips,
      dashboard_warm_p50_ms: pick('dashboard', 'on').p50_ms,
      rows,
    }),
  );
  process.exit(0);
}

/** `--mode plan`: cold dashboards of many customers with the simulators enforcing vendor plans. */
async function plan() {
  pin(1);
  const plans = Object.fromEntries(values.plan.split(',').map((p) => p.split('=') as [SimSystem, string]));
  const faults = Object.fromEntries(
    (['hubspot', 'stripe', 'zendesk', 's3'] as SimSystem[]).map((s) => [s, { latencyMs, ...(plans[s] ? { plan: plans[s] } : {}) }]),
  );
  const sims = await startSimulators({ faults });
  // The vendor budgets live in Redis, as in production (shared by every instance); records are not cached: cold dashboards.
  const { redis, redisPort } = await startRedisServer();
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'error',
    HOST: '127.0.0.1',
    ...vendorEnv(sims),
    CACHE_ENABLED: 'false',
    REDIS_URL: `redis://127.0.0.1:${redisPort}`,
    USER_RATE_LIMIT_PER_MINUTE: '1000000',
  };
  const config = loadConfig(env);
  const port = await freePort();
  const { proc } = await start('portico-plan', 0, 'src/main.ts', { ...env, PORT: String(port) }, /Portico is listening/);
  const rows: PlanRow[] = [];
  try {
    for (const c of [1, connections, connections * 4]) {
      process.stderr.write(`  plan ${values.plan}, ${c} connections for ${duration}s...\n`);
      rows.push(
        await planLoad({
          url: `http://127.0.0.1:${port}`,
          sims,
          config,
          query: QUERIES.dashboard,
          customers: sims.data.customers.map((x) => x.crmId),
          duration,
          connections: c,
          plan: values.plan,
        }),
      );
    }
  } finally {
    await kill(proc);
    redis.kill('SIGTERM');
    await sims.close();
  }
  console.log(`\nCold dashboards with the simulators enforcing ${values.plan} (+${latencyMs} ms per call)\n`);
  console.log('| connections | dashboards/s | p50 ms | p99 ms | failed responses | RATE_LIMITED fields | vendor 429s |');
  console.log('|---|---|---|---|---|---|---|');
  for (const r of rows)
    console.log(
      `| ${r.connections} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.failed_responses} | ${r.rate_limited_fields} | ${r.vendor_429s} |`,
    );
  console.log(JSON.stringify({ mode: 'plan', plan: values.plan, upstream_latency_ms: latencyMs, rows }));
  process.exit(0);
}

async function main() {
  if (values.mode === 'critical') return critical();
  if (values.mode === 'plan') return plan();
  pin(1);
  const sims = await startSimulators({
    faults: Object.fromEntries((['hubspot', 'stripe', 'zendesk', 's3'] as SimSystem[]).map((s) => [s, { latencyMs }])),
  });
  const { redis, redisPort } = await startRedisServer();
  // One token makes every benchmark request: lift the per-user rate limit, which would otherwise answer 429.
  // The simulators enforce no vendor limit in this mode (see --mode plan), so neither do Portico's vendor budgets.
  const unlimited =
    'stripe=1000000/1s,stripe.search=1000000/1s,hubspot=1000000/1s,hubspot.search=1000000/1s,zendesk=1000000/1s,s3=1000000/1s';
  const env: Record<string, string> = {
    NODE_ENV: 'test',
    LOG_LEVEL: 'warn',
    HOST: '127.0.0.1',
    ...vendorEnv(sims),
    VENDOR_BUDGETS: unlimited,
    USER_RATE_LIMIT_PER_MINUTE: '1000000',
  };
  const config = loadConfig(env);
  const tokens: Record<QueryName, string> = {
    customers50: signDevToken(config, { role: 'admin', sub: 'bench', ttlSeconds: 7200 }),
    dashboard: signDevToken(config, { role: 'customer', sub: '1001', ttlSeconds: 7200 }),
  };
  const rows: Row[] = [];
  let rawRow: Row | undefined;
  let lastUrl = '';
  let lastProc: ChildProcess | undefined;
  const rss: Record<string, number> = {};
  /** Peak RSS per process over its rows (VmHWM is reset at each row's start). */
  const peaks = new Map<number, number>();
  const children: ChildProcess[] = [redis];

  async function load(target: string, url: string, query: QueryName, cache: string, pids: number[], metricsUrl?: string): Promise<Row> {
    const body = JSON.stringify({ query: QUERIES[query] });
    const opts = {
      url: `${url}/graphql`,
      method: 'POST' as const,
      connections,
      headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens[query]}` },
      body,
    };
    // Warm means every record of the view is cached: one request alone fills the cache first (a
    // cold fill by 50 connections at once would time out part of its vendor calls under this load).
    if (cache === 'warm') await fetch(opts.url, { method: 'POST', headers: opts.headers, body });
    for (const pid of pids) resetPeak(pid);
    const warm = await autocannon({ ...opts, duration: warmupS });
    // autocannon stops without waiting for its requests in flight: the server still answers them
    // (cold ones, in a warm-up) after the counters below are read, and they would count in the run.
    if (metricsUrl) await drained(metricsUrl, warm.latency.p99);
    const before = metricsUrl ? await cacheCounts(metricsUrl) : undefined;
    process.stderr.write(`  ${target} ${query} (${cache}) for ${duration}s...\n`);
    const loopBefore = metricsUrl ? await loopTimes(metricsUrl) : undefined;
    const cpuBefore = pids.reduce((n, pid) => n + cpuMs(pid), 0);
    const snapshot =
      values['heap-snapshot'] && target === 'portico' && cache === 'warm' && query === 'customers50'
        ? setTimeout(() => process.kill(pids[0], 'SIGUSR2'), (duration * 1000) / 2)
        : undefined;
    let heapMid: string | undefined;
    const sampler = metricsUrl
      ? setTimeout(
          () =>
            void heapNow(metricsUrl).then(
              (h) => (heapMid = h),
              () => undefined,
            ),
          (duration * 1000) / 2,
        )
      : undefined;
    const r = await autocannon({ ...opts, duration });
    clearTimeout(snapshot);
    clearTimeout(sampler);
    const cpuAfter = pids.reduce((n, pid) => n + cpuMs(pid), 0);
    const loopAfter = metricsUrl ? await loopTimes(metricsUrl) : undefined;
    const after = metricsUrl ? await cacheCounts(metricsUrl) : undefined;
    const peak = pids.reduce((n, pid) => {
      const mb = peakRssMb(pid);
      peaks.set(pid, Math.max(peaks.get(pid) ?? 0, mb));
      return n + mb;
    }, 0);
    // Upstream calls per request, counted exactly: three requests one after the other once the
    // load has drained (calls of requests still in flight at a run's edges would skew a ratio).
    // Without metrics (the baseline), the run's p99 and a second.
    await (metricsUrl ? drained(metricsUrl, r.latency.p99) : new Promise((res) => setTimeout(res, r.latency.p99 + 1000)));
    sims.resetStats();
    for (let i = 0; i < 3; i++) await fetch(opts.url, { method: 'POST', headers: opts.headers, body });
    const upstream = (['hubspot', 'stripe', 'zendesk', 's3'] as SimSystem[]).reduce((n, s) => n + sims.stats(s).total, 0) / 3;
    const hits = after && before ? after.hit - before.hit : 0;
    const misses = after && before ? after.miss - before.miss : 0;
    const row: Row = {
      target,
      query,
      cache,
      rps: Math.round(r.requests.average * 10) / 10,
      p50: r.latency.p50,
      p99: r.latency.p99,
      errors: r.errors + r.non2xx,
      upstreamPerReq: Math.round(upstream * 100) / 100,
      hitRatio: metricsUrl && hits + misses > 0 ? Math.round((hits / (hits + misses)) * 1000) / 1000 : metricsUrl ? 0 : null,
      ...(after && before ? { cacheErrors: after.error - before.error } : {}),
      peakRssMb: Math.round(peak * 10) / 10,
      ...(heapMid ? { heapMid } : {}),
      cpuMsPerReq: Math.round(((cpuAfter - cpuBefore) / Math.max(1, r.requests.total)) * 100) / 100,
      elu:
        loopBefore && loopAfter
          ? Math.round(
              ((loopAfter.active - loopBefore.active) / (loopAfter.active - loopBefore.active + loopAfter.idle - loopBefore.idle)) * 100,
            ) / 100
          : null,
    };
    rows.push(row);
    return row;
  }

  try {
    // Portico, cache off (cold) and on (warm, Redis), each in its own process on core 0.
    for (const mode of values.only ? [values.only] : ['cold', 'warm']) {
      const port = await freePort();
      const extra: Record<string, string> =
        mode === 'cold'
          ? { CACHE_ENABLED: 'false' }
          : { REDIS_URL: `redis://127.0.0.1:${redisPort}`, REDIS_KEY_PREFIX: `bench${Date.now()}` };
      const { proc } = await start(`portico-${mode}`, 0, 'src/main.ts', { ...env, ...extra, PORT: String(port) }, /Portico is listening/);
      children.push(proc);
      const url = `http://127.0.0.1:${port}`;
      for (const q of Object.keys(QUERIES) as QueryName[]) await load('portico', url, q, mode, [proc.pid!], url);
      rss[`portico_${mode}`] = peaks.get(proc.pid!) ?? 0;
      if (mode === 'warm') {
        // Kept running for the raw reference's body (a warm dashboard), then stopped.
        lastUrl = url;
        lastProc = proc;
        continue;
      }
      await kill(proc);
    }
    if (!values.only) await references();
  } finally {
    for (const p of children) p.kill('SIGTERM');
    await sims.close();
  }

  /** The raw node:http reference and the plain @apollo/gateway baseline. */
  async function references() {
    // Reference: a bare node:http server writing the warm dashboard's JSON, on the same core.
    const warmBody = await (
      await fetch(`${lastUrl}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${tokens.dashboard}` },
        body: JSON.stringify({ query: QUERIES.dashboard }),
      }).catch(() => undefined)
    )?.text();
    if (warmBody) {
      const file = join(mkdtempSync(join(tmpdir(), 'portico-bench-')), 'dashboard.json');
      writeFileSync(file, warmBody);
      const raw = await start('raw', 0, 'bench/raw-server.ts', { BENCH_RAW_BODY_FILE: file }, /"url"/);
      children.push(raw.proc);
      rawRow = await load('raw node:http', (JSON.parse(raw.line) as { url: string }).url, 'dashboard', 'none', [raw.proc.pid!]);
      await kill(raw.proc);
    }
    if (lastProc) await kill(lastProc);
    // Baseline: the plain @apollo/gateway and its subgraph services share core 0, the same CPU
    // budget Portico has; core 1 stays with the load generator and the upstream simulators.
    const subs = await start('baseline-subgraphs', 0, 'bench/baseline-subgraphs.ts', env, /"urls"/);
    children.push(subs.proc);
    const urls = (JSON.parse(subs.line) as { urls: Record<string, string> }).urls;
    const gw = await start(
      'baseline-gateway',
      0,
      'bench/baseline-gateway.ts',
      { ...env, BASELINE_SUBGRAPH_URLS: JSON.stringify(urls) },
      /"url"/,
    );
    children.push(gw.proc);
    const gwUrl = (JSON.parse(gw.line) as { url: string }).url.replace(/\/$/, '');
    for (const q of Object.keys(QUERIES) as QueryName[]) await load('baseline', gwUrl, q, 'none', [gw.proc.pid!, subs.proc.pid!]);
    rss.baseline_gateway = peaks.get(gw.proc.pid!) ?? 0;
    rss.baseline_subgraphs = peaks.get(subs.proc.pid!) ?? 0;
  }

  const find = (target: string, q: QueryName, cache: string) => rows.find((r) => r.target === target && r.query === q && r.cache === cache);
  const base50 = find('baseline', 'customers50', 'none');
  const baseDash = find('baseline', 'dashboard', 'none');
  const ratio = (a: Row | undefined, b: Row | undefined) => (a && b && b.rps > 0 ? Math.round((a.rps / b.rps) * 100) / 100 : null);
  console.log(`\nPortico vs plain @apollo/gateway: ${connections} connections, ${duration}s per run, +${latencyMs} ms per upstream call\n`);
  console.log(
    '| target | query | cache | req/s | p50 ms | p99 ms | errors | upstream calls/req | cache hit ratio | peak RSS MiB | heap total/used/external MiB (mid-run) | CPU ms/req | ELU | x baseline |',
  );
  console.log('|---|---|---|---|---|---|---|---|---|---|---|---|---|---|');
  for (const r of rows) {
    const base = r === rawRow ? undefined : r.query === 'customers50' ? base50 : baseDash;
    const [target, query, cache] = r === rawRow ? ['raw node:http', 'dashboard (same JSON)', '-'] : [r.target, r.query, r.cache];
    console.log(
      `| ${target} | ${query} | ${cache} | ${r.rps} | ${r.p50} | ${r.p99} | ${r.errors} | ${r.upstreamPerReq} | ${r.hitRatio ?? '-'} | ${r.peakRssMb} | ${r.heapMid ?? '-'} | ${r.cpuMsPerReq} | ${r.elu ?? '-'} | ${ratio(r, base) ?? '-'} |`,
    );
  }
  const porticoPeak = Math.max(rss.portico_cold ?? 0, rss.portico_warm ?? 0);
  const baselinePeak = Math.max(0, ...rows.filter((r) => r.target === 'baseline').map((r) => r.peakRssMb));
  console.log(
    `\nPeak RSS: Portico ${porticoPeak.toFixed(1)} MiB (one process); baseline ${baselinePeak.toFixed(1)} MiB (gateway ${rss.baseline_gateway?.toFixed(1)} + subgraph services ${rss.baseline_subgraphs?.toFixed(1)} at their own peaks).`,
  );
  const warm50 = find('portico', 'customers50', 'warm');
  const warmDash = find('portico', 'dashboard', 'warm');
  const summary = {
    duration_s: duration,
    connections,
    upstream_latency_ms: latencyMs,
    cold_ratio: ratio(find('portico', 'customers50', 'cold'), base50),
    warm_ratio: ratio(warm50, base50),
    dashboard_cold_ratio: ratio(find('portico', 'dashboard', 'cold'), baseDash),
    dashboard_warm_ratio: ratio(warmDash, baseDash),
    raw_dashboard_rps: rawRow?.rps ?? null,
    warm_dashboard_vs_raw: ratio(warmDash, rawRow),
    warm_upstream_calls_per_request: warm50?.upstreamPerReq ?? null,
    portico_peak_rss_mb: Math.round(porticoPeak * 10) / 10,
    baseline_peak_rss_mb: Math.round(baselinePeak * 10) / 10,
    baseline_gateway_peak_rss_mb: Math.round((rss.baseline_gateway ?? 0) * 10) / 10,
    rows,
  };
  console.log(JSON.stringify(summary));
  process.exit(0);
}

main().catch((err) => {
  console.error(`bench failed: ${(err as Error).message}`);
  process.exit(1);
});
