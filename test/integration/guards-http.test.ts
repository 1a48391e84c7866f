/**
 * HTTP-level guards: where /metrics is served (finding 10), POST /sandbox/token only where asked
 * for (finding 9), and the CORS allow-list.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp } from '../helpers/app.js';

let sims: Simulators;
before(async () => {
  sims = await startSimulators({ customers: 20 });
});
after(() => sims?.close());

test('METRICS_TOKEN: /metrics needs the bearer token', async () => {
  const app = await startTestApp({ sims, env: { METRICS_TOKEN: 'm'.repeat(24) } });
  try {
    const open = await fetch(`${app.url}/metrics`);
    assert.equal(open.status, 401);
    assert.doesNotMatch(await open.text(), /portico_/);
    assert.equal((await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${'x'.repeat(24)}` } })).status, 401);
    const ok = await fetch(`${app.url}/metrics`, { headers: { authorization: `Bearer ${'m'.repeat(24)}` } });
    assert.equal(ok.status, 200);
    assert.match(await ok.text(), /portico_upstream_calls_total/);
  } finally {
    await app.close();
  }
});

test('METRICS_PORT: /metrics moves to its own listener and leaves the API port', async () => {
  const app = await startTestApp({ sims, env: { METRICS_PORT: '0' } });
  try {
    assert.equal((await fetch(`${app.url}/metrics`)).status, 404);
    assert.ok(app.app.fastify.metricsUrl);
    const res = await fetch(`${app.app.fastify.metricsUrl}/metrics`);
    assert.equal(res.status, 200);
    assert.match(await res.text(), /portico_cache_operations_total/);
  } finally {
    await app.close();
  }
});

test('POST /sandbox/token is not served when the app talks to configured vendors (not the bundled simulators)', async () => {
  // The test apps point at the simulators through vendor settings, as a staging deployment would at real vendors.
  const app = await startTestApp({ sims });
  try {
    const res = await fetch(`${app.url}/sandbox/token`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{"persona":"admin"}' });
    assert.equal(res.status, 404);
    const config = (await (await fetch(`${app.url}/sandbox/config.json`)).json()) as { personas: boolean };
    assert.equal(config.personas, false);
  } finally {
    await app.close();
  }
});

test('CORS: only the configured origins get access-control headers', async () => {
  const app = await startTestApp({ sims, env: { CORS_ORIGINS: 'https://portal.example.com' } });
  try {
    const preflight = (origin: string) =>
      fetch(`${app.url}/graphql`, { method: 'OPTIONS', headers: { origin, 'access-control-request-method': 'POST', 'access-control-request-headers': 'authorization,content-type' } });
    const ok = await preflight('https://portal.example.com');
    assert.equal(ok.status, 204);
    assert.equal(ok.headers.get('access-control-allow-origin'), 'https://portal.example.com');
    assert.match(ok.headers.get('access-control-allow-headers') ?? '', /authorization/);
    const evil = await preflight('https://evil.example.com');
    assert.equal(evil.headers.get('access-control-allow-origin'), null);
    const post = await fetch(`${app.url}/graphql`, { method: 'POST', headers: { origin: 'https://portal.example.com', 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    assert.equal(post.status, 200);
    assert.equal(post.headers.get('access-control-allow-origin'), 'https://portal.example.com');
  } finally {
    await app.close();
  }
  // Without CORS_ORIGINS no origin is allowed.
  const none = await startTestApp({ sims });
  try {
    const res = await fetch(`${none.url}/graphql`, { method: 'POST', headers: { origin: 'https://portal.example.com', 'content-type': 'application/json' }, body: '{"query":"{ __typename }"}' });
    assert.equal(res.headers.get('access-control-allow-origin'), null);
  } finally {
    await none.close();
  }
});
