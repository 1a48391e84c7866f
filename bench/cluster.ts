/**
 * npm run bench -- --cluster [--seconds 60 --rate 10 --redis single|cluster]
 *
 * Instances that die lose nothing (issue 25): 3 gateway processes (src/main.ts, each its own port,
 * EVENT_WORKERS=false: receivers and API only) and 2 worker processes (src/worker.ts) on one
 * Redis: a local redis-server, or with `--redis cluster` a real 3-master Redis Cluster
 * (`redis-cli --cluster create`, test/helpers/redis-cluster.ts). The simulators run in this
 * process with their vendors' plan limits on (HubSpot professional, Stripe live, Zendesk
 * enterprise: a request over the plan is answered 429 and counted by the simulator).
 *
 * Load, open loop at `rate` requests/s, round-robin over the three gateways:
 * - 70% dashboards of the 500 seeded customers in turn (customer tokens; mostly cold, so the
 *   vendors' plans are reached and the shared budgets must hold them: RATE_LIMITED fields, no 429);
 * - 10% `updateMyContact` (a new phone, each write its own customer from 1101), 10%
 *   `updateBillingDetails` (a new invoice email, each its own customer from 1301) and 10%
 *   `openTicket` (a unique subject, customers 1001-1050), each with an `Idempotency-Key`; a
 *   retryable answer (connection refused or reset, 503, 429, 409, RATE_LIMITED, UPSTREAM_*,
 *   IDEMPOTENCY_*, AUDIT_UNAVAILABLE) is retried with the SAME key on the next gateway, as a
 *   real client does;
 * - the simulators' own signed webhooks, caused by those writes (HubSpot contact changes, Zendesk
 *   ticket and user events, Stripe customer updates from the replicas), sent through a tiny
 *   round-robin proxy in this process (it tries the next gateway when one refuses the connection,
 *   as a load balancer does).
 * Midway one gateway and one worker are SIGKILLed and started again.
 *
 * Then partner revocation: a partner token is used on every gateway, revoked through one, and
 * every gateway is asked with it every 10 ms until it refuses it; the figure is the slowest
 * gateway's time from the revoke's answer to its first 401.
 *
 * Afterwards, with the plan limits off, read from the systems themselves (not our logs):
 * - events_lost: an event the simulators delivered (2xx) without its entry in the change stream;
 *   events_applied_twice: an event with more than one entry;
 * - writes_lost: a write answered done whose value is not at the vendor (the contact's phone in
 *   the HubSpot simulator, the customer's email in the Stripe simulator, the ticket with its
 *   subject in the Zendesk simulator);
 *   writes_duplicated: a ticket subject found more than once; failed_writes_applied: a write
 *   answered failed (or given up) whose value is at the vendor;
 * - vendor_429: the simulators' 429 counts (the budgets must hold across instances), and
 *   budget_local_fallbacks: the processes' "vendor budget unavailable" log lines (at most one a
 *   second each: Redis could not be asked, so calls were metered in process at
 *   VENDOR_BUDGET_LOCAL_SHARE, a fifth here);
 * - client errors by code, during the kill window and outside it (only retryable ones expected).
 * Progress lines every 10 s, a summary, and last one JSON line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import type { Redis } from 'ioredis';
import { signDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config/index.js';
import { connectRedis } from '../src/platform/redis.js';
import { freePort, startLocalRedis } from '../src/platform/redis-server.js';
import { createDurableQueue } from '../src/platform/queue.js';
import { EVENT_SYSTEMS } from '../src/webhooks/types.js';
import { startSimulators, vendorEnv, type SimSystem } from '../sim/index.js';
import { startRedisCluster } from '../test/helpers/redis-cluster.js';
import { SECRETS, WEBHOOK_ENV } from '../test/helpers/webhooks.js';
import { MIXED_DASHBOARD, percentile } from './mixed.js';

const PREFIX = 'clusterbench';
const PLANS: Partial<Record<SimSystem, string>> = { hubspot: 'professional', stripe: 'live', zendesk: 'enterprise' };
const PHONE = 'mutation W($p: String!) { updateMyContact(input: { phone: $p }) { id phone } }';
const OPEN = 'mutation O($input: OpenTicketInput!) { openTicket(input: $input) { id } }';
const BILLING = 'mutation B($e: String!) { updateBillingDetails(input: { invoiceEmail: $e }) { invoiceEmail } }';
const RETRYABLE_CODES = new Set([
  'RATE_LIMITED',
  'UPSTREAM_UNAVAILABLE',
  'UPSTREAM_TIMEOUT',
  'IDEMPOTENCY_KEY_IN_USE',
  'IDEMPOTENCY_UNAVAILABLE',
  'AUDIT_UNAVAILABLE',
]);
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

interface Proc {
  name: string;
  script: string;
  env: Record<string, string>;
  ready: RegExp;
  proc?: ChildProcess;
  out: string;
  /** Its log lines saying the vendor budget was metered locally (Redis could not be asked), over its lives. */
  localBudget: number;
}

function launch(p: Proc): Promise<void> {
  return new Promise((resolve, reject) => {
    p.out = '';
    const proc = spawn(process.execPath, ['--import', 'tsx', p.script], {
      env: { ...process.env, ...p.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    p.proc = proc;
    let ready = false;
    const keep = (d: Buffer) => {
      const text = d.toString();
      p.localBudget += text.split('vendor budget unavailable').length - 1;
      if (process.env.CLUSTER_BENCH_SHOW_FALLBACKS)
        for (const line of text.split('\n'))
          if (line.includes('vendor budget unavailable')) console.log(`    ${p.name}: ${line.slice(0, 300)}`);
      p.out = (p.out + text).slice(-100_000);
      if (!ready && p.ready.test(p.out)) {
        ready = true;
        resolve();
      }
    };
    proc.stdout.on('data', keep);
    proc.stderr.on('data', keep);
    proc.once('exit', (code, signal) => {
      if (!ready) reject(new Error(`${p.name} exited (${code ?? signal}) before it was ready:\n${p.out.slice(-3000)}`));
    });
  });
}

const alive = (p: Proc) => !!p.proc && p.proc.exitCode === null && p.proc.signalCode === null;

async function kill9(p: Proc) {
  if (!alive(p)) return;
  const exited = new Promise((r) => p.proc!.once('exit', r));
  p.proc!.kill('SIGKILL');
  await exited;
}

async function stop(p: Proc) {
  if (!alive(p)) return;
  const exited = new Promise((r) => p.proc!.once('exit', r));
  const force = setTimeout(() => p.proc?.kill('SIGKILL'), 10_000);
  p.proc!.kill('SIGTERM');
  await exited;
  clearTimeout(force);
}

/** A tiny HTTP load balancer: each request to the next gateway; one refusing the connection is skipped. */
async function startProxy(targets: () => string[], dispatcher: Agent): Promise<{ url: string; server: Server; forwarded: () => number }> {
  let next = 0;
  let forwarded = 0;
  const read = (req: IncomingMessage) =>
    new Promise<Buffer>((resolve, reject) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => resolve(Buffer.concat(chunks)));
      req.on('error', reject);
    });
  const server = createServer((req, res) => {
    void (async () => {
      const body = await read(req);
      const all = targets();
      for (let i = 0; i < all.length; i++) {
        const target = all[next++ % all.length];
        try {
          const headers = { ...req.headers };
          delete headers['content-length'];
          delete headers.connection;
          const r = await request(`${target}${req.url}`, {
            method: req.method as 'POST',
            headers,
            body,
            dispatcher,
            headersTimeout: 30_000,
            bodyTimeout: 30_000,
          });
          const text = await r.body.text();
          forwarded++;
          res.writeHead(r.statusCode, { 'content-type': String(r.headers['content-type'] ?? 'application/json') });
          res.end(text);
          return;
        } catch (err) {
          // Refused (the gateway is down): try the next one. Anything else the sender retries.
          if ((err as { code?: string }).code !== 'ECONNREFUSED') break;
        }
      }
      res.writeHead(502, { 'content-type': 'application/json' });
      res.end('{"error":"no gateway answered"}');
    })();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as { port: number };
  return { url: `http://127.0.0.1:${port}`, server, forwarded: () => forwarded };
}

interface Write {
  kind: 'phone' | 'ticket' | 'billing';
  customer: string;
  /** The phone or the ticket subject: unique per write. */
  value: string;
  key: string;
  attempts: number;
  outcome: 'ok' | 'failed' | 'gave_up';
  /** The last answer's code when not ok. */
  code?: string;
}

export async function runClusterBench(o: { seconds: number; rate: number; redis: 'single' | 'cluster' }) {
  const started = Date.now();
  const log = (line: string) => console.log(`  [${String(Math.round((Date.now() - started) / 1000)).padStart(4)} s] ${line}`);
  const cleanup: (() => Promise<void> | void)[] = [];
  try {
    let redisUrl: string;
    if (o.redis === 'cluster') {
      const c = await startRedisCluster({ masters: 3, replicas: 0 });
      cleanup.push(() => c.stop());
      redisUrl = c.url;
    } else {
      const r = await startLocalRedis({ args: ['--save', '', '--appendonly', 'no'] });
      cleanup.push(() => r.stop());
      redisUrl = r.url;
    }
    log(`Redis: ${o.redis} (${redisUrl})`);
    const sims = await startSimulators({
      faults: Object.fromEntries(Object.entries(PLANS).map(([s, plan]) => [s, { plan, latencyMs: 2 }])),
    });
    cleanup.push(() => sims.close());
    const dispatcher = new Agent({ connections: 64 });
    cleanup.push(() => dispatcher.close());
    const env: Record<string, string> = {
      NODE_ENV: 'development',
      // warn: the processes' "vendor budget unavailable" lines are counted (budget_local_fallbacks).
      LOG_LEVEL: 'warn',
      ...vendorEnv(sims),
      ...WEBHOOK_ENV,
      REDIS_URL: redisUrl,
      REDIS_KEY_PREFIX: PREFIX,
      // Five processes call the vendors: each meters a fifth of a budget while Redis cannot be asked.
      VENDOR_BUDGET_LOCAL_SHARE: '0.2',
      HOST: '127.0.0.1',
      SANDBOX: 'false',
      RECONCILE_SCHEDULE: 'off',
      USER_RATE_LIMIT_PER_MINUTE: '100000',
      EVENT_LOCK_MS: '5000',
      EVENT_BACKOFF_MS: '200',
      EVENT_BACKOFF_MAX_MS: '2000',
    };
    const config = loadConfig(env);
    const ports = [await freePort(), await freePort(), await freePort()];
    const gateways: Proc[] = ports.map((port, i) => ({
      name: `gateway-${i + 1}`,
      script: 'src/main.ts',
      env: { ...env, PORT: String(port), EVENT_WORKERS: 'false' },
      ready: /Portico is listening/,
      out: '',
      localBudget: 0,
    }));
    const workers: Proc[] = [1, 2].map((i) => ({
      name: `worker-${i}`,
      script: 'src/worker.ts',
      env,
      ready: /Event workers running/,
      out: '',
      localBudget: 0,
    }));
    cleanup.push(() => Promise.all([...gateways, ...workers].map(stop)).then(() => undefined));
    // One at a time: five processes loading the app at once on two cores take longer than one after another.
    for (const p of [...gateways, ...workers]) await launch(p);
    const urls = ports.map((p) => `http://127.0.0.1:${p}`);
    log(`3 gateways (${ports.join(', ')}) and 2 workers up`);

    const proxy = await startProxy(() => urls, dispatcher);
    cleanup.push(() => new Promise<void>((r) => proxy.server.close(() => r())));
    sims.webhooks.configure({
      stripe: { url: `${proxy.url}/webhooks/stripe`, secret: SECRETS.stripe[0] },
      hubspot: { url: `${proxy.url}/webhooks/hubspot`, clientSecret: SECRETS.hubspot },
      zendesk: { url: `${proxy.url}/webhooks/zendesk`, secret: SECRETS.zendesk },
    });

    // --- the client: round-robin over the gateways ---
    // Round robin over requests (the n-th to gateway n mod 3); a write's retry goes to the gateway after the one that failed.
    const inflightWrites = [0, 0, 0];
    let killWindow = false;
    const errors = { kill: {} as Record<string, number>, other: {} as Record<string, number> };
    const count = (code: string) => {
      const m = killWindow ? errors.kill : errors.other;
      m[code] = (m[code] ?? 0) + 1;
    };
    const tokens = new Map<string, string>();
    const tokenOf = (sub: string) => {
      let t = tokens.get(sub);
      if (!t) tokens.set(sub, (t = signDevToken(config, { role: 'customer', sub, ttlSeconds: 3600 })));
      return t;
    };
    type Answer = { ok: boolean; retryable: boolean; code: string; retryAfterS?: number; rateLimitedFields: number };
    const ask = async (base: string, token: string, query: string, variables?: unknown, key?: string): Promise<Answer> => {
      try {
        const res = await request(`${base}/graphql`, {
          method: 'POST',
          dispatcher,
          headers: {
            'content-type': 'application/json',
            authorization: `Bearer ${token}`,
            ...(key ? { 'idempotency-key': key } : {}),
          },
          body: JSON.stringify({ query, variables }),
          headersTimeout: 60_000,
          bodyTimeout: 60_000,
        });
        const text = await res.body.text();
        let body: { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string; retryAfter?: number } }[] } = {};
        try {
          body = JSON.parse(text) as typeof body;
        } catch {
          return { ok: false, retryable: res.statusCode >= 500, code: `${res.statusCode}:not-json`, rateLimitedFields: 0 };
        }
        const codes = (body.errors ?? []).map((e) => e.extensions?.code ?? 'NO_CODE');
        const hint = Number(res.headers['retry-after']) || body.errors?.find((e) => e.extensions?.retryAfter)?.extensions?.retryAfter;
        const root = body.data ? Object.values(body.data)[0] : null;
        if (key) {
          // A write is done only when answered with its object and no error.
          if (res.statusCode === 200 && root && codes.length === 0) return { ok: true, retryable: false, code: 'OK', rateLimitedFields: 0 };
          const code = codes[0] ?? `${res.statusCode}:NO_DATA`;
          const retryable = [409, 429, 502, 503].includes(res.statusCode) || codes.every((c) => RETRYABLE_CODES.has(c));
          return {
            ok: false,
            retryable: retryable && codes.length + Number(res.statusCode !== 200) > 0,
            code,
            retryAfterS: hint,
            rateLimitedFields: 0,
          };
        }
        const other = codes.find((c) => c !== 'RATE_LIMITED');
        if (res.statusCode === 200 && (root || codes.length) && !other)
          return { ok: true, retryable: false, code: 'OK', rateLimitedFields: codes.length };
        const code = other ?? `${res.statusCode}:NO_DATA`;
        return { ok: false, retryable: RETRYABLE_CODES.has(code) || [429, 502, 503].includes(res.statusCode), code, rateLimitedFields: 0 };
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as Error).name;
        return { ok: false, retryable: true, code: `net:${code}`, rateLimitedFields: 0 };
      }
    };

    const reads = { sent: 0, ok: 0, rateLimitedFields: 0, failed: 0 };
    const writes: Write[] = [];
    const latencies: number[] = [];
    let phoneCustomer = 1101;
    let billingCustomer = 1301;
    let n = 0;
    const oneRead = async () => {
      reads.sent++;
      const customer = String(1001 + (n % 500));
      const t0 = performance.now();
      const a = await ask(urls[n % 3], tokenOf(customer), MIXED_DASHBOARD);
      latencies.push(performance.now() - t0);
      if (a.ok) {
        reads.ok++;
        reads.rateLimitedFields += a.rateLimitedFields;
      } else {
        reads.failed++;
        count(`read:${a.code}${a.retryable ? '' : ' (not retryable)'}`);
      }
    };
    const oneWrite = async (kind: Write['kind']) => {
      const i = n;
      // A contact or billing write: each its own customer (one write per value to check). A ticket: a unique subject.
      const customer =
        kind === 'phone' ? String(phoneCustomer++) : kind === 'billing' ? String(billingCustomer++) : String(1001 + (i % 50));
      const value =
        kind === 'phone'
          ? `+1555${String(i).padStart(7, '0')}`
          : kind === 'billing'
            ? `invoices-${i}@cluster-bench.example`
            : `Cluster bench ${i} ${randomUUID().slice(0, 8)}`;
      const w: Write = { kind, customer, value, key: randomUUID(), attempts: 0, outcome: 'gave_up' };
      writes.push(w);
      const [query, variables] =
        kind === 'phone'
          ? [PHONE, { p: value }]
          : kind === 'billing'
            ? [BILLING, { e: value }]
            : [OPEN, { input: { subject: value, body: 'Opened by the cluster bench.' } }];
      for (; w.attempts < 40;) {
        const g = (i + w.attempts) % 3;
        w.attempts++;
        const t0 = performance.now();
        inflightWrites[g]++;
        const a = await ask(urls[g], tokenOf(customer), query, variables, w.key);
        inflightWrites[g]--;
        latencies.push(performance.now() - t0);
        if (a.ok) {
          w.outcome = 'ok';
          return;
        }
        w.code = a.code;
        count(`${kind}:${a.code}${a.retryable ? '' : ' (not retryable)'}`);
        if (!a.retryable) {
          w.outcome = 'failed';
          return;
        }
        await sleep(Math.min(5000, (a.retryAfterS ?? 0) * 1000 || 250));
      }
    };

    const statsLine = async (r: Redis) => {
      const ws = { ok: 0, failed: 0, gave_up: 0, pending: 0 };
      for (const w of writes) ws[w.outcome === 'gave_up' && w.attempts < 40 ? 'pending' : w.outcome]++;
      const d = sims.webhooks.deliveries();
      const stream = await r.xlen(`${PREFIX}:changes`).catch(() => NaN);
      const v429 = (['hubspot', 'stripe', 'zendesk', 's3'] as SimSystem[]).reduce((s, x) => s + (sims.stats(x).refused ?? 0), 0);
      const errs = Object.values({ ...errors.kill }).reduce((a, b) => a + b, 0) + Object.values(errors.other).reduce((a, b) => a + b, 0);
      log(
        `reads ${reads.sent} (ok ${reads.ok}, RATE_LIMITED fields ${reads.rateLimitedFields}); writes ${writes.length} ${JSON.stringify(ws)}; ` +
          `webhook deliveries ${d.length} (${d.filter((x) => x.state === 'delivered').length} delivered); change stream ${stream}; vendor 429 ${v429}; client errors ${errs}`,
      );
    };
    const r = connectRedis(redisUrl, 'read');
    r.on('error', () => undefined);
    cleanup.push(() => void r.disconnect());

    log(
      `load: ${o.rate} req/s for ${o.seconds} s (70% dashboards; 10% each contact writes, billing-email writes, tickets; webhooks from the simulators)`,
    );
    const running = new Set<Promise<void>>();
    const t0 = performance.now();
    let nextReport = 10_000;
    let killed = false;
    const kills: Promise<void>[] = [];
    let killInfo = '';
    for (let k = 0; ; k++) {
      const due = t0 + (k * 1000) / o.rate;
      if (due - t0 >= o.seconds * 1000) break;
      const now = performance.now();
      if (due > now) await sleep(due - now);
      n = k;
      const pick = k % 10;
      const p = pick === 3 ? oneWrite('phone') : pick === 5 ? oneWrite('billing') : pick === 7 ? oneWrite('ticket') : oneRead();
      running.add(p);
      void p.finally(() => running.delete(p));
      if (performance.now() - t0 >= nextReport) {
        nextReport += 10_000;
        void statsLine(r);
      }
      if (!killed && performance.now() - t0 >= (o.seconds * 1000) / 2) {
        killed = true;
        const g = gateways[1];
        const w = workers[0];
        // Beside the load (which goes on): killed while it has a write in flight (up to 10 s of
        // waiting for one), the case that matters, then started again.
        kills.push(
          (async () => {
            for (let i = 0; i < 5000 && inflightWrites[1] === 0; i++) await sleep(2);
            const inFlight = inflightWrites[1];
            killWindow = true;
            const killAt = Date.now();
            await Promise.all([kill9(g), kill9(w)]);
            log(
              `SIGKILL ${g.name} (pid ${g.proc!.pid}, ${inFlight} writes in flight) and ${w.name} (pid ${w.proc!.pid}); starting them again`,
            );
            await launch(g);
            const gMs = Date.now() - killAt;
            await launch(w);
            killInfo = `${g.name} back in ${gMs} ms, ${w.name} in ${Date.now() - killAt} ms`;
            log(`restarted: ${killInfo}`);
            // The window ends a few seconds after both are back (requests in flight at the kill have been retried).
            await sleep(5000);
            killWindow = false;
          })(),
        );
      }
    }
    await Promise.all(kills);
    await Promise.all(running);
    await statsLine(r);
    log('load done');

    // --- partner revocation ---
    const admin = signDevToken(config, { role: 'admin', sub: 'bench-admin', ttlSeconds: 3600 });
    const gqlAt = async (base: string, token: string, query: string, variables?: unknown) => {
      const res = await request(`${base}/graphql`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
        body: JSON.stringify({ query, variables }),
      });
      return { status: res.statusCode, body: (await res.body.json()) as { data?: Record<string, unknown>; errors?: unknown[] } };
    };
    const minted = await gqlAt(
      urls[0],
      admin,
      'mutation { createPartnerToken(input: { name: "cluster-bench", scopes: ["crm.contacts:read"] }) { token partnerToken { id } } }',
    );
    const created = minted.body.data?.createPartnerToken as { token: string; partnerToken: { id: string } } | undefined;
    if (!created) throw new Error(`createPartnerToken: ${JSON.stringify(minted.body)}`);
    const PARTNER_READ = '{ customer(id: "1002") { id } }';
    const before = await Promise.all(urls.map((u) => gqlAt(u, created.token, PARTNER_READ).then((x) => x.status)));
    const revoked = await gqlAt(urls[2], admin, 'mutation($id: ID!) { revokePartnerToken(id: $id) { id } }', {
      id: created.partnerToken.id,
    });
    const revokedAt = performance.now();
    if (revoked.body.errors) throw new Error(`revokePartnerToken: ${JSON.stringify(revoked.body.errors)}`);
    const refusedAfterMs = await Promise.all(
      urls.map(async (u) => {
        for (let i = 0; i < 500; i++) {
          if ((await gqlAt(u, created.token, PARTNER_READ)).status === 401) return Math.round(performance.now() - revokedAt);
          await sleep(10);
        }
        return Infinity;
      }),
    );
    const revocationMs = Math.max(...refusedAfterMs);
    log(
      `partner token answered ${before.join('/')} on the 3 gateways; revoked through gateway-3; refused by each after ${refusedAfterMs.join(' / ')} ms (slowest ${revocationMs} ms)`,
    );

    // --- settle, faults off, read the systems ---
    for (const s of Object.keys(PLANS) as SimSystem[]) sims.setFaults(s, {});
    const queues = EVENT_SYSTEMS.map((name) =>
      createDurableQueue({ name: `webhooks-${name}`, url: redisUrl, prefix: `${PREFIX}:bull`, handlers: {} }),
    );
    cleanup.push(() => Promise.all(queues.map((q) => q.close())).then(() => undefined));
    const busy = async () => {
      let b = 0;
      for (const q of queues) {
        const c = await q.counts();
        b += c.waiting + c.active + c.delayed;
      }
      return b;
    };
    const settleEnd = Date.now() + 180_000;
    let quiet = 0;
    while (Date.now() < settleEnd && quiet < 3) {
      await sims.webhooks.idle();
      quiet = (await busy()) === 0 ? quiet + 1 : 0;
      await sleep(1000);
    }
    log(quiet >= 3 ? 'every delivery and queue settled' : 'NOT settled after 180 s (counting anyway)');

    const applied = new Map<string, number>();
    for (let from = '-'; ;) {
      const page = await r.xrange(`${PREFIX}:changes`, from, '+', 'COUNT', 5000);
      for (const [, f] of page) {
        const id = `${f[f.indexOf('system') + 1]}:${f[f.indexOf('event') + 1]}`;
        applied.set(id, (applied.get(id) ?? 0) + 1);
      }
      if (page.length < 5000) break;
      from = `(${page.at(-1)![0]}`;
    }
    const deliveries = sims.webhooks.deliveries();
    const delivered = new Set(
      deliveries.filter((d) => d.state === 'delivered').flatMap((d) => d.eventIds.map((id) => `${d.system}:${id}`)),
    );
    const lostIds = [...delivered].filter((id) => !applied.has(id));
    const twice = [...delivered].filter((id) => (applied.get(id) ?? 0) > 1).length;
    const deliveriesFailed = deliveries.filter((d) => d.state === 'failed').length;
    const dead = await Promise.all(queues.map((q) => q.dead(0, 1).then((x) => x.total)));

    // Writes, read from the vendors (the simulators' own APIs, plan limits off).
    const hubspotAuth = { authorization: `Bearer ${sims.credentials.hubspotToken}` };
    const zendeskAuth = { authorization: `Bearer ${sims.credentials.zendeskApiToken}` };
    const stripeAuth = { authorization: `Bearer ${sims.credentials.stripeSecretKey}` };
    const ticketsBySubject = new Map<string, number>();
    for (const crmId of new Set(writes.filter((w) => w.kind === 'ticket').map((w) => w.customer))) {
      const userId = sims.data.customers.find((c) => c.crmId === crmId)!.zendeskUserId;
      let next: string | undefined = `${sims.urls.zendesk}/api/v2/users/${userId}/tickets/requested.json?page%5Bsize%5D=100`;
      while (next) {
        const res = await request(next, { headers: zendeskAuth });
        const body = (await res.body.json()) as {
          tickets: { subject: string }[];
          links?: { next?: string };
          meta?: { has_more?: boolean };
        };
        for (const t of body.tickets) ticketsBySubject.set(t.subject, (ticketsBySubject.get(t.subject) ?? 0) + 1);
        next = body.meta?.has_more ? body.links?.next : undefined;
      }
    }
    let writesLost = 0;
    let writesDuplicated = 0;
    let failedApplied = 0;
    for (const w of writes) {
      let atVendor: number;
      if (w.kind === 'ticket') atVendor = ticketsBySubject.get(w.value) ?? 0;
      else if (w.kind === 'billing') {
        const stripeId = sims.data.customers.find((c) => c.crmId === w.customer)!.stripeCustomerId;
        const res = await request(`${sims.urls.stripe}/v1/customers/${stripeId}`, { headers: stripeAuth });
        atVendor = ((await res.body.json()) as { email?: string | null }).email === w.value ? 1 : 0;
      } else {
        const res = await request(`${sims.urls.hubspot}/crm/v3/objects/contacts/${w.customer}?properties=phone`, { headers: hubspotAuth });
        const c = (await res.body.json()) as { properties?: { phone?: string | null } };
        atVendor = c.properties?.phone === w.value ? 1 : 0;
      }
      if (w.outcome === 'ok' && atVendor === 0) writesLost++;
      if (w.outcome !== 'ok' && atVendor > 0) failedApplied++;
      if (atVendor > 1) writesDuplicated++;
    }
    const vendor429 = Object.fromEntries(
      (['hubspot', 'stripe', 'zendesk', 's3'] as SimSystem[]).map((s) => [s, sims.stats(s).refused ?? 0]),
    );
    const vendor429Total = Object.values(vendor429).reduce((a, b) => a + b, 0);
    const outcome = { ok: 0, failed: 0, gave_up: 0 };
    for (const w of writes) outcome[w.outcome]++;
    const retried = writes.filter((w) => w.attempts > 1).length;
    const notRetryable = Object.entries({ ...errors.kill, ...errors.other })
      .filter(([k]) => k.includes('not retryable'))
      .reduce((a, [k]) => a + (errors.kill[k] ?? 0) + (errors.other[k] ?? 0), 0);
    latencies.sort((a, b) => a - b);
    const bySystem = Object.fromEntries(
      (['stripe', 'hubspot', 'zendesk'] as const).map((s) => [s, [...delivered].filter((id) => id.startsWith(`${s}:`)).length]),
    );

    console.log(`
Cluster bench (${o.redis} Redis): 3 gateways, 2 workers, ${o.seconds} s at ${o.rate} req/s; killed midway: gateway-2 and worker-1 (${killInfo})
| events delivered | lost | applied twice | deliveries failed | dead letters | writes | done | failed | gave up | retried | writes lost | duplicated | failed but applied | vendor 429 | revocation seen by all (ms) |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
| ${delivered.size} ${JSON.stringify(bySystem)} | ${lostIds.length} | ${twice} | ${deliveriesFailed} | ${dead.reduce((a, b) => a + b, 0)} | ${writes.length} | ${outcome.ok} | ${outcome.failed} | ${outcome.gave_up} | ${retried} | ${writesLost} | ${writesDuplicated} | ${failedApplied} | ${vendor429Total} | ${revocationMs} |
reads: ${reads.sent} sent, ${reads.ok} ok (${reads.rateLimitedFields} RATE_LIMITED fields), ${reads.failed} failed; latency p50 ${percentile(latencies, 50).toFixed(0)} ms, p99 ${percentile(latencies, 99).toFixed(0)} ms
client errors during the kill window: ${JSON.stringify(errors.kill)}
client errors otherwise: ${JSON.stringify(errors.other)}
webhook proxy forwarded ${proxy.forwarded()}; vendor 429 by simulator ${JSON.stringify(vendor429)}; "vendor budget unavailable" log lines (metered locally) by process ${JSON.stringify(Object.fromEntries([...gateways, ...workers].map((p) => [p.name, p.localBudget])))}${lostIds.length ? `\nlost events (first 10): ${lostIds.slice(0, 10).join(', ')}` : ''}`);
    const summary = {
      mode: 'cluster',
      redis: o.redis,
      seconds: o.seconds,
      rate: o.rate,
      gateways: 3,
      workers: 2,
      events_delivered: delivered.size,
      events_lost: lostIds.length,
      events_applied_twice: twice,
      deliveries_failed: deliveriesFailed,
      writes: writes.length,
      writes_done: outcome.ok,
      writes_failed: outcome.failed,
      writes_gave_up: outcome.gave_up,
      writes_retried: retried,
      writes_lost: writesLost,
      writes_duplicated: writesDuplicated,
      failed_writes_applied: failedApplied,
      vendor_429: vendor429Total,
      budget_local_fallbacks: [...gateways, ...workers].reduce((a, p) => a + p.localBudget, 0),
      revocation_ms: revocationMs,
      reads: reads.sent,
      reads_failed: reads.failed,
      client_errors_kill_window: errors.kill,
      client_errors_otherwise: errors.other,
      not_retryable_errors: notRetryable,
      p50_ms: Math.round(percentile(latencies, 50)),
      p99_ms: Math.round(percentile(latencies, 99)),
    };
    console.log(JSON.stringify(summary));
    if (
      lostIds.length ||
      twice ||
      writesLost ||
      writesDuplicated ||
      failedApplied ||
      vendor429Total ||
      notRetryable ||
      !(revocationMs <= 1000) ||
      quiet < 3
    )
      process.exitCode = 1;
  } finally {
    for (const fn of cleanup.reverse()) await Promise.resolve(fn()).catch(() => undefined);
  }
}
