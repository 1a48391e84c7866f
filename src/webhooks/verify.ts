/**
 * Signature checks shared by the receivers: HMAC-SHA256 in base64, compared in constant time,
 * and timestamp windows. Every failure is the same `WebhookRejected`, whose reason is logged
 * (never answered: a caller learns only that the request was refused).
 */
import { createHmac, timingSafeEqual } from 'node:crypto';

export class WebhookRejected extends Error {
  constructor(readonly reason: string) {
    super(reason);
    this.name = 'WebhookRejected';
  }
}

export function hmacBase64(secret: string, ...parts: (string | Buffer)[]): string {
  const h = createHmac('sha256', secret);
  for (const p of parts) h.update(p);
  return h.digest('base64');
}

/** Constant-time comparison of two strings (different lengths are unequal without a timing hint on the content). */
export function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  if (x.length !== y.length) {
    timingSafeEqual(x, x); // same work either way
    return false;
  }
  return timingSafeEqual(x, y);
}

export function header(headers: Record<string, string | string[] | undefined>, name: string): string | undefined {
  const v = headers[name.toLowerCase()];
  return Array.isArray(v) ? v[0] : v;
}

/** Window of a signed timestamp: too old (a replay) or too far in the future (a forged clock) is refused. */
export function checkTimestamp(atMs: number, nowMs: number, toleranceMs: number): void {
  if (!Number.isFinite(atMs)) throw new WebhookRejected('timestamp is not a number');
  if (nowMs - atMs > toleranceMs) throw new WebhookRejected('timestamp too old');
  if (atMs - nowMs > toleranceMs) throw new WebhookRejected('timestamp in the future');
}

/**
 * HubSpot signature v3: base64 HMAC-SHA256, keyed with the app's client secret, of
 * method + URI + body + X-HubSpot-Request-Timestamp (ms); older than 5 minutes is refused. HubSpot
 * documents that the URI's percent-encoded characters in this list are decoded before signing.
 */
const HUBSPOT_DECODE: Record<string, string> = { '%3A': ':', '%2F': '/', '%3F': '?', '%40': '@', '%21': '!', '%24': '$', '%27': "'", '%28': '(', '%29': ')', '%2A': '*', '%2C': ',', '%3B': ';' };
export const HUBSPOT_TOLERANCE_MS = 5 * 60_000;

export function hubspotUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => HUBSPOT_DECODE[m.toUpperCase()] ?? m);
}

export function verifyHubSpotV3(o: { method: string; uri: string; body: Buffer; timestamp?: string; signature?: string; secret: string; nowMs: number }): void {
  if (!o.signature || !o.timestamp) throw new WebhookRejected('missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp');
  if (!/^\d{10,16}$/.test(o.timestamp)) throw new WebhookRejected('timestamp is not milliseconds');
  checkTimestamp(Number(o.timestamp), o.nowMs, HUBSPOT_TOLERANCE_MS);
  const expected = hmacBase64(o.secret, `${o.method}${hubspotUri(o.uri)}`, o.body, o.timestamp);
  if (!safeEqual(expected, o.signature)) throw new WebhookRejected('signature mismatch');
}

/**
 * Zendesk webhooks: X-Zendesk-Webhook-Signature = base64 HMAC-SHA256, keyed with the webhook's
 * signing secret, of X-Zendesk-Webhook-Signature-Timestamp (ISO 8601) + body.
 */
export const ZENDESK_TOLERANCE_MS = 5 * 60_000;

export function verifyZendesk(o: { body: Buffer; timestamp?: string; signature?: string; secret: string; nowMs: number }): void {
  if (!o.signature || !o.timestamp) throw new WebhookRejected('missing X-Zendesk-Webhook-Signature or its timestamp');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(o.timestamp)) throw new WebhookRejected('timestamp is not ISO 8601');
  checkTimestamp(Date.parse(o.timestamp), o.nowMs, ZENDESK_TOLERANCE_MS);
  const expected = hmacBase64(o.secret, o.timestamp, o.body);
  if (!safeEqual(expected, o.signature)) throw new WebhookRejected('signature mismatch');
}

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookRejected('body is not JSON');
  }
}
