/**
 * ESLint (flat config): typescript-eslint's type-aware recommended rules. `npm run lint`.
 *
 * TypeScript 7, our `tsc`, is the native compiler and ships no JavaScript compiler API, which
 * typed linting needs (typescript-eslint/typescript-eslint#10940). So lint runs on TypeScript 6's
 * API from Microsoft's side-by-side package `@typescript/typescript6`: every `require('typescript…')`
 * made while linting is pointed there. (The devDependency `@typescript/old` is TypeScript 7 under
 * that name: it keeps typescript6's own `@typescript/old`, TypeScript 6, nested, so the `tsc` in
 * node_modules/.bin stays TypeScript 7.) Drop both once typescript-eslint supports TypeScript 7.
 */
import js from '@eslint/js';
import Module from 'node:module';

const resolve = Module._resolveFilename;
Module._resolveFilename = function (request, ...rest) {
  const ts = request === 'typescript' || request.startsWith('typescript/');
  return resolve.call(this, ts ? `@typescript/typescript6${request.slice('typescript'.length)}` : request, ...rest);
};
const { default: tseslint } = await import('typescript-eslint');

export default tseslint.config(
  {
    ignores: [
      'dist/',
      '.test-build-*/',
      'node_modules/',
      'src/generated/',
      'clients/generated/',
      'sandbox/',
      '.ci/',
      'test/artifacts/',
      '*.config.js',
    ],
  },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
  {
    // node:test's test/describe/it/before/after return promises the runner itself awaits.
    rules: {
      '@typescript-eslint/no-floating-promises': [
        'error',
        {
          allowForKnownSafeCalls: [
            {
              from: 'package',
              package: 'node:test',
              name: ['test', 'describe', 'it', 'suite', 'before', 'after', 'beforeEach', 'afterEach'],
            },
          ],
        },
      ],
    },
  },
  {
    // `const { omitted: _o, ...rest } = x` drops a key on purpose.
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { ignoreRestSiblings: true, varsIgnorePattern: '^_', argsIgnorePattern: '^_' }],
    },
  },
  {
    // The simulators' (and tests' stub servers') node:http handlers are async and answer their own errors; node ignores the promise.
    files: ['sim/**', 'test/**'],
    rules: { '@typescript-eslint/no-misused-promises': ['error', { checksVoidReturn: { arguments: false } }] },
  },
  {
    // Tests read untyped JSON bodies and thrown errors and assert their exact shape: the assertions are the type check.
    files: ['test/**'],
    rules: Object.fromEntries(
      [
        'no-explicit-any',
        'no-unsafe-argument',
        'no-unsafe-assignment',
        'no-unsafe-call',
        'no-unsafe-member-access',
        'no-unsafe-return',
      ].map((r) => [`@typescript-eslint/${r}`, 'off']),
    ),
  },
  {
    // `async` here implements a Promise-returning contract (Apollo/Fastify hooks, stores, stubs): dropping it would turn a throw into a sync one.
    rules: { '@typescript-eslint/require-await': 'off' },
  },
);
