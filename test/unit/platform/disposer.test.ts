import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createDisposalStack } from '../../../src/platform/disposer.js';

test('disposal runs the closes newest first, each awaited before the next', async () => {
  const stack = createDisposalStack();
  const order: string[] = [];
  stack.defer(async () => {
    await new Promise((r) => setTimeout(r, 5));
    order.push('redis');
  });
  const server = stack.use({ name: 'server' }, async (s) => {
    await new Promise((r) => setTimeout(r, 10));
    order.push(s.name);
  });
  stack.defer(() => order.push('workers'));
  assert.equal(server.name, 'server');
  await stack.dispose();
  assert.deepEqual(order, ['workers', 'server', 'redis']);
});

test('a failing close does not stop the others; the first failure is thrown after all ran', async () => {
  const stack = createDisposalStack();
  const order: string[] = [];
  stack.defer(() => order.push('first'));
  stack.defer(() => {
    throw new Error('second failed');
  });
  stack.defer(() => Promise.reject(new Error('third failed')));
  await assert.rejects(stack.dispose(), /third failed/);
  assert.deepEqual(order, ['first']);
});

test('dispose runs each close once, however often it is called; nothing is added after', async () => {
  const stack = createDisposalStack();
  let closes = 0;
  stack.defer(() => closes++);
  await Promise.all([stack.dispose(), stack.dispose()]);
  await stack.dispose();
  assert.equal(closes, 1);
  assert.equal(stack.disposed, true);
  assert.throws(() => stack.defer(() => undefined), /already disposed/);
});
