/**
 * Partner webhooks per Standard Webhooks (standardwebhooks.com): each partner registers endpoints
 * with its own token and receives the Portico event types (catalogue.ts) its scopes allow, for the
 * customers its allow-list holds.
 *
 *   domain event -> publish: one queue job per (endpoint, event), job id = that pair, so a
 *                   redelivered event or a retried webhook job adds nothing
 *   worker       -> POST the thin payload, signed (`webhook-id`, `webhook-timestamp`,
 *                   `webhook-signature: v1,<base64 HMAC-SHA256>`, one signature per live secret
 *                   during a rotation), with a deadline; no redirects; SSRF-checked at connect time
 *                   in production; 2xx = delivered, anything else is retried on Svix's schedule
 *                   (5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h: 8 attempts over about 27 h), then
 *                   dead-lettered (replay per endpoint); every attempt is in the endpoint's log
 *   failing      -> an endpoint whose deliveries all failed for WEBHOOK_DISABLE_AFTER_H is disabled,
 *                   with an admin notice (error log line + audit entry)
 *
 * Endpoints, secrets and logs live in Redis (`<prefix>:notify:wh:*`), the signing secrets encrypted
 * (AES-256-GCM with NOTIFY_SECRET_KEY, secrets.ts); without Redis the feature is off.
 */
import { createHash, randomBytes } from 'node:crypto';
import { isIP } from 'node:net';
import type { Redis } from 'ioredis';
import { Webhook } from 'standardwebhooks';
import { Agent, request } from 'undici';
import type { AuditLog } from '../audit/index.js';
import type { PartnerRecord, PartnerStore } from '../auth/partners.js';
import type { Config } from '../config/index.js';
import type { Logger } from '../platform/logger.js';
import { createDurableQueue, type DurableQueue } from '../platform/queue.js';
import { mgetKeys } from '../platform/redis.js';
import type { DomainEvent } from '../ports/events.js';
import { eventTypeInfo, messageOf, payloadOf, TEST_EVENT_TYPE, type OutboundMessage } from './catalogue.js';
import { createNotificationMeter, type NotificationMeter } from './metrics.js';
import { createSecretBox, SecretKeyError } from './secrets.js';
import { guardedLookup, isPrivateAddress, UnsafeUrlError } from './ssrf.js';

/** Svix's retry schedule: the wait after each failed attempt, ms (8 attempts in all). */
export const RETRY_SCHEDULE_MS = [5_000, 300_000, 1_800_000, 7_200_000, 18_000_000, 36_000_000, 36_000_000] as const;

export type EndpointStatus = 'ENABLED' | 'DISABLED';
export type DisabledReason = 'PARTNER' | 'ADMIN' | 'FAILING';

export interface EndpointSecret {
  secret: string;
  createdAt: string;
  /** Set on the previous secret at a rotation: it signs until then. */
  expiresAt?: string;
}

export interface EndpointRecord {
  id: string;
  partnerId: string;
  url: string;
  eventTypes: string[];
  status: EndpointStatus;
  disabledReason?: DisabledReason;
  createdAt: string;
  /** Newest first. */
  secrets: EndpointSecret[];
}

/** One delivery attempt, as the endpoint's log keeps it. */
export interface DeliveryAttempt {
  at: string;
  /** The `webhook-id` sent. */
  messageId: string;
  eventId: string;
  type: string;
  attempt: number;
  /** The HTTP status the endpoint answered; null when it did not (timeout, refused, unsafe address). */
  status: number | null;
  delivered: boolean;
  error: string | null;
  ms: number;
}

/** Who asks: a partner (its own endpoints only) or an admin (all). */
export type Owner = { kind: 'partner'; partnerId: string; partner: Pick<PartnerRecord, 'scopes' | 'customerIds'> } | { kind: 'admin' };

export class EndpointNotFoundError extends Error {}
export class EndpointInputError extends Error {}

export interface PartnerWebhooks {
  readonly available: boolean;
  readonly queue: DurableQueue | undefined;
  create(
    owner: Owner,
    input: { url: string; eventTypes: readonly string[] },
    checkUrl: (url: string) => Promise<URL>,
  ): Promise<{ endpoint: EndpointRecord; secret: string }>;
  list(owner: Owner): Promise<EndpointRecord[]>;
  setStatus(owner: Owner, id: string, status: EndpointStatus): Promise<EndpointRecord>;
  /** A new secret, returned once; the previous one keeps signing for the overlap window. */
  rotate(owner: Owner, id: string): Promise<{ endpoint: EndpointRecord; secret: string }>;
  /** Queues a `portico.webhook.test` event to the endpoint; returns its `webhook-id`. */
  sendTest(owner: Owner, id: string): Promise<string>;
  deliveries(owner: Owner, id: string, limit: number): Promise<DeliveryAttempt[]>;
  /** Dead-lettered deliveries of the endpoint. */
  dead(owner: Owner, id: string): Promise<{ jobId: string; eventId: string; type: string; attempts: number; lastError: string }[]>;
  /** Replays the endpoint's dead-lettered deliveries; returns how many. */
  replay(owner: Owner, id: string): Promise<number>;
  /** Fans a domain event out to every endpoint that may receive it; resolves once Redis holds the jobs. Returns how many are new. */
  publish(event: DomainEvent): Promise<number>;
  startWorker(): void;
  close(): Promise<void>;
}

export interface PartnerWebhooksOptions {
  config: Readonly<Config>;
  logger: Logger;
  redis?: Redis;
  partners: PartnerStore;
  audit: AuditLog;
  /** Counts attempts, outcomes and disablings (metrics). */
  meter?: NotificationMeter;
}

interface DeliveryJob {
  endpointId: string;
  message: OutboundMessage;
}

const newSecret = () => `whsec_${randomBytes(24).toString('base64')}`;
/** The `webhook-id`: stable per event (the same on every retry and for every endpoint), as Standard Webhooks asks. */
export const messageIdOf = (eventId: string) => `msg_${createHash('sha256').update(eventId).digest('base64url').slice(0, 27)}`;

const LOG_LENGTH = 100;

/** May this partner receive this message (its scopes now, its allow-list now, its token live)? */
export function mayReceive(p: PartnerRecord | undefined, m: Pick<OutboundMessage, 'type' | 'customerId'>, now = Date.now()): boolean {
  if (!p || p.revokedAt || Date.parse(p.expiresAt) <= now) return false;
  if (m.type === TEST_EVENT_TYPE) return true;
  const info = eventTypeInfo(m.type);
  if (!info || !info.scopes.every((s) => p.scopes.includes(s))) return false;
  return !p.customerIds || (m.customerId !== null && p.customerIds.includes(m.customerId));
}

export function createPartnerWebhooks(o: PartnerWebhooksOptions): PartnerWebhooks {
  const { config, logger, redis } = o;
  const meter = o.meter ?? createNotificationMeter(undefined);
  const w = config.notifications.webhooks;
  const url = config.redis.url;
  const unavailable = () => {
    throw new EndpointInputError('Partner webhooks need Redis (set REDIS_URL).');
  };
  if (!redis || !url)
    return {
      available: false,
      queue: undefined,
      create: unavailable,
      list: async () => [],
      setStatus: unavailable,
      rotate: unavailable,
      sendTest: unavailable,
      deliveries: async () => [],
      dead: async () => [],
      replay: async () => 0,
      publish: async () => 0,
      startWorker: () => undefined,
      close: async () => undefined,
    };

  const p = `${config.keyPrefix}:notify:wh`;
  const K = {
    endpoint: (id: string) => `${p}:ep:${id}`,
    all: `${p}:eps`,
    log: (id: string) => `${p}:log:${id}`,
    failing: (id: string) => `${p}:failing:${id}`,
    /** Held while a partner's endpoint is created or enabled, so the count of enabled endpoints is checked and changed as one. */
    changing: (partnerId: string) => `${p}:changing:${partnerId}`,
  };
  // Signing secrets are sealed in Redis (secrets.ts); a record read back holds them open. A secret
  // stored in plaintext before sealing existed still reads, and is sealed at the record's next write.
  const box = createSecretBox({ key: w.secretKey, oldKeys: w.oldSecretKeys });
  const fromStored = (raw: string): EndpointRecord => {
    const r = JSON.parse(raw) as EndpointRecord;
    return { ...r, secrets: r.secrets.map((x) => ({ ...x, secret: box.isSealed(x.secret) ? box.open(x.secret, r.id) : x.secret })) };
  };
  const toStored = (r: EndpointRecord) =>
    JSON.stringify({ ...r, secrets: r.secrets.map((x) => ({ ...x, secret: box.seal(x.secret, r.id) })) });
  /** The endpoint with its secrets open (to sign or to write it back), or without them (`open: false`: reads that show it). */
  const get = async (id: string, opts: { open?: boolean } = {}) => {
    const raw = await redis.get(K.endpoint(id));
    if (!raw) return undefined;
    return opts.open === false ? { ...(JSON.parse(raw) as EndpointRecord), secrets: [] } : fromStored(raw);
  };
  const put = (r: EndpointRecord) => {
    endpointsCache = undefined;
    return redis.set(K.endpoint(r.id), toStored(r));
  };
  const all = async (): Promise<EndpointRecord[]> => {
    const ids = await redis.smembers(K.all);
    if (!ids.length) return [];
    const raws = await mgetKeys(redis, ids.map(K.endpoint));
    // Listing and fan-out need no secret: they are opened only where a delivery signs (get).
    return raws.flatMap((r) => (r ? [{ ...(JSON.parse(r) as EndpointRecord), secrets: [] }] : []));
  };
  /** The endpoint, if this owner may see it (the same answer whether it is another's or does not exist). */
  const owned = async (owner: Owner, id: string, opts: { open?: boolean } = {}) => {
    const r = /^we_[A-Za-z0-9_-]{1,64}$/.test(id) ? await get(id, opts) : undefined;
    if (!r || (owner.kind === 'partner' && r.partnerId !== owner.partnerId))
      throw new EndpointNotFoundError(`No webhook endpoint "${id}".`);
    return r;
  };
  // Partner records and the endpoint list, read at most once a second per process on the hot path
  // (every event's fan-out, every attempt): a revocation, a narrowed scope or a new endpoint
  // applies within a second. Changes made here drop the cache at once.
  const CACHE_MS = 1000;
  const partnerCache = new Map<string, { at: number; value: Promise<PartnerRecord | undefined> }>();
  const partnerOf = (id: string) => {
    const hit = partnerCache.get(id);
    if (hit && Date.now() - hit.at < CACHE_MS) return hit.value;
    const value = o.partners.get(id);
    partnerCache.set(id, { at: Date.now(), value });
    value.catch(() => partnerCache.delete(id));
    return value;
  };
  let endpointsCache: { at: number; value: Promise<EndpointRecord[]> } | undefined;
  const allCached = () => {
    if (endpointsCache && Date.now() - endpointsCache.at < CACHE_MS) return endpointsCache.value;
    const value = all();
    endpointsCache = { at: Date.now(), value };
    value.catch(() => (endpointsCache = undefined));
    return value;
  };
  const liveSecrets = (r: EndpointRecord, now: number) => r.secrets.filter((s) => !s.expiresAt || Date.parse(s.expiresAt) > now);

  const checkTypes = (owner: Owner, types: readonly string[]) => {
    if (!types.length || types.length > 50)
      throw new EndpointInputError('eventTypes lists 1 to 50 event types, e.g. ["billing.invoice.paid"].');
    for (const t of types) {
      const info = eventTypeInfo(t);
      if (!info) throw new EndpointInputError(`Unknown event type "${t}"; webhookEventTypes lists them.`);
      if (owner.kind === 'partner' && !info.scopes.every((s) => owner.partner.scopes.includes(s)))
        throw new EndpointInputError(
          `Event type "${t}" needs the scope ${info.scopes.join(' and ')}, which this partner token does not have.`,
        );
    }
  };

  /**
   * Runs `fn` (which adds an enabled endpoint for the partner) only while the partner has fewer
   * than WEBHOOK_MAX_ENDPOINTS enabled, with the partner's changes one at a time across instances:
   * side-by-side creations cannot pass the bound together.
   */
  const withinLimit = async <T>(partnerId: string, fn: () => Promise<T>): Promise<T> => {
    const token = randomBytes(8).toString('hex');
    let held = false;
    for (let i = 0; i < 50 && !held; i++) {
      held = (await redis.set(K.changing(partnerId), token, 'PX', 10_000, 'NX')) === 'OK';
      if (!held) await new Promise((r) => setTimeout(r, 20 + Math.floor(Math.random() * 30)));
    }
    if (!held) throw new EndpointInputError("Another change of this partner's endpoints is under way; try again.");
    try {
      const enabled = (await all()).filter((e) => e.partnerId === partnerId && e.status === 'ENABLED').length;
      if (enabled >= w.maxEndpoints)
        throw new EndpointInputError(
          `This partner has ${enabled} enabled webhook endpoints, the most WEBHOOK_MAX_ENDPOINTS allows (${w.maxEndpoints}); disable one first (one endpoint can receive many event types).`,
        );
      return await fn();
    } finally {
      await redis
        .eval(
          "if redis.call('get', KEYS[1]) == ARGV[1] then return redis.call('del', KEYS[1]) end return 0",
          1,
          K.changing(partnerId),
          token,
        )
        .catch(() => undefined);
    }
  };

  /** An endpoint's status set (the limit already checked when it is enabled). */
  const changeStatus = async (owner: Owner, id: string, status: EndpointStatus): Promise<EndpointRecord> => {
    const r = await owned(owner, id);
    const next: EndpointRecord = {
      ...r,
      status,
      disabledReason: status === 'DISABLED' ? (owner.kind === 'admin' ? 'ADMIN' : 'PARTNER') : undefined,
    };
    await put(next);
    if (next.disabledReason && r.status !== 'DISABLED') meter.endpointDisabled(next.disabledReason);
    if (status === 'ENABLED') await redis.del(K.failing(id));
    return next;
  };

  // Production: the address a delivery connects to is checked (guardedLookup), never a redirect.
  const dispatcher = new Agent({
    connect: { timeout: w.timeoutMs, ...(w.allowPrivateUrls ? {} : { lookup: guardedLookup }) },
    headersTimeout: w.timeoutMs,
    bodyTimeout: w.timeoutMs,
  });

  const record = async (endpointId: string, a: DeliveryAttempt) => {
    await redis
      .multi()
      .lpush(K.log(endpointId), JSON.stringify(a))
      .ltrim(K.log(endpointId), 0, LOG_LENGTH - 1)
      .exec();
  };

  /** After a failed attempt: the endpoint disabled once it has failed for the whole window. */
  const noteFailure = async (ep: EndpointRecord) => {
    const now = Date.now();
    await redis.set(K.failing(ep.id), String(now), 'NX');
    const since = Number(await redis.get(K.failing(ep.id)));
    if (!since || now - since < w.disableAfterMs * w.timeScale) return;
    // Attempts fail side by side (the retries of several events): the one whose DEL removes the
    // failing clock disables the endpoint, counts it and tells the admins; the others stop here.
    if ((await redis.del(K.failing(ep.id))) !== 1) return;
    const current = await get(ep.id);
    if (!current || current.status === 'DISABLED') return;
    await put({ ...current, status: 'DISABLED', disabledReason: 'FAILING' });
    meter.endpointDisabled('FAILING');
    // The admin notice: an error line (alerts watch them) and an audit entry admins list.
    logger.error(
      { endpoint: ep.id, partner: ep.partnerId, failingSinceMs: now - since },
      'partner webhook endpoint disabled: every delivery failed for WEBHOOK_DISABLE_AFTER_H; the partner (or an admin) re-enables it with enableWebhookEndpoint',
    );
    await o.audit
      .record(null, {
        action: 'webhookEndpoint.autoDisable',
        systems: ['portico'],
        fields: ['status'],
        outcome: 'ok',
        detail: { endpointId: ep.id, partnerId: ep.partnerId },
      })
      .catch(() => undefined);
  };

  const deliver = async (data: DeliveryJob, attempt: number): Promise<string> => {
    const skipped = (why: string) => {
      meter.delivery('webhook', 'skipped');
      return `skipped: ${why}`;
    };
    let ep: EndpointRecord | undefined;
    try {
      ep = await get(data.endpointId);
    } catch (err) {
      if (!(err instanceof SecretKeyError)) throw err;
      // Nothing is sent unsigned: the attempt fails (and is retried on the schedule) until the key is configured.
      logger.error({ endpoint: data.endpointId, reason: err.message }, 'partner webhook not sent: its signing secret does not decrypt');
      throw new Error('signing secret does not decrypt: check NOTIFY_SECRET_KEY and NOTIFY_SECRET_KEYS_OLD', { cause: err });
    }
    if (!ep) return skipped('endpoint deleted');
    if (ep.status !== 'ENABLED') return skipped('endpoint disabled');
    const { message } = data;
    // Scopes, allow-list and the token itself as they are now: a revoked partner gets nothing more.
    if (!mayReceive(await partnerOf(ep.partnerId), message)) return skipped('partner may no longer receive it');
    const now = new Date();
    const payload = payloadOf(message);
    const messageId = messageIdOf(message.eventId);
    const signature = liveSecrets(ep, now.getTime())
      .map((s) => new Webhook(s.secret).sign(messageId, now, payload))
      .join(' ');
    const started = Date.now();
    let status: number | null = null;
    let error: string | null = null;
    try {
      const target = new URL(ep.url);
      const host = target.hostname.replace(/^\[|\]$/g, '');
      // A literal address connects without a lookup: checked here.
      if (!w.allowPrivateUrls && (target.protocol !== 'https:' || (isIP(host) && isPrivateAddress(host))))
        throw new UnsafeUrlError('the endpoint URL is not a public https URL');
      const res = await request(target, {
        method: 'POST',
        dispatcher,
        headers: {
          'content-type': 'application/json',
          'user-agent': 'Portico-Webhooks/1',
          'webhook-id': messageId,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signature,
        },
        body: payload,
        signal: AbortSignal.timeout(w.timeoutMs),
      });
      status = res.statusCode;
      await res.body.dump({ limit: 64 * 1024 }).catch(() => undefined);
    } catch (err) {
      const e = err as Error & { code?: string; cause?: { code?: string; message?: string } };
      error = (e.name === 'TimeoutError' || e.name === 'AbortError' ? 'timeout' : (e.code ?? e.cause?.code ?? e.name ?? 'error')).slice(
        0,
        100,
      );
      if (err instanceof UnsafeUrlError || e.cause?.code === 'EPRIVATEADDR' || e.code === 'EPRIVATEADDR') error = 'unsafe address refused';
    }
    const delivered = status !== null && status >= 200 && status < 300;
    await record(ep.id, {
      at: now.toISOString(),
      messageId,
      eventId: message.eventId,
      type: message.type,
      attempt,
      status,
      delivered,
      error,
      ms: Date.now() - started,
    });
    meter.attempt('webhook', delivered ? 'ok' : 'failed', (Date.now() - started) / 1000);
    if (delivered) {
      meter.delivery('webhook', 'delivered');
      // "Failing for the whole window" means no delivery succeeded in it: one success restarts the clock.
      await redis.del(K.failing(ep.id));
      return `delivered: ${status}`;
    }
    await noteFailure(ep);
    // 3xx counts as a failure too (redirects are not followed: Standard Webhooks and Svix alike).
    throw new Error(status !== null ? `endpoint answered ${status}` : `endpoint not reached: ${error}`);
  };

  const queue = createDurableQueue({
    name: 'partner-webhooks',
    url,
    prefix: `${config.keyPrefix}:bull`,
    handlers: { deliver: (d: DeliveryJob, job: { attempt: number }) => deliver(d, job.attempt) },
    attempts: RETRY_SCHEDULE_MS.length + 1,
    backoffDelay: (attemptsMade) => Math.round((RETRY_SCHEDULE_MS[attemptsMade - 1] ?? RETRY_SCHEDULE_MS.at(-1)!) * w.timeScale),
    dedupeWindowS: config.events.dedupeWindowS,
    lockMs: Math.max(config.events.lockMs, w.timeoutMs * 2),
    concurrency: w.concurrency,
    logger,
    onOutcome: (_kind, outcome) => {
      if (outcome === 'dead') meter.delivery('webhook', 'dead_lettered');
    },
  });

  const enqueue = async (targets: readonly EndpointRecord[], m: OutboundMessage) => {
    const added = await queue.add(
      targets.map((ep) => ({
        kind: 'deliver',
        key: `${ep.id}:${m.eventId}`,
        data: { endpointId: ep.id, message: m } satisfies DeliveryJob,
      })),
    );
    return added.filter((a) => a.added).length;
  };

  const deadOf = async (id: string) => {
    const out: { jobId: string; eventId: string; type: string; attempts: number; lastError: string }[] = [];
    for (let offset = 0; ; offset += 100) {
      const page = await queue.dead(offset, 100);
      for (const j of page.jobs) {
        const d = j.data as DeliveryJob;
        if (d?.endpointId === id)
          out.push({ jobId: j.id, eventId: d.message.eventId, type: d.message.type, attempts: j.attempts, lastError: j.lastError });
      }
      if (offset + 100 >= page.total) return out;
    }
  };

  return {
    available: true,
    queue,
    async create(owner, input, checkUrl) {
      if (owner.kind !== 'partner') throw new EndpointInputError("An endpoint belongs to a partner: create it with the partner's token.");
      checkTypes(owner, input.eventTypes);
      const target = await checkUrl(input.url);
      return withinLimit(owner.partnerId, async () => {
        const secret = newSecret();
        const now = new Date().toISOString();
        const r: EndpointRecord = {
          id: `we_${randomBytes(12).toString('base64url')}`,
          partnerId: owner.partnerId,
          url: target.toString(),
          eventTypes: [...new Set(input.eventTypes)],
          status: 'ENABLED',
          createdAt: now,
          secrets: [{ secret, createdAt: now }],
        };
        await put(r);
        await redis.sadd(K.all, r.id);
        endpointsCache = undefined;
        return { endpoint: r, secret };
      });
    },
    async list(owner) {
      const eps = await all();
      return eps
        .filter((e) => owner.kind === 'admin' || e.partnerId === owner.partnerId)
        .sort((a, b) => a.createdAt.localeCompare(b.createdAt));
    },
    async setStatus(owner, id, status) {
      const found = await owned(owner, id, { open: false });
      if (status === 'ENABLED' && found.status !== 'ENABLED') return withinLimit(found.partnerId, () => changeStatus(owner, id, status));
      return changeStatus(owner, id, status);
    },
    async rotate(owner, id) {
      const r = await owned(owner, id);
      const now = Date.now();
      const secret = newSecret();
      const until = new Date(now + w.rotationOverlapMs * w.timeScale).toISOString();
      // The previous secret signs until the overlap ends; older ones are dropped.
      const previous = liveSecrets(r, now)[0];
      const next: EndpointRecord = {
        ...r,
        secrets: [
          { secret, createdAt: new Date(now).toISOString() },
          ...(previous ? [{ ...previous, expiresAt: previous.expiresAt ?? until }] : []),
        ],
      };
      await put(next);
      return { endpoint: next, secret };
    },
    async sendTest(owner, id) {
      const r = await owned(owner, id, { open: false });
      const eventId = `test:${randomBytes(12).toString('hex')}`;
      await enqueue([r], {
        eventId,
        type: TEST_EVENT_TYPE,
        timestamp: new Date().toISOString(),
        customerId: null,
        data: { endpointId: r.id },
      });
      return messageIdOf(eventId);
    },
    async deliveries(owner, id, limit) {
      await owned(owner, id, { open: false });
      return (await redis.lrange(K.log(id), 0, limit - 1)).map((x) => JSON.parse(x) as DeliveryAttempt);
    },
    async dead(owner, id) {
      await owned(owner, id, { open: false });
      return deadOf(id);
    },
    async replay(owner, id) {
      await owned(owner, id, { open: false });
      let n = 0;
      for (const d of await deadOf(id)) if ((await queue.replay(d.jobId)) === 'replayed') n++;
      return n;
    },
    async publish(event) {
      const m = messageOf(event);
      const targets = (await allCached()).filter((ep) => ep.status === 'ENABLED' && ep.eventTypes.includes(m.type));
      if (!targets.length) return 0;
      const partners = new Map(
        await Promise.all([...new Set(targets.map((t) => t.partnerId))].map(async (id) => [id, await partnerOf(id)] as const)),
      );
      const allowed = targets.filter((ep) => mayReceive(partners.get(ep.partnerId), m));
      return allowed.length ? enqueue(allowed, m) : 0;
    },
    startWorker() {
      queue.startWorker();
    },
    async close() {
      await queue.close();
      await dispatcher.close().catch(() => undefined);
    },
  };
}
