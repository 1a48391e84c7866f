/**
 * Field ownership end to end, for the CRM under test (PORTICO_TEST_CRM: HubSpot by default,
 * Salesforce in `npm run test:crm`): contact mutations write the CRM (the owner) once, the replica
 * queue brings the Stripe customer and the Zendesk user in step (retrying through a Stripe outage,
 * dead-lettering past the attempts, replayed by an admin), a change made in the CRM flows the same
 * way through its webhook or change poller, our own writes' echoes do not loop, and
 * `npm run reconcile` finds and repairs drift injected into the simulators. Real Redis, simulators
 * over HTTP, signed webhooks.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { crmWrites, startTestApp, TEST_CRM, type TestApp } from '../helpers/app.js';
import { crmBillingCountry, crmContact, editEmailInCrm, setCrmBillingCountry, writeAndEcho } from '../helpers/crm.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { redisClient, SECRETS, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

const PREFIX = 'reptest';
const CUSTOMERS = 120;
let redis: TestRedis;
let sims: Simulators;
let t: TestApp;
let r: Redis;

before(async () => {
  redis = await startRedis();
  // Reconciliation reads every customer (one CRM call each for the billing-country copy): fewer than npm start's 500.
  sims = await startSimulators({ customers: CUSTOMERS });
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: PREFIX,
      REDIS_COMMAND_TIMEOUT_MS: '1000',
      EVENT_ATTEMPTS: '4',
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '100',
      // Salesforce as the CRM: the test runs its change poller (the timer would poll at its own moments).
      SALESFORCE_POLL_INTERVAL_S: '3600',
      ...WEBHOOK_ENV,
    },
  });
  r = redisClient(redis.url);
  const url = (system: string) => `${t.url}/webhooks/${system}`;
  sims.webhooks.configure({
    stripe: { url: url('stripe'), secret: SECRETS.stripe[0] },
    hubspot: { url: url('hubspot'), clientSecret: SECRETS.hubspot },
    zendesk: { url: url('zendesk'), secret: SECRETS.zendesk },
  });
});
after(async () => {
  r?.disconnect();
  await t?.close();
  await sims?.close();
  await redis?.stop();
});

const seedOf = (crmId: string) => sims.data.customers.find((c) => c.crmId === crmId)!;
const c = () => sims.credentials;
async function stripeCustomer(crmId: string): Promise<{ name: string; email: string }> {
  const res = await fetch(`${sims.urls.stripe}/v1/customers/${seedOf(crmId).stripeCustomerId}`, {
    headers: { authorization: `Bearer ${c().stripeSecretKey}` },
  });
  return (await res.json()) as { name: string; email: string };
}
const zendeskAuth = () => `Basic ${Buffer.from(`${c().zendeskEmail}/token:${c().zendeskApiToken}`).toString('base64')}`;
async function zendeskUser(crmId: string): Promise<{ name: string; email: string }> {
  const res = await fetch(`${sims.urls.zendesk}/api/v2/users/${seedOf(crmId).zendeskUserId}`, {
    headers: { authorization: zendeskAuth() },
  });
  return ((await res.json()) as { user: { name: string; email: string } }).user;
}
/** Writes made to each system since the last resetStats(). */
const writes = () => ({
  crm: crmWrites(sims),
  stripe: sims.stats('stripe').byRoute['POST /v1/customers/{id}'] ?? 0,
  zendesk: sims.stats('zendesk').byRoute['PUT /api/v2/users/{id}'] ?? 0,
});
/** Nothing left to happen: no webhook in flight, every queue empty (dead letters aside). */
async function drained(): Promise<void> {
  await waitFor('queues and webhooks drained', async () => {
    await sims.webhooks.idle();
    const queues = [t.app.replicas.queue!, ...Object.values(t.app.events.queues)];
    for (const q of queues) {
      const n = await q.counts();
      if (n.waiting + n.active + n.delayed > 0) return false;
    }
    return true;
  });
}
const UPDATE = `mutation($id: ID!, $input: ContactInput!) { updateContact(id: $id, input: $input) { id name email phone company } }`;
const UPDATE_MINE = `mutation($input: ContactInput!) { updateMyContact(input: $input) { id name email } }`;

describe('contact mutations write the owner once and the replicas follow', () => {
  test('updateContact: the CRM written once, the answer and the next read show it, Stripe and Zendesk follow; echoes do not loop', async () => {
    const token = t.token('agent');
    const before = await t.gql(`{ customer(id: "1003") { email } }`, { token });
    assert.equal(before.body.data.customer.email, seedOf('1003').email);
    await drained();
    sims.resetStats();
    const crmEvents = t.app.events.queues[t.app.config.crm.vendor];
    const eventsBefore = (await crmEvents.counts()).processed;

    const echoes = await writeAndEcho(
      sims,
      t.app,
      { redis: r, prefix: PREFIX },
      async () => {
        const res = await t.gql(UPDATE, {
          token,
          variables: {
            id: '1003',
            input: { firstName: 'Grace', lastName: 'Hopper', email: 'Grace.Hopper@Example.com', phone: '+1 555 0100' },
          },
        });
        assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
        assert.deepEqual(res.body.data.updateContact, {
          id: '1003',
          name: 'Grace Hopper',
          email: 'grace.hopper@example.com',
          phone: '+1 555 0100',
          company: seedOf('1003').company,
        });
        assert.equal(writes().crm, 1);
        // Read-your-writes: the cached record was dropped.
        const next = await t.gql(`{ customer(id: "1003") { name email } }`, { token });
        assert.deepEqual(next.body.data.customer, { name: 'Grace Hopper', email: 'grace.hopper@example.com' });
      },
      async () => {
        await waitFor('Stripe and Zendesk carry the new name and email', async () => {
          const [s, z] = await Promise.all([stripeCustomer('1003'), zendeskUser('1003')]);
          return (
            s.name === 'Grace Hopper' &&
            s.email === 'grace.hopper@example.com' &&
            z.name === 'Grace Hopper' &&
            z.email === 'grace.hopper@example.com'
          );
        });
        await drained();
      },
    );
    // The CRM echoed our write (HubSpot: one propertyChange per property; Salesforce: the poll saw
    // it), Stripe sent customer.updated and Zendesk its user events: every echo was received and
    // handled, and none wrote anything again.
    assert.ok(echoes >= 1, 'the CRM echoed the write');
    const handled = (await crmEvents.counts()).processed - eventsBefore;
    assert.ok(handled >= 1, `the CRM's echo was handled as a change event (${handled} processed)`);
    assert.deepEqual(writes(), { crm: 1, stripe: 1, zendesk: 1 });
  });

  test('updateMyContact: a customer changes its own phone; no replicated field, so no replica write', async () => {
    await drained();
    sims.resetStats();
    const res = await t.gql(`mutation($input: ContactInput!) { updateMyContact(input: $input) { id phone } }`, {
      token: t.token('customer', '1008'),
      variables: { input: { phone: '+44 20 7946 0958' } },
    });
    assert.deepEqual(res.body.data.updateMyContact, { id: '1008', phone: '+44 20 7946 0958' });
    assert.equal((await crmContact(sims, '1008')).phone, '+44 20 7946 0958');
    await drained();
    assert.deepEqual(writes(), { crm: 1, stripe: 0, zendesk: 0 });
  });

  test('invalid input names the field and writes nothing', async () => {
    sims.resetStats();
    const token = t.token('admin');
    const cases: [Record<string, unknown>, string][] = [
      [{ email: 'not-an-email' }, 'input.email'],
      [{ phone: 'call me' }, 'input.phone'],
      [{ firstName: '' }, 'input.firstName'],
      [{ lastName: 'x'.repeat(101) }, 'input.lastName'],
      [{ company: 'y'.repeat(201) }, 'input.company'],
      [{}, 'input'],
    ];
    for (const [input, argument] of cases) {
      const res = await t.gql(UPDATE, { token, variables: { id: '1009', input } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(input));
      assert.equal(res.body.errors?.[0]?.extensions?.argument, argument, JSON.stringify(input));
    }
    assert.equal(writes().crm, 0);
    // Another customer's email: the CRM refuses it as a duplicate, the client learns which field.
    const taken = await t.gql(UPDATE, { token, variables: { id: '1009', input: { email: seedOf('1010').email } } });
    assert.equal(taken.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(taken.body.errors?.[0]?.extensions?.argument, 'input.email');
    assert.equal((await crmContact(sims, '1009')).email, seedOf('1009').email);
  });

  test('an unknown id is NOT_FOUND', async () => {
    const res = await t.gql(UPDATE, { token: t.token('admin'), variables: { id: '999999', input: { company: 'X' } } });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });
});

describe("Stripe Search lagging a minute behind writes (as Stripe's does)", () => {
  test('a name changed and changed back within the minute still reaches Stripe: a linked customer is retrieved, not searched', async () => {
    sims.setFaults('stripe', { searchLagMs: 60_000 });
    try {
      const token = t.token('agent');
      // A read links the customer (crm id -> Stripe customer id).
      const read = await t.gql(`{ customer(id: "1012") { name billing { balance } } }`, { token });
      assert.equal(read.body.errors, undefined, JSON.stringify(read.body.errors));
      const [first, ...rest] = read.body.data.customer.name.split(' ');
      const rename = async (firstName: string, lastName: string) => {
        const res = await t.gql(UPDATE, { token, variables: { id: '1012', input: { firstName, lastName } } });
        assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      };
      await rename('Augusta', 'Byron');
      await waitFor('Stripe carries the new name', async () => (await stripeCustomer('1012')).name === 'Augusta Byron');
      await drained();
      await rename(first, rest.join(' '));
      await waitFor('Stripe carries the name again', async () => (await stripeCustomer('1012')).name === read.body.data.customer.name);
      await drained();
      assert.equal((await stripeCustomer('1012')).name, read.body.data.customer.name);
    } finally {
      sims.setFaults('stripe', {});
    }
  });
});

describe('replica jobs survive a Stripe outage', () => {
  test('Stripe failing for a while: the CRM is updated at once, the Stripe job retries and succeeds when Stripe is back', async () => {
    await drained();
    sims.resetStats();
    // The next two Stripe requests fail (the job's first two attempts), then Stripe answers again.
    sims.setFaults('stripe', { failFirst: 2 });
    try {
      const res = await t.gql(UPDATE_MINE, { token: t.token('customer', '1004'), variables: { input: { email: 'outage@example.com' } } });
      assert.equal(res.body.data.updateMyContact.email, 'outage@example.com');
      assert.equal((await crmContact(sims, '1004')).email, 'outage@example.com');
      await waitFor('Stripe carries the new email', async () => (await stripeCustomer('1004')).email === 'outage@example.com');
      assert.equal((await zendeskUser('1004')).email, 'outage@example.com');
      await drained();
      assert.ok(sims.stats('stripe').total >= 3, 'two failed attempts, then the successful one');
      assert.equal(writes().stripe, 1);
      assert.equal((await t.app.replicas.failed(0, 10)).total, 0);
    } finally {
      sims.setFaults('stripe', {});
    }
  });

  test('Stripe failing past the attempts: the job is dead-lettered, listed to admins, and replay fixes the replica', async () => {
    await drained();
    sims.setFaults('stripe', { failureRate: 1 });
    let jobId: string;
    try {
      const res = await t.gql(UPDATE, { token: t.token('admin'), variables: { id: '1005', input: { lastName: 'Deadletter' } } });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      await waitFor('a dead-lettered Stripe job', async () => (await t.app.replicas.failed(0, 10)).jobs.some((j) => j.kind === 'stripe'));
      const listed = await t.gql(`{ failedReplicaJobs(first: 10) { totalCount nodes { id system customerId attempts lastError } } }`, {
        token: t.token('admin'),
      });
      const nodes = listed.body.data.failedReplicaJobs.nodes as { id: string; system: string; customerId: string; attempts: number }[];
      const dead = nodes.filter((n) => n.system === 'stripe' && n.customerId === '1005');
      assert.ok(dead.length >= 1, JSON.stringify(listed.body));
      assert.ok(dead.every((n) => n.attempts === 4));
      jobId = dead[0].id;
      // Visible to admins in integrationHealth as well.
      const health = await t.gql(`{ integrationHealth { queues { name deadLettered } } }`, { token: t.token('admin') });
      const replicaQueue = health.body.data.integrationHealth.queues.find((q: { name: string }) => q.name === 'replicas');
      assert.ok(replicaQueue.deadLettered >= 1, JSON.stringify(health.body));
      const agent = await t.gql(`{ failedReplicaJobs { totalCount } }`, { token: t.token('agent') });
      assert.equal(agent.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
      assert.notEqual((await stripeCustomer('1005')).name, `${seedOf('1005').firstname} Deadletter`);
    } finally {
      sims.setFaults('stripe', {});
    }
    // Stripe is back; the admin replays every dead job of 1005 (the echo may have queued a second
    // one), once every attempt that was under way during the outage has ended (one of them may
    // still die: CI saw a job dead-lettered after the replays).
    await drained();
    for (const n of (await t.app.replicas.failed(0, 50)).jobs.filter((j) => (j.data as { crmId: string }).crmId === '1005')) {
      const replay = await t.gql(`mutation($id: ID!) { replayReplicaJob(id: $id) { id status } }`, {
        token: t.token('admin'),
        variables: { id: n.id },
      });
      assert.deepEqual(replay.body.data.replayReplicaJob, { id: n.id, status: 'REPLAYED' });
    }
    await waitFor(
      'Stripe carries the new name',
      async () => (await stripeCustomer('1005')).name === `${seedOf('1005').firstname} Deadletter`,
    );
    await drained();
    assert.equal((await t.app.replicas.failed(0, 10)).total, 0);
    const again = await t.gql(`mutation($id: ID!) { replayReplicaJob(id: $id) { status } }`, {
      token: t.token('admin'),
      variables: { id: jobId },
    });
    assert.equal(again.body.data.replayReplicaJob.status, 'ALREADY_PROCESSED');
    const unknown = await t.gql(`mutation { replayReplicaJob(id: "stripe.nope") { status } }`, { token: t.token('admin') });
    assert.equal(unknown.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });
});

describe('a change made in the owner flows through its webhook or change poller', () => {
  test('an email edited directly in the CRM reaches Stripe and Zendesk, and nothing writes the CRM back', async () => {
    // Cached before the change: the change must drop it.
    const agent = t.token('agent');
    assert.equal((await t.gql(`{ customer(id: "1006") { email } }`, { token: agent })).body.data.customer.email, seedOf('1006').email);
    await drained();
    sims.resetStats();
    await editEmailInCrm(sims, t.app, { redis: r, prefix: PREFIX }, '1006', 'edited.in.crm@example.com');
    await waitFor('Stripe and Zendesk carry the edited email', async () => {
      const [s, z] = await Promise.all([stripeCustomer('1006'), zendeskUser('1006')]);
      return s.email === 'edited.in.crm@example.com' && z.email === 'edited.in.crm@example.com';
    });
    await drained();
    // One write each (the CRM's being the edit itself); the Stripe and Zendesk events our writes
    // caused did not write the CRM.
    assert.deepEqual(writes(), { crm: 1, stripe: 1, zendesk: 1 });
    // The gateway serves the new email (the change dropped the cached record).
    const read = await t.gql(`{ customer(id: "1006") { email } }`, { token: agent });
    assert.equal(read.body.data.customer.email, 'edited.in.crm@example.com');
  });
});

/** Runs `npm run reconcile`'s script against the simulators and this Redis. */
function runReconcileCli(): Promise<{ code: number | null; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/reconcile.ts'], {
      env: {
        ...process.env,
        ...t.env,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: PREFIX,
        LOG_LEVEL: 'warn',
        RECONCILE_CALLS_PER_SECOND: '100',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stderr.on('data', (d: Buffer) => (out += d.toString()));
    child.on('error', reject);
    child.on('exit', (code) => resolve({ code, out }));
  });
}

describe('reconciliation', () => {
  test('drift injected into Stripe and Zendesk is found, repaired (the owner wins) and counted by `npm run reconcile`', async () => {
    await drained();
    // Drift made directly in the replicas (their webhooks reach the gateway but never write the owner).
    const s = await fetch(`${sims.urls.stripe}/v1/customers/${seedOf('1007').stripeCustomerId}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${c().stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'name=Someone%20Else',
    });
    assert.equal(s.status, 200);
    const z = await fetch(`${sims.urls.zendesk}/api/v2/users/${seedOf('1011').zendeskUserId}`, {
      method: 'PUT',
      headers: { authorization: zendeskAuth(), 'content-type': 'application/json' },
      body: JSON.stringify({ user: { email: 'stale@example.com', name: 'Stale Name' } }),
    });
    assert.equal(z.status, 200);
    // And in the CRM's copy of the billing country (Stripe, the owner, has no address for 1013).
    await setCrmBillingCountry(sims, '1013', 'FR');
    await drained();
    assert.equal((await stripeCustomer('1007')).name, 'Someone Else');
    assert.equal(await crmBillingCountry(sims, '1013'), 'FR');

    const { code, out } = await runReconcileCli();
    assert.equal(code, 0, out);
    assert.match(out, new RegExp(`${CUSTOMERS} customers checked`));
    assert.match(out, /Next: nothing; drift was repaired/);

    const owner1007 = seedOf('1007');
    assert.equal((await stripeCustomer('1007')).name, `${owner1007.firstname} ${owner1007.lastname}`);
    const z1011 = await zendeskUser('1011');
    assert.equal(z1011.email, seedOf('1011').email);
    assert.equal(z1011.name, `${seedOf('1011').firstname} ${seedOf('1011').lastname}`);

    const last = JSON.parse((await r.get(`${PREFIX}:reconcile:last`)) ?? 'null');
    assert.equal(last.customersChecked, CUSTOMERS);
    assert.equal(last.errors, 0);
    assert.ok(Date.parse(last.startedAt) <= Date.parse(last.finishedAt));
    assert.deepEqual(last.fields, [
      { system: 'stripe', field: 'name', drift: 1, repaired: 1 },
      { system: 'zendesk', field: 'name', drift: 1, repaired: 1 },
      { system: 'stripe', field: 'email', drift: 0, repaired: 0 },
      { system: 'zendesk', field: 'email', drift: 1, repaired: 1 },
      { system: TEST_CRM, field: 'billingCountry', drift: 1, repaired: 1 },
    ]);
    assert.equal(await crmBillingCountry(sims, '1013'), null, "the CRM's copy follows Stripe again");

    // Admins see the run in integrationHealth.
    const health = await t.gql(
      `{ integrationHealth { lastReconciliation { customersChecked errors fields { system field drift repaired } } } }`,
      {
        token: t.token('admin'),
      },
    );
    assert.deepEqual(health.body.data.integrationHealth.lastReconciliation, {
      customersChecked: CUSTOMERS,
      errors: 0,
      fields: last.fields,
    });

    // A second run finds nothing left.
    const second = await t.app.replicas.reconcile();
    assert.equal(
      second.fields.reduce((n, f) => n + f.drift, 0),
      0,
    );
  });
});

describe('the scheduled reconciliation', () => {
  test('the workers declare one repeatable job on RECONCILE_SCHEDULE, however many instances start', async () => {
    const env = { ...t.env, REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'reptest2', RECONCILE_SCHEDULE: '15 3 * * *' };
    const a = await startTestApp({ sims, env });
    const b = await startTestApp({ sims, env });
    const q = new Queue('replicas', { connection: { url: redis.url }, prefix: 'reptest2:bull' });
    try {
      const schedulers = await q.getJobSchedulers();
      assert.equal(schedulers.length, 1);
      assert.equal(schedulers[0].pattern, '15 3 * * *');
      assert.equal(schedulers[0].name, 'reconcile');
      // Waiting for 03:15 UTC: nothing runs now.
      assert.equal((await q.getJobCounts('active', 'completed')).completed, 0);
    } finally {
      await q.close();
      await a.close();
      await b.close();
    }
  });
});
