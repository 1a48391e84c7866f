/**
 * REDIS_URL's Sentinel form on real processes: a master, its replica and one sentinel
 * (`redis-server --sentinel`, quorum 1) on loopback. A connection made by connectRedis from a
 * `redis+sentinel://` URL finds the master through the sentinel, and after the master is
 * SIGKILLed and the sentinel promotes the replica, the same connection writes to the new master.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { Redis } from 'ioredis';
import { freePort, startLocalRedis, type LocalRedis } from '../../src/platform/redis-server.js';
import { connectRedis } from '../../src/platform/redis.js';

let master: LocalRedis;
let replica: LocalRedis;
let sentinel: ChildProcess;
let sentinelPort: number;
let dir: string;

/** Polls `cond` every 100 ms, failing after `tries` (a count, not a clock assertion). */
async function until(what: string, cond: () => Promise<boolean>, tries = 300): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

const ask = async <T>(port: number, fn: (c: Redis) => Promise<T>): Promise<T> => {
  const c = new Redis({ port, host: '127.0.0.1', lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
  c.on('error', () => undefined);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
};

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'portico-sentinel-'));
  // A replica's full sync writes an RDB file: in the temporary directory, not the working tree.
  master = await startLocalRedis({ args: ['--dir', dir] });
  replica = await startLocalRedis({ args: ['--dir', dir, '--replicaof', '127.0.0.1', String(master.port)] });
  sentinelPort = await freePort();
  const conf = join(dir, 'sentinel.conf');
  writeFileSync(
    conf,
    [
      `port ${sentinelPort}`,
      'bind 127.0.0.1',
      `dir ${dir}`,
      `sentinel monitor mymaster 127.0.0.1 ${master.port} 1`,
      'sentinel down-after-milliseconds mymaster 1000',
      'sentinel failover-timeout mymaster 5000',
      '',
    ].join('\n'),
  );
  sentinel = spawn('redis-server', [conf, '--sentinel'], { stdio: 'ignore' });
  const reap = () => sentinel.kill('SIGKILL');
  process.once('exit', reap);
  await until('the sentinel to know the replica', async () =>
    ask(sentinelPort, async (c) => ((await c.call('SENTINEL', 'REPLICAS', 'mymaster')) as unknown[]).length === 1),
  );
});
after(async () => {
  sentinel?.kill('SIGKILL');
  await replica?.stop();
  await master?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

test('a redis+sentinel:// connection finds the master, and follows the sentinel to the promoted replica after the master dies', async () => {
  const redis = connectRedis(`redis+sentinel://127.0.0.1:${sentinelPort}/mymaster`, 'control');
  redis.on('error', () => undefined);
  try {
    await redis.set('sentinel:before', '1');
    assert.equal(await ask(master.port, (c) => c.get('sentinel:before')), '1', 'written on the master');
    await until('the replica to have the write', async () => (await ask(replica.port, (c) => c.get('sentinel:before'))) === '1');

    await master.stop();
    await until('the sentinel to promote the replica', async () => {
      const [, port] = (await ask(sentinelPort, (c) => c.call('SENTINEL', 'GET-MASTER-ADDR-BY-NAME', 'mymaster'))) as [string, string];
      return Number(port) === replica.port;
    });
    // The same connection, reconnecting through the sentinel, now writes to the former replica.
    await until('a write through the sentinel URL to succeed', async () => (await redis.set('sentinel:after', '2')) === 'OK');
    assert.equal(await ask(replica.port, (c) => c.get('sentinel:after')), '2');
    assert.equal(await redis.get('sentinel:before'), '1');
  } finally {
    redis.disconnect();
  }
});
