import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Redis } from 'ioredis';
import { connectRedis, defineScript } from '../../../src/platform/redis.js';
import { startRedis, type TestRedis } from '../../helpers/redis.js';

let server: TestRedis;
let redis: Redis;
before(async () => {
  server = await startRedis();
  redis = connectRedis(server.url, 'control');
});
after(async () => {
  redis.disconnect();
  await server.stop();
});

test('a script with a fixed key count gets its keys and arguments, and answers its typed result', async () => {
  const setGet = defineScript<[value: string], string>(redis, 'testSetGet', {
    numberOfKeys: 1,
    lua: "redis.call('SET', KEYS[1], ARGV[1]) return redis.call('GET', KEYS[1])",
  });
  assert.equal(await setGet(['t:one'], 'v1'), 'v1');
  await assert.rejects(setGet(['t:one', 't:two'], 'v2'), /takes 1 keys, not 2/);
});

test('a script without a fixed key count is told how many keys each call has', async () => {
  const count = defineScript<[extra: number], [number, number]>(redis, 'testCount', { lua: 'return {#KEYS, tonumber(ARGV[1])}' });
  assert.deepEqual(await count(['a', 'b', 'c'], 7), [3, 7]);
  assert.deepEqual(await count([], 1), [0, 1]);
});

test('a script survives SCRIPT FLUSH (ioredis sends it again on NOSCRIPT)', async () => {
  const echo = defineScript<[v: string], string>(redis, 'testEcho', { numberOfKeys: 0, lua: 'return ARGV[1]' });
  assert.equal(await echo([], 'a'), 'a');
  await redis.script('FLUSH');
  assert.equal(await echo([], 'b'), 'b');
});

test('a fail-fast role refuses a command at once while Redis is not there', async () => {
  const c = connectRedis('redis://127.0.0.1:1', 'producer');
  c.on('error', () => undefined);
  const started = Date.now();
  await assert.rejects(c.ping());
  assert.ok(Date.now() - started < 1000);
  c.disconnect();
});
