/**
 * A local redis-server child process on a free loopback port: what `npm start` uses when no
 * REDIS_URL is configured (so webhooks are stored durably even in development), and what the
 * tests use. Nothing persists to disk; it lives and dies with its parent.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { connectRedis } from './redis.js';

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on('error', reject);
    srv.listen(0, '127.0.0.1', () => {
      const { port } = srv.address() as { port: number };
      srv.close(() => resolve(port));
    });
  });
}

export interface LocalRedis {
  url: string;
  port: number;
  /** Starts (or restarts, on the same port) the server and waits until it answers PING. */
  start(): Promise<void>;
  /** Kills the server (SIGKILL: like a crash, nothing flushed). */
  stop(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
  flush(): Promise<void>;
}

export class RedisServerUnavailableError extends Error {}

/** Starts redis-server on a free loopback port. Throws RedisServerUnavailableError when it cannot. */
export async function startLocalRedis(
  opts: { binary?: string; port?: number; /** more redis-server arguments */ args?: readonly string[] } = {},
): Promise<LocalRedis> {
  const port = opts.port ?? (await freePort());
  const binary = opts.binary ?? 'redis-server';
  let proc: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const r: LocalRedis = {
    url,
    port,
    async start() {
      if (proc && proc.exitCode === null && proc.signalCode === null) return; // already running
      let spawnError: Error | undefined;
      const child = spawn(
        binary,
        [
          '--port',
          String(port),
          '--bind',
          '127.0.0.1',
          '--save',
          '',
          '--appendonly',
          'no',
          '--protected-mode',
          'yes',
          ...(opts.args ?? []),
        ],
        { stdio: 'ignore' },
      );
      proc = child;
      child.on('error', (err) => {
        spawnError = err;
      });
      // Never outlive the parent, even when it exits without stopping us.
      const reap = () => child.kill('SIGKILL');
      process.once('exit', reap);
      child.once('exit', () => process.off('exit', reap));
      const probe = connectRedis(url, 'probe');
      probe.on('error', () => undefined);
      for (let i = 0; i < 200; i++) {
        if (spawnError)
          throw new RedisServerUnavailableError(
            `${binary} could not start (${spawnError.message}). Install it: sudo apt-get install redis-server`,
          );
        if (child.exitCode !== null)
          throw new RedisServerUnavailableError(`${binary} exited with code ${proc.exitCode} (is port ${port} taken?)`);
        try {
          await probe.connect();
          await probe.ping();
          probe.disconnect();
          return;
        } catch {
          probe.disconnect();
          await new Promise((res) => setTimeout(res, 50));
        }
      }
      child.kill('SIGKILL');
      throw new RedisServerUnavailableError(`${binary} did not answer on port ${port}`);
    },
    async stop() {
      if (!proc || proc.exitCode !== null || proc.signalCode !== null) return;
      const p = proc;
      await new Promise<void>((res) => {
        p.once('exit', () => res());
        p.kill('SIGKILL');
      });
    },
    pause() {
      proc?.kill('SIGSTOP');
    },
    resume() {
      proc?.kill('SIGCONT');
    },
    async flush() {
      const c = connectRedis(url, 'admin');
      c.on('error', () => undefined);
      await c.flushall();
      c.disconnect();
    },
  };
  await r.start();
  return r;
}
