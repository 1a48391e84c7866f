/**
 * Cards without card data, through the real app against the Stripe simulator and a real Redis:
 * `startPaymentMethodSetup` answers a SetupIntent client secret (the card then goes from the
 * device to Stripe, here as Stripe.js would: attaching Stripe's test payment method), and
 * `setDefaultPaymentMethod` / `removePaymentMethod` act only on the caller's own cards. For each:
 * happy path, read-your-writes, another customer's card (FORBIDDEN, no Stripe write), bad input,
 * the same Idempotency-Key twice (one Stripe write), a Stripe outage, and the audit entry.
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { tapAudit, type TappedEntry } from '../helpers/audit-tap.js';
import { stripeApi } from '../helpers/stripe.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { SECRETS, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;
let entries: TappedEntry[] = [];

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  stripe = stripeApi(sims);
  t = await startTestApp({ sims, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'writespm', ...WEBHOOK_ENV } });
  sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
  entries = tapAudit(t);
});
after(async () => {
  await t?.close();
  await sims?.close();
  await redis?.stop();
});
beforeEach(() => {
  entries.length = 0;
});

const seedOf = (crmId: string) => sims.data.customers.find((c) => c.crmId === crmId)!;
const routes = () => sims.stats('stripe').byRoute;
const stripeWrites = () => {
  const r = routes();
  return (
    (r['POST /v1/setup_intents'] ?? 0) +
    (r['POST /v1/customers/{id}'] ?? 0) +
    (r['POST /v1/payment_methods/{id}/detach'] ?? 0) +
    (r['POST /v1/payment_methods/{id}/attach'] ?? 0)
  );
};
let stripe: ReturnType<typeof stripeApi>;

const SETUP = `mutation($c: ID) { startPaymentMethodSetup(customerId: $c) { id clientSecret } }`;
const SET_DEFAULT = `mutation($id: ID!) { setDefaultPaymentMethod(id: $id) { defaultPaymentMethodId paymentMethods { id last4 } } }`;
const REMOVE = `mutation($id: ID!) { removePaymentMethod(id: $id) { defaultPaymentMethodId paymentMethods { id last4 } } }`;
const CARDS = `{ me { billing { defaultPaymentMethodId paymentMethods { id brand last4 } } } }`;

describe('cards', () => {
  test('setup: a SetupIntent client secret for this customer, no card data; the card Stripe.js adds shows on the next read', async () => {
    const token = t.token('customer', '1005');
    const before = (await t.gql(CARDS, { token })).body.data.me.billing;
    assert.deepEqual(before, { defaultPaymentMethodId: null, paymentMethods: [] });
    await t.app.cache.settle();
    sims.resetStats();
    const res = await t.gql(SETUP, { token });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const setup = res.body.data.startPaymentMethodSetup;
    assert.match(setup.id, /^seti_/);
    assert.match(setup.clientSecret, new RegExp(`^${setup.id}_secret_`));
    assert.deepEqual(Object.keys(setup).sort(), ['clientSecret', 'id'], 'nothing else, and nothing of a card');
    assert.equal(routes()['POST /v1/setup_intents'], 1);
    const entry = entries.find((e) => e.action === 'payment_method.setup')!;
    assert.deepEqual([entry.customerId, entry.outcome, entry.detail], ['1005', 'ok', { setupId: setup.id }]);
    assert.ok(!JSON.stringify(entries).includes(setup.clientSecret), 'the client secret is not in the audit log');

    // The browser completes it with Stripe (Stripe.js confirmCardSetup attaches the card); Stripe tells us by webhook.
    const pm = await stripe('POST', '/v1/payment_methods/pm_card_visa/attach', { customer: seedOf('1005').stripeCustomerId });
    assert.equal(pm.status, 200);
    await waitFor('the new card on the next read (Stripe webhook payment_method.attached)', async () => {
      const cards = (await t.gql(CARDS, { token })).body.data.me.billing.paymentMethods;
      return JSON.stringify(cards) === JSON.stringify([{ id: pm.body.id, brand: 'visa', last4: '4242' }]);
    });
  });

  test('set the default card, then remove a card; each shows on the next read', async () => {
    const token = t.token('customer', '1001');
    const [first, second] = seedOf('1001').paymentMethods.map((m) => m.id);
    const before = (await t.gql(CARDS, { token })).body.data.me.billing;
    assert.equal(before.defaultPaymentMethodId, first);
    await t.app.cache.settle();
    sims.resetStats();
    const set = await t.gql(SET_DEFAULT, { token, variables: { id: second } });
    assert.equal(set.body.errors, undefined, JSON.stringify(set.body.errors));
    assert.equal(set.body.data.setDefaultPaymentMethod.defaultPaymentMethodId, second);
    assert.equal(routes()['POST /v1/customers/{id}'], 1);
    assert.equal((await t.gql(CARDS, { token })).body.data.me.billing.defaultPaymentMethodId, second);
    await t.app.cache.settle();

    sims.resetStats();
    const removed = await t.gql(REMOVE, { token, variables: { id: second } });
    assert.equal(removed.body.errors, undefined, JSON.stringify(removed.body.errors));
    assert.deepEqual(removed.body.data.removePaymentMethod.defaultPaymentMethodId, null, 'the default card removed: none is the default');
    assert.deepEqual(
      removed.body.data.removePaymentMethod.paymentMethods.map((m: { id: string }) => m.id),
      [first],
    );
    assert.equal(routes()['POST /v1/payment_methods/{id}/detach'], 1);
    const now = (await t.gql(CARDS, { token })).body.data.me.billing;
    assert.deepEqual(
      now.paymentMethods.map((m: { id: string }) => m.id),
      [first],
    );
    assert.deepEqual(
      entries.filter((e) => e.action.startsWith('payment_method.')).map((e) => [e.action, e.customerId, e.outcome]),
      [
        ['payment_method.set_default', '1001', 'ok'],
        ['payment_method.remove', '1001', 'ok'],
      ],
    );
  });

  test("another customer's card, or none, is FORBIDDEN with no Stripe write; a malformed id is BAD_USER_INPUT; agents may not", async () => {
    const token = t.token('customer', '1002');
    const foreign = seedOf('1004').paymentMethods[0].id;
    sims.resetStats();
    for (const q of [SET_DEFAULT, REMOVE]) {
      for (const id of [foreign, 'pm_doesnotexist']) {
        const res = await t.gql(q, { token, variables: { id } });
        assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', `${q} ${id}`);
      }
      const bad = await t.gql(q, { token, variables: { id: 'pm/../x' } });
      assert.equal(bad.body.errors?.[0]?.extensions?.argument, 'id');
    }
    const setup = await t.gql(SETUP, { token, variables: { c: '1004' } });
    assert.equal(setup.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(stripeWrites(), 0);
    assert.equal(entries.filter((e) => e.customerId === '1004' && e.outcome === 'denied').length, 3, 'denied attempts on 1004 recorded');
    const agent = await t.gql(SET_DEFAULT, { token: t.token('agent'), variables: { id: foreign } });
    assert.equal(agent.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(stripeWrites(), 0);
    assert.equal(seedOf('1004').paymentMethods[0].customer, seedOf('1004').stripeCustomerId, 'still attached');
  });

  test('the same Idempotency-Key twice: one SetupIntent, one detach; Stripe down: UPSTREAM_UNAVAILABLE and the card still there', async () => {
    const token = t.token('customer', '1007');
    sims.resetStats();
    const headers = { 'idempotency-key': 'add-card-1' };
    const first = await t.gql(SETUP, { token, headers });
    const retry = await t.gql(SETUP, { token, headers });
    assert.deepEqual(retry.body, first.body);
    assert.equal(routes()['POST /v1/setup_intents'], 1);

    const card = seedOf('1007').paymentMethods[1].id;
    sims.setFaults('stripe', { failureRate: 1 });
    try {
      const down = await t.gql(REMOVE, { token, headers: { 'idempotency-key': 'rm-1' }, variables: { id: card } });
      assert.equal(down.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
    } finally {
      sims.setFaults('stripe', {});
    }
    assert.equal((await stripe('GET', `/v1/payment_methods/${card}`)).body.customer, seedOf('1007').stripeCustomerId);
    sims.resetStats();
    const removed = await t.gql(REMOVE, { token, headers: { 'idempotency-key': 'rm-1' }, variables: { id: card } });
    assert.equal(removed.body.errors, undefined, JSON.stringify(removed.body.errors));
    const again = await t.gql(REMOVE, { token, headers: { 'idempotency-key': 'rm-1' }, variables: { id: card } });
    assert.deepEqual(again.body, removed.body);
    assert.equal(routes()['POST /v1/payment_methods/{id}/detach'], 1);
  });
});
