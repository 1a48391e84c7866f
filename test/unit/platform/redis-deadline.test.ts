/**
 * The read deadline measures Redis, not our event loop or a large reply: a read whose answer is
 * still arriving (Redis keeps sending) is waited for up to the cap; a Redis that sends nothing is
 * given up at the deadline. Outcomes only, never durations.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { redisDeadline } from '../../../src/platform/cache.js';

const later = <T>(value: T, ms: number) => new Promise<T>((r) => setTimeout(() => r(value), ms));

test('a reply still on its way (Redis keeps sending) is waited for past the deadline, up to the cap', async () => {
  const busy = () => performance.now(); // a byte arrived just now, every time it is asked
  assert.equal(await redisDeadline(later('ok', 80), 10, busy, 5000), 'ok');
});

test('a Redis that sends nothing is given up at the deadline', async () => {
  const silent = () => -Infinity; // never sent a byte
  await assert.rejects(redisDeadline(later('late', 500), 10, silent, 5000), /Redis did not answer/);
  await assert.rejects(redisDeadline(later('late', 500), 10), /Redis did not answer/);
});

test('the cap bounds the wait even while bytes keep arriving', async () => {
  await assert.rejects(
    redisDeadline(later('late', 2000), 10, () => performance.now(), 40),
    /Redis did not answer/,
  );
});

test('a Redis that answered within the last second is alive (busy, not hung): waited for, up to the cap', async () => {
  const sentAMomentAgo = performance.now() - 300;
  assert.equal(await redisDeadline(later('ok', 200), 10, () => sentAMomentAgo, 5000), 'ok');
  const silentForLong = performance.now() - 5000;
  await assert.rejects(
    redisDeadline(later('late', 500), 10, () => silentForLong, 5000),
    /Redis did not answer/,
  );
});
