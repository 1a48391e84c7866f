/**
 * Background work at a vendor's limit waits for the budget instead of giving up (reconciliation
 * walked 500 customers and reported 100 errors when Stripe Search's budget ran out mid-walk).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { UpstreamError, whenBudgetAllows } from '../../../src/errors/index.js';

test('a rate-limited call is tried again after its retry hint, and its result returned', async () => {
  const at: number[] = [];
  const v = await whenBudgetAllows(() => {
    at.push(Date.now());
    return at.length < 3 ? Promise.reject(new UpstreamError('billing', 'rate_limited', undefined, 1)) : Promise.resolve('page');
  });
  assert.equal(v, 'page');
  assert.equal(at.length, 3);
  for (let i = 1; i < at.length; i++) assert.ok(at[i] - at[i - 1] >= 1000, `waited ${at[i] - at[i - 1]} ms`);
});

test("any other failure is not retried, and a limit that outlasts the waits is the caller's error", async () => {
  let calls = 0;
  await assert.rejects(
    whenBudgetAllows(() => (calls++, Promise.reject(new UpstreamError('billing', 'unavailable')))),
    (e: UpstreamError) => e.extensions.code === 'UPSTREAM_UNAVAILABLE',
  );
  assert.equal(calls, 1);
  calls = 0;
  await assert.rejects(
    whenBudgetAllows(() => (calls++, Promise.reject(new UpstreamError('billing', 'rate_limited', undefined, 1))), 1),
    (e: UpstreamError) => e.extensions.code === 'RATE_LIMITED',
  );
  assert.equal(calls, 2);
});
