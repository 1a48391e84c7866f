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
  { ignores: ['dist/', 'node_modules/', 'src/generated/', 'clients/generated/', 'sandbox/', '.ci/', 'test/artifacts/', '*.config.js'] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
  },
);
