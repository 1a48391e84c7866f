/**
 * The response cache's visibility key (src/gateway/response-cache.ts): two principals share a key
 * only when they would be shown exactly the same result. Scopes, a partner's allow-list and id, and a
 * customer's own id are all in it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { userPrincipal, type Principal } from '../../../src/auth/principal.js';
import { visibilityKey } from '../../../src/gateway/response-cache.js';

const partner = (partnerId: string, scopes: string[], customerIds?: string[], operations?: string[]): Principal => ({
  kind: 'partner',
  partnerId,
  name: partnerId,
  scopes: new Set(scopes),
  ...(customerIds ? { customerIds } : {}),
  ...(operations ? { operations } : {}),
});
const OP_A = 'a'.repeat(64);
const OP_B = 'b'.repeat(64);
const READ = ['crm.contacts:read', 'billing.summary:read'];

test('partners: a different allow-list, scope set or partner never shares a key; the same view does', () => {
  const base = visibilityKey(partner('p1', READ, ['1002']));
  const differing: [string, Principal][] = [
    ['another allow-list', partner('p1', READ, ['1003'])],
    ['a wider allow-list', partner('p1', READ, ['1002', '1003'])],
    ['no allow-list (every customer)', partner('p1', READ)],
    ['fewer scopes', partner('p1', ['crm.contacts:read'], ['1002'])],
    ['more scopes', partner('p1', [...READ, 'billing.payment_methods:read'], ['1002'])],
    ['another partner with the same grants', partner('p2', READ, ['1002'])],
    ['its own trusted operations', partner('p1', READ, ['1002'], [OP_A])],
    ['other trusted operations', partner('p1', READ, ['1002'], [OP_A, OP_B])],
  ];
  const keys = differing.map(([, p]) => visibilityKey(p));
  for (const [i, [what]] of differing.entries()) assert.notEqual(keys[i], base, what);
  assert.equal(new Set([base, ...keys]).size, differing.length + 1, 'every variant has its own key');
  // Order does not matter: the same grants are the same view.
  assert.equal(visibilityKey(partner('p1', [...READ].reverse(), ['1002'])), base);
  assert.equal(visibilityKey(partner('p1', READ, ['1003', '1002'])), visibilityKey(partner('p1', READ, ['1002', '1003'])));
  assert.equal(visibilityKey(partner('p1', READ, ['1002'], [OP_B, OP_A])), visibilityKey(partner('p1', READ, ['1002'], [OP_A, OP_B])));
});

test('users: customers by their own id, staff by roles and scopes, anonymous never cached', () => {
  const ada = visibilityKey(userPrincipal('auth0|ada', ['customer'], '1001'));
  const grace = visibilityKey(userPrincipal('auth0|grace', ['customer'], '1002'));
  const agent = visibilityKey(userPrincipal('auth0|agent', ['agent']));
  const admin = visibilityKey(userPrincipal('auth0|admin', ['admin']));
  const both = visibilityKey(userPrincipal('auth0|both', ['agent', 'admin']));
  assert.equal(new Set([ada, grace, agent, admin, both]).size, 5);
  assert.equal(visibilityKey(userPrincipal('auth0|agent-2', ['agent'])), agent, 'staff with the same grants share their view');
  assert.equal(visibilityKey(userPrincipal('auth0|ada-again', ['customer'], '1001')), ada, 'the same customer, another session');
  assert.equal(visibilityKey({ kind: 'anonymous', scopes: new Set() }), undefined);
});
