/** The shared Redis and the prefix of every key in it. */
import { z } from 'zod';
import { parseRedisUrl, redisUrlSecrets } from '../platform/redis-url.js';
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
      schema: z.string().superRefine((url, ctx) => {
        try {
          parseRedisUrl(url);
        } catch (err) {
          ctx.addIssue({ code: 'custom', message: (err as Error).message });
        }
      }),
      example: 'redis://:password@redis:6379/0',
      doc: 'Redis for the shared cache, persisted queries, partner tokens and the webhook queue. Without it `npm start` runs a local redis-server (LOCAL_REDIS), or falls back to process memory with webhooks off; production refuses to start. One server: `redis://[:password@]host:port[/db]` (`rediss://` for TLS). A Redis Cluster: `redis+cluster://[:password@]host1:port1,host2:port2` (any of its nodes; keys used together share a hash tag, queues get one each). A master found through Sentinel: `redis+sentinel://[:password@]host1:26379,host2:26379/mymaster[/db][?sentinelPassword=...]`. The `rediss+cluster://` and `rediss+sentinel://` forms use TLS. See docs/deployment.md.',
      // The passwords in it are credentials.
      secret: redisUrlSecrets,
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
