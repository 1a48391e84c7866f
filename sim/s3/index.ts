/**
 * S3: s3rver (an S3-compatible store) mounted inside our own HTTP server, so request counters and
 * fault knobs apply as for the other simulators. The wrapper does what s3rver does not: it
 * verifies SigV4 on header-signed requests (s3rver 3.7 accepts any V4 signature and anonymous
 * requests), verifies presigned URLs' signatures and expiry, decodes `aws-chunked` uploads (the
 * AWS SDK's default for stream bodies), and answers ListObjectsV2 from an index (s3rver stats the
 * whole bucket per listing). Seeded objects are written straight into s3rver's store with their
 * seeded modification times.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createRequire } from 'node:module';
import { crc32 } from 'node:zlib';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { SignatureV4 } from '@smithy/signature-v4';
import S3rver from 's3rver';
import { createFaultGate, type FaultOptions, type SimServer } from '../common.js';
import { checkPostUpload } from './post.js';
import type { SeedData } from '../seed.js';
import type { SimulatorDescriptor } from '../common.js';

/** s3rver's object model, to store a decoded aws-chunked upload through s3rver's own store. */
const S3Object = createRequire(import.meta.url)('s3rver/lib/models/object.js') as new (
  bucket: string,
  key: string,
  content: Buffer,
  metadata: Record<string, string>,
) => unknown;

/**
 * Decodes an `aws-chunked` body (`<hex size>[;chunk-signature=..]\r\n<data>\r\n` ... `0\r\n`,
 * then trailer lines) into the payload and the trailers. Undefined when the framing is broken.
 */
export function decodeAwsChunked(buf: Buffer): { payload: Buffer; trailers: Record<string, string> } | undefined {
  const parts: Buffer[] = [];
  let pos = 0;
  for (;;) {
    const eol = buf.indexOf('\r\n', pos);
    if (eol < 0) return undefined;
    const size = parseInt(buf.subarray(pos, eol).toString('latin1').split(';')[0], 16);
    if (!Number.isInteger(size) || size < 0) return undefined;
    pos = eol + 2;
    if (size === 0) break;
    if (pos + size > buf.length) return undefined;
    parts.push(buf.subarray(pos, pos + size));
    pos += size + 2;
  }
  const trailers: Record<string, string> = {};
  for (const line of buf.subarray(pos).toString('latin1').split('\r\n')) {
    const i = line.indexOf(':');
    if (i > 0) trailers[line.slice(0, i).trim().toLowerCase()] = line.slice(i + 1).trim();
  }
  return { payload: Buffer.concat(parts), trailers };
}

const readAll = (req: IncomingMessage) =>
  new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });

/** s3rver's built-in account. */
export const S3_ACCESS_KEY_ID = 'S3RVER';
export const S3_SECRET_ACCESS_KEY = 'S3RVER';

const xml = (code: string, message: string) =>
  `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${code}</Code><Message>${message}</Message><RequestId>sim</RequestId></Error>`;

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
  if (method === 'POST' && parts.length === 1 && !url.searchParams.has('delete')) return 'PostObject';
  if (method === 'GET' && !hasKey)
    return url.searchParams.get('list-type') === '2' ? 'ListObjectsV2' : parts.length ? 'ListObjects' : 'ListBuckets';
  if (!hasKey) return `${method} /{bucket}`;
  return { GET: 'GetObject', HEAD: 'HeadObject', PUT: 'PutObject', DELETE: 'DeleteObject' }[method] ?? `${method} /{bucket}/{key}`;
}

const toBuffer = (d: ArrayBuffer | ArrayBufferView) =>
  ArrayBuffer.isView(d) ? Buffer.from(d.buffer, d.byteOffset, d.byteLength) : Buffer.from(d);

/** The hash @smithy/signature-v4 asks for, on node:crypto. */
class NodeSha256 {
  private readonly h: ReturnType<typeof createHash> | ReturnType<typeof createHmac>;
  constructor(secret?: string | ArrayBuffer | ArrayBufferView) {
    this.h = secret ? createHmac('sha256', typeof secret === 'string' ? secret : toBuffer(secret)) : createHash('sha256');
  }
  update(data: string | ArrayBuffer | ArrayBufferView) {
    this.h.update(typeof data === 'string' ? data : toBuffer(data));
  }
  async digest() {
    return new Uint8Array(this.h.digest());
  }
}

interface Listed {
  size: number;
  lastModified: string;
  etag: string;
}

const esc = (v: string) => v.replace(/[<>&'"]/g, (c) => ({ '<': '&lt;', '>': '&gt;', '&': '&amp;', "'": '&apos;', '"': '&quot;' })[c]!);

/**
 * SigV4 check of a header-signed request, as S3 does it: the signature is recomputed with our
 * secret over the signed headers and compared.
 */
async function validSigV4(req: IncomingMessage, url: URL, region: string): Promise<boolean> {
  const auth = req.headers.authorization ?? '';
  const m = /^AWS4-HMAC-SHA256 Credential=([^/]+)\/[^,]+, ?SignedHeaders=([^,]+), ?Signature=([0-9a-f]{64})$/.exec(auth);
  const date = req.headers['x-amz-date'];
  if (!m || m[1] !== S3_ACCESS_KEY_ID || typeof date !== 'string') return false;
  const signed = m[2].split(';');
  const headers: Record<string, string> = {};
  for (const h of signed) headers[h] = String(req.headers[h] ?? '');
  const query: Record<string, string> = {};
  url.searchParams.forEach((v, k) => (query[k] = v));
  const signer = new SignatureV4({
    credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY },
    region,
    service: 's3',
    sha256: NodeSha256,
    uriEscapePath: false,
    applyChecksum: false,
  });
  const at = new Date(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
  const out = await signer.sign(
    {
      method: req.method ?? 'GET',
      protocol: 'http:',
      hostname: String(req.headers.host ?? '').split(':')[0],
      path: url.pathname,
      query,
      headers,
    },
    { signingDate: at, signableHeaders: new Set(signed) },
  );
  const expected = /Signature=([0-9a-f]{64})/.exec(String(out.headers.authorization))?.[1] ?? '';
  return expected.length === 64 && timingSafeEqual(Buffer.from(expected), Buffer.from(m[3]));
}

const rfc3986 = (v: string) => encodeURIComponent(v).replace(/[!'()*]/g, (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`);

/**
 * SigV4 check of a presigned URL, computed as the SigV4 specification defines it (s3rver checks
 * the expiry but not the signature): canonical request over the method, path, sorted query
 * (without the signature), the signed headers and UNSIGNED-PAYLOAD; the signing key from the
 * secret, date, region and service.
 */
function validPresigned(req: IncomingMessage, url: URL): boolean {
  const q = url.searchParams;
  const given = q.get('X-Amz-Signature') ?? '';
  const date = q.get('X-Amz-Date') ?? '';
  const credential = q.get('X-Amz-Credential') ?? '';
  const [keyId, day, region, service, term] = credential.split('/');
  if (
    !/^[0-9a-f]{64}$/.test(given) ||
    keyId !== S3_ACCESS_KEY_ID ||
    !day ||
    !region ||
    service !== 's3' ||
    term !== 'aws4_request' ||
    !date.startsWith(day)
  )
    return false;
  const pairs: [string, string][] = [];
  q.forEach((v, k) => {
    if (k !== 'X-Amz-Signature') pairs.push([rfc3986(k), rfc3986(v)]);
  });
  pairs.sort(([a, x], [b, y]) => (a < b ? -1 : a > b ? 1 : x < y ? -1 : 1));
  const signedHeaders = (q.get('X-Amz-SignedHeaders') ?? '').split(';').filter(Boolean);
  const canonicalHeaders = signedHeaders.map((h) => `${h}:${String(req.headers[h] ?? '').trim()}\n`).join('');
  const canonical = [
    req.method ?? 'GET',
    url.pathname,
    pairs.map(([k, v]) => `${k}=${v}`).join('&'),
    canonicalHeaders,
    signedHeaders.join(';'),
    'UNSIGNED-PAYLOAD',
  ].join('\n');
  const scope = `${day}/${region}/s3/aws4_request`;
  const toSign = ['AWS4-HMAC-SHA256', date, scope, createHash('sha256').update(canonical).digest('hex')].join('\n');
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${S3_SECRET_ACCESS_KEY}`, day), region), 's3'), 'aws4_request');
  const expected = createHmac('sha256', signingKey).update(toSign).digest('hex');
  return timingSafeEqual(Buffer.from(expected), Buffer.from(given));
}

export async function startS3Sim(o: {
  host: string;
  port: number;
  data: SeedData;
  dir?: string;
  faults?: FaultOptions;
}): Promise<SimServer> {
  const ownDir = !o.dir;
  const dir = o.dir ?? mkdtempSync(join(tmpdir(), 'portico-s3-'));
  const s3rver = new S3rver({ directory: dir, silent: true, configureBuckets: [{ name: o.data.bucket, configs: [] }] });
  await s3rver.configureBuckets();
  const store = (
    s3rver as unknown as {
      store: {
        getResourcePath(bucket: string, key: string, resource: string): string;
        putObject(obj: unknown): Promise<{ md5: string; size: number }>;
      };
    }
  ).store;
  // ListObjectsV2 is answered from this index (s3rver walks and stats the whole bucket on every
  // listing); puts and deletes that pass through keep it current. Everything else is s3rver's.
  const index = new Map<string, Listed>();
  // The seeded files are written in the background (a few thousand small files take from 0.1 s to
  // over a second, depending on the disk); requests that reach s3rver wait for them. Listings are
  // answered from the index at once. The .md5 sidecars are left for s3rver to create on first read.
  const docs = o.data.customers.flatMap((c) => c.documents);
  for (const d of docs)
    index.set(d.key, {
      size: d.size,
      lastModified: new Date(d.lastModified).toISOString(),
      etag: createHash('md5').update(d.body).digest('hex'),
    });
  const writeDoc = async (d: (typeof docs)[number]) => {
    const objectPath = store.getResourcePath(o.data.bucket, d.key, 'object');
    await mkdir(dirname(objectPath), { recursive: true });
    await Promise.all([
      writeFile(objectPath, d.body),
      writeFile(store.getResourcePath(o.data.bucket, d.key, 'metadata.json'), JSON.stringify({ 'content-type': d.contentType })),
    ]);
    const at = new Date(d.lastModified);
    await utimes(objectPath, at, at);
  };
  // Seeding runs in the background; close() stops it after the batch in flight (a closed
  // simulator must not keep writing, and shutdown must not wait for thousands of files).
  let closing = false;
  const ready = (async () => {
    for (let i = 0; i < docs.length && !closing; i += 64) await Promise.all(docs.slice(i, i + 64).map(writeDoc));
  })();
  ready.catch(() => undefined);

  const gate = createFaultGate(
    {
      failure: (s) => xml(s === 503 ? 'ServiceUnavailable' : 'InternalError', 'Simulated failure'),
      rateLimited: () => xml('SlowDown', 'Please reduce your request rate.'),
    },
    sendXml,
  );
  if (o.faults) gate.setFaults(o.faults);
  const handle = s3rver.callback();
  const region = 'us-east-1';
  const listFromIndex = (url: URL, res: ServerResponse) => {
    const prefix = url.searchParams.get('prefix') ?? '';
    const max = Math.min(1000, Number(url.searchParams.get('max-keys') ?? 1000));
    const after = url.searchParams.get('continuation-token')
      ? Buffer.from(url.searchParams.get('continuation-token')!, 'base64url').toString()
      : (url.searchParams.get('start-after') ?? '');
    const keys = [...index.keys()].filter((k) => k.startsWith(prefix) && k > after).sort();
    const page = keys.slice(0, max);
    const truncated = keys.length > max;
    const contents = page.map((k) => {
      const e = index.get(k)!;
      return `<Contents><Key>${esc(k)}</Key><LastModified>${e.lastModified}</LastModified><ETag>&quot;${e.etag}&quot;</ETag><Size>${e.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`;
    });
    const body = `<?xml version="1.0" encoding="UTF-8"?>\n<ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${esc(o.data.bucket)}</Name><Prefix>${esc(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents.join('')}${truncated ? `<NextContinuationToken>${Buffer.from(page.at(-1)!).toString('base64url')}</NextContinuationToken>` : ''}</ListBucketResult>`;
    sendXml(res, 200, body);
  };
  /**
   * PutObject with a streaming (`aws-chunked`) body, which the AWS SDK sends for stream bodies
   * with its default checksum settings. s3rver would store the chunk framing as the object's
   * content, so the upload is checked (CRC32 trailer; the SigV4 header check happened before) and decoded here,
   * then stored through s3rver's store like any other object.
   */
  const putChunked = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const [bucket, ...rest] = url.pathname.split('/').filter(Boolean);
    if (bucket !== o.data.bucket) return sendXml(res, 404, xml('NoSuchBucket', 'The specified bucket does not exist'));
    const key = decodeURIComponent(rest.join('/'));
    const decoded = decodeAwsChunked(await readAll(req));
    if (!decoded) return sendXml(res, 400, xml('IncompleteBody', 'The request body terminated unexpectedly'));
    const { payload, trailers } = decoded;
    const expected = trailers['x-amz-checksum-crc32'] ?? req.headers['x-amz-checksum-crc32'];
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(crc32(payload));
    if (typeof expected === 'string' && expected !== crc.toString('base64'))
      return sendXml(res, 400, xml('BadDigest', 'The CRC32 you specified did not match the calculated checksum.'));
    const decodedLength = req.headers['x-amz-decoded-content-length'];
    if (decodedLength !== undefined && Number(decodedLength) !== payload.length)
      return sendXml(
        res,
        400,
        xml('IncompleteBody', 'You did not provide the number of bytes specified by the Content-Length HTTP header'),
      );
    const meta: Record<string, string> = {};
    for (const [k, v] of Object.entries(req.headers)) if (typeof v === 'string') meta[k] = v;
    const encoding = (meta['content-encoding'] ?? '')
      .split(',')
      .map((e) => e.trim())
      .filter((e) => e && e !== 'aws-chunked');
    if (encoding.length) meta['content-encoding'] = encoding.join(',');
    else delete meta['content-encoding'];
    const { md5 } = await store.putObject(new S3Object(bucket, key, payload, meta));
    const st = statSync(store.getResourcePath(bucket, key, 'object'));
    index.set(key, { size: payload.length, lastModified: st.mtime.toISOString(), etag: md5 });
    res.writeHead(200, {
      etag: JSON.stringify(md5),
      'content-length': 0,
      ...(typeof expected === 'string' ? { 'x-amz-checksum-crc32': expected } : {}),
    });
    res.end();
  };
  /** A browser upload with a POST policy: checked as S3 checks it, then stored through s3rver's store. */
  const postObject = async (req: IncomingMessage, res: ServerResponse, url: URL) => {
    const bucket = url.pathname.split('/').filter(Boolean)[0];
    if (bucket !== o.data.bucket) return sendXml(res, 404, xml('NoSuchBucket', 'The specified bucket does not exist'));
    const r = await checkPostUpload(req, { bucket, accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY });
    if ('status' in r) {
      const extra = Object.entries(r.extra ?? {})
        .map(([k, v]) => `<${k}>${esc(String(v))}</${k}>`)
        .join('');
      return sendXml(
        res,
        r.status,
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${r.code}</Code><Message>${esc(r.message)}</Message>${extra}<RequestId>sim</RequestId></Error>`,
      );
    }
    await ready;
    const { md5 } = await store.putObject(new S3Object(bucket, r.key, r.body, { 'content-type': r.contentType }));
    index.set(r.key, { size: r.body.length, lastModified: new Date().toISOString(), etag: md5 });
    const location = `${`http://${req.headers.host ?? 'sim'}`}/${bucket}/${r.key.split('/').map(encodeURIComponent).join('/')}`;
    res.writeHead(r.successStatus, { etag: JSON.stringify(md5), location, 'content-length': 0 });
    res.end();
  };
  const checkAuth = async (req: IncomingMessage, url: URL): Promise<[string, string] | undefined> => {
    const mismatch: [string, string] = [
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    ];
    if (req.headers.authorization) {
      const date = String(req.headers['x-amz-date'] ?? '');
      const at = Date.parse(date.replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'));
      if (Number.isFinite(at) && Math.abs(Date.now() - at) > 15 * 60_000)
        return ['RequestTimeTooSkewed', 'The difference between the request time and the current time is too large.'];
      return (await validSigV4(req, url, region)) ? undefined : mismatch;
    }
    if (url.searchParams.has('X-Amz-Signature') || url.searchParams.has('X-Amz-Algorithm')) {
      const q = url.searchParams;
      if (q.get('X-Amz-Algorithm') !== 'AWS4-HMAC-SHA256')
        return ['AuthorizationQueryParametersError', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"'];
      const signedAt = Date.parse(
        (q.get('X-Amz-Date') ?? '').replace(/^(\d{4})(\d{2})(\d{2})T(\d{2})(\d{2})(\d{2})Z$/, '$1-$2-$3T$4:$5:$6Z'),
      );
      const expires = Number(q.get('X-Amz-Expires'));
      if (!Number.isFinite(signedAt) || !Number.isInteger(expires) || expires < 1 || expires > 604_800)
        return [
          'AuthorizationQueryParametersError',
          'X-Amz-Date and X-Amz-Expires must be valid (X-Amz-Expires between 1 and 604800 seconds)',
        ];
      if (!validPresigned(req, url)) return mismatch;
      if (Date.now() > signedAt + expires * 1000) return ['AccessDenied', 'Request has expired'];
      return undefined;
    }
    return ['AccessDenied', 'Access Denied'];
  };
  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? '/', 'http://sim');
    const op = operation(req.method ?? 'GET', url);
    gate.count(op);
    if (await gate.gate(res)) return;
    if (op === 'PostObject')
      return postObject(req, res, url).catch(() =>
        sendXml(res, 500, xml('InternalError', 'We encountered an internal error. Please try again.')),
      );
    // Authentication, as S3 does it for a private bucket (s3rver does not verify SigV4 at all and
    // lets anonymous requests through): header-signed requests are verified, presigned URLs are
    // verified and expire, anything else is refused.
    const denied = await checkAuth(req, url);
    if (denied) return sendXml(res, 403, xml(denied[0], denied[1]));
    if (op === 'ListObjectsV2' && url.pathname.replace(/\/$/, '') === `/${o.data.bucket}`) return listFromIndex(url, res);
    await ready;
    if (op === 'PutObject' && String(req.headers['x-amz-content-sha256'] ?? '').startsWith('STREAMING-')) {
      return putChunked(req, res, url).catch(() =>
        sendXml(res, 500, xml('InternalError', 'We encountered an internal error. Please try again.')),
      );
    }
    const write = (op === 'PutObject' || op === 'DeleteObject') && url.pathname.split('/')[1] === o.data.bucket;
    // faults.loseAnswers: s3rver makes the write, then its answer is lost (reset, or failStatus instead).
    const lose = write && gate.loseAnswer(req.method ?? 'GET');
    if (write) {
      const key = decodeURIComponent(url.pathname.split('/').slice(2).join('/'));
      const indexed = () => {
        if (res.statusCode >= 300) return;
        if (op === 'DeleteObject') return void index.delete(key);
        // From the request and s3rver's answer, not the file: s3rver may answer before its write of
        // the file is flushed, and a stat then reads a size of 0 (seen on a loaded machine).
        // CopyObject (PUT with x-amz-copy-source) has no body: the copy is the source's size and ETag.
        const copySource = req.headers['x-amz-copy-source'];
        if (typeof copySource === 'string') {
          const from = index.get(decodeURIComponent(copySource).replace(/^\//, '').split('/').slice(1).join('/'));
          if (from) index.set(key, { ...from, lastModified: new Date().toISOString() });
          return;
        }
        const etag = String(res.getHeader('etag') ?? '').replace(/"/g, '');
        const size = Number(req.headers['content-length']);
        if (etag && Number.isInteger(size)) index.set(key, { size, lastModified: new Date().toISOString(), etag });
      };
      if (lose) {
        // s3rver (Koa) sets the status and headers, then ends the response: the write is made by then.
        const end = res.end.bind(res);
        res.end = ((..._args: unknown[]) => {
          indexed();
          for (const name of res.getHeaderNames()) res.removeHeader(name);
          res.end = end;
          gate.lostAnswer(res);
          return res;
        }) as typeof res.end;
      } else res.on('finish', indexed);
    }
    handle(req, res);
  });
  await new Promise<void>((r) => server.listen(o.port, o.host, r));
  const { port } = server.address() as AddressInfo;
  return {
    server,
    url: `http://${o.host}:${port}`,
    stats: gate.stats,
    resetStats: () => gate.reset(),
    setFaults: (f) => gate.setFaults(f),
    setRoundTrips: (r) => gate.setRoundTrips(r),
    close: () =>
      new Promise<void>((r) => {
        closing = true;
        server.close(() => {
          void ready
            .catch(() => undefined)
            .then(() => {
              if (ownDir) rmSync(dir, { recursive: true, force: true });
              r();
            });
        });
        server.closeAllConnections();
      }),
  };
}

declare module '../common.js' {
  interface SimSystems {
    s3: true;
  }
  interface SimCredentials {
    s3AccessKeyId: string;
    s3SecretAccessKey: string;
    s3Bucket: string;
    s3Region: string;
  }
  interface SimOptions {
    /** Where S3 objects live; default a fresh temp dir, removed on close. */
    s3Dir?: string;
  }
}

/** Test values, valid only against this simulator. */
const SIM_CREDENTIALS = {
  s3AccessKeyId: S3_ACCESS_KEY_ID,
  s3SecretAccessKey: S3_SECRET_ACCESS_KEY,
  s3Bucket: 'portico-files',
  s3Region: 'us-east-1',
};

/** The S3 simulator as startSimulators runs it (src/vendors/s3 points at it). */
export const simulator: SimulatorDescriptor = {
  name: 's3',
  port: 4104,
  credentials: SIM_CREDENTIALS,
  start: (c) => startS3Sim({ ...c, dir: c.options.s3Dir }),
};
