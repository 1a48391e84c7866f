import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parse, type DocumentNode } from 'graphql';

// src/subgraphs (tsx) or dist/src/subgraphs (built): schema/ is two or three levels up.
const SCHEMA_DIR = ['../../schema/', '../../../schema/'].map((p) => fileURLToPath(new URL(p, import.meta.url))).find((d) => existsSync(`${d}crm.graphql`));

/** schema/<name>.graphql, the source of truth for composition and codegen. */
export function loadSdl(name: string): DocumentNode {
  if (!SCHEMA_DIR) throw new Error('schema/ not found next to the code; the schema/*.graphql files must ship with the build.');
  return parse(readFileSync(`${SCHEMA_DIR}${name}.graphql`, 'utf8'));
}
