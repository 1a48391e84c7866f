/**
 * HubSpot signature v3: base64 HMAC-SHA256, keyed with the app's client secret, of
 * method + URI + body + X-HubSpot-Request-Timestamp (ms); older than 5 minutes is refused. HubSpot
 * documents that the URI's percent-encoded characters in this list are decoded before signing.
 */
import { checkTimestamp, hmacBase64, safeEqual, WebhookRejected } from '../../webhooks/verify.js';

const HUBSPOT_DECODE: Record<string, string> = {
  '%3A': ':',
  '%2F': '/',
  '%3F': '?',
  '%40': '@',
  '%21': '!',
  '%24': '$',
  '%27': "'",
  '%28': '(',
  '%29': ')',
  '%2A': '*',
  '%2C': ',',
  '%3B': ';',
};
export const HUBSPOT_TOLERANCE_MS = 5 * 60_000;

export function hubspotUri(uri: string): string {
  return uri.replace(/%(3A|2F|3F|40|21|24|27|28|29|2A|2C|3B)/gi, (m) => HUBSPOT_DECODE[m.toUpperCase()] ?? m);
}

export function verifyHubSpotV3(o: {
  method: string;
  uri: string;
  body: Buffer;
  timestamp?: string;
  signature?: string;
  secret: string;
  nowMs: number;
}): void {
  if (!o.signature || !o.timestamp) throw new WebhookRejected('missing X-HubSpot-Signature-v3 or X-HubSpot-Request-Timestamp');
  if (!/^\d{10,16}$/.test(o.timestamp)) throw new WebhookRejected('timestamp is not milliseconds');
  checkTimestamp(Number(o.timestamp), o.nowMs, HUBSPOT_TOLERANCE_MS);
  const expected = hmacBase64(o.secret, `${o.method}${hubspotUri(o.uri)}`, o.body, o.timestamp);
  if (!safeEqual(expected, o.signature)) throw new WebhookRejected('signature mismatch');
}
