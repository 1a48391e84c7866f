/**
 * npm run bench -- --notifications [--events 10000 --connections 64]
 *
 * Fan-out and delivery of partner webhooks and customer email, on this machine, in one process: a
 * local redis-server, the simulators (the CRM the email step reads), the SMTP simulator, and one
 * loopback receiver serving 20 partner endpoints: 14 fast, 3 slow (200 ms), 2 failing a share of
 * requests (one fails the first attempt of one message in three with a 500; the other the first two
 * attempts of one message in four, a 500 then a 429) and 1 dead (always 503). The retry schedule and
 * the disabling window are compressed (WEBHOOK_TIME_SCALE=0.0001: Svix's ~27 h in ~9.7 s;
 * WEBHOOK_DISABLE_AFTER_H=30, 10.8 s, longer than one message's schedule), so the dead endpoint's first deliveries exhaust their 8 attempts
 * and are dead-lettered, then the endpoint is disabled (its remaining jobs end as skipped); the
 * failing endpoints, which succeed in between, must stay enabled. Each retry's wait is checked against
 * the schedule: never earlier than the schedule's step.
 *
 * `events` domain events (`crm.contact.updated`, random seeded customers) are published as the
 * webhook workers publish them; every tenth also sends the customer an email through the
 * notification port. Counted at the receivers, not from logs: lost = (live endpoint, event) pairs
 * never answered 2xx; duplicated = pairs answered 2xx more than once; emails per key at the SMTP
 * simulator. Latency = receipt at the endpoint - publish. Prints a table and one JSON line.
 */
import { createHash } from 'node:crypto';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Redis } from 'ioredis';
import { startSimulators, vendorEnv } from '../sim/index.js';
import { startSmtpSimulator } from '../sim/smtp/index.js';
import { createLogAuditLog } from '../src/audit/index.js';
import { createRedisPartnerStore } from '../src/auth/partners.js';
import { loadConfig } from '../src/config/index.js';
import { createNotifications } from '../src/notifications/index.js';
import { messageIdOf, RETRY_SCHEDULE_MS } from '../src/notifications/webhooks.js';
import { startLocalRedis } from '../src/platform/redis-server.js';
import { createLogger } from '../src/platform/logger.js';
import { createUpstreams } from '../src/upstreams.js';

const SCALE = 0.0001;
const PREFIX = 'notifybench';

const pct = (xs: number[], p: number) => {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

export async function runNotificationsBench(o: { events: number; concurrency: number }) {
  const redisServer = await startLocalRedis({ args: ['--save', '', '--appendonly', 'no'] });
  const sims = await startSimulators();
  const smtp = await startSmtpSimulator();
  const kinds = [
    ...Array.from({ length: 14 }, (_, i) => ({ path: `/fast-${i}`, kind: 'fast' as const })),
    ...Array.from({ length: 3 }, (_, i) => ({ path: `/slow-${i}`, kind: 'slow' as const })),
    { path: '/failing-0', kind: 'failing' as const, every: 3, failures: [500] },
    { path: '/failing-1', kind: 'failing' as const, every: 4, failures: [500, 429] },
    { path: '/dead', kind: 'dead' as const },
  ];
  const kindOf = new Map(kinds.map((k) => [k.path, k]));
  /** Which messages a failing endpoint fails: a stable share, by the message id's hash. */
  const share = (id: string, every: number) => createHash('sha256').update(id).digest().readUInt32BE(0) % every === 0;
  const published = new Map<string, number>();
  /** Per endpoint path: message id -> 2xx answers; and every attempt's time. */
  const ok = new Map<string, Map<string, number>>(kinds.map((k) => [k.path, new Map()]));
  const attemptsAt = new Map<string, number[]>();
  const latencies: number[] = [];
  let lastDelivery = 0;
  const receiver = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const path = req.url ?? '';
      const id = String(req.headers['webhook-id']);
      const now = performance.now();
      const seen = attemptsAt.get(`${path} ${id}`) ?? [];
      seen.push(now);
      attemptsAt.set(`${path} ${id}`, seen);
      const ep = kindOf.get(path);
      const kind = ep?.kind;
      const answer = (status: number) => {
        if (status < 300) {
          const m = ok.get(path)!;
          m.set(id, (m.get(id) ?? 0) + 1);
          const t0 = published.get(id);
          if (t0 !== undefined) latencies.push(now - t0);
          lastDelivery = now;
        }
        res.statusCode = status;
        res.end();
      };
      if (kind === 'dead') return answer(503);
      if (ep?.kind === 'failing' && share(id, ep.every) && seen.length <= ep.failures.length) return answer(ep.failures[seen.length - 1]);
      if (kind === 'slow') return void setTimeout(() => answer(200), 200);
      answer(200);
    });
  });
  receiver.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`;

  const config = loadConfig({
    ...vendorEnv(sims),
    NODE_ENV: 'test',
    LOG_LEVEL: 'silent',
    REDIS_URL: redisServer.url,
    REDIS_KEY_PREFIX: PREFIX,
    WEBHOOK_TIME_SCALE: String(SCALE),
    WEBHOOK_CONCURRENCY: String(o.concurrency),
    WEBHOOK_DISABLE_AFTER_H: '30',
    SMTP_URL: smtp.url,
  });
  const logger = createLogger({ level: 'silent' });
  const redis = new Redis(redisServer.url);
  const partners = createRedisPartnerStore(redis, PREFIX);
  const upstreams = createUpstreams(config, logger);
  const n = createNotifications({ config, logger, redis, partners, audit: createLogAuditLog(logger), crm: upstreams.crm });
  const expiresAt = new Date(Date.now() + 86_400_000).toISOString();
  for (const [i, k] of kinds.entries()) {
    const partnerId = `ptn_bench${i}`;
    await partners.put({
      id: partnerId,
      name: k.path,
      scopes: ['crm.contacts:read'],
      createdAt: new Date().toISOString(),
      expiresAt,
      tokenHash: 'x',
    });
    await n.webhooks.create(
      { kind: 'partner', partnerId, partner: { scopes: ['crm.contacts:read'] } },
      { url: `${base}${k.path}`, eventTypes: ['crm.contact.updated'] },
      async (u) => new URL(u),
    );
  }
  n.startWorker();

  const customers = sims.data.customers.filter((c) => c.email);
  const started = performance.now();
  const emailed: string[] = [];
  // Published in batches, as webhook workers would (each publish resolves once Redis holds the jobs).
  for (let i = 0; i < o.events; i += 50) {
    await Promise.all(
      Array.from({ length: Math.min(50, o.events - i) }, async (_, j) => {
        const eventId = `bench:${i + j}`;
        const c = customers[(i + j) % customers.length];
        published.set(messageIdOf(eventId), performance.now());
        await n.publish({ id: eventId, type: 'crm.contact.updated', at: new Date().toISOString(), data: { crmId: c.crmId } });
        if ((i + j) % 10 === 0) {
          emailed.push(eventId);
          await n.notifyCustomer({ key: eventId, crmId: c.crmId, template: 'welcome', data: {} });
        }
      }),
    );
  }
  const publishedS = (performance.now() - started) / 1000;
  const q = n.webhooks.queue!;
  for (;;) {
    const c = await q.counts();
    if (c.waiting + c.active + c.delayed === 0) break;
    await new Promise((r) => setTimeout(r, 200));
  }
  const counts = await q.counts();
  const live = kinds.filter((k) => k.kind !== 'dead');
  let lost = 0;
  let duplicated = 0;
  let delivered = 0;
  for (const k of live) {
    const m = ok.get(k.path)!;
    for (const id of published.keys()) {
      const c = m.get(id) ?? 0;
      if (c === 0) lost++;
      if (c > 1) duplicated++;
      delivered += c;
    }
  }
  const deliverS = (lastDelivery - started) / 1000;
  // The failing endpoints: every wait between two attempts of a message, against the schedule's step
  // (scaled); a retry earlier than its step is off schedule. BullMQ may start it later (queueing), not earlier.
  let retries = 0;
  let early = 0;
  let worstEarlyMs = 0;
  for (const k of kinds.filter((x) => x.kind === 'failing'))
    for (const id of published.keys()) {
      const a = attemptsAt.get(`${k.path} ${id}`) ?? [];
      for (let i = 1; i < a.length; i++) {
        retries++;
        const due = RETRY_SCHEDULE_MS[i - 1] * SCALE;
        // 1 ms of slack: the receiver's clock reads the request's end, the worker's timer its start.
        if (a[i] - a[i - 1] < due - 1) {
          early++;
          worstEarlyMs = Math.max(worstEarlyMs, due - (a[i] - a[i - 1]));
        }
      }
    }
  const failingExpected = kinds.reduce(
    (sum, k) => sum + (k.kind === 'failing' ? [...published.keys()].filter((id) => share(id, k.every)).length * k.failures.length : 0),
    0,
  );
  const deadAttempts = [...published.keys()].map((id) => attemptsAt.get(`/dead ${id}`)?.length ?? 0);
  const endpoints = await n.webhooks.list({ kind: 'admin' });
  const dead = endpoints.find((e) => e.url.endsWith('/dead'));
  const stillEnabled = endpoints.filter((e) => !e.url.endsWith('/dead') && e.status === 'ENABLED').length;
  // Email: one per asked key at the relay (the Message-ID is derived from the key).
  const perMessageId = new Map<string, number>();
  for (const m of smtp.outbox()) {
    const mid = /^Message-ID:\s*(\S+)/im.exec(m.raw)?.[1] ?? '';
    perMessageId.set(mid, (perMessageId.get(mid) ?? 0) + 1);
  }
  const mails = smtp.outbox().length;
  const emailsDuplicated = [...perMessageId.values()].filter((c) => c > 1).length;
  const emailsLost = emailed.length - perMessageId.size;
  const result = {
    events: o.events,
    endpoints: kinds.length,
    concurrency: o.concurrency,
    publish_s: Number(publishedS.toFixed(2)),
    deliveries: delivered,
    deliveries_per_s: Math.round(delivered / deliverS),
    p50_ms: Math.round(pct(latencies, 50)),
    p99_ms: Math.round(pct(latencies, 99)),
    lost,
    duplicated,
    failing_retries: retries,
    failing_retries_expected: failingExpected,
    failing_retries_early: early,
    failing_endpoints_enabled: stillEnabled === kinds.length - 1,
    dead_attempts_per_event: [Math.min(...deadAttempts), Math.max(...deadAttempts)],
    dead_lettered: counts.dead,
    dead_disabled: dead?.status === 'DISABLED' ? dead.disabledReason : false,
    emails_asked: emailed.length,
    emails_at_smtp: mails,
    emails_lost: emailsLost,
    emails_duplicated: emailsDuplicated,
  };
  const fine =
    lost === 0 &&
    duplicated === 0 &&
    early === 0 &&
    retries === failingExpected &&
    result.failing_endpoints_enabled &&
    dead?.status === 'DISABLED' &&
    emailsLost === 0 &&
    emailsDuplicated === 0;
  console.log(`
Partner webhooks: ${o.events} events x ${kinds.length} endpoints (14 fast, 3 slow 200 ms, 2 failing a share, 1 dead), WEBHOOK_CONCURRENCY=${o.concurrency}
  delivered to live endpoints  ${delivered} in ${deliverS.toFixed(1)} s: ${result.deliveries_per_s}/s
  latency publish -> endpoint  p50 ${result.p50_ms} ms, p99 ${result.p99_ms} ms
  lost / duplicated            ${lost} / ${duplicated} (counted at the receivers by webhook-id)
  failing endpoints            ${retries} retries (${failingExpected} expected), ${early} earlier than the schedule; ${result.failing_endpoints_enabled ? 'still enabled' : 'NOT all enabled'}
  dead endpoint                ${result.dead_attempts_per_event.join('-')} attempts per event, ${counts.dead} dead-lettered, ${dead?.status ?? '?'}${dead?.disabledReason ? ` (${dead.disabledReason})` : ''}
  email                        ${emailed.length} asked, ${mails} at the SMTP simulator, ${emailsLost} lost, ${emailsDuplicated} duplicated`);
  console.log(JSON.stringify(result));
  if (!fine) process.exitCode = 1;
  await n.close();
  await upstreams.close();
  redis.disconnect();
  await new Promise((r) => receiver.close(r));
  await smtp.close();
  await sims.close();
  await redisServer.stop();
}
