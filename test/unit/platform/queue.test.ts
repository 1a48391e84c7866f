import assert from 'node:assert/strict';
import { test } from 'node:test';
import { fullJitter, jobIdOf } from '../../../src/platform/queue.js';

test('full jitter: a delay in [0, min(cap, base * 2^(attempt-1))), never above the cap', () => {
  assert.equal(
    fullJitter(1, 1000, 600_000, () => 0),
    0,
  );
  assert.equal(
    fullJitter(1, 1000, 600_000, () => 0.999999),
    999,
  );
  assert.equal(
    fullJitter(4, 1000, 600_000, () => 0.5),
    4000,
  );
  assert.equal(
    fullJitter(30, 1000, 600_000, () => 0.999999),
    599_999,
  );
});

test('job ids are never integers and never contain a colon (BullMQ refuses both)', () => {
  assert.equal(jobIdOf('hubspot', '12345'), 'hubspot.12345');
  assert.equal(jobIdOf('replica', 'idem:abc/1'), 'replica.idem%3Aabc%2F1');
});
