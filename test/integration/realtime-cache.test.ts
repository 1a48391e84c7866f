/**
 * Pushes served from the entity cache: the event path writes what a signed Stripe event and its own
 * re-read hold (the invoice the event carries, the customer it re-read) into the cached records
 * instead of only dropping them, so computing the pushes for every subscriber of the changed
 * customer costs Stripe nothing beyond the event worker's one read of the customer. Out-of-order
 * events never write old data. A real app, Redis, the Stripe simulator and its signed webhooks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import { Redis } from 'ioredis';
import WebSocket from 'ws';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { SECRETS, WEBHOOK_ENV, post, stripeEvent, stripeHeader, waitFor } from '../helpers/webhooks.js';
import { stripeApi } from '../helpers/stripe.js';

let redis: TestRedis;
let rc: Redis;
let sims: Simulators;
let t: TestApp;

const PREFIX = 'rtc';

before(async () => {
  redis = await startRedis();
  rc = new Redis(redis.url);
  sims = await startSimulators();
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: PREFIX,
      ...WEBHOOK_ENV,
      REALTIME_COALESCE_MS: '100',
      // Its CRM write after a payment is a change of its own; the counts below are the payment's alone.
      AUTOMATION_PAYMENT_SUCCEEDED: 'false',
    },
  });
  // The simulator sends Stripe's own signed events (the whole object) to the app.
  sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
});
after(async () => {
  await t.close();
  await sims.close();
  rc.disconnect();
  await redis.stop();
});

/** What the bench subscribes to: the customer's balance and its first invoices. */
const SUBSCRIPTION = `subscription { customerChanged { reason { system type } customer { id billing { balance address { country } invoices(first: 5) { nodes { id status } } } } } }`;

interface Sub {
  crmId: string;
  client: Client;
  pushes: any[];
}

function subscribe(crmId: string): Sub {
  const client = createClient({
    url: `${t.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${t.token('customer', crmId)}` },
    retryAttempts: 0,
  });
  const s: Sub = { crmId, client, pushes: [] };
  client.subscribe(
    { query: SUBSCRIPTION },
    { next: (v) => s.pushes.push(v), error: (e) => s.pushes.push({ errors: [e] }), complete: () => undefined },
  );
  return s;
}

const invoicesKey = (crmId: string) => `${PREFIX}:billing:invoices:${crmId}:v1`;
const accountKey = (crmId: string) => `${PREFIX}:billing:account:${crmId}:v3`;

const statusIn = (push: any, invoiceId: string) =>
  push?.data?.customerChanged?.customer?.billing?.invoices?.nodes?.find((n: { id: string }) => n.id === invoiceId)?.status;

/** Stripe reads (GET routes) since the last reset: writes made by the test itself are not reads. */
const stripeReads = () => Object.fromEntries(Object.entries(sims.stats('stripe').byRoute).filter(([r]) => r.startsWith('GET ')));

/** Customers with an open invoice and no past-due subscription (paying it would also change the subscription). */
const payable = (n: number, skip: ReadonlySet<string>) =>
  sims.data.customers
    .filter(
      (c) =>
        !skip.has(c.crmId) &&
        c.subscription?.status !== 'past_due' &&
        c.paymentMethods.length > 0 &&
        c.invoices.filter((i) => i.status === 'open').length === 1 &&
        // Among the first 5 (newest first, as seeded): the subscription selects those.
        c.invoices.findIndex((i) => i.status === 'open') < 5,
    )
    .slice(0, n);

const used = new Set<string>();

/** Subscribes `per` clients to each customer, waits for every first push and for the records to be cached. */
async function subscribed(crmIds: readonly string[], per: number): Promise<Sub[]> {
  const subs = crmIds.flatMap((id) => Array.from({ length: per }, () => subscribe(id)));
  await waitFor('every first push', () => subs.every((s) => s.pushes.length === 1));
  for (const s of subs) assert.equal(s.pushes[0].errors, undefined, JSON.stringify(s.pushes[0].errors));
  await waitFor(
    'the records cached',
    async () => (await rc.exists(...crmIds.flatMap((id) => [invoicesKey(id), accountKey(id)]))) === crmIds.length * 2,
  );
  return subs;
}

/** Waits until the simulator has been quiet (no request) for `ms`: trailing reads are counted too. */
async function quiet(ms = 1500) {
  let last = JSON.stringify(sims.stats('stripe'));
  let since = Date.now();
  await waitFor('Stripe quiet', () => {
    const now = JSON.stringify(sims.stats('stripe'));
    if (now !== last) {
      last = now;
      since = Date.now();
    }
    return Date.now() - since >= ms;
  });
}

const pay = async (invoiceId: string) => {
  const r = await stripeApi(sims)('POST', `/v1/invoices/${invoiceId}/pay`);
  assert.equal(r.status, 200, JSON.stringify(r.body));
};

describe('pushes after a signed Stripe event are served from the cache', () => {
  test('4 subscribers of one customer: an invoice paid in Stripe reaches all 4, and their pushes read Stripe 0 times (the worker reads the customer once)', async () => {
    const [c] = payable(1, used);
    used.add(c.crmId);
    const open = c.invoices.find((i) => i.status === 'open')!;
    const subs = await subscribed([c.crmId], 4);
    try {
      assert.ok(subs.every((s) => statusIn(s.pushes[0], open.id) === 'OPEN'));
      await quiet(300);
      sims.resetStats();
      await pay(open.id);
      await waitFor('every subscriber pushed the paid invoice', () =>
        subs.every((s) => s.pushes.some((p) => statusIn(p, open.id) === 'PAID')),
      );
      await quiet();
      for (const s of subs) {
        const p = s.pushes.find((x) => statusIn(x, open.id) === 'PAID');
        assert.equal(p.errors, undefined);
        assert.deepEqual(p.data.customerChanged.reason, { system: 'stripe', type: 'invoice.paid' });
        assert.equal(p.data.customerChanged.customer.id, c.crmId);
      }
      // The event worker's own read of the customer (for its CRM id); nothing else: the invoice list
      // the pushes read is the cached one with the event's invoice written into it.
      assert.deepEqual(stripeReads(), { 'GET /v1/customers/{id}': 1 });
      const cached = JSON.parse((await rc.get(invoicesKey(c.crmId)))!) as { id: string; status: string; amountPaid: number }[];
      assert.equal(cached.find((i) => i.id === open.id)?.status, 'PAID');
      // A fresh read (the response cache was purged for this customer as before) shows the same.
      const res = await t.gql(`{ me { billing { invoices(first: 5) { nodes { id status } } } } }`, { token: t.token('customer', c.crmId) });
      assert.equal(res.body.data?.me.billing.invoices.nodes.find((n: { id: string }) => n.id === open.id)?.status, 'PAID');
      assert.deepEqual(stripeReads(), { 'GET /v1/customers/{id}': 1 });
    } finally {
      await Promise.all(subs.map(async (s) => s.client.dispose()));
    }
  });

  test("3 customers with 2 subscribers each: an invoice paid for each reaches its own subscribers only, with one Stripe read per event (the worker's)", async () => {
    const cs = payable(3, used);
    assert.equal(cs.length, 3);
    for (const c of cs) used.add(c.crmId);
    const subs = await subscribed(
      cs.map((c) => c.crmId),
      2,
    );
    try {
      const opens = cs.map((c) => c.invoices.find((i) => i.status === 'open')!.id);
      await quiet(300);
      sims.resetStats();
      for (const id of opens) await pay(id);
      for (const [k, c] of cs.entries()) {
        const id = opens[k];
        const mine = subs.filter((s) => s.crmId === c.crmId);
        await waitFor(`${c.crmId}'s subscribers pushed`, () => mine.every((s) => s.pushes.some((p) => statusIn(p, id) === 'PAID')));
      }
      await quiet();
      for (const s of subs) assert.ok(s.pushes.every((p) => p.data.customerChanged.customer.id === s.crmId));
      assert.deepEqual(stripeReads(), { 'GET /v1/customers/{id}': 3 });
    } finally {
      await Promise.all(subs.map(async (s) => s.client.dispose()));
    }
  });

  test("a customer changed in Stripe (customer.updated): the worker's re-read is written as the cached account, and the pushes read nothing more", async () => {
    const [c] = payable(1, used);
    used.add(c.crmId);
    const subs = await subscribed([c.crmId], 4);
    try {
      const country = subs[0].pushes[0].data.customerChanged.customer.billing.address?.country === 'FR' ? 'DE' : 'FR';
      await quiet(300);
      sims.resetStats();
      const r = await stripeApi(sims)('POST', `/v1/customers/${c.stripeCustomerId}`, { 'address[country]': country });
      assert.equal(r.status, 200);
      await waitFor('every subscriber pushed the new country', () =>
        subs.every((s) => s.pushes.some((p) => p.data?.customerChanged?.customer?.billing?.address?.country === country)),
      );
      await quiet();
      assert.equal(JSON.parse((await rc.get(accountKey(c.crmId)))!).address.country, country);
      // The worker's read, and the CRM copy's job's (replicas: the billing country is copied to the
      // CRM); the pushes' account is the worker's read, cached.
      assert.deepEqual(stripeReads(), { 'GET /v1/customers/{id}': 2 });
    } finally {
      await Promise.all(subs.map(async (s) => s.client.dispose()));
    }
  });
});

describe('out-of-order events never write old data', () => {
  test('an older invoice event after a newer one leaves the newer invoice cached; the next read and push show it', async () => {
    const [c] = payable(1, used);
    used.add(c.crmId);
    const open = c.invoices.find((i) => i.status === 'open')!;
    const subs = await subscribed([c.crmId], 1);
    try {
      // The invoice as it is now (open): what an older event carries.
      const before = (await stripeApi(sims)('GET', `/v1/invoices/${open.id}`)).body;
      assert.equal(before.status, 'open');
      await pay(open.id);
      await waitFor('the paid push', () => subs[0].pushes.some((p) => statusIn(p, open.id) === 'PAID'));
      // Stripe delivers an older event late (a retry): invoice.finalized, created before the payment.
      const old = stripeEvent('invoice.finalized', before);
      old.created -= 60;
      const body = JSON.stringify(old);
      const n = subs[0].pushes.length;
      assert.equal((await post(`${t.url}/webhooks/stripe`, body, { 'stripe-signature': stripeHeader(body) })).status, 200);
      await waitFor("the old event's push", () => subs[0].pushes.length > n);
      const last = subs[0].pushes.at(-1);
      assert.deepEqual(last.data.customerChanged.reason, { system: 'stripe', type: 'invoice.finalized' });
      assert.equal(statusIn(last, open.id), 'PAID');
      const cached = JSON.parse((await rc.get(invoicesKey(c.crmId)))!) as { id: string; status: string }[];
      assert.equal(cached.find((i) => i.id === open.id)?.status, 'PAID');
      const res = await t.gql(`{ me { billing { invoices(first: 5) { nodes { id status } } } } }`, { token: t.token('customer', c.crmId) });
      assert.equal(res.body.data?.me.billing.invoices.nodes.find((n: { id: string }) => n.id === open.id)?.status, 'PAID');
    } finally {
      await Promise.all(subs.map(async (s) => s.client.dispose()));
    }
  });
});
