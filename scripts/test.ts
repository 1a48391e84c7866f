/**
 * npm test [-- <test files>] [-- <node --test flags>]
 *
 * Runs the suite (every test/**\/*.test.ts, or the files named) with Node's test runner on plain
 * JavaScript: the TypeScript tree (src, sim, test, bench, scripts, clients) is first transpiled by
 * esbuild into .test-build-<pid>/, the same per-file transform tsx applies on the fly, in one pass of
 * about a second; the build is removed afterwards. Each test file runs in its own process, and under
 * tsx every one of them paid the loader again for each of the ~3,000 modules the app loads (2 to 5
 * CPU-seconds a file); compiled, the suite runs in about two thirds of the CPU time, and on what the
 * production image runs (compiled JavaScript, `node dist/src/main.js`), not the development loader.
 * Processes the tests start themselves (`src/main.ts`, the CLIs) still run from source with tsx,
 * as `npm start` and `npm run <cli>` do.
 *
 * Each run has its own build folder, so runs side by side in one checkout (.ci/run's two Node
 * versions and the Salesforce run) never read each other's half-written files. It sits at the
 * root, one level deep as dist/ is, so the files that ship next to the code (schema/, templates/,
 * clients/) are found from it as from dist/src/ (src/platform/shipped.ts).
 *
 * One test file from source, without this step: node --import tsx --test test/unit/x.test.ts
 */
import { spawn } from 'node:child_process';
import { existsSync, readdirSync, rmSync } from 'node:fs';
import { join, relative } from 'node:path';
import { buildSync } from 'esbuild';

const SOURCES = ['src', 'sim', 'test', 'bench', 'scripts', 'clients'];
const ROOT_FILES = ['portico.config.ts', 'portico.config.example.ts'];
const RUNNER_FLAGS = ['--test-concurrency=1', '--test-timeout=180000', '--test-reporter=spec'];

function tsFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => {
    const path = join(dir, e.name);
    if (e.isDirectory()) return e.name === 'node_modules' || e.name === 'artifacts' ? [] : tsFiles(path);
    return e.name.endsWith('.ts') && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

const args = process.argv.slice(2);
const flags = args.filter((a) => a.startsWith('--'));
const named = args.filter((a) => !a.startsWith('--'));
for (const file of named)
  if (!existsSync(file) || !file.endsWith('.test.ts')) {
    console.error(`npm test: ${file} is not a test file. Example: npm test -- test/unit/config/config.test.ts`);
    process.exit(2);
  }
const tests = named.length > 0 ? named : tsFiles('test').filter((f) => f.endsWith('.test.ts'));
tests.sort();

const out = `.test-build-${process.pid}`;
const remove = () => rmSync(out, { recursive: true, force: true });
try {
  buildSync({
    entryPoints: [...SOURCES.flatMap(tsFiles), ...ROOT_FILES.filter((f) => existsSync(f))],
    outdir: out,
    outbase: '.',
    format: 'esm',
    platform: 'node',
    target: 'node20',
    sourcemap: true,
    logLevel: 'error',
  });
} catch (err) {
  remove();
  console.error(
    `npm test: the TypeScript could not be transpiled (${(err as Error).message.split('\n')[0]}). Run npm run typecheck to see where.`,
  );
  process.exit(1);
}

const compiled = tests.map((f) => join(out, relative('.', f)).replace(/\.ts$/, '.js'));
const child = spawn(process.execPath, ['--enable-source-maps', '--test', ...RUNNER_FLAGS, ...flags, ...compiled], { stdio: 'inherit' });
for (const signal of ['SIGINT', 'SIGTERM'] as const) process.on(signal, () => child.kill(signal));
child.on('exit', (code, signal) => {
  remove();
  process.exit(code ?? (signal ? 1 : 0));
});
