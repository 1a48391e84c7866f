/**
 * Subscriptions across instances sharing one Redis: a change received by instance A reaches a
 * subscriber on instance B, and an SSE client resumes with Last-Event-ID on a restarted instance.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { SECRETS, WEBHOOK_ENV, redisClient, waitFor } from '../helpers/webhooks.js';
import { readSse, type SseEvent } from '../helpers/sse.js';

let redis: TestRedis;
let sims: Simulators;
let a: TestApp;
let b: TestApp;
const env = () => ({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'rti', ...WEBHOOK_ENV, REALTIME_COALESCE_MS: '50' });

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  a = await startTestApp({ sims, env: env() });
  b = await startTestApp({ sims, env: env() });
  // The vendors call instance A only.
  sims.webhooks.configure({
    stripe: { url: `${a.url}/webhooks/stripe`, secret: SECRETS.stripe[0] },
    hubspot: { url: `${a.url}/webhooks/hubspot`, clientSecret: SECRETS.hubspot },
    zendesk: { url: `${a.url}/webhooks/zendesk`, secret: SECRETS.zendesk },
  });
});
after(async () => {
  await a.close();
  await b.close();
  await sims.close();
  await redis.stop();
});

/** A raw event stream (what a browser EventSource reads), with each event's `id:`. */
function stream(app: TestApp, token: string, query: string, lastEventId?: string) {
  const events: SseEvent[] = [];
  const abort = new AbortController();
  const done = (async () => {
    const res = await fetch(`${app.url}/graphql/stream`, {
      method: 'POST',
      signal: abort.signal,
      headers: {
        authorization: `Bearer ${token}`,
        'content-type': 'application/json',
        accept: 'text/event-stream',
        ...(lastEventId ? { 'last-event-id': lastEventId } : {}),
      },
      body: JSON.stringify({ query }),
    });
    assert.equal(res.status, 200);
    await readSse(res.body!, (e) => {
      if (e.event === 'next') events.push(e);
    });
  })().catch((err: Error) => {
    if (err.name !== 'AbortError') throw err;
  });
  return { events, stop: async () => (abort.abort(), await done) };
}

const setPhone = async (id: string, phone: string) => {
  const res = await fetch(`${sims.urls.hubspot}/crm/v3/objects/contacts/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { phone } }),
  });
  assert.equal(res.status, 200);
};

const QUERY = `subscription { customerChanged { reason { system type } customer { id phone } } }`;

test('a change received by instance A reaches a subscriber of instance B, with its stream id', async () => {
  const s = stream(b, b.token('customer', '1006'), QUERY);
  try {
    await waitFor('the first push', () => s.events.length === 1);
    assert.equal(s.events[0].data.data.customerChanged.reason.type, 'subscribed');
    await setPhone('1006', '+1 555 0606');
    await waitFor('the push on B', () => s.events.length === 2);
    assert.deepEqual(s.events[1].data.data.customerChanged, {
      reason: { system: 'hubspot', type: 'contact.propertyChange' },
      customer: { id: '1006', phone: '+1 555 0606' },
    });
    const r = redisClient(redis.url);
    try {
      const entries = await r.xrange('rti:changes', s.events[1].id!, s.events[1].id!);
      assert.equal(entries.length, 1, 'the event id is the change stream entry');
      assert.match(entries[0][1][entries[0][1].indexOf('change') + 1], /"crmId":"1006"/);
    } finally {
      r.disconnect();
    }
  } finally {
    await s.stop();
  }
});

test('SSE resume: after an instance restart, Last-Event-ID gets the current state with the change it missed', async () => {
  const token = a.token('customer', '1007');
  const s = stream(b, token, QUERY);
  await waitFor('the first push', () => s.events.length === 1);
  await setPhone('1007', '+1 555 0701');
  await waitFor('the push', () => s.events.length === 2);
  const last = s.events[1].id!;
  await s.stop();
  // B goes away; a change happens while the client is disconnected; a new instance takes its place.
  await b.close();
  await setPhone('1007', '+1 555 0702');
  const r = redisClient(redis.url);
  await waitFor('the change to be stored', async () =>
    (await r.xrange('rti:changes', `(${last}`, '+')).some(([, f]) => f[f.indexOf('change') + 1].includes('"crmId":"1007"')),
  );
  r.disconnect();
  b = await startTestApp({ sims, env: env() });
  const resumed = stream(b, token, QUERY, last);
  const fresh = stream(b, token, QUERY);
  try {
    await waitFor('the first pushes', () => resumed.events.length === 1 && fresh.events.length === 1);
    assert.deepEqual(resumed.events[0].data.data.customerChanged, {
      reason: { system: 'hubspot', type: 'contact.propertyChange' },
      customer: { id: '1007', phone: '+1 555 0702' },
    });
    assert.notEqual(resumed.events[0].id, last, 'the id of the missed change');
    // Without Last-Event-ID: the same state, as a new subscription.
    assert.deepEqual(fresh.events[0].data.data.customerChanged.reason, { system: 'portico', type: 'subscribed' });
    assert.equal(fresh.events[0].data.data.customerChanged.customer.phone, '+1 555 0702');
  } finally {
    await resumed.stop();
    await fresh.stop();
  }
});
