/**
 * npm run codegen (first step): writes the values of `enum EventSystem` in schema/admin.graphql
 * from the vendor registry (EVENT_SYSTEMS: vendors with webhooks or a change feed), so adding a
 * vendor never means editing the schema by hand. Values already in the enum keep their place (a
 * published enum's order is part of its introspection), new ones are appended, removed ones go.
 */
import { readFileSync, writeFileSync } from 'node:fs';
import { EVENT_SYSTEMS } from '../src/webhooks/types.js';

const FILE = 'schema/admin.graphql';
const BLOCK = /(\nenum EventSystem \{\n)([^}]*)(\})/;

function eventSystemValues(current: readonly string[], systems: readonly string[]): string[] {
  const wanted = systems.map((s) => s.toUpperCase());
  return [...current.filter((v) => wanted.includes(v)), ...wanted.filter((v) => !current.includes(v))];
}

const sdl = readFileSync(FILE, 'utf8');
const m = BLOCK.exec(sdl);
if (!m) {
  console.error(`${FILE} has no \`enum EventSystem { ... }\` block to write the event systems into: restore it, e.g.
enum EventSystem {
  STRIPE
}`);
  process.exit(1);
}
const current = m[2]
  .split('\n')
  .map((l) => l.trim())
  .filter(Boolean);
const values = eventSystemValues(current, EVENT_SYSTEMS);
const next = sdl.replace(BLOCK, (_all, open: string, _body, close: string) => `${open}${values.map((v) => `  ${v}\n`).join('')}${close}`);
if (next !== sdl) writeFileSync(FILE, next);
console.log(`enum EventSystem in ${FILE}: ${values.join(', ')}${next === sdl ? ' (unchanged)' : ' (written)'}`);
