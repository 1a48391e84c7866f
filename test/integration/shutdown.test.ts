/**
 * The process entry (`src/main.ts`) as `npm start` and the Docker image run it: on SIGTERM it
 * drains and exits 0 by itself. The 8 s force timer exits 1, so exit code 0 shows that every
 * server, connection and simulator was closed (a leftover handle keeps the process alive).
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { after, before, describe, test } from 'node:test';
import { signDevToken } from '../../src/auth/tokens.js';
import { loadConfig } from '../../src/config/index.js';
import { startSimulators, vendorEnv } from '../../sim/index.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
before(async () => {
  redis = await startRedis();
});
after(async () => {
  await redis.stop();
});

interface Started {
  url: string;
  stop(signal: NodeJS.Signals): Promise<{ code: number | null; output: string }>;
}

/** Starts `src/main.ts` on a free port; resolves once it printed its URL. */
function startMain(env: Record<string, string>): Promise<Started> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main.ts'], {
    env: { ...process.env, NODE_ENV: 'development', PORT: '0', LOG_LEVEL: 'info', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return new Promise((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      const m = /GraphQL:\s+(http:\/\/[\d.]+:\d+)\/graphql/.exec(output);
      if (m) {
        child.stdout.off('data', onData);
        child.stdout.on('data', (c: Buffer) => (output += c.toString()));
        resolve({
          url: m[1],
          async stop(signal) {
            child.kill(signal);
            const code = await exited;
            return { code, output };
          },
        });
      }
    };
    child.stdout.on('data', onData);
    child.stderr.on('data', (c: Buffer) => (output += c.toString()));
    void exited.then((code) => reject(new Error(`src/main.ts exited (${code}) before listening:\n${output}`)));
  });
}

describe('graceful shutdown', () => {
  test('idle, in-process simulators and memory store: SIGTERM drains and exits 0', async () => {
    const app = await startMain({});
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
    const { code, output } = await app.stop('SIGTERM');
    assert.equal(code, 0, output);
    assert.match(output, /"msg":"stopped"/);
  });

  test('after requests, with Redis: SIGINT drains and exits 0', async () => {
    const app = await startMain({ REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'shutdowntest' });
    const bearer = signDevToken(loadConfig({ NODE_ENV: 'development' }), { role: 'customer', sub: '1001' });
    const res = await fetch(`${app.url}/graphql`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
      body: JSON.stringify({
        query: '{ me { name billing { balance } tickets(first: 1) { nodes { id } } documents(first: 1) { nodes { downloadUrl } } } }',
      }),
    });
    assert.equal(((await res.json()) as { data: { me: { name: string } } }).data.me.name, 'Ada Lovelace');
    const { code, output } = await app.stop('SIGINT');
    assert.equal(code, 0, output);
    assert.match(output, /"msg":"stopped"/);
  });

  test('a request in flight when SIGTERM arrives is answered in full, then the process exits 0', async () => {
    // The CRM answers after 3 s, so the request is still waiting on it when the signal is sent.
    const sims = await startSimulators({ customers: 3, faults: { hubspot: { latencyMs: 3000 } } });
    try {
      const app = await startMain({ ...vendorEnv(sims), REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'shutdowninflight' });
      const bearer = signDevToken(loadConfig({ NODE_ENV: 'development' }), { role: 'customer', sub: '1001' });
      sims.resetStats();
      let answered = false;
      const pending = fetch(`${app.url}/graphql`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: `Bearer ${bearer}` },
        body: JSON.stringify({ query: '{ me { name email } }' }),
      }).then(async (res) => {
        answered = true;
        return { status: res.status, body: (await res.json()) as { data?: { me?: { name: string } }; errors?: unknown[] } };
      });
      // In flight: the gateway has called the CRM, which has not answered yet.
      for (let i = 0; i < 1000 && sims.stats('hubspot').total === 0; i++) await new Promise((r) => setTimeout(r, 10));
      assert.equal(sims.stats('hubspot').total, 1, 'the request reached the CRM');
      assert.equal(answered, false, 'still in flight when the signal is sent');
      const stopped = app.stop('SIGTERM');
      const res = await pending;
      assert.equal(res.status, 200);
      assert.equal(res.body.errors, undefined, JSON.stringify(res.body));
      assert.equal(res.body.data?.me?.name, 'Ada Lovelace');
      const { code, output } = await stopped;
      assert.equal(code, 0, output);
      assert.ok(output.indexOf('"msg":"draining"') >= 0 && output.indexOf('"msg":"draining"') < output.indexOf('"msg":"stopped"'), output);
    } finally {
      await sims.close();
    }
  });

  test('while Redis is unreachable (queue workers cannot connect): SIGTERM still exits 0', async () => {
    const { freePort } = await import('../helpers/redis.js');
    const app = await startMain({ REDIS_URL: `redis://127.0.0.1:${await freePort()}`, REDIS_KEY_PREFIX: 'shutdowntest' });
    assert.equal((await fetch(`${app.url}/healthz`)).status, 200);
    const { code, output } = await app.stop('SIGTERM');
    assert.equal(code, 0, output);
    assert.match(output, /"msg":"stopped"/);
  });
});
