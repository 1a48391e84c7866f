import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createBreaker } from '../../../src/platform/breaker.js';
import { UpstreamHttpError } from '../../../src/platform/http.js';

test('vendor 4xx answers (but 429) never open the circuit; 5xx-like failures do', async () => {
  const b = createBreaker('crm', { volumeThreshold: 3, resetMs: 60_000 });
  try {
    for (let i = 0; i < 10; i++) await assert.rejects(b.run(() => Promise.reject(new UpstreamHttpError('crm', 404, {}))));
    assert.equal(b.state, 'closed');
  } finally {
    b.shutdown();
  }
  const c = createBreaker('crm', { volumeThreshold: 3, resetMs: 60_000 });
  try {
    for (let i = 0; i < 3; i++) await assert.rejects(c.run(() => Promise.reject(new UpstreamHttpError('crm', 429, {}))));
    assert.equal(c.state, 'open');
    let called = false;
    await assert.rejects(
      c.run(async () => (called = true)),
      (e: any) => e.extensions?.code === 'UPSTREAM_UNAVAILABLE' && /circuit open/.test(e.message),
    );
    assert.equal(called, false);
  } finally {
    c.shutdown();
  }
});
