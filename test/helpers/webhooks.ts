/**
 * Vendor-signed webhook deliveries for tests, made the vendors' way: Stripe with the official
 * SDK's test-header helper; HubSpot v3 and Zendesk from their documented formulas (not through
 * Portico's verifier).
 */
import { createHmac, randomBytes, randomUUID } from 'node:crypto';
import Stripe from 'stripe';
import { Redis } from 'ioredis';

export const SECRETS = {
  stripe: [`whsec_${'n'.repeat(32)}`, `whsec_${'o'.repeat(32)}`],
  hubspot: 'hubspot-client-secret-for-tests-0001',
  zendesk: 'zendesk-signing-secret-for-tests-000001',
};

export const WEBHOOK_ENV = {
  STRIPE_WEBHOOK_SECRETS: SECRETS.stripe.join(','),
  HUBSPOT_CLIENT_SECRET: SECRETS.hubspot,
  ZENDESK_WEBHOOK_SECRET: SECRETS.zendesk,
};

export interface Posted {
  status: number;
  body: string;
}

export async function post(url: string, body: string | Buffer, headers: Record<string, string>): Promise<Posted> {
  const res = await fetch(url, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body });
  return { status: res.status, body: await res.text() };
}

export function stripeEvent(type: string, object: Record<string, unknown>, id = `evt_${randomBytes(10).toString('hex')}`) {
  return { id, object: 'event', api_version: '2026-10-28.endive', created: Math.floor(Date.now() / 1000), data: { object }, livemode: false, pending_webhooks: 1, request: { id: null, idempotency_key: null }, type };
}

export function stripeHeader(payload: string, secret = SECRETS.stripe[0]!, timestamp = Math.floor(Date.now() / 1000)): string {
  return Stripe.webhooks.generateTestHeaderString({ payload, secret, timestamp });
}

/** HubSpot v3: base64 HMAC-SHA256(client secret, method + URI + body + timestamp). */
export function hubspotHeaders(uri: string, body: string, secret = SECRETS.hubspot, timestamp = Date.now()): Record<string, string> {
  const sig = createHmac('sha256', secret).update(`POST${uri}${body}${timestamp}`).digest('base64');
  return { 'x-hubspot-signature-v3': sig, 'x-hubspot-request-timestamp': String(timestamp) };
}

let hubspotId = 9_000_000;
export function hubspotEvent(objectId: string, extra: Record<string, unknown> = {}) {
  return { eventId: ++hubspotId, subscriptionId: 1, portalId: 62515, appId: 54321, occurredAt: Date.now(), subscriptionType: 'contact.propertyChange', attemptNumber: 0, objectId: Number(objectId), propertyName: 'email', propertyValue: 'x@example.com', changeSource: 'CRM', ...extra };
}

/** Zendesk: base64 HMAC-SHA256(signing secret, timestamp + body). */
export function zendeskHeaders(body: string, secret = SECRETS.zendesk, at = new Date()): Record<string, string> {
  const ts = at.toISOString().replace(/\.\d+Z$/, 'Z');
  return { 'x-zendesk-webhook-signature': createHmac('sha256', secret).update(`${ts}${body}`).digest('base64'), 'x-zendesk-webhook-signature-timestamp': ts };
}

export function zendeskEvent(ticketId: number, requesterId: number, type = 'ticket.status_changed', id = randomUUID()) {
  return { account_id: 1, detail: { id: String(ticketId), requester_id: String(requesterId), status: 'SOLVED' }, event: {}, id, subject: `zen:ticket:${ticketId}`, time: new Date().toISOString(), type: `zen:event-type:${type}`, zendesk_event_version: '2022-11-06' };
}

/** Change events published for a vendor event id (the effect every applied event has exactly once). */
export async function changesFor(redis: Redis, prefix: string, eventId: string): Promise<Record<string, unknown>[]> {
  const entries = await redis.xrange(`${prefix}:changes`, '-', '+');
  return entries.filter(([, f]) => f[f.indexOf('event') + 1] === eventId).map(([, f]) => JSON.parse(f[f.indexOf('change') + 1]!) as Record<string, unknown>);
}

/** Polls `cond` until it holds (or fails after a generous deadline: the machine is shared). */
export async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    if (await cond()) return;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`timed out waiting for ${what}`);
}

export function redisClient(url: string): Redis {
  const r = new Redis(url, { maxRetriesPerRequest: 1 });
  r.on('error', () => undefined);
  return r;
}

export async function metric(url: string, name: string, labels: Record<string, string>): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  const l = Object.entries(labels).map(([k, v]) => `${k}="${v}"`).join(',');
  const line = text.split('\n').find((x) => x.startsWith(`${name}{${l}}`));
  return line ? Number(line.split(' ').at(-1)) : 0;
}
