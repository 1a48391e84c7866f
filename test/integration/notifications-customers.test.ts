/**
 * Customer email and push through the real app: a declined payment in the Stripe simulator runs the
 * payment-failed automation, whose last step tells the customer through the notification port;
 * the email goes over SMTP (nodemailer) to the bundled SMTP simulator and is parsed with
 * mailparser, as a mail client would; push goes to the FCM simulator (FCM HTTP v1, OAuth 2 from a
 * service account key). One message per event and device, whatever is redelivered or retried;
 * tokens FCM reports unregistered dropped; preferences honoured; every send audited without its body.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { simpleParser } from 'mailparser';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startSmtpSimulator, type SmtpSimulator } from '../../sim/smtp/index.js';
import { startFcmSimulator, type FcmSimulator } from '../../sim/fcm/index.js';
import { automationKey } from '../../src/automations/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { metric, post, SECRETS, stripeHeader, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let smtp: SmtpSimulator;
let fcm: FcmSimulator;
let t: TestApp;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  smtp = await startSmtpSimulator();
  fcm = await startFcmSimulator();
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'emailtest',
      SMTP_URL: smtp.url,
      FCM_SERVICE_ACCOUNT: fcm.serviceAccount,
      FCM_API_URL: fcm.url,
      EMAIL_FROM: 'Acme Billing <billing@acme.example>',
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '100',
      EVENT_ATTEMPTS: '4',
      ...WEBHOOK_ENV,
    },
  });
  sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
});
after(async () => {
  await t?.close();
  await sims?.close();
  await smtp?.close();
  await fcm?.close();
  await redis?.stop();
});

let next = 0;
function openInvoice() {
  const c = sims.data.customers.filter((x) => x.invoices.some((i) => i.status === 'open') && x.email)[next++];
  assert.ok(c);
  return { customer: c, invoice: c.invoices.find((i) => i.status === 'open')! };
}

async function decline(invoiceId: string) {
  const res = await fetch(`${sims.urls.stripe}/v1/invoices/${invoiceId}/pay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ payment_method: 'pm_card_chargeDeclined' }).toString(),
  });
  assert.equal(res.status, 402);
}

async function settled() {
  const busy = async () => {
    const a = await t.app.automations.queue!.counts();
    const s = await t.app.events.queues.stripe.counts();
    return a.waiting + a.active + a.delayed + s.waiting + s.active + s.delayed;
  };
  await waitFor('the events and automation runs to settle', async () => {
    await sims.webhooks.idle();
    return (await busy()) + (await busy()) === 0;
  });
}

const mailTo = (address: string) => smtp.outbox().filter((m) => m.to.includes(address));

async function auditOf(crmId: string, channel = 'email') {
  const r = await t.gql(`{ auditLog(customerId: "${crmId}", first: 50) { nodes { action systems outcome detail } } }`, {
    token: t.token('admin'),
  });
  return (r.body.data.auditLog.nodes as { action: string; systems: string[]; outcome: string; detail: string | null }[])
    .filter((e) => e.action === 'notification.send')
    .map((e) => ({ ...e, detail: JSON.parse(e.detail ?? '{}') as Record<string, unknown> }))
    .filter((e) => e.detail.channel === channel);
}

describe('payment failed email', () => {
  test('one email per failed payment, text and HTML, parsed with mailparser; a redelivered event sends no second', async () => {
    const { customer, invoice } = openInvoice();
    await decline(invoice.id);
    await waitFor('the email', () => mailTo(customer.email).length > 0);
    await settled();
    const mails = mailTo(customer.email);
    assert.equal(mails.length, 1);
    const parsed = await simpleParser(mails[0].raw);
    assert.equal(parsed.subject, `Payment failed for invoice ${invoice.number ?? invoice.id}`);
    assert.equal(parsed.from?.value[0]?.address, 'billing@acme.example');
    assert.ok(parsed.text?.includes(`invoice ${invoice.number ?? invoice.id}`));
    assert.ok(typeof parsed.html === 'string' && parsed.html.includes(`<strong>${invoice.number ?? invoice.id}</strong>`));
    assert.equal(parsed.headers.get('x-portico-template'), 'payment-failed');
    // No payment details: no card number digits, no brand.
    assert.doesNotMatch(`${parsed.text}${String(parsed.html)}`, /visa|mastercard|\b4242\b|last4/i);

    // Stripe delivers the same event again (same id, signed anew): nothing more is sent.
    const d = sims.webhooks
      .deliveries()
      .filter((x) => x.system === 'stripe')
      .at(-1)!;
    const evt = await fetch(`${sims.urls.stripe}/v1/invoices/${invoice.id}`, {
      headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` },
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const payload = JSON.stringify({
      id: d.eventIds[0],
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      type: 'invoice.payment_failed',
      data: { object: evt },
    });
    for (let i = 0; i < 5; i++)
      assert.equal((await post(`${t.url}/webhooks/stripe`, payload, { 'stripe-signature': stripeHeader(payload) })).status, 200);
    await settled();
    assert.equal(mailTo(customer.email).length, 1);

    // The step run again with the same key (a retry after a lost answer): a duplicate, not a second email.
    const key = automationKey('payment-failed', `stripe:${d.eventIds[0]}`, 'notify-customer');
    const again = await t.app.notifications.notifyCustomer({
      key,
      crmId: customer.crmId,
      template: 'payment-failed',
      data: { invoiceNumber: 'x', amountDue: 'y' },
    });
    assert.deepEqual(again.channels, { email: 'duplicate', push: 'no_recipient' });
    assert.equal(mailTo(customer.email).length, 1);

    // Audited: channel, template, customer and outcome; never the body.
    const entries = await auditOf(customer.crmId);
    assert.deepEqual(
      entries.map((e) => [e.systems, e.outcome, e.detail]),
      [
        [['smtp'], 'OK', { channel: 'email', template: 'payment-failed', result: 'duplicate' }],
        [['smtp'], 'OK', { channel: 'email', template: 'payment-failed', result: 'sent' }],
      ],
    );
  });

  test('the relay refusing once: the step is retried and one email goes out', async () => {
    const { customer, invoice } = openInvoice();
    smtp.failNext(1);
    await decline(invoice.id);
    await waitFor('the email', () => mailTo(customer.email).length > 0);
    await settled();
    assert.equal(mailTo(customer.email).length, 1);
    const results = (await auditOf(customer.crmId)).map((e) => [e.outcome, e.detail.result]);
    assert.deepEqual(results, [
      ['OK', 'sent'],
      ['FAILED', 'failed'],
    ]);
  });
  test('the relay takes the email and the connection drops before its answer: not sent again (one email), recorded as unknown', async () => {
    const { customer, invoice } = openInvoice();
    smtp.loseAnswers(1);
    await decline(invoice.id);
    await waitFor('the email', () => mailTo(customer.email).length > 0);
    await settled();
    assert.equal(mailTo(customer.email).length, 1);
    const results = (await auditOf(customer.crmId)).map((e) => [e.outcome, e.detail.result]);
    assert.deepEqual(results, [['OK', 'unknown']]);
  });
});

describe('payment received email', () => {
  test('a paid invoice: one email per invoice (a second paid event for it sends none), the invoice number and no payment details', async () => {
    const { customer, invoice } = openInvoice();
    const number = invoice.number ?? invoice.id;
    const res = await fetch(`${sims.urls.stripe}/v1/invoices/${invoice.id}/pay`, {
      method: 'POST',
      headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ payment_method: 'pm_card_visa' }).toString(),
    });
    assert.equal(res.status, 200);
    const received = () => mailTo(customer.email).filter((m) => /^X-Portico-Template: payment-received$/im.test(m.raw));
    await waitFor('the payment received email', () => received().length > 0);
    await settled();
    assert.equal(received().length, 1);
    const parsed = await simpleParser(received()[0].raw);
    assert.equal(parsed.subject, `Payment received for invoice ${number}`);
    assert.ok(parsed.text?.includes(`invoice ${number}`));
    assert.ok(typeof parsed.html === 'string' && parsed.html.includes(`<strong>${number}</strong>`));
    assert.doesNotMatch(`${parsed.subject}${parsed.text}${String(parsed.html)}`, /visa|mastercard|\b4242\b|last4|pm_card|card/i);

    // Another paid event for the same invoice (a new event id: not deduplicated as a redelivery) runs the automation again: no second email.
    const evt = await fetch(`${sims.urls.stripe}/v1/invoices/${invoice.id}`, {
      headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` },
    }).then((r) => r.json() as Promise<Record<string, unknown>>);
    const runs = async () => (await t.app.automations.queue!.counts()).processed;
    const before = await runs();
    const payload = JSON.stringify({
      id: `evt_again_${invoice.id}`,
      object: 'event',
      created: Math.floor(Date.now() / 1000),
      type: 'invoice.paid',
      data: { object: evt },
    });
    assert.equal((await post(`${t.url}/webhooks/stripe`, payload, { 'stripe-signature': stripeHeader(payload) })).status, 200);
    await waitFor('the second run', async () => (await runs()) > before);
    await settled();
    assert.equal(received().length, 1);
    assert.deepEqual(
      (await auditOf(customer.crmId)).filter((e) => e.detail.template === 'payment-received').map((e) => e.detail.result),
      ['duplicate', 'sent'],
    );
  });
});

describe('preferences', () => {
  const PREFS = `mutation($input: [NotificationPreferenceInput!]!) { updateNotificationPreferences(input: $input) { kind channel enabled } }`;

  test('a customer who turned billing email off gets none; security messages cannot be turned off', async () => {
    const { customer, invoice } = openInvoice();
    const token = t.token('customer', customer.crmId);
    const off = await t.gql(PREFS, { token, variables: { input: [{ kind: 'BILLING', channel: 'EMAIL', enabled: false }] } });
    assert.equal(off.body.errors, undefined);
    assert.deepEqual(
      off.body.data.updateNotificationPreferences.find(
        (p: { kind: string; channel: string }) => p.kind === 'BILLING' && p.channel === 'EMAIL',
      ),
      { kind: 'BILLING', channel: 'EMAIL', enabled: false },
    );
    const security = await t.gql(PREFS, { token, variables: { input: [{ kind: 'SECURITY', channel: 'EMAIL', enabled: false }] } });
    assert.equal(security.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    const read = await t.gql('{ notificationPreferences { kind channel enabled } }', { token });
    assert.equal(read.body.data.notificationPreferences.filter((p: { enabled: boolean }) => !p.enabled).length, 1);
    // Staff tokens are not customers.
    assert.equal(
      (await t.gql('{ notificationPreferences { kind } }', { token: t.token('agent') })).body.errors?.[0]?.extensions?.code,
      'FORBIDDEN',
    );

    await decline(invoice.id);
    await waitFor('the opt-out to be audited', async () => (await auditOf(customer.crmId)).length > 0);
    await settled();
    assert.equal(mailTo(customer.email).length, 0);
    assert.deepEqual(
      (await auditOf(customer.crmId)).map((e) => e.detail.result),
      ['opted_out'],
    );
  });
});

describe('push', () => {
  const REGISTER = `mutation($platform: DevicePlatform!, $token: String!) { registerDevice(platform: $platform, token: $token) }`;

  test('registered devices get one push per event over FCM HTTP v1; a token FCM reports unregistered is dropped', async () => {
    const { customer, invoice } = openInvoice();
    const token = t.token('customer', customer.crmId);
    const good = `fcm-good-${customer.crmId}-0123456789abcdef`;
    const gone = `fcm-gone-${customer.crmId}-0123456789abcdef`;
    for (const [platform, device] of [
      ['ANDROID', good],
      ['IOS', gone],
    ] as const) {
      const r = await t.gql(REGISTER, { token, variables: { platform, token: device } });
      assert.equal(r.body.data?.registerDevice, true, JSON.stringify(r.body.errors));
    }
    assert.equal(
      (await t.gql(REGISTER, { token, variables: { platform: 'IOS', token: 'short' } })).body.errors?.[0]?.extensions?.code,
      'BAD_USER_INPUT',
    );
    assert.equal(
      (await t.gql(REGISTER, { token: t.token('agent'), variables: { platform: 'IOS', token: good } })).body.errors?.[0]?.extensions?.code,
      'FORBIDDEN',
    );
    fcm.unregister(gone);

    await decline(invoice.id);
    await waitFor('the push', () => fcm.sent().some((m) => m.token === good));
    await settled();
    const pushed = fcm.sent().filter((m) => m.token === good);
    assert.equal(pushed.length, 1);
    assert.equal(pushed[0].notification?.title, `Payment failed for invoice ${invoice.number ?? invoice.id}`);
    assert.equal(pushed[0].data?.template, 'payment-failed');
    assert.equal(fcm.attempts(gone), 1);
    assert.deepEqual(
      (await t.app.notifications.push.devices(customer.crmId)).map((d) => d.token),
      [good],
      'the unregistered token is dropped',
    );
    assert.deepEqual(
      (await auditOf(customer.crmId, 'push')).map((e) => [e.systems, e.detail.result]),
      [[['fcm'], 'sent']],
    );

    // A second failed attempt is a new event: one more push, to the remaining device only; FCM down once on the way.
    fcm.failNext(1);
    await decline(invoice.id);
    await waitFor('the second push', () => fcm.sent().filter((m) => m.token === good).length === 2);
    await settled();
    assert.equal(fcm.sent().filter((m) => m.token === good).length, 2);
    assert.equal(fcm.attempts(gone), 1);
    assert.equal(mailTo(customer.email).length, 2, 'and one email per event');
  });

  test('a customer keeps at most ten devices: the least recently registered are forgotten, also after a burst of registrations', async () => {
    const { customer } = openInvoice();
    const token = t.token('customer', customer.crmId);
    const device = (i: number) => `fcm-many-${customer.crmId}-${String(i).padStart(4, '0')}-0123456789abcdef`;
    for (let i = 0; i < 12; i++) {
      const r = await t.gql(REGISTER, { token, variables: { platform: 'IOS', token: device(i) } });
      assert.equal(r.body.data?.registerDevice, true, JSON.stringify(r.body.errors));
    }
    const kept = async () => (await t.app.notifications.push.devices(customer.crmId)).map((d) => d.token).sort();
    assert.deepEqual(
      await kept(),
      Array.from({ length: 10 }, (_, i) => device(i + 2)),
    );
    assert.ok((await t.app.notifications.push.devices(customer.crmId)).every((d) => d.platform === 'ios'));
    await Promise.all(
      Array.from({ length: 40 }, (_, i) => t.gql(REGISTER, { token, variables: { platform: 'ANDROID', token: device(100 + i) } })),
    );
    const after = await kept();
    assert.ok(after.length > 0 && after.length <= 10, `${after.length} devices kept`);
  });

  test("a device registered by another customer is that customer's now: the previous one's messages no longer reach it", async () => {
    const first = openInvoice();
    const second = openInvoice();
    const shared = `fcm-shared-${first.customer.crmId}-0123456789abcdef`;
    const own = `fcm-own-${first.customer.crmId}-0123456789abcdef`;
    for (const [crmId, device] of [
      [first.customer.crmId, shared],
      [first.customer.crmId, own],
      [second.customer.crmId, shared],
    ] as const) {
      const r = await t.gql(REGISTER, { token: t.token('customer', crmId), variables: { platform: 'ANDROID', token: device } });
      assert.equal(r.body.data?.registerDevice, true, JSON.stringify(r.body.errors));
    }
    assert.deepEqual(
      (await t.app.notifications.push.devices(first.customer.crmId)).map((d) => d.token),
      [own],
    );
    // The first customer's payment fails: its push goes to its own device only, not to the one handed on.
    await decline(first.invoice.id);
    await waitFor('the push', () => fcm.sent().some((m) => m.token === own));
    await settled();
    assert.equal(fcm.sent().filter((m) => m.token === shared).length, 0, "the previous customer's push does not reach the device");
    // The second customer's does.
    await decline(second.invoice.id);
    await waitFor('the second push', () => fcm.sent().some((m) => m.token === shared));
    await settled();
    assert.equal(fcm.sent().filter((m) => m.token === shared).length, 1);
    // The first customer signing out cannot take the device from the second.
    const out = await t.gql(`mutation($token: String!) { unregisterDevice(token: $token) }`, {
      token: t.token('customer', first.customer.crmId),
      variables: { token: shared },
    });
    assert.equal(out.body.data?.unregisterDevice, false);
    assert.deepEqual(
      (await t.app.notifications.push.devices(second.customer.crmId)).map((d) => d.token),
      [shared],
    );
    // Its owner signing out removes it.
    const signedOut = await t.gql(`mutation($token: String!) { unregisterDevice(token: $token) }`, {
      token: t.token('customer', second.customer.crmId),
      variables: { token: shared },
    });
    assert.equal(signedOut.body.data?.unregisterDevice, true);
    assert.deepEqual(await t.app.notifications.push.devices(second.customer.crmId), []);
  });

  test('a malformed token (FCM INVALID_ARGUMENT with its FcmError) is dropped; a message FCM refuses keeps the device; /metrics counts each', async () => {
    const { customer, invoice } = openInvoice();
    const token = t.token('customer', customer.crmId);
    const good = `fcm-ok-${customer.crmId}-0123456789abcdef`;
    // Accepted by registerDevice's shape check, but not an FCM token (a '.' is outside FCM's alphabet): a mangled copy.
    const mangled = `fcm.mangled.${customer.crmId}.0123456789abcdef`;
    for (const device of [good, mangled]) {
      const r = await t.gql(REGISTER, { token, variables: { platform: 'ANDROID', token: device } });
      assert.equal(r.body.data?.registerDevice, true, JSON.stringify(r.body.errors));
    }
    const m = (name: string, labels: Record<string, string>) => metric(t.url, name, labels);
    const before = {
      dropped: await m('portico_notification_attempts_total', { channel: 'push', outcome: 'token_dropped' }),
      ok: await m('portico_notification_attempts_total', { channel: 'push', outcome: 'ok' }),
      failed: await m('portico_notification_attempts_total', { channel: 'push', outcome: 'failed' }),
      sent: await m('portico_notification_deliveries_total', { channel: 'push', outcome: 'sent' }),
      pushFailed: await m('portico_notification_deliveries_total', { channel: 'push', outcome: 'failed' }),
      emailSent: await m('portico_notification_deliveries_total', { channel: 'email', outcome: 'sent' }),
      emailOk: await m('portico_notification_attempts_total', { channel: 'email', outcome: 'ok' }),
      emailSeconds: await m('portico_notification_attempt_duration_seconds_count', { channel: 'email', outcome: 'ok' }),
    };

    await decline(invoice.id);
    await waitFor('the push', () => fcm.sent().some((x) => x.token === good));
    await settled();
    assert.equal(fcm.sent().filter((x) => x.token === good).length, 1);
    assert.equal(fcm.attempts(mangled), 1);
    assert.deepEqual(
      (await t.app.notifications.push.devices(customer.crmId)).map((d) => d.token),
      [good],
      'the malformed token is dropped',
    );

    // FCM refuses the message itself once (a BadRequest on a field, no FcmError): the device stays, the retry pushes.
    fcm.rejectMessageNext(1);
    await decline(invoice.id);
    await waitFor('the second push', () => fcm.sent().filter((x) => x.token === good).length === 2);
    await settled();
    assert.equal(fcm.attempts(good), 3);
    assert.equal(fcm.attempts(mangled), 1);
    assert.deepEqual(
      (await t.app.notifications.push.devices(customer.crmId)).map((d) => d.token),
      [good],
      'a refused message is no reason to drop the device',
    );

    // Counted in /metrics as the simulators saw them: 1 dropped token, 2 pushes, 1 refused attempt; 2 emails.
    assert.equal(await m('portico_notification_attempts_total', { channel: 'push', outcome: 'token_dropped' }), before.dropped + 1);
    assert.equal(await m('portico_notification_attempts_total', { channel: 'push', outcome: 'ok' }), before.ok + 2);
    assert.equal(await m('portico_notification_attempts_total', { channel: 'push', outcome: 'failed' }), before.failed + 1);
    assert.equal(await m('portico_notification_deliveries_total', { channel: 'push', outcome: 'sent' }), before.sent + 2);
    assert.equal(await m('portico_notification_deliveries_total', { channel: 'push', outcome: 'failed' }), before.pushFailed + 1);
    assert.equal(mailTo(customer.email).length, 2);
    assert.equal(await m('portico_notification_deliveries_total', { channel: 'email', outcome: 'sent' }), before.emailSent + 2);
    assert.equal(await m('portico_notification_attempts_total', { channel: 'email', outcome: 'ok' }), before.emailOk + 2);
    assert.equal(
      await m('portico_notification_attempt_duration_seconds_count', { channel: 'email', outcome: 'ok' }),
      before.emailSeconds + 2,
    );
  });
});
