/**
 * npm run bench -- --webhooks [--events 10000 --connections 10]
 *
 * The event path under load, on this machine: a gateway process that only receives (core 0),
 * a worker process (`npm run worker`, core 1), a local redis-server, and the simulators plus the
 * load generator in this process. Every event is a Stripe `invoice.updated` signed the way Stripe
 * signs (t=, v1= HMAC-SHA256), for a random seeded customer; the worker re-reads the invoice and
 * its customer from the Stripe simulator, drops the cached invoices and publishes one change event.
 *
 * 1. Sustained (after 500 warm-up events): 3,000 distinct events sent by `connections` concurrent senders; acknowledgements
 *    per second and their p50/p99 latency; events per second through processing (first send to
 *    last change event).
 * 2. Crash run: `events` deliveries of which 10% repeat an earlier event; the worker process is
 *    killed (SIGKILL) when half the distinct events are applied and a new one started. Counted
 *    from the effects (change events per event id in the Redis stream), not from logs: lost =
 *    distinct events with no change event, applied twice = events with more than one.
 * Prints a table and one JSON line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createHmac, randomBytes } from 'node:crypto';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { DEV_STRIPE_WEBHOOK_SECRET } from '../src/vendors/stripe/config.js';
import { freePort, startLocalRedis } from '../src/platform/redis-server.js';
import { startSimulators, vendorEnv, type Simulators } from '../sim/index.js';
import { seed } from '../sim/seed.js';

const PREFIX = 'whbench';
const SUSTAINED = 3000;

function sign(payload: string): string {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', DEV_STRIPE_WEBHOOK_SECRET).update(`${t}.${payload}`).digest('hex')}`;
}

/**
 * A signed-to-be Stripe event about one customer: its first invoice changed, or the customer itself
 * when it has none. As Stripe sends them, the event carries the whole invoice (the seeded one, as
 * the simulator serves it; the bench changes nothing in Stripe, so it equals the simulator's); a
 * customer event carries the customer's id and metadata (its CRM id) of Stripe's whole customer.
 */
export function stripeChangeEvent(c: Simulators['data']['customers'][number]): string {
  const inv = c.invoices[0];
  const object = inv
    ? { ...inv, customer: c.stripeCustomerId }
    : { id: c.stripeCustomerId, object: 'customer', metadata: { crm_contact_id: c.crmId } };
  return JSON.stringify({
    id: `evt_${randomBytes(12).toString('hex')}`,
    object: 'event',
    api_version: '2026-10-28.endive',
    created: Math.floor(Date.now() / 1000),
    data: { object },
    livemode: false,
    pending_webhooks: 1,
    type: inv ? 'invoice.updated' : 'customer.updated',
  });
}

/**
 * Signed Stripe change events about the dev simulators' own seeded customers (what `npm start`
 * serves), for a gateway process started as `npm start` runs it (bench/soak.ts, bench/mixed-run.ts).
 */
export function signedStripeEvents(): () => { path: string; headers: Record<string, string>; body: string } {
  const customers = seed().customers;
  return () => {
    const body = stripeChangeEvent(customers[Math.floor(Math.random() * customers.length)]);
    return { path: '/webhooks/stripe', headers: { 'stripe-signature': sign(body) }, body };
  };
}

function makeEvents(sims: Simulators, n: number): string[] {
  const customers = sims.data.customers;
  return Array.from({ length: n }, () => stripeChangeEvent(customers[Math.floor(Math.random() * customers.length)]));
}

/** Starts a script pinned to one core (taskset); resolves once its output matches `ready`. */
export function start(
  script: string,
  core: number,
  env: Record<string, string>,
  ready: RegExp,
  nodeArgs: string[] = [],
): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn('taskset', ['-c', String(core), process.execPath, ...nodeArgs, '--import', 'tsx', script], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (ready.test(out)) resolve(proc);
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`${script} exited (${code}):\n${out.slice(-2000)}`)));
  });
}

/** Sends every body with `connections` concurrent senders; retries a 503 (as a vendor would). */
async function send(
  url: string,
  bodies: readonly string[],
  connections: number,
  dispatcher: Agent,
): Promise<{ latencies: number[]; statuses: Record<number, number>; ms: number }> {
  const latencies: number[] = [];
  const statuses: Record<number, number> = {};
  let next = 0;
  const t0 = performance.now();
  await Promise.all(
    Array.from({ length: connections }, async () => {
      for (let i = next++; i < bodies.length; i = next++) {
        for (;;) {
          const body = bodies[i];
          const s = performance.now();
          const res = await request(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'stripe-signature': sign(body) },
            body,
            dispatcher,
          });
          await res.body.dump();
          statuses[res.statusCode] = (statuses[res.statusCode] ?? 0) + 1;
          if (res.statusCode === 200) {
            latencies.push(performance.now() - s);
            break;
          }
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }),
  );
  return { latencies, statuses, ms: performance.now() - t0 };
}

const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

async function effects(r: Redis): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  let from = '-';
  for (;;) {
    const page = await r.xrange(`${PREFIX}:changes`, from, '+', 'COUNT', 5000);
    for (const [, f] of page) {
      const id = f[f.indexOf('event') + 1];
      counts.set(id, (counts.get(id) ?? 0) + 1);
    }
    if (page.length < 5000) return counts;
    const last = page.at(-1)![0];
    from = `(${last}`;
  }
}

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 600_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out: ${what}`);
}

export async function runWebhookBench(o: { connections: number; events: number }) {
  const redis = await startLocalRedis();
  const sims = await startSimulators({ faults: { stripe: { latencyMs: 2 } } });
  const r = new Redis(redis.url);
  const port = await freePort();
  const env = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'error',
    ...vendorEnv(sims),
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: PREFIX,
    REDIS_COMMAND_TIMEOUT_MS: '2000',
    PORT: String(port),
    SANDBOX: 'false',
    EVENT_LOCK_MS: '2000',
    EVENT_BACKOFF_MS: '50',
    UPSTREAM_BREAKER_VOLUME: '100000',
  };
  const procs: ChildProcess[] = [];
  const dispatcher = new Agent({ connections: o.connections });
  try {
    const gateway = await start('src/main.ts', 0, { ...env, EVENT_WORKERS: 'false' }, /Portico is listening/);
    procs.push(gateway);
    const url = `http://127.0.0.1:${port}/webhooks/stripe`;
    const startWorker = async () => {
      const w = await start('src/worker.ts', 1, env, /Event workers running/);
      procs.push(w);
      return w;
    };
    let worker = await startWorker();

    // Warm-up (JIT, connections, Redis scripts), not counted.
    await send(url, makeEvents(sims, 500), o.connections, dispatcher);
    await until('warm-up applied', async () => (await r.xlen(`${PREFIX}:changes`)) >= 500);
    await r.del(`${PREFIX}:changes`);

    // 1. Sustained.
    const sustained = makeEvents(sims, SUSTAINED);
    const t0 = performance.now();
    const s = await send(url, sustained, o.connections, dispatcher);
    await until('sustained events applied', async () => (await r.xlen(`${PREFIX}:changes`)) >= SUSTAINED);
    const processedMs = performance.now() - t0;

    // 2. Crash run: 10% duplicates, the worker killed midway.
    await r.del(`${PREFIX}:changes`);
    const unique = makeEvents(sims, Math.round(o.events * 0.9));
    const dups = Array.from({ length: o.events - unique.length }, () => unique[Math.floor(Math.random() * unique.length)]);
    const mixed = [...unique, ...dups].sort(() => Math.random() - 0.5);
    const sending = send(url, mixed, o.connections, dispatcher);
    await until('half applied', async () => (await r.xlen(`${PREFIX}:changes`)) >= unique.length / 2);
    const killedAt = await r.xlen(`${PREFIX}:changes`);
    worker.kill('SIGKILL');
    await new Promise((res) => worker.once('exit', res));
    worker = await startWorker();
    const crash = await sending;
    const ids = unique.map((b) => (JSON.parse(b) as { id: string }).id);
    await until('every distinct event applied', async () => (await r.xlen(`${PREFIX}:changes`)) >= ids.length);
    // Let anything in flight (a stalled job run again) land before counting.
    await new Promise((res) => setTimeout(res, 5000));
    const seen = await effects(r);
    const lost = ids.filter((id) => !seen.has(id)).length;
    const twice = ids.filter((id) => (seen.get(id) ?? 0) > 1).length;

    const ackPerS = (SUSTAINED / s.ms) * 1000;
    const processedPerS = (SUSTAINED / processedMs) * 1000;
    console.log(`
| run | events | connections | acks/s | ack p50 ms | ack p99 ms | processed/s | lost | applied twice |
|---|---|---|---|---|---|---|---|---|
| sustained | ${SUSTAINED} | ${o.connections} | ${ackPerS.toFixed(0)} | ${pct(s.latencies, 50).toFixed(1)} | ${pct(s.latencies, 99).toFixed(1)} | ${processedPerS.toFixed(0)} | - | - |
| crash (10% duplicates, worker killed at ${killedAt} applied) | ${mixed.length} (${ids.length} distinct) | ${o.connections} | ${((mixed.length / crash.ms) * 1000).toFixed(0)} | ${pct(crash.latencies, 50).toFixed(1)} | ${pct(crash.latencies, 99).toFixed(1)} | - | ${lost} | ${twice} |
`);
    console.log(
      JSON.stringify({
        sustained_acks_per_s: Math.round(ackPerS),
        sustained_processed_per_s: Math.round(processedPerS),
        ack_p50_ms: +pct(s.latencies, 50).toFixed(1),
        ack_p99_ms: +pct(s.latencies, 99).toFixed(1),
        crash_events: mixed.length,
        crash_distinct: ids.length,
        crash_killed_at_applied: killedAt,
        crash_lost: lost,
        crash_applied_twice: twice,
        crash_statuses: crash.statuses,
      }),
    );
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    await dispatcher.close();
    r.disconnect();
    await sims.close();
    await redis.stop();
  }
}
