/**
 * The app on a real Redis Cluster (3 masters, 1 replica each, `redis-cli --cluster create`),
 * through REDIS_URL's `redis+cluster://` form: every Redis user runs on keys spread over three
 * masters (scripts and queues under their hash tags, batches split per node), then a master is
 * SIGKILLed and its replica takes over. Checked through the real app over HTTP: a dashboard read
 * (a cache hit the second time), a keyed write twice (one CRM write), a signed webhook processed
 * by the queue, the vendor budget counted in the cluster, a user rate limit, audit entries and
 * `npm run audit -- verify`, a partner revocation; after the failover the app answers again, a
 * write answered done was sent exactly once, and one refused was never sent.
 */
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import type { Cluster, Redis } from 'ioredis';
import { createRedisBudgetStore } from '../../src/platform/budget.js';
import { connectRedis } from '../../src/platform/redis.js';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { crmWrites, DASHBOARD, startTestApp, TEST_CRM, type GqlResponse, type TestApp } from '../helpers/app.js';
import { startRedisCluster, type TestRedisCluster } from '../helpers/redis-cluster.js';
import { changesFor, post as postWebhook, stripeEvent, stripeHeader, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

const PREFIX = 'clu';
const NONE = { crm: 0, stripe: 0, zendesk: 0, s3: 0 };
let cluster: TestRedisCluster;
let sims: Simulators;
let t: TestApp;
let r: Cluster;

before(async () => {
  cluster = await startRedisCluster({ masters: 3, replicas: 1 });
  sims = await startSimulators({ customers: 20 });
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: cluster.url,
      REDIS_KEY_PREFIX: PREFIX,
      REDIS_COMMAND_TIMEOUT_MS: '1000',
      USER_RATE_LIMIT_PER_MINUTE: '20',
      EVENT_BACKOFF_MS: '20',
      EVENT_BACKOFF_MAX_MS: '200',
      AUTOMATION_PAYMENT_FAILED: 'false',
      AUTOMATION_PAYMENT_SUCCEEDED: 'false',
      AUTOMATION_SUBSCRIPTION_CHANGED: 'false',
      AUTOMATION_TICKET_SOLVED: 'false',
      ...WEBHOOK_ENV,
    },
  });
  r = cluster.client();
  await waitFor('the app to be ready on the cluster', async () => (await fetch(`${t.url}/readyz`)).status === 200);
});
after(async () => {
  r?.disconnect();
  await t?.close();
  await sims?.close();
  await cluster?.stop();
});

/** A mutation with an Idempotency-Key, answered as the raw text (a replay is byte-identical). */
async function keyed(token: string, key: string, query: string) {
  const res = await fetch(`${t.url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: `Bearer ${token}`, 'idempotency-key': key },
    body: JSON.stringify({ query }),
  });
  const text = await res.text();
  return {
    status: res.status,
    replayed: res.headers.get('idempotent-replayed') === 'true',
    text,
    body: JSON.parse(text) as GqlResponse['body'],
  };
}
const phoneWrite = (phone: string) => `mutation { updateMyContact(input: { phone: "${phone}" }) { id phone } }`;

const verifyAudit = () =>
  spawnSync(process.execPath, ['--import', 'tsx', 'scripts/audit.ts', 'verify'], {
    env: { PATH: process.env.PATH, NODE_ENV: 'test', REDIS_URL: cluster.url, REDIS_KEY_PREFIX: PREFIX },
    encoding: 'utf8',
  });

const stripeWebhook = async () => {
  const ada = sims.data.customers.find((c) => c.crmId === '1001')!;
  const event = stripeEvent('invoice.paid', { id: ada.invoices[0].id, object: 'invoice', customer: ada.stripeCustomerId, status: 'paid' });
  const body = JSON.stringify(event);
  const res = await postWebhook(`${t.url}/webhooks/stripe`, body, { 'stripe-signature': stripeHeader(body) });
  assert.equal(res.status, 200, res.body);
  await waitFor(`the change event of ${event.id}`, async () => (await changesFor(r as unknown as Redis, PREFIX, event.id)).length > 0);
  assert.equal((await changesFor(r as unknown as Redis, PREFIX, event.id)).length, 1);
};

test("the cluster spreads the app's keys over more than one master", async () => {
  const masters = new Set(await Promise.all(['a', 'b', 'c', 'd', 'e', 'f'].map((k) => cluster.masterOf(`${PREFIX}:links:${k}`))));
  assert.ok(masters.size > 1, 'customer keys land on more than one master');
});

test('a dashboard read, then the same read from the cache with no vendor call', async () => {
  const ada = t.token('customer', '1001');
  const first = await t.gql(DASHBOARD, { token: ada });
  assert.equal(first.body.errors, undefined, JSON.stringify(first.body.errors));
  assert.equal(first.body.data.me.id, '1001');
  await t.app.cache.settle();
  sims.resetStats();
  const second = await t.gql(DASHBOARD, { token: ada });
  assert.deepEqual(second.body, first.body);
  assert.deepEqual(t.calls(), NONE);
});

test('the same Idempotency-Key twice: one CRM write, the first answer replayed', async () => {
  const grace = t.token('customer', '1002');
  const before = crmWrites(sims);
  const first = await keyed(grace, 'clu-write-1', phoneWrite('+44 20 7946 0001'));
  assert.equal(first.body.errors, undefined, first.text);
  const again = await keyed(grace, 'clu-write-1', phoneWrite('+44 20 7946 0001'));
  assert.equal(again.replayed, true);
  assert.equal(again.text, first.text);
  assert.equal(crmWrites(sims) - before, 1);
});

test('a signed Stripe webhook is queued, processed once and published on the change stream', async () => {
  await stripeWebhook();
});

test('the vendor budget is counted in the cluster, on the script-shared slot of its vendor', async () => {
  const bucket = await r.hgetall(`${PREFIX}:budget:${TEST_CRM}`);
  assert.ok(Number(bucket.used) >= 1, JSON.stringify(bucket));
});

test('budget takes of one loop turn on buckets served by different masters each reach the cluster, none metered locally', async () => {
  // The gateway's own connection role for budgets. Scripts with a key count first were auto-pipelined
  // by the count's slot: takes on several masters in one turn failed together and went local (bench --cluster).
  const client = connectRedis(cluster.url, 'read');
  client.on('error', () => undefined);
  try {
    const store = createRedisBudgetStore(client);
    const keys = ['a', 'b', 'c', 'd', 'e', 'f'].map((v) => `${PREFIX}:budget:tick-${v}`);
    assert.ok(new Set(await Promise.all(keys.map((k) => cluster.masterOf(k)))).size > 1, 'the buckets are on more than one master');
    // A day's window: the counts below are one window's.
    const spec = { limit: 1000, windowS: 86_400 };
    const taken = await Promise.all(keys.flatMap((k) => [1, 2, 3].map(() => store.take([k], [spec], [0]))));
    assert.deepEqual(
      taken.map((x) => x.ok),
      taken.map(() => true),
    );
    // Counted in Redis, each one: a take metered locally would leave its bucket short.
    for (const k of keys) assert.equal(await r.hget(k, 'used'), '3', k);
  } finally {
    client.disconnect();
  }
});

test('a user rate limit counts every request in the cluster: the 21st in a minute is 429 RATE_LIMITED', async () => {
  const linus = t.token('customer', '1003');
  for (let i = 0; i < 20; i++) assert.equal((await t.gql('{ me { id } }', { token: linus })).status, 200);
  sims.resetStats();
  const over = await t.gql('{ me { id } }', { token: linus });
  assert.equal(over.status, 429);
  assert.equal(over.body.errors?.[0]?.extensions?.code, 'RATE_LIMITED');
  assert.deepEqual(t.calls(), NONE);
});

test('a partner token works, is revoked, and the revocation is seen on the next request; both are audited and the chain verifies', async () => {
  const admin = t.token('admin', 'alice');
  const minted = await t.gql(
    'mutation { createPartnerToken(input: { name: "clu", scopes: ["crm.contacts:read"] }) { token partnerToken { id } } }',
    { token: admin },
  );
  assert.equal(minted.body.errors, undefined, JSON.stringify(minted.body.errors));
  const { token, partnerToken } = minted.body.data.createPartnerToken;
  assert.equal((await t.gql('{ customer(id: "1002") { id } }', { token })).status, 200);
  const listed = await t.gql('{ partnerTokens { id } }', { token: admin });
  assert.ok((listed.body.data.partnerTokens as { id: string }[]).some((p) => p.id === partnerToken.id));
  await t.gql('mutation($id: ID!) { revokePartnerToken(id: $id) { id } }', { token: admin, variables: { id: partnerToken.id } });
  assert.equal((await t.gql('{ customer(id: "1002") { id } }', { token })).status, 401);

  const log = await t.gql('{ auditLog(first: 20) { nodes { action outcome } } }', { token: t.token('admin', 'bob') });
  const actions = (log.body.data.auditLog.nodes as { action: string; outcome: string }[]).map((e) => `${e.action}:${e.outcome}`);
  assert.ok(actions.includes('partnerToken.create:OK') && actions.includes('partnerToken.revoke:OK'), actions.join(', '));
  const verified = verifyAudit();
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  assert.match(verified.stdout, /checked/i);
});

test('a master killed (SIGKILL) fails over to its replica: the app answers again, nothing answered done is lost or sent twice', async (ctx) => {
  // The master of the audit chain's slot: the log must go on from the same head after the failover.
  const { killed, promoted } = await cluster.killMasterOf(`${PREFIX}:{audit}`);

  // Keyed writes sent at once, while the replica is not yet elected, each its own key and customer:
  // every answer is either done, or refused (503) before anything was sent.
  const writes = [0, 1, 2, 3, 4].map((i) => ({
    key: `clu-failover-${i}`,
    token: t.token('customer', String(1006 + i)),
    query: phoneWrite(`+44 20 7946 01${i}0`),
    done: false,
  }));
  const sentBefore = crmWrites(sims);
  for (const w of writes) {
    const a = await keyed(w.token, w.key, w.query);
    w.done = a.status === 200 && a.body.errors === undefined;
    if (!w.done) assert.equal(a.status, 503, a.text);
  }
  assert.equal(crmWrites(sims) - sentBefore, writes.filter((w) => w.done).length, 'a write is sent only when it is answered done');
  ctx.diagnostic(
    `during the failover: ${writes.filter((w) => w.done).length} writes done, ${writes.filter((w) => !w.done).length} refused`,
  );
  assert.notEqual((await promoted).port, killed.port);

  // Each retried until done (a few tries, a second apart): one CRM write per key in all, the done ones replayed.
  for (const w of writes) {
    let answer = await keyed(w.token, w.key, w.query);
    for (let tries = 0; tries < 10 && answer.status !== 200; tries++) {
      await new Promise((res) => setTimeout(res, 1000));
      answer = await keyed(w.token, w.key, w.query);
    }
    assert.equal(answer.body.errors, undefined, answer.text);
    assert.equal(answer.replayed, w.done, w.key);
  }
  assert.equal(crmWrites(sims) - sentBefore, writes.length);

  // Earlier state survived: the first keyed write still replays, the dashboard answers, the queue and the audit chain go on.
  const replay = await keyed(t.token('customer', '1002'), 'clu-write-1', phoneWrite('+44 20 7946 0001'));
  assert.equal(replay.replayed, true);
  const dash = await t.gql(DASHBOARD, { token: t.token('customer', '1005') });
  assert.equal(dash.body.errors, undefined, JSON.stringify(dash.body.errors));
  await stripeWebhook();
  // Every event queue's worker still takes jobs (its blocking connection followed the failover):
  // a job of a kind no handler knows is taken and dead-lettered at once. Waited for side by side, up
  // to 90 s: a blocking connection asks the dead master until the cluster has promoted its replica
  // and ioredis has read the new slots, then BullMQ asks again after its runRetryDelay; on a loaded
  // machine (CI runs two suites at once) one queue took more than 30 s.
  const queues = Object.values(t.app.events.queues);
  const deadBefore = await Promise.all(queues.map(async (q) => (await q.counts()).dead));
  for (const q of queues)
    assert.deepEqual(await q.add([{ kind: 'cluster-probe', key: 'after-failover', data: {} }]), [{ key: 'after-failover', added: true }]);
  const probedAt = Date.now();
  const took = await Promise.all(
    queues.map(async (q, i) => {
      await waitFor(`${q.name} to take a job after the failover`, async () => (await q.counts()).dead === deadBefore[i] + 1, 90_000);
      return `${q.name} ${Date.now() - probedAt} ms`;
    }),
  );
  ctx.diagnostic(`after the failover, a job taken by: ${took.join(', ')}`);
  await t.gql('mutation { purgeCustomerCache(id: "1001") }', { token: t.token('admin', 'carol') });
  const verified = verifyAudit();
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
  assert.equal((await fetch(`${t.url}/readyz`)).status, 200);
});
