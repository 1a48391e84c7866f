import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parse } from 'graphql';
import { withinTokenLimit } from '../../../src/guards/limits.js';

/** The token count graphql's own parser finds: the lowest maxTokens it accepts the document at. */
function parserCount(source: string): number {
  for (let n = 0; n < 10_000; n++) {
    try {
      parse(source, { maxTokens: n });
      return n;
    } catch (err) {
      if (!/tokens/.test((err as Error).message)) throw err;
    }
  }
  throw new Error('more than 10000 tokens');
}

test('the token check counts what graphql’s parser counts with maxTokens: at the count within, one below refused', () => {
  const documents = [
    '{ me { id name } }',
    '# a comment is not a token\nquery Q($id: ID!) { customer(id: $id) { id ...F } } fragment F on Customer { email }',
    'mutation { updateContact(input: { phone: "+44 20 7946 0958", note: """block\n string""" }) { id } }',
    '{ a: me { id } b: me { id } c: me { id } }',
  ];
  for (const source of documents) {
    const count = parserCount(source);
    assert.ok(count > 5, source);
    assert.equal(withinTokenLimit(source, count), true, `${source}: within ${count}`);
    assert.equal(withinTokenLimit(source, count - 1), false, `${source}: over ${count - 1}`);
  }
});

test('a lexical error is left to the parser (undefined), a long document is refused before the error', () => {
  assert.equal(withinTokenLimit('{ me { id ? } }', 100), undefined);
  assert.equal(withinTokenLimit('{ me { id } } "unterminated', 100), undefined);
  assert.equal(withinTokenLimit(`{ ${'a '.repeat(200)} ? }`, 100), false);
});
