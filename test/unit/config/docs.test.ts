import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { GENERATED_PAGES, renderPage } from '../../../scripts/docs.js';
import { ROOT } from '../../helpers/paths.js';

const root = ROOT;
const read = (path: string) => readFileSync(new URL(path, root), 'utf8');

test('docs configuration, scope and ownership tables match the code (run `npm run docs`)', () => {
  for (const path of new Set(Object.values(GENERATED_PAGES))) {
    const page = read(path);
    assert.equal(renderPage(path, page), page, `${path} is stale: run \`npm run docs\``);
  }
});

test('each generated table lives in exactly one page (not in README.md, not in another page)', () => {
  const pages = ['README.md', ...new Set(Object.values(GENERATED_PAGES))];
  for (const [name, home] of Object.entries(GENERATED_PAGES)) {
    const holders = pages.filter((p) => read(p).includes(`<!-- generated:${name}`));
    assert.deepEqual(holders, [home], `<!-- generated:${name} --> should be in ${home} only`);
  }
});
