/**
 * One span per upstream HTTP attempt, added at the single place where each client sends: the
 * undici call in `http.ts` (HubSpot, Zendesk), the Stripe SDK's HTTP client and the AWS SDK's
 * middleware stack (S3). Each attempt is also counted for the request's access log line, and
 * carries the active trace context (`traceparent`) to the vendor.
 *
 * Span: `<METHOD> <route>`, kind CLIENT, with `portico.upstream.system`, `portico.upstream.route`,
 * `portico.upstream.attempt` (1 = first try), `http.request.method`, `http.request.resend_count`,
 * `server.address`, `server.port`, `http.response.status_code` and `error.type` on failure. No
 * URL, query or body is recorded: they carry customer emails and ids.
 */
import { context, createContextKey, SpanKind, SpanStatusCode, trace, type Span } from '@opentelemetry/api';
import { countUpstream } from './request-stats.js';
import { failSpan, injectTraceHeaders, tracer } from './tracing.js';

export interface AttemptInfo {
  system: string;
  /** Low-cardinality name of the call, e.g. 'contacts.search'. */
  route: string;
  method: string;
  /** 0 for the first try, 1 for the first retry... */
  resendCount: number;
  host?: string;
  port?: number | string;
}

function startAttempt(info: AttemptInfo): Span {
  countUpstream(info.system);
  return tracer().startSpan(`${info.method} ${info.route}`, {
    kind: SpanKind.CLIENT,
    attributes: {
      'portico.upstream.system': info.system,
      'portico.upstream.route': info.route,
      'portico.upstream.attempt': info.resendCount + 1,
      'http.request.method': info.method,
      ...(info.resendCount > 0 ? { 'http.request.resend_count': info.resendCount } : {}),
      ...(info.host ? { 'server.address': info.host } : {}),
      ...(info.port ? { 'server.port': Number(info.port) } : {}),
    },
  });
}

function endAttempt(span: Span, status: number | undefined, err?: unknown): void {
  if (span.isRecording()) {
    if (status !== undefined) span.setAttribute('http.response.status_code', status);
    if (err !== undefined) failSpan(span, err);
    // Per the HTTP semantic conventions a client span fails on 4xx and 5xx answers.
    else if (status !== undefined && status >= 400) {
      span.setStatus({ code: SpanStatusCode.ERROR });
      span.setAttribute('error.type', String(status));
    }
  }
  span.end();
}

/**
 * Wraps one attempt made with undici (or any client answering `{ statusCode }`): `send` gets the
 * headers to use, with the trace context added when tracing records.
 */
export async function traceAttempt<R extends { statusCode: number }>(
  info: AttemptInfo,
  headers: Record<string, string>,
  send: (headers: Record<string, string>) => Promise<R>,
): Promise<R> {
  const span = startAttempt(info);
  if (!span.isRecording()) {
    try {
      return await send(headers);
    } finally {
      span.end();
    }
  }
  const ctx = trace.setSpan(context.active(), span);
  try {
    const res = await context.with(ctx, () => send(injectTraceHeaders({ ...headers }, ctx)));
    endAttempt(span, res.statusCode);
    return res;
  } catch (err) {
    endAttempt(span, undefined, err);
    throw err;
  }
}

const ATTEMPT = createContextKey('portico.upstream.attempt');

/**
 * The upstream policy (platform/upstream.ts) runs each try of a call inside this, so an SDK's
 * attempt span is numbered by the policy's retries (the SDKs' own retries are off). Costs nothing
 * when tracing is off.
 */
export function withAttemptNumber<T>(n: number, fn: () => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()?.isRecording()) return fn();
  return context.with(context.active().setValue(ATTEMPT, n), fn);
}

/** The policy's try number (0 = first) of the attempt running now, if the policy set one. */
const policyAttempt = (): number | undefined => context.active().getValue(ATTEMPT) as number | undefined;

/** The logical call an SDK is making (route name, attempts so far), set around each SDK call. */
interface CallState {
  route: string;
  attempts: number;
}
const CALL = createContextKey('portico.upstream.call');

/**
 * Names the SDK call `fn` makes (its attempts are spans named after `route`, numbered). Costs
 * nothing when tracing is off.
 */
export function withUpstreamRoute<T>(route: string, fn: () => Promise<T>): Promise<T> {
  if (!trace.getActiveSpan()?.isRecording()) return fn();
  const state: CallState = { route, attempts: 0 };
  return context.with(context.active().setValue(CALL, state), fn);
}

/** `/v1/customers/cus_123/payment_methods?x` -> `/v1/customers/{id}/payment_methods` */
function pathTemplate(path: string): string {
  return path.split('?')[0].replace(/\/[a-z]+_[A-Za-z0-9]+(?=\/|$)/g, '/{id}');
}

/** The parts of the Stripe SDK's HttpClient (`Stripe.createNodeHttpClient()`) used here. */
export interface StripeHttpClientLike<Res extends { getStatusCode(): number }> {
  getClientName(): string;
  makeRequest(
    host: string,
    port: string,
    path: string,
    method: string,
    headers: Record<string, unknown>,
    data: string,
    protocol: string,
    timeout: number,
  ): Promise<Res>;
}

/** The Stripe SDK's HTTP client, with one span per attempt (the SDK retries by calling it again). */
export function traceStripeHttpClient<Res extends { getStatusCode(): number }, C extends StripeHttpClientLike<Res>>(
  inner: C,
  system: string,
): C {
  const traced: StripeHttpClientLike<Res> = {
    getClientName: () => inner.getClientName(),
    async makeRequest(host, port, path, method, headers, data, protocol, timeout) {
      const call = context.active().getValue(CALL) as CallState | undefined;
      const span = startAttempt({
        system,
        route: call?.route ?? pathTemplate(path),
        method,
        resendCount: policyAttempt() ?? (call ? call.attempts++ : 0),
        host,
        port,
      });
      if (!span.isRecording()) {
        span.end();
        return inner.makeRequest(host, port, path, method, headers, data, protocol, timeout);
      }
      const ctx = trace.setSpan(context.active(), span);
      const withTrace = injectTraceHeaders({}, ctx);
      try {
        const res = await context.with(ctx, () =>
          inner.makeRequest(host, port, path, method, { ...headers, ...withTrace }, data, protocol, timeout),
        );
        endAttempt(span, res.getStatusCode());
        return res;
      } catch (err) {
        endAttempt(span, undefined, err);
        throw err;
      }
    },
  };
  return Object.assign(Object.create(inner) as C, traced);
}

/** The parts of an AWS SDK v3 client's middleware stack used here (typed loosely on purpose: the SDK's own types are deep). */
interface AwsRequest {
  method?: string;
  hostname?: string;
  port?: number;
  headers: Record<string, string>;
}
interface AwsMiddlewareStack {
  add(middleware: unknown, options: { step: 'finalizeRequest'; priority: 'low'; name: string; override: boolean }): void;
}
type AwsNext = (args: { request: unknown }) => Promise<{ response: unknown }>;

/**
 * One span per attempt of an AWS SDK client (S3): a middleware at the end of `finalizeRequest`,
 * after the SDK's retry and signing middlewares, so it runs once per attempt with the final
 * request. The attempt number is the SDK's own `amz-sdk-request: attempt=N` header.
 */
export function traceAwsClient(client: { middlewareStack: AwsMiddlewareStack }, system: string): void {
  const middleware = (next: AwsNext, ctx: { commandName?: string }) => async (args: { request: unknown }) => {
    const req = args.request as AwsRequest;
    const tried = policyAttempt();
    const attempt = tried !== undefined ? tried + 1 : Number(/attempt=(\d+)/.exec(req.headers?.['amz-sdk-request'] ?? '')?.[1] ?? 1);
    const route = (ctx.commandName ?? 'call').replace(/Command$/, '');
    const span = startAttempt({ system, route, method: req.method ?? 'GET', resendCount: attempt - 1, host: req.hostname, port: req.port });
    if (!span.isRecording()) {
      span.end();
      return next(args);
    }
    injectTraceHeaders(req.headers, trace.setSpan(context.active(), span));
    try {
      const out = await next(args);
      endAttempt(span, (out.response as { statusCode?: number }).statusCode);
      return out;
    } catch (err) {
      const e = err as { $metadata?: { httpStatusCode?: number }; $response?: { statusCode?: number } };
      endAttempt(span, e.$metadata?.httpStatusCode ?? e.$response?.statusCode, err);
      throw err;
    }
  };
  client.middlewareStack.add(middleware, { step: 'finalizeRequest', priority: 'low', name: 'porticoTraceAttempt', override: true });
}
