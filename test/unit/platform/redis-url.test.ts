import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Redis } from 'ioredis';
import { loadConfig } from '../../../src/config/index.js';
import { connectRedis, isCluster, sentinelOptions } from '../../../src/platform/redis.js';
import { isClusterUrl, parseRedisUrl, redisUrlSecrets, type RedisTarget } from '../../../src/platform/redis-url.js';

const sentinel = (url: string) => {
  const t: RedisTarget = parseRedisUrl(url);
  if (t.kind !== 'sentinel') throw new Error(`${url} parsed as ${t.kind}`);
  return t;
};

test('a redis:// or rediss:// URL is one server, handed to ioredis unchanged', () => {
  for (const url of ['redis://127.0.0.1:6379', 'redis://:p%40ss@redis:6379/2', 'rediss://user:pw@host:6380']) {
    assert.deepEqual(parseRedisUrl(url), { kind: 'single', url });
    assert.equal(isClusterUrl(url), false);
  }
});

test('a redis+cluster:// URL lists the seed nodes, with the data nodes credentials and TLS from the scheme', () => {
  assert.deepEqual(parseRedisUrl('redis+cluster://10.0.0.1:7000,10.0.0.2:7001, node-3.redis:7002'), {
    kind: 'cluster',
    nodes: [
      { host: '10.0.0.1', port: 7000 },
      { host: '10.0.0.2', port: 7001 },
      { host: 'node-3.redis', port: 7002 },
    ],
    tls: false,
  });
  assert.deepEqual(parseRedisUrl('rediss+cluster://app:s%3Acret@[::1]:7000'), {
    kind: 'cluster',
    nodes: [{ host: '::1', port: 7000 }],
    username: 'app',
    password: 's:cret',
    tls: true,
  });
  assert.equal(isClusterUrl('redis+cluster://h:1'), true);
});

test('a redis+sentinel:// URL names the sentinels, the master group, the database and both sets of credentials', () => {
  assert.deepEqual(sentinel('redis+sentinel://:pw@s1:26379,s2:26380/mymaster'), {
    kind: 'sentinel',
    sentinels: [
      { host: 's1', port: 26379 },
      { host: 's2', port: 26380 },
    ],
    name: 'mymaster',
    db: 0,
    password: 'pw',
    tls: false,
  });
  const t = sentinel('rediss+sentinel://u:pw@s1:26379/cache/3?sentinelPassword=sp&sentinelUsername=su');
  assert.deepEqual(
    { name: t.name, db: t.db, username: t.username, password: t.password, su: t.sentinelUsername, sp: t.sentinelPassword, tls: t.tls },
    { name: 'cache', db: 3, username: 'u', password: 'pw', su: 'su', sp: 'sp', tls: true },
  );
  // What ioredis is given: its sentinel options, with a role's policy kept.
  assert.deepEqual(sentinelOptions(t, { maxRetriesPerRequest: 0 }), {
    maxRetriesPerRequest: 0,
    sentinels: [{ host: 's1', port: 26379 }],
    name: 'cache',
    db: 3,
    username: 'u',
    password: 'pw',
    sentinelUsername: 'su',
    sentinelPassword: 'sp',
    tls: {},
    enableTLSForSentinelMode: true,
  });
});

test('a malformed cluster or sentinel URL is refused with how it should look, never echoing the password', () => {
  for (const [url, message] of [
    ['redis+cluster://:hunter2@h1,h2:7000', /"h1" is not host:port .* e\.g\. redis\+cluster:\/\//],
    ['redis+cluster://h1:99999', /"h1:99999" is not host:port/],
    ['redis+cluster://h1:7000/0', /no database number/],
    ['redis+sentinel://:hunter2@s1:26379', /names the master group/],
    ['redis+sentinel://s1:26379/mymaster/x', /names the master group/],
    ['redis+sentinal://s1:26379/mymaster', /must be a redis:\/\/, rediss:\/\/, redis\+cluster:\/\/ or redis\+sentinel:\/\/ URL/],
    ['http://h:1', /must be a redis/],
  ] as const) {
    assert.throws(
      () => parseRedisUrl(url),
      (err: Error) => message.test(err.message) && !err.message.includes('hunter2'),
      url,
    );
  }
});

test('the config accepts the three forms, refuses a bad one naming REDIS_URL, and redacts every password in them', () => {
  const env = { NODE_ENV: 'test' };
  for (const url of ['redis://:a@h:1', 'redis+cluster://:a@h:1,h:2', 'redis+sentinel://:a@h:1/m?sentinelPassword=b'])
    assert.equal(loadConfig({ ...env, REDIS_URL: url }).redis.url, url);
  assert.throws(
    () => loadConfig({ ...env, REDIS_URL: 'redis+cluster://:hunter2@h' }),
    (err: Error & { problems?: string[] }) =>
      /REDIS_URL/.test(String(err.problems ?? err.message)) && !/hunter2/.test(String(err.problems ?? err.message)),
  );
  assert.deepEqual(redisUrlSecrets('redis+sentinel://:a@h:1/m?sentinelPassword=b'), ['a', 'b']);
  assert.deepEqual(redisUrlSecrets('redis+cluster://u:a%40b@h:1'), ['a@b', '']);
  assert.deepEqual(redisUrlSecrets('redis://:pw@h:1'), ['pw']);
});

test('connectRedis opens a Cluster for a cluster URL, a sentinel-backed client for a sentinel URL, a plain one otherwise', () => {
  const cluster = connectRedis('redis+cluster://127.0.0.1:1,127.0.0.1:2', 'cli');
  const viaSentinel = connectRedis('redis+sentinel://127.0.0.1:1/mymaster', 'cli');
  const single = connectRedis('redis://127.0.0.1:1', 'cli');
  try {
    assert.equal(isCluster(cluster), true);
    assert.equal(isCluster(viaSentinel), false);
    assert.ok(viaSentinel instanceof Redis);
    assert.deepEqual(viaSentinel.options.sentinels, [{ host: '127.0.0.1', port: 1 }]);
    assert.equal(viaSentinel.options.name, 'mymaster');
    assert.equal(isCluster(single), false);
    assert.equal(single.options.port, 1);
  } finally {
    for (const c of [cluster, viaSentinel, single]) c.disconnect();
  }
});
