/**
 * The simulators' webhook sender: vendor signatures a receiver can check with the vendors'
 * formulas (Stripe: the official SDK), HubSpot batching, and retries until delivered.
 */
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { createServer, type IncomingHttpHeaders } from 'node:http';
import type { AddressInfo } from 'node:net';
import { test } from 'node:test';
import Stripe from 'stripe';
import { createWebhookSender } from '../../../sim/webhooks.js';

async function receiver(statuses: number[]) {
  const got: { url: string; headers: IncomingHttpHeaders; body: string }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      got.push({ url: req.url!, headers: req.headers, body });
      res.writeHead(statuses[got.length - 1] ?? 200).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { got, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => new Promise((r) => server.close(r)) };
}

test('Stripe deliveries verify with the SDK and are retried (re-signed) until accepted', async () => {
  const rx = await receiver([500, 503, 200]);
  const w = createWebhookSender({ timeScale: 0.0001 });
  try {
    w.configure({ stripe: { url: `${rx.base}/webhooks/stripe`, secret: 'whsec_test_sender_000000' } });
    const id = w.stripe('invoice.paid', { id: 'in_1', object: 'invoice' });
    await w.idle();
    assert.equal(rx.got.length, 3);
    for (const d of rx.got)
      assert.equal(Stripe.webhooks.constructEvent(d.body, String(d.headers['stripe-signature']), 'whsec_test_sender_000000').id, id);
    assert.deepEqual(
      w.deliveries().map((d) => [d.state, d.attempts]),
      [['delivered', 3]],
    );
  } finally {
    w.close();
    await rx.close();
  }
});

test('HubSpot batches changes into one signed array; Zendesk signs timestamp + body', async () => {
  const rx = await receiver([]);
  const w = createWebhookSender({ timeScale: 0.0001, batchWindowMs: 50 });
  try {
    w.configure({
      hubspot: { url: `${rx.base}/webhooks/hubspot`, clientSecret: 'hs-secret-000000000000' },
      zendesk: { url: `${rx.base}/webhooks/zendesk`, secret: 'zd-secret-000000000000' },
    });
    w.hubspot({ subscriptionType: 'contact.propertyChange', objectId: 1001, propertyName: 'email', propertyValue: 'a@b.c' });
    w.hubspot({ subscriptionType: 'contact.propertyChange', objectId: 1002, propertyName: 'phone', propertyValue: '1' });
    w.zendesk('ticket.status_changed', 'zen:ticket:5', { id: '5', requester_id: '7' });
    await w.idle();
    const hs = rx.got.find((d) => d.url === '/webhooks/hubspot')!;
    const batch = JSON.parse(hs.body) as { objectId: number; attemptNumber: number }[];
    assert.deepEqual(
      batch.map((e) => e.objectId),
      [1001, 1002],
    );
    const ts = String(hs.headers['x-hubspot-request-timestamp']);
    assert.equal(
      hs.headers['x-hubspot-signature-v3'],
      createHmac('sha256', 'hs-secret-000000000000').update(`POST${rx.base}/webhooks/hubspot${hs.body}${ts}`).digest('base64'),
    );
    const zd = rx.got.find((d) => d.url === '/webhooks/zendesk')!;
    const zts = String(zd.headers['x-zendesk-webhook-signature-timestamp']);
    assert.equal(
      zd.headers['x-zendesk-webhook-signature'],
      createHmac('sha256', 'zd-secret-000000000000').update(`${zts}${zd.body}`).digest('base64'),
    );
    assert.equal(JSON.parse(zd.body).type, 'zen:event-type:ticket.status_changed');
  } finally {
    w.close();
    await rx.close();
  }
});
