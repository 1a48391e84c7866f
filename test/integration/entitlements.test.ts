/**
 * `me { entitlements }` through the real app: derived on the server from the billing account in the
 * Stripe simulator, and fresh after the simulator's own signed webhooks (the subscription event
 * drops the cached account and the cached whole responses). The app asks with a customer token only:
 * no billing key on the client.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { SECRETS, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;

// The seed's plans but one: `Starter Monthly` is left out (it unlocks nothing).
const PLANS = 'Pro Monthly=portal,exports,api;Pro Yearly=portal,exports,api;Enterprise Monthly=portal,sso';
const FEATURES: Record<string, string[]> = Object.fromEntries(
  PLANS.split(';').map((p) => {
    const [plan, features] = p.split('=');
    return [plan, features.split(',')];
  }),
);

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'entitle',
      ENTITLEMENT_PLANS: PLANS,
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '100',
      ...WEBHOOK_ENV,
    },
  });
  sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
});
after(async () => {
  await t?.close();
  await sims?.close();
  await redis?.stop();
});

const ME = '{ me { id entitlements { plan active features } } }';
async function entitlementsOf(crmId: string) {
  const r = await t.gql(ME, { token: t.token('customer', crmId) });
  assert.equal(r.status, 200);
  assert.equal(r.body.errors, undefined, JSON.stringify(r.body.errors));
  return r.body.data.me.entitlements as { plan: string | null; active: boolean; features: string[] };
}

const stripe = (path: string, init: RequestInit = {}) =>
  fetch(`${sims.urls.stripe}${path}`, {
    ...init,
    headers: {
      authorization: `Bearer ${sims.credentials.stripeSecretKey}`,
      'content-type': 'application/x-www-form-urlencoded',
      ...(init.headers as Record<string, string>),
    },
  });

async function settled() {
  await waitFor('the Stripe events to be applied', async () => {
    await sims.webhooks.idle();
    const c = await t.app.events.queues.stripe.counts();
    return c.waiting + c.active + c.delayed === 0;
  });
}

const planOf = (c: Simulators['data']['customers'][number]) => c.subscription!.items.data[0].price.nickname;

describe('me.entitlements', () => {
  test('a past-due subscription unlocks nothing; paying its open invoices makes it active and unlocks the plan’s features', async () => {
    const c = sims.data.customers.find((x) => x.subscription?.status === 'past_due' && x.invoices.some((i) => i.status === 'open'));
    assert.ok(c, 'the seed has a past-due subscriber with an open invoice');
    const plan = planOf(c);
    // Read (and cached, record and whole response) before the payment.
    assert.deepEqual(await entitlementsOf(c.crmId), { plan, active: false, features: [] });
    assert.deepEqual(await entitlementsOf(c.crmId), { plan, active: false, features: [] });
    for (const inv of c.invoices.filter((i) => i.status === 'open')) {
      const res = await stripe(`/v1/invoices/${inv.id}/pay`, { method: 'POST', body: 'payment_method=pm_card_visa' });
      assert.equal(res.status, 200);
    }
    await settled();
    assert.deepEqual(await entitlementsOf(c.crmId), { plan, active: true, features: FEATURES[plan] ?? [] });
  });

  test('an active subscription set to end stays active; canceled at once it unlocks nothing', async () => {
    const c = sims.data.customers.find(
      (x) => x.subscription?.status === 'active' && !x.subscription.cancel_at_period_end && FEATURES[planOf(x)] && x.crmId !== '1001',
    );
    assert.ok(c, 'the seed has an active subscriber on a configured plan');
    const plan = planOf(c);
    assert.deepEqual(await entitlementsOf(c.crmId), { plan, active: true, features: FEATURES[plan] });
    const sub = c.subscription!.id;
    assert.equal((await stripe(`/v1/subscriptions/${sub}`, { method: 'POST', body: 'cancel_at_period_end=true' })).status, 200);
    await settled();
    assert.deepEqual(await entitlementsOf(c.crmId), { plan, active: true, features: FEATURES[plan] });
    assert.equal((await stripe(`/v1/subscriptions/${sub}`, { method: 'DELETE' })).status, 200);
    await settled();
    const now = await entitlementsOf(c.crmId);
    assert.equal(now.active, false);
    assert.deepEqual(now.features, []);
  });

  test('a plan not configured unlocks no feature; staff read a customer’s entitlements, a partner without the billing summary scope cannot', async () => {
    const starter = sims.data.customers.find(
      (x) => x.subscription?.status === 'active' && !x.subscription.cancel_at_period_end && planOf(x) === 'Starter Monthly',
    );
    assert.ok(starter, 'the seed has an active Starter Monthly subscriber');
    assert.deepEqual(await entitlementsOf(starter.crmId), { plan: 'Starter Monthly', active: true, features: [] });

    const c = sims.data.customers.find((x) => x.subscription?.status === 'active' && !x.subscription.cancel_at_period_end);
    assert.ok(c);
    const staff = await t.gql(`{ customer(id: "${c.crmId}") { entitlements { plan active } } }`, { token: t.token('agent') });
    assert.equal(staff.body.errors, undefined, JSON.stringify(staff.body.errors));
    assert.deepEqual(staff.body.data.customer.entitlements, { plan: planOf(c), active: true });

    const created = await t.gql('mutation($i: CreatePartnerTokenInput!) { createPartnerToken(input: $i) { token } }', {
      token: t.token('admin'),
      variables: { i: { name: 'crm-sync', scopes: ['crm.contacts:read'] } },
    });
    assert.equal(created.body.errors, undefined, JSON.stringify(created.body.errors));
    const partner = await t.gql(`{ customer(id: "${c.crmId}") { id entitlements { active } } }`, {
      token: created.body.data.createPartnerToken.token,
    });
    assert.equal(partner.body.data?.customer?.entitlements ?? null, null);
    assert.ok(
      partner.body.errors?.some((e: { extensions?: { code?: string } }) => e.extensions?.code === 'FORBIDDEN'),
      JSON.stringify(partner.body.errors),
    );
  });
});
