/**
 * Sign-up through the real app (two instances on one Redis), against the simulators: a signed-in
 * user whose token names no customer calls `registerCustomer`; the CRM contact, the Stripe customer
 * and the Zendesk user are created and linked, the welcome email goes out through the SMTP
 * simulator, and the user's next request, on the other instance too (whose verified-token cache
 * knew the token before), is that customer. Exactly once under retries and concurrent requests,
 * with and without an Idempotency-Key; registering again is a clear error; bad input and the wrong
 * callers make no vendor call; a vendor outage registers nothing and the retry completes once.
 * Each sign-up is one `customer-signed-up` automation run (in `automationRuns`, with the mutation's
 * own steps and the run's), whose steps welcome the customer and tell the admins: one admin notice
 * (an `admin.notice` audit entry, read back from the audit log) per sign-up, even under ten
 * concurrent requests, and none for a repeat; and a partner subscribed to `crm.customer.registered`
 * (with `crm.contacts:read`) receives one delivery per sign-up, with the customer id only.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import jwt from 'jsonwebtoken';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startSmtpSimulator, type SmtpSimulator } from '../../sim/smtp/index.js';
import { startTestApp, TEST_CRM, type TestApp } from '../helpers/app.js';
import { tapAudit, type TappedEntry } from '../helpers/audit-tap.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { stripeApi } from '../helpers/stripe.js';
import { waitFor } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let smtp: SmtpSimulator;
let a: TestApp;
let b: TestApp;
let entries: TappedEntry[] = [];
/** A partner's endpoint (loopback): the bodies it received. */
let receiver: Server;
const received: { type: string; data: Record<string, string | null> }[] = [];

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  smtp = await startSmtpSimulator();
  const env = { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'signup', SMTP_URL: smtp.url, EMAIL_FROM: 'Acme <hello@acme.example>' };
  a = await startTestApp({ sims, env });
  b = await startTestApp({ sims, env });
  entries = tapAudit(a);
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      received.push(JSON.parse(Buffer.concat(chunks).toString('utf8')) as (typeof received)[number]);
      res.end('ok');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  // A partner with `crm.contacts:read` subscribes to sign-ups.
  const minted = await a.gql(`mutation($input: CreatePartnerTokenInput!) { createPartnerToken(input: $input) { token } }`, {
    token: a.token('admin'),
    variables: { input: { name: 'signups', scopes: ['crm.contacts:read', 'webhooks:manage'] } },
  });
  assert.equal(minted.body.errors, undefined, JSON.stringify(minted.body.errors));
  const ep = await a.gql(`mutation($input: CreateWebhookEndpointInput!) { createWebhookEndpoint(input: $input) { endpoint { id } } }`, {
    token: minted.body.data.createPartnerToken.token,
    variables: {
      input: { url: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/signups`, eventTypes: ['crm.customer.registered'] },
    },
  });
  assert.equal(ep.body.errors, undefined, JSON.stringify(ep.body.errors));
});
after(async () => {
  await a?.close();
  await b?.close();
  await smtp?.close();
  await sims?.close();
  await redis?.stop();
  await new Promise((r) => receiver?.close(r));
});
const signupsReceived = (crmId: string) => received.filter((m) => m.type === 'crm.customer.registered' && m.data.customerId === crmId);

/** A token from the identity provider for a signed-in user: role customer, no customer claim. */
function idpToken(sub: string): string {
  const auth = a.app.config.auth;
  return jwt.sign({ [auth.rolesClaim]: ['customer'] }, auth.secret!, {
    algorithm: 'HS256',
    subject: sub,
    issuer: auth.issuer,
    audience: auth.audience,
    expiresIn: 3600,
    header: { alg: 'HS256', typ: 'JWT' },
  });
}

const REGISTER = `mutation($input: RegisterCustomerInput!) { registerCustomer(input: $input) { customerId name email company } }`;
const ME = `{ me { id name email billing { currency } } }`;
const stripe = () => stripeApi(sims);
const zendeskAuth = () =>
  `Basic ${Buffer.from(`${sims.credentials.zendeskEmail}/token:${sims.credentials.zendeskApiToken}`).toString('base64')}`;
async function stripeCustomersOf(crmId: string): Promise<{ id: string; email: string }[]> {
  const res = await stripe()('GET', `/v1/customers/search?query=${encodeURIComponent(`metadata['crm_contact_id']:'${crmId}'`)}`);
  return res.body.data;
}
async function zendeskUsersOf(crmId: string): Promise<{ id: number; email: string }[]> {
  const r = await fetch(`${sims.urls.zendesk}/api/v2/users/show_many?external_ids=${encodeURIComponent(crmId)}`, {
    headers: { authorization: zendeskAuth() },
  });
  return ((await r.json()) as { users: { id: number; email: string }[] }).users;
}
/** Contacts of the CRM under test with this email (through the app's own connector: the CRM's search). */
async function crmContactsWith(email: string): Promise<number> {
  const res = await a.gql(`query($q: String) { customers(search: $q, first: 10) { totalCount } }`, {
    token: a.token('agent'),
    variables: { q: email },
  });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.customers.totalCount;
}
/** The admin notices of the sign-up of this customer, read back from the audit log (Redis, written by either instance). */
async function adminNoticesOf(crmId: string): Promise<Record<string, unknown>[]> {
  const res = await a.gql(`query($c: ID) { auditLog(customerId: $c, first: 100) { nodes { action outcome detail } } }`, {
    token: a.token('admin'),
    variables: { c: crmId },
  });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return (res.body.data.auditLog.nodes as { action: string; detail: string }[])
    .filter((e) => e.action === 'admin.notice')
    .map((e) => JSON.parse(e.detail) as Record<string, unknown>);
}
/** The customer's sign-up runs (`automationRuns`). */
async function signupRunsOf(crmId: string) {
  const res = await a.gql(
    `query($c: ID) { automationRuns(automation: "customer-signed-up", customerId: $c) { nodes { id status trigger { type } steps { name outcome attempts } } } }`,
    { token: a.token('admin'), variables: { c: crmId } },
  );
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.automationRuns.nodes as {
    id: string;
    status: string;
    trigger: { type: string };
    steps: { name: string; outcome: string }[];
  }[];
}
const SIGNUP_STEPS = [
  'create-contact',
  'create-billing-customer',
  'create-support-user',
  'link-accounts',
  'link-identity',
  'welcome',
  'notify-admins',
];
const welcomesTo = (email: string) => smtp.outbox().filter((m) => m.to.includes(email));
const creates = () => {
  const r = (s: 'stripe' | 'zendesk' | 'hubspot' | 'salesforce') => sims.stats(s).byRoute;
  return (
    (r('stripe')['POST /v1/customers'] ?? 0) +
    (r('zendesk')['POST /api/v2/users/create_or_update'] ?? 0) +
    (r('hubspot')['POST /crm/v3/objects/contacts'] ?? 0) +
    Object.entries(r('salesforce'))
      .filter(([k]) => k.startsWith('PATCH') && k.includes('{field}'))
      .reduce((n, [, v]) => n + v, 0)
  );
};

describe('registerCustomer', () => {
  test('creates and links the customer in every system, sends one welcome email; the next request (on either instance) is that customer; again is a clear error', async () => {
    const token = idpToken('idp|ada-1');
    // Instance B verifies (and keeps) the token before the sign-up: it must not keep the old principal.
    const before = await b.gql(ME, { token });
    assert.equal(before.body.data?.me?.email ?? null, null);

    const res = await a.gql(REGISTER, {
      token,
      variables: { input: { name: '  Ada  Lovelace ', email: 'Ada.Signup@Example.org', company: 'Analytical Engines' } },
    });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const reg = res.body.data.registerCustomer;
    assert.deepEqual(
      { name: reg.name, email: reg.email, company: reg.company },
      { name: 'Ada Lovelace', email: 'ada.signup@example.org', company: 'Analytical Engines' },
    );
    const id = reg.customerId as string;

    // Every system has it, once, linked to the customer id.
    const cus = await stripeCustomersOf(id);
    assert.deepEqual(
      cus.map((c) => c.email),
      ['ada.signup@example.org'],
    );
    const users = await zendeskUsersOf(id);
    assert.deepEqual(
      users.map((u) => u.email),
      ['ada.signup@example.org'],
    );
    assert.equal(await crmContactsWith('ada.signup@example.org'), 1);
    // The links (read with a hard deadline that may give up on a busy machine: asked again until answered).
    const want = JSON.stringify({ billingCustomerId: cus[0].id, supportUserId: String(users[0].id) });
    await waitFor('the customer links', async () => JSON.stringify(await a.app.links.get(id)) === want);
    await waitFor('the welcome email', async () => welcomesTo('ada.signup@example.org').length === 1);

    // The next request, on both instances, is the new customer.
    for (const app of [a, b]) {
      const me = await app.gql(ME, { token });
      assert.equal(me.body.errors, undefined, JSON.stringify(me.body.errors));
      assert.deepEqual({ id: me.body.data.me.id, email: me.body.data.me.email }, { id, email: 'ada.signup@example.org' });
    }
    const entry = entries.find((e) => e.action === 'customer.register')!;
    assert.deepEqual([entry.customerId, entry.outcome], [id, 'ok']);

    // One run of customer-signed-up, completed, with the mutation's steps then the run's own.
    await waitFor('the sign-up run completed', async () => (await signupRunsOf(id))[0]?.status === 'COMPLETED');
    const runs = await signupRunsOf(id);
    assert.equal(runs.length, 1);
    assert.equal(runs[0].trigger.type, 'crm.customer.registered');
    assert.deepEqual(
      runs[0].steps.map((x) => `${x.name}:${x.outcome}`),
      SIGNUP_STEPS.map((n) => `${n}:OK`),
    );
    // The admins told once, with the ids the sign-up made (no name, no email).
    const notices = await adminNoticesOf(id);
    assert.equal(notices.length, 1, JSON.stringify(notices));
    assert.deepEqual(
      { notice: notices[0].notice, billing: notices[0].billingCustomerId, support: notices[0].supportUserId },
      { notice: 'customer.registered', billing: cus[0].id, support: String(users[0].id) },
    );
    assert.ok(!JSON.stringify(notices[0]).includes('ada.signup'), 'no email in the notice');
    // The partner subscribed to sign-ups is told once, with the customer id only.
    await waitFor('the partner webhook', async () => signupsReceived(id).length >= 1);
    assert.deepEqual(
      signupsReceived(id).map((m) => ({ type: m.type, data: m.data })),
      [{ type: 'crm.customer.registered', data: { customerId: id } }],
    );

    // Registering again: a clear error, nothing created.
    sims.resetStats();
    const again = await b.gql(REGISTER, { token, variables: { input: { name: 'Ada Lovelace' } } });
    assert.equal(again.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(again.body.errors?.[0]?.extensions?.alreadyRegistered, true);
    assert.equal(creates(), 0);
    assert.equal(welcomesTo('ada.signup@example.org').length, 1);
    // A repeat is no sign-up: no second run, no second notice.
    assert.equal((await signupRunsOf(id)).length, 1);
    assert.equal((await adminNoticesOf(id)).length, 1);
    assert.equal(signupsReceived(id).length, 1);
  });

  test('ten concurrent sign-ups of one user, half under one Idempotency-Key: one customer everywhere, one welcome email', async () => {
    const token = idpToken('idp|grace-2');
    const email = 'grace.signup@example.org';
    const input = { name: 'Grace Hopper', email };
    const sends = Array.from({ length: 10 }, (_, i) =>
      (i % 2 ? a : b).gql(REGISTER, { token, variables: { input }, ...(i < 5 ? { headers: { 'idempotency-key': 'signup-grace' } } : {}) }),
    );
    const answers = await Promise.all(sends);
    const ids = new Set(answers.flatMap((r) => (r.body.data?.registerCustomer ? [r.body.data.registerCustomer.customerId] : [])));
    assert.equal(ids.size, 1, JSON.stringify(answers.map((r) => r.body)));
    for (const r of answers)
      if (!r.body.data?.registerCustomer)
        assert.ok(
          r.status === 409 || r.body.errors?.[0]?.extensions?.code === 'BAD_USER_INPUT',
          `a refused concurrent request says why: ${JSON.stringify(r.body)}`,
        );
    const [id] = [...ids] as string[];
    // The keyed retry after everything settled answers the first result.
    const retry = await a.gql(REGISTER, { token, variables: { input }, headers: { 'idempotency-key': 'signup-grace' } });
    assert.equal(
      retry.body.data?.registerCustomer?.customerId ?? retry.body.errors?.[0]?.extensions?.alreadyRegistered,
      retry.body.data ? id : true,
    );
    assert.equal((await stripeCustomersOf(id)).length, 1);
    assert.equal((await zendeskUsersOf(id)).length, 1);
    assert.equal(await crmContactsWith(email), 1);
    await waitFor('the welcome email', async () => welcomesTo(email).length >= 1);
    await waitFor('the sign-up run completed', async () => (await signupRunsOf(id))[0]?.status === 'COMPLETED');
    assert.equal(welcomesTo(email).length, 1);
    assert.equal((await signupRunsOf(id)).length, 1);
    assert.equal((await adminNoticesOf(id)).length, 1, 'one admin notice for ten concurrent sign-ups');
    await waitFor('the partner webhook', async () => signupsReceived(id).length >= 1);
    assert.equal(signupsReceived(id).length, 1);
  });

  test('bad input names the field; a customer token with a customer, an agent: refused; none reaches a vendor', async () => {
    sims.resetStats();
    const token = idpToken('idp|bad-3');
    const cases: [Record<string, unknown>, string][] = [
      [{ name: '   ' }, 'input.name'],
      [{ name: 'x'.repeat(201) }, 'input.name'],
      [{ name: 'Ok Name', email: 'not-an-email' }, 'input.email'],
      [{ name: 'Ok Name', company: 'c'.repeat(201) }, 'input.company'],
    ];
    for (const [input, argument] of cases) {
      const res = await a.gql(REGISTER, { token, variables: { input } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(res.body));
      assert.equal(res.body.errors?.[0]?.extensions?.argument, argument);
    }
    const customer = await a.gql(REGISTER, { token: a.token('customer', '1001'), variables: { input: { name: 'Someone' } } });
    assert.equal(customer.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    const agent = await a.gql(REGISTER, { token: a.token('agent'), variables: { input: { name: 'Someone' } } });
    assert.equal(agent.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(creates(), 0);
  });

  test('Stripe down: UPSTREAM_UNAVAILABLE and the user is not a customer yet; the retry completes with one contact and one Stripe customer', async () => {
    const token = idpToken('idp|linus-4');
    const email = 'linus.signup@example.org';
    sims.setFaults('stripe', { failureRate: 1 });
    try {
      const res = await a.gql(REGISTER, { token, variables: { input: { name: 'Linus Pauling', email } } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE', JSON.stringify(res.body));
    } finally {
      sims.setFaults('stripe', {});
    }
    assert.equal((await a.gql(ME, { token })).body.data?.me?.email ?? null, null, 'not linked');
    const retry = await b.gql(REGISTER, { token, variables: { input: { name: 'Linus Pauling', email } } });
    assert.equal(retry.body.errors, undefined, JSON.stringify(retry.body.errors));
    const id = retry.body.data.registerCustomer.customerId;
    assert.equal(await crmContactsWith(email), 1, 'the contact of the first attempt, found again');
    assert.equal((await stripeCustomersOf(id)).length, 1);
    assert.equal((await a.gql(ME, { token })).body.data.me.id, id);
    // The failed attempt stored no event: one run, one admin notice, from the retry.
    await waitFor('the sign-up run completed', async () => (await signupRunsOf(id))[0]?.status === 'COMPLETED');
    assert.equal((await signupRunsOf(id)).length, 1);
    assert.equal((await adminNoticesOf(id)).length, 1);
    assert.ok(TEST_CRM);
  });
});
