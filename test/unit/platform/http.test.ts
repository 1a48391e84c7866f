/**
 * The upstream call policy against a real local HTTP server: which answers are retried, how many
 * attempts reach the server, Retry-After, and the one deadline that covers every attempt.
 */
import assert from 'node:assert/strict';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mock, test } from 'node:test';
import { createHttpClient, parseRetryAfter, UpstreamHttpError } from '../../../src/platform/http.js';
import { createUpstreamPolicy, type UpstreamPolicyOptions } from '../../../src/platform/upstream.js';

type Handler = (req: IncomingMessage, res: ServerResponse, attempt: number) => void;

/** A server answering with `handler`; `attempts` counts the requests that reached it, `at` when. */
async function upstream(handler: Handler) {
  const state = { attempts: 0, at: [] as number[] };
  const server = createServer((req, res) => {
    state.attempts++;
    state.at.push(performance.now());
    req.resume();
    handler(req, res, state.attempts);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const close = () =>
    new Promise<void>((r) => {
      server.closeAllConnections();
      server.close(() => r());
    });
  return { state, url, close };
}

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};

async function withClient(
  handler: Handler,
  opts: Partial<UpstreamPolicyOptions>,
  fn: (c: ReturnType<typeof createHttpClient>, s: { attempts: number; at: number[] }) => Promise<void>,
) {
  const up = await upstream(handler);
  // The REST client under the shared upstream policy (platform/upstream.ts).
  const policy = createUpstreamPolicy({ system: 'crm', timeoutMs: 5000, retries: 2, backoffMs: 1, ...opts });
  const client = createHttpClient({ system: 'crm', baseUrl: up.url, headers: { authorization: 'Bearer t' }, policy });
  try {
    await fn(client, up.state);
  } finally {
    await client.close();
    await up.close();
  }
}

const code = (e: any) => e?.extensions?.code;

test('a GET answered 503 is retried and the third attempt succeeds', async () => {
  await withClient(
    (_req, res, n) => (n < 3 ? json(res, 503, { message: 'busy' }) : json(res, 200, { ok: n })),
    {},
    async (c, s) => {
      assert.deepEqual(await c.send({ method: 'GET', path: '/x', route: 'x' }), { ok: 3 });
      assert.equal(s.attempts, 3);
    },
  );
});

test('retries stop at the budget: 1 + retries attempts, then UPSTREAM_UNAVAILABLE naming the system', async () => {
  await withClient(
    (_req, res) => json(res, 500, {}),
    { retries: 2 },
    async (c, s) => {
      await assert.rejects(
        c.send({ method: 'GET', path: '/x', route: 'x' }),
        (e: any) => code(e) === 'UPSTREAM_UNAVAILABLE' && e.extensions.system === 'crm',
      );
      assert.equal(s.attempts, 3);
    },
  );
});

test('non-idempotent calls are never retried: a POST answered 503 or cut off reaches the server once', async () => {
  await withClient(
    (_req, res) => json(res, 503, {}),
    {},
    async (c, s) => {
      await assert.rejects(
        c.send({ method: 'POST', path: '/tickets', route: 'tickets.create', body: { a: 1 } }),
        (e: any) => code(e) === 'UPSTREAM_UNAVAILABLE',
      );
      assert.equal(s.attempts, 1);
    },
  );
  await withClient(
    (req) => req.socket.destroy(),
    {},
    async (c, s) => {
      await assert.rejects(
        c.send({ method: 'PATCH', path: '/contacts/1', route: 'contacts.update', body: { a: 1 } }),
        (e: any) => code(e) === 'UPSTREAM_UNAVAILABLE',
      );
      assert.equal(s.attempts, 1);
    },
  );
});

test('a POST marked idempotent (a search) is retried like a GET, network errors included', async () => {
  await withClient(
    (req, res, n) => (n === 1 ? req.socket.destroy() : json(res, 200, { results: [] })),
    {},
    async (c, s) => {
      assert.deepEqual(await c.send({ method: 'POST', path: '/search', route: 'search', idempotent: true, body: {} }), { results: [] });
      assert.equal(s.attempts, 2);
    },
  );
});

test('a vendor 4xx (but 429) is not retried and reaches the connector as UpstreamHttpError with the body', async () => {
  await withClient(
    (_req, res) => json(res, 404, { message: 'not found' }),
    {},
    async (c, s) => {
      await assert.rejects(c.send({ method: 'GET', path: '/x', route: 'x' }), (e: unknown) => {
        assert.ok(e instanceof UpstreamHttpError);
        assert.equal(e.status, 404);
        assert.deepEqual(e.body, { message: 'not found' });
        return true;
      });
      assert.equal(s.attempts, 1);
    },
  );
});

test('429 with Retry-After: the next attempt waits at least that long, then succeeds', async () => {
  // backoffMs 1 would retry within milliseconds: only Retry-After explains a wait of a second.
  await withClient(
    (_req, res, n) => (n === 1 ? json(res, 429, {}, { 'retry-after': '1' }) : json(res, 200, { ok: true })),
    {},
    async (c, s) => {
      assert.deepEqual(await c.send({ method: 'GET', path: '/x', route: 'x' }), { ok: true });
      assert.equal(s.attempts, 2);
      assert.ok(s.at[1] - s.at[0] >= 950, `second attempt after ${s.at[1] - s.at[0]} ms`);
    },
  );
});

test('429 asking to wait past the deadline gives up at once with RATE_LIMITED; retries exhausted on 429 too', async () => {
  await withClient(
    (_req, res) => json(res, 429, {}, { 'retry-after': '30' }),
    { timeoutMs: 1000 },
    async (c, s) => {
      await assert.rejects(
        c.send({ method: 'GET', path: '/x', route: 'x' }),
        (e: any) => code(e) === 'RATE_LIMITED' && e.extensions.system === 'crm',
      );
      assert.equal(s.attempts, 1);
    },
  );
  await withClient(
    (_req, res) => json(res, 429, {}, { 'retry-after': '0' }),
    { retries: 1 },
    async (c, s) => {
      await assert.rejects(c.send({ method: 'GET', path: '/x', route: 'x' }), (e: any) => code(e) === 'RATE_LIMITED');
      assert.equal(s.attempts, 2);
    },
  );
});

test('the deadline covers the call: an upstream that never answers is UPSTREAM_TIMEOUT after one attempt', async () => {
  await withClient(
    () => undefined,
    { timeoutMs: 300 },
    async (c, s) => {
      await assert.rejects(
        c.send({ method: 'GET', path: '/x', route: 'x' }),
        (e: any) => code(e) === 'UPSTREAM_TIMEOUT' && e.extensions.system === 'crm',
      );
      assert.equal(s.attempts, 1);
    },
  );
});

test('the deadline includes the retries: a backoff past it ends the call as UPSTREAM_TIMEOUT, not another attempt', async () => {
  const outcomes: string[] = [];
  await withClient(
    (_req, res) => json(res, 503, {}),
    { timeoutMs: 300, retries: 5, backoffMs: 60_000, onAttempt: (_route, outcome) => outcomes.push(outcome) },
    async (c, s) => {
      // Full jitter draws the wait in [0, 2 s): the draw is fixed near its top (1.98 s), far past the
      // 300 ms deadline, so the call must end at the deadline after its one attempt. One call, no retry loop.
      const random = mock.method(Math, 'random', () => 0.99);
      try {
        const err = await c.send({ method: 'GET', path: '/x', route: 'x' }).catch((e: unknown) => e);
        assert.equal(code(err), 'UPSTREAM_TIMEOUT');
        assert.equal(s.attempts, 1);
        // The policy saw one attempt: the backoff was cut at the deadline, not slept out into a second try.
        assert.deepEqual(outcomes, ['503']);
        assert.ok(random.mock.callCount() >= 1, 'the backoff drew its jitter');
      } finally {
        random.mock.restore();
      }
    },
  );
});

test('onAttempt sees every attempt with its status, and the configured headers reach the upstream', async () => {
  const seen: string[] = [];
  const auth: (string | undefined)[] = [];
  await withClient(
    (req, res, n) => {
      auth.push(req.headers.authorization);
      if (n === 1) json(res, 502, {});
      else json(res, 200, {});
    },
    { onAttempt: (_route, outcome) => seen.push(outcome) },
    async (c) => {
      await c.send({ method: 'GET', path: '/x', route: 'x', query: { a: 1, b: undefined } });
    },
  );
  assert.deepEqual(seen, ['502', '200']);
  assert.deepEqual(auth, ['Bearer t', 'Bearer t']);
});

test('parseRetryAfter reads seconds and HTTP dates, and ignores garbage', () => {
  assert.equal(parseRetryAfter('3'), 3000);
  assert.equal(parseRetryAfter(['2', '9']), 2000);
  assert.equal(parseRetryAfter('-1'), 0);
  assert.equal(parseRetryAfter(undefined), undefined);
  assert.equal(parseRetryAfter('soon'), undefined);
  const inAMinute = new Date(Date.now() + 60_000).toUTCString();
  const ms = parseRetryAfter(inAMinute)!;
  assert.ok(ms > 55_000 && ms <= 60_000, String(ms));
  assert.equal(parseRetryAfter(new Date(Date.now() - 60_000).toUTCString()), 0);
});
