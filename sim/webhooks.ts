/**
 * Webhooks as the vendors send them, for the simulators: when a simulator's data changes it
 * hands the change here, and this sends a signed delivery to the configured URL, with each
 * vendor's payload shape, headers and retry behaviour.
 *
 * - Stripe: one event per POST, `Stripe-Signature: t=<unix s>,v1=<hex HMAC-SHA256 of "t.body">`,
 *   re-signed on every attempt; failed deliveries retried with backoff for up to 3 days.
 * - HubSpot: a JSON array of up to 100 events per POST (changes close together are batched),
 *   `X-HubSpot-Signature-v3` (base64 HMAC-SHA256 of method + URI + body + timestamp) with
 *   `X-HubSpot-Request-Timestamp` (ms); up to 10 retries over about a day.
 * - Zendesk: one event per POST (`zen:event-type:...`), `X-Zendesk-Webhook-Signature` (base64
 *   HMAC-SHA256 of timestamp + body) with `X-Zendesk-Webhook-Signature-Timestamp`; a few retries.
 *
 * `timeScale` compresses the vendors' retry schedules (1 = real time; 0.001 = a minute becomes
 * 60 ms) so tests and demos do not wait hours.
 */
import { createHash, createHmac, randomBytes, randomUUID } from 'node:crypto';

export type WebhookSystem = 'stripe' | 'hubspot' | 'zendesk';

export interface WebhookTargets {
  stripe?: { url: string; secret: string };
  hubspot?: { url: string; clientSecret: string; appId?: number; portalId?: number };
  zendesk?: { url: string; secret: string; accountId?: number };
}

/** Seconds after the first attempt's failure; the vendors' documented schedules, approximately. */
export const RETRY_SCHEDULES: Record<WebhookSystem, number[]> = {
  // Stripe: exponential backoff for up to three days in live mode.
  stripe: [60, 300, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 24 * 3600, 24 * 3600],
  // HubSpot: up to 10 retries spread over the next 24 hours.
  hubspot: [60, 120, 300, 600, 1800, 3600, 7200, 14400, 28800, 28800],
  // Zendesk: a few quick retries.
  zendesk: [5, 30, 120],
};

export interface Delivery {
  system: WebhookSystem;
  /** Event ids carried (HubSpot: several). */
  eventIds: string[];
  attempts: number;
  state: 'pending' | 'delivered' | 'failed';
  lastStatus: number | string | null;
}

export interface WebhookSenderOptions {
  /** Factor on the vendors' retry delays. @default 0.001 */
  timeScale?: number;
  /** How long HubSpot collects changes into one batch, ms. @default 20 */
  batchWindowMs?: number;
  /** Deadline of one delivery attempt, ms (Stripe allows about 10 s, HubSpot 5 s). @default 10000 */
  timeoutMs?: number;
}

export interface WebhookSender {
  configure(targets: WebhookTargets): void;
  readonly targets: Readonly<WebhookTargets>;
  /** A Stripe event about `object` (a full API object), e.g. `invoice.paid`. Returns its event id. */
  stripe(type: string, object: { id: string; object: string }, previous?: Record<string, unknown>): string | undefined;
  /** A HubSpot change, batched with others sent within the batch window. Returns its event id. */
  hubspot(e: { subscriptionType: string; objectId: number | string; propertyName?: string; propertyValue?: string; changeSource?: string }): string | undefined;
  /** A Zendesk event: type without the `zen:event-type:` prefix (e.g. `ticket.status_changed`), subject like `zen:ticket:12`. */
  zendesk(type: string, subject: string, detail: Record<string, unknown>, event?: Record<string, unknown>): string | undefined;
  deliveries(): Delivery[];
  /** Resolves when nothing is pending (no batch open, no retry scheduled, no request in flight). */
  idle(): Promise<void>;
  close(): void;
}

export function createWebhookSender(o: WebhookSenderOptions = {}): WebhookSender {
  const scale = o.timeScale ?? 0.001;
  const timeoutMs = o.timeoutMs ?? 10_000;
  let targets: WebhookTargets = {};
  let closed = false;
  const deliveries: Delivery[] = [];
  const timers = new Set<NodeJS.Timeout>();
  let inflight = 0;
  let waiters: (() => void)[] = [];
  let hubspotBatch: Record<string, unknown>[] = [];
  let hubspotTimer: NodeJS.Timeout | undefined;
  let hubspotEventId = Math.floor(Date.now() / 1000) * 1000;

  const busy = () => inflight > 0 || timers.size > 0 || hubspotBatch.length > 0;
  const settle = () => {
    if (busy()) return;
    const w = waiters;
    waiters = [];
    for (const fn of w) fn();
  };
  const later = (ms: number, fn: () => void) => {
    const t = setTimeout(() => {
      timers.delete(t);
      fn();
      settle();
    }, ms);
    t.unref();
    timers.add(t);
  };

  /** Sends one delivery, building (and signing) the request afresh on each attempt. */
  function deliver(d: Delivery, build: (attempt: number) => { url: string; headers: Record<string, string>; body: string }) {
    if (closed) return;
    inflight++;
    const req = build(d.attempts);
    d.attempts++;
    fetch(req.url, { method: 'POST', headers: req.headers, body: req.body, signal: AbortSignal.timeout(timeoutMs) })
      .then(async (res) => {
        await res.arrayBuffer().catch(() => undefined);
        return res.status;
      })
      .catch((err: Error) => err.name)
      .then((status) => {
        inflight--;
        d.lastStatus = status;
        if (typeof status === 'number' && status >= 200 && status < 300) d.state = 'delivered';
        else {
          const delayS = RETRY_SCHEDULES[d.system][d.attempts - 1];
          if (delayS === undefined || closed) d.state = 'failed';
          else later(delayS * 1000 * scale, () => deliver(d, build));
        }
        settle();
      });
  }

  const json = { 'content-type': 'application/json; charset=utf-8' };

  function flushHubSpot() {
    hubspotTimer = undefined;
    const t = targets.hubspot;
    const batch = hubspotBatch;
    hubspotBatch = [];
    if (!t || !batch.length) return settle();
    for (let i = 0; i < batch.length; i += 100) {
      const part = batch.slice(i, i + 100);
      const d: Delivery = { system: 'hubspot', eventIds: part.map((e) => String(e.eventId)), attempts: 0, state: 'pending', lastStatus: null };
      deliveries.push(d);
      deliver(d, (attempt) => {
        const body = JSON.stringify(part.map((e) => ({ ...e, attemptNumber: attempt })));
        const timestamp = String(Date.now());
        const v3 = createHmac('sha256', t.clientSecret).update(`POST${t.url}${body}${timestamp}`).digest('base64');
        const v1 = createHash('sha256').update(`${t.clientSecret}${body}`).digest('hex');
        return {
          url: t.url,
          body,
          headers: { ...json, 'user-agent': 'HubSpot Connect 2.0 (http://dev.hubspot.com/)', 'x-hubspot-signature-v3': v3, 'x-hubspot-request-timestamp': timestamp, 'x-hubspot-signature': v1, 'x-hubspot-signature-version': 'v1' },
        };
      });
    }
  }

  return {
    configure(next) {
      targets = { ...next };
    },
    get targets() {
      return targets;
    },
    stripe(type, object, previous) {
      const t = targets.stripe;
      if (!t || closed) return undefined;
      const id = `evt_${randomBytes(12).toString('hex')}`;
      const created = Math.floor(Date.now() / 1000);
      const body = JSON.stringify({
        id,
        object: 'event',
        api_version: '2026-10-28.endive',
        created,
        data: { object, ...(previous ? { previous_attributes: previous } : {}) },
        livemode: false,
        pending_webhooks: 1,
        request: { id: `req_${randomBytes(7).toString('hex')}`, idempotency_key: null },
        type,
      });
      const d: Delivery = { system: 'stripe', eventIds: [id], attempts: 0, state: 'pending', lastStatus: null };
      deliveries.push(d);
      deliver(d, () => {
        const ts = Math.floor(Date.now() / 1000);
        const v1 = createHmac('sha256', t.secret).update(`${ts}.${body}`).digest('hex');
        return { url: t.url, body, headers: { ...json, 'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)', 'stripe-signature': `t=${ts},v1=${v1}` } };
      });
      return id;
    },
    hubspot(e) {
      const t = targets.hubspot;
      if (!t || closed) return undefined;
      const eventId = ++hubspotEventId;
      hubspotBatch.push({
        eventId,
        subscriptionId: 1,
        portalId: t.portalId ?? 62515,
        appId: t.appId ?? 54321,
        occurredAt: Date.now(),
        subscriptionType: e.subscriptionType,
        attemptNumber: 0,
        objectId: Number(e.objectId),
        ...(e.propertyName ? { propertyName: e.propertyName, propertyValue: e.propertyValue ?? '' } : {}),
        changeSource: e.changeSource ?? 'CRM',
      });
      hubspotTimer ??= setTimeout(flushHubSpot, o.batchWindowMs ?? 20);
      return String(eventId);
    },
    zendesk(type, subject, detail, event = {}) {
      const t = targets.zendesk;
      if (!t || closed) return undefined;
      const id = randomUUID();
      const body = JSON.stringify({
        account_id: t.accountId ?? 10000001,
        detail,
        event,
        id,
        subject,
        time: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
        type: `zen:event-type:${type}`,
        zendesk_event_version: '2022-11-06',
      });
      const d: Delivery = { system: 'zendesk', eventIds: [id], attempts: 0, state: 'pending', lastStatus: null };
      deliveries.push(d);
      deliver(d, () => {
        const ts = new Date().toISOString().replace(/\.\d+Z$/, 'Z');
        const sig = createHmac('sha256', t.secret).update(`${ts}${body}`).digest('base64');
        return {
          url: t.url,
          body,
          headers: { ...json, 'user-agent': 'Zendesk Webhook', 'x-zendesk-webhook-signature': sig, 'x-zendesk-webhook-signature-timestamp': ts, 'x-zendesk-webhook-id': '01GZENDESKSIMWEBHOOK00000', 'x-zendesk-account-id': String(t.accountId ?? 10000001) },
        };
      });
      return id;
    },
    deliveries: () => deliveries.map((d) => ({ ...d, eventIds: [...d.eventIds] })),
    idle() {
      return new Promise((resolve) => {
        waiters.push(resolve);
        settle();
      });
    },
    close() {
      closed = true;
      if (hubspotTimer) clearTimeout(hubspotTimer);
      hubspotBatch = [];
      for (const t of timers) clearTimeout(t);
      timers.clear();
      settle();
    },
  };
}
