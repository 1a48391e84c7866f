/**
 * A real redis-server (Debian's) on a free loopback port, for one test file.
 * `stop()` and `start()` let a test take Redis away mid-run and bring it back on the same port.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer } from 'node:net';
import { Redis } from 'ioredis';

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

export interface TestRedis {
  url: string;
  port: number;
  start(): Promise<void>;
  stop(): Promise<void>;
  /** Freezes the server (SIGSTOP): connections stay open, nothing answers. */
  pause(): void;
  resume(): void;
  flush(): Promise<void>;
  /** Blocks the server for `seconds` (DEBUG SLEEP); resolves when it answers again. */
  stall(seconds: number): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  const port = await freePort();
  let proc: ChildProcess | undefined;
  const url = `redis://127.0.0.1:${port}`;
  const r: TestRedis = {
    url,
    port,
    async start() {
      // DEBUG SLEEP (local connections only) lets a test stall Redis for a set time.
      const args = ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--protected-mode', 'yes', '--enable-debug-command', 'local'];
      proc = spawn('redis-server', args, { stdio: 'ignore' });
      proc.on('error', (err) => {
        throw new Error(`redis-server could not start (${err.message}). Install it: apt-get install redis-server`);
      });
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => undefined);
      for (let i = 0; i < 100; i++) {
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
      throw new Error(`redis-server did not answer on port ${port}`);
    },
    async stop() {
      if (!proc || proc.exitCode !== null) return;
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
    async stall(seconds) {
      const c = new Redis(url, { maxRetriesPerRequest: 0 });
      c.on('error', () => undefined);
      try {
        await c.call('DEBUG', 'SLEEP', String(seconds));
      } finally {
        c.disconnect();
      }
    },
    async flush() {
      const c = new Redis(url, { maxRetriesPerRequest: 0 });
      c.on('error', () => undefined);
      await c.flushall();
      c.disconnect();
    },
  };
  await r.start();
  return r;
}
