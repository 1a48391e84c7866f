/**
 * Subscriptions and what they cost the subscriber: a push is one request of the subscriber's
 * (its rate limit defers pushes, never fails them), the browser's own EventSource subscribes with
 * a one-time stream ticket instead of a header (and resumes with a new ticket and the last id),
 * and a WebSocket client that does not read is closed 4413 before its pushes pile up.
 * Real Redis, real simulators delivering their own signed webhooks, real clients (ws, fetch,
 * headless Chromium).
 */
import assert from 'node:assert/strict';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { after, before, describe, test } from 'node:test';
import { createClient, type Client } from 'graphql-ws';
import type { Browser } from 'playwright-core';
import WebSocket from 'ws';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { SECRETS, WEBHOOK_ENV, redisClient, waitFor } from '../helpers/webhooks.js';
import { launchChromium } from '../helpers/browser.js';
import { readSse } from '../helpers/sse.js';

let redis: TestRedis;
/** The app most tests use; `limited` below has a tiny request rate limit. */
let t: TestApp;

before(async () => {
  redis = await startRedis();
  t = await startTestApp({
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'rta',
      ...WEBHOOK_ENV,
      REALTIME_COALESCE_MS: '0',
      REALTIME_MAX_BUFFERED_BYTES: '1024',
      // No keep-alive drop while the slow client below does not read (it would not answer a ping): the
      // only keep-alive is this one (graphql-ws's own 12 s one, which dropped it on a loaded machine, is off).
      REALTIME_HEARTBEAT_S: '600',
      // The slow-client tests make about a hundred changes, three CRM calls each: budgets far above
      // that, so pushes are not deferred at the vendors' limits (realtime.test covers deferral).
      VENDOR_BUDGETS: 'hubspot=100000/10s,stripe=100000/1s',
    },
  });
  t.sims.webhooks.configure({ hubspot: { url: `${t.url}/webhooks/hubspot`, clientSecret: SECRETS.hubspot } });
});
after(async () => {
  await t?.close();
  await redis?.stop();
});

const setPhone = async (app: TestApp, id: string, phone: string) => {
  const res = await fetch(`${app.sims.urls.hubspot}/crm/v3/objects/contacts/${id}`, {
    method: 'PATCH',
    headers: { authorization: `Bearer ${app.sims.credentials.hubspotToken}`, 'content-type': 'application/json' },
    body: JSON.stringify({ properties: { phone } }),
  });
  assert.equal(res.status, 200);
};

const metric = async (app: TestApp, outcome: string) => {
  const text = await (await fetch(`${app.url}/metrics`)).text();
  return Number(new RegExp(`portico_realtime_pushes_total\\{outcome="${outcome}"\\} (\\d+)`).exec(text)?.[1] ?? 0);
};

const tooSlow = async () => {
  const text = await (await fetch(`${t.url}/metrics`)).text();
  return Number(/portico_realtime_closes_total\{code="4413"\} (\d+)/.exec(text)?.[1] ?? 0);
};

interface Sub {
  pushes: { data?: any; errors?: { message: string; extensions?: Record<string, unknown> }[] }[];
  /** A refusal of the subscription itself (graphql-ws `error`). */
  errors?: { message: string; extensions?: Record<string, unknown> }[];
  done: boolean;
}

function subscribe(app: TestApp, token: string, query: string) {
  const closes: number[] = [];
  const client: Client = createClient({
    url: `${app.url.replace('http', 'ws')}/graphql`,
    webSocketImpl: WebSocket,
    connectionParams: { authorization: `Bearer ${token}` },
    retryAttempts: 0,
    on: { closed: (e) => closes.push((e as { code: number }).code) },
  });
  const s: Sub = { pushes: [], done: false };
  client.subscribe(
    { query },
    {
      next: (v) => s.pushes.push(v as Sub['pushes'][number]),
      error: (e) => {
        if (Array.isArray(e)) s.errors = e as Sub['errors'];
        s.done = true;
      },
      complete: () => (s.done = true),
    },
  );
  return { s, closes, dispose: () => client.dispose() };
}

const PHONE = (id: string) => `subscription { customerChanged(id: "${id}") { reason { system type } customer { id phone } } }`;

describe('the rate limit: a push is a request of the subscriber', () => {
  let limited: TestApp;
  before(async () => {
    limited = await startTestApp({
      env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'rtr', ...WEBHOOK_ENV, REALTIME_COALESCE_MS: '0', USER_RATE_LIMIT_PER_MINUTE: '2' },
    });
    limited.sims.webhooks.configure({ hubspot: { url: `${limited.url}/webhooks/hubspot`, clientSecret: SECRETS.hubspot } });
  });
  after(async () => {
    await limited?.close();
  });

  test('over the limit a push is deferred (the subscription stays), then pushed with the state after the last change', async () => {
    const c = subscribe(limited, limited.token('agent', 'rl-agent'), PHONE('1011'));
    try {
      // Request 1 of the minute: the first push. Request 2: the push after the first change.
      await waitFor('the first push', () => c.s.pushes.length === 1);
      await setPhone(limited, '1011', '+1 555 0101');
      await waitFor('the second push', () => c.s.pushes.length === 2);
      assert.equal(c.s.pushes[1].data.customerChanged.customer.phone, '+1 555 0101');
      // Request 3 is over the limit (2 a minute): the push waits, nothing fails, nothing closes.
      const deferred = await metric(limited, 'deferred');
      await setPhone(limited, '1011', '+1 555 0102');
      await waitFor('the deferral', async () => (await metric(limited, 'deferred')) > deferred);
      assert.equal(c.s.pushes.length, 2, 'no push while over the limit');
      assert.equal(c.s.done, false, 'the subscription is not ended');
      assert.deepEqual(c.closes, []);
      // The minute ends (its counter dropped from Redis), and the next change pushes the state after both.
      const r = redisClient(redis.url);
      try {
        const keys = await r.keys('rtr:rl:*');
        assert.ok(keys.length > 0, 'the limiter counts in Redis');
        await r.del(...keys);
      } finally {
        r.disconnect();
      }
      await setPhone(limited, '1011', '+1 555 0103');
      await waitFor('the push after the window', () => c.s.pushes.length === 3);
      assert.deepEqual(c.s.pushes[2].data.customerChanged, {
        reason: { system: 'hubspot', type: 'contact.propertyChange' },
        customer: { id: '1011', phone: '+1 555 0103' },
      });
      assert.equal(c.s.pushes[2].errors, undefined);
    } finally {
      await c.dispose();
    }
  });

  test('a subscription whose first push is over the limit is refused RATE_LIMITED with retryAfter, and holds nothing', async () => {
    const token = limited.token('agent', 'rl-first');
    // The minute's two requests, spent on queries.
    for (let i = 0; i < 2; i++) {
      const res = await limited.gql(`{ customer(id: "1012") { id } }`, { token });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    }
    const c = subscribe(limited, token, PHONE('1012'));
    try {
      await waitFor('the refusal', () => c.s.done);
      assert.equal(c.s.pushes.length, 0);
      assert.equal(c.s.errors?.[0].extensions?.code, 'RATE_LIMITED');
      assert.ok(Number(c.s.errors?.[0].extensions?.retryAfter) > 0, JSON.stringify(c.s.errors));
      const text = await (await fetch(`${limited.url}/metrics`)).text();
      assert.match(text, /portico_realtime_subscriptions 0\b/, 'the refused subscription is not counted as open');
    } finally {
      await c.dispose();
    }
  });
});

/** A raw event stream (what an EventSource reads): status and `next` events with their ids. */
async function openStream(url: string, headers: Record<string, string> = {}) {
  const abort = new AbortController();
  const res = await fetch(url, { signal: abort.signal, headers: { accept: 'text/event-stream', ...headers } });
  const events: { id?: string; data: any }[] = [];
  const done =
    res.status !== 200
      ? Promise.resolve()
      : (async () => {
          await readSse(res.body!, (e) => {
            if (e.event === 'next') events.push({ id: e.id, data: e.data });
          });
        })().catch((err: Error) => {
          if (err.name !== 'AbortError') throw err;
        });
  return { res, events, stop: async () => (abort.abort(), await done) };
}

const ticketOf = async (app: TestApp, token?: string) => {
  const res = await fetch(`${app.url}/graphql/stream/ticket`, {
    method: 'POST',
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return { status: res.status, body: (await res.json()) as any };
};

describe('stream tickets (the browser EventSource cannot send a header)', () => {
  const SELF = `subscription { customerChanged { reason { system type } customer { id phone } } }`;
  const streamUrl = (params: Record<string, string>) => `${t.url}/graphql/stream?${new URLSearchParams(params).toString()}`;

  test('a ticket opens one stream as its token; used, unknown or without a token it is refused UNAUTHENTICATED', async () => {
    const token = t.token('customer', '1012');
    const issued = await ticketOf(t, token);
    assert.equal(issued.status, 200);
    assert.match(issued.body.ticket, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(issued.body.expiresInS, 30);
    assert.ok(!issued.body.ticket.includes(token) && !issued.body.url.includes(token.split('.')[1]), 'the token is not in the ticket');
    // Redis holds the ticket's hash and the token sealed under a key only the ticket gives: no usable token.
    const store = redisClient(redis.url);
    try {
      const keys = await store.keys('rta:rt:ticket:*');
      assert.ok(keys.length >= 1);
      assert.ok(!keys.some((k) => k.includes(issued.body.ticket)), 'the ticket itself is not a key');
      for (const k of keys) {
        const stored = (await store.get(k)) ?? '';
        assert.ok(stored.length > 0 && !stored.includes(token.split('.')[1]) && !stored.includes(token.split('.')[2]), 'no token in Redis');
      }
    } finally {
      store.disconnect();
    }
    const s = await openStream(streamUrl({ ticket: issued.body.ticket, query: SELF }));
    try {
      assert.equal(s.res.status, 200);
      await waitFor('the first push', () => s.events.length === 1);
      assert.deepEqual(s.events[0].data.data.customerChanged.customer, {
        id: '1012',
        phone: s.events[0].data.data.customerChanged.customer.phone,
      });
    } finally {
      await s.stop();
    }
    // Once only.
    const again = await fetch(streamUrl({ ticket: issued.body.ticket, query: SELF }), { headers: { accept: 'text/event-stream' } });
    assert.equal(again.status, 401);
    assert.equal(((await again.json()) as any).errors[0].extensions.code, 'UNAUTHENTICATED');
    // Unknown (well formed), malformed, and a ticket asked for without a token.
    for (const ticket of ['A'.repeat(43), 'not-a-ticket']) {
      const r = await fetch(streamUrl({ ticket, query: SELF }), { headers: { accept: 'text/event-stream' } });
      assert.equal(r.status, 401);
    }
    const anonymous = await ticketOf(t);
    assert.equal(anonymous.status, 401);
    assert.equal(anonymous.body.errors[0].extensions.code, 'UNAUTHENTICATED');
    // A ticket and a header together is ambiguous.
    const both = await ticketOf(t, token);
    const r = await fetch(streamUrl({ ticket: both.body.ticket, query: SELF }), {
      headers: { accept: 'text/event-stream', authorization: `Bearer ${token}` },
    });
    assert.equal(r.status, 400);
  });

  test("a ticket stands for its own principal: a customer's ticket cannot read another customer", async () => {
    const issued = await ticketOf(t, t.token('customer', '1012'));
    const s = await openStream(streamUrl({ ticket: issued.body.ticket, query: PHONE('1013') }));
    try {
      assert.equal(s.res.status, 200);
      await waitFor('the refusal', () => s.events.length === 1);
      assert.equal(s.events[0].data.data ?? null, null);
      assert.equal(s.events[0].data.errors[0].extensions.code, 'FORBIDDEN');
    } finally {
      await s.stop();
    }
  });

  describe('in a browser (headless Chromium, its own EventSource)', () => {
    let browser: Browser;
    before(async () => {
      browser = await launchChromium();
    });
    after(async () => {
      await browser?.close();
    });

    test('subscribe with a ticket, miss a change while away, resume with a new ticket and lastEventId', async () => {
      const page = await browser.newPage();
      try {
        await page.goto(`${t.url}/healthz`);
        const token = t.token('customer', '1014');
        // The page's own code: a ticket with the header (fetch can send it), then EventSource with the ticket.
        await page.evaluate(
          async ({ token, query }) => {
            const w = globalThis as unknown as {
              pushes: { id: string; data: any }[];
              es?: EventSource;
              open(last?: string): Promise<void>;
            };
            w.pushes = [];
            w.open = async (last?: string) => {
              const r = await fetch('/graphql/stream/ticket', { method: 'POST', headers: { authorization: `Bearer ${token}` } });
              const { ticket } = (await r.json()) as { ticket: string };
              const params = new URLSearchParams({ ticket, query, ...(last ? { lastEventId: last } : {}) });
              const es = new EventSource(`/graphql/stream?${params.toString()}`);
              es.addEventListener('next', (e) =>
                w.pushes.push({ id: (e as MessageEvent).lastEventId, data: JSON.parse((e as MessageEvent).data) }),
              );
              w.es = es;
            };
            await w.open();
          },
          { token, query: SELF },
        );
        const pushes = () => page.evaluate(() => (globalThis as unknown as { pushes: { id: string; data: any }[] }).pushes);
        await waitFor('the first push in the browser', async () => (await pushes()).length === 1);
        assert.equal((await pushes())[0].data.data.customerChanged.reason.type, 'subscribed');
        await setPhone(t, '1014', '+1 555 0141');
        await waitFor('the push in the browser', async () => (await pushes()).length === 2);
        const seen = await pushes();
        assert.equal(seen[1].data.data.customerChanged.customer.phone, '+1 555 0141');
        assert.match(seen[1].id, /^\d+-\d+$/, 'the push carries its change stream id');
        // Away: the stream is closed, a change happens, then the page comes back with a new ticket and the last id.
        await page.evaluate(() => (globalThis as unknown as { es: EventSource }).es.close());
        await setPhone(t, '1014', '+1 555 0142');
        const r = redisClient(redis.url);
        try {
          await waitFor('the missed change in the stream', async () => {
            const last = await r.xrevrange('rta:changes', '+', '-', 'COUNT', 1);
            return last.length === 1 && last[0][0] !== seen[1].id;
          });
        } finally {
          r.disconnect();
        }
        await page.evaluate((last) => (globalThis as unknown as { open(l: string): Promise<void> }).open(last), seen[1].id);
        await waitFor('the resumed push', async () => (await pushes()).length === 3);
        const resumed = (await pushes())[2];
        assert.deepEqual(resumed.data.data.customerChanged, {
          reason: { system: 'hubspot', type: 'contact.propertyChange' },
          customer: { id: '1014', phone: '+1 555 0142' },
        });
      } finally {
        await page.close();
      }
    });
  });
});

describe('a client that does not read', () => {
  // A large state: the record of the customer with the most invoices, many times over (aliases).
  const bigSubscription = () => {
    const target = [...t.sims.data.customers].sort((a, b) => b.invoices.length - a.invoices.length)[0].crmId;
    const big = Array.from(
      { length: 14 },
      (_, i) =>
        `c${i}: customer { id name email phone billing { invoices(first: 100) { nodes { id number status amountDue amountPaid amountRemaining currency dueDate createdAt } } } }`,
    ).join(' ');
    return { target, query: `subscription { customerChanged(id: "${target}") { ${big} } }` };
  };

  /** Changes the target one at a time, each waited for until its push is computed, until the server closes a client as too slow. */
  async function changeUntilTooSlow(target: string): Promise<number> {
    // Computed pushes, with or without a field error (a vendor's budget can refuse one field under load).
    const computed = async () => (await metric(t, 'ok')) + (await metric(t, 'error'));
    const before = await computed();
    const closesBefore = await tooSlow();
    let changes = 0;
    // The loopback socket buffers fill first, then REALTIME_MAX_BUFFERED_BYTES.
    while (changes < 400 && (await tooSlow()) === closesBefore) {
      changes++;
      await setPhone(t, target, `+1 555 ${String(changes).padStart(4, '0')}`);
      await waitFor(
        `the push to be computed (${changes})`,
        async () => (await computed()) >= before + changes || (await tooSlow()) > closesBefore,
      ).catch(async (err: Error) => {
        // Which outcomes the pushes had by then (deferred: rate limited or the target's system unavailable).
        const text = await (await fetch(`${t.url}/metrics`)).text();
        console.log(
          text
            .split('\n')
            .filter((l) => /^portico_(realtime|webhook|queue|event|change)/.test(l))
            .join('\n'),
        );
        throw new Error(
          `${err.message}; ${[...text.matchAll(/portico_realtime_pushes_total\{outcome="(\w+)"\} (\d+)/g)].map((x) => `${x[1]} ${x[2]}`).join(', ')}`,
        );
      });
    }
    assert.equal(await tooSlow(), closesBefore + 1, `closed as too slow after ${changes} changes`);
    return changes;
  }

  test('WebSocket: closed 4413 once its unread pushes pass REALTIME_MAX_BUFFERED_BYTES, and gets no more', async () => {
    // graphql-transport-ws by hand, so the client can stop reading its socket.
    const ws = new WebSocket(`${t.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws');
    const frames: any[] = [];
    let closed: number | undefined;
    ws.on('message', (m: Buffer) => frames.push(JSON.parse(m.toString('utf8'))));
    ws.on('close', (code) => (closed = code));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${t.token('agent', 'slow-agent')}` } }));
    await waitFor('the ack', () => frames.some((f) => f.type === 'connection_ack'));
    const { target, query } = bigSubscription();
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query } }));
    await waitFor('the first push', () => frames.some((f) => f.type === 'next'));
    // The client stops reading. Changes go on; the server computes a push for each.
    ws.pause();
    const changes = await changeUntilTooSlow(target);
    // It reads again: the pushes the server had sent, then the close 4413.
    ws.resume();
    await waitFor('the close', () => closed !== undefined, 60_000);
    assert.equal(closed, 4413);
    // Nothing was queued for it after the close: the pushes it got are those sent before.
    const received = frames.filter((f) => f.type === 'next').length - 1;
    assert.ok(received <= changes, `pushes after the close: ${received} of ${changes}`);
  });

  test('SSE: an event stream that does not read is cut once its unread pushes pass REALTIME_MAX_BUFFERED_BYTES', async () => {
    const { target, query } = bigSubscription();
    const req = httpRequest(`${t.url}/graphql/stream`, {
      method: 'POST',
      headers: { authorization: `Bearer ${t.token('agent', 'slow-sse')}`, 'content-type': 'application/json', accept: 'text/event-stream' },
    });
    req.on('error', () => undefined);
    req.end(JSON.stringify({ query }));
    const res = await new Promise<IncomingMessage>((r) => req.once('response', r));
    assert.equal(res.statusCode, 200);
    let text = '';
    let ended = false;
    res.on('data', (d: Buffer) => (text += d.toString('utf8')));
    res.on('error', () => undefined);
    res.once('close', () => (ended = true));
    await waitFor('the first push', () => text.includes('event: next'));
    // The client stops reading.
    res.pause();
    await changeUntilTooSlow(target);
    res.resume();
    await waitFor('the stream to end', () => ended, 60_000);
    assert.ok(!text.includes('event: complete'), 'cut, not completed');
  });
});

describe('keep-alive', () => {
  let beating: TestApp;
  before(async () => {
    beating = await startTestApp({
      env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'rtk', ...WEBHOOK_ENV, REALTIME_HEARTBEAT_S: '1' },
    });
  });
  after(async () => {
    await beating?.close();
  });

  /** A graphql-transport-ws connection by hand, subscribed; `autoPong: false` never answers a ping. */
  async function connect(autoPong: boolean) {
    const ws = new WebSocket(`${beating.url.replace('http', 'ws')}/graphql`, 'graphql-transport-ws', { autoPong });
    const c = { ws, frames: [] as any[], pings: 0, closed: undefined as number | undefined };
    ws.on('message', (m: Buffer) => c.frames.push(JSON.parse(m.toString('utf8'))));
    ws.on('ping', () => c.pings++);
    ws.on('close', (code) => (c.closed = code));
    await new Promise((r) => ws.once('open', r));
    ws.send(
      JSON.stringify({ type: 'connection_init', payload: { authorization: `Bearer ${beating.token('agent', `beat-${autoPong}`)}` } }),
    );
    await waitFor('the ack', () => c.frames.some((f) => f.type === 'connection_ack'));
    ws.send(JSON.stringify({ id: '1', type: 'subscribe', payload: { query: PHONE('1016') } }));
    await waitFor('the first push', () => c.frames.some((f) => f.type === 'next'));
    return c;
  }

  test('a WebSocket client that does not answer a ping is dropped at the next one (counted 1006); one that answers stays', async () => {
    const drops = async () => {
      const text = await (await fetch(`${beating.url}/metrics`)).text();
      return Number(/portico_realtime_closes_total\{code="1006"\} (\d+)/.exec(text)?.[1] ?? 0);
    };
    const before = await drops();
    const answers = await connect(true);
    const silent = await connect(false);
    try {
      await waitFor('the silent client to be dropped', () => silent.closed !== undefined);
      assert.equal(silent.closed, 1006, 'dropped without a close frame');
      assert.ok(silent.pings >= 1, 'it was pinged first');
      assert.equal(await drops(), before + 1);
      // The one that answers is pinged again and again, and stays.
      const pinged = answers.pings;
      await waitFor('two more pings', () => answers.pings >= pinged + 2);
      assert.equal(answers.closed, undefined);
      assert.equal(answers.ws.readyState, WebSocket.OPEN);
      assert.equal(await drops(), before + 1);
    } finally {
      answers.ws.close();
      silent.ws.terminate();
    }
  });
});

describe('ticketChanged', () => {
  test("a ticket older than the customer's 100 latest is found (read by id); staff name its customer; another customer's is refused with no Zendesk call", async () => {
    const c = t.sims.data.customers.find((x) => x.tickets.length > 0 && Number(x.crmId) > 1020)!;
    const other = t.sims.data.customers.find((x) => x.tickets.length > 0 && x.crmId !== c.crmId)!;
    const oldest = [...c.tickets].sort((a, b) => a.updated_at.localeCompare(b.updated_at))[0];
    // 101 newer tickets: the oldest is no longer among the customer's 100 most recently updated.
    for (let i = 0; i < 101; i++) {
      const res = await fetch(`${t.sims.urls.zendesk}/api/v2/tickets`, {
        method: 'POST',
        headers: {
          authorization: `Basic ${Buffer.from(`${t.sims.credentials.zendeskEmail}/token:${t.sims.credentials.zendeskApiToken}`).toString('base64')}`,
          'content-type': 'application/json',
        },
        body: JSON.stringify({ ticket: { subject: `newer ${i}`, comment: { body: 'x' }, requester_id: c.zendeskUserId } }),
      });
      assert.equal(res.status, 201);
    }
    const list = await t.gql(`{ customer(id: "${c.crmId}") { tickets(first: 100) { nodes { id } } } }`, { token: t.token('agent') });
    assert.ok(!list.body.data.customer.tickets.nodes.some((n: { id: string }) => n.id === String(oldest.id)), 'outside the latest 100');

    const query = (customerId?: string) =>
      `subscription { ticketChanged(id: "${oldest.id}"${customerId ? `, customerId: "${customerId}"` : ''}) { ticket { id subject } } }`;
    const own = subscribe(t, t.token('customer', c.crmId), query());
    const staff = subscribe(t, t.token('agent', 'ticket-agent'), query(c.crmId));
    try {
      await waitFor('the first pushes', () => own.s.pushes.length === 1 && staff.s.pushes.length === 1);
      for (const s of [own.s, staff.s]) {
        assert.equal(s.pushes[0].errors, undefined, JSON.stringify(s.pushes[0].errors));
        assert.deepEqual(s.pushes[0].data.ticketChanged.ticket, { id: String(oldest.id), subject: oldest.subject });
      }
    } finally {
      await own.dispose();
      await staff.dispose();
    }

    // A customer naming another customer: FORBIDDEN, before any call to Zendesk.
    const before = t.sims.stats('zendesk').total;
    const foreign = subscribe(t, t.token('customer', c.crmId), query(other.crmId));
    // Its own customer, another customer's ticket: NOT_FOUND (the ticket is read, its requester is not this customer).
    const notOwn = subscribe(
      t,
      t.token('customer', c.crmId),
      `subscription { ticketChanged(id: "${other.tickets[0].id}") { ticket { id } } }`,
    );
    try {
      await waitFor('the refusals', () => foreign.s.done && notOwn.s.done);
      assert.equal(foreign.s.errors?.[0].extensions?.code, 'FORBIDDEN');
      assert.equal(notOwn.s.errors?.[0].extensions?.code, 'NOT_FOUND');
      assert.equal(foreign.s.pushes.length + notOwn.s.pushes.length, 0);
    } finally {
      await foreign.dispose();
      await notOwn.dispose();
    }
    assert.ok(t.sims.stats('zendesk').total - before <= 2, 'the NOT_FOUND case reads the ticket; the FORBIDDEN case reads nothing');
  });
});
