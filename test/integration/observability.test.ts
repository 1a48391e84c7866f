/**
 * What operators see: OpenTelemetry spans exported over OTLP/HTTP (JSON) to a receiver started
 * here on loopback, the access log line of each request, masked internal errors logged once with
 * their request id and without secrets, and a Grafana dashboard and alert rules that query only
 * metrics /metrics really exports.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { createServer, request as httpRequest, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { pino } from 'pino';
import { buildSubgraphs, createApp, createSharedState, createUpstreams, type App } from '../../src/app.js';
import { createSubgraphServer } from '../../src/http/subgraph-server.js';
import { signDevToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config/index.js';
import { startSimulators, type Simulators, type SimSystem } from '../../sim/index.js';
import { upstreamCalls, DASHBOARD, simEnv } from '../helpers/app.js';
import { startRedis } from '../helpers/redis.js';
import { post, stripeEvent, stripeHeader, WEBHOOK_ENV } from '../helpers/webhooks.js';
import { repoUrl } from '../helpers/paths.js';

const SYSTEM_OF: Record<SimSystem, string> = { hubspot: 'crm', salesforce: 'crm', stripe: 'billing', zendesk: 'support', s3: 'files' };
const SIMS: SimSystem[] = ['hubspot', 'stripe', 'zendesk', 's3'];

async function listen(server: Server): Promise<string> {
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
}

const readBody = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

interface OtlpSpan {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  kind: number;
  attributes: Record<string, unknown>;
  status?: { code?: number };
}

/** An OTLP/HTTP receiver (JSON encoding) collecting every span it is sent. */
async function startOtlpReceiver() {
  const spans: OtlpSpan[] = [];
  const paths: string[] = [];
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    paths.push(req.url ?? '');
    const payload = JSON.parse(body.toString('utf8')) as { resourceSpans: { scopeSpans: { spans: any[] }[] }[] };
    for (const rs of payload.resourceSpans ?? [])
      for (const ss of rs.scopeSpans ?? [])
        for (const s of ss.spans ?? []) {
          const attributes: Record<string, unknown> = {};
          for (const a of s.attributes ?? [])
            attributes[a.key] =
              a.value.stringValue ??
              (a.value.intValue !== undefined
                ? Number(a.value.intValue)
                : (a.value.boolValue ?? a.value.doubleValue ?? a.value.arrayValue));
          spans.push({
            traceId: s.traceId,
            spanId: s.spanId,
            parentSpanId: s.parentSpanId || undefined,
            name: s.name,
            kind: s.kind,
            attributes,
            status: s.status,
          });
        }
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  });
  const url = await listen(server);
  return { url, spans, paths, close: () => new Promise<void>((r) => server.close(() => r())) };
}

/** A pass-through proxy in front of a simulator that records the `traceparent` of each request it forwards. */
async function startRecordingProxy(target: string) {
  const seen: (string | undefined)[] = [];
  const t = new URL(target);
  const server = createServer(async (req, res) => {
    const body = await readBody(req);
    seen.push(req.headers.traceparent as string | undefined);
    // The Host header is forwarded unchanged: S3 signs it (SigV4).
    const up = httpRequest({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (upRes) => {
      res.writeHead(upRes.statusCode ?? 502, upRes.headers);
      upRes.pipe(res);
    });
    up.on('error', () => res.writeHead(502).end());
    up.end(body);
  });
  const url = await listen(server);
  return { url, seen, close: () => new Promise<void>((r) => (server.closeAllConnections(), server.close(() => r()))) };
}

/** A pino destination that keeps every line, parsed. */
function captureLogs() {
  const lines: Record<string, any>[] = [];
  let raw = '';
  const stream = new Writable({
    write(chunk: Buffer, _enc, cb) {
      raw += chunk.toString('utf8');
      for (const l of chunk.toString('utf8').split('\n').filter(Boolean)) lines.push(JSON.parse(l));
      cb();
    },
  });
  return { lines, text: () => raw, logger: pino({ level: 'info' }, stream) };
}

async function waitFor<T>(what: string, fn: () => T | undefined | false, timeoutMs = 30_000): Promise<T> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

async function gql(url: string, query: string, headers: Record<string, string>) {
  const res = await fetch(`${url}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ query }),
  });
  return { status: res.status, body: (await res.json()) as { data?: any; errors?: { extensions?: Record<string, unknown> }[] } };
}

describe('tracing over OTLP/HTTP', () => {
  let sims: Simulators;
  let receiver: Awaited<ReturnType<typeof startOtlpReceiver>>;
  let proxies: Record<SimSystem, Awaited<ReturnType<typeof startRecordingProxy>>>;
  let app: App;
  let url: string;
  let token: string;

  before(async () => {
    sims = await startSimulators({ customers: 20 });
    receiver = await startOtlpReceiver();
    proxies = Object.fromEntries(
      await Promise.all(SIMS.map(async (s) => [s, await startRecordingProxy(sims.urls[s])] as const)),
    ) as typeof proxies;
    const config = loadConfig({
      ...simEnv(sims),
      HUBSPOT_BASE_URL: proxies.hubspot.url,
      STRIPE_API_BASE: proxies.stripe.url,
      ZENDESK_BASE_URL: proxies.zendesk.url,
      S3_ENDPOINT: proxies.s3.url,
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'portico-test',
      UPSTREAM_RETRIES: '1',
      // Retried calls wait out the SDKs' backoff: a loaded machine needs room.
      UPSTREAM_TIMEOUT_MS: '10000',
    });
    app = await createApp({ config });
    url = await app.listen();
    token = signDevToken(config, { role: 'customer', sub: '1001' });
  });
  after(async () => {
    await app?.close();
    await Promise.all(Object.values(proxies ?? {}).map((p) => p.close()));
    await receiver?.close();
    await sims?.close();
  });

  test('the dashboard query is one trace: request -> subgraph fetch -> cache read -> upstream call, continuing the client traceparent', async () => {
    const traceId = '4bf92f3577b34da6a3ce929e0e4736aa';
    const clientSpanId = '00f067aa0ba902b7';
    sims.resetStats();
    const res = await gql(url, DASHBOARD, {
      authorization: `Bearer ${token}`,
      traceparent: `00-${traceId}-${clientSpanId}-01`,
      'x-request-id': 'trace-test-1',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
    const calls = Object.fromEntries(SIMS.map((s) => [SYSTEM_OF[s], sims.stats(s).total]));
    for (const s of SIMS) assert.ok(sims.stats(s).total > 0, `${s} was called`);

    await app.tracing.flush();
    const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
    const request = await waitFor('the request span', () => inTrace().find((s) => s.name === 'POST /graphql'));
    const upstreamCount = () => inTrace().filter((s) => s.attributes['portico.upstream.system']).length;
    const total = Object.values(calls).reduce((a, b) => a + b, 0);
    await waitFor('every upstream span', () => upstreamCount() >= total);
    assert.ok(
      receiver.paths.every((p) => p === '/v1/traces'),
      `OTLP path: ${receiver.paths.join(', ')}`,
    );

    const spans = inTrace();
    const byId = new Map(spans.map((s) => [s.spanId, s]));
    const ancestors = (s: OtlpSpan) => {
      const chain: OtlpSpan[] = [];
      for (let p = s.parentSpanId && byId.get(s.parentSpanId); p; p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined) chain.push(p);
      return chain;
    };

    // The request span continues the client's trace, as a SERVER span with the operation named.
    assert.equal(request.parentSpanId, clientSpanId);
    assert.equal(request.kind, 2);
    assert.equal(request.attributes['graphql.operation.name'], 'Dashboard');
    assert.equal(request.attributes['graphql.operation.type'], 'query');
    assert.equal(request.attributes['http.response.status_code'], 200);
    assert.equal(request.attributes['portico.request_id'], 'trace-test-1');

    // One span per upstream attempt, exactly as many as the vendors received, each under the
    // fetch of its own subgraph (through a cache read that missed) and under the request span.
    const upstream = spans.filter((s) => s.attributes['portico.upstream.system']);
    for (const [system, n] of Object.entries(calls)) {
      const mine = upstream.filter((s) => s.attributes['portico.upstream.system'] === system);
      assert.equal(mine.length, n, `${system}: ${mine.length} spans for ${n} calls`);
      for (const s of mine) {
        assert.equal(s.kind, 3, 'CLIENT');
        assert.equal(s.attributes['http.response.status_code'], 200);
        assert.equal(s.attributes['portico.upstream.attempt'], 1);
        assert.equal(typeof s.attributes['portico.upstream.route'], 'string');
        const chain = ancestors(s);
        const fetch = chain.find((a) => a.name.startsWith('subgraph '));
        assert.ok(fetch, `${s.name} has a subgraph fetch ancestor`);
        assert.equal(fetch.attributes['portico.subgraph.name'], system);
        const cache = chain.find((a) => a.name.startsWith('cache.get '));
        assert.ok(cache, `${s.name} has a cache read ancestor`);
        assert.notEqual(cache.attributes['portico.cache.result'], 'hit');
        assert.ok(chain.includes(request), `${s.name} descends from the request span`);
      }
    }

    // Every vendor received the trace context of the attempt's span.
    for (const s of SIMS) {
      const sent = proxies[s].seen.filter(Boolean) as string[];
      assert.equal(sent.length, sims.stats(s).total, `${s}: traceparent on every call`);
      for (const tp of sent) {
        const [, tid, sid] = tp.split('-');
        assert.equal(tid, traceId);
        assert.equal(byId.get(sid)?.attributes['portico.upstream.system'], SYSTEM_OF[s], `${s}: traceparent names its attempt span`);
      }
    }
  });

  test('each attempt of a retried call is its own span, numbered, with the status the vendor gave', async () => {
    const traceId = 'd4cda95b652f4a1592b449d5929fda1b';
    // Every system fails the first request it serves (503) and answers the retry; the query makes
    // sequential calls only, so which attempt fails is deterministic.
    for (const s of SIMS) sims.setFaults(s, { failureRate: 0.5, failStatus: 503 });
    try {
      sims.resetStats();
      const query = '{ me { name billing { balance } documents(first: 1) { nodes { name } } } }';
      const res = await gql(url, query, {
        authorization: `Bearer ${signDevToken(app.config, { role: 'customer', sub: '1003' })}`,
        traceparent: `00-${traceId}-0102030405060708-01`,
      });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      const expected = { crm: upstreamCalls(sims).crm, billing: sims.stats('stripe').total, files: sims.stats('s3').total };
      assert.deepEqual(expected, { crm: 2, billing: 2, files: 2 });
      await app.tracing.flush();
      const attempts = await waitFor('the attempt spans', () => {
        const a = receiver.spans.filter((s) => s.traceId === traceId && s.attributes['portico.upstream.system']);
        return a.length >= 6 && a;
      });
      for (const system of ['crm', 'billing', 'files']) {
        const mine = attempts
          .filter((s) => s.attributes['portico.upstream.system'] === system)
          .sort((a, b) => Number(a.attributes['portico.upstream.attempt']) - Number(b.attributes['portico.upstream.attempt']));
        assert.deepEqual(
          mine.map((s) => [
            s.attributes['portico.upstream.attempt'],
            s.attributes['http.request.resend_count'],
            s.attributes['http.response.status_code'],
            s.status?.code ?? 0,
          ]),
          [
            [1, undefined, 503, 2],
            [2, 1, 200, 0],
          ],
          system,
        );
        assert.equal(
          mine[0].attributes['portico.upstream.route'],
          mine[1].attributes['portico.upstream.route'],
          `${system}: both attempts name the same route`,
        );
      }
    } finally {
      for (const s of SIMS) sims.setFaults(s, {});
    }
  });

  test('a warm cache answers the same query with cache hits and no upstream span', async () => {
    const traceId = '0af7651916cd43dd8448eb211c80319c';
    sims.resetStats();
    const res = await gql(url, DASHBOARD, { authorization: `Bearer ${token}`, traceparent: `00-${traceId}-b7ad6b7169203331-01` });
    assert.equal(res.status, 200);
    for (const s of SIMS) assert.equal(sims.stats(s).total, 0, `${s} not called`);
    await app.tracing.flush();
    const spans = await waitFor('the request span', () => {
      const t = receiver.spans.filter((s) => s.traceId === traceId);
      return t.some((s) => s.name === 'POST /graphql') && t;
    });
    const reads = spans.filter((s) => s.name.startsWith('cache.get '));
    assert.ok(reads.length > 0);
    for (const r of reads) assert.equal(r.attributes['portico.cache.result'], 'hit', r.name);
    assert.equal(spans.filter((s) => s.attributes['portico.upstream.system']).length, 0);
  });
});

describe('tracing over OTLP/HTTP with protobuf', () => {
  test('http/protobuf (the default) posts protobuf to /v1/traces with the configured headers', async () => {
    const sims = await startSimulators({ customers: 5 });
    const received: { path?: string; type?: string; key?: string; body: Buffer }[] = [];
    const server = createServer(async (req, res) => {
      received.push({
        path: req.url,
        type: req.headers['content-type'],
        key: req.headers['x-api-key'] as string | undefined,
        body: await readBody(req),
      });
      res.writeHead(200, { 'content-type': 'application/x-protobuf' }).end();
    });
    const receiverUrl = await listen(server);
    let app: App | undefined;
    try {
      const config = loadConfig({
        ...simEnv(sims),
        OTEL_EXPORTER_OTLP_ENDPOINT: `${receiverUrl}/`,
        OTEL_EXPORTER_OTLP_HEADERS: 'x-api-key=otlp-key-123456',
      });
      assert.equal(config.tracing.protocol, 'http/protobuf');
      app = await createApp({ config });
      assert.equal(app.tracing.enabled, true);
      const url = await app.listen();
      const traceId = 'a3ce929e0e4736aa4bf92f3577b34da6';
      const res = await gql(url, '{ me { name } }', {
        authorization: `Bearer ${signDevToken(config, { role: 'customer', sub: '1001' })}`,
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      });
      assert.equal(res.status, 200);
      await app.tracing.flush();
      const idBytes = Buffer.from(traceId, 'hex');
      const got = await waitFor('a protobuf export of the trace', () => received.find((r) => r.body.includes(idBytes)));
      assert.equal(got.path, '/v1/traces');
      assert.equal(got.type, 'application/x-protobuf');
      assert.equal(got.key, 'otlp-key-123456');
      assert.ok(got.body.includes(Buffer.from('POST /graphql')), 'the request span is in the payload');
    } finally {
      await app?.close();
      await new Promise<void>((r) => server.close(() => r()));
      await sims.close();
    }
  });
});

describe('tracing across a remote subgraph', () => {
  test('the gateway sends traceparent to a remote subgraph, whose spans and upstream calls join the same trace', async () => {
    const sims = await startSimulators({ customers: 20 });
    const receiver = await startOtlpReceiver();
    const secret = 'remote-subgraph-signing-secret-0123456789';
    let billing: Awaited<ReturnType<typeof createSubgraphServer>> | undefined;
    let app: App | undefined;
    let upstreams: ReturnType<typeof createUpstreams> | undefined;
    let shared: ReturnType<typeof createSharedState> | undefined;
    try {
      const subConfig = loadConfig({ ...simEnv(sims), SUBGRAPH_SIGNING_SECRET: secret });
      const silent = pino({ level: 'silent' });
      upstreams = createUpstreams(subConfig, silent);
      shared = createSharedState(subConfig, silent);
      const { schemas } = buildSubgraphs(upstreams, subConfig, shared, ['billing']);
      billing = await createSubgraphServer({ schema: schemas.billing!, signingSecret: secret, logger: silent });
      const billingUrl = `${await billing.fastify.listen({ host: '127.0.0.1', port: 0 })}/graphql`;
      const config = loadConfig({
        ...simEnv(sims),
        SUBGRAPH_URL_BILLING: billingUrl,
        SUBGRAPH_SIGNING_SECRET: secret,
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      });
      app = await createApp({ config });
      const url = await app.listen();
      const traceId = '5b8efff798038103d269b633813fc60c';
      sims.resetStats();
      const res = await gql(url, '{ me { name billing { balance } } }', {
        authorization: `Bearer ${signDevToken(config, { role: 'customer', sub: '1001' })}`,
        traceparent: `00-${traceId}-eee19b7ec3c1b174-01`,
      });
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
      assert.equal(res.body.data.me.billing.balance, -2500);
      const stripeCalls = sims.stats('stripe').total;
      assert.ok(stripeCalls > 0);
      await app.tracing.flush();
      const inTrace = () => receiver.spans.filter((s) => s.traceId === traceId);
      await waitFor(
        'the remote subgraph spans',
        () => inTrace().filter((s) => s.attributes['portico.upstream.system'] === 'billing').length >= stripeCalls,
      );
      const spans = inTrace();
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const fetch = spans.find((s) => s.name === 'subgraph billing');
      assert.ok(fetch);
      assert.equal(fetch.kind, 3, 'a remote fetch is a CLIENT span');
      assert.equal(fetch.attributes['portico.subgraph.transport'], 'http');
      // The subgraph service's own SERVER span is the child of the gateway's fetch span.
      const remote = spans.find((s) => s.kind === 2 && s.parentSpanId === fetch.spanId);
      assert.ok(remote, 'the remote subgraph continued the trace');
      assert.equal(remote.name, 'POST /graphql');
      for (const s of spans.filter((x) => x.attributes['portico.upstream.system'] === 'billing')) {
        let p = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
        while (p && p !== remote) p = p.parentSpanId ? byId.get(p.parentSpanId) : undefined;
        assert.equal(p, remote, `${s.name} runs under the remote subgraph's span`);
      }
    } finally {
      await app?.close();
      await billing?.close();
      await upstreams?.close();
      await shared?.close();
      await receiver.close();
      await sims.close();
    }
  });
});

describe('access log and masked errors', () => {
  let sims: Simulators;
  let logs: ReturnType<typeof captureLogs>;
  let app: App;
  let url: string;
  let token: string;
  let broken: Server;
  let brokenUrl: string;

  before(async () => {
    sims = await startSimulators({ customers: 20 });
    // A "billing subgraph" URL that answers with an HTML page echoing the request's headers, as a
    // misrouted proxy or debug endpoint would: the gateway cannot read it and masks the error.
    broken = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html' }).end(
        `<html><pre>${Object.entries(req.headers)
          .map(([k, v]) => `${k}: ${String(v)}`)
          .join('\n')}</pre></html>`,
      );
    });
    brokenUrl = await listen(broken);
    logs = captureLogs();
    const config = loadConfig({
      ...simEnv(sims),
      SUBGRAPH_URL_BILLING: `${brokenUrl}/graphql`,
      SUBGRAPH_SIGNING_SECRET: 'signing-secret-for-the-observability-test',
    });
    app = await createApp({ config, logger: logs.logger });
    url = await app.listen();
    token = signDevToken(config, { role: 'customer', sub: '1001' });
  });
  after(async () => {
    await app?.close();
    await new Promise<void>((r) => (broken ? broken.close(() => r()) : r()));
    await sims?.close();
  });

  const accessLine = (reqId: string) =>
    waitFor(`the access log line of ${reqId}`, () => logs.lines.find((l) => l.msg === 'request' && l.reqId === reqId));

  test('one access log line per request with operation, principal, status, duration, upstream calls per system and cache counts', async () => {
    const query = 'query Profile { me { name tickets(first: 5) { nodes { subject } } documents(first: 5) { nodes { name } } } }';
    sims.resetStats();
    const cold = await gql(url, query, { authorization: `Bearer ${token}`, 'x-request-id': 'access-cold' });
    assert.equal(cold.status, 200);
    assert.equal(cold.body.errors, undefined, JSON.stringify(cold.body.errors));
    const line = await accessLine('access-cold');
    assert.equal(logs.lines.filter((l) => l.msg === 'request' && l.reqId === 'access-cold').length, 1);
    assert.equal(line.level, 30);
    assert.equal(line.method, 'POST');
    assert.equal(line.path, '/graphql');
    assert.equal(line.status, 200);
    assert.equal(line.operation, 'Profile');
    assert.equal(line.operationType, 'query');
    assert.equal(line.principal, 'user');
    assert.deepEqual(line.roles, ['customer']);
    assert.equal(typeof line.durationMs, 'number');
    assert.ok(line.durationMs >= 0);
    const expected = Object.fromEntries(SIMS.filter((s) => sims.stats(s).total > 0).map((s) => [SYSTEM_OF[s], sims.stats(s).total]));
    assert.deepEqual(Object.keys(expected).sort(), ['crm', 'files', 'support']);
    assert.deepEqual(line.upstream, expected);
    assert.equal(
      line.upstreamCalls,
      Object.values(expected).reduce((a, b) => a + b, 0),
    );
    assert.equal(line.cache.hits, 0);
    assert.ok(line.cache.misses > 0);
    assert.equal(line.cache.errors, 0);
    assert.equal(line.traceId, undefined, 'no trace id when tracing is off');

    sims.resetStats();
    await gql(url, query, { authorization: `Bearer ${token}`, 'x-request-id': 'access-warm' });
    const warm = await accessLine('access-warm');
    assert.deepEqual(warm.upstream, {});
    assert.equal(warm.upstreamCalls, 0);
    assert.equal(warm.cache.misses, 0);
    // The whole response comes from the response cache: one read, one hit (no record is read).
    assert.equal(warm.cache.hits, 1);
  });

  test('a refused token is logged with status 401 and no principal, and the token appears in no log line', async () => {
    const bad = `${token.slice(0, -4)}AAAA`;
    const res = await gql(url, '{ me { name } }', { authorization: `Bearer ${bad}`, 'x-request-id': 'access-401' });
    assert.equal(res.status, 401);
    const line = await accessLine('access-401');
    assert.equal(line.status, 401);
    assert.equal(line.principal, 'none');
    assert.deepEqual(line.upstream, {});
    assert.ok(!logs.text().includes(token.split('.')[2]), 'the token signature is never logged');
    assert.ok(!logs.text().includes(bad.split('.')[2]));
  });

  test('a masked internal error is logged once with the request id and the original error, without tokens or secrets', async () => {
    const res = await gql(url, 'query Billing { me { name billing { balance } } }', {
      authorization: `Bearer ${token}`,
      'x-request-id': 'masked-1',
    });
    assert.equal(res.status, 200);
    assert.equal(res.body.data.me.name, 'Ada Lovelace');
    assert.equal(res.body.data.me.billing, null);
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.equal((res.body.errors?.[0] as { message?: string }).message, 'Internal server error.');
    assert.ok(!JSON.stringify(res.body).includes('<html>'), `the client sees nothing of the cause: ${JSON.stringify(res.body)}`);

    const errors = await waitFor('the error line', () => {
      const e = logs.lines.filter((l) => l.reqId === 'masked-1' && l.level === 50);
      return e.length > 0 && e;
    });
    await accessLine('masked-1');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    const [e] = errors;
    assert.equal(e.msg, 'internal error, answered as INTERNAL_SERVER_ERROR');
    assert.match(e.error.message, /Expected JSON response body/);
    assert.match(e.error.message, /<html>/, 'the original message is kept');
    assert.match(e.error.stack, /\n\s+at /, 'with its stack');
    assert.equal(e.error.type, 'Error');
    assert.equal(e.subgraph, 'billing');
    assert.equal(e.operation, 'Billing');
    // The page echoed the signed claims header (a credential for its lifetime): redacted.
    assert.match(e.error.message, /x-portico-claims: \[redacted\]/);
    const all = logs.text();
    assert.ok(!all.includes(token.split('.')[2]), 'no token');
    assert.ok(!all.includes('signing-secret-for-the-observability-test'), 'no secret');
    const claims = /x-portico-claims: ([^\s<]+)/.exec(e.error.message)?.[1];
    assert.equal(claims, '[redacted]');
  });

  test('an unknown error inside an in-process subgraph is masked for the client and logged with its subgraph, path and stack', async () => {
    // A corrupt cache entry (e.g. written by another version under the same key) makes the CRM
    // subgraph's read throw a SyntaxError that no code catalogues.
    await app.cache.store.mset([[`${app.config.keyPrefix}:crm:contact:1002:v1`, '{"id": "1002", broken']], 60);
    const res = await gql(url, 'query Me { me { name } }', {
      authorization: `Bearer ${signDevToken(app.config, { role: 'customer', sub: '1002' })}`,
      'x-request-id': 'masked-2',
    });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'INTERNAL_SERVER_ERROR');
    assert.equal((res.body.errors?.[0] as { message?: string }).message, 'Internal server error.');
    assert.ok(!JSON.stringify(res.body).includes('broken') && !JSON.stringify(res.body).includes('JSON'), JSON.stringify(res.body));
    const errors = await waitFor('the error line', () => {
      const e = logs.lines.filter((l) => l.reqId === 'masked-2' && l.level === 50);
      return e.length > 0 && e;
    });
    await accessLine('masked-2');
    assert.equal(errors.length, 1, JSON.stringify(errors));
    const [e] = errors;
    assert.equal(e.error.type, 'SyntaxError');
    assert.match(e.error.message, /JSON/);
    assert.match(e.error.stack, /cache\.ts/, 'the stack points at the code that threw');
    assert.equal(e.subgraph, 'crm');
    assert.equal(e.path, 'me');
    assert.equal(e.operation, 'Me');
  });
});

describe('tracing a webhook event through the durable queue', () => {
  test("a webhook's job is traced: producer span in the request's trace, consumer span per attempt, the worker's vendor re-read inside it", async () => {
    const redis = await startRedis();
    const sims = await startSimulators({ customers: 5 });
    const receiver = await startOtlpReceiver();
    let app: App | undefined;
    try {
      const config = loadConfig({
        ...simEnv(sims),
        ...WEBHOOK_ENV,
        REDIS_URL: redis.url,
        REDIS_KEY_PREFIX: 'otelq',
        OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
        OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      });
      app = await createApp({ config, logger: pino({ level: 'silent' }) });
      const url = await app.listen();
      const traceId = '4bf92f3577b34da6a3ce929d0e0e4737';
      const ada = sims.data.customers.find((c) => c.crmId === '1001')!;
      const e = stripeEvent('customer.updated', { id: ada.stripeCustomerId, object: 'customer' });
      const payload = JSON.stringify(e);
      const res = await post(`${url}/webhooks/stripe`, payload, {
        'stripe-signature': stripeHeader(payload),
        traceparent: `00-${traceId}-00f067aa0ba902b7-01`,
      });
      assert.equal(res.status, 200);
      const spans = await waitFor('the consumer span and its vendor re-read', () => {
        const t = receiver.spans.filter((s) => s.traceId === traceId);
        const consumer = t.find((s) => s.kind === 5);
        return consumer && t.some((s) => s.parentSpanId === consumer.spanId && s.attributes['portico.upstream.system']) && t;
      });
      const byId = new Map(spans.map((s) => [s.spanId, s]));
      const producer = spans.find((s) => s.kind === 4);
      const consumer = spans.find((s) => s.kind === 5)!;
      assert.ok(producer, `a producer span in the request's trace: ${spans.map((s) => `${s.name}/${s.kind}`).join(', ')}`);
      // The job's span descends from the webhook request's trace (through the job's stored context).
      assert.ok(consumer.parentSpanId && byId.has(consumer.parentSpanId), 'the consumer span has its parent in the same trace');
      const reread = spans.filter((s) => s.parentSpanId === consumer.spanId && s.attributes['portico.upstream.system']);
      assert.equal(reread[0]?.attributes['portico.upstream.system'], 'billing');
    } finally {
      await app?.close();
      await receiver.close();
      await sims.close();
      await redis.stop();
    }
  });
});

describe('Grafana dashboard and alert rules', () => {
  /** Metric names /metrics exports (histograms with their series suffixes). */
  async function exported(): Promise<Set<string>> {
    // With Redis, as production runs: the event queues' gauges exist only then.
    const sims = await startSimulators({ customers: 5 });
    const redis = await startRedis();
    try {
      const config = loadConfig({ ...simEnv(sims), REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'dashboard' });
      const app = await createApp({ config });
      try {
        const base = await app.listen();
        await gql(base, '{ me { name } }', { authorization: `Bearer ${signDevToken(config, { role: 'customer', sub: '1001' })}` });
        const text = await (await fetch(`${base}/metrics`)).text();
        const names = new Set<string>();
        for (const m of text.matchAll(/^# TYPE (\S+) (\S+)$/gm)) {
          names.add(m[1]);
          if (m[2] === 'histogram') for (const s of ['_bucket', '_sum', '_count']) names.add(m[1] + s);
        }
        for (const m of text.matchAll(/^([a-zA-Z_:][\w:]*)[{ ]/gm)) names.add(m[1]);
        return names;
      } finally {
        await app.close();
      }
    } finally {
      await redis.stop();
      await sims.close();
    }
  }

  const metricNames = (text: string) => new Set([...text.matchAll(/\bportico_[a-z0-9_]+/g)].map((m) => m[0]));
  test('the dashboard parses and every metric it queries is exported', async () => {
    const dashboard = JSON.parse(readFileSync(repoUrl('ops/grafana/portico.json'), 'utf8')) as {
      panels: { targets?: { expr: string }[] }[];
      templating: { list: { query?: unknown }[] };
    };
    const exprs = [
      ...dashboard.panels.flatMap((p) => (p.targets ?? []).map((t) => t.expr)),
      ...dashboard.templating.list.map((v) => JSON.stringify(v.query ?? '')),
    ];
    assert.ok(exprs.length >= 15);
    const names = exported();
    const queried = metricNames(exprs.join('\n'));
    assert.ok(queried.size >= 8);
    const have = await names;
    for (const n of queried) {
      assert.ok(have.has(n), `the dashboard queries ${n}, which /metrics does not export`);
    }
  });

  test('every alert rule queries exported metrics', async () => {
    const rules = readFileSync(repoUrl('ops/prometheus/alerts.yml'), 'utf8');
    const alerts = [...rules.matchAll(/^\s+- alert: (\w+)$/gm)].map((m) => m[1]);
    assert.deepEqual(alerts, [
      'PorticoUpstreamBreakerOpen',
      'PorticoUpstreamErrorRate',
      'PorticoCacheErrors',
      'PorticoHigh5xxRate',
      'PorticoWebhookDeadLetters',
      'PorticoEventQueueBacklog',
      'PorticoSlowRequests',
    ]);
    const have = await exported();
    for (const n of metricNames(rules)) {
      assert.ok(have.has(n), `an alert queries ${n}, which /metrics does not export`);
    }
  });
});
