/**
 * Customer links: the mapping CRM contact id <-> Stripe customer id <-> Zendesk user id <-> S3
 * prefix. It is data the whole system depends on, not a cache entry: kept in Redis as one hash
 * per customer (`<prefix>:links:<crmId>`) with no TTL, filled on first sight from the vendors'
 * lookups (Stripe search by metadata, Zendesk users/show_many by external_id) and updated when a
 * vendor reports a new id (`update`, for webhooks and reconciliation). With a known link, reads
 * call the vendors' direct endpoints (Stripe customer retrieve, invoices list by customer,
 * Zendesk tickets by user id) instead of their search APIs.
 *
 * Without Redis (development, one instance) the links live in an in-process map.
 */
import DataLoader from 'dataloader';
import type { Redis } from 'ioredis';
import { redisDeadline, type RedisLiveness } from './cache.js';
import type { Logger } from './logger.js';
import { trace, withSpan } from './tracing.js';

export interface CustomerLink {
  stripeCustomerId?: string;
  zendeskUserId?: number;
  /** S3 key prefix of the customer's documents, e.g. `customers/1001/`. */
  s3Prefix?: string;
}

/** A partial update; `null` removes an id (the vendor deleted the object). */
export type LinkUpdate = { [K in keyof CustomerLink]?: CustomerLink[K] | null };

export interface CustomerLinks {
  readonly kind: 'redis' | 'memory';
  /** Links of these customers; unknown customers are absent. A Redis failure reads as unknown (the vendors' lookups still work). */
  getMany(crmIds: readonly string[]): Promise<Map<string, CustomerLink>>;
  get(crmId: string): Promise<CustomerLink | undefined>;
  /**
   * Sets the given ids (and removes those given as null). Called on first sight by the loaders,
   * and by webhook workers and reconciliation when a vendor reports a new id.
   */
  update(crmId: string, partial: LinkUpdate): Promise<void>;
  /** Forgets a customer's links (customer deleted in the CRM). */
  remove(crmId: string): Promise<void>;
}

const FIELDS = { stripeCustomerId: 'stripe', zendeskUserId: 'zendesk', s3Prefix: 's3' } as const;

function fromHash(h: Record<string, string>): CustomerLink | undefined {
  const link: CustomerLink = {};
  if (h.stripe) link.stripeCustomerId = h.stripe;
  if (h.zendesk && Number.isSafeInteger(Number(h.zendesk))) link.zendeskUserId = Number(h.zendesk);
  if (h.s3) link.s3Prefix = h.s3;
  return Object.keys(link).length ? link : undefined;
}

export function createMemoryLinks(): CustomerLinks {
  const map = new Map<string, CustomerLink>();
  return {
    kind: 'memory',
    async getMany(crmIds) {
      const out = new Map<string, CustomerLink>();
      for (const id of crmIds) {
        const l = map.get(id);
        if (l) out.set(id, { ...l });
      }
      return out;
    },
    async get(crmId) {
      const l = map.get(crmId);
      return l && { ...l };
    },
    async update(crmId, partial) {
      const next: Record<string, unknown> = { ...map.get(crmId) };
      for (const [k, v] of Object.entries(partial)) {
        if (v === null) delete next[k];
        else if (v !== undefined) next[k] = v;
      }
      if (Object.keys(next).length) map.set(crmId, next);
      else map.delete(crmId);
    },
    async remove(crmId) {
      map.delete(crmId);
    },
  };
}

export interface RedisLinksOptions {
  /** The request-path client (short command timeout): reads. */
  redis: Redis;
  /** Environment prefix (REDIS_KEY_PREFIX). */
  prefix: string;
  logger?: Logger;
  /** Deadline of a read (REDIS_COMMAND_TIMEOUT_MS); past it the links are unknown for this read. @default 50 */
  timeoutMs?: number;
  /**
   * Shared Redis liveness (platform/cache.ts): while Redis is stalled, reads and writes of links
   * fail at once (unknown links; the vendors' lookups answer), instead of each waiting its deadline.
   */
  liveness?: RedisLiveness;
}

/**
 * Deadline of a link write. Writes are awaited by the loaders that found a link (so the next read
 * has it), on the request path: without a deadline, a hung Redis held them until ioredis's own
 * timeout (seconds). Redis still sending bytes is waited for longer (up to 5x); a link not written
 * is found again by the next lookup.
 */
const WRITE_TIMEOUT_MS = 500;

export function createRedisLinks(o: RedisLinksOptions): CustomerLinks {
  const key = (crmId: string) => `${o.prefix}:links:${crmId}`;
  let lastLog = 0;
  const failed = (op: string, err: unknown) => {
    const now = Date.now();
    if (now - lastLog > 1000) {
      lastLog = now;
      o.logger?.warn({ op, err: (err as Error)?.message }, "customer links unavailable; falling back to the vendors' lookups");
    }
  };
  // Reads keep their hard deadline (no waiting on a busy Redis: the vendors' lookups are the fallback).
  const timed = <T>(send: () => Promise<T>, ms: number, capMs = ms): Promise<T> =>
    o.liveness ? o.liveness.deadline(send, ms, capMs) : redisDeadline(send(), ms);
  async function getMany(crmIds: readonly string[]): Promise<Map<string, CustomerLink>> {
    const out = new Map<string, CustomerLink>();
    if (!crmIds.length) return out;
    try {
      const res =
        (await timed(() => {
          const p = o.redis.pipeline();
          for (const id of crmIds) p.hgetall(key(id));
          return p.exec();
        }, o.timeoutMs ?? 50)) ?? [];
      res.forEach(([err, h], i) => {
        if (err) return;
        const link = fromHash(h as Record<string, string>);
        if (link) out.set(crmIds[i], link);
      });
    } catch (err) {
      failed('read', err);
    }
    return out;
  }
  return {
    kind: 'redis',
    getMany,
    async get(crmId) {
      return (await getMany([crmId])).get(crmId);
    },
    async update(crmId, partial) {
      const set: string[] = [];
      const del: string[] = [];
      for (const [k, v] of Object.entries(partial) as [keyof CustomerLink, unknown][]) {
        const field = FIELDS[k];
        if (!field) continue;
        if (v === null) del.push(field);
        else if (typeof v === 'string' || typeof v === 'number') set.push(field, String(v));
      }
      try {
        await timed(
          () => {
            const p = o.redis.pipeline();
            if (set.length) p.hset(key(crmId), ...set);
            if (del.length) p.hdel(key(crmId), ...del);
            return p.exec();
          },
          WRITE_TIMEOUT_MS,
          WRITE_TIMEOUT_MS * 5,
        );
      } catch (err) {
        // A link not written is found again by the next lookup: never a failed request.
        failed('write', err);
      }
    },
    async remove(crmId) {
      try {
        await timed(() => o.redis.del(key(crmId)), WRITE_TIMEOUT_MS, WRITE_TIMEOUT_MS * 5);
      } catch (err) {
        failed('remove', err);
      }
    },
  };
}

/** Per request: every link read in one tick becomes one Redis pipeline. */
export type LinkLoader = DataLoader<string, CustomerLink | undefined>;

export function createLinkLoader(links: CustomerLinks): LinkLoader {
  return new DataLoader(async (ids) => {
    const found = await links.getMany(ids);
    return ids.map((id) => found.get(id));
  });
}

/**
 * A read-through of links in one span `cache.get links.<what>`, like the entity cache's reads:
 * `run` reads the links and looks up the unknown ones at the vendor (those calls are the span's
 * children), reporting how many it had to look up. Costs nothing when tracing is off.
 */
export function traceLinkRead<T>(what: string, keys: number, run: (lookedUp: (n: number) => void) => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()?.isRecording()) return run(() => undefined);
  const attributes = { 'portico.cache.system': 'links', 'portico.cache.type': what, 'portico.cache.keys': keys };
  return withSpan(`cache.get links.${what}`, { attributes }, async (span) => {
    let misses = 0;
    const out = await run((n) => (misses = n));
    span.setAttributes({
      'portico.cache.hits': keys - misses,
      'portico.cache.misses': misses,
      'portico.cache.result': misses === 0 ? 'hit' : misses === keys ? 'miss' : 'partial',
    });
    return out;
  });
}
