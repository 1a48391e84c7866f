import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { renderReadme } from '../../../src/config/docs.js';

test('README configuration and scope tables match the code (run `npm run docs`)', () => {
  const readme = readFileSync(new URL('../../../README.md', import.meta.url), 'utf8');
  assert.equal(renderReadme(readme), readme);
});
