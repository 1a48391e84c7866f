import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Registry } from 'prom-client';
import { createLocalCaches, registerLocalCacheMetrics } from '../../../../src/platform/local-cache.js';
import { createUpstreamPolicy } from '../../../../src/platform/upstream.js';
import { createFilesConnector } from '../../../../src/vendors/s3/connector.js';

const gauge = async (registry: Registry, name: string) =>
  (await registry.getMetricsAsJSON()).find((x) => x.name === name)?.values.find((v) => v.labels.cache === 'presigned_urls')?.value;

// Presigning is local (no request is sent), so no S3 is needed: the endpoint is never called.
const connector = (presignedCacheMaxBytes: number) => {
  const caches = createLocalCaches();
  const registry = new Registry();
  registerLocalCacheMetrics(registry, caches);
  const files = createFilesConnector({
    bucket: 'portico-test',
    region: 'us-east-1',
    endpoint: 'http://127.0.0.1:9',
    forcePathStyle: true,
    accessKeyId: 'AKIATEST',
    secretAccessKey: 'test-secret',
    presignTtlS: 300,
    presignedCacheMaxBytes,
    uploadTtlS: 300,
    uploadMaxBytes: 1024,
    policy: createUpstreamPolicy({ system: 'files' }),
    caches,
  });
  return { files, registry };
};

test('presigned download URLs are reused within their byte bound, per object and file name, and reported in /metrics', async (t) => {
  const { files, registry } = connector(4096);
  t.after(() => files.close());
  const a = await files.downloadUrl('customers/1001/a.pdf', 'a.pdf');
  assert.equal(await files.downloadUrl('customers/1001/a.pdf', 'a.pdf'), a);
  // The file name is signed into the URL: another name is another URL.
  const renamed = await files.downloadUrl('customers/1001/a.pdf', 'invoice.pdf');
  assert.notEqual(renamed, a);
  assert.match(decodeURIComponent(renamed), /filename="invoice.pdf"/);
  assert.equal(await gauge(registry, 'portico_local_cache_entries'), 2);
  for (let i = 0; i < 50; i++) await files.downloadUrl(`customers/1001/${i}.pdf`, `${i}.pdf`);
  const bytes = (await gauge(registry, 'portico_local_cache_bytes'))!;
  const entries = (await gauge(registry, 'portico_local_cache_entries'))!;
  assert.ok(bytes <= 4096, `${bytes} bytes held, bound 4096`);
  assert.ok(entries >= 1 && entries < 50, `${entries} entries kept`);
  assert.equal(await gauge(registry, 'portico_local_cache_max_bytes'), 4096);
});

test('S3_PRESIGNED_CACHE_MAX_BYTES=0 keeps no URL', async (t) => {
  const { files, registry } = connector(0);
  t.after(() => files.close());
  await files.downloadUrl('customers/1001/a.pdf', 'a.pdf');
  await files.downloadUrl('customers/1001/a.pdf', 'a.pdf');
  assert.equal(await gauge(registry, 'portico_local_cache_entries'), 0);
});
