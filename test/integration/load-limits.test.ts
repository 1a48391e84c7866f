/**
 * The gateway process under a steady mixed load of many principals that reaches the vendors'
 * limits (the shape of a portal's busy hour; bench/mixed.ts): it stays up, and every answer is a
 * 200 with data, fields the budget refused answered RATE_LIMITED. Before the fix, a key loading for
 * one request and awaited by another was an unhandled rejection when the other's own load failed
 * first at the budget, and the process died within a minute or two (issue 18, item 0).
 *
 * The budgets are set far below the published plans so the limits are reached in seconds on any
 * machine; the gateway runs as its own process (`src/main.ts`, as `npm start` runs it).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, test } from 'node:test';
import { badCount, runMixedLoad } from '../../bench/mixed.js';
import { startGatewayProcess, type GatewayProcess } from '../../bench/mixed-run.js';
import { loadConfig } from '../../src/config/index.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let gw: GatewayProcess;
const env = {
  NODE_ENV: 'development',
  LOG_LEVEL: 'warn',
  SIM_LATENCY_MS: '2',
  USER_RATE_LIMIT_PER_MINUTE: '1000000',
  RECONCILE_SCHEDULE: 'off',
  // Generous: a loaded CI machine must not turn slowness into UPSTREAM_TIMEOUT here.
  UPSTREAM_TIMEOUT_MS: '30000',
  VENDOR_BUDGETS: 'zendesk=40/60s,stripe=15/1s,stripe.search=3/1s,hubspot=20/10s,hubspot.search=2/1s',
};

before(async () => {
  redis = await startRedis();
  gw = await startGatewayProcess({ ...env, REDIS_URL: redis.url, REDIS_KEY_PREFIX: `load${Date.now()}` });
});
after(async () => {
  await gw?.stop();
  await redis?.stop();
});

test('a steady mixed load of 200 customers and 10 agents past every vendor budget: the process stays up, every answer is data or RATE_LIMITED', async () => {
  const s = await runMixedLoad({
    url: gw.url,
    config: loadConfig(env),
    rate: 40,
    connections: 10,
    durationS: 25,
    customers: Array.from({ length: 200 }, (_x, i) => String(1001 + i)),
    staffShare: 0.15,
    stopped: gw.exited,
  });
  assert.equal(gw.exited(), false, `the gateway died:\n${gw.output().slice(-3000)}`);
  assert.ok(s.sent >= 100, `only ${s.sent} requests were sent`);
  assert.deepEqual(s.bad, {}, `answers that were not a 200 with data or RATE_LIMITED fields: ${JSON.stringify(s.bad)}`);
  assert.equal(s.ok, s.sent);
  // The load did reach the budgets (else this test proves nothing).
  assert.ok(s.rateLimitedFields > 0, 'no field was RATE_LIMITED: the load never reached a vendor budget');
  assert.equal(badCount(s), 0);
  // Still serving after the load.
  const res = await fetch(`${gw.url}/healthz`);
  assert.equal(res.status, 200);
  assert.doesNotMatch(gw.output(), /unhandled promise rejection|uncaught exception/);
});

test('an unhandled rejection stays fatal: counted, logged once with its request id and throw site (no stack), then the process drains and exits 1', async () => {
  // A real process with the real handler: a request context (as the HTTP layer enters it) in which a promise rejects unobserved.
  const script = `
    import { createLogger } from './src/platform/logger.ts';
    import { createMetrics } from './src/platform/metrics.ts';
    import { installFatalHandlers } from './src/platform/fatal.ts';
    import { newRequestStats, runWithRequestStats } from './src/platform/request-stats.ts';
    const metrics = createMetrics({ defaults: false });
    installFatalHandlers({
      logger: createLogger({ level: 'info' }),
      counter: metrics.fatalErrors,
      shutdown: async () => {
        console.log('COUNT ' + (await metrics.registry.getSingleMetricAsString('portico_fatal_errors_total')).split('\\n').pop());
        console.log('DRAINED');
        process.exit(process.exitCode ?? 0);
      },
    });
    runWithRequestStats(newRequestStats('req-42'), () => {
      setTimeout(() => { Promise.reject(Object.assign(new Error('upstream said no: secret-value-in-message? no'), { extensions: { code: 'RATE_LIMITED' } })); }, 1);
    });
    setTimeout(() => { console.log('STILL ALIVE'); process.exit(0); }, 5000);
  `;
  const child = spawn(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr.on('data', (d: Buffer) => (out += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  assert.equal(code, 1, out);
  assert.doesNotMatch(out, /STILL ALIVE/);
  const line = out.split('\n').find((l) => l.includes('"kind":"unhandled_rejection"'));
  assert.ok(line, out);
  const entry = JSON.parse(line) as { level: number; requestId: string; fault: { code: string; at: string; stack?: string } };
  assert.equal(entry.level, 60);
  assert.equal(entry.requestId, 'req-42');
  assert.equal(entry.fault.code, 'RATE_LIMITED');
  assert.match(entry.fault.at, /^\[eval1\]|:\d+:\d+$/);
  assert.equal(entry.fault.stack, undefined);
  assert.doesNotMatch(out, /\n\s+at /, 'no stack trace printed');
  assert.match(out, /COUNT portico_fatal_errors_total\{kind="unhandled_rejection"\} 1/);
  assert.match(out, /DRAINED/);
});
