import assert from 'node:assert/strict';
import { test } from 'node:test';
import { canonicalJson, fingerprint, keyScope, operationOf, parseIdempotencyKey } from '../../../src/http/idempotency.js';
import { ANONYMOUS, userPrincipal } from '../../../src/auth/principal.js';

test('canonical JSON sorts keys at every level, so the fingerprint does not depend on key order', () => {
  assert.equal(canonicalJson({ b: 1, a: { d: [2, { z: 1, y: 2 }], c: null } }), '{"a":{"c":null,"d":[2,{"y":2,"z":1}]},"b":1}');
  assert.equal(fingerprint('mutation { x }', undefined, { a: 1, b: 2 }), fingerprint('mutation { x }', undefined, { b: 2, a: 1 }));
  assert.notEqual(fingerprint('mutation { x }', undefined, { a: 1 }), fingerprint('mutation { x }', undefined, { a: 2 }));
  assert.notEqual(fingerprint('mutation A { x } mutation B { x }', 'A', {}), fingerprint('mutation A { x } mutation B { x }', 'B', {}));
});

test('the document counts as GraphQL reads it: whitespace, commas and comments aside; aliases, fragments and field order not', () => {
  const fp = (q: string) => fingerprint(q, undefined, {});
  const base = fp('mutation { x(a: 1) { id name } }');
  assert.equal(fp('# retried\nmutation{x(a:1),{id,name}}'), base);
  assert.notEqual(fp('mutation { y: x(a: 1) { id name } }'), base);
  assert.notEqual(fp('mutation { x(a: 1) { name id } }'), base);
  assert.notEqual(fp('mutation { x(a: 1) { ...F } } fragment F on X { id name }'), base);
  // Text that does not parse is fingerprinted as sent (Apollo refuses it anyway).
  assert.notEqual(fp('mutation {'), fp('mutation  {'));
});

test('key syntax: 1-255 visible ASCII characters, bare or as a structured-field string', () => {
  assert.deepEqual(parseIdempotencyKey(undefined), {});
  assert.deepEqual(parseIdempotencyKey('8e03978e-40d5-43e8-bc93-6894a57f9324'), { key: '8e03978e-40d5-43e8-bc93-6894a57f9324' });
  assert.deepEqual(parseIdempotencyKey('"abc"'), { key: 'abc' });
  for (const bad of ['', '""', 'a b', 'x'.repeat(256), 'a"b', ['a', 'b']]) {
    assert.match(parseIdempotencyKey(bad).error ?? '', /Idempotency-Key header/, JSON.stringify(bad));
  }
});

test('the operation type comes from the parsed document (named operation, or the only one)', () => {
  assert.equal(operationOf('mutation M { a } query Q { b }', 'M')?.operation, 'mutation');
  assert.equal(operationOf('mutation M { a } query Q { b }', 'Q')?.operation, 'query');
  assert.equal(operationOf('mutation M { a } query Q { b }', undefined), undefined);
  assert.equal(operationOf('{ a }', undefined)?.operation, 'query');
  assert.equal(operationOf('not graphql', undefined), undefined);
});

test('keys are scoped to the principal; anonymous callers have no scope', () => {
  assert.equal(keyScope(userPrincipal('u1', ['admin'])), 'user:u1');
  assert.equal(keyScope({ kind: 'partner', partnerId: 'ptn_1', name: 'acme', scopes: new Set() }), 'partner:ptn_1');
  assert.equal(keyScope(ANONYMOUS), undefined);
});
