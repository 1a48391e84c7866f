/** The cache of upstream records and of whole customer-scoped responses. */
import { z } from 'zod';
import { bool, int, section } from './vars.js';

/** Default cache TTLs (seconds) per upstream record type; CACHE_TTLS overrides any of them. */
export const CACHE_TTL_DEFAULTS = {
  contact: 300,
  search: 30,
  account: 300,
  invoices: 120,
  cards: 300,
  zuser: 3600,
  tickets: 60,
  comments: 120,
  documents: 60,
  plans: 300,
} as const;
export type CacheType = keyof typeof CACHE_TTL_DEFAULTS;

/** Byte bounds of the in-process caches (platform/local-cache.ts), each reported in /metrics. */
export interface LocalCacheBounds {
  /** The entity cache's memory store (no REDIS_URL). */
  memoryStoreBytes: number;
  /** The response cache's memo of parsed documents and their root fields. */
  responseDocumentsBytes: number;
  /** Bodies of whole cached responses this instance served (checked against their tags on every hit). */
  responseBodiesBytes: number;
  /** Parsed subgraph operations of the in-process subgraphs. */
  subgraphDocumentsBytes: number;
  /** Verified user tokens (one minute each). */
  verifiedTokensBytes: number;
  /** Partner records kept for a Redis outage (PARTNER_TOKEN_CACHE_S). */
  partnerRecordsBytes: number;
  /** Documents whose token count was checked (MAX_TOKENS). */
  tokenCountsBytes: number;
}

export interface CacheConfig {
  cache: { enabled: boolean; ttl: Readonly<Record<CacheType, number>>; responseTtlS?: number; local: Readonly<LocalCacheBounds> };
}

const MiB = 1024 * 1024;
/** A byte bound: at least 64 KiB, at most 4 GiB. */
const maxBytes = (def: number) => int(64 * 1024, 4096 * MiB).prefault(String(def));

export const cache = section({
  vars: {
    CACHE_ENABLED: {
      schema: bool.prefault('true'),
      example: 'false',
      doc: 'Cache upstream records. Off = every read goes to the upstreams.',
    },
    CACHE_TTLS: {
      schema: z.string().regex(/^(\s*[a-z]+=\d+\s*)(,\s*[a-z]+=\d+\s*)*$/, 'must be type=seconds pairs'),
      example: 'contact=300,invoices=60',
      doc: `Cache TTL in seconds per record type; defaults: ${Object.entries(CACHE_TTL_DEFAULTS)
        .map(([k, v]) => `${k}=${v}`)
        .join(', ')}.`,
    },
    RESPONSE_CACHE_TTL_S: {
      schema: int(0, 86400).prefault('30'),
      example: '30',
      doc: 'Lifetime of cached whole responses of customer-scoped queries (`me`, `customer(id:)`, and the staff list `customers`: those at most CACHE_TTL_SEARCH), keyed by what decides visibility and dropped by the customer purge that writes and webhooks use; a staff or partner read served whole is still recorded in the audit log. 0 = off; off when CACHE_ENABLED=false.',
    },
    CACHE_MEMORY_MAX_BYTES: {
      schema: maxBytes(64 * MiB),
      example: '67108864',
      doc: 'Byte bound of the entity cache in process memory (used when REDIS_URL is not set): keys and JSON values; least recently used entries go first. Reported in /metrics (`portico_local_cache_bytes{cache="entity_memory"}`).',
    },
    RESPONSE_CACHE_DOCUMENTS_MAX_BYTES: {
      schema: maxBytes(4 * MiB),
      example: '4194304',
      doc: 'Byte bound of the response cache\'s memo of parsed operation documents (their text and root fields), `cache="response_documents"` in /metrics.',
    },
    RESPONSE_CACHE_BODIES_MAX_BYTES: {
      schema: int(0, 4096 * MiB).prefault(String(16 * MiB)),
      example: '16777216',
      doc: 'Byte bound of the bodies of cached whole responses an instance keeps in memory, so a hit reads only the tags\' versions from Redis (a staff list of 50 is ~150 KB), `cache="response_bodies"` in /metrics. 0 = always read the body from Redis.',
    },
    SUBGRAPH_DOCUMENTS_MAX_BYTES: {
      schema: maxBytes(16 * MiB),
      example: '16777216',
      doc: 'Byte bound of the parsed subgraph operations kept by the in-process subgraphs (estimated from their text), `cache="subgraph_documents"` in /metrics.',
    },
    VERIFIED_TOKENS_MAX_BYTES: {
      schema: maxBytes(8 * MiB),
      example: '8388608',
      doc: 'Byte bound of the user tokens verified in the last minute (token text and principal), `cache="verified_tokens"` in /metrics.',
    },
    PARTNER_RECORDS_MAX_BYTES: {
      schema: maxBytes(4 * MiB),
      example: '4194304',
      doc: 'Byte bound of the partner records kept to serve partner tokens through a Redis outage (PARTNER_TOKEN_CACHE_S), `cache="partner_records"` in /metrics.',
    },
    TOKEN_COUNTS_MAX_BYTES: {
      schema: maxBytes(4 * MiB),
      example: '4194304',
      doc: 'Byte bound of the documents whose token count was already checked against MAX_TOKENS (their text), `cache="token_counts"` in /metrics.',
    },
  },
  build: (v, { problem }): CacheConfig => {
    const ttl: Record<CacheType, number> = { ...CACHE_TTL_DEFAULTS };
    for (const pair of (v.CACHE_TTLS ?? '').split(',').filter((p) => p.trim())) {
      const [k, n] = pair.split('=').map((x) => x.trim()) as [string, string];
      if (k in ttl) ttl[k as CacheType] = Number(n);
      else
        problem(
          `CACHE_TTLS names an unknown type "${k}". Known: ${Object.keys(ttl).join(', ')}. Example: CACHE_TTLS=${cache.vars.CACHE_TTLS.example}`,
        );
    }
    const local: LocalCacheBounds = {
      memoryStoreBytes: v.CACHE_MEMORY_MAX_BYTES,
      responseDocumentsBytes: v.RESPONSE_CACHE_DOCUMENTS_MAX_BYTES,
      responseBodiesBytes: v.RESPONSE_CACHE_BODIES_MAX_BYTES,
      subgraphDocumentsBytes: v.SUBGRAPH_DOCUMENTS_MAX_BYTES,
      verifiedTokensBytes: v.VERIFIED_TOKENS_MAX_BYTES,
      partnerRecordsBytes: v.PARTNER_RECORDS_MAX_BYTES,
      tokenCountsBytes: v.TOKEN_COUNTS_MAX_BYTES,
    };
    return { cache: { enabled: v.CACHE_ENABLED, ttl, responseTtlS: v.RESPONSE_CACHE_TTL_S, local } };
  },
});
