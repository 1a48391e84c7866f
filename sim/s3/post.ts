/**
 * S3's browser-based upload (POST Object with a signed policy), as S3 enforces it: the form's
 * SigV4 signature over the base64 policy, the policy's expiration, every condition (exact match,
 * `eq`, `starts-with`, `content-length-range`), no form field the policy does not cover, and the
 * file's size; refusals in S3's XML error format. (s3rver accepts any POST without checking.)
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import busboy from 'busboy';

/** A refusal as S3 answers it: status, error code, message and extra XML elements. */
export interface PostRefusal {
  status: number;
  code: string;
  message: string;
  extra?: Record<string, string | number>;
}

export interface PostUpload {
  key: string;
  contentType: string;
  body: Buffer;
  successStatus: number;
}

export interface PostPolicyOptions {
  bucket: string;
  accessKeyId: string;
  secretAccessKey: string;
  /** Hard cap on what the simulator reads of a file, whatever the policy says. @default 64 MiB */
  maxRead?: number;
}

type Condition = Record<string, string> | [string, string | number, string | number];

const refuse = (status: number, code: string, message: string, extra?: PostRefusal['extra']): PostRefusal => ({
  status,
  code,
  message,
  extra,
});
/** S3 quotes the failed condition as JSON with a space after each comma: `["eq", "$key", "uploads/..."]`. */
const policyFailed = (c: readonly unknown[]) =>
  refuse(403, 'AccessDenied', `Invalid according to Policy: Policy Condition failed: [${c.map((x) => JSON.stringify(x)).join(', ')}]`);

/** Reads the multipart form: fields (names lower-cased, as S3 matches them) and the file (the `file` field, last). */
function readForm(req: IncomingMessage, maxRead: number) {
  return new Promise<{ fields: Map<string, string>; file?: { body: Buffer; size: number; filename: string } }>((resolve, reject) => {
    const fields = new Map<string, string>();
    let file: { body: Buffer; size: number; filename: string } | undefined;
    let bb: busboy.Busboy;
    try {
      bb = busboy({ headers: req.headers, limits: { fieldSize: 64 * 1024, fields: 100, files: 1 } });
    } catch (err) {
      reject(err instanceof Error ? err : new Error(String(err)));
      return;
    }
    bb.on('field', (name, value) => {
      // Fields after the file are ignored by S3.
      if (!file) fields.set(name.toLowerCase(), value);
    });
    bb.on('file', (name, stream, info) => {
      if (name.toLowerCase() !== 'file') return void stream.resume();
      const chunks: Buffer[] = [];
      let size = 0;
      stream.on('data', (c: Buffer) => {
        size += c.length;
        if (size <= maxRead) chunks.push(c);
      });
      stream.on('end', () => (file = { body: Buffer.concat(chunks), size, filename: info.filename ?? '' }));
    });
    bb.on('close', () => resolve({ fields, file }));
    bb.on('error', reject);
    req.pipe(bb);
  });
}

/** The SigV4 signature of a POST policy: HMAC of the base64 policy with the day's signing key. */
export function signPolicy(policyBase64: string, secret: string, day: string, region: string): string {
  const hmac = (key: Buffer | string, data: string) => createHmac('sha256', key).update(data).digest();
  const signingKey = hmac(hmac(hmac(hmac(`AWS4${secret}`, day), region), 's3'), 'aws4_request');
  return createHmac('sha256', signingKey).update(policyBase64).digest('hex');
}

/** Checks a POST upload against its policy; the upload to store, or S3's refusal. */
export async function checkPostUpload(req: IncomingMessage, o: PostPolicyOptions): Promise<PostUpload | PostRefusal> {
  if (!String(req.headers['content-type'] ?? '').startsWith('multipart/form-data'))
    return refuse(412, 'PreconditionFailed', 'Bucket POST must be of the enclosure-type multipart/form-data');
  let form: Awaited<ReturnType<typeof readForm>>;
  try {
    form = await readForm(req, o.maxRead ?? 64 * 1024 * 1024);
  } catch {
    return refuse(400, 'MalformedPOSTRequest', 'The body of your POST request is not well-formed multipart/form-data.');
  }
  const f = form.fields;
  if (!form.file) return refuse(400, 'InvalidArgument', 'POST requires exactly one file upload per request.', { ArgumentName: 'file' });
  const key = f.get('key');
  if (!key)
    return refuse(
      400,
      'InvalidArgument',
      "Bucket POST must contain a field named 'key'.  If it is specified, please check the order of the fields.",
      { ArgumentName: 'key' },
    );
  const policy = f.get('policy');
  const signature = f.get('x-amz-signature');
  // A private bucket: an unsigned POST is anonymous, and refused.
  if (!policy || !signature) return refuse(403, 'AccessDenied', 'Access Denied');
  if (f.get('x-amz-algorithm') !== 'AWS4-HMAC-SHA256')
    return refuse(400, 'InvalidArgument', 'X-Amz-Algorithm only supports "AWS4-HMAC-SHA256"', { ArgumentName: 'x-amz-algorithm' });
  const [keyId, day, region, service, term] = (f.get('x-amz-credential') ?? '').split('/');
  if (keyId !== o.accessKeyId)
    return refuse(403, 'InvalidAccessKeyId', 'The AWS Access Key Id you provided does not exist in our records.');
  if (!day || !region || service !== 's3' || term !== 'aws4_request' || !(f.get('x-amz-date') ?? '').startsWith(day))
    return refuse(400, 'AuthorizationQueryParametersError', 'Error parsing the X-Amz-Credential parameter.');
  const expected = signPolicy(policy, o.secretAccessKey, day, region);
  if (!/^[0-9a-f]{64}$/.test(signature) || !timingSafeEqual(Buffer.from(expected), Buffer.from(signature)))
    return refuse(
      403,
      'SignatureDoesNotMatch',
      'The request signature we calculated does not match the signature you provided. Check your key and signing method.',
    );
  let doc: { expiration?: unknown; conditions?: unknown };
  try {
    doc = JSON.parse(Buffer.from(policy, 'base64').toString('utf8')) as typeof doc;
  } catch {
    return refuse(400, 'InvalidPolicyDocument', 'Invalid Policy: Invalid JSON.');
  }
  const expiration = typeof doc.expiration === 'string' ? Date.parse(doc.expiration) : NaN;
  if (!Number.isFinite(expiration) || !Array.isArray(doc.conditions))
    return refuse(400, 'InvalidPolicyDocument', 'Invalid Policy: Policy missing expiration or conditions.');
  if (Date.now() > expiration) return refuse(403, 'AccessDenied', 'Invalid according to Policy: Policy expired.');

  // Every field but these must be named by a condition (S3: "Extra input fields").
  const covered = new Set(['policy', 'x-amz-signature', 'file']);
  const value = (name: string) => (name === 'bucket' ? o.bucket : (f.get(name) ?? ''));
  let range: [number, number] | undefined;
  for (const c of doc.conditions as Condition[]) {
    if (Array.isArray(c)) {
      const [op, a, b] = c;
      if (op === 'content-length-range') {
        range = [Number(a), Number(b)];
        continue;
      }
      const name = String(a).replace(/^\$/, '').toLowerCase();
      covered.add(name);
      const v = value(name);
      if (op === 'eq' ? v !== String(b) : op === 'starts-with' ? !v.startsWith(String(b)) : true) return policyFailed(c);
    } else if (c && typeof c === 'object') {
      for (const [k, v] of Object.entries(c)) {
        covered.add(k.toLowerCase());
        if (value(k.toLowerCase()) !== v) return policyFailed(['eq', `$${k}`, v]);
      }
    }
  }
  const extra = [...f.keys()].filter((k) => !covered.has(k) && !k.startsWith('x-ignore-'));
  if (extra.length) return refuse(403, 'AccessDenied', `Invalid according to Policy: Extra input fields: ${extra.join(', ')}`);
  const size = form.file.size;
  if (range && size > range[1])
    return refuse(400, 'EntityTooLarge', 'Your proposed upload exceeds the maximum allowed size', {
      ProposedSize: size,
      MaxSizeAllowed: range[1],
    });
  if (range && size < range[0])
    return refuse(400, 'EntityTooSmall', 'Your proposed upload is smaller than the minimum allowed size', {
      ProposedSize: size,
      MinSizeAllowed: range[0],
    });
  const status = Number(f.get('success_action_status') ?? 204);
  return {
    key: key.replace('${filename}', form.file.filename),
    contentType: f.get('content-type') ?? 'binary/octet-stream',
    body: form.file.body,
    successStatus: [200, 201, 204].includes(status) ? status : 204,
  };
}
