/**
 * What every simulator shares: fault knobs (rate limit with Retry-After, failure rate, latency),
 * per-route counters, body limits, clean close, and deterministic seeded data.
 */
import assert from 'node:assert/strict';
import { request } from 'node:http';
import type { Socket } from 'node:net';
import { after, before, test } from 'node:test';
import { DEFAULT_SIM_CREDENTIALS, startSimulators, type SimSystem, type Simulators } from '../../../sim/index.js';
import { seed } from '../../../sim/seed.js';

let sims: Simulators;
/** The Salesforce simulator's faults are tested with it (test/unit/sim/salesforce.test.ts). */
type FourSystems = Exclude<SimSystem, 'salesforce'>;

/** One cheap read per system (S3's is anonymous: 403 unless a fault answers first). */
const probe: Record<FourSystems, () => Promise<Response>> = {
  hubspot: () =>
    fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/1001`, { headers: { authorization: `Bearer ${sims.credentials.hubspotToken}` } }),
  stripe: () =>
    fetch(`${sims.urls.stripe}/v1/customers/${sims.data.customers[0].stripeCustomerId}`, {
      headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` },
    }),
  zendesk: () =>
    fetch(`${sims.urls.zendesk}/api/v2/users/${sims.data.customers[0].zendeskUserId}.json`, {
      headers: { authorization: `Bearer ${sims.credentials.zendeskApiToken}` },
    }),
  s3: () => fetch(`${sims.urls.s3}/${sims.credentials.s3Bucket}?list-type=2&prefix=customers/`),
};
const systems = Object.keys(probe) as FourSystems[];

before(async () => {
  sims = await startSimulators({ customers: 50 });
});
after(() => sims.close());

test('credentials and urls', () => {
  assert.deepEqual(sims.credentials, DEFAULT_SIM_CREDENTIALS);
  assert.match(sims.credentials.stripeSecretKey, /^sk_test_/);
  for (const s of systems) assert.match(sims.urls[s], /^http:\/\/127\.0\.0\.1:\d+$/);
});

test('rateLimitPerSecond: 429 with Retry-After and the vendor body', async () => {
  const bodies: Record<FourSystems, (t: string) => void> = {
    hubspot: (t) => assert.equal(JSON.parse(t).errorType, 'RATE_LIMIT'),
    stripe: (t) => assert.equal(JSON.parse(t).error.code, 'rate_limit'),
    zendesk: (t) => assert.equal(JSON.parse(t).error, 'APIRateLimitExceeded'),
    s3: (t) => assert.match(t, /<Code>SlowDown<\/Code>/),
  };
  for (const s of systems) {
    try {
      // Two pass, the third in the same second is limited. The simulator counts per clock second
      // (the same clock as this process): when the requests straddle a second boundary (a loaded
      // machine), they are tried again; within one second the third must be a 429. A request made
      // before setFaults, in that same second, does not count: the limit starts with the fault.
      for (let attempt = 0; ; attempt++) {
        const statuses: number[] = [];
        let limited: Response | undefined;
        const second = Math.floor(Date.now() / 1000);
        sims.setFaults(s, {});
        await (await probe[s]()).arrayBuffer();
        sims.setFaults(s, { rateLimitPerSecond: 2, retryAfterSeconds: 3 });
        for (let i = 0; i < 3; i++) {
          const res = await probe[s]();
          statuses.push(res.status);
          if (res.status === 429) limited = res;
          else await res.arrayBuffer();
        }
        // Whatever the timing, each answer is a pass or the rate limit, never anything else (the S3
        // probe is unsigned: past the gate it is refused 403, as S3 refuses it).
        const passed = s === 's3' ? 403 : 200;
        for (const status of statuses) assert.ok(status === passed || status === 429, `${s}: ${status}`);
        if (Math.floor(Date.now() / 1000) !== second) {
          await limited?.arrayBuffer();
          assert.ok(attempt < 20, `${s}: never three requests within one second`);
          continue;
        }
        assert.deepEqual(statuses, [passed, passed, 429], s);
        assert.equal(limited!.headers.get('retry-after'), '3');
        bodies[s](await limited!.text());
        break;
      }
    } finally {
      sims.setFaults(s, {});
    }
  }
});

test('failureRate 1 -> 503 in the vendor format; 0.5 fails every other request; failStatus', async () => {
  const bodies: Record<FourSystems, (t: string) => void> = {
    hubspot: (t) => assert.equal(JSON.parse(t).category, 'INTERNAL_ERROR'),
    stripe: (t) => assert.equal(JSON.parse(t).error.type, 'api_error'),
    zendesk: (t) => assert.equal(JSON.parse(t).error, 'InternalError'),
    s3: (t) => assert.match(t, /<Code>ServiceUnavailable<\/Code>/),
  };
  for (const s of systems) {
    sims.setFaults(s, { failureRate: 1 });
    const a = await probe[s]();
    assert.equal(a.status, 503, s);
    bodies[s](await a.text());
    sims.setFaults(s, {});
  }
  sims.setFaults('hubspot', { failureRate: 0.5, failStatus: 500 });
  const seen: number[] = [];
  for (let i = 0; i < 4; i++) {
    const res = await probe.hubspot();
    await res.arrayBuffer();
    seen.push(res.status);
  }
  assert.deepEqual(seen, [500, 200, 500, 200]);
  sims.setFaults('hubspot', {});
  assert.equal((await probe.hubspot()).status, 200);
});

test('latencyMs delays answers', async () => {
  sims.setFaults('zendesk', { latencyMs: 150 });
  const t0 = performance.now();
  const res = await probe.zendesk();
  await res.arrayBuffer();
  assert.ok(performance.now() - t0 >= 140);
  sims.setFaults('zendesk', {});
});

test('counters: every request by route template, including 401s and faults; resetStats', async () => {
  sims.resetStats();
  for (const s of systems) assert.deepEqual(sims.stats(s), { total: 0, byRoute: {} });
  await (await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/1002`)).arrayBuffer(); // 401
  await (await probe.hubspot()).arrayBuffer();
  sims.setFaults('stripe', { failureRate: 1 });
  await (await probe.stripe()).arrayBuffer();
  sims.setFaults('stripe', {});
  await (
    await fetch(`${sims.urls.zendesk}/api/v2/users/${sims.data.customers[1].zendeskUserId}/tickets/requested?page[size]=5`, {
      headers: { authorization: `Bearer ${sims.credentials.zendeskApiToken}` },
    })
  ).arrayBuffer();
  await (await probe.s3()).arrayBuffer();
  assert.deepEqual(sims.stats('hubspot'), { total: 2, byRoute: { 'GET /crm/v3/objects/contacts/{id}': 2 } });
  assert.deepEqual(sims.stats('stripe'), { total: 1, byRoute: { 'GET /v1/customers/{id}': 1 } });
  assert.deepEqual(sims.stats('zendesk'), { total: 1, byRoute: { 'GET /api/v2/users/{id}/tickets/requested': 1 } });
  assert.deepEqual(sims.stats('s3'), { total: 1, byRoute: { ListObjectsV2: 1 } });
});

test('unknown routes: vendor 404; bodies over 1 MiB: 413', async () => {
  const res = await fetch(`${sims.urls.stripe}/v1/nothing_here`, {
    headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}` },
  });
  assert.equal(res.status, 404);
  assert.equal(((await res.json()) as any).error.type, 'invalid_request_error');
  const big = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/search`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ query: 'x'.repeat(1024 * 1024 + 10) }),
  });
  assert.equal(big.status, 413);
  await big.arrayBuffer();
});

// Bounded by the test's own timeout: a close() that waited for its connections (the idle one until the
// keep-alive timeout, the active one until the client ends its request) would fail as a timeout.
test(
  'close() ends open connections, an idle keep-alive one and one with a request still arriving, and frees the ports',
  { timeout: 60_000 },
  async () => {
    const other = await startSimulators({ customers: 3 });
    const url = new URL(other.urls.hubspot);
    const agent = new (await import('node:http')).Agent({ keepAlive: true });
    const options = { host: url.hostname, port: url.port, agent, headers: { authorization: `Bearer ${other.credentials.hubspotToken}` } };
    // An idle keep-alive connection: one request answered, the socket kept by the agent.
    const idle = await new Promise<Socket>((resolve, reject) => {
      const req = request({ ...options, path: '/crm/v3/objects/contacts/1001' }, (res) => {
        res.resume();
        res.on('end', () => resolve(req.socket!));
      });
      req.on('error', reject);
      req.end();
    });
    // An active connection: a request whose body never ends, which the server would wait for.
    const active = await new Promise<Socket>((resolve) => {
      const req = request({ ...options, agent: false, method: 'PATCH', path: '/crm/v3/objects/contacts/1001' });
      req.on('error', () => {});
      req.on('socket', (socket) => socket.once('connect', () => resolve(socket)));
      req.write('{"properties":');
    });
    // A reset is one way the server may end them: only the close matters here.
    const closed = (socket: Socket) => new Promise((resolve) => socket.on('error', () => {}).once('close', resolve));
    const idleClosed = closed(idle);
    const activeClosed = closed(active);
    await other.close();
    // The server ended both (the client never does): each client socket sees its close.
    await Promise.all([idleClosed, activeClosed]);
    agent.destroy();
    await assert.rejects(fetch(`${other.urls.hubspot}/crm/v3/objects/contacts/1001`));
  },
);

test('seeded data is deterministic, linked, and has the demo customers', async () => {
  assert.deepEqual(seed(50, 42), seed(50, 42));
  assert.notDeepEqual(seed(50, 42).customers[2], seed(50, 7).customers[2]);
  const again = await startSimulators({ customers: 50 });
  try {
    assert.deepEqual(again.data, sims.data);
  } finally {
    await again.close();
  }
  const [ada, second] = sims.data.customers;
  assert.equal(ada.crmId, '1001');
  assert.equal(`${ada.firstname} ${ada.lastname}`, 'Ada Lovelace');
  assert.equal(ada.company, 'Analytical Engines Ltd');
  assert.equal(ada.email, 'ada@example.com');
  assert.equal(ada.lifecyclestage, 'customer');
  assert.equal(ada.invoices.length, 12);
  assert.equal(ada.subscription?.status, 'active');
  assert.equal(ada.paymentMethods.length, 2);
  assert.equal(ada.tickets.length, 3);
  assert.ok(ada.tickets.every((t) => t.comments.length >= 1));
  assert.equal(ada.documents.length, 4);
  assert.equal(second.crmId, '1002');
  assert.ok(
    second.invoices.length && second.subscription && second.paymentMethods.length && second.tickets.length && second.documents.length,
  );
  for (const c of sims.data.customers) {
    assert.match(c.stripeCustomerId, /^cus_[A-Za-z0-9]{14}$/);
    assert.equal(c.zendeskUserId, 360_000_100_000 + Number(c.crmId) - 1000);
    for (const d of c.documents) assert.match(d.key, new RegExp(`^customers/${c.crmId}/doc_[A-Za-z0-9]{10}/[^/]+$`));
  }
  assert.ok(sims.data.agents.length > 0 && sims.data.agents.every((a) => a.role === 'agent'));
});

// How fast they start is a figure for a benchmark, not a test's bound (a loaded machine is slower).
test('the default start seeds 500 customers, each served by every simulator', async () => {
  const big = await startSimulators();
  try {
    assert.equal(big.data.customers.length, 500);
    const last = big.data.customers[499];
    const res = await fetch(`${big.urls.hubspot}/crm/v3/objects/contacts/${last.crmId}`, {
      headers: { authorization: `Bearer ${big.credentials.hubspotToken}` },
    });
    assert.equal(res.status, 200);
    const stripe = await fetch(`${big.urls.stripe}/v1/customers/${last.stripeCustomerId}`, {
      headers: { authorization: `Bearer ${big.credentials.stripeSecretKey}` },
    });
    assert.equal(stripe.status, 200);
  } finally {
    await big.close();
  }
});

test('a plan knob enforces the vendor limits with its headers: Zendesk per minute, HubSpot search per second', async () => {
  const sims = await startSimulators({ customers: 3, faults: { zendesk: { plan: 'team' }, hubspot: { plan: 'enterprise' } } });
  const c = DEFAULT_SIM_CREDENTIALS;
  try {
    const zd = { authorization: `Basic ${Buffer.from(`${c.zendeskEmail}/token:${c.zendeskApiToken}`).toString('base64')}` };
    const first = await fetch(`${sims.urls.zendesk}/api/v2/users/show_many?ids=1`, { headers: zd });
    assert.equal(first.headers.get('x-rate-limit'), '200');
    assert.equal(first.headers.get('x-rate-limit-remaining'), '199');
    const hs = { authorization: `Bearer ${c.hubspotToken}`, 'content-type': 'application/json' };
    // Five searches a second, in fixed one-second windows: of twelve sent at once, at most five pass
    // in each window the burst spans (read from the same clock the simulator uses), so at least two are
    // refused whatever the timing, and exactly seven when the burst fits in one window, as it nearly always does.
    sims.resetStats();
    const firstWindow = Math.floor(Date.now() / 1000);
    const answers = await Promise.all(
      Array.from({ length: 12 }, () =>
        fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/search`, { method: 'POST', headers: hs, body: '{"limit":1}' }),
      ),
    );
    const windows = Math.floor(Date.now() / 1000) - firstWindow + 1;
    const refused = answers.filter((r) => r.status === 429);
    const passed = answers.filter((r) => r.status === 200);
    assert.equal(passed.length + refused.length, 12);
    assert.ok(passed.length >= 5, `${passed.length} passed`);
    assert.ok(passed.length <= 5 * windows, `${passed.length} passed within ${windows} one-second window(s)`);
    if (windows === 1) assert.equal(refused.length, 7);
    assert.equal(sims.stats('hubspot').refused ?? 0, refused.length);
    for (const r of refused) assert.equal(((await r.json()) as { policyName: string }).policyName, 'SECONDLY');
  } finally {
    await sims.close();
  }
});
