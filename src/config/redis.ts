/** The shared Redis and the prefix of every key in it. */
import { z } from 'zod';
import { int, section } from './vars.js';

export interface RedisConfig {
  keyPrefix: string;
  redis: { url?: string; commandTimeoutMs: number };
}

export const redis = section({
  vars: {
    REDIS_KEY_PREFIX: {
      schema: z.string().regex(/^[a-z0-9_-]+$/),
      example: 'prod',
      doc: 'Prefix of every Redis key, so environments sharing a Redis never collide. Defaults to NODE_ENV.',
      derive: (env) => env.NODE_ENV ?? 'development',
    },
    REDIS_URL: {
      schema: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
      example: 'redis://:password@redis:6379/0',
      doc: 'Redis for the shared cache, persisted queries, partner tokens and the webhook queue. Without it `npm start` runs a local redis-server (LOCAL_REDIS), or falls back to process memory with webhooks off; production refuses to start.',
      // The password in it is a credential.
      secret: (url: string) => [decodeURIComponent(new URL(url).password)],
      requiredInProduction: 'in production: the cache, persisted queries and partner tokens must be shared by every instance',
    },
    REDIS_COMMAND_TIMEOUT_MS: {
      schema: int(5, 5000).prefault('50'),
      example: '50',
      doc: 'Deadline of a cache read from a Redis that has sent nothing for a second (one that has is busy, not hung: waited for, up to 5 s); past it the read counts as a miss and goes to the vendor.',
    },
  },
  build: (v, { env }): RedisConfig => ({
    keyPrefix: v.REDIS_KEY_PREFIX ?? env.NODE_ENV ?? 'development',
    redis: { url: v.REDIS_URL, commandTimeoutMs: v.REDIS_COMMAND_TIMEOUT_MS },
  }),
});
