import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

/**
 * A file or folder that ships next to the code (schema/, clients/, dist/sandbox/), found from
 * src/ when run with tsx and from dist/src/ when built. Undefined when it is not there.
 */
export function shippedPath(relative: string): string | undefined {
  return ['../../', '../../../'].map((up) => fileURLToPath(new URL(`${up}${relative}`, import.meta.url))).find((p) => existsSync(p));
}
