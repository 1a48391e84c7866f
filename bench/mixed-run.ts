/**
 * `npm run bench -- --mixed [--minutes 3 --rate 200 --connections 20]`: one gateway process as
 * `npm start` runs it (bundled simulators in process, its own redis-server, SIM_LATENCY_MS=2, the
 * per-user rate limit raised so the load reaches the vendors) under a steady mixed load of 500
 * customers and 10 agents (bench/mixed.ts) at the vendors' published limits. Prints, every 10 s,
 * what was answered and the gateway's RSS; at the end whether the process is still alive, its peak
 * RSS, and exits non-zero if it died or any answer was not a 200 with data or RATE_LIMITED fields.
 * With `--redis-faults` the gateway uses a Redis of the bench's own, frozen for 10 s and later
 * killed for 5 s during the run (the answers must still be data or RATE_LIMITED fields).
 *
 * One request in twenty is a customer's contact write (a new phone, its own Idempotency-Key) and one
 * in twenty a signed Stripe webhook, so the faults land in the middle of writes. A write may be
 * refused before anything is sent (503 IDEMPOTENCY_UNAVAILABLE or AUDIT_UNAVAILABLE with
 * Retry-After while Redis is unreachable, or RATE_LIMITED), a webhook answered 503 (the vendor sends it again): both count as
 * `refused`, not bad. Afterwards every written contact is read back through the gateway, and the
 * bench counts `writes_lost` (answered done, yet the contact does not have it) and
 * `failed_writes_applied` (answered refused or failed, yet the contact has it): both must be 0.
 * Beside the load, `subscribers` (200) customers' apps hold a `customerChanged` subscription each
 * (bench/mixed-subscribers.ts): a vendor's rate limit or a Redis fault may delay or close one (the
 * app subscribes again), never end it for good, and no push may name another customer.
 * Last line: one JSON object with the figures.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { loadConfig } from '../src/config/index.js';
import { freePort, startLocalRedis } from '../src/platform/redis-server.js';
import type { Config } from '../src/config/index.js';
import { signDevToken } from '../src/auth/tokens.js';
import { badCount, percentile, runMixedLoad, type MixedLoadStats } from './mixed.js';
import { startSubscribers } from './mixed-subscribers.js';
import { signedStripeEvents } from './webhooks.js';

export interface GatewayProcess {
  proc: ChildProcess;
  url: string;
  /** Everything the process printed (stdout and stderr), last 200 KB. */
  output: () => string;
  exited: () => boolean;
  rssMb(): number;
  peakRssMb(): number;
  stop(): Promise<void>;
}

/** Starts `src/main.ts` as its own process with `env` and waits for "Portico is listening". */
export async function startGatewayProcess(env: Record<string, string>): Promise<GatewayProcess> {
  const port = await freePort();
  // --mem-probe DIR (bench/run.ts): the gateway samples its memory (bench/mem-probe.ts).
  const probe = process.env.PORTICO_MEM_PROBE_DIR ? ['--import', './bench/mem-probe.ts'] : [];
  const proc = spawn(process.execPath, ['--import', 'tsx', ...probe, 'src/main.ts'], {
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  const keep = (d: Buffer) => {
    out += d.toString();
    if (out.length > 400_000) out = out.slice(-200_000);
  };
  proc.stdout.on('data', keep);
  proc.stderr.on('data', keep);
  await new Promise<void>((resolve, reject) => {
    const check = () => /Portico is listening/.test(out) && (proc.stdout.off('data', check), resolve());
    proc.stdout.on('data', check);
    proc.once('exit', (code) => reject(new Error(`the gateway exited (${code}) before it listened:\n${out.slice(-3000)}`)));
  });
  const status = (field: string) => {
    try {
      return Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(readFileSync(`/proc/${proc.pid}/status`, 'utf8'))?.[1] ?? 0) / 1024;
    } catch {
      return 0;
    }
  };
  return {
    proc,
    url: `http://127.0.0.1:${port}`,
    output: () => out,
    exited: () => proc.exitCode !== null || proc.signalCode !== null,
    rssMb: () => status('VmRSS'),
    peakRssMb: () => status('VmHWM'),
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null || proc.signalCode !== null) return resolve();
        const force = setTimeout(() => proc.kill('SIGKILL'), 10_000);
        proc.once('exit', () => (clearTimeout(force), resolve()));
        proc.kill('SIGTERM');
      }),
  };
}

/**
 * Reads every written contact back as its customer (retrying while the CRM's budget refuses) and
 * compares it with the writes' answers: the phone of the last write answered done must be there,
 * and never the phone of a write answered refused or failed. (Two writes of one contact in flight
 * at once could finish in the other order; with 500 customers and one write in twenty they are rare.)
 */
export async function verifyWrites(url: string, config: Readonly<Config>, writes: MixedLoadStats['writes']) {
  const byCustomer = new Map<string, MixedLoadStats['writes']>();
  for (const w of writes) byCustomer.set(w.customer, [...(byCustomer.get(w.customer) ?? []), w]);
  let lost = 0;
  let failedApplied = 0;
  let unread = 0;
  for (const [customer, ws] of byCustomer) {
    const token = signDevToken(config, { role: 'customer', sub: customer, ttlSeconds: 600 });
    let phone: string | undefined;
    for (let attempt = 0; attempt < 30 && phone === undefined; attempt++) {
      const res = await fetch(`${url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query: '{ me { phone } }' }),
      });
      const body = (await res.json().catch(() => ({}))) as { data?: { me?: { phone?: string | null } } };
      if (body.data?.me) phone = body.data.me.phone ?? '';
      else await new Promise((r) => setTimeout(r, 1000));
    }
    if (phone === undefined) {
      unread++;
      continue;
    }
    const done = ws.filter((w) => w.outcome === 'ok').sort((a, b) => a.endedAt - b.endedAt);
    const failed = new Set(ws.filter((w) => w.outcome !== 'ok').map((w) => w.phone));
    if (failed.has(phone)) failedApplied++;
    else if (done.length > 0 && done[done.length - 1].phone !== phone) lost++;
  }
  return { customers: byCustomer.size, lost, failedApplied, unread };
}

export async function runMixedBench(o: {
  minutes: number;
  rate: number;
  connections: number;
  redisFaults?: boolean;
  subscribers?: number;
}) {
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'warn',
    SIM_LATENCY_MS: '2',
    USER_RATE_LIMIT_PER_MINUTE: '1000000',
    RECONCILE_SCHEDULE: 'off',
    // The subscribers below all come from this one address.
    REALTIME_MAX_CONNECTIONS_PER_IP: '100000',
  };
  // --redis-faults: a Redis of the bench's own, frozen (SIGSTOP) for 10 s at a third of the run and
  // killed (SIGKILL) for 5 s at two thirds, then started again on the same port.
  const redis = o.redisFaults ? await startLocalRedis() : undefined;
  if (redis) env.REDIS_URL = redis.url;
  const gw = await startGatewayProcess(env);
  const faults: NodeJS.Timeout[] = [];
  if (redis) {
    const total = o.minutes * 60_000;
    const at = (ms: number, what: string, fn: () => void | Promise<void>) =>
      faults.push(setTimeout(() => (console.log(`  -- ${what}`), void fn()), ms));
    at(total / 3, 'Redis frozen (SIGSTOP) for 10 s', () => redis.pause());
    at(total / 3 + 10_000, 'Redis resumed', () => redis.resume());
    at((2 * total) / 3, 'Redis killed (SIGKILL) for 5 s', () => redis.stop());
    at((2 * total) / 3 + 5_000, 'Redis started again (empty)', () => redis.start());
  }
  const config = loadConfig(env);
  console.log(`Mixed load: ${o.rate} req/s over ${o.connections} connections for ${o.minutes} min against ${gw.url} (pid ${gw.proc.pid})`);
  console.log(
    '  dashboards of customers 1001-1500; one request in ten the staff list of 50 for one of 10 agents; one in twenty a contact write, one in twenty a signed Stripe webhook',
  );
  // Customers' apps holding a subscription each (1001 on), subscribing again after a retryable end.
  const subscriberCount = o.subscribers ?? 200;
  const subs = startSubscribers({
    url: gw.url,
    config,
    customers: Array.from({ length: subscriberCount }, (_, i) => String(1001 + i)),
  });
  console.log(`  ${subscriberCount} customers' apps hold a customerChanged subscription each (WebSocket)`);
  console.log('  elapsed  sent     ok   rate-limited-fields  refused  bad  skipped  pushes  rss MiB');
  const s = await runMixedLoad({
    url: gw.url,
    config,
    rate: o.rate,
    connections: o.connections,
    durationS: o.minutes * 60,
    stopped: gw.exited,
    writeShare: 0.05,
    eventShare: 0.05,
    event: signedStripeEvents(),
    onProgress: (x, t) =>
      console.log(
        `  ${String(t).padStart(5)} s ${String(x.sent).padStart(6)} ${String(x.ok).padStart(6)} ${String(x.rateLimitedFields).padStart(20)} ${String(x.refused).padStart(8)} ${String(badCount(x)).padStart(4)} ${String(x.skipped).padStart(8)} ${String(subs.stats.pushes).padStart(7)} ${gw.rssMb().toFixed(0).padStart(8)}`,
      ),
  });
  const alive = !gw.exited();
  const peak = gw.peakRssMb();
  await subs.stop();
  const sub = subs.stats;
  const subsBad = Object.values(sub.bad).reduce((a, b) => a + b, 0);
  console.log(
    `\nResult: ${alive ? 'gateway alive' : `GATEWAY DIED (exit ${gw.proc.exitCode ?? gw.proc.signalCode})`}; ${s.sent} sent ${JSON.stringify(s.kinds ?? {})}, ${s.ok} ok (${s.rateLimitedFields} RATE_LIMITED fields), ${s.refused} refused before anything was done (retryable), ${badCount(s)} bad ${JSON.stringify(s.bad)}, ${s.skipped} ticks skipped (all connections busy)`,
  );
  console.log(
    `  latency p50 ${percentile(s.latenciesMs, 50).toFixed(0)} ms, p99 ${percentile(s.latenciesMs, 99).toFixed(0)} ms; peak RSS ${peak.toFixed(0)} MiB`,
  );
  console.log(
    `  subscriptions: ${sub.pushes} pushes to ${sub.subscribers} apps, ${sub.wrongCustomer} naming another customer; subscribed again after ${JSON.stringify(sub.retried)}; ended for good: ${subsBad} ${JSON.stringify(sub.bad)}`,
  );
  if (!alive) console.log(`  last output:\n${gw.output().slice(-3000)}`);
  for (const t of faults) clearTimeout(t);
  const writes = { ok: 0, refused: 0, bad: 0 };
  for (const w of s.writes) writes[w.outcome]++;
  let check = { customers: 0, lost: 0, failedApplied: 0, unread: 0 };
  if (alive && s.writes.length > 0) {
    console.log(`Reading back the contacts of ${s.writes.length} writes (${JSON.stringify(writes)})...`);
    check = await verifyWrites(gw.url, config, s.writes);
    console.log(
      `  ${check.customers} contacts read: ${check.lost} writes answered done but missing, ${check.failedApplied} answered refused or failed but applied, ${check.unread} could not be read`,
    );
  }
  await gw.stop();
  await redis?.stop();
  console.log(
    JSON.stringify({
      mixed_minutes: o.minutes,
      mixed_rate: o.rate,
      redis_faults: Boolean(o.redisFaults),
      alive,
      sent: s.sent,
      ok: s.ok,
      refused: s.refused,
      bad: badCount(s),
      writes_ok: writes.ok,
      writes_refused: writes.refused,
      writes_failed: writes.bad,
      writes_lost: check.lost,
      failed_writes_applied: check.failedApplied,
      contacts_unread: check.unread,
      p50_ms: Math.round(percentile(s.latenciesMs, 50)),
      p99_ms: Math.round(percentile(s.latenciesMs, 99)),
      peak_rss_mb: Math.round(peak),
      subscribers: sub.subscribers,
      pushes: sub.pushes,
      pushes_wrong_customer: sub.wrongCustomer,
      subscriptions_retried: Object.values(sub.retried).reduce((a, b) => a + b, 0),
      subscriptions_ended_bad: subsBad,
    }),
  );
  if (!alive || badCount(s) > 0 || check.lost > 0 || check.failedApplied > 0 || check.unread > 0 || sub.wrongCustomer > 0 || subsBad > 0)
    process.exitCode = 1;
}
