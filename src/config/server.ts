/** The process: environment, where it listens, what it logs, the sandbox page. */
import { z } from 'zod';
import { bool, int, section } from './vars.js';

export interface ServerConfig {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  logLevel: string;
  sandbox: boolean;
  /** V8's --heap-growing-percent, set by the process entries (platform/heap.ts); 0 = V8's own growth. */
  heapGrowingPercent: number;
}

export const server = section({
  vars: {
    NODE_ENV: {
      schema: z.enum(['development', 'test', 'production']).prefault('development'),
      example: 'production',
      doc: 'Environment. `production` refuses insecure settings.',
    },
    HOST: { schema: z.string().min(1).prefault('127.0.0.1'), example: '0.0.0.0', doc: 'Interface to listen on.' },
    PORT: { schema: int(0, 65535).prefault('4000'), example: '4000', doc: 'Port to listen on (0 = any free port).' },
    LOG_LEVEL: {
      schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).prefault('info'),
      example: 'info',
      doc: 'Log level (pino).',
    },
    SANDBOX: {
      schema: bool.prefault('false'),
      example: 'true',
      doc: 'Serve the GraphiQL sandbox at /sandbox. Default on outside production; in production it has no persona picker and every call needs a token.',
      dev: 'true',
    },
    PORTICO_CONFIG: {
      schema: z.string().min(1),
      example: './deploy/portico.config.js',
      doc: 'Path of the typed configuration file (`defineConfig`). Default: `portico.config.ts` at the repository root when running from source, `dist/portico.config.js` when running the build; absent = environment only. Environment variables override its keys.',
    },
    HEAP_GROWING_PERCENT: {
      schema: int(0, 400).prefault('50'),
      example: '50',
      doc: "How much V8 lets the heap grow past the live data before its next full collection (V8's `--heap-growing-percent`, set by `npm start`, `npm run start:prod` and `npm run worker` at start). 0 = V8's own factor (up to 4x under load). Lower = lower peak RSS for more collector CPU. Two A/B runs of `npm run bench -- --duration 15` on 2026-12-07: peak RSS 546-982 MiB at 0, 351-527 MiB at 50, req/s within the runs' noise (docs/benchmarks.md).",
    },
  },
  build: (v): ServerConfig => ({
    env: v.NODE_ENV,
    host: v.HOST,
    port: v.PORT,
    logLevel: v.LOG_LEVEL,
    sandbox: v.SANDBOX,
    heapGrowingPercent: v.HEAP_GROWING_PERCENT,
  }),
});
