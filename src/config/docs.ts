/**
 * README sections generated from the code, so the docs cannot drift: the configuration table
 * (from VARS) and the scope table (from SCOPES and ROLE_SCOPES). `npm run docs` rewrites them;
 * a unit test fails when README.md is stale.
 */
import { ROLE_SCOPES, ROLES, SCOPES } from '../auth/principal.js';
import { configTableMarkdown } from './index.js';
import { ownershipTableMarkdown } from '../ownership.js';

function scopeTableMarkdown(): string {
  const head = `| scope | opens | ${ROLES.join(' | ')} |`;
  const sep = `|---|---|${ROLES.map(() => '---').join('|')}|`;
  const rows = Object.entries(SCOPES).map(
    ([scope, doc]) =>
      `| \`${scope}\` | ${doc} | ${ROLES.map((r) => ((ROLE_SCOPES[r] as readonly string[]).includes(scope) ? 'yes' : '-')).join(' | ')} |`,
  );
  return [head, sep, ...rows].join('\n');
}

const SECTIONS: Record<string, () => string> = {
  config: configTableMarkdown,
  scopes: scopeTableMarkdown,
  ownership: ownershipTableMarkdown,
};

export function renderReadme(readme: string): string {
  let out = readme;
  for (const [name, render] of Object.entries(SECTIONS)) {
    const re = new RegExp(`(<!-- generated:${name}[^>]*-->\\n)[\\s\\S]*?(<!-- /generated:${name} -->)`);
    if (!re.test(out)) throw new Error(`README.md lacks the <!-- generated:${name} --> markers.`);
    out = out.replace(re, (_m, a: string, b: string) => `${a}${render()}\n${b}`);
  }
  return out;
}
