/** npm run docs: regenerates README.md's configuration and scope tables from the code. */
import { readFileSync, writeFileSync } from 'node:fs';
import { renderReadme } from '../src/config/docs.js';

const before = readFileSync('README.md', 'utf8');
const after = renderReadme(before);
if (after === before) console.log('README.md is up to date.');
else {
  writeFileSync('README.md', after);
  console.log('Updated the generated tables in README.md. Review and commit it.');
}
