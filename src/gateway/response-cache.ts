/**
 * Response cache: whole results of customer-scoped queries (every root field is `me` or
 * `customer(id:)`: the dashboard, a customer's detail; for staff and partners also `customers`,
 * the staff list), so a warm view skips federation, the subgraphs and their ~30 record reads per
 * customer: one read of the response and one of its tags.
 *
 * - Key: what decides visibility (principal kind, its scopes, the customers it may reach: its
 *   own id for a customer token, its allow-list for a partner, "all" for staff; a partner's id
 *   too) + operation document + operation name + variables. Two principals share an entry only
 *   when they would be shown exactly the same result; a customer's result is never another's.
 * - Tags: the customers the result contains. A purge (the same `purgeCustomer` that writes,
 *   webhooks and the admin mutation use) gives the customer's tag a new version; entries stored
 *   under an older version are misses. Versions are read before execution, so a purge during
 *   execution also invalidates the entry being written.
 * - Staff and partner reads are audited (src/audit/reads.ts), so their tags are the customers the
 *   resolvers read (a page's customers are known only after execution); a purge epoch, renewed by
 *   every purge and read before execution, keeps a purge during execution from being stored over.
 *   A hit records the same `customer.read` entry the stored request recorded (its customers, systems
 *   and fields), for the principal asking now. A page's membership (which customers a search returns) is the CRM search cache's
 *   (`CACHE_TTL_SEARCH`): those entries live no longer than it.
 * - Only complete results are stored (no errors); TTL `RESPONSE_CACHE_TTL_S`.
 * Authorization still runs before: the token is verified at the HTTP layer and validation and
 * the operation's ownership checks happen on the miss that stored the entry for this very key.
 */
import { createHash, randomUUID } from 'node:crypto';
import { HeaderMap, type ApolloServerPlugin } from '@apollo/server';
import {
  Kind,
  OperationTypeNode,
  parse,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type OperationDefinitionNode,
  type SelectionSetNode,
  type ValueNode,
} from 'graphql';
import { collectedReads, isAuditedReader, readScopeOf, recordServedReads, type ReadAuditDeps, type ReadScope } from '../audit/reads.js';
import type { AuditContext } from '../audit/index.js';
import type { RequestContext } from '../auth/context.js';
import { canAccessCustomer, ownCustomerId, type Principal } from '../auth/principal.js';
import type { CacheStore } from '../platform/cache.js';
import { createLocalCaches, stringBytes, type LocalCaches } from '../platform/local-cache.js';
import type { Logger } from '../platform/logger.js';
import { trace, tracer } from '../platform/tracing.js';

export interface ResponseCacheOptions {
  store: CacheStore;
  /** Environment prefix of the keys. */
  prefix: string;
  /** Lifetime of an entry; 0 turns the cache off. */
  ttlS: number;
  logger: Logger;
  /** Hit/miss counter (metrics). */
  onResult?: (result: 'hit' | 'miss') => void;
  /** Where the memo of parsed documents is reported (`cache="response_documents"`). @default unreported */
  caches?: LocalCaches;
  /** Byte bound of that memo (RESPONSE_CACHE_DOCUMENTS_MAX_BYTES). @default 4 MiB */
  documentsMaxBytes?: number;
  /** Byte bound of the bodies kept in memory (RESPONSE_CACHE_BODIES_MAX_BYTES, `cache="response_bodies"`); 0 = none. @default 16 MiB */
  bodiesMaxBytes?: number;
  /**
   * Where staff and partner reads are recorded: with it their results are cached too (a hit records
   * its reads), without it they always run. @default staff and partner reads are not cached
   */
  reads?: ReadAuditDeps;
  /** Lifetime of the CRM's cached search pages (CACHE_TTL_SEARCH): audited entries live no longer. @default ttlS */
  membershipTtlS?: number;
}

export interface ResponseCache {
  plugin: ApolloServerPlugin<RequestContext>;
  /** Invalidates every cached response that contains this customer. */
  purgeCustomer(crmId: string): Promise<void>;
  /**
   * The HTTP layer's hit path: the stored body for a POST's JSON body (query, operationName,
   * variables) and an authenticated principal, or undefined (the request then runs through Apollo,
   * whose plugin stores the result). One Redis read, no GraphQL work beyond a memoized parse.
   */
  lookup(who: Pick<AuditContext, 'principal' | 'requestId'>, body: GraphQLBody | undefined): Promise<LookupResult | undefined>;
  /**
   * Hands a miss the HTTP layer already read to the request's Apollo plugin (its `perRequest`), so
   * the plugin stores the result under that key and those tag versions without reading Redis again.
   */
  rememberMiss(perRequest: Map<symbol, unknown>, miss: ResponseCacheMiss): void;
}

/** The HTTP layer's answer: a stored body, or the miss it read (key and tag versions, for the store after execution). */
export type LookupResult = { hit: true; body: Buffer; operationName: string | null } | { hit: false; miss: ResponseCacheMiss };

/** A cacheable request's key and its tags' current versions, read once before execution. */
export interface ResponseCacheMiss {
  /** The inputs the key was made of: the plugin reuses the miss only for the very same request. */
  readonly query: string;
  readonly operationName: string | null | undefined;
  readonly variables: unknown;
  readonly key: string;
  /** The tags' versions before execution (customers' own results). */
  readonly tags: Record<string, string | null>;
  /** Audited readers' results: the purge epoch before execution (their tags are known after it). */
  readonly epoch?: string | null;
  /** The generation of the Redis read (`rc:gen`): a copy of the stored entry is kept in memory under it. */
  readonly gen?: string | null;
}

/** A POST body as a client sends it. */
export interface GraphQLBody {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
}

const TAG_TTL_S = 7 * 86_400;
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** What decides what a principal may see: two principals with the same value see the same results. */
export function visibilityKey(p: Principal): string | undefined {
  const scopes = [...p.scopes].sort().join(' ');
  switch (p.kind) {
    case 'anonymous':
      return undefined;
    case 'partner': {
      // Its trusted operations too: a narrowed list must not be answered from an older entry.
      const reach = p.customerIds ? [...p.customerIds].sort().join(',') : '*';
      const operations = p.operations ? [...p.operations].sort().join(',') : '*';
      return `partner:${p.partnerId}:${reach}:${operations}:${scopes}`;
    }
    case 'user': {
      const staff = p.roles.includes('admin') || p.roles.includes('agent');
      return staff ? `staff:${[...p.roles].sort().join(',')}:${scopes}` : `customer:${p.customerId ?? ''}:${scopes}`;
    }
  }
}

const rootOf = (f: FieldNode): Root => ({ name: f.name.value, id: f.arguments?.find((a) => a.name.value === 'id')?.value });

/** A root field as the key needs it: its name and its `id` argument (kept instead of the whole subtree). */
interface Root {
  name: string;
  id?: ValueNode;
}

/**
 * The root fields of the operation (fragments followed, each once: this runs before validation,
 * and a fragment spread twice in each of many nested fragments must not cost an exponential
 * walk); undefined when it is not a query or a root is conditional.
 */
function rootFields(doc: DocumentNode, operationName: string | null | undefined): { roots: Root[]; name: string | null } | undefined {
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
  if (!op || op.operation !== OperationTypeNode.QUERY) return undefined;
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const out: Root[] = [];
  let conditional = false;
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode | undefined) => {
    for (const sel of set?.selections ?? []) {
      if (sel.directives?.length) conditional = true;
      else if (sel.kind === Kind.FIELD) out.push(rootOf(sel));
      else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        walk(fragments.get(sel.name.value)?.selectionSet);
      }
    }
  };
  walk(op.selectionSet);
  return conditional ? undefined : { roots: out, name: op.name?.value ?? null };
}

/**
 * The customers a cacheable operation shows: every data root is `me` or `customer(id:)` naming a
 * customer the principal may reach. Undefined when the operation is not cacheable (another root,
 * a conditional root, a customer out of reach: those run normally, and fail normally).
 */
function customersOf(roots: readonly Root[], variables: Record<string, unknown> | undefined, p: Principal): string[] | undefined {
  const ids: string[] = [];
  for (const f of roots) {
    if (f.name === '__typename') continue;
    const arg = f.name === 'customer' ? f.id : undefined;
    const id = f.name === 'me' ? ownCustomerId(p) : arg ? valueFromASTUntyped(arg, variables) : undefined;
    if (typeof id !== 'string' || !SAFE_ID.test(id) || !canAccessCustomer(p, id)) return undefined;
    ids.push(id);
  }
  return ids.length ? [...new Set(ids)].sort() : undefined;
}

/**
 * An entry is stored as one string: its header (JSON, one line: the tags' versions and, for audited
 * readers, the scope of the reads to record on a hit), a newline, then the HTTP body exactly as
 * Apollo writes it, so a hit is sent without parsing or serializing the result.
 */
interface EntryHeader {
  tags: Record<string, string | null>;
  reads?: ReadScope;
  /** When it expires (ms since the epoch): a copy in memory lives no longer than the stored entry. */
  expires: number;
}

/** An entry as a hit uses it: the body as bytes, sent as they are. */
type Entry = EntryHeader & { body: Buffer };

function parseEntry(raw: string): Entry | undefined {
  const nl = raw.indexOf('\n');
  if (nl < 0) return undefined;
  try {
    const header = JSON.parse(raw.slice(0, nl)) as EntryHeader;
    return { tags: header.tags, reads: header.reads, expires: header.expires, body: Buffer.from(raw.slice(nl + 1)) };
  } catch {
    return undefined;
  }
}

/** Root fields an audited reader's cached result may have: every customer they show is a read it records. */
const AUDITED_ROOTS = new Set(['customer', 'customers', '__typename']);

/** Estimated bytes of one root as the memo keeps it (its name and `id` argument's node). */
const ROOT_BYTES = 128;

/**
 * The root fields of operations by their text (least recently used dropped past `maxBytes`): only
 * the roots are kept, never the parsed document.
 */
function documentMemo(caches: LocalCaches, maxBytes: number) {
  type Roots = { roots: Root[]; name: string | null } | false;
  const memo = caches.lru<string, Roots>({
    name: 'response_documents',
    maxBytes,
    sizeOf: (v, k) => stringBytes(k) + (v ? v.roots.length * ROOT_BYTES + (v.name?.length ?? 0) : 0),
  });
  return (query: string, operationName: string | null | undefined, doc?: DocumentNode) => {
    const k = `${operationName ?? ''}\n${query}`;
    let roots = memo.get(k);
    if (roots === undefined) {
      try {
        roots = rootFields(doc ?? parse(query, { noLocation: true }), operationName) ?? false;
      } catch {
        roots = false; // not GraphQL: Apollo answers it
      }
      memo.set(k, roots);
    }
    return roots || undefined;
  };
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

/** How long a response waits for its cache entry's write (see willSendResponse). */
const WRITE_WAIT_MS = 50;

export function createResponseCache(o: ResponseCacheOptions): ResponseCache {
  const tagKey = (crmId: string) => `${o.prefix}:rc:tag:${crmId}`;
  // Renewed by every purge ("*" is no customer id: SAFE_ID).
  const epochKey = tagKey('*');
  const auditedTtlS = Math.min(o.ttlS, o.membershipTtlS ?? o.ttlS);
  const STATE = Symbol('responseCache');
  const HTTP_MISS = Symbol('responseCacheHttpMiss');
  const rootsOf = documentMemo(o.caches ?? createLocalCaches(), o.documentsMaxBytes ?? 4 * 1024 * 1024);
  let lastWriteLog = 0;
  /** Values of `keys`, or undefined when Redis cannot answer (nothing is served then: no tag can be checked). */
  const read = async (keys: string[]) => {
    try {
      return await o.store.mget(keys);
    } catch {
      return undefined;
    }
  };
  // Entries this instance read or stored, by key: a hit then reads only its tags' versions. A copy
  // also carries the generation of the Redis it came from (`rc:gen`, made on the first store): an
  // emptied or replaced Redis (restart, failover, FLUSHALL) has another, so no copy outlives the data.
  const genKey = `${o.prefix}:rc:gen`;
  const bodiesMax = o.bodiesMaxBytes ?? 16 * 1024 * 1024;
  const bodies =
    bodiesMax > 0
      ? (o.caches ?? createLocalCaches()).lru<string, Entry & { gen: string }>({
          name: 'response_bodies',
          maxBytes: bodiesMax,
          sizeOf: (v, k) => stringBytes(k) + v.body.length + Object.keys(v.tags).length * 64,
        })
      : undefined;

  /** True when the entry has not expired and every tag still has the version it was stored under. */
  const isCurrent = (entry: Entry, versions: readonly (string | null)[]) =>
    entry.expires > Date.now() && Object.keys(entry.tags).every((t, i) => entry.tags[t] === (versions[i] ?? null));

  /** The copy in memory when it is current (one read: the generation and its tags' versions). */
  async function held(key: string) {
    const copy = bodies?.get(key);
    if (!copy) return undefined;
    const values = await read([genKey, ...Object.keys(copy.tags).map(tagKey)]);
    if (values && values[0] === copy.gen && isCurrent(copy, values.slice(1))) return copy;
    bodies?.delete(key);
    return undefined;
  }

  /** The stored entry when current (tag versions known, or read once more for an audited entry's tags). */
  async function stored(raw: string | null | undefined, known?: readonly (string | null)[]) {
    const entry = raw ? parseEntry(raw) : undefined;
    if (!entry) return undefined;
    const versions = known ?? (await read(Object.keys(entry.tags).map(tagKey)));
    return versions && isCurrent(entry, versions) ? entry : undefined;
  }

  /**
   * The entry's key and what its validity is checked against (the tags' versions, or the purge
   * epoch for an audited reader), and the entry when it is current. Undefined when the request is
   * not cacheable.
   */
  async function find(
    who: Pick<AuditContext, 'principal' | 'requestId'>,
    query: string,
    operationName: string | null | undefined,
    variables: Record<string, unknown> | undefined,
    doc?: DocumentNode,
  ) {
    const { principal } = who;
    if (o.ttlS <= 0) return undefined;
    const audited = isAuditedReader(principal);
    // Staff and partner reads of a customer are audited when resolvers run: a hit records them too,
    // from the entry, so they are cached only where they can be recorded.
    if (audited && !o.reads) return undefined;
    const vis = visibilityKey(principal);
    const op = vis ? rootsOf(query, operationName, doc) : undefined;
    if (!op) return undefined;
    const tags = audited ? undefined : customersOf(op.roots, variables, principal);
    if (audited ? !op.roots.every((r) => AUDITED_ROOTS.has(r.name)) : !tags) return undefined;
    let keyed: string;
    try {
      keyed = JSON.stringify([vis, query, operationName ?? '', variables ?? {}]);
    } catch {
      // Variables JSON cannot write (nested past the stack, which the HTTP layer's MAX_JSON_DEPTH
      // refuses first; a BigInt from an in-process caller): not cacheable, never a 500.
      return undefined;
    }
    const key = `${o.prefix}:rc:${createHash('sha256').update(keyed).digest('base64url')}:v3`;
    let entry: Entry | undefined = await held(key);
    let miss: { tags: Record<string, string | null>; epoch?: string | null; gen?: string | null } = { tags: {} };
    if (!entry) {
      const values = await read(tags ? [key, genKey, ...tags.map(tagKey)] : [key, genKey, epochKey]);
      if (!values) return undefined; // Redis cannot answer: the request runs, and nothing is stored
      const [raw, gen, ...rest] = values;
      miss = tags
        ? { tags: Object.fromEntries(tags.map((t, i) => [t, rest[i] ?? null])), gen: gen ?? null }
        : { tags: {}, epoch: rest[0] ?? null, gen: gen ?? null };
      entry = await stored(raw, tags ? rest : undefined);
      if (entry && gen) bodies?.set(key, { ...entry, gen });
    }
    traceRead(entry !== undefined);
    o.onResult?.(entry !== undefined ? 'hit' : 'miss');
    if (entry && o.reads && entry.reads) {
      // A hit records its reads without waiting for them to be stored, but not past the audit queue's
      // bound (AUDIT_QUEUE_MAX_BYTES): a sustained load of staff lists waits for Redis instead of growing it.
      await o.reads.audit.room?.();
      recordServedReads({ ...who, operationName: op.name ?? undefined }, Object.keys(entry.tags), entry.reads, o.reads, o.logger);
    }
    return { key, ...miss, hit: entry?.body, operationName: op.name };
  }

  /** The stored entry's header: audited entries' tags are the customers read, at versions read now. */
  async function headerOf(state: Stored, ctx: RequestContext, schema: GraphQLSchema, document: DocumentNode | undefined) {
    if (state.epoch === undefined)
      return { header: { tags: state.tags, expires: Date.now() + o.ttlS * 1000 } satisfies EntryHeader, ttlS: o.ttlS };
    const customers = collectedReads(ctx);
    const [epoch, ...versions] = await o.store.mget([epochKey, ...customers.map(tagKey)]);
    // A purge ran during execution: what was read may be older than it.
    if ((epoch ?? null) !== state.epoch) return undefined;
    const tags = Object.fromEntries(customers.map((c, i) => [c, versions[i] ?? null]));
    const reads = readScopeOf(ctx, schema, document, o.reads!.system);
    return { header: { tags, reads, expires: Date.now() + auditedTtlS * 1000 } satisfies EntryHeader, ttlS: auditedTtlS };
  }

  type Stored = { key: string; tags: Record<string, string | null>; epoch?: string | null; gen?: string | null };
  const plugin: ApolloServerPlugin<RequestContext> = {
    async requestDidStart() {
      if (o.ttlS <= 0) return;
      return {
        async responseForOperation({ document, request, contextValue }) {
          // The HTTP layer read this very request and missed: its key and tag versions stand (one Redis read, not two).
          const seen = contextValue.perRequest.get(HTTP_MISS) as ResponseCacheMiss | undefined;
          if (
            seen &&
            seen.query === request.query &&
            seen.operationName === request.operationName &&
            seen.variables === request.variables
          ) {
            contextValue.perRequest.set(STATE, { key: seen.key, tags: seen.tags, epoch: seen.epoch, gen: seen.gen } satisfies Stored);
            return null;
          }
          // The operation name the client sent (not the one resolved from the document): the HTTP layer keys by it too.
          const found = await find(contextValue, request.query ?? '', request.operationName, request.variables, document);
          if (!found) return null;
          if (found.hit === undefined) {
            contextValue.perRequest.set(STATE, { key: found.key, tags: found.tags, epoch: found.epoch, gen: found.gen } satisfies Stored);
            return null;
          }
          // Requests the HTTP layer could not answer itself (GET, a persisted query's hash): a hit all the same.
          const { data } = JSON.parse(found.hit.toString()) as { data: Record<string, unknown> };
          return { http: { headers: new HeaderMap(), status: undefined }, body: { kind: 'single', singleResult: { data } } };
        },
        async willSendResponse({ response, contextValue, schema, document }) {
          const state = contextValue.perRequest.get(STATE) as Stored | undefined;
          if (!state || response.body.kind !== 'single') return;
          const { data, errors } = response.body.singleResult;
          if (errors?.length || !data) return;
          // The body as Apollo writes it (JSON and a newline), after the header's line.
          const body = `${JSON.stringify({ data })}\n`;
          // Waited for briefly (a miss already paid for its vendor calls): the client's next request
          // finds the entry. Never longer than WRITE_WAIT_MS: a slow or hung Redis must not hold the
          // response (it held every dashboard for the whole stall); the write goes on behind it.
          const write = headerOf(state, contextValue, schema, document)
            .then(async (found) => {
              if (!found) return;
              await o.store.mset([[state.key, `${JSON.stringify(found.header)}\n${body}`]], found.ttlS);
              if (!bodies) return;
              // The first store in this Redis names its generation (two instances racing: one wins, the other's copies are misses).
              let gen = state.gen;
              if (!gen) await o.store.mset([[genKey, (gen = randomUUID())]], TAG_TTL_S);
              bodies.set(state.key, { ...found.header, body: Buffer.from(body), gen });
            })
            .catch((err) => {
              // One line a second at most: during a Redis outage every miss's write fails.
              if (Date.now() - lastWriteLog < 1000) return;
              lastWriteLog = Date.now();
              o.logger.warn({ err: (err as Error).message }, 'response cache write failed');
            });
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([write, new Promise<void>((resolve) => (timer = setTimeout(resolve, WRITE_WAIT_MS)))]);
          clearTimeout(timer);
        },
      };
    },
  };

  return {
    plugin,
    async lookup(who, body) {
      if (!body || typeof body !== 'object' || typeof body.query !== 'string') return undefined;
      const variables = body.variables ?? undefined;
      if (variables !== undefined && (typeof variables !== 'object' || Array.isArray(variables))) return undefined;
      if (body.operationName != null && typeof body.operationName !== 'string') return undefined;
      const found = await find(who, body.query, body.operationName, variables as Record<string, unknown> | undefined);
      if (!found) return undefined;
      if (found.hit !== undefined) return { hit: true, body: found.hit, operationName: found.operationName };
      return {
        hit: false,
        miss: {
          query: body.query,
          operationName: body.operationName,
          variables: body.variables,
          key: found.key,
          tags: found.tags,
          gen: found.gen,
          ...(found.epoch !== undefined ? { epoch: found.epoch } : {}),
        },
      };
    },
    rememberMiss(perRequest, miss) {
      perRequest.set(HTTP_MISS, miss);
    },
    async purgeCustomer(crmId) {
      const version = randomUUID();
      await o.store.mset(
        [
          [tagKey(crmId), version],
          [epochKey, version],
        ],
        TAG_TTL_S,
      );
    },
  };
}
