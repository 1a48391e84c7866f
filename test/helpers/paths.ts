/**
 * The repository's own files (docs, manifests, dashboards), found from the test file whether it runs
 * from source (tsx) or compiled into .test-build-<pid>/ by `npm test`: the nearest folder above this
 * module that holds package.json.
 */
import { existsSync } from 'node:fs';

function findRoot(): URL {
  for (let dir = new URL('./', import.meta.url); ; dir = new URL('../', dir)) {
    if (existsSync(new URL('package.json', dir))) return dir;
    if (dir.pathname === '/') throw new Error('test/helpers/paths.ts: no package.json above this file');
  }
}

/** The repository root, as a file URL ending in "/". */
export const ROOT = findRoot();

/** A repository file, e.g. `repoUrl('clients/operations/')`. */
export const repoUrl = (relative: string): URL => new URL(relative, ROOT);
