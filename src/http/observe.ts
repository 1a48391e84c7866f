/**
 * What operators see of each request: the request's SERVER span (continuing the client's W3C
 * `traceparent`), one structured access log line when the response is sent, and every error
 * that `formatError` masks as INTERNAL_SERVER_ERROR logged once with the request id and the
 * original message and stack, secrets redacted.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { GraphQLError } from 'graphql';
import type { RequestContext } from '../auth/context.js';
import type { Config } from '../config/index.js';
import { ErrorCode, formatError } from '../errors/index.js';
import { subgraphOfError } from '../gateway/in-process.js';
import type { Logger } from '../platform/logger.js';
import type { Metrics } from '../platform/metrics.js';
import { currentRequestStats, newRequestStats, runWithRequestStats, type RequestStats } from '../platform/request-stats.js';
import { context, extractTraceContext, SpanKind, SpanStatusCode, trace, tracer, type Span } from '../platform/tracing.js';
import type { Context } from '@opentelemetry/api';

declare module 'fastify' {
  interface FastifyRequest {
    observed: { stats: RequestStats; span: Span; ctx: Context } | null;
  }
}

/** Probes and scrapes are not requests anyone needs a log line for. */
const QUIET = new Set(['/healthz', '/readyz', '/metrics']);

export type Redact = (text: string) => string;

/** Token shapes and credential-carrying headers, whatever their value: [pattern, replacement]. */
const TOKEN_PATTERNS: [RegExp, string][] = [
  [/\b(Bearer|Basic)\s+[A-Za-z0-9._~+/=-]{8,}/g, '$1 [redacted]'], // authorization header values
  [/\b(authorization|cookie|x-portico-claims|x-api-key)(["']?\s*[:=]\s*["']?)[^\s"',;<>]+/gi, '$1$2[redacted]'], // header dumps
  [/\beyJ[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]{5,}\.[A-Za-z0-9_-]*/g, '[redacted]'], // JWTs (user and partner tokens)
  [/\b(sk|rk)_(live|test)_[A-Za-z0-9]+/g, '[redacted]'], // Stripe keys
  [/\bpat-[a-z0-9]+-[A-Za-z0-9-]+/g, '[redacted]'], // HubSpot private app tokens
];

/**
 * Replaces every known secret value (from the configuration) and anything shaped like a token or
 * a credential header with `[redacted]`. Values shorter than 8 characters are not secrets worth
 * the false positives.
 */
export function createRedactor(secrets: readonly (string | undefined)[]): Redact {
  const values = [...new Set(secrets.filter((s): s is string => typeof s === 'string' && s.length >= 8))].sort(
    (a, b) => b.length - a.length,
  );
  return (text) => {
    let out = text;
    for (const v of values) out = out.split(v).join('[redacted]');
    for (const [pattern, replacement] of TOKEN_PATTERNS) out = out.replace(pattern, replacement);
    return out;
  };
}

/**
 * The secret values of a configuration: never in a log line. They are the variables declared with
 * `secret` (src/config/*.ts, src/vendors/<vendor>/config.ts), collected by `loadConfig`.
 */
export function configSecrets(config: Readonly<Config>): string[] {
  return [...config.secrets];
}

export interface ObserveOptions {
  /** Name of the principal for the access log (the gateway's verified principal; absent on subgraph services). */
  principalOf?: (req: FastifyRequest) => Record<string, unknown>;
  /** Counts responses by route and status. */
  metrics?: Pick<Metrics, 'httpRequests'>;
}

/**
 * Fastify hooks: the request span starts at `onRequest`; the request's counters and trace context
 * are entered at the first `preHandler` (after the body is read: events of the body stream do not
 * run in the request's async context) so the route and everything it calls sees them; the span
 * ends and the access line is written at `onResponse`.
 */
export function registerObservability(fastify: FastifyInstance, o: ObserveOptions = {}): void {
  (fastify.decorateRequest as (name: string, value: unknown) => void)('observed', null);
  fastify.addHook('onRequest', (req, _reply, done) => {
    const path = req.url.split('?')[0];
    const parent = extractTraceContext(req.headers);
    const span = tracer().startSpan(
      `${req.method} ${req.routeOptions.url ?? path}`,
      {
        kind: SpanKind.SERVER,
        attributes: {
          'http.request.method': req.method,
          'url.path': path,
          ...(req.routeOptions.url ? { 'http.route': req.routeOptions.url } : {}),
          'portico.request_id': String(req.id),
          'client.address': req.ip,
          ...(req.headers['user-agent'] ? { 'user_agent.original': String(req.headers['user-agent']).slice(0, 200) } : {}),
        },
      },
      parent,
    );
    req.observed = { stats: newRequestStats(String(req.id)), span, ctx: trace.setSpan(parent, span) };
    done();
  });
  fastify.addHook('preHandler', (req, _reply, done) => {
    const obs = req.observed;
    if (!obs) return done();
    runWithRequestStats(obs.stats, () => context.with(obs.ctx, done));
  });
  fastify.addHook('onResponse', (req, reply, done) => {
    const obs = req.observed;
    if (!obs) return done();
    const status = reply.statusCode;
    const { span, stats } = obs;
    if (span.isRecording()) {
      span.setAttribute('http.response.status_code', status);
      if (stats.operation) span.setAttribute('graphql.operation.name', stats.operation);
      if (stats.operationType) span.setAttribute('graphql.operation.type', stats.operationType);
      if (status >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
    }
    span.end();
    const path = req.url.split('?')[0];
    if (!QUIET.has(path)) {
      o.metrics?.httpRequests.inc({ route: req.routeOptions.url ?? 'unmatched', status: String(status) });
      accessLog(req, reply, stats, span, o);
    }
    done();
  });
}

function accessLog(req: FastifyRequest, reply: FastifyReply, stats: RequestStats, span: Span, o: ObserveOptions) {
  const upstreamCalls = Object.values(stats.upstream).reduce((a, b) => a + b, 0);
  const spanContext = span.spanContext();
  req.log.info(
    {
      method: req.method,
      path: req.routeOptions.url ?? req.url.split('?')[0],
      status: reply.statusCode,
      durationMs: Math.round(reply.elapsedTime * 10) / 10,
      ...(stats.operation !== undefined ? { operation: stats.operation, operationType: stats.operationType } : {}),
      ...(o.principalOf ? o.principalOf(req) : {}),
      upstreamCalls,
      upstream: stats.upstream,
      cache: stats.cache,
      ...(span.isRecording() ? { traceId: spanContext.traceId } : {}),
    },
    'request',
  );
}

/** The access log's view of a gateway principal: its kind, and roles or partner id (never a token). */
export function principalFields(req: FastifyRequest): Record<string, unknown> {
  const p = req.principal;
  if (!p) return { principal: 'none' };
  if (p.kind === 'user') return { principal: 'user', roles: p.roles };
  if (p.kind === 'partner') return { principal: 'partner', partnerId: p.partnerId };
  return { principal: p.kind };
}

/** Would `formatError` mask this error? Apollo gives errors without a code INTERNAL_SERVER_ERROR before calling it. */
function isMasked(err: GraphQLError): boolean {
  const extensions = { ...err.extensions, code: err.extensions?.code ?? ErrorCode.INTERNAL_SERVER_ERROR };
  const formatted = formatError({ message: err.message, extensions }, err);
  return formatted.extensions?.code === ErrorCode.INTERNAL_SERVER_ERROR;
}

/** The error at the bottom of a chain of wrapped errors (the gateway wraps a subgraph's, which wraps the resolver's). */
function rootCause(err: unknown): unknown {
  let e = err;
  for (let i = 0; i < 10; i++) {
    const next = (e as { originalError?: unknown })?.originalError;
    if (!next) break;
    e = next;
  }
  return e;
}

/**
 * Apollo plugin: names the operation on the request's counters (and so the access log and
 * span), and logs every error the client will only see as INTERNAL_SERVER_ERROR: once, at error
 * level, with the request id (the request logger's binding), the path, the subgraph that raised
 * it, and the original message and stack with secrets redacted.
 */
export function observabilityPlugin(o: { logger: Logger; redact: Redact }): ApolloServerPlugin<RequestContext> {
  const logged = new WeakSet<object>();
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ operationName, operation }) {
          const stats = currentRequestStats();
          if (stats) {
            stats.operation = operationName ?? null;
            stats.operationType = operation?.operation;
          }
        },
        async didEncounterErrors({ errors, contextValue, request, operationName }) {
          const stats = currentRequestStats();
          if (stats && stats.operation === undefined && request.operationName) stats.operation = request.operationName.slice(0, 100);
          const log = contextValue?.logger ?? o.logger;
          for (const err of errors) {
            if (!isMasked(err)) continue;
            const root = rootCause(err);
            if (root && typeof root === 'object') {
              if (logged.has(root)) continue;
              logged.add(root);
            }
            const r = root as { name?: unknown; message?: unknown; stack?: unknown };
            const message = o.redact(String(r?.message ?? root));
            const stack = typeof r?.stack === 'string' ? o.redact(r.stack) : undefined;
            const type = typeof r?.name === 'string' && r.name !== 'Object' ? r.name : (/^(\w+):/.exec(stack ?? '')?.[1] ?? 'Error');
            const subgraph = err.extensions?.serviceName ?? subgraphOfError(root) ?? subgraphOfError(err);
            const operation = (operationName ?? request.operationName)?.slice(0, 100);
            log.error(
              {
                error: { type, message, ...(stack ? { stack } : {}) },
                ...(err.path ? { path: err.path.join('.') } : {}),
                ...(subgraph ? { subgraph } : {}),
                ...(operation ? { operation } : {}),
              },
              'internal error, answered as INTERNAL_SERVER_ERROR',
            );
            const span = trace.getActiveSpan();
            if (span?.isRecording())
              span.addEvent('exception', {
                'exception.type': type,
                'exception.message': message,
                ...(stack ? { 'exception.stacktrace': stack } : {}),
              });
          }
        },
      };
    },
  };
}
