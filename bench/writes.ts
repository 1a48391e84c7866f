/**
 * npm run bench -- --writes [--events 1000 --connections 10]
 *
 * Soak of the contact write path and its replicas, on this machine: a gateway process with no
 * workers, a worker process (`npm run worker`: webhook and replica queues), a local redis-server,
 * the simulators (webhooks on, so our writes echo back) and the clients in this process.
 *
 * `events` writes over the first 50 customers so writes to one contact race each other: three in
 * four are contact writes (name, email or phone) from customers (updateMyContact), agents and
 * admins (updateContact), one in four a customer opening a ticket (openTicket, not idempotent at
 * Zendesk). Every write carries an `Idempotency-Key`; 10% are sent again with the same key (a
 * client retry after a lost answer), an error is retried by the client with a new key; 10% of the
 * requests to HubSpot, Stripe and Zendesk fail (simulator fault knob); the worker is killed
 * (SIGKILL) after half the writes and a new one started. After the queues drain (faults still on)
 * and one reconciliation (faults off): the number of replica fields (Stripe and Zendesk name and
 * email, all 500 customers) that differ from HubSpot, which must be 0; tickets opened more than
 * once or not at all (by their subject), which must be 0; and writes whose success is not in the
 * audit log exactly once (by request id), which must be 0.
 * Prints a table and one JSON line. Documents and subscriptions are other write paths, not exercised here.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { Redis } from 'ioredis';
import { Agent, request } from 'undici';
import { createUpstreams } from '../src/app.js';
import { signDevToken } from '../src/auth/tokens.js';
import { loadConfig } from '../src/config/index.js';
import { DEV_HUBSPOT_CLIENT_SECRET } from '../src/vendors/hubspot/config.js';
import { DEV_STRIPE_WEBHOOK_SECRET } from '../src/vendors/stripe/config.js';
import { DEV_ZENDESK_WEBHOOK_SECRET } from '../src/vendors/zendesk/config.js';
import { desiredReplica, driftedFields } from '../src/ownership.js';
import { createLogger } from '../src/platform/logger.js';
import { createDurableQueue } from '../src/platform/queue.js';
import { freePort, startLocalRedis } from '../src/platform/redis-server.js';
import { reconcile } from '../src/replicas/index.js';
import { readReplicas } from '../src/replicas/sync.js';
import { startSimulators, vendorEnv } from '../sim/index.js';

const PREFIX = 'wrbench';
const HOT = 50;

function start(script: string, env: Record<string, string>, ready: RegExp): Promise<ChildProcess> {
  return new Promise((resolve, reject) => {
    const proc = spawn(process.execPath, ['--import', 'tsx', script], {
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

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 900_000) {
  const end = Date.now() + timeoutMs;
  while (Date.now() < end) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out: ${what}`);
}

export async function runWritesBench(o: { connections: number; writes: number }) {
  const redis = await startLocalRedis();
  const sims = await startSimulators();
  const r = new Redis(redis.url);
  const port = await freePort();
  const env: Record<string, string> = {
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
    EVENT_BACKOFF_MAX_MS: '2000',
    UPSTREAM_BREAKER_VOLUME: '100000',
    RECONCILE_SCHEDULE: 'off',
  };
  const config = loadConfig(env);
  const procs: ChildProcess[] = [];
  const dispatcher = new Agent({ connections: o.connections });
  const logger = createLogger({ level: 'silent' });
  const queues = ['replicas', 'webhooks-hubspot', 'webhooks-stripe', 'webhooks-zendesk'].map((name) =>
    createDurableQueue({ name, url: redis.url, prefix: `${PREFIX}:bull`, handlers: {} }),
  );
  try {
    const gateway = await start('src/main.ts', { ...env, EVENT_WORKERS: 'false' }, /Portico is listening/);
    procs.push(gateway);
    const base = `http://127.0.0.1:${port}`;
    sims.webhooks.configure({
      stripe: { url: `${base}/webhooks/stripe`, secret: DEV_STRIPE_WEBHOOK_SECRET },
      hubspot: { url: `${base}/webhooks/hubspot`, clientSecret: DEV_HUBSPOT_CLIENT_SECRET },
      zendesk: { url: `${base}/webhooks/zendesk`, secret: DEV_ZENDESK_WEBHOOK_SECRET },
    });
    const startWorker = async () => {
      const w = await start('src/worker.ts', env, /Event workers running/);
      procs.push(w);
      return w;
    };
    let worker = await startWorker();
    for (const s of ['hubspot', 'stripe', 'zendesk'] as const) sims.setFaults(s, { failureRate: 0.1 });

    const ids = sims.data.customers.slice(0, HOT).map((c) => c.crmId);
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(Math.random() * xs.length)];
    const tokens = {
      agent: signDevToken(config, { role: 'agent', sub: 'agent-soak' }),
      admin: signDevToken(config, { role: 'admin', sub: 'admin-soak' }),
    };
    const errorCodes = new Map<string, number>();
    const stats = { ok: 0, failedForGood: 0, clientRetries: 0, replayed: 0, errorRetries: 0 };
    /** Writes that succeeded: request-id stem -> what they were (the audit and ticket checks below). */
    const succeeded = new Map<string, { kind: 'contact' | 'ticket'; crmId: string; subject?: string }>();
    const send = async (token: string, query: string, variables: object, key: string, requestId: string) => {
      const res = await request(`${base}/graphql`, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          authorization: `Bearer ${token}`,
          'idempotency-key': key,
          'x-request-id': requestId,
        },
        body: JSON.stringify({ query, variables }),
        dispatcher,
      });
      const body = (await res.body.json()) as { errors?: { extensions?: { code?: string; retryAfter?: number } }[] };
      const e = body.errors?.[0]?.extensions;
      return { code: e?.code ?? null, retryAfterS: e?.retryAfter, replayed: res.headers['idempotent-replayed'] === 'true' };
    };
    let next = 0;
    let done = 0;
    let killedAt = -1;
    const t0 = performance.now();
    await Promise.all(
      Array.from({ length: o.connections }, async () => {
        for (let i = next++; i < o.writes; i = next++) {
          const id = pick(ids);
          const kind = pick(['name', 'email', 'phone', 'ticket'] as const);
          const input =
            kind === 'name'
              ? { firstName: pick(['Ada', 'Grace', 'Alan', 'Edsger', 'Barbara']), lastName: `Soak${i}` }
              : kind === 'email'
                ? { email: `soak.${id}.${i}@example.com` }
                : { phone: `+1 555 ${String(i).padStart(4, '0')}` };
          const who = kind === 'ticket' ? 'customer' : pick(['customer', 'agent', 'admin'] as const);
          const subject = `Soak ticket ${i}`;
          const [token, query, variables] =
            kind === 'ticket'
              ? [
                  signDevToken(config, { role: 'customer', sub: id }),
                  'mutation($input: OpenTicketInput!) { openTicket(input: $input) { id } }',
                  { input: { subject, body: `Opened by the write soak (${i}).` } },
                ]
              : who === 'customer'
                ? [
                    signDevToken(config, { role: 'customer', sub: id }),
                    'mutation($input: ContactInput!) { updateMyContact(input: $input) { id } }',
                    { input },
                  ]
                : [
                    tokens[who],
                    'mutation($id: ID!, $input: ContactInput!) { updateContact(id: $id, input: $input) { id } }',
                    { id, input },
                  ];
          let code: string | null = 'none';
          let key = '';
          let attempt = 0;
          for (; attempt < 10 && code !== null; attempt++) {
            if (attempt) stats.errorRetries++;
            // A failed answer is final for its key (stored like a success): a new try takes a new key.
            key = `soak-${i}-a${attempt}`;
            const answer = await send(token, query, variables, key, key);
            code = answer.code;
            // A client honours the retry hint of a rate limit (the vendor's budget is spent for now).
            if (code === 'RATE_LIMITED') await new Promise((r) => setTimeout(r, (answer.retryAfterS ?? 1) * 1000 * (1 + Math.random())));
            if (code)
              errorCodes.set(
                `${kind === 'ticket' ? 'ticket' : 'contact'} ${code}`,
                (errorCodes.get(`${kind === 'ticket' ? 'ticket' : 'contact'} ${code}`) ?? 0) + 1,
              );
          }
          if (code === null) {
            stats.ok++;
            succeeded.set(`soak-${i}-a${attempt - 1}`, { kind: kind === 'ticket' ? 'ticket' : 'contact', crmId: id, subject });
          } else stats.failedForGood++;
          if (code === null && Math.random() < 0.1) {
            // The client did not see the answer and sends the same write again, same key.
            stats.clientRetries++;
            if ((await send(token, query, variables, key, `${key}-again`)).replayed) stats.replayed++;
          }
          done++;
          if (done === Math.floor(o.writes / 2) && killedAt < 0) {
            killedAt = done;
            worker.kill('SIGKILL');
            worker = await startWorker();
          }
        }
      }),
    );
    const writeMs = performance.now() - t0;

    // Drain with the faults still on: retries and backoff do the work.
    await until('queues drained', async () => {
      await sims.webhooks.idle();
      for (const q of queues) {
        const c = await q.counts();
        if (c.waiting + c.active + c.delayed > 0) return false;
      }
      return true;
    });
    const drainedMs = performance.now() - t0;
    const counts = await queues[0].counts();
    for (const s of ['hubspot', 'stripe', 'zendesk'] as const) sims.setFaults(s, {});

    const upstreams = createUpstreams(config, logger);
    const report = await reconcile({ upstreams, redis: r, prefix: PREFIX, callsPerSecond: 100 });
    // The verdict, read straight from the three systems: replica fields differing from the owner.
    let differing = 0;
    let after: string | undefined;
    do {
      const page = await upstreams.crm.listContacts(100, after);
      after = page.nextCursor;
      const pageIds = page.contacts.map((c) => c.id);
      for (const system of ['billing', 'support'] as const) {
        const copies = await readReplicas(upstreams, system, pageIds);
        for (const c of page.contacts) {
          const copy = copies.get(c.id);
          if (copy) differing += driftedFields(desiredReplica(system, c), copy.fields).length;
        }
      }
    } while (after);
    await upstreams.close();

    // Tickets: each successful openTicket is exactly one Zendesk ticket (by its subject), read back as its customer.
    const ticketWrites = [...succeeded.values()].filter((w) => w.kind === 'ticket');
    let duplicateTickets = 0;
    let missingTickets = 0;
    for (const crmId of new Set(ticketWrites.map((w) => w.crmId))) {
      const res = await request(`${base}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${signDevToken(config, { role: 'customer', sub: crmId })}` },
        body: JSON.stringify({ query: '{ me { tickets(first: 100) { nodes { subject } } } }' }),
        dispatcher,
      });
      const body = (await res.body.json()) as { data?: { me?: { tickets?: { nodes: { subject: string }[] } } } };
      const subjects = (body.data?.me?.tickets?.nodes ?? []).map((n) => n.subject);
      for (const w of ticketWrites.filter((x) => x.crmId === crmId)) {
        const n = subjects.filter((x) => x === w.subject).length;
        if (n === 0) missingTickets++;
        if (n > 1) duplicateTickets += n - 1;
      }
    }
    // Audit: every successful write has exactly one `ok` entry, under the request id of the try that succeeded.
    const okEntries = new Map<string, number>();
    for (let from = '-'; ;) {
      const batch = await r.xrange(`${PREFIX}:{audit}`, from, '+', 'COUNT', 1000);
      for (const [id, fields] of batch) {
        const d = JSON.parse(fields[fields.indexOf('d') + 1] ?? '{}') as { requestId?: string; outcome?: string; action?: string };
        if (d.outcome === 'ok' && (d.action === 'contact.update' || d.action === 'ticket.open') && d.requestId?.startsWith('soak-'))
          okEntries.set(d.requestId, (okEntries.get(d.requestId) ?? 0) + 1);
        from = `(${id}`;
      }
      if (batch.length < 1000) break;
    }
    let auditMissing = 0;
    let auditExtra = 0;
    for (const stem of succeeded.keys()) if ((okEntries.get(stem) ?? 0) !== 1) auditMissing++;
    for (const [rid, n] of okEntries) if (!succeeded.has(rid) || n > 1) auditExtra += succeeded.has(rid) ? n - 1 : n;

    const drift = report.fields.reduce((n, f) => n + f.drift, 0);
    console.log(`
| writes | ok | failed for good | client retries (same key) / replayed | error retries | worker killed after | write phase s | drained s | replica jobs processed | dead | drift found by reconciliation | fields differing after | tickets duplicated / missing | audit entries missing / extra |
|---|---|---|---|---|---|---|---|---|---|---|---|---|---|
| ${o.writes} | ${stats.ok} | ${stats.failedForGood} | ${stats.clientRetries} / ${stats.replayed} | ${stats.errorRetries} | ${killedAt} writes | ${(writeMs / 1000).toFixed(1)} | ${(drainedMs / 1000).toFixed(1)} | ${counts.processed} | ${counts.dead} | ${drift} | ${differing} | ${duplicateTickets} / ${missingTickets} | ${auditMissing} / ${auditExtra} |
`);
    console.log(`Errors answered to the clients (before their retries): ${JSON.stringify(Object.fromEntries(errorCodes))}`);
    console.log(
      JSON.stringify({
        bench: 'writes',
        writes: o.writes,
        ok: stats.ok,
        failed_for_good: stats.failedForGood,
        client_retries: stats.clientRetries,
        client_retries_replayed: stats.replayed,
        tickets_opened: ticketWrites.length,
        tickets_duplicated: duplicateTickets,
        tickets_missing: missingTickets,
        audit_missing: auditMissing,
        audit_extra: auditExtra,
        error_retries: stats.errorRetries,
        worker_killed_after: killedAt,
        write_s: +(writeMs / 1000).toFixed(1),
        drained_s: +(drainedMs / 1000).toFixed(1),
        replica_jobs_processed: counts.processed,
        replica_jobs_dead: counts.dead,
        reconcile_drift: drift,
        reconcile_errors: report.errors,
        fields_differing_after: differing,
      }),
    );
    if (differing > 0 || duplicateTickets || missingTickets || auditMissing || auditExtra) process.exitCode = 1;
  } finally {
    for (const p of procs) if (p.exitCode === null && p.signalCode === null) p.kill('SIGTERM');
    for (const q of queues) await q.close();
    await dispatcher.close();
    r.disconnect();
    await sims.close();
    await redis.stop();
  }
}
