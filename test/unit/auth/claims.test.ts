import assert from 'node:assert/strict';
import { test } from 'node:test';
import { signClaims, verifyClaims } from '../../../src/auth/claims.js';
import { userPrincipal } from '../../../src/auth/principal.js';

const secret = 'x'.repeat(40);

test('signed claims round-trip the principal', () => {
  const p = userPrincipal('u1', ['customer'], '1001');
  const back = verifyClaims(signClaims(p, secret), secret);
  assert.equal(back.kind, 'user');
  assert.deepEqual([...back.scopes].sort(), [...p.scopes].sort());
  assert.equal(back.kind === 'user' && back.customerId, '1001');
});

test('missing, forged, tampered and stale claims are rejected', () => {
  const header = signClaims(userPrincipal('u1', ['customer'], '1001'), secret);
  const codeOf = (fn: () => unknown) => {
    try {
      fn();
    } catch (e) {
      return (e as { extensions?: { code?: string } }).extensions?.code;
    }
    return 'accepted';
  };
  assert.equal(codeOf(() => verifyClaims(undefined, secret)), 'UNAUTHENTICATED');
  assert.equal(codeOf(() => verifyClaims(header, 'y'.repeat(40))), 'UNAUTHENTICATED');
  const [payload, sig] = header.split('.');
  const admin = Buffer.from(Buffer.from(payload!, 'base64url').toString().replace('"customer"', '"admin"')).toString('base64url');
  assert.equal(codeOf(() => verifyClaims(`${admin}.${sig}`, secret)), 'UNAUTHENTICATED');
  assert.equal(codeOf(() => verifyClaims(header, secret, Date.now() + 120_000)), 'UNAUTHENTICATED');
});
