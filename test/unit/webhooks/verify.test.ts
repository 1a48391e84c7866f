import assert from 'node:assert/strict';
import { test } from 'node:test';
import { safeEqual } from '../../../src/webhooks/verify.js';

test('safeEqual: equal strings only, whatever the lengths', () => {
  assert.equal(safeEqual('abc', 'abc'), true);
  assert.equal(safeEqual('abc', 'abd'), false);
  assert.equal(safeEqual('abc', 'abcd'), false);
});
