/**
 * Plans and plan changes through the real app, against the Stripe simulator and a real Redis:
 * `plans` (Stripe's active recurring prices, cached), `planChangePreview` (Stripe's invoice
 * preview with the change's proration) and `changeSubscriptionPlan` (the subscription item's new
 * price, prorated at the preview's date). Happy path with read-your-writes and the audit entry, the
 * preview equal to what the change charges, another customer's subscription (FORBIDDEN, no Stripe
 * write), bad input naming the argument, the same Idempotency-Key twice (one Stripe write), and
 * Stripe failures (nothing reported done that was not; the retry writes once).
 */
import assert from 'node:assert/strict';
import { after, before, beforeEach, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { tapAudit, type TappedEntry } from '../helpers/audit-tap.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { stripeApi } from '../helpers/stripe.js';
import { SECRETS, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;
let stripe: ReturnType<typeof stripeApi>;
let entries: TappedEntry[] = [];

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  stripe = stripeApi(sims);
  t = await startTestApp({ sims, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'writesplans', UPSTREAM_RETRIES: '2', ...WEBHOOK_ENV } });
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

const PLANS = `{ plans { id name productName description interval intervalCount currency amount prices { currency amount } } }`;
const PREVIEW = `query($p: ID!, $s: ID, $prorate: Boolean) { planChangePreview(planId: $p, subscriptionId: $s, prorate: $prorate) { subscriptionId planId prorationDate prorationAmount nextInvoiceTotal nextInvoiceAt currency } }`;
const PREVIEW_NOW = `query($p: ID!, $prorate: Boolean) { planChangePreview(planId: $p, prorate: $prorate) { prorationDate prorationAmount nextInvoiceTotal nextInvoiceAt invoicedNow currency } }`;
const CHANGE = `mutation($p: ID!, $prorate: Boolean, $d: DateTime, $s: ID) { changeSubscriptionPlan(planId: $p, prorate: $prorate, prorationDate: $d, subscriptionId: $s) { id status plan planId } }`;
const SUB = `{ me { billing { subscription { id plan planId } } } }`;

const seedOf = (crmId: string) => sims.data.customers.find((c) => c.crmId === crmId)!;
const subOf = (crmId: string) => seedOf(crmId).subscription!;
const priceNamed = (nickname: string) => sims.data.prices.find((p) => p.nickname === nickname)!;
const routes = () => sims.stats('stripe').byRoute;
/** Requests that may write a subscription, and those that preview (counted at the simulator). */
const updates = () => routes()['POST /v1/subscriptions/{id}'] ?? 0;
const previews = () => routes()['POST /v1/invoices/create_preview'] ?? 0;
/** The pending invoice items of a customer: what a prorating change leaves for the next invoice. */
async function pendingItems(crmId: string): Promise<{ amount: number; proration: boolean }[]> {
  const res = await stripe('GET', `/v1/invoiceitems?customer=${seedOf(crmId).stripeCustomerId}&pending=true&limit=100`);
  assert.equal(res.status, 200);
  return res.body.data;
}
const sum = (xs: { amount: number }[]) => xs.reduce((n, x) => n + x.amount, 0);
/** Customers on an active or trialing monthly plan, one for each test (1001, the demo customer, is the first test's; 1002 the caller of the FORBIDDEN test). */
const taken = new Set(['1001', '1002']);
function nextCustomer(): string {
  const c = sims.data.customers.find(
    (x) =>
      !taken.has(x.crmId) &&
      (x.subscription?.status === 'active' || x.subscription?.status === 'trialing') &&
      x.subscription.items.data[0].price.recurring.interval === 'month',
  )!;
  taken.add(c.crmId);
  return c.crmId;
}
/** A monthly plan other than the customer's current one. */
const otherMonthly = (crmId: string, not: string[] = []) =>
  sims.data.prices.find((p) => p.interval === 'month' && p.id !== subOf(crmId).items.data[0].price.id && !not.includes(p.id))!;

describe('plans', () => {
  test("the plans on sale: Stripe's active recurring prices with their product, in every currency; read once for every caller", async () => {
    await t.app.cache.settle();
    sims.resetStats();
    const res = await t.gql(PLANS, { token: t.token('customer', '1001') });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const plans = res.body.data.plans;
    // The seeded catalog and the simulator's second yearly plan; neither the inactive legacy price nor the one-time setup fee.
    assert.deepEqual(plans.map((p: { id: string }) => p.id).sort(), [...sims.data.prices.map((p) => p.id), 'price_starter_yearly'].sort());
    const pro = plans.find((p: { id: string }) => p.id === priceNamed('Pro Monthly').id);
    assert.deepEqual(pro, {
      id: priceNamed('Pro Monthly').id,
      name: 'Pro Monthly',
      productName: 'Pro',
      description: 'The Pro plan.',
      interval: 'MONTH',
      intervalCount: 1,
      currency: 'USD',
      amount: 4900,
      prices: [
        { currency: 'USD', amount: 4900 },
        { currency: 'EUR', amount: 4900 },
        { currency: 'GBP', amount: 4900 },
      ],
    });
    // Ordered by product, then interval.
    assert.deepEqual(
      plans.map((p: { name: string }) => p.name),
      ['Enterprise Monthly', 'Pro Monthly', 'Pro Yearly', 'Starter Monthly', 'Starter Yearly'],
    );
    assert.equal(routes()['GET /v1/prices'], 1);
    await t.app.cache.settle();
    const again = await t.gql(PLANS, { token: t.token('agent') });
    assert.deepEqual(again.body.data.plans, plans);
    assert.equal(routes()['GET /v1/prices'], 1, 'the second read, by another principal, is served from the cache');
    const anonymous = await t.gql(PLANS, {});
    assert.equal(anonymous.status, 401);
  });
});

describe('plans: a catalog of several pages', () => {
  test("every page of Stripe's price list is read (starting_after), once", async () => {
    // Own simulators (the catalog grows) and the in-memory record cache.
    const app = await startTestApp();
    try {
      const api = stripeApi(app.sims);
      for (let i = 0; i < 101; i++) {
        const created = await api('POST', '/v1/prices', {
          currency: 'usd',
          unit_amount: String(1000 + i),
          'recurring[interval]': 'month',
          'product_data[name]': `Seat pack ${String(i).padStart(3, '0')}`,
        });
        assert.equal(created.status, 200, JSON.stringify(created.body));
      }
      app.sims.resetStats();
      const res = await app.gql(`{ plans { id name amount } }`, { token: app.token('customer', '1001') });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      assert.equal(res.body.data.plans.length, app.sims.data.prices.length + 1 + 101);
      assert.equal(new Set(res.body.data.plans.map((p: { id: string }) => p.id)).size, res.body.data.plans.length, 'no price twice');
      assert.equal(app.sims.stats('stripe').byRoute['GET /v1/prices'], 2, 'two pages of 100');
    } finally {
      await app.close();
    }
  });
});

describe('planChangePreview and changeSubscriptionPlan', () => {
  test('preview, then change at its proration date: the change charges exactly the preview; the next read shows the new plan; audited', async () => {
    const token = t.token('customer', '1001');
    const sub = subOf('1001');
    const target = priceNamed('Enterprise Monthly');
    assert.equal(sub.items.data[0].price.id, priceNamed('Pro Monthly').id);
    assert.deepEqual((await t.gql(SUB, { token })).body.data.me.billing.subscription, {
      id: sub.id,
      plan: 'Pro Monthly',
      planId: priceNamed('Pro Monthly').id,
    });
    await t.app.cache.settle();
    sims.resetStats();

    const res = await t.gql(PREVIEW, { token, variables: { p: target.id } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const preview = res.body.data.planChangePreview;
    // The subscription as Stripe has it now (the seeded period renewed to the one holding now).
    const item = (await stripe('GET', `/v1/subscriptions/${sub.id}`)).body.items.data[0];
    const date = Date.parse(preview.prorationDate) / 1000;
    assert.ok(date >= item.current_period_start && date <= item.current_period_end, 'within the current period');
    const share = (item.current_period_end - date) / (item.current_period_end - item.current_period_start);
    const expected = Math.round(19900 * share) - Math.round(4900 * share);
    assert.deepEqual(preview, {
      subscriptionId: sub.id,
      planId: target.id,
      prorationDate: preview.prorationDate,
      prorationAmount: expected,
      nextInvoiceTotal: expected + 19900,
      nextInvoiceAt: new Date(item.current_period_end * 1000).toISOString(),
      currency: 'GBP',
    });
    assert.ok(preview.prorationAmount > 0, 'an upgrade charges the difference');
    assert.equal(previews(), 1);
    assert.equal(updates(), 0, 'a preview changes nothing');
    assert.deepEqual(await pendingItems('1001'), []);

    const changed = await t.gql(CHANGE, { token, variables: { p: target.id, d: preview.prorationDate } });
    assert.equal(changed.body.errors, undefined, JSON.stringify(changed.body.errors));
    assert.deepEqual(changed.body.data.changeSubscriptionPlan, {
      id: sub.id,
      status: 'ACTIVE',
      plan: 'Enterprise Monthly',
      planId: target.id,
    });
    assert.equal(updates(), 1);
    // What the change charges: its prorations, pending for the next invoice, equal the preview.
    const pending = await pendingItems('1001');
    assert.equal(pending.length, 2);
    assert.ok(pending.every((i) => i.proration));
    assert.equal(sum(pending), preview.prorationAmount);
    const next = await stripe('POST', '/v1/invoices/create_preview', { subscription: sub.id });
    assert.equal(next.body.total, preview.nextInvoiceTotal, 'the next invoice is the one previewed');

    // Read your writes: the cached account was dropped.
    assert.deepEqual((await t.gql(SUB, { token })).body.data.me.billing.subscription, {
      id: sub.id,
      plan: 'Enterprise Monthly',
      planId: target.id,
    });
    const entry = entries.find((e) => e.action === 'subscription.plan_change')!;
    assert.deepEqual(
      [entry.customerId, entry.outcome, entry.systems, entry.fields, entry.detail],
      [
        '1001',
        'ok',
        ['stripe'],
        ['plan'],
        {
          subscriptionId: sub.id,
          fromPlanId: priceNamed('Pro Monthly').id,
          planId: target.id,
          prorate: true,
          prorationDate: preview.prorationDate,
        },
      ],
    );
  });

  test('without proration: the preview charges nothing now and the change leaves no invoice item; staff name the subscription', async () => {
    const id = nextCustomer();
    const sub = subOf(id);
    const target = otherMonthly(id);
    const admin = t.token('admin');
    const res = await t.gql(PREVIEW, { token: admin, variables: { p: target.id, s: sub.id, prorate: false } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.equal(res.body.data.planChangePreview.prorationAmount, 0);
    assert.equal(res.body.data.planChangePreview.nextInvoiceTotal, target.amount);
    // A staff read of a customer's subscription is recorded like any other.
    assert.ok(entries.some((e) => e.action === 'customer.read' && e.customerId === id));
    const changed = await t.gql(CHANGE, { token: admin, variables: { p: target.id, s: sub.id, prorate: false } });
    assert.equal(changed.body.errors, undefined, JSON.stringify(changed.body.errors));
    assert.equal(changed.body.data.changeSubscriptionPlan.planId, target.id);
    assert.deepEqual(await pendingItems(id), []);
    const staffWithout = await t.gql(CHANGE, { token: admin, variables: { p: target.id } });
    assert.equal(staffWithout.body.errors?.[0]?.extensions?.argument, 'subscriptionId');
  });

  test("another customer's subscription, or none, is FORBIDDEN with no Stripe write; agents may not change plans", async () => {
    const token = t.token('customer', '1002');
    const foreignId = nextCustomer();
    const foreign = subOf(foreignId);
    const target = otherMonthly(foreignId);
    const before = foreign.items.data[0].price.id;
    sims.resetStats();
    for (const s of [foreign.id, 'sub_doesnotexist']) {
      const change = await t.gql(CHANGE, { token, variables: { p: target.id, s } });
      assert.equal(change.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(change.body));
      const preview = await t.gql(PREVIEW, { token, variables: { p: target.id, s } });
      assert.equal(preview.body.errors?.[0]?.extensions?.code, 'FORBIDDEN', JSON.stringify(preview.body));
    }
    assert.equal(updates(), 0);
    assert.equal(previews(), 0);
    assert.equal(foreign.items.data[0].price.id, before);
    assert.ok(entries.some((e) => e.action === 'subscription.plan_change' && e.customerId === foreignId && e.outcome === 'denied'));
    const agent = await t.gql(CHANGE, { token: t.token('agent'), variables: { p: target.id, s: foreign.id } });
    assert.equal(agent.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(updates(), 0);
  });

  test('bad input names the argument, before any Stripe write: unknown plan, same plan, inactive, a stale proration date', async () => {
    const id = nextCustomer();
    const token = t.token('customer', id);
    const sub = subOf(id);
    const current = sub.items.data[0].price;
    sims.resetStats();
    const cases: [Record<string, unknown>, string][] = [
      [{ p: 'price_doesnotexist' }, 'planId'],
      [{ p: 'price/../x' }, 'planId'],
      [{ p: current.id }, 'planId'],
      [{ p: 'price_legacy_monthly' }, 'planId'],
      [{ p: 'price_setup_fee' }, 'planId'],
      [{ p: otherMonthly(id).id, d: new Date(Date.now() - 2 * 3600_000).toISOString() }, 'prorationDate'],
      [{ p: otherMonthly(id).id, d: new Date(Date.now() + 3600_000).toISOString() }, 'prorationDate'],
      [{ p: otherMonthly(id).id, s: 'sub/../x' }, 'subscriptionId'],
    ];
    for (const [variables, argument] of cases) {
      const res = await t.gql(CHANGE, { token, variables });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify([variables, res.body]));
      assert.equal(res.body.errors?.[0]?.extensions?.argument, argument, JSON.stringify(variables));
    }
    const preview = await t.gql(PREVIEW, { token, variables: { p: current.id } });
    assert.equal(preview.body.errors?.[0]?.extensions?.argument, 'planId');
    assert.equal(updates(), 0);
    assert.equal(current.id, sub.items.data[0].price.id);
  });

  test("a price Stripe took off sale after the list was cached: Stripe's refusal is BAD_USER_INPUT on planId, nothing changed", async () => {
    const id = nextCustomer();
    const token = t.token('customer', id);
    const sub = subOf(id);
    const target = otherMonthly(id);
    await t.gql(PLANS, { token });
    await t.app.cache.settle();
    assert.equal((await stripe('POST', `/v1/prices/${target.id}`, { active: 'false' })).status, 200);
    try {
      const before = sub.items.data[0].price.id;
      const res = await t.gql(CHANGE, { token, variables: { p: target.id } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(res.body));
      assert.equal(res.body.errors?.[0]?.extensions?.argument, 'planId');
      assert.match(res.body.errors[0].message, /inactive/);
      assert.equal(sub.items.data[0].price.id, before);
      assert.deepEqual(await pendingItems(id), []);
    } finally {
      await stripe('POST', `/v1/prices/${target.id}`, { active: 'true' });
    }
    // Stripe's own wire format for an unknown price.
    const unknown = await stripe('POST', `/v1/subscriptions/${sub.id}`, {
      'items[0][id]': sub.items.data[0].id,
      'items[0][price]': 'price_doesnotexist',
    });
    assert.equal(unknown.status, 400);
    assert.deepEqual([unknown.body.error.code, unknown.body.error.param], ['resource_missing', 'items[0][price]']);
  });

  test('the same Idempotency-Key twice: one Stripe update, the same answer replayed', async () => {
    const id = nextCustomer();
    const token = t.token('customer', id);
    const target = otherMonthly(id);
    sims.resetStats();
    const headers = { 'idempotency-key': 'plan-change-1' };
    const first = await t.gql(CHANGE, { token, headers, variables: { p: target.id } });
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    const retry = await t.gql(CHANGE, { token, headers, variables: { p: target.id } });
    assert.deepEqual(retry.body, first.body);
    assert.equal(retry.headers.get('idempotent-replayed'), 'true');
    assert.equal(updates(), 1);
    assert.equal(entries.filter((e) => e.action === 'subscription.plan_change').length, 1);
    assert.equal((await pendingItems(id)).length, 2, 'one pair of prorations');
  });

  test('Stripe down: UPSTREAM_UNAVAILABLE and nothing changed; the retry under the same key changes once', async () => {
    const id = nextCustomer();
    const token = t.token('customer', id);
    const sub = subOf(id);
    const before = sub.items.data[0].price.id;
    const target = otherMonthly(id);
    const headers = { 'idempotency-key': 'plan-change-down' };
    // Reads answer (the ownership check), the update does not.
    const preview = (await t.gql(PREVIEW, { token, variables: { p: target.id } })).body.data.planChangePreview;
    sims.setFaults('stripe', { failureRate: 1 });
    try {
      const down = await t.gql(CHANGE, { token, headers, variables: { p: target.id, d: preview.prorationDate } });
      assert.equal(down.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE');
      assert.equal(down.body.data, null, 'nothing reported done');
    } finally {
      sims.setFaults('stripe', {});
    }
    assert.equal(sub.items.data[0].price.id, before, 'not changed');
    assert.deepEqual(await pendingItems(id), []);
    sims.resetStats();
    const retry = await t.gql(CHANGE, { token, headers, variables: { p: target.id, d: preview.prorationDate } });
    assert.equal(retry.body.errors, undefined, JSON.stringify(retry.body.errors));
    assert.equal(retry.body.data.changeSubscriptionPlan.planId, target.id);
    assert.equal(updates(), 1);
    assert.equal(sum(await pendingItems(id)), preview.prorationAmount);
  });

  test("Stripe makes the change and every answer is lost: reported as the failure it is; the client's retry (a new proration date) is answered done, changed once", async () => {
    const id = nextCustomer();
    const token = t.token('customer', id);
    const sub = subOf(id);
    const target = otherMonthly(id);
    const headers = { 'idempotency-key': 'plan-change-lost' };
    sims.setFaults('stripe', { loseAnswers: 3, loseAnswerAs: 'status' });
    try {
      const lost = await t.gql(CHANGE, { token, headers, variables: { p: target.id } });
      assert.equal(lost.body.errors?.[0]?.extensions?.code, 'UPSTREAM_UNAVAILABLE', JSON.stringify(lost.body));
    } finally {
      sims.setFaults('stripe', {});
    }
    assert.equal(sub.items.data[0].price.id, target.id, 'Stripe did make it');
    await new Promise((r) => setTimeout(r, 1100)); // the retry's "now" is another second: other Stripe parameters under the same key
    const retry = await t.gql(CHANGE, { token, headers, variables: { p: target.id } });
    assert.equal(retry.body.errors, undefined, JSON.stringify(retry.body.errors));
    assert.equal(retry.body.data.changeSubscriptionPlan.planId, target.id);
    assert.equal((await pendingItems(id)).length, 2, 'one pair of prorations: changed once');
  });

  // Last: from here on the simulator sends its webhooks (the tests above keep a stale cached list).
  test('a price change at Stripe (its price.updated webhook) drops the cached plan list: the next read has it', async () => {
    sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
    const token = t.token('customer', '1001');
    const target = priceNamed('Starter Monthly');
    assert.ok((await t.gql(PLANS, { token })).body.data.plans.some((p: { id: string }) => p.id === target.id));
    await t.app.cache.settle();
    assert.equal((await stripe('POST', `/v1/prices/${target.id}`, { nickname: 'Starter Monthly (2027)' })).status, 200);
    try {
      await waitFor('the renamed plan on the next read', async () => {
        const plans = (await t.gql(PLANS, { token })).body.data.plans as { id: string; name: string }[];
        return plans.find((p) => p.id === target.id)?.name === 'Starter Monthly (2027)';
      });
    } finally {
      await stripe('POST', `/v1/prices/${target.id}`, { nickname: 'Starter Monthly' });
    }
  });
});

/** A customer on an active monthly plan with a default card, not used by another test. */
function monthlyWithCard(): string {
  const c = sims.data.customers.find(
    (x) =>
      !taken.has(x.crmId) &&
      x.subscription?.status === 'active' &&
      x.subscription.items.data[0].price.recurring.interval === 'month' &&
      x.paymentMethods.length > 0,
  )!;
  taken.add(c.crmId);
  return c.crmId;
}
/** The customer's invoices at Stripe, newest first. */
async function invoicesAt(
  crmId: string,
): Promise<{ id: string; status: string; total: number; amount_due: number; subscription?: string }[]> {
  const res = await stripe('GET', `/v1/invoices?customer=${seedOf(crmId).stripeCustomerId}&limit=100`);
  assert.equal(res.status, 200);
  return res.body.data;
}
const YEAR_S = 365 * 86_400;

describe('changeSubscriptionPlan: another billing interval', () => {
  test('monthly to yearly: the preview says invoiced now; the change restarts the billing cycle and charges exactly the preview at once', async () => {
    const id = monthlyWithCard();
    const token = t.token('customer', id);
    const sub = subOf(id);
    const monthly = sub.items.data[0].price;
    const yearly = sims.data.prices.find((p) => p.interval === 'year')!;
    const invoicesBefore = (await invoicesAt(id)).length;
    sims.resetStats();
    const res = await t.gql(PREVIEW_NOW, { token, variables: { p: yearly.id } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const preview = res.body.data.planChangePreview;
    const item = (await stripe('GET', `/v1/subscriptions/${sub.id}`)).body.items.data[0];
    const date = Date.parse(preview.prorationDate) / 1000;
    const share = (item.current_period_end - date) / (item.current_period_end - item.current_period_start);
    const credit = -Math.round(monthly.unit_amount * share);
    assert.deepEqual(preview, {
      prorationDate: preview.prorationDate,
      prorationAmount: credit,
      nextInvoiceTotal: yearly.amount + credit,
      nextInvoiceAt: preview.prorationDate,
      invoicedNow: true,
      currency: monthly.currency.toUpperCase(),
    });
    assert.ok(credit < 0, 'the unused time of the monthly plan is credited');
    assert.equal(updates(), 0, 'a preview changes nothing');

    const changed = await t.gql(CHANGE, { token, variables: { p: yearly.id, d: preview.prorationDate } });
    assert.equal(changed.body.errors, undefined, JSON.stringify(changed.body.errors));
    assert.deepEqual(changed.body.data.changeSubscriptionPlan, { id: sub.id, status: 'ACTIVE', plan: yearly.nickname, planId: yearly.id });
    assert.equal(updates(), 1);
    // Stripe restarted the billing cycle at the change: a year from now.
    const now = (await stripe('GET', `/v1/subscriptions/${sub.id}`)).body.items.data[0];
    assert.ok(now.current_period_start >= date, 'the cycle starts at the change');
    assert.equal(now.current_period_end - now.current_period_start, YEAR_S);
    // One invoice made and paid at once, for exactly the amount previewed; nothing left pending.
    const after = await invoicesAt(id);
    assert.equal(after.length, invoicesBefore + 1);
    assert.deepEqual([after[0].subscription, after[0].status, after[0].total], [sub.id, 'paid', preview.nextInvoiceTotal]);
    assert.deepEqual(await pendingItems(id), []);
    // Read your writes, and the audit entry says the cycle was reset.
    assert.equal((await t.gql(SUB, { token })).body.data.me.billing.subscription.planId, yearly.id);
    const entry = entries.find((e) => e.action === 'subscription.plan_change')!;
    assert.deepEqual([entry.customerId, entry.outcome, entry.detail?.billingCycleReset], [id, 'ok', true]);

    // And back to monthly, without proration: no credit, the monthly price charged at once.
    const back = await t.gql(PREVIEW_NOW, { token, variables: { p: monthly.id, prorate: false } });
    assert.deepEqual([back.body.data.planChangePreview.prorationAmount, back.body.data.planChangePreview.invoicedNow], [0, true]);
    assert.equal(back.body.data.planChangePreview.nextInvoiceTotal, monthly.unit_amount);
    const known = new Set((await invoicesAt(id)).map((i) => i.id));
    const down = await t.gql(CHANGE, { token, variables: { p: monthly.id, prorate: false } });
    assert.equal(down.body.data?.changeSubscriptionPlan?.planId, monthly.id, JSON.stringify(down.body));
    // (Made in the same second as the yearly one: found by id, not by position.)
    const made = (await invoicesAt(id)).filter((i) => !known.has(i.id));
    assert.deepEqual(
      made.map((i) => [i.total, i.status]),
      [[monthly.unit_amount, 'paid']],
    );
  });

  test('the same Idempotency-Key twice: one Stripe update and one invoice', async () => {
    const id = monthlyWithCard();
    const token = t.token('customer', id);
    const yearly = sims.data.prices.find((p) => p.interval === 'year')!;
    const invoicesBefore = (await invoicesAt(id)).length;
    sims.resetStats();
    const headers = { 'idempotency-key': `yearly-${id}` };
    const first = await t.gql(CHANGE, { token, headers, variables: { p: yearly.id } });
    assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
    const retry = await t.gql(CHANGE, { token, headers, variables: { p: yearly.id } });
    assert.deepEqual(retry.body, first.body);
    assert.equal(updates(), 1);
    assert.equal((await invoicesAt(id)).length, invoicesBefore + 1);
  });

  test('a declined card: the change is made (as Stripe does), the invoice stays open and the subscription is PAST_DUE', async () => {
    const id = monthlyWithCard();
    const token = t.token('customer', id);
    const cus = seedOf(id).stripeCustomerId;
    const pm = await stripe('POST', '/v1/payment_methods/pm_card_chargeDeclined/attach', { customer: cus });
    assert.equal((await stripe('POST', `/v1/customers/${cus}`, { 'invoice_settings[default_payment_method]': pm.body.id })).status, 200);
    const yearly = sims.data.prices.find((p) => p.interval === 'year')!;
    const res = await t.gql(CHANGE, { token, variables: { p: yearly.id } });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual([res.body.data.changeSubscriptionPlan.planId, res.body.data.changeSubscriptionPlan.status], [yearly.id, 'PAST_DUE']);
    const [inv] = await invoicesAt(id);
    assert.deepEqual([inv.subscription, inv.status], [subOf(id).id, 'open']);
  });

  test("a plan not sold in the subscription's currency stays refused: BAD_USER_INPUT on planId, no Stripe write", async () => {
    sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
    const id = monthlyWithCard();
    const token = t.token('customer', id);
    const currency = subOf(id).items.data[0].price.currency;
    const other = currency === 'jpy' ? 'chf' : 'jpy';
    const created = await stripe('POST', '/v1/prices', {
      currency: other,
      unit_amount: '50000',
      'recurring[interval]': 'year',
      'product_data[name]': 'Regional',
    });
    assert.equal(created.status, 200, JSON.stringify(created.body));
    // Stripe's price.created webhook drops the cached plan list.
    await waitFor('the new plan listed', async () =>
      ((await t.gql(PLANS, { token })).body.data.plans as { id: string }[]).some((p) => p.id === created.body.id),
    );
    sims.resetStats();
    const res = await t.gql(CHANGE, { token, variables: { p: created.body.id } });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(res.body.errors?.[0]?.extensions?.argument, 'planId');
    assert.match(res.body.errors[0].message, /not sold in/);
    assert.equal(updates(), 0);
  });
});
