/** OpenTelemetry tracing: off unless an OTLP endpoint is set. */
import { z } from 'zod';
import { section } from './vars.js';

export interface TracingConfig {
  /** OpenTelemetry tracing; off when `tracesUrl` is unset. */
  tracing: {
    tracesUrl?: string;
    protocol: 'http/json' | 'http/protobuf';
    headers: Record<string, string>;
    serviceName: string;
    sampleRatio: number;
  };
}

export const tracing = section({
  vars: {
    OTEL_EXPORTER_OTLP_ENDPOINT: {
      schema: z.url(),
      example: 'http://otel-collector:4318',
      doc: 'OpenTelemetry collector (OTLP/HTTP base URL): traces go to `<url>/v1/traces`. Unset (with no `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) = tracing off, no SDK loaded.',
    },
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
      schema: z.url(),
      example: 'http://otel-collector:4318/v1/traces',
      doc: 'Full URL for traces, used as is (overrides `OTEL_EXPORTER_OTLP_ENDPOINT`).',
    },
    OTEL_EXPORTER_OTLP_PROTOCOL: {
      schema: z
        .enum(['http/protobuf', 'http/json'], {
          error: 'must be http/protobuf or http/json (gRPC export is not built in: collectors take OTLP/HTTP on port 4318)',
        })
        .prefault('http/protobuf'),
      example: 'http/json',
      doc: 'OTLP encoding of exported spans.',
    },
    OTEL_EXPORTER_OTLP_HEADERS: {
      schema: z.string().regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'must be key=value pairs, comma-separated'),
      example: 'x-honeycomb-team=YOUR_KEY',
      doc: "Headers sent with every export (key=value, comma-separated, values URL-encoded), e.g. a tracing vendor's API key. Never logged.",
      secret: (headers: string) => Object.values(parseOtlpHeaders(headers)),
    },
    OTEL_SERVICE_NAME: {
      schema: z.string().min(1).prefault('portico'),
      example: 'portico-eu',
      doc: 'Service name on every span (`service.name`); `OTEL_RESOURCE_ATTRIBUTES` adds more resource attributes.',
    },
    OTEL_TRACES_SAMPLER_ARG: {
      schema: z.coerce.number().min(0).max(1).prefault('1'),
      example: '0.1',
      doc: "Share of new traces recorded (sampler `parentbased_traceidratio`: a client's `traceparent` sampled flag is followed).",
    },
  },
  build: (v): TracingConfig => ({
    tracing: {
      tracesUrl:
        v.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
        (v.OTEL_EXPORTER_OTLP_ENDPOINT ? `${v.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined),
      protocol: v.OTEL_EXPORTER_OTLP_PROTOCOL,
      headers: parseOtlpHeaders(v.OTEL_EXPORTER_OTLP_HEADERS),
      serviceName: v.OTEL_SERVICE_NAME,
      sampleRatio: v.OTEL_TRACES_SAMPLER_ARG,
    },
  }),
});

/** `k1=v1,k2=v2` with URL-encoded values, as the OpenTelemetry specification defines OTEL_EXPORTER_OTLP_HEADERS. */
export function parseOtlpHeaders(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',').filter((p) => p.trim())) {
    const i = pair.indexOf('=');
    const raw = pair.slice(i + 1).trim();
    try {
      out[pair.slice(0, i).trim()] = decodeURIComponent(raw);
    } catch {
      out[pair.slice(0, i).trim()] = raw;
    }
  }
  return out;
}
