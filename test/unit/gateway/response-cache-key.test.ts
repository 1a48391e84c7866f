/**
 * The response cache's visibility key (src/gateway/response-cache.ts): two principals share a key
 * only when they would be shown exactly the same result. Scopes, a partner's allow-list and id, and a
 * customer's own id are all in it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { userPrincipal, type Principal } from '../../../src/auth/principal.js';
import { visibilityKey } from '../../../src/gateway/response-cache.js';

const partner = (partnerId: string, scopes: string[], customerIds?: string[]): Principal => ({
  kind: 'partner',
  partnerId,
  name: partnerId,
  scopes: new Set(scopes),
  ...(customerIds ? { customerIds } : {}),
});
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
  ];
  const keys = differing.map(([, p]) => visibilityKey(p));
  for (const [i, [what]] of differing.entries()) assert.notEqual(keys[i], base, what);
  assert.equal(new Set([base, ...keys]).size, differing.length + 1, 'every variant has its own key');
  // Scope order does not matter: the same grants are the same view.
  assert.equal(visibilityKey(partner('p1', [...READ].reverse(), ['1002'])), base);
});

test('users: customers by their own id, staff by scopes, anonymous never cached', () => {
  const ada = visibilityKey(userPrincipal('auth0|ada', ['customer'], '1001'));
  const grace = visibilityKey(userPrincipal('auth0|grace', ['customer'], '1002'));
  const agent = visibilityKey(userPrincipal('auth0|agent', ['agent']));
  const admin = visibilityKey(userPrincipal('auth0|admin', ['admin']));
  assert.equal(new Set([ada, grace, agent, admin]).size, 4);
  assert.equal(visibilityKey(userPrincipal('auth0|ada-again', ['customer'], '1001')), ada, 'the same customer, another session');
  assert.equal(visibilityKey({ kind: 'anonymous', scopes: new Set() }), undefined);
});
