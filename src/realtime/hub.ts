/**
 * The subscriptions of this instance and the change stream that wakes them.
 *
 *   change stream (`<prefix>:changes`, written once per applied vendor event by src/webhooks)
 *     -> this instance's reader (XREAD from its own cursor: every instance sees every change)
 *     -> the local subscriptions of that customer (or ticket)
 *     -> after REALTIME_COALESCE_MS, one push: the derived query (operation.ts) run through
 *        /graphql as the subscriber (the token again: expiry, revocation, scopes, ownership)
 *
 * Pushes are states, not deltas: a push that is waiting is replaced by a newer one, so a client
 * never has more than one push queued here, and a late push is never wrong.
 */
import { createHash } from 'node:crypto';
import { GraphQLError, type DocumentNode, type GraphQLSchema } from 'graphql';
import { Counter, Gauge } from 'prom-client';
import type { Principal } from '../auth/principal.js';
import type { Config } from '../config/index.js';
import { ErrorCode } from '../errors/index.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { connectRedis, whenConnecting } from '../platform/redis.js';
import type { ChangeEvent } from '../webhooks/types.js';
import {
  planSubscription,
  subscriptionSchema as extendWithSubscriptions,
  type PushResult,
  type Reason,
  type SubscriptionPlan,
  type WireError,
} from './operation.js';

/** Close codes (WebSocket) and what a client should do; SSE ends the stream with the same code in `extensions.closeCode`. */
export const CLOSE = {
  /** The token expired or was revoked: get a new token, then reconnect. */
  UNAUTHORIZED: 4401,
  /** The client did not read its pushes fast enough: reconnect (the first push is the current state). */
  TOO_SLOW: 4413,
  /** Redis (the change stream) is unreachable: reconnect later (retryable; IANA "Try Again Later"). */
  TRY_AGAIN_LATER: 1013,
  /** The instance is shutting down: reconnect (to another instance). */
  GOING_AWAY: 1001,
} as const;

export interface GatewayAnswer {
  status: number;
  body: { data?: Record<string, unknown> | null; errors?: WireError[] };
}

export interface RealtimeHubOptions {
  config: Readonly<Config>;
  logger: Logger;
  metrics?: Metrics;
  /** Runs a derived query through /graphql with the subscriber's token (the normal gateway path). */
  execute(token: string, body: SubscriptionPlan['body']): Promise<GatewayAnswer>;
  /** Trusted documents (guards/trusted-documents.ts): may this principal run a document with this sha256? */
  trusted?(hash: string, principal: Principal): boolean;
}

/** A subscriber's connection, as a transport holds it. */
export interface ConnectionInfo {
  principal: Principal;
  token: string;
  /** Ends the whole connection with a close code (WebSocket close; SSE: an error push, then the end). */
  close(code: number, reason: string): void;
  /** Bytes sent to this client but not yet taken by its socket: past REALTIME_MAX_BUFFERED_BYTES it is closed 4413. */
  backlog?(): number;
}

export interface SubscribeRequest {
  query: string;
  variables?: Record<string, unknown> | null;
  operationName?: string | null;
  /** SSE `Last-Event-ID`: the change stream id of the last push the client got. */
  lastEventId?: string;
}

/** One push, with the change stream id it reflects (SSE event id). */
export interface Push extends PushResult {
  streamId?: string;
}

export type Opened = { stream: AsyncGenerator<Push>; document: DocumentNode } | { errors: GraphQLError[] };

export interface Connection {
  open(request: SubscribeRequest): Promise<Opened>;
  /** The connection closed: its subscriptions end. */
  end(): void;
}

export interface RealtimeHub {
  /** The subscription schema once the gateway has one. */
  schema(): GraphQLSchema | undefined;
  setApiSchema(schema: GraphQLSchema): void;
  /** Takes a connection slot for a client address; undefined when it has too many (answer 429). */
  admit(ip: string): (() => void) | undefined;
  connect(info: ConnectionInfo): Connection;
  /** A derived query of a live subscription of this principal (trusted documents let it run). */
  allowsDerived(hash: string, principal: Principal): boolean;
  /** True while the change stream is being read. */
  readonly healthy: boolean;
  close(): Promise<void>;
}

const BLOCK_MS = 2000;
const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');
const error = (message: string, code: string, extensions: Record<string, unknown> = {}) =>
  new GraphQLError(message, { extensions: { code, ...extensions } });

function principalKey(p: Principal): string {
  switch (p.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'user':
      return `user:${p.subject}`;
    case 'partner':
      return `partner:${p.partnerId}`;
  }
}

/** What a principal may see: two subscribers with the same key and query get the same answer. */
function visibilityKey(p: Principal): string {
  const scopes = [...p.scopes].sort().join(',');
  switch (p.kind) {
    case 'anonymous':
      return 'anonymous';
    case 'user':
      return `user:${p.subject}:${[...p.roles].sort().join(',')}:${p.customerId ?? ''}:${scopes}`;
    case 'partner':
      return `partner:${p.partnerId}:${(p.customerIds ?? []).join(',')}:${scopes}`;
  }
}

/** The `exp` of a JWT already verified (for the expiry timer only), in ms. */
function expiresAtMs(token: string): number | undefined {
  try {
    const exp = (JSON.parse(Buffer.from(token.split('.')[1] ?? '', 'base64url').toString('utf8')) as { exp?: unknown }).exp;
    return typeof exp === 'number' ? exp * 1000 : undefined;
  } catch {
    return undefined;
  }
}

const timeOfId = (id: string) => new Date(Number(id.split('-')[0])).toISOString();

/** A single-slot async queue: a newer push replaces one not yet taken. */
function latestOnly<T>(onReturn: () => void) {
  let slot: { value: T } | undefined;
  const finals: T[] = [];
  let done = false;
  let wake: (() => void) | undefined;
  const signal = () => {
    wake?.();
    wake = undefined;
  };
  const iterator: AsyncGenerator<T> = {
    async next() {
      while (!slot && !finals.length && !done) await new Promise<void>((r) => (wake = r));
      if (slot) {
        const { value } = slot;
        slot = undefined;
        return { value, done: false };
      }
      if (finals.length) return { value: finals.shift()!, done: false };
      return { value: undefined, done: true };
    },
    async return() {
      if (!done) {
        done = true;
        onReturn();
      }
      signal();
      return { value: undefined, done: true };
    },
    async throw(err: unknown) {
      await iterator.return(undefined);
      throw err;
    },
    [Symbol.asyncIterator]() {
      return iterator;
    },
    async [Symbol.asyncDispose]() {
      await iterator.return(undefined);
    },
  };
  return {
    iterator,
    push(value: T) {
      if (done) return false;
      const replaced = slot !== undefined;
      slot = { value };
      signal();
      return replaced;
    },
    /** A last push (kept after any waiting one), then the end. */
    finish(last?: T) {
      if (done) return;
      if (last) finals.push(last);
      done = true;
      onReturn();
      signal();
    },
  };
}

interface Sub {
  conn: ConnectionInfo;
  plan: SubscriptionPlan;
  key: string;
  derivedKey: string;
  queue: ReturnType<typeof latestOnly<Push>>;
  reason?: Reason;
  streamId?: string;
  timer?: NodeJS.Timeout;
  running: boolean;
  dirty: boolean;
  ended: boolean;
  /** The last read was refused by the rate limit: the push waits (timer) for Retry-After or the next change. */
  deferred?: boolean;
  /** Deferred reads in a row (the backoff when no Retry-After is known). */
  failures?: number;
}

export function createRealtimeHub(o: RealtimeHubOptions): RealtimeHub {
  const { config, logger } = o;
  const rt = config.realtime;
  const stream = `${config.keyPrefix}:changes`;
  let subscriptionSchema: GraphQLSchema | undefined;
  const byCustomer = new Map<string, Set<Sub>>();
  const perPrincipal = new Map<string, number>();
  const perIp = new Map<string, number>();
  const derived = new Map<string, number>();
  const connections = new Set<{ info: ConnectionInfo; subs: Set<Sub>; timer?: NodeJS.Timeout }>();
  let healthy = false;
  let stopped = false;
  let cursor: string | undefined;
  /** Subscribers waiting for the reader's first read (an instance just started). */
  const waiting: (() => void)[] = [];
  let started = false;
  /** Resolves once the stream is read, or after `ms` (a start-up is waited for; an outage is not). */
  const readable = async (ms: number) => {
    if (healthy || started) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, ms);
      waiting.push(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  };

  const m = o.metrics && {
    subscriptions: new Gauge({
      name: 'portico_realtime_subscriptions',
      help: 'Open subscriptions on this instance.',
      registers: [o.metrics.registry],
    }),
    pushes: new Counter({
      name: 'portico_realtime_pushes_total',
      help: 'Pushes computed (outcome: ok, error = with errors, refused = the subscription ended, coalesced = a change folded into a waiting push, deferred = over the rate limit or the target system unavailable for now, pushed later).',
      labelNames: ['outcome'],
      registers: [o.metrics.registry],
    }),
  };

  const bump = (map: Map<string, number>, k: string, by: number) => {
    const n = (map.get(k) ?? 0) + by;
    if (n > 0) map.set(k, n);
    else map.delete(k);
    return n;
  };

  function remove(sub: Sub) {
    if (sub.ended) return;
    sub.ended = true;
    clearTimeout(sub.timer);
    const set = byCustomer.get(sub.plan.customerId);
    set?.delete(sub);
    if (set && !set.size) byCustomer.delete(sub.plan.customerId);
    bump(perPrincipal, sub.key, -1);
    bump(derived, sub.derivedKey, -1);
    m?.subscriptions.dec();
  }

  /** Reads in flight by principal visibility and query: subscribers of one customer woken by one change share one read. */
  const inflight = new Map<string, { token: string; read: Promise<GatewayAnswer> }>();
  async function answerOf(sub: Pick<Sub, 'conn' | 'plan'>): Promise<GatewayAnswer> {
    const key = `${visibilityKey(sub.conn.principal)}\n${sha256(JSON.stringify(sub.plan.body))}`;
    const shared = inflight.get(key);
    if (shared) {
      // Another token's refusal (expired, revoked) is not this one's: it asks again with its own.
      const answer = await shared.read;
      return answer.status === 401 && shared.token !== sub.conn.token ? execute(sub) : answer;
    }
    const read = execute(sub).finally(() => inflight.delete(key));
    inflight.set(key, { token: sub.conn.token, read });
    return read;
  }

  async function execute(sub: Pick<Sub, 'conn' | 'plan'>): Promise<GatewayAnswer> {
    try {
      return await o.execute(sub.conn.token, sub.plan.body);
    } catch (err) {
      logger.error({ err: (err as Error).message }, 'realtime: a push could not be computed');
      return {
        status: 500,
        body: { errors: [{ message: 'Internal server error.', extensions: { code: ErrorCode.INTERNAL_SERVER_ERROR } }] },
      };
    }
  }

  async function run(sub: Sub) {
    sub.timer = undefined;
    if (sub.ended) return;
    sub.running = true;
    const reason = sub.reason!;
    const streamId = sub.streamId;
    try {
      const answer = await answerOf(sub);
      if (sub.ended) return;
      if (answer.status === 401) {
        m?.pushes.inc({ outcome: 'refused' });
        return sub.conn.close(CLOSE.UNAUTHORIZED, 'Unauthorized: the token expired or was revoked; reconnect with a new one.');
      }
      // Over the principal's request rate limit (a push is one request of the subscriber: 429), or the
      // target's system could not be read for now (rate limited, down, slow): the push is deferred, not
      // failed, and never ends the subscription. It runs again when Retry-After has passed (else after a
      // backoff), or after the next change (coalesced), whichever is first; the client gets the state then.
      const unavailable = answer.status === 429 ? answer.body.errors?.[0] : sub.plan.unavailable(answer.body);
      if (answer.status === 429 || unavailable) {
        m?.pushes.inc({ outcome: 'deferred' });
        sub.deferred = true;
        sub.failures = (sub.failures ?? 0) + 1;
        const retryAfterS = Number(unavailable?.extensions?.retryAfter);
        const backoff = 1000 * 2 ** Math.min(6, sub.failures - 1);
        const ms = Math.min(60_000, Math.max(rt.coalesceMs, retryAfterS > 0 ? retryAfterS * 1000 : backoff));
        sub.timer = setTimeout(() => void run(sub), ms);
        return;
      }
      sub.deferred = false;
      sub.failures = 0;
      const refused = sub.plan.refused(answer.body);
      if (refused) {
        m?.pushes.inc({ outcome: 'refused' });
        const last = sub.plan.shape(answer.body, reason);
        // The refusal is the last push; a refusal found here (a ticket no longer the customer's) is added to it.
        if (!answer.body.errors?.includes(refused))
          last.errors = [...(last.errors ?? []), new GraphQLError(refused.message, { extensions: refused.extensions })];
        return sub.queue.finish({ ...last, streamId });
      }
      // A client that has not taken what was sent already is dropped, before pushes pile up for it.
      if ((sub.conn.backlog?.() ?? 0) > rt.maxBufferedBytes) {
        m?.pushes.inc({ outcome: 'refused' });
        return sub.conn.close(CLOSE.TOO_SLOW, 'Too slow: pushes were not read; reconnect.');
      }
      const push = { ...sub.plan.shape(answer.body, reason), streamId };
      m?.pushes.inc({ outcome: push.errors ? 'error' : 'ok' });
      if (sub.queue.push(push)) m?.pushes.inc({ outcome: 'coalesced' });
    } finally {
      sub.running = false;
      if (sub.dirty && !sub.ended) {
        // A change arrived during the read: one more push after it (a deferred one is tried again then too).
        sub.dirty = false;
        sub.deferred = false;
        clearTimeout(sub.timer);
        sub.timer = setTimeout(() => void run(sub), rt.coalesceMs);
      }
    }
  }

  function schedule(sub: Sub, reason: Reason, streamId: string) {
    sub.reason = reason;
    sub.streamId = streamId;
    if (sub.timer && sub.deferred) {
      // A deferred push (rate limited) is tried again once per change, coalesced like any other.
      clearTimeout(sub.timer);
      sub.deferred = false;
      m?.pushes.inc({ outcome: 'coalesced' });
      sub.timer = setTimeout(() => void run(sub), rt.coalesceMs);
      return;
    }
    if (sub.timer) return m?.pushes.inc({ outcome: 'coalesced' });
    if (sub.running) return (sub.dirty = true);
    sub.timer = setTimeout(() => void run(sub), rt.coalesceMs);
  }

  const matches = (sub: Sub, change: ChangeEvent) =>
    sub.plan.kind === 'customer' || (change.object === 'ticket' && change.objectId === sub.plan.ticketId);

  function dispatch(id: string, fields: string[]) {
    let change: ChangeEvent;
    try {
      change = JSON.parse(fields[fields.indexOf('change') + 1] ?? 'null') as ChangeEvent;
    } catch {
      return;
    }
    if (!change?.crmId) return;
    const subs = byCustomer.get(change.crmId);
    if (!subs) return;
    const reason = { system: change.system, type: change.type, at: timeOfId(id) };
    for (const sub of subs) if (matches(sub, change)) schedule(sub, reason, id);
  }

  /** Every subscription ends: the connections close with `code` (Redis down, shutdown). */
  function closeAll(code: number, reason: string) {
    for (const c of [...connections]) c.info.close(code, reason);
  }

  // The reader: its own connection, its own cursor (from the newest entry when it starts).
  const url = rt.enabled ? config.redis.url : undefined;
  const reader = url ? connectRedis(url, 'stream', { commandTimeoutMs: BLOCK_MS + 5000 }) : undefined;
  reader?.on('error', () => undefined);
  const loop = (async () => {
    if (!reader) return void (started = true);
    await whenConnecting(reader);
    while (!stopped) {
      try {
        if (cursor === undefined) cursor = (await reader.xrevrange(stream, '+', '-', 'COUNT', 1))[0]?.[0] ?? '0-0';
        if (!healthy) logger.info('realtime: reading the change stream');
        healthy = true;
        for (const wake of waiting.splice(0)) wake();
        const r = await reader.xread('COUNT', 1000, 'BLOCK', BLOCK_MS, 'STREAMS', stream, cursor);
        for (const [, entries] of r ?? [])
          for (const [id, fields] of entries) {
            cursor = id;
            dispatch(id, fields);
          }
      } catch (err) {
        if (stopped) break;
        started = true;
        if (healthy) {
          logger.warn({ err: (err as Error).message }, 'realtime: the change stream is unreachable; subscriptions end (retryable)');
          healthy = false;
          closeAll(CLOSE.TRY_AGAIN_LATER, 'The change stream (Redis) is unavailable: reconnect later.');
        }
        // Subscriptions opened after the outage start from the current state, so the cursor starts anew.
        cursor = undefined;
        await new Promise((r) => setTimeout(r, 250));
      }
    }
  })();

  /** Changes of the target after `lastEventId` still in the stream: the newest one's reason. */
  async function missed(plan: SubscriptionPlan, lastEventId: string): Promise<{ reason: Reason; id: string } | undefined> {
    if (!reader || !/^\d{1,20}-\d{1,20}$/.test(lastEventId)) return undefined;
    let found: { reason: Reason; id: string } | undefined;
    let from = `(${lastEventId}`;
    for (let page = 0; page < 20; page++) {
      const entries = await reader.xrange(stream, from, '+', 'COUNT', 1000);
      for (const [id, fields] of entries) {
        const change = JSON.parse(fields[fields.indexOf('change') + 1] ?? 'null') as ChangeEvent | null;
        const fake = { plan } as Sub;
        if (change?.crmId === plan.customerId && matches(fake, change))
          found = { id, reason: { system: change.system, type: change.type, at: timeOfId(id) } };
      }
      if (entries.length < 1000) break;
      from = `(${entries[entries.length - 1][0]}`;
    }
    return found;
  }

  return {
    schema: () => subscriptionSchema,
    setApiSchema(api) {
      subscriptionSchema = extendWithSubscriptions(api);
    },
    get healthy() {
      return healthy;
    },
    allowsDerived: (hash, principal) => derived.has(`${principalKey(principal)}:${hash}`),
    admit(ip) {
      if ((perIp.get(ip) ?? 0) >= rt.maxConnectionsPerIp) return undefined;
      bump(perIp, ip, 1);
      let released = false;
      return () => {
        if (released) return;
        released = true;
        bump(perIp, ip, -1);
      };
    },
    connect(info) {
      const conn = { info, subs: new Set<Sub>(), timer: undefined as NodeJS.Timeout | undefined };
      connections.add(conn);
      const exp = expiresAtMs(info.token);
      // A timer past ~24 days overflows setTimeout; such tokens are checked on every push anyway.
      if (exp !== undefined && exp - Date.now() < 2 ** 31 - 1)
        conn.timer = setTimeout(
          () => info.close(CLOSE.UNAUTHORIZED, 'Unauthorized: the token expired; reconnect with a new one.'),
          Math.max(0, exp - Date.now()),
        );
      const end = () => {
        clearTimeout(conn.timer);
        connections.delete(conn);
        for (const sub of conn.subs) sub.queue.finish();
      };
      return {
        end,
        async open(request) {
          if (!connections.has(conn)) return { errors: [error('The connection is closed.', 'BAD_REQUEST')] };
          await readable(3000);
          if (!subscriptionSchema || !healthy)
            return {
              errors: [
                error('Subscriptions are unavailable now (the change stream cannot be read). Retry later.', 'UNAVAILABLE', {
                  retryable: true,
                }),
              ],
            };
          let plan: SubscriptionPlan;
          try {
            plan = planSubscription(subscriptionSchema, info.principal, request);
          } catch (err) {
            if (err instanceof GraphQLError) return { errors: [err] };
            throw err;
          }
          const p = info.principal;
          const trustedOnly = p.kind === 'partner' ? config.guards.trustedDocuments !== 'off' : config.guards.trustedDocuments === 'all';
          if (trustedOnly && o.trusted && !o.trusted(sha256(request.query), p))
            return {
              errors: [
                error(
                  `Only registered operations may run with this token (TRUSTED_DOCUMENTS=${config.guards.trustedDocuments}): subscribe with an operation of clients/generated/persisted-documents.json or of the partner token's own list.`,
                  'PERSISTED_QUERY_NOT_FOUND',
                ),
              ],
            };
          const key = principalKey(p);
          if ((perPrincipal.get(key) ?? 0) >= rt.maxSubscriptionsPerPrincipal)
            return {
              errors: [
                error(
                  `This token may hold ${rt.maxSubscriptionsPerPrincipal} subscriptions at once on one instance (REALTIME_MAX_SUBSCRIPTIONS); complete one first.`,
                  ErrorCode.RATE_LIMITED,
                  { limit: 'subscriptions', allowed: rt.maxSubscriptionsPerPrincipal },
                ),
              ],
            };
          const derivedKey = `${key}:${sha256(plan.body.query)}`;
          const sub: Sub = {
            conn: info,
            plan,
            key,
            derivedKey,
            queue: latestOnly<Push>(() => {
              remove(sub);
              conn.subs.delete(sub);
            }),
            // Changes that arrive during the first read are pushed after it (dirty).
            running: true,
            dirty: false,
            ended: false,
          };
          // Counted (and its derived query trusted) before the first read, so two at once cannot pass the limit.
          bump(perPrincipal, key, 1);
          bump(derived, derivedKey, 1);
          m?.subscriptions.inc();
          // The cursor before the first read: a change stored while it runs is pushed after it.
          const since = cursor;
          let set = byCustomer.get(plan.customerId);
          if (!set) byCustomer.set(plan.customerId, (set = new Set()));
          set.add(sub);
          const answer = await answerOf(sub);
          const refusal =
            answer.status === 401
              ? { message: 'The token is not accepted: it expired or was revoked.', extensions: { code: ErrorCode.UNAUTHENTICATED } }
              : answer.status >= 400 && !answer.body.data
                ? (answer.body.errors?.[0] ?? { message: 'The subscription was refused.', extensions: { code: 'BAD_REQUEST' } })
                : plan.refused(answer.body);
          if (refusal || !connections.has(conn)) {
            remove(sub);
            return {
              errors: [
                new GraphQLError(refusal?.message ?? 'The connection is closed.', {
                  extensions: refusal?.extensions ?? { code: 'BAD_REQUEST' },
                }),
              ],
            };
          }
          conn.subs.add(sub);
          const resumed = request.lastEventId ? await missed(plan, request.lastEventId).catch(() => undefined) : undefined;
          const reason = resumed?.reason ?? { system: 'portico', type: 'subscribed', at: new Date().toISOString() };
          sub.queue.push({ ...plan.shape(answer.body, reason), streamId: resumed?.id ?? since });
          m?.pushes.inc({ outcome: 'ok' });
          sub.running = false;
          if (sub.dirty) {
            sub.dirty = false;
            sub.timer = setTimeout(() => void run(sub), rt.coalesceMs);
          }
          return { stream: sub.queue.iterator, document: plan.document };
        },
      };
    },
    async close() {
      stopped = true;
      closeAll(CLOSE.GOING_AWAY, 'The server is shutting down: reconnect.');
      reader?.disconnect();
      await loop;
    },
  };
}
