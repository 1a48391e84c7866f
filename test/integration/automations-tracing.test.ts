/**
 * A run's record names the trace of its attempt: with OpenTelemetry exporting (OTLP/HTTP JSON to a
 * loopback receiver), the trace id `automationRuns` shows is one the exported spans carry.
 */
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';
import { SECRETS, waitFor, WEBHOOK_ENV } from '../helpers/webhooks.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;
let receiver: Server;
const traceIds = new Set<string>();

before(async () => {
  receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      try {
        const body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as {
          resourceSpans?: { scopeSpans?: { spans?: { traceId: string }[] }[] }[];
        };
        for (const rs of body.resourceSpans ?? [])
          for (const ss of rs.scopeSpans ?? []) for (const s of ss.spans ?? []) traceIds.add(s.traceId);
      } catch {
        // not a JSON export: nothing to record
      }
      res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
    });
  });
  await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
  redis = await startRedis();
  sims = await startSimulators();
  t = await startTestApp({
    sims,
    env: {
      REDIS_URL: redis.url,
      REDIS_KEY_PREFIX: 'autotrace',
      OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${(receiver.address() as AddressInfo).port}`,
      OTEL_EXPORTER_OTLP_PROTOCOL: 'http/json',
      OTEL_SERVICE_NAME: 'portico-test',
      ...WEBHOOK_ENV,
    },
  });
  sims.webhooks.configure({ stripe: { url: `${t.url}/webhooks/stripe`, secret: SECRETS.stripe[0] } });
});
after(async () => {
  await t?.close();
  await sims?.close();
  await redis?.stop();
  await new Promise<void>((r) => receiver?.close(() => r()));
});

test("a run's trace id is the trace of its attempt's spans", async () => {
  const c = sims.data.customers.find((x) => x.invoices.some((i) => i.status === 'open'))!;
  const invoice = c.invoices.find((i) => i.status === 'open')!;
  const res = await fetch(`${sims.urls.stripe}/v1/invoices/${invoice.id}/pay`, {
    method: 'POST',
    headers: { authorization: `Bearer ${sims.credentials.stripeSecretKey}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: 'payment_method=pm_card_chargeDeclined',
  });
  assert.equal(res.status, 402);
  let run: { status: string; traceId: string | null } | undefined;
  await waitFor('the run recorded completed', async () => {
    const r = await t.gql(`{ automationRuns(customerId: "${c.crmId}") { nodes { status traceId } } }`, { token: t.token('admin') });
    run = r.body.data?.automationRuns?.nodes?.[0] as typeof run;
    return run?.status === 'COMPLETED';
  });
  const traceId = run?.traceId ?? '';
  assert.match(traceId, /^[0-9a-f]{32}$/);
  assert.notEqual(traceId, '0'.repeat(32));
  await t.app.tracing.flush();
  await waitFor('the run’s spans exported', () => traceIds.has(traceId));
});
