/**
 * Token verification. User tokens come from the company's identity provider (RS256/ES256 through
 * a JWKS URL or a PEM key; HS256 only with an explicitly configured secret). Partner tokens are
 * minted by Portico, carry their own `typ`, and are checked against the partner store on every
 * request, so revocation is immediate on every instance. Any failure is UNAUTHENTICATED with a
 * message that helps the caller and reveals nothing about our keys.
 */
import { createHash, createPublicKey, createSecretKey, randomUUID, type KeyObject } from 'node:crypto';
import jwt from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import type { Config } from '../config/index.js';
import { UnauthenticatedError } from '../errors/index.js';
import type { IdentityLinks } from '../customers/identities.js';
import { createLocalCaches, stringBytes, type LocalCaches } from '../platform/local-cache.js';
import type { Logger } from '../platform/logger.js';
import type { PartnerRecord, PartnerStore } from './partners.js';
import { ROLES, userPrincipal, type Principal, type Role } from './principal.js';

/** JOSE `typ` values. A user token must not be a partner token and the reverse. */
export const USER_TOKEN_TYPES = new Set([undefined, 'JWT', 'jwt', 'at+jwt', 'application/at+jwt']);
export const PARTNER_TOKEN_TYP = 'portico-partner+jwt';
export const PARTNER_ISSUER = 'portico';
export const PARTNER_AUDIENCE = 'portico-partner';

/** kid values we look up: anything else (paths, quotes, huge strings) is refused before any lookup. */
const SAFE_KID = /^[A-Za-z0-9_.:-]{1,128}$/;

export interface TokenVerifier {
  verify(token: string): Promise<Principal>;
}

export interface TokenVerifierOptions {
  auth: Config['auth'];
  partners: PartnerStore;
  logger?: Logger;
  /**
   * Seconds a partner record verified against the store stays usable while the store (Redis) is
   * unreachable; a revocation therefore reaches every instance within this bound. 0 = none.
   * @default 30
   */
  partnerCacheS?: number;
  /** Where the verified tokens and partner records are reported (`cache="verified_tokens"`, `"partner_records"`). @default unreported */
  caches?: LocalCaches;
  /** Byte bound of the verified tokens (VERIFIED_TOKENS_MAX_BYTES). @default 8 MiB */
  verifiedMaxBytes?: number;
  /** Byte bound of the partner records (PARTNER_RECORDS_MAX_BYTES). @default 4 MiB */
  partnerRecordsMaxBytes?: number;
  /** Identity links of customer tokens without a customer claim (customers/identities.ts). @default none: such a token is its subject */
  identities?: Pick<IdentityLinks, 'get'>;
}

type KeyLookup = (header: jwt.JwtHeader) => Promise<KeyObject | string>;

/**
 * Keys of the identity provider by kid. jwks-rsa caches keys and rate-limits re-fetches on an
 * unknown kid; keys seen once stay usable here while the JWKS endpoint is down.
 */
function jwksLookup(uri: string, logger?: Logger): KeyLookup {
  const client = jwksRsa({
    jwksUri: uri,
    cache: true,
    cacheMaxAge: 10 * 60_000,
    rateLimit: true,
    jwksRequestsPerMinute: 10,
    timeout: 5000,
  });
  const known = new Map<string, string>();
  return async (header) => {
    const kid = header.kid;
    if (!kid) throw new UnauthenticatedError('The token has no key id (kid).');
    try {
      const key = (await client.getSigningKey(kid)).getPublicKey();
      known.set(kid, key);
      return key;
    } catch (err) {
      const last = known.get(kid);
      if (last && !(err instanceof jwksRsa.SigningKeyNotFoundError)) {
        logger?.warn({ err: (err as Error).message }, 'JWKS endpoint unreachable; using the last known key');
        return last;
      }
      throw new UnauthenticatedError('The token is signed with an unknown key.');
    }
  };
}

/** Estimated bytes of a verified principal beside a partner's allow-list (kind, ids, scopes, roles, expiry). */
const PRINCIPAL_BYTES = 512;

export function createTokenVerifier(o: TokenVerifierOptions): TokenVerifier {
  const { auth } = o;
  const hmac = auth.algorithms.filter((a) => a.startsWith('HS'));
  const asymmetric = auth.algorithms.filter((a) => !a.startsWith('HS'));
  const jwks = auth.jwksUrl ? jwksLookup(auth.jwksUrl, o.logger) : undefined;
  // Key objects made once: given a string, jsonwebtoken re-parses the key on every verify (and for
  // HMAC first tries it as a public key, an exception per request).
  const secretKey = auth.secret ? createSecretKey(Buffer.from(auth.secret)) : undefined;
  const publicKey = auth.publicKey ? createPublicKey(auth.publicKey) : undefined;
  const partnerKey = createSecretKey(Buffer.from(auth.partnerSecret));
  const caches = o.caches ?? createLocalCaches();
  const partnerRecord = cachedPartnerLookup(o.partners, (o.partnerCacheS ?? 30) * 1000, o.logger, {
    caches,
    maxBytes: o.partnerRecordsMaxBytes ?? 4 * 1024 * 1024,
  });

  const keyFor: KeyLookup = async (header) => {
    if (header.kid !== undefined && !SAFE_KID.test(header.kid)) throw new UnauthenticatedError('The token key id (kid) is not valid.');
    if (!auth.algorithms.includes(header.alg)) throw new UnauthenticatedError('The token signature or algorithm is not accepted.');
    // The algorithm family picks the key, so an HS token "signed" with our public key never
    // meets that key as an HMAC secret.
    if (hmac.includes(header.alg) && secretKey) return secretKey;
    if (asymmetric.includes(header.alg)) {
      if (jwks) return jwks(header);
      if (publicKey) return publicKey;
    }
    throw new UnauthenticatedError('The token signature or algorithm is not accepted.');
  };

  async function verifyUser(token: string, header: jwt.JwtHeader): Promise<Principal> {
    if (!USER_TOKEN_TYPES.has(header.typ)) throw new UnauthenticatedError('This token type is not accepted here.');
    const key = await keyFor(header);
    const claims = verifyJwt(token, key, {
      algorithms: auth.algorithms as jwt.Algorithm[],
      issuer: auth.issuer,
      audience: auth.audience,
      clockTolerance: auth.clockToleranceS,
    });
    if (!claims.sub) throw new UnauthenticatedError('The token has no subject (sub).');
    const roles = readRoles(claims[auth.rolesClaim]);
    const customerClaim: unknown = claims[auth.customerIdClaim];
    const claimed = typeof customerClaim === 'string' || typeof customerClaim === 'number';
    const customerId = claimed ? String(customerClaim) : claims.sub;
    const principal = userPrincipal(claims.sub, roles, roles.includes('customer') ? customerId : undefined);
    const unclaimed = roles.includes('customer') && !claimed;
    if (typeof claims.exp === 'number')
      verified.set(token, { principal, expiresMs: (claims.exp + auth.clockToleranceS) * 1000, unclaimed });
    return unclaimed ? withIdentity(principal) : principal;
  }

  /**
   * A customer token without a customer claim: the customer its subject is linked to (read on every
   * request, never kept with the verified token, so a link made on any instance counts from the
   * next request), or, unlinked, a principal that may sign up. The store failing: the subject
   * fallback without sign-up (nothing of another customer is reachable; sign-up is refused).
   */
  async function withIdentity(p: Principal): Promise<Principal> {
    if (p.kind !== 'user' || !o.identities) return p;
    try {
      const linked = await o.identities.get(p.subject);
      return linked ? { ...p, customerId: linked } : { ...p, signup: true };
    } catch (err) {
      o.logger?.warn({ err: (err as Error).message }, 'identity links unavailable: a token without a customer claim is its subject');
      return p;
    }
  }

  async function verifyPartner(token: string): Promise<Principal> {
    const claims = verifyJwt(token, partnerKey, {
      algorithms: ['HS256'],
      issuer: PARTNER_ISSUER,
      audience: PARTNER_AUDIENCE,
      clockTolerance: auth.clockToleranceS,
    });
    const record = claims.jti ? await partnerRecord(claims.jti) : undefined;
    if (!record || record.revokedAt || record.tokenHash !== hashToken(token))
      throw new UnauthenticatedError('This partner token has been revoked or is unknown.');
    void o.partners.touch(record.id).catch(() => undefined);
    return {
      kind: 'partner',
      partnerId: record.id,
      name: record.name,
      scopes: new Set(record.scopes),
      customerIds: record.customerIds,
      operations: record.operations,
    };
  }

  /**
   * User tokens verified in the last minute, by their exact text: a client sends the same token
   * on every request, and its signature and claims give the same answer each time until it
   * expires (checked on every use). Bounded in time, so a key withdrawn from the JWKS stops
   * working within a minute. Partner tokens are not kept: their record (revocation) is read each time.
   */
  const verified = caches.lru<string, { principal: Principal; expiresMs: number; unclaimed?: boolean }>({
    name: 'verified_tokens',
    maxBytes: o.verifiedMaxBytes ?? 8 * 1024 * 1024,
    maxEntries: 10_000,
    ttlMs: 60_000,
    // A principal: its kind, ids, scopes and roles (a few short strings), or a partner's allow-list.
    sizeOf: (v, token) =>
      stringBytes(token) + PRINCIPAL_BYTES + (v.principal.kind === 'partner' ? (v.principal.customerIds?.length ?? 0) * 24 : 0),
  });

  return {
    async verify(token) {
      const known = verified.get(token);
      if (known && Date.now() < known.expiresMs) return known.unclaimed ? withIdentity(known.principal) : known.principal;
      const decoded = jwt.decode(token, { complete: true });
      if (!decoded || typeof decoded.payload === 'string') throw new UnauthenticatedError('The token is malformed.');
      // RFC 7515 4.1.11: a token whose `crit` names extensions the verifier does not understand must
      // be rejected, and we understand none (jsonwebtoken ignores the parameter). Every token kind.
      if ('crit' in decoded.header)
        throw new UnauthenticatedError(
          `The token header has "crit" (${JSON.stringify((decoded.header as { crit?: unknown }).crit)}), naming extensions this server does not support: issue tokens without "crit", e.g. {"alg":"RS256","typ":"JWT","kid":"..."}.`,
        );
      return decoded.header.typ === PARTNER_TOKEN_TYP ? verifyPartner(token) : verifyUser(token, decoded.header);
    },
  };
}

/**
 * Last verified partner records, used only when the store fails (Redis down), for at most `maxAgeMs`
 * after they were read: partner tokens keep working through a Redis outage, and a revocation made
 * before it is honoured within that bound. Bounded in size (least recently used dropped).
 */
function cachedPartnerLookup(
  store: PartnerStore,
  maxAgeMs: number,
  logger: Logger | undefined,
  o: { caches: LocalCaches; maxBytes: number },
) {
  const recent = o.caches.lru<string, PartnerRecord>({
    name: 'partner_records',
    maxBytes: o.maxBytes,
    maxEntries: 10_000,
    ttlMs: Math.max(1, maxAgeMs),
    sizeOf: (record, id) => stringBytes(id) + JSON.stringify(record).length,
  });
  return async (id: string): Promise<PartnerRecord | undefined> => {
    try {
      const record = await store.get(id);
      if (record && maxAgeMs > 0) recent.set(id, record);
      else recent.delete(id);
      return record;
    } catch (err) {
      const cached = maxAgeMs > 0 ? recent.get(id) : undefined;
      if (!cached) throw new UnauthenticatedError('Partner tokens cannot be checked right now; try again shortly.');
      logger?.warn(
        { err: (err as Error).message, partner: id },
        'partner store unreachable; using the record verified in the last PARTNER_TOKEN_CACHE_S seconds',
      );
      return cached;
    }
  };
}

function verifyJwt(token: string, key: KeyObject | string, opts: jwt.VerifyOptions): jwt.JwtPayload {
  try {
    const payload = jwt.verify(token, key, opts) as string | jwt.JwtPayload;
    if (typeof payload === 'string') throw new UnauthenticatedError('The token is malformed.');
    // jsonwebtoken accepts tokens without `exp` (valid forever) and with `iat` in the future.
    if (typeof payload.exp !== 'number') throw new UnauthenticatedError('The token has no expiry (exp); tokens must expire.');
    const now = Math.floor(Date.now() / 1000);
    if (payload.iat !== undefined && payload.iat > now + (opts.clockTolerance ?? 0))
      throw new UnauthenticatedError("The token was issued in the future (iat); check the issuer's clock.");
    return payload;
  } catch (err) {
    if (err instanceof UnauthenticatedError) throw err;
    throw new UnauthenticatedError(describeJwtError(err));
  }
}

function readRoles(value: unknown): Role[] {
  const raw = Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : [];
  return raw.filter((r): r is Role => (ROLES as readonly unknown[]).includes(r));
}

function describeJwtError(err: unknown): string {
  if (err instanceof jwt.TokenExpiredError) return 'The token has expired.';
  if (err instanceof jwt.NotBeforeError) return 'The token is not valid yet.';
  if (err instanceof jwt.JsonWebTokenError) {
    if (/audience/.test(err.message)) return 'The token is not meant for this API (audience).';
    if (/issuer/.test(err.message)) return 'The token comes from an issuer this API does not trust.';
    if (/malformed|invalid token|jwt must be/.test(err.message)) return 'The token is malformed.';
  }
  return 'The token signature or algorithm is not accepted.';
}

export const hashToken = (token: string) => createHash('sha256').update(token).digest('base64url');

/** Extracts the token of `Authorization: Bearer <token>`; undefined when there is none. */
export function bearerToken(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
  if (!m) throw new UnauthenticatedError('The Authorization header must be "Bearer <token>".');
  return m[1];
}

export interface DevTokenOptions {
  role: Role;
  sub: string;
  ttlSeconds?: number;
}

/** Signs a development user token with the configured HMAC secret. Refused in production. */
export function signDevToken(config: Pick<Config, 'env' | 'auth'>, o: DevTokenOptions): string {
  if (config.env === 'production') throw new Error('Development tokens are refused when NODE_ENV=production.');
  if (!config.auth.secret)
    throw new Error('AUTH_JWT_SECRET is not set: dev tokens are HS256. Example: AUTH_JWT_SECRET=$(openssl rand -base64 48)');
  const payload: Record<string, unknown> = { [config.auth.rolesClaim]: [o.role] };
  if (o.role === 'customer') payload[config.auth.customerIdClaim] = o.sub;
  return jwt.sign(payload, config.auth.secret, {
    algorithm: 'HS256',
    subject: o.sub,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    expiresIn: o.ttlSeconds ?? 3600,
    header: { alg: 'HS256', typ: 'JWT' },
  });
}

/** Signs a partner token for a stored partner record (the store keeps only its hash). */
export function signPartnerToken(secret: string, id: string, expiresAt: Date): string {
  return jwt.sign({}, secret, {
    algorithm: 'HS256',
    jwtid: id,
    subject: `partner:${id}`,
    issuer: PARTNER_ISSUER,
    audience: PARTNER_AUDIENCE,
    expiresIn: Math.max(1, Math.floor((expiresAt.getTime() - Date.now()) / 1000)),
    header: { alg: 'HS256', typ: PARTNER_TOKEN_TYP },
  });
}

export const newPartnerId = () => `ptn_${randomUUID().replace(/-/g, '').slice(0, 20)}`;
