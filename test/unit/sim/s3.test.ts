/**
 * The S3 simulator answers the AWS SDK as S3 does: listings, downloads, presigned URLs, and it
 * refuses bad signatures and expired or tampered presigned URLs.
 */
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { Readable } from 'node:stream';
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  ListObjectsV2Command,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { startSimulators, type Simulators } from '../../../sim/index.js';

let sims: Simulators;
let s3: S3Client;
const client = (secretAccessKey: string) =>
  new S3Client({
    region: sims.credentials.s3Region,
    endpoint: sims.urls.s3,
    forcePathStyle: true,
    credentials: { accessKeyId: sims.credentials.s3AccessKeyId, secretAccessKey },
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
    maxAttempts: 1,
  });

before(async () => {
  sims = await startSimulators({ customers: 50 });
  s3 = client(sims.credentials.s3SecretAccessKey);
});
after(async () => {
  s3.destroy();
  await sims.close();
});

test('ListObjectsV2 by prefix returns the seeded documents with sizes and dates', async () => {
  const seed = sims.data.customers[0];
  const res = await s3.send(new ListObjectsV2Command({ Bucket: sims.credentials.s3Bucket, Prefix: `customers/${seed.crmId}/` }));
  assert.deepEqual(
    (res.Contents ?? []).map((o) => [o.Key, o.Size, o.LastModified?.toISOString()]),
    [...seed.documents].sort((a, b) => (a.key < b.key ? -1 : 1)).map((d) => [d.key, d.size, new Date(d.lastModified).toISOString()]),
  );
  assert.equal(sims.stats('s3').byRoute.ListObjectsV2, 1);
});

test('a listing signed with the wrong secret is refused', async () => {
  const bad = client('not-the-secret');
  await assert.rejects(
    bad.send(new ListObjectsV2Command({ Bucket: sims.credentials.s3Bucket, Prefix: 'customers/' })),
    (e: any) => e.name === 'SignatureDoesNotMatch' || e.$metadata?.httpStatusCode === 403,
  );
  bad.destroy();
});

test('an uploaded object appears in the next listing and downloads', async () => {
  await s3.send(
    new PutObjectCommand({
      Bucket: sims.credentials.s3Bucket,
      Key: 'customers/1003/doc_new/hello.txt',
      Body: 'hello',
      ContentType: 'text/plain',
    }),
  );
  const res = await s3.send(new ListObjectsV2Command({ Bucket: sims.credentials.s3Bucket, Prefix: 'customers/1003/doc_new/' }));
  assert.deepEqual(
    res.Contents?.map((o) => [o.Key, o.Size]),
    [['customers/1003/doc_new/hello.txt', 5]],
  );
  const got = await s3.send(new GetObjectCommand({ Bucket: sims.credentials.s3Bucket, Key: 'customers/1003/doc_new/hello.txt' }));
  assert.equal(await got.Body?.transformToString(), 'hello');
});

test('presigned URLs download; tampered or expired ones are refused', async () => {
  const doc = sims.data.customers[0].documents[0];
  const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: sims.credentials.s3Bucket, Key: doc.key }), { expiresIn: 60 });
  const ok = await fetch(url);
  assert.equal(ok.status, 200);
  assert.equal((await ok.arrayBuffer()).byteLength, doc.size);
  const other = sims.data.customers[1].documents[0] ?? sims.data.customers[0].documents[1];
  const tampered = url.replace(encodeURI(doc.key).replace(/%2F/g, '/'), encodeURI(other.key).replace(/%2F/g, '/'));
  assert.notEqual(tampered, url);
  assert.equal((await fetch(tampered)).status, 403);
  const past = await getSignedUrl(s3, new GetObjectCommand({ Bucket: sims.credentials.s3Bucket, Key: doc.key }), {
    expiresIn: 1,
    signingDate: new Date(Date.now() - 3600_000),
  });
  assert.equal((await fetch(past)).status, 403);
});

test('HeadObject and GetObject give the seeded content type, size and body', async () => {
  const doc = sims.data.customers[0].documents[0];
  const head = await s3.send(new HeadObjectCommand({ Bucket: sims.credentials.s3Bucket, Key: doc.key }));
  assert.equal(head.ContentType, doc.contentType);
  assert.equal(head.ContentLength, doc.size);
  assert.equal(head.LastModified?.toISOString(), new Date(doc.lastModified).toISOString());
  const got = await s3.send(new GetObjectCommand({ Bucket: sims.credentials.s3Bucket, Key: doc.key }));
  assert.deepEqual(Buffer.from(await got.Body!.transformToByteArray()), doc.body);
  assert.equal(sims.stats('s3').byRoute.HeadObject, 1);
});

test('anonymous requests and wrongly signed heads are refused', async () => {
  const doc = sims.data.customers[0].documents[0];
  const anon = await fetch(`${sims.urls.s3}/${sims.credentials.s3Bucket}/${doc.key}`);
  assert.equal(anon.status, 403);
  assert.match(await anon.text(), /<Code>AccessDenied<\/Code>/);
  const bad = client('not-the-secret');
  await assert.rejects(
    bad.send(new HeadObjectCommand({ Bucket: sims.credentials.s3Bucket, Key: doc.key })),
    (e: any) => e.$metadata?.httpStatusCode === 403,
  );
  bad.destroy();
});

test('a stream upload with the SDK default checksums (aws-chunked, CRC32 trailer) stores the payload, and deletes', async () => {
  const c = sims.credentials;
  const defaults = new S3Client({
    region: c.s3Region,
    endpoint: sims.urls.s3,
    forcePathStyle: true,
    credentials: { accessKeyId: c.s3AccessKeyId, secretAccessKey: c.s3SecretAccessKey },
    maxAttempts: 1,
  });
  const Key = 'customers/1002/doc_stream/notes.txt';
  await defaults.send(
    new PutObjectCommand({
      Bucket: c.s3Bucket,
      Key,
      Body: Readable.from([Buffer.from('hello '), Buffer.from('stream')]),
      ContentLength: 12,
      ContentType: 'text/plain',
    }),
  );
  const got = await defaults.send(new GetObjectCommand({ Bucket: c.s3Bucket, Key }));
  assert.equal(await got.Body?.transformToString(), 'hello stream');
  assert.equal(got.ContentType, 'text/plain');
  assert.equal(got.ContentEncoding, undefined);
  await defaults.send(new DeleteObjectCommand({ Bucket: c.s3Bucket, Key }));
  const res = await defaults.send(new ListObjectsV2Command({ Bucket: c.s3Bucket, Prefix: 'customers/1002/doc_stream/' }));
  assert.equal(res.KeyCount, 0);
  defaults.destroy();
});

test('faults answer in S3 XML through the SDK', async () => {
  sims.setFaults('s3', { failureRate: 1 });
  try {
    await assert.rejects(
      s3.send(new ListObjectsV2Command({ Bucket: sims.credentials.s3Bucket, Prefix: 'customers/' })),
      (e: any) => e.name === 'ServiceUnavailable' && e.$metadata?.httpStatusCode === 503,
    );
  } finally {
    sims.setFaults('s3', {});
  }
});

test('loseAnswers: a put, copy or delete is made, then its answer is lost (reset, or 503 in S3 XML)', async () => {
  const Bucket = sims.credentials.s3Bucket;
  const listed = async (Prefix: string) => ((await s3.send(new ListObjectsV2Command({ Bucket, Prefix }))).Contents ?? []).map((o) => o.Key);
  sims.setFaults('s3', { loseAnswers: 1 });
  try {
    await assert.rejects(s3.send(new PutObjectCommand({ Bucket, Key: 'lost/a.txt', Body: 'made', ContentType: 'text/plain' })));
  } finally {
    sims.setFaults('s3', {});
  }
  const made = await s3.send(new GetObjectCommand({ Bucket, Key: 'lost/a.txt' }));
  assert.equal(await made.Body?.transformToString(), 'made');
  assert.deepEqual(await listed('lost/'), ['lost/a.txt'], 'listed: the index saw the write');

  sims.setFaults('s3', { loseAnswers: 1, loseAnswerAs: 'status' });
  try {
    await assert.rejects(
      s3.send(new CopyObjectCommand({ Bucket, Key: 'lost/b.txt', CopySource: `${Bucket}/lost/a.txt` })),
      (e: any) => e.$metadata?.httpStatusCode === 503,
    );
    // Reads are answered as usual; only the next write's answer was lost.
    assert.equal((await s3.send(new HeadObjectCommand({ Bucket, Key: 'lost/b.txt' }))).ContentLength, 4);
  } finally {
    sims.setFaults('s3', {});
  }
  assert.deepEqual(await listed('lost/'), ['lost/a.txt', 'lost/b.txt']);

  sims.setFaults('s3', { loseAnswers: 1 });
  try {
    await assert.rejects(s3.send(new DeleteObjectCommand({ Bucket, Key: 'lost/a.txt' })));
  } finally {
    sims.setFaults('s3', {});
  }
  await assert.rejects(s3.send(new HeadObjectCommand({ Bucket, Key: 'lost/a.txt' })), (e: any) => e.$metadata?.httpStatusCode === 404);
  assert.deepEqual(await listed('lost/'), ['lost/b.txt']);
});
