/**
 * npm run bench -- --redis-faults [--connections 8]
 *
 * Redis faults under a steady mixed load, on loopback (about 60 s): a gateway process (src/main.ts,
 * workers on) with a local redis-server, the simulators and the clients in this process. The load:
 * dashboards of 200 distinct customers (customer tokens), staff customer lists (agent token), and
 * tickets opened by customers (openTicket with an Idempotency-Key). Phases: `before` (12 s), `stall`
 * (Redis SIGSTOPped for 10 s), `after` (12 s), `outage` (Redis SIGKILLed, restarted empty on the
 * same port after 8 s), `recovered` (10 s). Prints request latency percentiles per phase and the
 * tickets created at the Zendesk simulator against the openTicket calls reported done to clients
 * (they should match; printed as measured), then one JSON line.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { Agent, request } from 'undici';
import { signDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config/index.js';
import { freePort, startLocalRedis } from '../src/platform/redis-server.js';
import { startSimulators, vendorEnv } from '../sim/index.js';

const DASHBOARD = `query Dashboard { me { id name email billing { balance subscription { status plan } invoices(first: 10) { totalCount nodes { id status amountDue } } }
  tickets(first: 10) { nodes { id subject status } } documents(first: 10) { nodes { id name } } } }`;
const STAFF = 'query Customers { customers(first: 10) { totalCount nodes { id name email } } }';
const OPEN = 'mutation Open($input: OpenTicketInput!) { openTicket(input: $input) { id } }';
const PHASES = [
  ['before', 12_000],
  ['stall', 10_000],
  ['after', 12_000],
  ['outage', 8_000],
  ['recovered', 10_000],
] as const;
type Phase = (typeof PHASES)[number][0];

function start(env: Record<string, string>): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    const onData = (d: Buffer) => {
      out += d.toString();
      if (/Portico is listening/.test(out)) resolve(proc);
    };
    proc.stdout.on('data', onData);
    proc.stderr.on('data', onData);
    proc.on('exit', (code) => reject(new Error(`gateway exited (${code}):\n${out.slice(-2000)}`)));
  });
}

const pct = (xs: number[], p: number) =>
  xs.length ? [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))] : NaN;

export async function runRedisFaultsBench(o: { connections: number }) {
  const redis = await startLocalRedis();
  const sims = await startSimulators();
  const port = await freePort();
  const env: Record<string, string> = {
    NODE_ENV: 'development',
    LOG_LEVEL: 'error',
    ...vendorEnv(sims),
    REDIS_URL: redis.url,
    REDIS_KEY_PREFIX: 'faultbench',
    PORT: String(port),
    HOST: '127.0.0.1',
    SANDBOX: 'false',
    RECONCILE_SCHEDULE: 'off',
    UPSTREAM_BREAKER_VOLUME: '100000',
    USER_RATE_LIMIT_PER_MINUTE: '100000',
  };
  const config = loadConfig(env);
  const dispatcher = new Agent({ connections: o.connections });
  const base = `http://127.0.0.1:${port}`;
  let gateway: ChildProcess | undefined;
  try {
    gateway = await start(env);
    const customers = sims.data.customers.slice(0, 200);
    const writers = customers.slice(0, 20);
    const token = (sub: string) => signDevToken(config, { role: 'customer', sub });
    const tokens = new Map(customers.map((c) => [c.crmId, token(c.crmId)]));
    const agent = signDevToken(config, { role: 'agent', sub: 'agent-faults' });
    const gql = async (auth: string, query: string, variables?: unknown, headers: Record<string, string> = {}) => {
      const res = await request(`${base}/graphql`, {
        method: 'POST',
        dispatcher,
        headers: { 'content-type': 'application/json', authorization: `Bearer ${auth}`, ...headers },
        body: JSON.stringify({ query, variables }),
        headersTimeout: 60_000,
        bodyTimeout: 60_000,
      });
      const body = (await res.body.json()) as { data?: Record<string, unknown> | null; errors?: { extensions?: { code?: string } }[] };
      return { status: res.statusCode, body };
    };
    // Warm: every dashboard once.
    for (let i = 0; i < customers.length; i += 20)
      await Promise.all(customers.slice(i, i + 20).map((c) => gql(tokens.get(c.crmId)!, DASHBOARD)));

    let phase: Phase = 'before';
    const lat = new Map<Phase, number[]>(PHASES.map(([p]) => [p, []]));
    const errors = new Map<Phase, number>(PHASES.map(([p]) => [p, 0]));
    const writes = { sent: 0, reportedDone: 0, reportedFailed: 0, failedBy: {} as Record<string, number> };
    const subjects = new Set<string>();
    let stop = false;
    let n = 0;
    const client = async () => {
      while (!stop) {
        const i = n++;
        const at = phase;
        const started = performance.now();
        try {
          if (i % 10 === 9) {
            const c = writers[i % writers.length];
            const subject = `Fault bench ${i} ${randomUUID().slice(0, 8)}`;
            subjects.add(subject);
            writes.sent++;
            const r = await gql(
              tokens.get(c.crmId)!,
              OPEN,
              { input: { subject, body: 'Opened by the Redis fault bench.' } },
              {
                'idempotency-key': randomUUID(),
              },
            );
            if (r.status === 200 && (r.body.data as { openTicket?: { id?: string } } | null)?.openTicket?.id && !r.body.errors?.length)
              writes.reportedDone++;
            else {
              writes.reportedFailed++;
              const why = `${r.status} ${r.body.errors?.[0]?.extensions?.code ?? 'no data'}`;
              writes.failedBy[why] = (writes.failedBy[why] ?? 0) + 1;
            }
          } else {
            const r = i % 10 === 8 ? await gql(agent, STAFF) : await gql(tokens.get(customers[i % customers.length].crmId)!, DASHBOARD);
            if (r.status !== 200 || !r.body.data || r.body.errors?.some((e) => e.extensions?.code !== 'RATE_LIMITED'))
              errors.set(at, errors.get(at)! + 1);
          }
        } catch {
          errors.set(at, errors.get(at)! + 1);
        }
        lat.get(at)!.push(performance.now() - started);
      }
    };
    const clients = Array.from({ length: o.connections }, client);
    const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
    for (const [p, ms] of PHASES) {
      phase = p;
      if (p === 'stall') redis.pause();
      if (p === 'after') redis.resume();
      if (p === 'outage') await redis.stop();
      await sleep(ms);
      if (p === 'outage') await redis.start();
    }
    stop = true;
    await Promise.all(clients);

    // Writes done at the vendor: the bench's tickets in the Zendesk simulator, by subject.
    let atVendor = 0;
    for (const c of writers) {
      const res = await request(`${sims.urls.zendesk}/api/v2/users/${c.zendeskUserId}/tickets/requested.json?page%5Bsize%5D=100`, {
        headers: { authorization: `Bearer ${sims.credentials.zendeskApiToken}` },
      });
      let body = (await res.body.json()) as { tickets: { subject: string }[]; links?: { next?: string }; meta?: { has_more?: boolean } };
      for (;;) {
        atVendor += body.tickets.filter((t) => subjects.has(t.subject)).length;
        if (!body.meta?.has_more || !body.links?.next) break;
        const next = await request(body.links.next, { headers: { authorization: `Bearer ${sims.credentials.zendeskApiToken}` } });
        body = (await next.body.json()) as typeof body;
      }
    }

    const rows = PHASES.map(([p]) => {
      const xs = lat.get(p)!;
      return {
        phase: p,
        requests: xs.length,
        errors: errors.get(p)!,
        p50: pct(xs, 50),
        p95: pct(xs, 95),
        p99: pct(xs, 99),
        max: xs.length ? Math.max(...xs) : NaN,
      };
    });
    const r0 = (x: number) => Math.round(x);
    console.log('| phase | requests | errors | p50 ms | p95 ms | p99 ms | max ms |');
    console.log('|---|---|---|---|---|---|---|');
    for (const r of rows)
      console.log(`| ${r.phase} | ${r.requests} | ${r.errors} | ${r0(r.p50)} | ${r0(r.p95)} | ${r0(r.p99)} | ${r0(r.max)} |`);
    console.log(
      `\nwrites (openTicket): sent ${writes.sent}, reported done ${writes.reportedDone}, reported failed ${writes.reportedFailed} ${JSON.stringify(writes.failedBy)}, tickets at the Zendesk simulator ${atVendor}${atVendor === writes.reportedDone ? ' (match)' : ' (MISMATCH)'}`,
    );
    console.log(JSON.stringify({ mode: 'redis-faults', connections: o.connections, rows, writes: { ...writes, atVendor } }));
    if (atVendor !== writes.reportedDone) process.exitCode = 1;
  } finally {
    gateway?.kill('SIGKILL');
    redis.resume();
    await redis.stop();
    await sims.close();
    await dispatcher.close();
  }
}
