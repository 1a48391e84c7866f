/**
 * npm run bench -- --notifications [--events 10000 --connections 64]
 *
 * Fan-out and delivery of partner webhooks and customer email, on this machine, in one process: a
 * local redis-server, the simulators (the CRM the email step reads), the SMTP simulator, and one
 * loopback receiver serving 20 partner endpoints: 15 fast, 3 slow (200 ms), 1 failing (every
 * message's first attempt answers 500, the retry 200) and 1 dead (always 503). The retry schedule
 * is compressed (WEBHOOK_TIME_SCALE=0.0001: Svix's ~27 h in ~9.7 s), so the dead endpoint's
 * deliveries exhaust their 8 attempts and are dead-lettered within the run.
 *
 * `events` domain events (`crm.contact.updated`, random seeded customers) are published as the
 * webhook workers publish them; every tenth also sends the customer an email through the
 * notification port. Counted at the receivers, not from logs: lost = (live endpoint, event) pairs
 * never answered 2xx; duplicated = pairs answered 2xx more than once; emails per key at the SMTP
 * simulator. Latency = receipt at the endpoint - publish. Prints a table and one JSON line.
 */
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
    ...Array.from({ length: 15 }, (_, i) => ({ path: `/fast-${i}`, kind: 'fast' as const })),
    ...Array.from({ length: 3 }, (_, i) => ({ path: `/slow-${i}`, kind: 'slow' as const })),
    { path: '/failing', kind: 'failing' as const },
    { path: '/dead', kind: 'dead' as const },
  ];
  const kindOf = new Map(kinds.map((k) => [k.path, k.kind]));
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
      const kind = kindOf.get(path);
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
      if (kind === 'failing') return answer(seen.length === 1 ? 500 : 200);
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
    WEBHOOK_DISABLE_AFTER_H: '720',
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
  // The failing endpoint: the wait between each message's first (500) and second attempt, against the schedule's first step.
  const gaps = [...published.keys()].flatMap((id) => {
    const a = attemptsAt.get(`/failing ${id}`);
    return a && a.length >= 2 ? [a[1] - a[0]] : [];
  });
  const deadAttempts = [...published.keys()].map((id) => attemptsAt.get(`/dead ${id}`)?.length ?? 0);
  const mails = smtp.outbox().length;
  const result = {
    events: o.events,
    endpoints: kinds.length,
    concurrency: o.concurrency,
    publishSeconds: Number(publishedS.toFixed(2)),
    deliveredToLiveEndpoints: delivered,
    deliveriesPerSecond: Math.round(delivered / deliverS),
    latencyP50Ms: Math.round(pct(latencies, 50)),
    latencyP99Ms: Math.round(pct(latencies, 99)),
    lost,
    duplicated,
    failingRetryGapMinMs: Number(Math.min(...gaps).toFixed(2)),
    failingRetryScheduledMs: RETRY_SCHEDULE_MS[0] * SCALE,
    failingRetried: gaps.length,
    deadAttemptsPerEvent: [Math.min(...deadAttempts), Math.max(...deadAttempts)],
    deadLettered: counts.dead,
    emailsAsked: emailed.length,
    emailsAtSmtp: mails,
  };
  console.log(`
Partner webhooks: ${o.events} events x ${kinds.length} endpoints (15 fast, 3 slow 200 ms, 1 failing once, 1 dead), WEBHOOK_CONCURRENCY=${o.concurrency}
  delivered to live endpoints  ${delivered} in ${deliverS.toFixed(1)} s: ${result.deliveriesPerSecond}/s
  latency publish -> endpoint  p50 ${result.latencyP50Ms} ms, p99 ${result.latencyP99Ms} ms
  lost / duplicated            ${lost} / ${duplicated}
  failing endpoint             ${gaps.length} retried; first retry after >= ${result.failingRetryGapMinMs} ms (schedule: ${result.failingRetryScheduledMs} ms)
  dead endpoint                ${result.deadAttemptsPerEvent.join('-')} attempts per event, ${counts.dead} dead-lettered
  email                        ${emailed.length} asked, ${mails} at the SMTP simulator`);
  console.log(JSON.stringify(result));
  await n.close();
  await upstreams.close();
  redis.disconnect();
  await new Promise((r) => receiver.close(r));
  await smtp.close();
  await sims.close();
  await redisServer.stop();
}
