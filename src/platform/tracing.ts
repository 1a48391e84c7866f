/**
 * OpenTelemetry tracing. Code everywhere creates spans through `@opentelemetry/api`; they record
 * only when `startTracing` has registered the SDK, which it does only when an OTLP endpoint is
 * configured (OTEL_EXPORTER_OTLP_ENDPOINT / OTEL_EXPORTER_OTLP_TRACES_ENDPOINT). Without one no SDK
 * is loaded and every span is the API's non-recording no-op.
 *
 * Spans: the HTTP request (SERVER, W3C `traceparent` from the client honoured), each subgraph
 * fetch, each entity-cache read (hits, misses) and each upstream HTTP attempt (CLIENT: system,
 * route, status, attempt), with `traceparent` sent to remote subgraphs and vendors.
 */
import {
  context,
  propagation,
  ROOT_CONTEXT,
  SpanKind,
  SpanStatusCode,
  trace,
  type Attributes,
  type Context,
  type Span,
  type TextMapSetter,
} from '@opentelemetry/api';
import type { Logger } from './logger.js';

export const TRACER_NAME = 'portico';
export const tracer = () => trace.getTracer(TRACER_NAME);

export interface TracingConfig {
  /** OTLP/HTTP URL of the traces signal (…/v1/traces); tracing is off when unset. */
  tracesUrl?: string;
  protocol: 'http/json' | 'http/protobuf';
  /** Extra export headers (OTEL_EXPORTER_OTLP_HEADERS), e.g. a vendor's API key. */
  headers: Record<string, string>;
  serviceName: string;
  /** Share of new traces recorded (a parent's decision is always followed). @default 1 */
  sampleRatio: number;
}

export interface Tracing {
  readonly enabled: boolean;
  /** Exports the spans still buffered (tests; shutdown). */
  flush(): Promise<void>;
  shutdown(): Promise<void>;
}

const OFF: Tracing = { enabled: false, flush: () => Promise.resolve(), shutdown: () => Promise.resolve() };

/**
 * The OpenTelemetry API is process-global: one SDK per process. A second app in the same process
 * (tests) keeps using the first one's; it is released on shutdown so a later app can start its own.
 */
let active: Tracing | undefined;

/**
 * Starts the OpenTelemetry trace SDK (`@opentelemetry/sdk-trace` with the AsyncLocalStorage context
 * manager, W3C trace context and baggage propagation, batched OTLP/HTTP export) when a traces URL
 * is configured. Resource
 * detection reads only the environment (OTEL_RESOURCE_ATTRIBUTES), the process and the host: no
 * cloud detector, which would probe metadata servers over the network at start-up.
 */
export async function startTracing(cfg: TracingConfig, logger: Logger, version?: string): Promise<Tracing> {
  if (!cfg.tracesUrl) return OFF;
  if (active) {
    logger.warn('OpenTelemetry is already started in this process; this app shares it');
    return { enabled: true, flush: () => active?.flush() ?? Promise.resolve(), shutdown: () => Promise.resolve() };
  }
  const [sdk, { AsyncLocalStorageContextManager }, core, res] = await Promise.all([
    import('@opentelemetry/sdk-trace'),
    import('@opentelemetry/context-async-hooks'),
    import('@opentelemetry/core'),
    import('@opentelemetry/resources'),
  ]);
  const exporterOptions = { url: cfg.tracesUrl, headers: cfg.headers };
  const exporter =
    cfg.protocol === 'http/json'
      ? new (await import('@opentelemetry/exporter-trace-otlp-http')).OTLPTraceExporter(exporterOptions)
      : new (await import('@opentelemetry/exporter-trace-otlp-proto')).OTLPTraceExporter(exporterOptions);
  const detected = res.detectResources({ detectors: [res.envDetector, res.processDetector, res.hostDetector] });
  const resource = detected.merge(
    res.resourceFromAttributes({ 'service.name': cfg.serviceName, ...(version ? { 'service.version': version } : {}) }),
  );
  const provider = new sdk.TracerProvider({
    resource,
    sampler: new sdk.ParentBasedSampler({ root: new sdk.TraceIdRatioBasedSampler(cfg.sampleRatio) }),
    spanProcessors: [new sdk.BatchSpanProcessor({ exporter, scheduledDelayMillis: 1000 })],
  });
  // What NodeTracerProvider.register() does: async context across awaits, W3C trace context and baggage.
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  propagation.setGlobalPropagator(
    new core.CompositePropagator({ propagators: [new core.W3CTraceContextPropagator(), new core.W3CBaggagePropagator()] }),
  );
  trace.setGlobalTracerProvider(provider);
  const shown = new URL(cfg.tracesUrl);
  logger.info(
    { url: `${shown.origin}${shown.pathname}`, protocol: cfg.protocol, service: cfg.serviceName, sampleRatio: cfg.sampleRatio },
    'OpenTelemetry tracing on',
  );
  const tracing: Tracing = {
    enabled: true,
    flush: () => provider.forceFlush(),
    async shutdown() {
      if (active !== tracing) return;
      active = undefined;
      await provider.shutdown().catch((err: Error) => logger.warn({ err: err.message }, 'could not export the last spans'));
      trace.disable();
      context.disable();
      propagation.disable();
    },
  };
  active = tracing;
  return tracing;
}

/** Runs `fn` inside a new active span; ends it, and marks it failed when `fn` throws. */
export async function withSpan<T>(
  name: string,
  options: { kind?: SpanKind; attributes?: Attributes; parent?: Context },
  fn: (span: Span) => Promise<T>,
): Promise<T> {
  const parent = options.parent ?? context.active();
  const span = tracer().startSpan(name, { kind: options.kind ?? SpanKind.INTERNAL, attributes: options.attributes }, parent);
  try {
    return await context.with(trace.setSpan(parent, span), () => fn(span));
  } catch (err) {
    failSpan(span, err);
    throw err;
  } finally {
    span.end();
  }
}

export function failSpan(span: Span, err: unknown): void {
  if (!span.isRecording()) return;
  const e = err as { name?: string; message?: string; extensions?: { code?: unknown } };
  span.setStatus({ code: SpanStatusCode.ERROR, message: e?.message });
  span.setAttribute('error.type', typeof e?.extensions?.code === 'string' ? e.extensions.code : (e?.name ?? 'Error'));
}

const headerSetter: TextMapSetter<Record<string, string>> = {
  set: (carrier, key, value) => void (carrier[key] = value),
};

/** Adds `traceparent` (and `tracestate`, `baggage`) of the active span to outgoing headers. */
export function injectTraceHeaders(headers: Record<string, string>, ctx: Context = context.active()): Record<string, string> {
  propagation.inject(ctx, headers, headerSetter);
  return headers;
}

/** The parent context a client sent (`traceparent`), or the root context. */
export function extractTraceContext(headers: Record<string, string | string[] | undefined>): Context {
  return propagation.extract(ROOT_CONTEXT, headers, {
    keys: (c) => Object.keys(c),
    get: (c, k) => c[k],
  });
}

export { context, SpanKind, SpanStatusCode, trace, type Span };

type GetMany = <T>(keys: readonly string[], ttlS: number, load: (missing: string[]) => Promise<Map<string, T>>) => Promise<(T | null)[]>;

/**
 * The entity cache's batch read with a span (`cache.get <system>.<type>`, from the named key
 * `<prefix>:<system>:<type>:...`) saying how many keys were asked, found (hits) and loaded from the
 * upstream (misses); the upstream calls of the misses are its children.
 */
export function traceCacheReads(getMany: GetMany): GetMany {
  return <T>(keys: readonly string[], ttlS: number, load: (missing: string[]) => Promise<Map<string, T>>) => {
    if (!trace.getActiveSpan()?.isRecording()) return getMany(keys, ttlS, load);
    const [, system = 'unknown', type = 'unknown'] = (keys[0] ?? '').split(':');
    const attributes = { 'portico.cache.system': system, 'portico.cache.type': type, 'portico.cache.keys': keys.length };
    return withSpan(`cache.get ${system}.${type}`, { attributes }, async (span) => {
      let misses = 0;
      const out = await getMany(keys, ttlS, (missing) => {
        misses = missing.length;
        return load(missing);
      });
      span.setAttributes({
        'portico.cache.hits': keys.length - misses,
        'portico.cache.misses': misses,
        'portico.cache.result': misses === 0 ? 'hit' : misses === keys.length ? 'miss' : 'partial',
      });
      return out;
    });
  };
}
