/**
 * `npm start` without REDIS_URL: a local redis-server child on a free loopback port, so the
 * cache, partner tokens and the webhook queue are in Redis from the first start (nothing a vendor
 * sends is acknowledged before it is stored there). When redis-server cannot start, it says
 * loudly what is off: the cache falls back to process memory and webhooks answer 503.
 */
import type { Config } from '../config/index.js';
import { startLocalRedis, type LocalRedis } from './redis-server.js';

export interface WithLocalRedis {
  config: Readonly<Config>;
  /** Lines for the start-up banner. */
  lines: string[];
  stop(): Promise<void>;
}

export async function withLocalRedis(config: Readonly<Config>): Promise<WithLocalRedis> {
  if (config.redis.url || !config.events.localRedis || config.env === 'production') return { config, lines: [], stop: async () => undefined };
  let local: LocalRedis;
  try {
    local = await startLocalRedis();
  } catch (err) {
    const lines = [
      `  Redis:    NONE. ${(err as Error).message}`,
      '            OFF without Redis: webhooks (answered 503, never acknowledged and lost), event workers, the shared cache (process memory instead).',
      '            Fix: install redis-server (sudo apt-get install redis-server) or set REDIS_URL=redis://127.0.0.1:6379',
    ];
    return { config, lines, stop: async () => undefined };
  }
  return {
    config: Object.freeze({ ...config, redis: { ...config.redis, url: local.url } }),
    lines: [`  Redis:    started a local redis-server at ${local.url} (nothing persisted; stopped on exit). Set REDIS_URL to use your own.`],
    stop: () => local.stop(),
  };
}
