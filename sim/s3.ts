/**
 * S3: s3rver (an S3-compatible server with SigV4 and presigned-URL checks, including expiry),
 * mounted inside our own HTTP server so request counters and fault knobs apply as for the
 * other simulators. Seeded objects are written straight into s3rver's store with their seeded
 * modification times.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import S3rver from 's3rver';
import { createFaultGate, type FaultOptions, type SimServer } from './common.js';
import type { SeedData } from './seed.js';

/** s3rver's built-in account. */
export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';

const xml = (code: string, message: string) => `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>sim</RequestId></Error>`;

function sendXml(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) {
  if (res.headersSent) return;
  const text = String(body);
  res.writeHead(status, { 'content-type': 'application/xml', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** The S3 operation a request is, for the counters (ListObjectsV2, GetObject, ...). */
function operation(method: string, url: URL): string {
  const parts = url.pathname.split('/').filter(Boolean);
  const hasKey = parts.length > 1;
  if (method === 'GET' && !hasKey) return url.searchParams.get('list-type') === '2' ? 'ListObjectsV2' : parts.length ? 'ListObjects' : 'ListBuckets';
  if (!hasKey) return `${method} /{bucket}`;
  return { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' }[method] ?? `${method} /{bucket}/{key}`;
}

export async function startS3Sim(o: { host: string; port: number; data: SeedData; dir?: string; faults?: FaultOptions }): Promise<SimServer> {
  const ownDir = !o.dir;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'portico-s3-'));
  const s3rver = new S3rver({ directory: dir, silent: true, configureBuckets: [{ name: o.data.bucket, configs: [] }] });
  await s3rver.configureBuckets();
  const store = (s3rver as unknown as { store: { getResourcePath(bucket: string, key: string, resource: string): string } }).store;
  for (const c of o.data.customers) {
    for (const d of c.documents) {
      const objectPath = store.getResourcePath(o.data.bucket, d.key, 'object');
      mkdirSync(dirname(objectPath), { recursive: true });
      writeFileSync(objectPath, d.body);
      writeFileSync(`${objectPath}.md5`, createHash('md5').update(d.body).digest('hex'));
      writeFileSync(store.getResourcePath(o.data.bucket, d.key, 'metadata.json'), JSON.stringify({ 'content-type': d.contentType }));
      const at = new Date(d.lastModified);
      utimesSync(objectPath, at, at);
    }
  }

  const gate = createFaultGate({ failure: (s) => xml(s === 503 ? 'ServiceUnavailable' : 'InternalError', 'Simulated failure'), rateLimited: () => xml('SlowDown', 'Please reduce your request rate.') }, sendXml);
  if (o.faults) gate.setFaults(o.faults);
  const handle = s3rver.callback();
  const server = createServer(async (req, res) => {
    gate.count(operation(req.method ?? 'GET', new URL(req.url ?? '/', 'http://sim')));
    if (await gate.gate(res)) return;
    handle(req, res);
  });
  await new Promise<void>((r) => server.listen(o.port, o.host, r));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${o.host}:${port}`,
    stats: gate.stats,
    resetStats: gate.reset,
    setFaults: gate.setFaults,
    close: () =>
      new Promise<void>((r) => {
        server.close(() => {
          if (ownDir) rmSync(dir, { recursive: true, force: true });
          r();
        });
        server.closeAllConnections();
      }),
  };
}
