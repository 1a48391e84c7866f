/**
 * The claims header the gateway sends to subgraphs that run as their own services. HMAC-SHA256
 * over the serialized principal, a timestamp, the request id and a hash of the subgraph request
 * (query, operation name, variables) and a random nonce: a captured header is good for that one
 * request only, only once (the subgraph remembers nonces for the header's life, see `ClaimsNonces`),
 * and only for `maxAgeS` seconds (SUBGRAPH_CLAIMS_MAX_AGE_S, 10 by default). Subgraphs trust
 * nothing unsigned, stale, replayed, or bound to another request.
 */
import { createHash, createHmac, randomBytes, timingSafeEqual } from 'node:crypto';
import type { Redis } from 'ioredis';
import { UnauthenticatedError } from '../errors/index.js';
import { ROLES, type Principal, type Role } from './principal.js';

export const CLAIMS_HEADER = 'x-portico-claims';
export const DEFAULT_CLAIMS_MAX_AGE_S = 10;

interface Wire {
  k: Principal['kind'];
  s: string[];
  sub?: string;
  r?: string[];
  c?: string;
  p?: string;
  n?: string;
  cs?: string[];
  t: number;
  /** Request id the header is bound to. */
  rid: string;
  /** sha256 of the subgraph request (see requestHash). */
  bh: string;
  /** One-use nonce. */
  j: string;
  /** The principal-scoped Idempotency-Key of the client request (RequestContext.idempotencyKey), covered by the MAC. */
  ik?: string;
}

/** What one claims header is bound to: the request id and the GraphQL request sent to the subgraph. */
export interface ClaimsBinding {
  requestId: string;
  request: { query?: string | null; operationName?: string | null; variables?: Record<string, unknown> | null };
  /** Signed along (not checked by verifyClaims): read it with claimsIdempotencyKey once verified. */
  idempotencyKey?: string;
}

/** Same value on both ends: the subgraph re-serializes the JSON it parsed, which keeps key order. */
export const requestHash = (r: ClaimsBinding['request']) =>
  createHash('sha256')
    .update(JSON.stringify([r.query ?? null, r.operationName ?? null, r.variables ?? null]))
    .digest('base64url');

const mac = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function signClaims(p: Principal, secret: string, binding: ClaimsBinding, now = Date.now()): string {
  const w: Wire = {
    k: p.kind,
    s: [...p.scopes],
    t: Math.floor(now / 1000),
    rid: binding.requestId,
    bh: requestHash(binding.request),
    j: randomBytes(12).toString('base64url'),
  };
  if (binding.idempotencyKey) w.ik = binding.idempotencyKey;
  if (p.kind === 'user') Object.assign(w, { sub: p.subject, r: [...p.roles], c: p.customerId });
  if (p.kind === 'partner') Object.assign(w, { p: p.partnerId, n: p.name, cs: p.customerIds ? [...p.customerIds] : undefined });
  const payload = Buffer.from(JSON.stringify(w)).toString('base64url');
  return `${payload}.${mac(payload, secret)}`;
}

/** The nonce of a claims header that verified (for the one-use check). */
export function claimsNonce(header: string): string {
  const w = JSON.parse(Buffer.from(header.split('.')[0] ?? '', 'base64url').toString('utf8')) as Partial<Wire>;
  return typeof w.j === 'string' ? w.j : '';
}

/**
 * Nonces of claims headers already used, remembered for a header's life. `firstUse` is true once
 * per nonce. In memory for one subgraph process; in Redis (SET NX EX) when several replicas of a
 * subgraph sit behind one load balancer, so a header replayed to another replica is refused too.
 */
export interface ClaimsNonces {
  firstUse(nonce: string, ttlS: number): Promise<boolean>;
}

export function memoryClaimsNonces(): ClaimsNonces {
  const seen = new Map<string, number>();
  return {
    firstUse(nonce, ttlS) {
      const now = Date.now();
      if (seen.size > 10_000) for (const [k, until] of seen) if (until < now) seen.delete(k);
      if ((seen.get(nonce) ?? 0) >= now) return Promise.resolve(false);
      seen.set(nonce, now + ttlS * 1000);
      return Promise.resolve(true);
    },
  };
}

export function redisClaimsNonces(redis: Redis, keyPrefix: string): ClaimsNonces {
  return {
    async firstUse(nonce, ttlS) {
      return (await redis.set(`${keyPrefix}:claims-nonce:${nonce}`, '1', 'EX', ttlS, 'NX')) === 'OK';
    },
  };
}

export function verifyClaims(
  header: string | undefined,
  secret: string,
  binding: ClaimsBinding,
  o: { now?: number; maxAgeS?: number } = {},
): Principal {
  const [payload, sig] = (header ?? '').split('.');
  if (!payload || !sig) throw new UnauthenticatedError('Missing gateway claims.');
  const expected = Buffer.from(mac(payload, secret));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new UnauthenticatedError('Invalid gateway claims.');
  const w = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Wire;
  if (Math.abs((o.now ?? Date.now()) / 1000 - w.t) > (o.maxAgeS ?? DEFAULT_CLAIMS_MAX_AGE_S))
    throw new UnauthenticatedError('Stale gateway claims.');
  if (w.rid !== binding.requestId || w.bh !== requestHash(binding.request))
    throw new UnauthenticatedError('Gateway claims bound to another request.');
  if (typeof w.j !== 'string' || w.j.length < 16) throw new UnauthenticatedError('Gateway claims without a nonce.');
  const scopes = new Set(w.s);
  switch (w.k) {
    case 'user':
      return {
        kind: 'user',
        subject: w.sub ?? '',
        roles: (w.r ?? []).filter((r): r is Role => (ROLES as readonly string[]).includes(r)),
        customerId: w.c,
        scopes,
      };
    case 'partner':
      return { kind: 'partner', partnerId: w.p ?? '', name: w.n ?? '', scopes, customerIds: w.cs };
    default:
      return { kind: 'anonymous', scopes: new Set() };
  }
}

/** The Idempotency-Key a claims header carries; call only on a header verifyClaims accepted (the MAC covers it). */
export function claimsIdempotencyKey(header: string | undefined): string | undefined {
  try {
    const w = JSON.parse(Buffer.from((header ?? '').split('.')[0], 'base64url').toString('utf8')) as Partial<Wire>;
    return typeof w.ik === 'string' ? w.ik : undefined;
  } catch {
    return undefined;
  }
}
