/**
 * Response cache: whole results of customer-scoped queries (every root field is `me` or
 * `customer(id:)`: the dashboard, a customer's detail), so a warm view skips federation, the
 * subgraphs and their ~30 record reads: one read of the response and one of its tags.
 *
 * - Key: what decides visibility (principal kind, its scopes, the customers it may reach: its
 *   own id for a customer token, its allow-list for a partner, "all" for staff; a partner's id
 *   too) + operation document + operation name + variables. Two principals share an entry only
 *   when they would be shown exactly the same result; a customer's result is never another's.
 * - Tags: the customers the result contains. A purge (the same `purgeCustomer` that writes,
 *   webhooks and the admin mutation use) gives the customer's tag a new version; entries stored
 *   under an older version are misses. Versions are read before execution, so a purge during
 *   execution also invalidates the entry being written.
 * - Only complete results are stored (no errors); TTL `RESPONSE_CACHE_TTL_S`.
 * Authorization still runs before: the token is verified at the HTTP layer and validation and
 * the operation's ownership checks happen on the miss that stored the entry for this very key.
 */
import { createHash, randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import {
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import { isAuditedReader } from '../audit/reads.js';
import type { RequestContext } from '../auth/context.js';
import type { Principal } from '../auth/principal.js';
import type { CacheStore } from '../platform/cache.js';
import type { Logger } from '../platform/logger.js';
import { trace, tracer } from '../platform/tracing.js';
import { collectPrefetch } from './prefetch.js';

export interface ResponseCacheOptions {
  store: CacheStore;
  /** Environment prefix of the keys. */
  prefix: string;
  /** Lifetime of an entry; 0 turns the cache off. */
  ttlS: number;
  logger?: Logger;
  /** Hit/miss counter (metrics). */
  onResult?: (result: 'hit' | 'miss') => void;
}

export interface ResponseCache {
  plugin: ApolloServerPlugin<RequestContext>;
  /** Invalidates every cached response that contains this customer. */
  purgeCustomer(crmId: string): Promise<void>;
}

interface Entry {
  data: unknown;
  tags: Record<string, string | null>;
}

const TAG_TTL_S = 7 * 86_400;

/** What decides what a principal may see: two principals with the same value see the same results. */
export function visibilityKey(p: Principal): string | undefined {
  const scopes = [...p.scopes].sort().join(' ');
  switch (p.kind) {
    case 'anonymous':
      return undefined;
    case 'partner':
      return `partner:${p.partnerId}:${(p.customerIds ?? ['*']).join(',')}:${scopes}`;
    case 'user': {
      const staff = p.roles.includes('admin') || p.roles.includes('agent');
      return staff ? `staff:${scopes}` : `customer:${p.customerId ?? ''}:${scopes}`;
    }
  }
}

/** Root field names of the operation (fragments followed); undefined when it is not a query. */
function rootFields(doc: DocumentNode, operationName: string | null | undefined): string[] | undefined {
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
  if (!op || op.operation !== OperationTypeNode.QUERY) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const out: string[] = [];
  const walk = (set: SelectionSetNode | undefined, seen: Set<string>) => {
    for (const sel of set?.selections ?? []) {
      if (sel.directives?.length)
        out.push('@'); // conditional roots: not cached
      else if (sel.kind === Kind.FIELD) out.push(sel.name.value);
      else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet, seen);
      else if (!seen.has(sel.name.value)) walk(fragments.get(sel.name.value)?.selectionSet, new Set([...seen, sel.name.value]));
    }
  };
  walk(op.selectionSet, new Set());
  return out;
}

/** A corrupt entry is a miss. */
function parseEntry(raw: string): Entry | undefined {
  try {
    return JSON.parse(raw) as Entry;
  } catch {
    return undefined;
  }
}

/** The read as a span `cache.get gateway.response` (attributes as the entity cache's reads), when tracing records. */
function traceRead(hit: boolean): void {
  if (!trace.getActiveSpan()?.isRecording()) return;
  const span = tracer().startSpan('cache.get gateway.response', {
    attributes: {
      'portico.cache.system': 'gateway',
      'portico.cache.type': 'response',
      'portico.cache.keys': 1,
      'portico.cache.hits': hit ? 1 : 0,
      'portico.cache.misses': hit ? 0 : 1,
      'portico.cache.result': hit ? 'hit' : 'miss',
    },
  });
  span.end();
}

export function createResponseCache(o: ResponseCacheOptions): ResponseCache {
  const tagKey = (crmId: string) => `${o.prefix}:rc:tag:${crmId}`;
  const STATE = Symbol('responseCache');
  const read = async (keys: string[]) => {
    try {
      return await o.store.mget(keys);
    } catch {
      return keys.map(() => null);
    }
  };

  const plugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart() {
      if (o.ttlS <= 0) return;
      return {
        async responseForOperation({ document, operationName, request, contextValue }) {
          // Staff and partner reads of a customer are audited (src/audit/reads.ts) when resolvers run:
          // a whole cached response would skip that record, so those principals read records only.
          if (isAuditedReader(contextValue.principal)) return null;
          const who = visibilityKey(contextValue.principal);
          const roots = rootFields(document, operationName);
          if (!who || !roots?.length || roots.some((r) => r !== 'me' && r !== 'customer' && r !== '__typename')) return null;
          const customers = collectPrefetch(document, operationName, request.variables, contextValue.principal).map((r) => r.customerId);
          // Every data root must name a customer the principal may reach; anything else runs normally (and fails normally).
          if (customers.length !== roots.filter((r) => r !== '__typename').length) return null;
          const tags = [...new Set(customers)].sort();
          const key = `${o.prefix}:rc:${createHash('sha256')
            .update(JSON.stringify([who, request.query ?? '', operationName ?? '', request.variables ?? {}]))
            .digest('base64url')}:v1`;
          const [raw, ...versions] = await read([key, ...tags.map(tagKey)]);
          const current = Object.fromEntries(tags.map((t, i) => [t, versions[i] ?? null]));
          contextValue.perRequest.set(STATE, { key, tags: current });
          const entry = raw ? parseEntry(raw) : undefined;
          const hit = entry !== undefined && tags.every((t) => entry.tags[t] === current[t]);
          traceRead(hit);
          if (hit) {
            o.onResult?.('hit');
            contextValue.perRequest.set(STATE, undefined);
            return {
              http: { headers: new HeaderMap(), status: undefined },
              body: { kind: 'single', singleResult: { data: entry.data as Record<string, unknown> } },
            };
          }
          o.onResult?.('miss');
          return null;
        },
        async willSendResponse({ response, contextValue }) {
          const state = contextValue.perRequest.get(STATE) as { key: string; tags: Entry['tags'] } | undefined;
          if (!state || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (errors?.length || !data) return;
          const entry: Entry = { data, tags: state.tags };
          // Awaited (a miss already paid for its vendor calls): the next request finds the entry.
          await o.store
            .mset([[state.key, JSON.stringify(entry)]], o.ttlS)
            .catch((err) => o.logger?.warn({ err: (err as Error).message }, 'response cache write failed'));
        },
      };
    },
  };

  return {
    plugin,
    async purgeCustomer(crmId) {
      await o.store.mset([[tagKey(crmId), randomUUID()]], TAG_TTL_S);
    },
  };
}
