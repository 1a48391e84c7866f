/**
 * npm run bench -- --subscriptions [--subscribers 2000 --rate 50 --seconds 20]
 *
 * Subscriptions under load, on this machine: one Portico process (src/main.ts, event workers in
 * process, core 0), a local redis-server, and the simulators plus every subscriber in this process
 * (core 1 when taskset is there). `subscribers` graphql-ws clients over the 500 seeded customers,
 * each with its own customer token, subscribe to
 * `customerChanged { customer { id billing { balance invoices(first: 5) { nodes { id status } } } } }`;
 * then `rate` Stripe webhooks a second (signed the way Stripe signs) change random customers for
 * `seconds`. Measured:
 * - push latency: a webhook's send -> a subscriber of that customer got the push (p50/p99; for
 *   changes coalesced into one push, from the first of them);
 * - pushes a second; memory per subscriber (the gateway's RSS with all subscribed, minus before, / subscribers);
 * - vendor calls per push: the simulators' calls during the run, minus the event worker's own read
 *   (one Stripe `GET /v1/customers/{id}` per applied event, for its CRM id), / pushes. Everything
 *   else counts, the CRM copy's job after a `customer.updated` too (not a push's), so it is a ceiling;
 *   `stripe_routes` and the other vendors' calls are printed beside it. (`vendor_calls_per_push_v1`:
 *   the figure as earlier runs computed it, every `GET /v1/customers/{id}` and `GET /v1/invoices/{id}`
 *   subtracted, which hid the pushes' own account reads: a floor.)
 * - pushes of another customer's record (must be 0).
 * Prints a table and one JSON line.
 */
import type { ChildProcess } from 'node:child_process';
import { createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import WebSocket from 'ws';
import { signDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config/index.js';
import { freePort, startLocalRedis } from '../src/platform/redis-server.js';
import { DEV_STRIPE_WEBHOOK_SECRET } from '../src/vendors/stripe/config.js';
import { startSimulators, vendorEnv } from '../sim/index.js';
import { start, stripeChangeEvent } from './webhooks.js';

const SUBSCRIPTION = `subscription { customerChanged { reason { system type } customer { id billing { balance invoices(first: 5) { nodes { id status } } } } } }`;
/** The route of the event worker's own read (one per applied event: the customer, for its CRM id). */
const WORKER_ROUTE = 'GET /v1/customers/{id}';
/** What earlier runs subtracted as the worker's (vendor_calls_per_push_v1). */
const WORKER_ROUTES_V1 = ['GET /v1/invoices/{id}', 'GET /v1/customers/{id}'];

function sign(payload: string): string {
  const t = Math.floor(Date.now() / 1000);
  return `t=${t},v1=${createHmac('sha256', DEV_STRIPE_WEBHOOK_SECRET).update(`${t}.${payload}`).digest('hex')}`;
}

const rssKb = (pid: number) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0);
const pct = (xs: number[], p: number) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))] ?? 0;
};

interface Subscriber {
  crmId: string;
  client: Client;
  initial: boolean;
  /** Send time of the first change of its customer not yet pushed. */
  pendingSince?: number;
}

export async function runSubscriptionsBench(o: { subscribers: number; rate: number; seconds: number; profile?: string }) {
  const redis = await startLocalRedis();
  const sims = await startSimulators({ faults: { stripe: { latencyMs: 2 } } });
  const port = await freePort();
  const env = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'error',
    ...vendorEnv(sims),
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'subbench',
    PORT: String(port),
    SANDBOX: 'false',
    RECONCILE_SCHEDULE: 'off',
    REALTIME_MAX_CONNECTIONS_PER_IP: String(o.subscribers + 100),
    USER_RATE_LIMIT_PER_MINUTE: '100000',
    UPSTREAM_BREAKER_VOLUME: '100000',
    // The in-process event worker: at the default 8 jobs at once it applied ~800 of 1,000 events in the
    // run at 50 changes/s (each job waits on Redis and Stripe); the Stripe budget paces the re-reads anyway.
    EVENT_CONCURRENCY: process.env.EVENT_CONCURRENCY ?? '32',
    EVENT_WORKERS: process.env.EVENT_WORKERS ?? 'true',
  };
  const config = loadConfig(env);
  const procs: ChildProcess[] = [];
  const dispatcher = new Agent({ connections: 20 });
  const subs: Subscriber[] = [];
  try {
    // --profile DIR: a V8 CPU profile of the gateway process, written when it exits.
    const gateway = await start(
      'src/main.ts',
      0,
      env,
      /Portico is listening/,
      o.profile ? ['--cpu-prof', `--cpu-prof-dir=${o.profile}`] : [],
    );
    procs.push(gateway);
    // EVENT_WORKERS=false: the event workers run in their own process (`npm run worker`, core 1), not the gateway's.
    if (env.EVENT_WORKERS === 'false') procs.push(await start('src/worker.ts', 1, env, /Event workers running/));
    const base = `http://127.0.0.1:${port}`;
    const customers = sims.data.customers;
    const byCrm = new Map<string, Subscriber[]>();
    const latencies: number[] = [];
    let pushes = 0;
    let foreign = 0;
    let errors = 0;
    let initialErrors = 0;
    /** Error codes seen in pushes (first pushes apart), and how subscriptions ended. */
    const codes: Record<string, number> = {};
    const count = (k: string) => (codes[k] = (codes[k] ?? 0) + 1);
    const rssBefore = rssKb(gateway.pid!);

    // Subscribe, 25 at a time and at most 25 every 600 ms (each first state reads the billing system,
    // within its published budget); every subscriber waits for its first push (the current state).
    for (let i = 0; i < o.subscribers; i += 25) {
      await new Promise((r) => setTimeout(r, 600));
      await Promise.all(
        Array.from({ length: Math.min(25, o.subscribers - i) }, (_, k) => {
          const c = customers[(i + k) % customers.length];
          const token = signDevToken(config, { role: 'customer', sub: c.crmId, ttlSeconds: 3600 });
          const client = createClient({
            url: `ws://127.0.0.1:${port}/graphql`,
            webSocketImpl: WebSocket,
            connectionParams: { authorization: `Bearer ${token}` },
            retryAttempts: 0,
          });
          const s: Subscriber = { crmId: c.crmId, client, initial: true };
          subs.push(s);
          byCrm.set(c.crmId, [...(byCrm.get(c.crmId) ?? []), s]);
          return new Promise<void>((resolve) => {
            client.subscribe<{ customerChanged: { reason: { type: string }; customer: { id: string } | null } }>(
              { query: SUBSCRIPTION },
              {
                next: (v) => {
                  if (v.errors?.length) {
                    if (s.initial) initialErrors++;
                    else errors++;
                    for (const e of v.errors) count(`${s.initial ? 'first:' : ''}${JSON.stringify(e.extensions?.code ?? 'none')}`);
                  }
                  if (v.data?.customerChanged.customer && v.data.customerChanged.customer.id !== s.crmId) foreign++;
                  if (s.initial) {
                    s.initial = false;
                    return resolve();
                  }
                  pushes++;
                  if (s.pendingSince !== undefined) latencies.push(performance.now() - s.pendingSince);
                  s.pendingSince = undefined;
                },
                error: (err: unknown) => {
                  errors++;
                  count(`closed:${(err as { code?: number }).code ?? (err as Error).message?.slice(0, 40) ?? 'error'}`);
                  resolve();
                },
                complete: () => resolve(),
              },
            );
          });
        }),
      );
    }
    const rssSubscribed = rssKb(gateway.pid!);

    // Changes: `rate` signed webhooks a second for random customers.
    sims.resetStats();
    const url = `${base}/webhooks/stripe`;
    const total = o.rate * o.seconds;
    /** Send time (epoch ms) of each event: against its change stream entry's time, the event path's own lag. */
    const sentAt = new Map<string, number>();
    let sent = 0;
    const t0 = performance.now();
    while (sent < total) {
      const due = Math.floor(((performance.now() - t0) / 1000) * o.rate) + 1;
      const batch: Promise<void>[] = [];
      for (; sent < Math.min(due, total); sent++) {
        const c = customers[Math.floor(Math.random() * customers.length)];
        const body = stripeChangeEvent(c);
        const at = performance.now();
        sentAt.set((JSON.parse(body) as { id: string }).id, Date.now());
        for (const s of byCrm.get(c.crmId) ?? []) s.pendingSince ??= at;
        batch.push(
          request(url, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'stripe-signature': sign(body) },
            body,
            dispatcher,
          }).then((r) => r.body.dump()),
        );
      }
      await Promise.all(batch);
      await new Promise((r) => setTimeout(r, 5));
    }
    // Let the last pushes land.
    const end = Date.now() + 15_000;
    while (Date.now() < end && subs.some((s) => s.pendingSince !== undefined)) await new Promise((r) => setTimeout(r, 100));
    const ms = performance.now() - t0;
    // Webhook sent -> change published (stream entry id time): the event path alone, without the push.
    const applied: number[] = [];
    const rc = new Redis(redis.url);
    try {
      for (const [id, fields] of await rc.xrange('subbench:changes', '-', '+')) {
        const change = JSON.parse(fields[fields.indexOf('change') + 1] ?? '{}') as { eventId?: string };
        const at = change.eventId && sentAt.get(change.eventId);
        if (at) applied.push(Number(id.split('-')[0]) - at);
      }
    } finally {
      rc.disconnect();
    }
    const stats = sims.stats('stripe');
    const hub = sims.stats('hubspot');
    const zen = sims.stats('zendesk');
    // One customer read per applied event (each change is published once, after its read).
    const workerCalls = Math.min(applied.length, stats.byRoute[WORKER_ROUTE] ?? 0);
    const pushCalls = stats.total - workerCalls + hub.total + zen.total;
    const pushCallsV1 = stats.total - WORKER_ROUTES_V1.reduce((n, r) => n + (stats.byRoute[r] ?? 0), 0) + hub.total + zen.total;
    const row = {
      subscribers: o.subscribers,
      customers: byCrm.size,
      changes: total,
      pushes,
      pushes_per_s: +((pushes / ms) * 1000).toFixed(1),
      push_p50_ms: +pct(latencies, 50).toFixed(1),
      push_p99_ms: +pct(latencies, 99).toFixed(1),
      events_applied: applied.length,
      applied_p50_ms: pct(applied, 50),
      applied_p99_ms: pct(applied, 99),
      unpushed_changes_at_end: subs.filter((s) => s.pendingSince !== undefined).length,
      kb_per_subscriber: +((rssSubscribed - rssBefore) / o.subscribers).toFixed(1),
      vendor_calls_per_push: pushes ? +(pushCalls / pushes).toFixed(3) : null,
      vendor_calls_per_push_v1: pushes ? +(pushCallsV1 / pushes).toFixed(3) : null,
      worker_reads: workerCalls,
      crm_calls: hub.total,
      support_calls: zen.total,
      push_errors: errors,
      first_push_errors: initialErrors,
      pushes_of_another_customer: foreign,
    };
    console.log(`
| subscribers | customers | changes | pushes | pushes/s | push p50 ms | push p99 ms | KB/subscriber | vendor calls/push | pushes of another customer |
|---|---|---|---|---|---|---|---|---|---|
| ${row.subscribers} | ${row.customers} | ${row.changes} (${o.rate}/s) | ${row.pushes} | ${row.pushes_per_s} | ${row.push_p50_ms} | ${row.push_p99_ms} | ${row.kb_per_subscriber} | ${row.vendor_calls_per_push} | ${row.pushes_of_another_customer} |
`);
    console.log(JSON.stringify({ ...row, error_codes: codes, stripe_routes: stats.byRoute }));
  } finally {
    await Promise.all(subs.map(async (s) => s.client.dispose()));
    await Promise.all(
      procs.map(async (p) => {
        if (p.exitCode !== null || p.signalCode !== null) return;
        const exited = new Promise((r) => p.once('exit', r));
        p.kill('SIGTERM');
        await Promise.race([exited, new Promise((r) => setTimeout(r, 10_000))]);
      }),
    );
    await dispatcher.close();
    await sims.close();
    await redis.stop();
  }
}
