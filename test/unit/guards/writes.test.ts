import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Kind, parse, type OperationDefinitionNode } from 'graphql';
import { writeKeys } from '../../../src/guards/writes.js';

const keys = (source: string, variables: Record<string, unknown> = {}) => {
  const doc = parse(source);
  const op = doc.definitions.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  return writeKeys(op, doc, variables);
};

test('writes are the response keys GraphQL would execute at the mutation root', () => {
  assert.deepEqual(keys('mutation { a: w { id } b: w { id } w { id } __typename }'), ['a', 'b', 'w']);
  assert.deepEqual(
    keys('mutation { ...F ... on Mutation { ... { c: w } } } fragment F on Mutation { a: w ...G } fragment G on Mutation { b: w }'),
    ['a', 'b', 'c'],
  );
  // A cycle of spreads (refused by validation) does not loop.
  assert.deepEqual(keys('mutation { ...F } fragment F on Mutation { a: w ...F }'), ['a']);
  assert.deepEqual(keys('mutation { w { id } w { name } }'), ['w']);
  assert.deepEqual(
    keys('mutation($s: Boolean!) { a: w @skip(if: $s) b: w @include(if: $s) ... @include(if: false) { c: w } }', { s: true }),
    ['b'],
  );
  assert.deepEqual(keys('mutation($s: Boolean!) { a: w @skip(if: $s) b: w @include(if: $s) }', { s: false }), ['a']);
  // A directive value that cannot be read counts the field (stricter).
  assert.deepEqual(keys('mutation($s: Boolean!) { a: w @skip(if: $s) }', { s: 'yes' }), ['a']);
  assert.deepEqual(keys('query { a: x b: x }'), []);
});

test(
  'fragments spreading fragments twice, 40 levels deep, are walked once each (else 2^40 walks: the test fails by its timeout)',
  { timeout: 10_000 },
  () => {
    const frags = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Mutation { ...F${i + 1} ...F${i + 1} }`).join('\n');
    assert.deepEqual(keys(`mutation { ...F0 }\n${frags}\nfragment F40 on Mutation { a: w b: w }`), ['a', 'b']);
    // A spread skipped in one place and included in another still counts its fields.
    assert.deepEqual(keys('mutation { ...F @skip(if: true) ...F } fragment F on Mutation { a: w }'), ['a']);
  },
);
