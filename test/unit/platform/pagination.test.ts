import assert from 'node:assert/strict';
import { test } from 'node:test';
import { offsetPage, pageArgs } from '../../../src/platform/pagination.js';

const items = Array.from({ length: 25 }, (_, i) => i);

test('pages walk the whole list through endCursor', () => {
  const seen: number[] = [];
  let after: string | null = null;
  for (;;) {
    const page: ReturnType<typeof offsetPage<number>> = offsetPage(items, pageArgs(10, after));
    seen.push(...page.nodes);
    assert.equal(page.totalCount, 25);
    if (!page.pageInfo.hasNextPage) break;
    after = page.pageInfo.endCursor;
  }
  assert.deepEqual(seen, items);
});

test('bad page arguments are BAD_USER_INPUT', () => {
  for (const [first, after] of [
    [0, null],
    [101, null],
    [10, 'not-a-cursor'],
    [10, Buffer.from('{"o":-1}').toString('base64url')],
  ] as const) {
    assert.throws(
      () => pageArgs(first, after),
      (e: any) => e.extensions.code === 'BAD_USER_INPUT',
    );
  }
});
