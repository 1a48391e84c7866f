/**
 * User token verification (jsonwebtoken): explicit algorithm allow-list, required issuer and
 * audience, clock tolerance. Any failure is UNAUTHENTICATED with a message that helps the
 * caller but reveals nothing about our keys.
 */
import jwt from 'jsonwebtoken';
import type { Config } from '../config/index.js';
import { UnauthenticatedError } from '../errors/index.js';
import { ROLES, userPrincipal, type Principal, type Role } from './principal.js';

/** JOSE `typ` of user tokens minted by the dev CLI; partner tokens use another, so one can't stand in for the other. */
export const USER_TOKEN_TYP = 'JWT';
export const PARTNER_TOKEN_TYP = 'portico-partner+jwt';

export interface TokenVerifier {
  verify(token: string): Principal;
}

export function createTokenVerifier(auth: Config['auth']): TokenVerifier {
  const key = auth.algorithms.some((a) => a.startsWith('HS')) ? auth.secret : auth.publicKey;
  return {
    verify(token) {
      let decoded: jwt.Jwt;
      try {
        decoded = jwt.verify(token, key ?? '', {
          algorithms: auth.algorithms as jwt.Algorithm[],
          issuer: auth.issuer,
          audience: auth.audience,
          clockTolerance: auth.clockToleranceS,
          complete: true,
        });
      } catch (err) {
        throw new UnauthenticatedError(describeJwtError(err));
      }
      if (decoded.header.typ && decoded.header.typ !== USER_TOKEN_TYP) throw new UnauthenticatedError('This token type is not accepted here.');
      const claims = decoded.payload as jwt.JwtPayload;
      if (!claims.sub) throw new UnauthenticatedError('The token has no subject (sub).');
      const roles = readRoles(claims[auth.rolesClaim]);
      const customerClaim = claims[auth.customerIdClaim];
      const customerId = typeof customerClaim === 'string' || typeof customerClaim === 'number' ? String(customerClaim) : claims.sub;
      return userPrincipal(claims.sub, roles, roles.includes('customer') ? customerId : undefined);
    },
  };
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
  if (!config.auth.secret) throw new Error('AUTH_JWT_SECRET is not set: dev tokens are HS256. Example: AUTH_JWT_SECRET=$(openssl rand -base64 48)');
  const payload: Record<string, unknown> = { [config.auth.rolesClaim]: [o.role] };
  if (o.role === 'customer') payload[config.auth.customerIdClaim] = o.sub;
  return jwt.sign(payload, config.auth.secret, {
    algorithm: 'HS256',
    subject: o.sub,
    issuer: config.auth.issuer,
    audience: config.auth.audience,
    expiresIn: o.ttlSeconds ?? 3600,
    header: { alg: 'HS256', typ: USER_TOKEN_TYP },
  });
}
