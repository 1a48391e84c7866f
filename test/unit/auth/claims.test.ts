import assert from 'node:assert/strict';
import { test } from 'node:test';
import { claimsIdempotencyKey, signClaims, verifyClaims, type ClaimsBinding } from '../../../src/auth/claims.js';
import { userPrincipal } from '../../../src/auth/principal.js';

const secret = 'x'.repeat(40);
const binding: ClaimsBinding = {
  requestId: 'req-1',
  request: {
    query: '{ _entities(representations: $r) { __typename } }',
    operationName: null,
    variables: { r: [{ __typename: 'Customer', id: '1001' }] },
  },
};

const codeOf = (fn: () => unknown) => {
  try {
    fn();
  } catch (e) {
    return (e as { extensions?: { code?: string } }).extensions?.code;
  }
  return 'accepted';
};

test('signed claims round-trip the principal', () => {
  const p = userPrincipal('u1', ['customer'], '1001');
  // The subgraph sees the body after a JSON round trip: the binding must survive it.
  const back = verifyClaims(signClaims(p, secret, binding), secret, JSON.parse(JSON.stringify(binding)) as ClaimsBinding);
  assert.equal(back.kind, 'user');
  assert.deepEqual([...back.scopes].sort(), [...p.scopes].sort());
  assert.equal(back.kind === 'user' && back.customerId, '1001');
});

test('missing, forged, tampered and stale claims are rejected', () => {
  const header = signClaims(userPrincipal('u1', ['customer'], '1001'), secret, binding);
  assert.equal(
    codeOf(() => verifyClaims(undefined, secret, binding)),
    'UNAUTHENTICATED',
  );
  assert.equal(
    codeOf(() => verifyClaims(header, 'y'.repeat(40), binding)),
    'UNAUTHENTICATED',
  );
  const [payload, sig] = header.split('.');
  const admin = Buffer.from(Buffer.from(payload, 'base64url').toString().replace('"customer"', '"admin"')).toString('base64url');
  assert.equal(
    codeOf(() => verifyClaims(`${admin}.${sig}`, secret, binding)),
    'UNAUTHENTICATED',
  );
  assert.equal(
    codeOf(() => verifyClaims(header, secret, binding, { now: Date.now() + 120_000 })),
    'UNAUTHENTICATED',
  );
});

test('claims are bound to their request and live 10 s by default (a captured header cannot be replayed elsewhere)', () => {
  const now = Date.now();
  const header = signClaims(userPrincipal('u1', ['customer'], '1001'), secret, binding, now);
  assert.equal(
    codeOf(() => verifyClaims(header, secret, binding, { now: now + 9_000 })),
    'accepted',
  );
  assert.equal(
    codeOf(() => verifyClaims(header, secret, binding, { now: now + 11_500 })),
    'UNAUTHENTICATED',
  );
  assert.equal(
    codeOf(() => verifyClaims(header, secret, { ...binding, requestId: 'req-2' }, { now })),
    'UNAUTHENTICATED',
  );
  const otherCustomer = { ...binding.request, variables: { r: [{ __typename: 'Customer', id: '1002' }] } };
  assert.equal(
    codeOf(() => verifyClaims(header, secret, { ...binding, request: otherCustomer }, { now })),
    'UNAUTHENTICATED',
  );
  assert.equal(
    codeOf(() => verifyClaims(header, secret, { ...binding, request: { ...binding.request, query: '{ __typename }' } }, { now })),
    'UNAUTHENTICATED',
  );
});

test('the idempotency key travels in the signed claims: read back once verified, and covered by the MAC', () => {
  const p = userPrincipal('u1', ['customer'], '1001');
  const header = signClaims(p, secret, { ...binding, idempotencyKey: 'user:u1:key-1' });
  assert.equal(
    codeOf(() => verifyClaims(header, secret, binding)),
    'accepted',
  );
  assert.equal(claimsIdempotencyKey(header), 'user:u1:key-1');
  assert.equal(claimsIdempotencyKey(signClaims(p, secret, binding)), undefined);
  // Another key in the payload breaks the signature.
  const [payload, sig] = header.split('.');
  const wire = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as Record<string, unknown>;
  const forged = `${Buffer.from(JSON.stringify({ ...wire, ik: 'user:u1:key-2' })).toString('base64url')}.${sig}`;
  assert.equal(
    codeOf(() => verifyClaims(forged, secret, binding)),
    'UNAUTHENTICATED',
  );
});
