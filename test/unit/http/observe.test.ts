import assert from 'node:assert/strict';
import { test } from 'node:test';
import { configSecrets, createRedactor } from '../../../src/http/observe.js';
import { loadConfig } from '../../../src/config/index.js';

test('the redactor removes configured secrets and anything shaped like a token or credential header', () => {
  const redact = createRedactor(['a-very-secret-value-123', 'short', undefined]);
  const jwt = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMDAxIn0.c2lnbmF0dXJlLXZhbHVl';
  const text = [
    'failed with a-very-secret-value-123 inside',
    `authorization: Bearer ${jwt}`,
    'Authorization: Basic YXBpQGFjbWUuY29tL3Rva2VuOnh5eg==',
    `token ${jwt} in a URL`,
    'x-portico-claims: eyJwIjoxfQ.c2ln',
    'key sk_live_51Habcdef and pat-na1-11111111-2222',
    'short stays, basic idea stays',
  ].join('\n');
  const out = redact(text);
  assert.equal(
    out,
    [
      'failed with [redacted] inside',
      'authorization: [redacted] [redacted]',
      'Authorization: [redacted] [redacted]',
      'token [redacted] in a URL',
      'x-portico-claims: [redacted]',
      'key [redacted] and [redacted]',
      'short stays, basic idea stays',
    ].join('\n'),
  );
});

test('configSecrets lists every secret value of a configuration, including the Redis password and OTLP headers', () => {
  const config = loadConfig({
    NODE_ENV: 'test',
    SIMULATORS: 'true',
    REDIS_URL: 'redis://:p%40ssword-123@localhost:6379/0',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://127.0.0.1:4318',
    OTEL_EXPORTER_OTLP_HEADERS: 'x-honeycomb-team=hc-secret-key-1,x-other=a%20b',
  });
  const secrets = configSecrets(config);
  for (const s of [config.auth.secret, config.auth.partnerSecret, config.subgraphs.signingSecret, 'p@ssword-123', 'hc-secret-key-1'])
    assert.ok(secrets.includes(s!), `${s} listed`);
  assert.equal(config.tracing.tracesUrl, 'http://127.0.0.1:4318/v1/traces');
  assert.deepEqual(config.tracing.headers, { 'x-honeycomb-team': 'hc-secret-key-1', 'x-other': 'a b' });
});

test('tracing is off without an endpoint; the protocol and sampler are checked', () => {
  assert.equal(loadConfig({ NODE_ENV: 'test', SIMULATORS: 'true' }).tracing.tracesUrl, undefined);
  const t = loadConfig({
    NODE_ENV: 'test',
    SIMULATORS: 'true',
    OTEL_EXPORTER_OTLP_ENDPOINT: 'http://c:4318/',
    OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: 'http://d:4318/custom',
  }).tracing;
  assert.equal(t.tracesUrl, 'http://d:4318/custom');
  assert.equal(t.protocol, 'http/protobuf');
  assert.throws(
    () => loadConfig({ NODE_ENV: 'test', SIMULATORS: 'true', OTEL_EXPORTER_OTLP_PROTOCOL: 'grpc' }),
    /OTEL_EXPORTER_OTLP_PROTOCOL="grpc": must be http\/protobuf or http\/json.*Example: OTEL_EXPORTER_OTLP_PROTOCOL=http\/json/s,
  );
  assert.throws(() => loadConfig({ NODE_ENV: 'test', SIMULATORS: 'true', OTEL_TRACES_SAMPLER_ARG: '2' }), /OTEL_TRACES_SAMPLER_ARG/);
});
