import { pino, type Logger } from 'pino';

export type { Logger };

/** Structured JSON logs. Secrets never reach a log line: auth headers and tokens are redacted. */
export function createLogger(opts: { level: string; name?: string }): Logger {
  return pino({
    name: opts.name ?? 'portico',
    level: opts.level,
    redact: {
      paths: ['req.headers.authorization', 'req.headers.cookie', 'headers.authorization', '*.token', '*.secret', '*.password', 'token'],
      censor: '[redacted]',
    },
  });
}
