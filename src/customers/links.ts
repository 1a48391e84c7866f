/**
 * Customer links: the mapping Portico customer id (the CRM contact) <-> billing customer id <->
 * support user id <-> files prefix. It is data the whole system depends on, not a cache entry:
 * kept in Redis as one hash per customer (`<prefix>:links:<crmId>`, fields `billing`, `support`,
 * `files`) with no TTL, filled on first sight from the systems' lookups (the ports' searches by
 * customer id) and updated when a system reports a new id (`update`, for events and
 * reconciliation). With a known link, reads use the systems' direct endpoints instead of their
 * searches. A link that is missing (or unreadable) is looked up again: links are an optimisation
 * of reads, never the only way to a customer's records.
 *
 * Without Redis (development, one instance) the links live in an in-process map.
 */
import DataLoader from 'dataloader';
import type { Redis } from 'ioredis';
import { redisDeadline, type RedisLiveness } from '../platform/cache.js';
import { batch } from '../platform/redis.js';
import type { Logger } from '../platform/logger.js';
import { trace, withSpan } from '../platform/tracing.js';
import { perRequest, type RequestContext } from '../auth/context.js';

export interface CustomerLink {
  /** The billing system's id of the customer (billing port). */
  billingCustomerId?: string;
  /** The support system's user id of the customer (support port). */
  supportUserId?: string;
  /** Key prefix of the customer's documents, e.g. `customers/1001/`. */
  filesPrefix?: string;
}

/** A partial update; `null` removes an id (the vendor deleted the object). */
export type LinkUpdate = { [K in keyof CustomerLink]?: CustomerLink[K] | null };

export interface CustomerLinks {
  readonly kind: 'redis' | 'memory';
  /** Links of these customers; unknown customers are absent. A Redis failure reads as unknown (the systems' lookups still work). */
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

/** The hash field of each link, by domain. Fields written under other names before are not read: those links are looked up again. */
const FIELDS = { billingCustomerId: 'billing', supportUserId: 'support', filesPrefix: 'files' } as const;

function fromHash(h: Record<string, string>): CustomerLink | undefined {
  const link: CustomerLink = {};
  if (h.billing) link.billingCustomerId = h.billing;
  if (h.support) link.supportUserId = h.support;
  if (h.files) link.filesPrefix = h.files;
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
   * fail at once (unknown links; the systems' lookups answer), instead of each waiting its deadline.
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
          // Customers' hashes are spread over a Cluster's slots: batch sends them per node there.
          const p = batch(o.redis);
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

const REQUEST_LINKS = Symbol('customer.links');

/**
 * The request's one link loader, shared by the subgraphs it runs (billing and support both read a
 * customer's links: each with its own loader, a miss read every customer's hash twice).
 */
export function requestLinkLoader(ctx: RequestContext, links: CustomerLinks): LinkLoader {
  return perRequest(ctx, REQUEST_LINKS, () => createLinkLoader(links));
}

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
