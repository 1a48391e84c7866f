/**
 * Subscriptions under load and failure: changes coalesce into one push, limits refuse with clear
 * codes, an expired token closes the connection (4401), and a Redis outage ends subscriptions with a
 * retryable close (1013) while queries keep working.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { WEBHOOK_ENV, hubspotEvent, hubspotHeaders, post, waitFor } from '../helpers/webhooks.js';

let redis: TestRedis;
let t: TestApp;

before(async () => {
  redis = await startRedis();
  t = await startTestApp({
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'rtl',
      ...WEBHOOK_ENV,
      REALTIME_COALESCE_MS: '2000',
      REALTIME_MAX_SUBSCRIPTIONS: '2',
      REALTIME_MAX_CONNECTIONS_PER_IP: '4',
    },
  });
});
after(async () => {
  await t.close();
  await redis.stop();
});

interface Sub {
  pushes: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] }[];
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  done: boolean;
}

function connect(token: string) {
  const closes: { code: number; reason: string }[] = [];
  const client: Client = createClient({
    url: `${t.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    on: { closed: (e) => closes.push({ code: (e as { code: number }).code, reason: (e as { reason: string }).reason }) },
  });
  return {
    closes,
    subscribe(query: string): Sub {
      const s: Sub = { pushes: [], done: false };
      client.subscribe(
        { query },
        {
          next: (v) => s.pushes.push(v as Sub['pushes'][number]),
          error: (e) => {
            if (Array.isArray(e)) s.errors = e;
            s.done = true;
          },
          complete: () => (s.done = true),
        },
      );
      return s;
    },
    dispose: () => client.dispose(),
  };
}

/** The status of a WebSocket upgrade on /graphql (101 when it opens; the socket is closed again). */
function upgradeStatus(): Promise<number> {
  return new Promise<number>((resolve) => {
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    ws.on('unexpected-response', (_req, res) => (resolve(res.statusCode ?? 0), res.destroy()));
    ws.on('open', () => {
      ws.once('close', () => resolve(101));
      ws.close();
    });
    ws.on('error', () => undefined);
  });
}

const PHONE = `subscription { customerChanged(id: "1001") { reason { system type } customer { id phone } } }`;

test('three changes to one customer within the window are one push, of the state after the last', async () => {
  const c = connect(t.token('agent'));
  try {
    const s = c.subscribe(PHONE);
    await waitFor('the first push', () => s.pushes.length === 1);
    // The contact changes in the CRM (no webhook configured), then HubSpot delivers three events in one signed batch.
    const changed = await fetch(`${t.sims.urls.hubspot}/crm/v3/objects/contacts/1001`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${t.sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
      body: JSON.stringify({ properties: { phone: '+44 20 7946 0777' } }),
    });
    assert.equal(changed.status, 200);
    const uri = `${t.url}/webhooks/hubspot`;
    const body = JSON.stringify([hubspotEvent('1001'), hubspotEvent('1001'), hubspotEvent('1001')]);
    assert.equal((await post(uri, body, hubspotHeaders(uri, body))).status, 200);
    await waitFor('the push', () => s.pushes.length === 2);
    assert.deepEqual(s.pushes[1].data.customerChanged, {
      reason: { system: 'hubspot', type: 'contact.propertyChange' },
      customer: { id: '1001', phone: '+44 20 7946 0777' },
    });
    // All three are in the stream; a later change (a fence) is the next push: none came in between.
    const second = JSON.stringify([hubspotEvent('1001', { propertyName: 'firstname' })]);
    assert.equal((await post(uri, second, hubspotHeaders(uri, second))).status, 200);
    await waitFor('the push after the fence', () => s.pushes.length === 3);
    const r = await fetch(`${t.url}/metrics`);
    const coalesced = Number(/portico_realtime_pushes_total\{outcome="coalesced"\} (\d+)/.exec(await r.text())?.[1] ?? 0);
    assert.ok(coalesced >= 2, `changes folded into a waiting push: ${coalesced}`);
  } finally {
    await c.dispose();
  }
});

test('subscriptions per principal: the third is refused RATE_LIMITED, the first two keep running', async () => {
  const c = connect(t.token('agent', 'limit-agent'));
  try {
    const a = c.subscribe(PHONE);
    const b = c.subscribe(PHONE);
    await waitFor('two first pushes', () => a.pushes.length === 1 && b.pushes.length === 1);
    const third = c.subscribe(PHONE);
    await waitFor('the refusal', () => third.done);
    assert.equal(third.errors?.[0].extensions?.code, 'RATE_LIMITED');
    assert.match(third.errors?.[0]?.message ?? '', /REALTIME_MAX_SUBSCRIPTIONS/);
    assert.equal(a.done || b.done, false);
  } finally {
    await c.dispose();
  }
});

test('connections per address: the next upgrade and the next event stream are answered 429', async () => {
  const open: ReturnType<typeof connect>[] = [];
  try {
    for (let i = 0; i < 4; i++) {
      const c = connect(t.token('agent', `conn-${i}`));
      const s = c.subscribe(PHONE);
      await waitFor('the first push', () => s.pushes.length === 1);
      open.push(c);
    }
    assert.equal(await upgradeStatus(), 429);
    const stream = await fetch(`${t.url}/graphql/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token('agent')}`, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ query: PHONE }),
    });
    assert.equal(stream.status, 429);
    assert.equal(((await stream.json()) as { errors: { extensions: { code: string } }[] }).errors[0].extensions.code, 'RATE_LIMITED');
  } finally {
    await Promise.all(open.map(async (c) => c.dispose()));
  }
  // Closed connections give their slots back.
  await waitFor('the slots to be released', async () => (await upgradeStatus()) === 101);
});

test('a token that expires closes its connection with 4401', async () => {
  const c = connect(t.token('customer', '1002', 2));
  try {
    const s = c.subscribe(`subscription { customerChanged { customer { id } } }`);
    await waitFor('the first push', () => s.pushes.length === 1);
    await waitFor('the close at expiry', () => c.closes.length === 1, 10_000);
    assert.equal(c.closes[0].code, 4401);
    assert.match(c.closes[0].reason, /expired/);
  } finally {
    await c.dispose();
  }
});

test('Redis down: subscriptions end with the retryable close 1013, new ones are refused, and queries still answer', async () => {
  const c = connect(t.token('agent', 'outage'));
  const s = c.subscribe(PHONE);
  await waitFor('the first push', () => s.pushes.length === 1);
  await redis.stop();
  try {
    await waitFor('the close', () => c.closes.length === 1);
    assert.equal(c.closes[0].code, 1013);
    const again = connect(t.token('agent', 'outage'));
    const refused = again.subscribe(PHONE);
    await waitFor('the refusal', () => refused.done);
    assert.equal(refused.errors?.[0].extensions?.code, 'UNAVAILABLE');
    assert.equal(refused.errors?.[0].extensions?.retryable, true);
    await again.dispose();
    const res = await t.gql(`{ customer(id: "1001") { id } }`, { token: t.token('agent') });
    assert.deepEqual(res.body.data, { customer: { id: '1001' } });
  } finally {
    await redis.start();
    await c.dispose();
  }
  // Back: subscriptions open again.
  const back = connect(t.token('agent', 'outage'));
  try {
    await waitFor('subscriptions to open again', async () => {
      const s2 = back.subscribe(PHONE);
      await waitFor('an answer', () => s2.pushes.length === 1 || s2.done);
      return s2.pushes.length === 1;
    });
  } finally {
    await back.dispose();
  }
});
