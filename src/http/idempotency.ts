/**
 * `Idempotency-Key` on POST /graphql mutations (IETF httpapi idempotency-key draft, Stripe's
 * semantics):
 *
 * - the key is scoped to the principal (user subject or partner token id): two principals may
 *   use the same key independently; anonymous requests and queries ignore the header;
 * - the fingerprint is SHA-256 of the canonical JSON of [document as parsed and printed (whitespace, commas and
 *   comments ignored; aliases and fragments not), operationName, variables];
 * - the first request takes the key (a lock with a TTL, so a crashed instance frees it), runs,
 *   and its response (status, content type, body) is kept for the TTL (24 h by default). The lock
 *   is a short lease (a sixth of the lock time, 2-10 s) renewed while the request runs, up to the
 *   lock time: a request still running keeps its key, and the key of an instance killed in the
 *   middle is free again within the lease, not after the whole lock time;
 * - a retry with the same key and fingerprint gets the stored response, not a second execution,
 *   with `Idempotent-Replayed: true`; another fingerprint gets 422 IDEMPOTENCY_KEY_REUSED; a
 *   retry while the first still runs gets 409 IDEMPOTENCY_KEY_IN_USE;
 * - only responses of requests that executed are kept (HTTP 2xx, including GraphQL errors in a
 *   200): a request refused before execution (400 validation, 5xx) frees the key, as Stripe does;
 *   so does a write that failed for a passing upstream reason (unavailable, timeout, rate limited)
 *   and is safe to run again under the key (the vendor gets a key derived from it): the client's
 *   retry with the same key then runs it, and a lost first attempt that did reach the vendor is
 *   answered by the vendor's own replay instead of a second write;
 * - when Redis cannot be reached, a keyed mutation answers 503 IDEMPOTENCY_UNAVAILABLE and is not
 *   run unprotected;
 * - a kept response is sealed (AES-256-GCM) with a key derived from the principal's scope and the
 *   client's Idempotency-Key, which Redis never holds (its record is named by a SHA-256 of them):
 *   a Redis dump or backup alone does not show what a mutation answered, e.g. the secret shown once
 *   by createPartnerToken, createWebhookEndpoint or rotateWebhookEndpointSecret.
 */
import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, randomUUID } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { Kind, OperationTypeNode, parse, print, type OperationDefinitionNode } from 'graphql';
import type { Principal } from '../auth/principal.js';
import { replyError } from '../errors/http.js';
import type { Deferred } from '../platform/deferred.js';
import type { Logger } from '../platform/logger.js';
import { connectRedis, defineScript, whenConnecting } from '../platform/redis.js';

export const IDEMPOTENCY_HEADER = 'idempotency-key';
export const REPLAYED_HEADER = 'idempotent-replayed';
const EXAMPLE = 'Idempotency-Key: "8e03978e-40d5-43e8-bc93-6894a57f9324"';
const MAX_KEY_LENGTH = 255;

export interface IdempotencyOptions {
  /** Redis URL; without it keyed mutations answer 503 (they cannot be protected). */
  url?: string;
  prefix: string;
  /** How long a response is kept, seconds. @default 86400 */
  ttlS?: number;
  /** How long a running request holds its key at most, seconds (renewed as a shorter lease while it runs). @default 60 */
  lockS?: number;
  logger: Logger;
  /** Retries a kept response Redis could not take at once, while the key's lock lasts (platform/deferred.ts). */
  deferred?: Deferred;
  /** The document of a persisted query hash (APQ), when the body carries only the hash. */
  persistedDocument?(sha256: string): Promise<string | undefined>;
}

/** The principal's scope of keys; undefined for anonymous (whose keys would be shared by everyone). */
export function keyScope(p: Principal): string | undefined {
  if (p.kind === 'user') return `user:${p.subject}`;
  if (p.kind === 'partner') return `partner:${p.partnerId}`;
  return undefined;
}

/** The Redis key of one principal's idempotency key. */
export const idempotencyRedisKey = (prefix: string, scope: string, key: string) =>
  `${prefix}:idem:${createHash('sha256').update(`${scope}\n${key}`).digest('hex')}`;

/** JSON with object keys sorted at every level, so {a,b} and {b,a} have one fingerprint. */
export function canonicalJson(v: unknown): string {
  if (Array.isArray(v)) return `[${v.map(canonicalJson).join(',')}]`;
  if (v && typeof v === 'object')
    return `{${Object.keys(v)
      .sort()
      .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
      .map((k) => `${JSON.stringify(k)}:${canonicalJson((v as Record<string, unknown>)[k])}`)
      .join(',')}}`;
  return JSON.stringify(v ?? null);
}

/**
 * The document as GraphQL reads it: whitespace, commas and comments do not change it (a client
 * re-serializing the same operation sends the same request); aliases, fragments or another field
 * order do (they change what runs or the answer's shape). Unparseable text stays as sent.
 */
export function canonicalDocument(query: string): string {
  try {
    return print(parse(query, { noLocation: true }));
  } catch {
    return query;
  }
}

/** What a retry must repeat: SHA-256 of the canonical JSON of [canonical document, operationName, variables]. */
export const fingerprint = (query: string, operationName: string | undefined, variables: unknown) =>
  createHash('sha256')
    .update(canonicalJson([canonicalDocument(query), operationName ?? null, variables ?? {}]))
    .digest('hex');

/** The key's value, or an error message naming the header. Accepts a bare token or a structured-field string ("..."). */
export function parseIdempotencyKey(raw: string | string[] | undefined): { key?: string; error?: string } {
  if (raw === undefined) return {};
  const value = Array.isArray(raw) ? raw : [raw];
  const bad = `The Idempotency-Key header must be one value of 1-${MAX_KEY_LENGTH} visible ASCII characters, e.g. ${EXAMPLE}.`;
  if (value.length !== 1) return { error: bad };
  let key = value[0].trim();
  if (key.length >= 2 && key.startsWith('"') && key.endsWith('"')) key = key.slice(1, -1);
  if (!/^[\x21-\x7e]+$/.test(key) || key.length > MAX_KEY_LENGTH || key.includes('"')) return { error: bad };
  return { key };
}

interface GraphQLBody {
  query?: unknown;
  operationName?: unknown;
  variables?: unknown;
  extensions?: { persistedQuery?: { sha256Hash?: unknown } };
}

/** The operation a body runs: its type and name; undefined when it cannot be told (Apollo then refuses the request). */
export function operationOf(query: string, operationName: string | undefined): OperationDefinitionNode | undefined {
  try {
    const ops = parse(query).definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
    return operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
  } catch {
    return undefined;
  }
}

type Stored =
  | { s: 'running'; fp: string; token: string }
  /** `sealed`: the body sealed (sealBody); `body`: the body in clear, as kept before sealing existed. */
  | { s: 'done'; fp: string; status: number; type: string; body?: string; sealed?: string };

/** The key a kept response is sealed with: from the principal's scope and the client's key (never stored). */
const sealKey = (scope: string, key: string) =>
  Buffer.from(hkdfSync('sha256', `${scope}\n${key}`, 'portico-idempotency', 'kept response v1', 32));

/** `v1.<iv>.<tag>.<ciphertext>`, base64url, AES-256-GCM; the record's name is the additional data. */
export function sealBody(body: string, scope: string, key: string, redisKey: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', sealKey(scope, key), iv);
  c.setAAD(Buffer.from(redisKey));
  const data = Buffer.concat([c.update(body, 'utf8'), c.final()]);
  return ['v1', iv, c.getAuthTag(), data].map((x) => (typeof x === 'string' ? x : x.toString('base64url'))).join('.');
}

export function openBody(sealed: string, scope: string, key: string, redisKey: string): string {
  const [v, iv, tag, data] = sealed.split('.');
  if (v !== 'v1' || !iv || !tag || data === undefined) throw new Error('not a sealed response');
  const d = createDecipheriv('aes-256-gcm', sealKey(scope, key), Buffer.from(iv, 'base64url'));
  d.setAAD(Buffer.from(redisKey));
  d.setAuthTag(Buffer.from(tag, 'base64url'));
  return Buffer.concat([d.update(Buffer.from(data, 'base64url')), d.final()]).toString('utf8');
}

/** Takes the key when free; else returns what holds it. */
const ACQUIRE = `
local v = redis.call('GET', KEYS[1])
if v then return v end
redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
return false`;

/** Stores the response, or frees the key (empty ARGV[2]), only if the lock is still this request's. */
const FINISH = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
if cjson.decode(v).token ~= ARGV[1] then return 0 end
if ARGV[2] == '' then redis.call('DEL', KEYS[1]) else redis.call('SET', KEYS[1], ARGV[2], 'EX', ARGV[3]) end
return 1`;

/** Extends the lease, only if the lock is still this request's (a kept response has no token). */
const RENEW = `
local v = redis.call('GET', KEYS[1])
if not v then return 0 end
local ok, d = pcall(cjson.decode, v)
if not ok or d.token ~= ARGV[1] then return 0 end
redis.call('PEXPIRE', KEYS[1], ARGV[2])
return 1`;

/**
 * The lease of a running request's key: a sixth of the lock time, 2-10 s (60 s -> 10 s), renewed
 * every third of it. What a killed instance leaves held, at most.
 */
export const idempotencyLeaseMs = (lockMs: number) => Math.min(lockMs, Math.max(2000, Math.min(10_000, Math.round(lockMs / 6))));

interface Pending {
  /** Stops renewing the key's lease. */
  release(): void;
  redisKey: string;
  /** The principal's scope and the client's key: what seals the kept response. */
  scope: string;
  key: string;
  token: string;
  fp: string;
  /** What the mutations report (RequestContext.keyedWrites): whether the failure may be run again under the key. */
  writes: { retryable: boolean; final: boolean };
}

export interface Idempotency {
  /** Runs after authentication on POST /graphql: replays, refuses or takes the key. */
  preHandler(req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply | undefined>;
  /** Keeps the response of a keyed mutation (or frees the key). */
  onSend(req: FastifyRequest, reply: FastifyReply, payload: unknown): Promise<unknown>;
  /** What the request context carries: the principal-scoped key of a keyed mutation. */
  contextOf(req: FastifyRequest): { idempotencyKey?: string; keyedWrites?: { retryable: boolean; final: boolean } };
  close(): Promise<void>;
}

export function createIdempotency(o: IdempotencyOptions): Idempotency {
  // Per request, dropped with it.
  const pending = new WeakMap<FastifyRequest, Pending>();
  const scoped = new WeakMap<FastifyRequest, { idempotencyKey?: string; keyedWrites?: Pending['writes'] }>();
  const ttlS = o.ttlS ?? 86_400;
  const lockMs = (o.lockS ?? 60) * 1000;
  const leaseMs = idempotencyLeaseMs(lockMs);
  const renewing = new Set<NodeJS.Timeout>();
  const redis = o.url ? connectRedis(o.url, 'idempotency', { commandTimeoutMs: 2000 }) : undefined;
  redis?.on('error', () => undefined);
  // Acquire answers the record already there (null when the key was free and is now held).
  const acquire =
    redis && defineScript<[record: string, lockMs: number], string | null>(redis, 'idemAcquire', { numberOfKeys: 1, lua: ACQUIRE });
  const keep =
    redis && defineScript<[token: string, stored: string, ttlS: number], number>(redis, 'idemFinish', { numberOfKeys: 1, lua: FINISH });
  const renew = redis && defineScript<[token: string, ms: number], number>(redis, 'idemRenew', { numberOfKeys: 1, lua: RENEW });

  /**
   * Renews the lease of a key this request took, every third of the lease, until released, until
   * the lock is no longer its own (its response kept, or the key freed), or until the lock time
   * has passed since it was taken (then the key expires as a plain lock would).
   */
  function hold(redisKey: string, token: string): () => void {
    const takenAt = Date.now();
    const timer = setInterval(
      () => {
        const left = lockMs - (Date.now() - takenAt);
        if (left <= 0 || !renew) return release();
        renew([redisKey], token, Math.min(leaseMs, left)).then(
          (n) => n === 0 && release(),
          // Redis unreachable for now: the next tick tries again; the lease may lapse meanwhile.
          () => undefined,
        );
      },
      Math.max(100, Math.floor(leaseMs / 3)),
    );
    timer.unref();
    renewing.add(timer);
    function release() {
      clearInterval(timer);
      renewing.delete(timer);
    }
    return release;
  }

  return {
    async preHandler(req, reply) {
      const body = (req.body && typeof req.body === 'object' && !Array.isArray(req.body) ? req.body : undefined) as GraphQLBody | undefined;
      const operationName = typeof body?.operationName === 'string' ? body.operationName : undefined;
      const header = req.headers[IDEMPOTENCY_HEADER];
      if (header === undefined || req.method !== 'POST' || !body) return undefined;
      const { key, error } = parseIdempotencyKey(header);
      if (error) return replyError(reply, 'BAD_REQUEST', error);
      const scope = keyScope(req.principal);
      if (!key || !scope) return undefined;
      let query = typeof body.query === 'string' ? body.query : undefined;
      const hash = body.extensions?.persistedQuery?.sha256Hash;
      if (!query && typeof hash === 'string' && o.persistedDocument) query = await o.persistedDocument(hash).catch(() => undefined);
      if (!query) return undefined;
      const op = operationOf(query, operationName);
      if (op?.operation !== OperationTypeNode.MUTATION) return undefined;

      let fp: string;
      try {
        fp = fingerprint(query, operationName, body.variables);
      } catch {
        // Variables no JSON writer can walk (nested past the stack: the HTTP layer's MAX_JSON_DEPTH
        // refuses those first). The client's input, so a 400 and not a 500 with a stack trace.
        return replyError(
          reply,
          'BAD_USER_INPUT',
          'variables cannot be fingerprinted for the Idempotency-Key: send plain, shallow JSON, e.g. {"input": {"subject": "Help"}}.',
        );
      }
      const redisKey = idempotencyRedisKey(o.prefix, scope, key);
      const token = randomUUID();
      let held: string | null;
      try {
        if (!redis || !acquire) throw new Error('no Redis configured');
        await whenConnecting(redis);
        held = await acquire([redisKey], JSON.stringify({ s: 'running', fp, token } satisfies Stored), leaseMs);
      } catch (err) {
        req.log.error({ err: (err as Error).message }, 'idempotency store unreachable: keyed mutation refused');
        return replyError(
          reply,
          'IDEMPOTENCY_UNAVAILABLE',
          'This mutation carries an Idempotency-Key but the idempotency store is unreachable, so it was not run. Retry later with the same key.',
          { retryAfterS: 5 },
        );
      }
      if (held) {
        const s = JSON.parse(held) as Stored;
        if (s.fp !== fp)
          return replyError(
            reply,
            'IDEMPOTENCY_KEY_REUSED',
            'This Idempotency-Key was used with another operation or other variables. Use a new key for a new request, e.g. a fresh UUID.',
          );
        if (s.s === 'running') {
          return replyError(
            reply,
            'IDEMPOTENCY_KEY_IN_USE',
            'A request with this Idempotency-Key is still running. Retry shortly with the same key to get its response.',
            { retryAfterS: 1 },
          );
        }
        let kept: string;
        try {
          kept = s.sealed !== undefined ? openBody(s.sealed, scope, key, redisKey) : (s.body ?? '');
        } catch (err) {
          // Only the same scope and key reach this record, so this is a damaged record, not the client's doing.
          req.log.error({ err: (err as Error).message }, 'idempotency: a kept response does not open');
          return replyError(reply, 'INTERNAL', 'The response kept for this Idempotency-Key cannot be read.');
        }
        return reply.status(s.status).type(s.type).header(REPLAYED_HEADER, 'true').send(kept);
      }
      const writes = { retryable: false, final: false };
      pending.set(req, { release: hold(redisKey, token), redisKey, scope, key, token, fp, writes });
      scoped.set(req, { idempotencyKey: `${scope}:${key}`, keyedWrites: writes });
      return undefined;
    },
    async onSend(req, reply, payload) {
      const p = pending.get(req);
      if (!p || !keep) return payload;
      pending.delete(req);
      // A write that failed for a passing reason and is safe to repeat under this key frees it: the
      // client's retry with the same key runs it again (see `audited` in src/subgraphs/mutations.ts).
      const retryable = p.writes.retryable && !p.writes.final;
      const ok =
        !retryable && reply.statusCode >= 200 && reply.statusCode < 300 && (typeof payload === 'string' || Buffer.isBuffer(payload));
      const stored: Stored | undefined = ok
        ? {
            s: 'done',
            fp: p.fp,
            status: reply.statusCode,
            type: String(reply.getHeader('content-type') ?? 'application/json'),
            sealed: sealBody(String(payload), p.scope, p.key, p.redisKey),
          }
        : undefined;
      const finish = () => keep([p.redisKey], p.token, stored ? JSON.stringify(stored) : '', ttlS);
      try {
        await finish();
        p.release();
      } catch (err) {
        // The response still goes out. Keeping it is retried while the key's lock lasts (its lease
        // still renewed: a retry of the client meanwhile gets 409); past that a retry runs again,
        // with the same vendor key.
        req.log.error({ err: (err as Error).message }, 'idempotency: the response could not be kept now; retrying in the background');
        void o.deferred?.attempt('idempotency', finish, { forMs: lockMs });
      }
      return payload;
    },
    contextOf: (req) => scoped.get(req) ?? {},
    async close() {
      for (const t of renewing) clearInterval(t);
      renewing.clear();
      redis?.disconnect();
    },
  };
}
