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

test('fragments spreading fragments twice, 40 levels deep, are walked once each (else 2^40 walks)', () => {
  const frags = Array.from({ length: 40 }, (_, i) => `fragment F${i} on Mutation { ...F${i + 1} ...F${i + 1} }`).join('\n');
  const doc = parse(`mutation { ...F0 }\n${frags}\nfragment F40 on Mutation { a: w b: w }`);
  // Each read of a fragment's selection set is one walk of it: count them, and stop a second walk at
  // once (a regression fails here by name instead of running 2^40 walks that no timeout could stop,
  // since the walk never yields to the event loop).
  const walks = new Map<string, number>();
  const counted = doc.definitions.map((def) => {
    if (def.kind !== Kind.FRAGMENT_DEFINITION) return def;
    const name = def.name.value;
    return Object.defineProperty({ ...def }, 'selectionSet', {
      enumerable: true,
      get() {
        const n = (walks.get(name) ?? 0) + 1;
        walks.set(name, n);
        if (n > 1) throw new Error(`fragment ${name} walked ${n} times`);
        return def.selectionSet;
      },
    });
  });
  const op = counted.find((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION)!;
  assert.deepEqual(writeKeys(op, { ...doc, definitions: counted }, {}), ['a', 'b']);
  assert.equal(walks.size, 41);
  assert.deepEqual([...new Set(walks.values())], [1]);
  // A spread skipped in one place and included in another still counts its fields.
  assert.deepEqual(keys('mutation { ...F @skip(if: true) ...F } fragment F on Mutation { a: w }'), ['a']);
});
