import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { test } from 'node:test';
import { verifyZendesk } from '../../../../src/vendors/zendesk/signature.js';

const now = Date.UTC(2026, 10, 23, 12, 0, 0);

test('Zendesk: timestamp + body, ISO timestamps only, 5 minutes both ways', () => {
  const body = Buffer.from('{"id":"x"}');
  const ts = new Date(now - 60_000).toISOString();
  const signature = createHmac('sha256', 'zendesk-secret-0000000').update(`${ts}${body.toString()}`).digest('base64');
  verifyZendesk({ body, timestamp: ts, signature, secret: 'zendesk-secret-0000000', nowMs: now });
  assert.throws(
    () => verifyZendesk({ body, timestamp: '1795466343', signature, secret: 'zendesk-secret-0000000', nowMs: now }),
    /not ISO 8601/,
  );
  assert.throws(
    () => verifyZendesk({ body, timestamp: ts, signature, secret: 'zendesk-secret-0000000', nowMs: now + 6 * 60_000 }),
    /too old/,
  );
});
