/** Received webhooks and the event queues (workers, retries, deduplication). */
import { z } from 'zod';
import { bool, int, section } from './vars.js';

export interface EventsConfig {
  webhooks: { publicBaseUrl?: string };
  events: {
    attempts: number;
    backoffMs: number;
    backoffMaxMs: number;
    dedupeWindowS: number;
    lockMs: number;
    concurrency: number;
    workers: boolean;
    localRedis: boolean;
  };
}

export const events = section({
  vars: {
    PUBLIC_BASE_URL: {
      schema: z.url().regex(/^https?:\/\/[^/]+$/, 'must be scheme://host[:port] with no path'),
      example: 'https://api.example.com',
      doc: "The URL vendors call Portico at (HubSpot signs the full URI). Required in production; development uses the request's Host.",
      requiredInProduction: 'in production (HubSpot signs the URI it called)',
    },
    EVENT_ATTEMPTS: {
      schema: int(1, 50).prefault('8'),
      example: '8',
      doc: 'Attempts of one webhook event (and other queue jobs) before it is dead-lettered.',
    },
    EVENT_BACKOFF_MS: {
      schema: int(10, 3_600_000).prefault('1000'),
      example: '1000',
      doc: 'Base of the exponential backoff between attempts (full jitter: a random delay up to base x 2^(attempt-1)).',
    },
    EVENT_BACKOFF_MAX_MS: { schema: int(10, 86_400_000).prefault('600000'), example: '600000', doc: 'Cap of one backoff delay.' },
    EVENT_DEDUPE_DAYS: {
      schema: int(3, 30).prefault('4'),
      example: '4',
      doc: 'How long an event id is remembered, so a redelivery is not processed again (Stripe retries for up to 3 days).',
    },
    EVENT_LOCK_MS: {
      schema: int(200, 600_000).prefault('30000'),
      example: '30000',
      doc: "Lock of a running job: a crashed worker's job is run again after about this long.",
    },
    EVENT_CONCURRENCY: {
      schema: int(1, 256).prefault('8'),
      example: '8',
      doc: 'Events one worker process handles at once, per vendor queue.',
    },
    EVENT_WORKERS: {
      schema: bool.prefault('true'),
      example: 'false',
      doc: 'Run the event workers in the gateway process. Off = receivers only; run `npm run worker` separately.',
    },
    LOCAL_REDIS: {
      schema: bool.prefault('false'),
      example: 'false',
      doc: 'Without REDIS_URL, `npm start` runs a local redis-server child on a free loopback port (development only).',
      dev: 'true',
    },
  },
  build: (v): EventsConfig => ({
    webhooks: { publicBaseUrl: v.PUBLIC_BASE_URL },
    events: {
      attempts: v.EVENT_ATTEMPTS,
      backoffMs: v.EVENT_BACKOFF_MS,
      backoffMaxMs: v.EVENT_BACKOFF_MAX_MS,
      dedupeWindowS: v.EVENT_DEDUPE_DAYS * 86_400,
      lockMs: v.EVENT_LOCK_MS,
      concurrency: v.EVENT_CONCURRENCY,
      workers: v.EVENT_WORKERS,
      localRedis: v.LOCAL_REDIS,
    },
  }),
});
