/**
 * Zendesk webhooks: X-Zendesk-Webhook-Signature = base64 HMAC-SHA256, keyed with the webhook's
 * signing secret, of X-Zendesk-Webhook-Signature-Timestamp (ISO 8601) + body.
 */
import { checkTimestamp, hmacBase64, safeEqual, WebhookRejected } from '../../webhooks/verify.js';

export const ZENDESK_TOLERANCE_MS = 5 * 60_000;

export function verifyZendesk(o: { body: Buffer; timestamp?: string; signature?: string; secret: string; nowMs: number }): void {
  if (!o.signature || !o.timestamp) throw new WebhookRejected('missing X-Zendesk-Webhook-Signature or its timestamp');
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:?\d{2})$/.test(o.timestamp))
    throw new WebhookRejected('timestamp is not ISO 8601');
  checkTimestamp(Date.parse(o.timestamp), o.nowMs, ZENDESK_TOLERANCE_MS);
  const expected = hmacBase64(o.secret, o.timestamp, o.body);
  if (!safeEqual(expected, o.signature)) throw new WebhookRejected('signature mismatch');
}
