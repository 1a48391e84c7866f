/**
 * Unhandled rejections and uncaught exceptions stay fatal (each is a bug: some promise nobody
 * awaits, a state nobody expected), but the process says so before it goes: the fault is counted
 * (`portico_fatal_errors_total`), logged once with the request it happened in (Node runs the
 * `unhandledRejection` listener in the rejected promise's async context, so the request's
 * AsyncLocalStorage is there) and with where it was thrown (one frame, never the stack or the
 * error's fields, which may hold upstream data), then the process drains (`shutdown`: requests in
 * flight are answered) and exits with status 1 for the supervisor to restart it.
 */
import type { Counter } from 'prom-client';
import { currentRequestStats } from './request-stats.js';
import type { Logger } from './logger.js';

export interface FatalHandlerOptions {
  logger: Logger;
  counter?: Counter<'kind'>;
  /** Drains and exits the process (with the exit code already set to 1). */
  shutdown(reason: string): void;
}

/** The first frame of an error's stack inside our own code (or the first at all): `src/x.ts:12:5`. */
export function throwSite(err: unknown): string | undefined {
  const stack = err instanceof Error ? err.stack : undefined;
  if (!stack) return undefined;
  const frames = stack
    .split('\n')
    .slice(1)
    .map((l) => /\(?((?:file:\/\/)?\/[^()\s]+:\d+:\d+)\)?\s*$/.exec(l.trim())?.[1])
    .filter((f): f is string => !!f);
  const ours = frames.find((f) => !f.includes('/node_modules/') && !f.startsWith('node:')) ?? frames[0];
  return ours?.replace(/^file:\/\//, '').replace(`${process.cwd()}/`, '');
}

export function installFatalHandlers(o: FatalHandlerOptions): () => void {
  let fired = false;
  const fatal = (kind: 'unhandled_rejection' | 'uncaught_exception') => (err: unknown) => {
    o.counter?.inc({ kind });
    const e = err as { name?: unknown; message?: unknown; extensions?: { code?: unknown } } | null;
    o.logger.fatal(
      {
        kind,
        requestId: currentRequestStats()?.requestId ?? null,
        // Not `err`: pino's error serializer would add the stack.
        fault: {
          name: typeof e?.name === 'string' ? e.name : typeof err,
          message: typeof e?.message === 'string' ? e.message : String(err),
          code: typeof e?.extensions?.code === 'string' ? e.extensions.code : undefined,
          at: throwSite(err),
        },
      },
      `${kind === 'unhandled_rejection' ? 'unhandled promise rejection' : 'uncaught exception'}: a bug in Portico; draining and exiting (status 1)`,
    );
    if (fired) return;
    fired = true;
    process.exitCode = 1;
    o.shutdown(kind);
  };
  const onRejection = fatal('unhandled_rejection');
  const onException = fatal('uncaught_exception');
  process.on('unhandledRejection', onRejection);
  process.on('uncaughtException', onException);
  return () => {
    process.off('unhandledRejection', onRejection);
    process.off('uncaughtException', onException);
  };
}
