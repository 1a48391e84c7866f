import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseRun } from '../../../src/subgraphs/admin/health.js';

test('the last reconciliation parses the fixed shape and reads anything else as null', () => {
  const run = {
    startedAt: '2026-11-23T22:00:00.000Z',
    finishedAt: '2026-11-23T22:01:00.000Z',
    customersChecked: 3,
    fields: [{ system: 'stripe', field: 'email', drift: 1, repaired: 1 }],
    errors: 0,
  };
  assert.deepEqual(parseRun(JSON.stringify(run)), run);
  assert.deepEqual(parseRun(JSON.stringify({ ...run, finishedAt: undefined })), { ...run, finishedAt: null });
  assert.equal(parseRun('{"startedAt": 5}'), null);
  assert.equal(parseRun('not json'), null);
  assert.deepEqual(parseRun(JSON.stringify({ ...run, fields: [{ system: 1 }], customersChecked: 'x' })), {
    ...run,
    fields: [],
    customersChecked: 0,
  });
});
