/**
 * The claims header the gateway sends to subgraphs that run as their own services. HMAC-SHA256
 * over the serialized principal and a timestamp; subgraphs trust nothing unsigned or stale.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { UnauthenticatedError } from '../errors/index.js';
import { ROLES, type Principal, type Role } from './principal.js';

export const CLAIMS_HEADER = 'x-portico-claims';
const MAX_AGE_S = 60;

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
}

const mac = (payload: string, secret: string) => createHmac('sha256', secret).update(payload).digest('base64url');

export function signClaims(p: Principal, secret: string, now = Date.now()): string {
  const w: Wire = { k: p.kind, s: [...p.scopes], t: Math.floor(now / 1000) };
  if (p.kind === 'user') Object.assign(w, { sub: p.subject, r: [...p.roles], c: p.customerId });
  if (p.kind === 'partner') Object.assign(w, { p: p.partnerId, n: p.name, cs: p.customerIds ? [...p.customerIds] : undefined });
  const payload = Buffer.from(JSON.stringify(w)).toString('base64url');
  return `${payload}.${mac(payload, secret)}`;
}

export function verifyClaims(header: string | undefined, secret: string, now = Date.now()): Principal {
  const [payload, sig] = (header ?? '').split('.');
  if (!payload || !sig) throw new UnauthenticatedError('Missing gateway claims.');
  const expected = Buffer.from(mac(payload, secret));
  const given = Buffer.from(sig);
  if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw new UnauthenticatedError('Invalid gateway claims.');
  const w = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Wire;
  if (Math.abs(now / 1000 - w.t) > MAX_AGE_S) throw new UnauthenticatedError('Stale gateway claims.');
  const scopes = new Set(w.s);
  switch (w.k) {
    case 'user':
      return { kind: 'user', subject: w.sub ?? '', roles: (w.r ?? []).filter((r): r is Role => (ROLES as readonly string[]).includes(r)), customerId: w.c, scopes };
    case 'partner':
      return { kind: 'partner', partnerId: w.p ?? '', name: w.n ?? '', scopes, customerIds: w.cs };
    default:
      return { kind: 'anonymous', scopes: new Set() };
  }
}
