/**
 * npm run docs: regenerates the tables generated from the code in their pages under docs/: the
 * configuration table (docs/configuration.md), the scope table (docs/security.md) and the field
 * ownership table (docs/vendors.md). Same markers as before, `<!-- generated:<name> -->` ...
 * `<!-- /generated:<name> -->`; the rows come from src/config/docs.ts (`renderReadme`). A unit test
 * (test/unit/config/docs.test.ts) fails when a page is stale.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { renderReadme } from '../src/config/docs.js';

/** Each generated section and the one page that holds it (paths from the repository root). */
export const GENERATED_PAGES = {
  config: 'docs/configuration.md',
  scopes: 'docs/security.md',
  ownership: 'docs/vendors.md',
} as const;
export type GeneratedSection = keyof typeof GENERATED_PAGES;

const markers = (name: string) => new RegExp(`(<!-- generated:${name}[^>]*-->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);

/**
 * Every section's current text: `renderReadme` fills every marker pair at once, so it is given one
 * empty pair of each and the filled bodies are read back.
 */
function renderedSections(): Record<GeneratedSection, string> {
  const names = Object.keys(GENERATED_PAGES) as GeneratedSection[];
  const filled = renderReadme(names.map((n) => `<!-- generated:${n} -->\n<!-- /generated:${n} -->`).join('\n'));
  return Object.fromEntries(
    names.map((n) => {
      const m = filled.match(new RegExp(`<!-- generated:${n} -->\\n([\\s\\S]*?)<!-- /generated:${n} -->`));
      if (!m) throw new Error(`renderReadme did not fill the ${n} section.`);
      return [n, m[1]];
    }),
  ) as Record<GeneratedSection, string>;
}

/** The page's text with its generated section(s) rewritten from the code. */
export function renderPage(path: string, text: string): string {
  const sections = renderedSections();
  let out = text;
  for (const [name, page] of Object.entries(GENERATED_PAGES) as [GeneratedSection, string][]) {
    if (page !== path) continue;
    const re = markers(name);
    if (!re.test(out)) throw new Error(`${path} lacks the <!-- generated:${name} --> markers.`);
    out = out.replace(re, (_m, a: string, b: string) => `${a}${sections[name]}${b}`);
  }
  return out;
}

function main(): void {
  for (const path of new Set(Object.values(GENERATED_PAGES))) {
    const before = readFileSync(path, 'utf8');
    const after = renderPage(path, before);
    if (after === before) console.log(`${path} is up to date.`);
    else {
      writeFileSync(path, after);
      console.log(`Updated the generated table(s) in ${path}. Review and commit it.`);
    }
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
