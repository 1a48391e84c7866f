/**
 * npm run build:sandbox: bundles the sandbox (GraphiQL, React, our page) into dist/sandbox/
 * with esbuild. Everything the page loads comes from the gateway's own origin.
 */
import { build } from 'esbuild';
import { fileURLToPath } from 'node:url';

const out = fileURLToPath(new URL('../dist/sandbox/', import.meta.url));
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
console.log(`Built the sandbox into dist/sandbox/ in ${Date.now() - t0} ms.`);
