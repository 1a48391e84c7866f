/**
 * A real redis-server (Debian's) on a free loopback port, for one test file: the same starter
 * `npm start` uses without REDIS_URL. `stop()` and `start()` let a test take Redis away mid-run
 * and bring it back on the same port.
 */
import { freePort, startLocalRedis, type LocalRedis } from '../../src/platform/redis-server.js';

export { freePort };
export type TestRedis = LocalRedis;

export async function startRedis(): Promise<TestRedis> {
  return startLocalRedis();
}
