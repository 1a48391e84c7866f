/**
 * Document uploads end to end: presigned POST policies signed by the gateway, enforced by the S3
 * simulator as S3 enforces them (signature, expiry, key, Content-Type, content-length-range, extra
 * fields), confirmation by HEAD, read-your-writes on `documents`, ownership and input checks.
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startSimulators, type Simulators } from '../../sim/index.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { startRedis, type TestRedis } from '../helpers/redis.js';

let redis: TestRedis;
let sims: Simulators;
let t: TestApp;
const MAX = 1000;

before(async () => {
  redis = await startRedis();
  sims = await startSimulators();
  t = await startTestApp({ sims, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'writesfiles', S3_UPLOAD_MAX_BYTES: String(MAX) } });
});
after(async () => {
  await t?.close();
  await sims?.close();
  await redis?.stop();
});

interface Upload {
  id: string;
  url: string;
  fields: { name: string; value: string }[];
  expiresAt: string;
  maxSize: number;
}

const REQUEST = `mutation($i: RequestDocumentUploadInput!) { requestDocumentUpload(input: $i) { id url fields { name value } expiresAt maxSize } }`;
const CONFIRM = `mutation($id: ID!) { confirmDocumentUpload(id: $id) { id name size contentType downloadUrl } }`;
const DOCS = `{ me { documents(first: 100) { totalCount nodes { id name size contentType } } } }`;

async function requestUpload(token: string, input: Record<string, unknown>, app = t): Promise<Upload> {
  const res = await app.gql(REQUEST, { token, variables: { i: input } });
  assert.equal(res.body.errors, undefined, JSON.stringify(res.body.errors));
  return res.body.data.requestDocumentUpload as Upload;
}

/** Posts the form as a browser does: the fields in order, then the file. `override` replaces or adds fields. */
async function post(u: Upload, content: string, override: Record<string, string> = {}) {
  const form = new FormData();
  const fields = new Map(u.fields.map((f) => [f.name, f.value]));
  for (const [k, v] of Object.entries(override)) fields.set(k, v);
  for (const [k, v] of fields) form.append(k, v);
  form.append('file', new Blob([content]), 'upload');
  const res = await fetch(u.url, { method: 'POST', body: form });
  const text = await res.text();
  const unescape = (v: string) =>
    v
      .replace(/&quot;/g, '"')
      .replace(/&apos;/g, "'")
      .replace(/&lt;/g, '<')
      .replace(/&gt;/g, '>')
      .replace(/&amp;/g, '&');
  return {
    status: res.status,
    code: /<Code>([^<]+)<\/Code>/.exec(text)?.[1],
    message: unescape(/<Message>([^<]+)<\/Message>/.exec(text)?.[1] ?? ''),
  };
}

const customer = (id = '1001') => t.token('customer', id);

describe('uploads through a presigned POST', () => {
  test('the file goes straight to S3; only a confirmed upload appears in documents, at once', async () => {
    const token = customer();
    const before = await t.gql(DOCS, { token });
    const count = before.body.data.me.documents.totalCount as number;
    await t.app.cache.settle();
    sims.resetStats();
    const u = await requestUpload(token, { name: 'meter reading.txt', contentType: 'text/plain', size: 11 });
    assert.equal(t.calls().s3, 0, 'signing a POST policy is local');
    assert.equal(u.maxSize, 11);
    assert.ok(u.fields.some((f) => f.name === 'key' && f.value.startsWith('uploads/1001/')));
    assert.deepEqual(await post(u, 'hello world'), { status: 204, code: undefined, message: '' });

    // Uploaded but not confirmed: not a document.
    const pending = await t.gql(DOCS, { token });
    assert.equal(pending.body.data.me.documents.totalCount, count);

    sims.resetStats();
    const confirmed = await t.gql(CONFIRM, { token, variables: { id: u.id } });
    assert.equal(confirmed.body.errors, undefined, JSON.stringify(confirmed.body.errors));
    const doc = confirmed.body.data.confirmDocumentUpload;
    assert.deepEqual(
      { name: doc.name, size: doc.size, contentType: doc.contentType },
      { name: 'meter reading.txt', size: 11, contentType: 'text/plain' },
    );
    assert.deepEqual(sims.stats('s3').byRoute, { HeadObject: 1, PutObject: 1, DeleteObject: 1 });
    assert.equal(await (await fetch(doc.downloadUrl)).text(), 'hello world');

    // Read-your-writes: the cached listing was dropped, the next read lists the new document.
    const afterConfirm = await t.gql(DOCS, { token });
    assert.equal(afterConfirm.body.data.me.documents.totalCount, count + 1);
    assert.deepEqual(
      afterConfirm.body.data.me.documents.nodes.find((n: { id: string }) => n.id === doc.id),
      { id: doc.id, name: 'meter reading.txt', size: 11, contentType: 'text/plain' },
    );

    // Confirming again answers the same document.
    const again = await t.gql(CONFIRM, { token, variables: { id: u.id } });
    assert.equal(again.body.data.confirmDocumentUpload.id, doc.id);
  });

  test('S3 makes the move but its answer is lost: the confirm is still reported done, once (never done and reported failed)', async () => {
    const token = customer('1003');
    const count = async () => (await t.gql(DOCS, { token })).body.data.me.documents.totalCount as number;
    const before = await count();

    // The copy is made, its answer lost (a reset connection): the final key is there, so the move goes on.
    const a = await requestUpload(token, { name: 'lost copy.txt', contentType: 'text/plain', size: 4 });
    assert.equal((await post(a, 'copy')).status, 204);
    sims.resetStats();
    sims.setFaults('s3', { loseAnswers: 1 });
    let confirmed;
    try {
      confirmed = await t.gql(CONFIRM, { token, variables: { id: a.id } });
    } finally {
      sims.setFaults('s3', {});
    }
    assert.equal(confirmed.body.errors, undefined, JSON.stringify(confirmed.body.errors));
    assert.equal(confirmed.body.data.confirmDocumentUpload.name, 'lost copy.txt');
    // HEAD the upload, copy (answer lost), HEAD the copy (there), delete the upload.
    assert.deepEqual(sims.stats('s3').byRoute, { HeadObject: 2, PutObject: 1, DeleteObject: 1 });

    // Both the copy's and the delete's answers lost (a 503 from a proxy in front): the document is in
    // place, so the confirm is done; the staged copy is left for the lifecycle rule, never listed.
    const b = await requestUpload(token, { name: 'lost both.txt', contentType: 'text/plain', size: 4 });
    assert.equal((await post(b, 'both')).status, 204);
    sims.setFaults('s3', { loseAnswers: 2, loseAnswerAs: 'status' });
    let second;
    try {
      second = await t.gql(CONFIRM, { token, variables: { id: b.id } });
    } finally {
      sims.setFaults('s3', {});
    }
    assert.equal(second.body.errors, undefined, JSON.stringify(second.body.errors));
    const doc = second.body.data.confirmDocumentUpload;
    assert.equal(await (await fetch(doc.downloadUrl)).text(), 'both');

    // Each once: two new documents, and confirming again answers the same one.
    assert.equal(await count(), before + 2);
    const again = await t.gql(CONFIRM, { token, variables: { id: b.id } });
    assert.equal(again.body.errors, undefined, JSON.stringify(again.body.errors));
    assert.equal(again.body.data.confirmDocumentUpload.id, doc.id);
    assert.equal(await count(), before + 2);
  });

  test('three confirms of one upload at once while S3 loses an answer: one document, and every confirm that answers done names it', async (ctx) => {
    const token = customer('1005');
    const count = async () => (await t.gql(DOCS, { token })).body.data.me.documents.totalCount as number;
    const before = await count();
    const u = await requestUpload(token, { name: 'raced.txt', contentType: 'text/plain', size: 5 });
    assert.equal((await post(u, 'raced')).status, 204);
    sims.setFaults('s3', { loseAnswers: 1 });
    let answers;
    try {
      answers = await Promise.all([0, 1, 2].map(() => t.gql(CONFIRM, { token, variables: { id: u.id } })));
    } finally {
      sims.setFaults('s3', {});
    }
    const done = answers.filter((a) => a.body.errors === undefined).map((a) => a.body.data.confirmDocumentUpload.id as string);
    // A confirm that is not done is refused with a code a client retries on, never an internal error.
    for (const a of answers.filter((x) => x.body.errors !== undefined))
      assert.ok(
        ['UPSTREAM_UNAVAILABLE', 'UPSTREAM_TIMEOUT', 'CONFLICT'].includes(String(a.body.errors?.[0]?.extensions?.code)),
        JSON.stringify(a.body.errors),
      );
    ctx.diagnostic(`answers: ${answers.map((a) => (a.body.errors ? a.body.errors[0].extensions?.code : 'done')).join(', ')}`);
    assert.ok(done.length >= 1, JSON.stringify(answers.map((a) => a.body)));
    assert.equal(new Set(done).size, 1, `every done confirm names the same document: ${done.join(', ')}`);
    assert.equal(await count(), before + 1);
    const again = await t.gql(CONFIRM, { token, variables: { id: u.id } });
    assert.equal(again.body.errors, undefined, JSON.stringify(again.body.errors));
    assert.equal(again.body.data.confirmDocumentUpload.id, done[0]);
    assert.equal(await (await fetch(again.body.data.confirmDocumentUpload.downloadUrl)).text(), 'raced');
    assert.equal(await count(), before + 1);
  });

  test('a declared PDF is read (first 16 bytes, ranged GET) before it is confirmed: a real one is, a text file is refused and deleted', async () => {
    const token = customer('1004');
    const count = async () => (await t.gql(DOCS, { token })).body.data.me.documents.totalCount as number;
    const before = await count();
    const pdf = '%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n';
    const real = await requestUpload(token, { name: 'statement.pdf', contentType: 'application/pdf', size: pdf.length });
    assert.equal((await post(real, pdf)).status, 204);
    sims.resetStats();
    const ok = await t.gql(CONFIRM, { token, variables: { id: real.id } });
    assert.equal(ok.status, 200);
    assert.equal(ok.body.errors, undefined, JSON.stringify(ok.body.errors));
    assert.equal(ok.body.data.confirmDocumentUpload.contentType, 'application/pdf');
    assert.deepEqual(sims.stats('s3').byRoute, { HeadObject: 1, GetObject: 1, PutObject: 1, DeleteObject: 1 });
    // The simulator answers ranged GETs as S3 does: 206 with Content-Range.
    const ranged = await fetch(ok.body.data.confirmDocumentUpload.downloadUrl as string, { headers: { range: 'bytes=0-15' } });
    assert.equal(ranged.status, 206);
    assert.equal(ranged.headers.get('content-range'), `bytes 0-15/${pdf.length}`);
    assert.equal(await ranged.text(), pdf.slice(0, 16));

    const text = 'just some words, not a PDF';
    const fake = await requestUpload(token, { name: 'invoice.pdf', contentType: 'application/pdf', size: text.length });
    assert.equal((await post(fake, text)).status, 204);
    sims.resetStats();
    const refused = await t.gql(CONFIRM, { token, variables: { id: fake.id } });
    assert.equal(refused.status, 200);
    assert.equal(refused.body.data, null);
    const e = refused.body.errors?.[0];
    assert.equal(e?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(e?.extensions?.argument, 'id');
    assert.match(e?.message ?? '', /not application\/pdf \(a PDF starts with "%PDF-"\); it was deleted/);
    // Read, then deleted from staging; never copied where documents are listed.
    assert.deepEqual(sims.stats('s3').byRoute, { HeadObject: 1, GetObject: 1, DeleteObject: 1 });
    assert.equal(await count(), before + 1);
    const again = await t.gql(CONFIRM, { token, variables: { id: fake.id } });
    assert.equal(again.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test('S3 refuses a file of another content type than signed', async () => {
    const u = await requestUpload(customer(), { name: 'a.txt', contentType: 'text/plain', size: 5 });
    const r = await post(u, 'hello', { 'Content-Type': 'text/html' });
    assert.equal(r.status, 403);
    assert.equal(r.code, 'AccessDenied');
    assert.equal(r.message, 'Invalid according to Policy: Policy Condition failed: ["eq", "$Content-Type", "text/plain"]');
  });

  test('S3 refuses a file larger than declared (content-length-range), and an empty one', async () => {
    const u = await requestUpload(customer(), { name: 'b.txt', contentType: 'text/plain', size: 5 });
    const big = await post(u, 'hello!');
    assert.deepEqual([big.status, big.code], [400, 'EntityTooLarge']);
    const empty = await post(u, '');
    assert.deepEqual([empty.status, empty.code], [400, 'EntityTooSmall']);
    const confirm = await t.gql(CONFIRM, { token: customer(), variables: { id: u.id } });
    assert.equal(confirm.body.errors?.[0]?.extensions?.code, 'NOT_FOUND');
  });

  test("S3 refuses the upload under another customer's prefix, an extra field, and a forged signature", async () => {
    const u = await requestUpload(customer(), { name: 'c.txt', contentType: 'text/plain', size: 5 });
    const key = u.fields.find((f) => f.name === 'key')!.value;
    const other = await post(u, 'hello', { key: key.replace('uploads/1001/', 'uploads/1002/') });
    assert.equal(other.status, 403);
    assert.equal(other.code, 'AccessDenied');
    assert.match(other.message, /^Invalid according to Policy: Policy Condition failed: \["eq", "\$key", "uploads\/1001\//);
    const extra = await post(u, 'hello', { 'x-amz-meta-owner': '1002' });
    assert.deepEqual(
      [extra.status, extra.code, extra.message],
      [403, 'AccessDenied', 'Invalid according to Policy: Extra input fields: x-amz-meta-owner'],
    );
    const policy = u.fields.find((f) => f.name === 'Policy')!.value;
    const doc = JSON.parse(Buffer.from(policy, 'base64').toString());
    doc.conditions = doc.conditions.filter((c: unknown) => !Array.isArray(c) || c[0] !== 'content-length-range');
    const forged = await post(u, 'hello', { Policy: Buffer.from(JSON.stringify(doc)).toString('base64') });
    assert.deepEqual([forged.status, forged.code], [403, 'SignatureDoesNotMatch']);
  });

  test('S3 refuses an expired upload', async () => {
    const short = await startTestApp({ sims, env: { REDIS_URL: redis.url, REDIS_KEY_PREFIX: 'writesfiles2', S3_UPLOAD_TTL_S: '1' } });
    try {
      const u = await requestUpload(short.token('customer', '1001'), { name: 'd.txt', contentType: 'text/plain', size: 5 }, short);
      const deadline = Date.parse(u.expiresAt) + 1000;
      // Polls the clock until the policy's expiration has passed.
      while (Date.now() <= deadline) await new Promise((r) => setTimeout(r, 100));
      const r = await post(u, 'hello');
      assert.deepEqual([r.status, r.code, r.message], [403, 'AccessDenied', 'Invalid according to Policy: Policy expired.']);
    } finally {
      await short.close();
    }
  });
});

describe('upload mutations: ownership and input', () => {
  test("another customer's upload id is FORBIDDEN without any S3 call", async () => {
    const u = await requestUpload(customer('1001'), { name: 'e.txt', contentType: 'text/plain', size: 5 });
    assert.equal((await post(u, 'hello')).status, 204);
    sims.resetStats();
    const res = await t.gql(CONFIRM, { token: customer('1002'), variables: { id: u.id } });
    assert.equal(res.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
    assert.equal(t.calls().s3, 0);
    const named = await t.gql(REQUEST, {
      token: customer('1002'),
      variables: { i: { name: 'x.txt', contentType: 'text/plain', size: 1, customerId: '1001' } },
    });
    assert.equal(named.body.errors?.[0]?.extensions?.code, 'FORBIDDEN');
  });

  test('staff upload for a named customer; without one the field is named', async () => {
    const missing = await t.gql(REQUEST, {
      token: t.token('agent'),
      variables: { i: { name: 'x.txt', contentType: 'text/plain', size: 1 } },
    });
    assert.equal(missing.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT');
    assert.equal(missing.body.errors?.[0]?.extensions?.argument, 'input.customerId');
    const u = await requestUpload(t.token('agent'), { name: 'x.txt', contentType: 'text/plain', size: 1, customerId: '1003' });
    assert.ok(u.fields.some((f) => f.name === 'key' && f.value.startsWith('uploads/1003/')));
  });

  test('bad input names the field', async () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ name: 'x.exe', contentType: 'application/x-msdownload', size: 1 }, 'input.contentType'],
      [{ name: 'x.pdf', contentType: 'text/plain', size: 1 }, 'input.contentType'],
      [{ name: 'x.txt', contentType: 'text/plain', size: MAX + 1 }, 'input.size'],
      [{ name: 'x.txt', contentType: 'text/plain', size: 0 }, 'input.size'],
      [{ name: '../x.txt', contentType: 'text/plain', size: 1 }, 'input.name'],
      [{ name: ' ', contentType: 'text/plain', size: 1 }, 'input.name'],
    ];
    for (const [i, argument] of cases) {
      const res = await t.gql(REQUEST, { token: customer(), variables: { i } });
      assert.equal(res.body.errors?.[0]?.extensions?.code, 'BAD_USER_INPUT', JSON.stringify(i));
      assert.equal(res.body.errors?.[0]?.extensions?.argument, argument, JSON.stringify(i));
    }
    const bad = await t.gql(CONFIRM, { token: customer(), variables: { id: 'not-an-upload' } });
    assert.equal(bad.body.errors?.[0]?.extensions?.argument, 'id');
  });
});
