import { readFileSync } from 'node:fs';
import { parse, type DocumentNode } from 'graphql';
import { shippedPath } from '../platform/shipped.js';

/** schema/<name>.graphql, the source of truth for composition and codegen. */
export function loadSdl(name: string): DocumentNode {
  const file = shippedPath(`schema/${name}.graphql`);
  if (!file) throw new Error(`schema/${name}.graphql not found next to the code; the schema/*.graphql files must ship with the build.`);
  return parse(readFileSync(file, 'utf8'));
}
