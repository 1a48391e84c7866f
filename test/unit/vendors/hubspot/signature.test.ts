import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { hubspotUri, verifyHubSpotV3 } from '../../../../src/vendors/hubspot/signature.js';
import { WebhookRejected } from '../../../../src/webhooks/verify.js';

const now = Date.UTC(2026, 10, 23, 12, 0, 0);

test('HubSpot v3: the documented formula verifies; the listed percent-encodings are decoded before signing', () => {
  const body = Buffer.from('[{"eventId":1}]');
  const ts = String(now - 1000);
  const uri = 'https://api.example.com/webhooks/hubspot?x=a:b';
  const signature = createHmac('sha256', 'secret-0123456789abcdef').update(`POST${uri}${body.toString()}${ts}`).digest('base64');
  verifyHubSpotV3({
    method: 'POST',
    uri: 'https://api.example.com/webhooks/hubspot?x=a%3Ab',
    body,
    timestamp: ts,
    signature,
    secret: 'secret-0123456789abcdef',
    nowMs: now,
  });
  assert.equal(hubspotUri('https://h/p?a=%3a%2F%40%20'), 'https://h/p?a=:/@%20');
  assert.throws(
    () => verifyHubSpotV3({ method: 'POST', uri, body, timestamp: '17954', signature, secret: 'secret-0123456789abcdef', nowMs: now }),
    WebhookRejected,
  );
});
