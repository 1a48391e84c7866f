/**
 * A real redis-server (Debian's) on a free loopback port, for one test file: the same starter
 * `npm start` uses without REDIS_URL. `stop()` and `start()` let a test take Redis away mid-run
 * and bring it back on the same port.
 */
import { freePort, startLocalRedis, type LocalRedis } from '../../src/platform/redis-server.js';

import { Redis } from 'ioredis';

export { freePort };
export interface TestRedis extends LocalRedis {
  /** Blocks the server for `seconds` (DEBUG SLEEP); resolves when it answers again. */
  stall(seconds: number): Promise<void>;
}

export async function startRedis(): Promise<TestRedis> {
  // DEBUG SLEEP (local connections only) lets a test stall Redis for a set time.
  const r = await startLocalRedis({ args: ['--enable-debug-command', 'local'] });
  return {
    ...r,
    async stall(seconds) {
      const c = new Redis(r.url, { maxRetriesPerRequest: 0 });
      c.on('error', () => undefined);
      try {
        await c.call('DEBUG', 'SLEEP', String(seconds));
      } finally {
        c.disconnect();
      }
    },
  };
}
