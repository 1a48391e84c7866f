/**
 * A real Redis Cluster for one test file: `masters` redis-server processes with
 * `--cluster-enabled yes` (and `replicas` each) on free loopback ports, joined by
 * `redis-cli --cluster create`, the way an operator builds one. `url` is the `redis+cluster://`
 * form REDIS_URL takes. `killMasterOf(key)` SIGKILLs the master serving a key's slot once its
 * replica has every write, and resolves when the replica has taken over.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Cluster, Redis } from 'ioredis';
import { freePort, startLocalRedis, type LocalRedis } from '../../src/platform/redis-server.js';

export interface TestRedisCluster {
  /** `redis+cluster://127.0.0.1:p1,...` (every node, as a deployment lists its seeds). */
  url: string;
  nodes: LocalRedis[];
  /** A Cluster client for the test's own reads (the caller disconnects it). */
  client(): Cluster;
  /** The node serving `key`'s slot as master now. */
  masterOf(key: string): Promise<LocalRedis>;
  /**
   * SIGKILLs the master of `key`'s slot after its replica has caught up (replication is
   * asynchronous: a write the replica never got would be lost by any failover). Resolves at the
   * kill; `promoted` resolves once the replica serves the slot as master and every live node sees
   * the cluster as ok.
   */
  killMasterOf(key: string): Promise<{ killed: LocalRedis; promoted: Promise<LocalRedis> }>;
  stop(): Promise<void>;
}

const direct = (n: LocalRedis) => {
  const c = new Redis(n.url, { maxRetriesPerRequest: 0, retryStrategy: () => null, lazyConnect: true });
  c.on('error', () => undefined);
  return c;
};

/** Runs `fn` on a direct (non-cluster) connection to node `n`. */
async function on<T>(n: LocalRedis, fn: (c: Redis) => Promise<T>): Promise<T> {
  const c = direct(n);
  try {
    await c.connect();
    return await fn(c);
  } finally {
    c.disconnect();
  }
}

/** Polls `cond` every 50 ms, failing after `tries` (a count, not a clock assertion). */
async function until(what: string, cond: () => Promise<boolean>, tries = 600): Promise<void> {
  for (let i = 0; i < tries; i++) {
    if (await cond().catch(() => false)) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`Redis Cluster: timed out waiting for ${what}`);
}

const field = (text: string, name: string) => new RegExp(`^${name}:(.*)$`, 'm').exec(text)?.[1]?.trim();

export async function startRedisCluster(o: { masters?: number; replicas?: number } = {}): Promise<TestRedisCluster> {
  const masters = o.masters ?? 3;
  const replicas = o.replicas ?? 1;
  const dir = mkdtempSync(join(tmpdir(), 'portico-cluster-'));
  const ports = new Set<number>();
  while (ports.size < masters * (1 + replicas)) ports.add(await freePort());
  const nodes = await Promise.all(
    [...ports].map((port) =>
      startLocalRedis({
        port,
        args: [
          '--cluster-enabled',
          'yes',
          '--cluster-config-file',
          join(dir, `nodes-${port}.conf`),
          // A dead master is noticed after 1 s and its replica elected within a few more.
          '--cluster-node-timeout',
          '1000',
          '--dir',
          dir,
        ],
      }),
    ),
  );
  const created = spawnSync(
    'redis-cli',
    ['--cluster', 'create', ...nodes.map((n) => `127.0.0.1:${n.port}`), '--cluster-replicas', String(replicas), '--cluster-yes'],
    { encoding: 'utf8' },
  );
  if (created.status !== 0) {
    await Promise.all(nodes.map((n) => n.stop()));
    throw new Error(`redis-cli --cluster create failed: ${created.stdout}${created.stderr}`);
  }
  const live = new Set(nodes);
  const healthy = () =>
    until('every node to see the cluster ok with every slot served', async () => {
      for (const n of live) {
        const info = await on(n, (c) => c.cluster('INFO'));
        if (field(info, 'cluster_state') !== 'ok' || field(info, 'cluster_slots_ok') !== '16384') return false;
      }
      return true;
    });
  await healthy();
  const byPort = (port: number) => nodes.find((n) => n.port === port)!;
  const masterOf = async (key: string) => {
    for (const n of live) {
      const port = await on(n, async (c) => {
        const slot = await c.cluster('KEYSLOT', key);
        const shards = await c.cluster('SLOTS');
        return shards.find(([from, to]) => slot >= from && slot <= to)?.[2]?.[1];
      }).catch(() => undefined);
      if (port) return byPort(port);
    }
    throw new Error(`Redis Cluster: no node serves ${key}`);
  };
  return {
    url: `redis+cluster://${nodes.map((n) => `127.0.0.1:${n.port}`).join(',')}`,
    nodes,
    client() {
      const c = new Cluster(
        nodes.map((n) => ({ host: '127.0.0.1', port: n.port })),
        { redisOptions: { maxRetriesPerRequest: 1 } },
      );
      c.on('error', () => undefined);
      return c;
    },
    masterOf,
    async killMasterOf(key) {
      const master = await masterOf(key);
      const info = await on(master, (c) => c.info('replication'));
      const replicaPorts = [...info.matchAll(/^slave\d+:ip=[^,]+,port=(\d+),/gm)].map((m) => Number(m[1]));
      if (!replicaPorts.length) throw new Error(`Redis Cluster: the master of ${key} has no replica to fail over to`);
      await until('the replicas to have every write of the master', async () => {
        const offset = field(await on(master, (c) => c.info('replication')), 'master_repl_offset');
        const seen = await Promise.all(replicaPorts.map((p) => on(byPort(p), (c) => c.info('replication'))));
        return seen.every((r) => field(r, 'slave_repl_offset') === offset);
      });
      await master.stop();
      live.delete(master);
      const promoted = (async () => {
        let node: LocalRedis | undefined;
        await until('a replica to take the slot over', async () => {
          for (const p of replicaPorts) if (field(await on(byPort(p), (c) => c.info('replication')), 'role') === 'master') node = byPort(p);
          return node !== undefined;
        });
        await healthy();
        return node!;
      })();
      promoted.catch(() => undefined);
      return { killed: master, promoted };
    },
    async stop() {
      await Promise.all(nodes.map((n) => n.stop()));
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
