/**
 * The upstream policy (issue 11, finding 8): retries stay within the retry budget, and the
 * breaker counts attempts, so a vendor failing half the time opens the circuit.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBreaker } from '../../../src/platform/breaker.js';
import { createUpstreamPolicy, RetryableError } from '../../../src/platform/upstream.js';

/** A vendor that fails every other attempt, starting with the first. */
function halfFailing() {
  let attempts = 0;
  return {
    get attempts() {
      return attempts;
    },
    attempt: async () => {
      attempts++;
      if (attempts % 2 === 1) throw new Error('HTTP 503');
      return 'ok';
    },
  };
}
const classify = () => new RetryableError('unavailable', '503');

test('at 50% upstream errors, retries stay within the budget instead of doubling the traffic', async () => {
  const vendor = halfFailing();
  const policy = createUpstreamPolicy({ system: 'crm', retries: 2, retryRatio: 0.2, minRetries: 10, backoffMs: 0 });
  const calls = 100;
  let failed = 0;
  for (let i = 0; i < calls; i++) await policy.call({ route: 'x', idempotent: true, classify }, vendor.attempt).catch(() => failed++);
  const retries = vendor.attempts - calls;
  // Without a budget every call would fail once and be retried once: 100 retries, 200 attempts.
  assert.ok(retries <= 10 + 0.2 * calls, `retries ${retries}`);
  assert.ok(retries > 0, 'retries still happen within the budget');
  assert.equal(policy.budgetState().retries, retries);
  assert.ok(failed > 0, 'past the budget a failed attempt fails its call');
});

test('a call that is not idempotent is never retried', async () => {
  const vendor = halfFailing();
  const policy = createUpstreamPolicy({ system: 'crm', retries: 2, backoffMs: 0 });
  await assert.rejects(policy.call({ route: 'x', idempotent: false, classify }, vendor.attempt));
  assert.equal(vendor.attempts, 1);
});

test('the breaker sees every attempt: a vendor failing half the time opens the circuit although retries would hide it', async () => {
  const vendor = halfFailing();
  const breaker = createBreaker('crm', { volumeThreshold: 10, resetMs: 60_000 });
  try {
    const policy = createUpstreamPolicy({ system: 'crm', retries: 2, retryRatio: 1, minRetries: 1000, backoffMs: 0, breaker });
    const outcomes: string[] = [];
    for (let i = 0; i < 20; i++)
      outcomes.push(await policy.call({ route: 'x', idempotent: true, classify }, vendor.attempt).catch((e: Error) => e.message));
    assert.equal(breaker.state, 'open');
    assert.match(outcomes.at(-1)!, /circuit open/);
    // Every call before the circuit opened succeeded on retry (a breaker around whole calls would never
    // have opened); the call whose failed attempt opened it is refused its retry, and every later call
    // is refused without an attempt.
    const opened = outcomes.findIndex((o) => /circuit open/.test(o));
    assert.ok(opened > 0, outcomes.join(', '));
    assert.deepEqual(outcomes.slice(0, opened), Array<string>(opened).fill('ok'));
    for (const o of outcomes.slice(opened)) assert.match(o, /circuit open/);
    assert.equal(vendor.attempts, 2 * opened + 1);
  } finally {
    breaker.shutdown();
  }
});
