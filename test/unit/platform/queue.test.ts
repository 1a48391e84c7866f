import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpstreamError } from '../../../src/errors/index.js';
import { createDurableQueue, fullJitter, jobIdOf } from '../../../src/platform/queue.js';
import { startRedis } from '../../helpers/redis.js';

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

test('a job refused by a vendor budget (RATE_LIMITED) waits for the retry hint without spending an attempt, then runs; it is never dead-lettered', async () => {
  const redis = await startRedis();
  const calls: number[] = [];
  const outcomes: string[] = [];
  const q = createDurableQueue({
    name: 'defer-test',
    url: redis.url,
    prefix: 'qtest:bull',
    // One attempt only: a rate limit counted as a failure would dead-letter the job at once.
    attempts: 1,
    handlers: {
      sync: () => {
        calls.push(Date.now());
        if (calls.length <= 3) return Promise.reject(new UpstreamError('billing', 'rate_limited', undefined, 1));
        return Promise.resolve('done');
      },
    },
    onOutcome: (_kind, outcome) => outcomes.push(outcome),
  });
  try {
    q.startWorker();
    await q.add([{ kind: 'sync', key: 'k1', data: {} }]);
    const deadline = Date.now() + 60_000;
    while ((await q.counts()).processed < 1) {
      if (Date.now() > deadline) throw new Error(`not processed: ${JSON.stringify(await q.counts())}`);
      await new Promise((r) => setTimeout(r, 100));
    }
    assert.equal(calls.length, 4);
    assert.deepEqual(outcomes, ['deferred', 'deferred', 'deferred', 'processed']);
    assert.equal((await q.counts()).dead, 0);
    // Each wait honoured the hint (1 s) at least.
    for (let i = 1; i < calls.length; i++) assert.ok(calls[i] - calls[i - 1] >= 1000, `waited ${calls[i] - calls[i - 1]} ms`);
  } finally {
    await q.close();
    await redis.stop();
  }
});
