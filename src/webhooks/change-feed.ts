/**
 * Runs a CRM's change feed (a CRM without signed webhooks, src/vendors/<vendor>.changeFeed): one
 * poll every interval, its position kept in Redis so any instance (or a restarted one) goes on
 * where the last poll ended, each change stored as a queue job keyed by its event id before the
 * position moves (several instances polling the same window store each change once).
 */
import type { Redis } from 'ioredis';
import type { Logger } from '../platform/logger.js';
import type { CrmPort } from '../ports/crm.js';
import type { CrmVendor } from '../vendors/types.js';
import type { EventPipeline } from './index.js';

export interface ChangeFeedRunner {
  /** One poll now (tests, and the timer). */
  pollOnce(): Promise<number>;
  stop(): void;
}

export function startChangeFeed(o: {
  vendor: CrmVendor & { changeFeed: NonNullable<CrmVendor['changeFeed']> };
  crm: CrmPort;
  events: Pick<EventPipeline, 'enqueueCrmChanges'>;
  redis: Redis;
  prefix: string;
  intervalMs: number;
  logger: Logger;
}): ChangeFeedRunner {
  const key = `${o.prefix}:crm:${o.vendor.name}:cursor`;
  const feed = o.vendor.changeFeed.create(o.crm, {
    cursor: { get: () => o.redis.get(key), set: async (v) => void (await o.redis.set(key, v)) },
    emit: (change) => o.events.enqueueCrmChanges(o.vendor.name, [change]),
    logger: o.logger,
  });
  let lastLog = 0;
  const tick = () =>
    feed.pollOnce().catch((err: unknown) => {
      // The next tick polls the same window again (the position moves only after every change is stored).
      if (Date.now() - lastLog > 60_000) {
        lastLog = Date.now();
        o.logger.warn({ vendor: o.vendor.name, err: (err as Error).message }, 'CRM change poll failed; retrying next interval');
      }
      return 0;
    });
  const timer = setInterval(() => void tick(), o.intervalMs);
  timer.unref();
  return { pollOnce: () => feed.pollOnce(), stop: () => clearInterval(timer) };
}
