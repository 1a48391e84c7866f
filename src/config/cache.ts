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
} as const;
export type CacheType = keyof typeof CACHE_TTL_DEFAULTS;

export interface CacheConfig {
  cache: { enabled: boolean; ttl: Readonly<Record<CacheType, number>>; responseTtlS?: number };
}

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
      doc: 'Lifetime of cached whole responses of customer-scoped queries (`me`, `customer(id:)`), keyed by what decides visibility and dropped by the customer purge that writes and webhooks use. 0 = off; off when CACHE_ENABLED=false.',
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
    return { cache: { enabled: v.CACHE_ENABLED, ttl, responseTtlS: v.RESPONSE_CACHE_TTL_S } };
  },
});
