/**
 * What gateway instances (and workers) share: the entity cache, partner records, the audit log,
 * customer links, vendor budgets and deferred bookkeeping, on Redis when REDIS_URL is set.
 */
import type { Redis } from 'ioredis';
import { createLogAuditLog, type AuditLog } from './audit/index.js';
import { createRedisAuditLog } from './audit/redis.js';
import { withAuditSpool } from './audit/spool.js';
import { createMemoryPartnerStore, createRedisPartnerStore, type PartnerStore } from './auth/partners.js';
import type { Config } from './config/index.js';
import { createMemoryBudgetStore, createRedisBudgetStore, type BudgetStore } from './platform/budget.js';
import type { LocalCaches } from './platform/local-cache.js';
import { createEntityCache, createMemoryStore, createRedisStore, type EntityCache, type RedisLiveness } from './platform/cache.js';
import { createDeferred, type Deferred } from './platform/deferred.js';
import { createMemoryLinks, createRedisLinks, type CustomerLinks } from './customers/links.js';
import { createMemoryIdentityLinks, createRedisIdentityLinks, type IdentityLinks } from './customers/identities.js';
import type { Logger } from './platform/logger.js';
import type { Metrics } from './platform/metrics.js';
import { countCache, countCacheError } from './platform/request-stats.js';

export interface SharedState {
  cache: EntityCache;
  partners: PartnerStore;
  /** Where writes, admin actions and staff or partner reads of a customer are recorded. */
  audit: AuditLog;
  /** The Redis connection for partner tokens and rate limits (waits out a reconnect; see createRedisStore). */
  redis?: Redis;
  /** Whether Redis answers, shared by every Redis step on the request path (platform/cache.ts createRedisLiveness). */
  liveness?: RedisLiveness;
  /** Customer links (customers/links.ts): Redis when configured, else process memory. */
  links: CustomerLinks;
  /** Identity links (customers/identities.ts): which customer a token without a customer claim is. */
  identities: IdentityLinks;
  /** Vendor budgets (platform/budget.ts): shared through Redis when configured. */
  budgets: BudgetStore;
  /** Bookkeeping after writes that Redis could not take at once, retried in the background (platform/deferred.ts). */
  deferred: Deferred;
  close(): Promise<void>;
}

/**
 * What gateway instances share: Redis when REDIS_URL is set; otherwise process memory, said
 * loudly (one instance only; production refuses it).
 */
export function createSharedState(config: Readonly<Config>, logger: Logger, metrics?: Metrics, caches?: LocalCaches): SharedState {
  const onError = () => (metrics?.cacheOps.inc({ result: 'error' }), countCacheError());
  // Records served from their stale copy because the vendor budget refused the load (platform/cache.ts).
  const onStale = (n: number) => metrics?.cacheOps.inc({ result: 'stale' }, n);
  const onRead = (hits: number, misses: number) => {
    countCache(hits, misses);
    if (hits) metrics?.cacheOps.inc({ result: 'hit' }, hits);
    if (misses) metrics?.cacheOps.inc({ result: 'miss' }, misses);
  };
  const deferred = createDeferred({ logger, onOutcome: (kind, outcome) => metrics?.deferredOps.inc({ kind, outcome }) });
  if (!config.redis.url) {
    logger.warn(
      'REDIS_URL is not set: cache and partner tokens live in process memory. Fine for development; run Redis for more than one instance (production requires it).',
    );
    const store = createMemoryStore({ maxBytes: config.cache.local.memoryStoreBytes, caches });
    const cache = createEntityCache({ store, logger, enabled: config.cache.enabled, onError, onRead, onStale });
    return {
      cache,
      partners: createMemoryPartnerStore(),
      audit: createLogAuditLog(logger),
      links: createMemoryLinks(),
      identities: createMemoryIdentityLinks(),
      budgets: createMemoryBudgetStore(),
      deferred,
      close: async () => (await cache.settle(), await deferred.close(), await store.close()),
    };
  }
  const store = createRedisStore({ url: config.redis.url, commandTimeoutMs: config.redis.commandTimeoutMs, logger });
  const audit = withAuditSpool(
    createRedisAuditLog({
      url: config.redis.url,
      prefix: config.keyPrefix,
      retentionDays: config.audit.retentionDays,
      hmacKey: config.audit.hmacKey,
      logger,
      onFailure: (kind) => metrics?.auditFailures.inc({ kind }),
      queueMaxBytes: config.audit.queueMaxBytes,
      caches,
    }),
    { dir: config.audit.spoolDir, logger, onSpool: (what, n) => metrics?.auditSpool.inc({ what }, n) },
  );
  const cache = createEntityCache({ store, logger, enabled: config.cache.enabled, onError, onRead, onStale });
  return {
    cache,
    partners: createRedisPartnerStore(store.control, config.keyPrefix, store.liveness),
    audit,
    redis: store.control,
    liveness: store.liveness,
    links: createRedisLinks({
      redis: store.client,
      prefix: config.keyPrefix,
      logger,
      timeoutMs: config.redis.commandTimeoutMs,
      liveness: store.liveness,
    }),
    identities: createRedisIdentityLinks(store.client, config.keyPrefix),
    budgets: createRedisBudgetStore(store.client, logger, undefined, {
      liveness: store.liveness,
      localShare: config.upstream.budgetLocalShare,
    }),
    deferred,
    // Pending write-behind cache writes first: the store's connections close last.
    close: async () => (await cache.settle(), await deferred.close(), await audit.close(), await store.close()),
  };
}
