/**
 * npm run build:sandbox: bundles the sandbox (GraphiQL, React, our page) into dist/sandbox/
 * with esbuild. Everything the page loads comes from the gateway's own origin.
 * `--if-changed` (what `npm start` runs) skips the build when the bundle was made from the same
 * inputs: the sandbox's own files and the locked dependency versions.
 */
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const here = fileURLToPath(new URL('./', import.meta.url));
const out = fileURLToPath(new URL('../dist/sandbox/', import.meta.url));
const stamp = `${out}.inputs-sha256`;
const inputs = [...readdirSync(here).sort().map((f) => `${here}${f}`), fileURLToPath(new URL('../package-lock.json', import.meta.url))];
const hash = createHash('sha256');
for (const f of inputs) hash.update(f).update(readFileSync(f));
const digest = hash.digest('hex');
if (process.argv.includes('--if-changed') && existsSync(`${out}sandbox.js`) && existsSync(stamp) && readFileSync(stamp, 'utf8') === digest) {
  console.log('The sandbox bundle in dist/sandbox/ is up to date.');
  process.exit(0);
}

const { build } = await import('esbuild');
const t0 = Date.now();
await build({
  entryPoints: [fileURLToPath(new URL('./app.tsx', import.meta.url))],
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  jsx: 'automatic',
  outdir: out,
  entryNames: 'sandbox',
  loader: { '.woff': 'file', '.woff2': 'file', '.ttf': 'file', '.svg': 'dataurl' },
  define: { 'process.env.NODE_ENV': '"production"' },
  logLevel: 'warning',
});
writeFileSync(stamp, digest);
console.log(`Built the sandbox into dist/sandbox/ in ${Date.now() - t0} ms.`);
