/**
 * Salesforce as the CRM (CRM_VENDOR=salesforce) feeds the same change pipeline as HubSpot's
 * webhooks, through its change poller (Get Updated / Get Deleted; Salesforce's REST API has no
 * signed contact webhooks): a contact edited in Salesforce reaches the Stripe customer and the
 * Zendesk user once, its cached record is dropped, and our own write polled back costs reads, never
 * a second write. Real Redis, the simulators over HTTP; the poll is run by the test (no timer), and
 * the org's clock is set back so a change falls in a minute Get Updated already reports.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { redisClient, waitFor } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  t = await startTestApp({
    sims,
    env: {
      CRM_VENDOR: 'salesforce',
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'sfchanges',
      // The test polls; the timer would poll at its own moments.
      SALESFORCE_POLL_INTERVAL_S: '3600',
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '100',
    },
  });
});
after(async () => {
  await t?.close();
  await sims?.close();
  await redis?.stop();
});

const seedOf = (crmId: string) => sims.data.customers.find((c) => c.crmId === crmId)!;
const c = () => sims.credentials;
const SF = () => `${sims.urls.salesforce}/services/data/v62.0`;
const patches = () => sims.stats('salesforce').byRoute['PATCH /services/data/v62.0/sobjects/Contact/{id}'] ?? 0;
const replicaWrites = () => ({
  stripe: sims.stats('stripe').byRoute['POST /v1/customers/{id}'] ?? 0,
  zendesk: sims.stats('zendesk').byRoute['PUT /api/v2/users/{id}'] ?? 0,
});

async function sfToken(): Promise<string> {
  const res = await fetch(`${sims.urls.salesforce}/services/oauth2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: c().salesforceClientId,
      client_secret: c().salesforceClientSecret,
    }),
  });
  return ((await res.json()) as { access_token: string }).access_token;
}
async function stripeCustomer(crmId: string) {
  const res = await fetch(`${sims.urls.stripe}/v1/customers/${seedOf(crmId).stripeCustomerId}`, {
    headers: { authorization: `Bearer ${c().stripeSecretKey}` },
  });
  return (await res.json()) as { name: string; email: string };
}
async function zendeskUser(crmId: string) {
  const auth = `Basic ${Buffer.from(`${c().zendeskEmail}/token:${c().zendeskApiToken}`).toString('base64')}`;
  const res = await fetch(`${sims.urls.zendesk}/api/v2/users/${seedOf(crmId).zendeskUserId}`, { headers: { authorization: auth } });
  return ((await res.json()) as { user: { name: string; email: string } }).user;
}
async function drained() {
  await waitFor('queues drained', async () => {
    for (const q of [t.app.replicas.queue!, ...Object.values(t.app.events.queues)]) {
      const n = await q.counts();
      if (n.waiting + n.active + n.delayed > 0) return false;
    }
    return true;
  });
}
/** The org's clock three minutes back, so Get Updated (whole minutes, up to now) already reports what changes meanwhile. */
const inThePast = () => sims.salesforce.setNow(Date.now() - 3 * 60_000);
const inThePresent = () => sims.salesforce.setNow(undefined);

test('a contact edited in Salesforce reaches Stripe and Zendesk through the poller, once; a second poll adds nothing', async () => {
  const agent = t.token('agent');
  // Cached before the change: the poll must drop it.
  assert.equal((await t.gql(`{ customer(id: "1007") { email } }`, { token: agent })).body.data.customer.email, seedOf('1007').email);
  await drained();
  inThePast();
  try {
    const id = sims.salesforce.contactId('1007')!;
    const res = await fetch(`${SF()}/sobjects/Contact/${id}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${await sfToken()}`, 'content-type': 'application/json' },
      body: JSON.stringify({ Email: 'edited.in.salesforce@example.com' }),
    });
    assert.equal(res.status, 204);
  } finally {
    inThePresent();
  }
  sims.resetStats();
  assert.ok((await t.app.changeFeed!.pollOnce()) >= 1, 'the poll saw the change');
  await waitFor('Stripe and Zendesk carry the new email', async () => {
    const [s, z] = await Promise.all([stripeCustomer('1007'), zendeskUser('1007')]);
    return s.email === 'edited.in.salesforce@example.com' && z.email === 'edited.in.salesforce@example.com';
  });
  await drained();
  assert.deepEqual(replicaWrites(), { stripe: 1, zendesk: 1 });
  assert.equal(patches(), 0, 'nothing wrote Salesforce back');
  const read = await t.gql(`{ customer(id: "1007") { email } }`, { token: agent });
  assert.equal(read.body.data.customer.email, 'edited.in.salesforce@example.com', 'the cached record was dropped');
  // The same window polled again: the cursor moved, and a change seen twice is one job (its event id).
  await t.app.changeFeed!.pollOnce();
  await drained();
  assert.deepEqual(replicaWrites(), { stripe: 1, zendesk: 1 });
});

test('our own write polled back from Salesforce costs reads, never a second write', async () => {
  await drained();
  // A poller starting afresh (its position dropped): its first poll looks five minutes back, over the write.
  const r = redisClient(redis.url);
  await r.del('sfchanges:crm:salesforce:cursor');
  r.disconnect();
  inThePast();
  try {
    sims.resetStats();
    const res = await t.gql(`mutation { updateContact(id: "1008", input: { firstName: "Edith", lastName: "Clarke" }) { id name } }`, {
      token: t.token('agent'),
    });
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    assert.deepEqual(res.body.data.updateContact, { id: '1008', name: 'Edith Clarke' });
  } finally {
    inThePresent();
  }
  await waitFor('the replicas follow', async () => (await stripeCustomer('1008')).name === 'Edith Clarke');
  await drained();
  assert.equal(patches(), 1);
  const after = replicaWrites();
  assert.ok((await t.app.changeFeed!.pollOnce()) >= 1, 'the poll saw our write');
  await drained();
  assert.deepEqual(replicaWrites(), after, 'the echo wrote nothing');
  assert.equal(patches(), 1, 'and nothing wrote Salesforce again');
});
