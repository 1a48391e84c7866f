/**
 * What the vendors' signature checks share (each scheme lives in its vendor's folder):
 * HMAC-SHA256 in base64, constant-time comparison, timestamp windows, the JSON body. Every failure is the same `WebhookRejected`, whose reason is logged
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

export function parseJson(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'));
  } catch {
    throw new WebhookRejected('body is not JSON');
  }
}
