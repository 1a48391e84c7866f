/**
 * Document uploads: the file store owns documents. `requestDocumentUpload` signs an upload (no
 * call) for one staging key under the customer's prefix; `confirmDocumentUpload` reads what the store received,
 * checks it, and moves it where `documents` lists it. The upload id carries the staging key, so no
 * state is kept between the two; it is checked against the caller like any customer id.
 */
import { randomUUID } from 'node:crypto';
import type { AuditLog } from '../../audit/index.js';
import { canAccessCustomer, checkCustomerId, CUSTOMER_FORBIDDEN } from '../../auth/principal.js';
import type { CacheType } from '../../config/index.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../errors/index.js';
import type { MutationResolvers } from '../../generated/files.js';
import type { CacheDeps } from '../../platform/cache.js';
import { audited, REPEATABLE, checkText, targetCustomer } from '../mutations.js';
import { contentTypeOf, customerPrefix, toDocument, type FilesPort } from '../../ports/files.js';
import { filesKeys } from './loaders.js';

/** Content types a customer may upload (each also fixed by the file name's extension). */
export const UPLOAD_TYPES = ['application/pdf', 'image/png', 'image/jpeg', 'text/plain', 'text/csv'] as const;

export interface FilesMutationDeps {
  files: FilesPort;
  /** The files vendor's name, as the audit records it. */
  system: string;
  cache: CacheDeps<CacheType>;
  audit: AuditLog;
  /** Lifetime of a presigned upload, seconds. */
  uploadTtlS: number;
  /** Largest upload, bytes. */
  uploadMaxBytes: number;
}

/**
 * The bytes a file of each declared type starts with. The store checks only the Content-Type the client
 * declared; a text file or an executable declared as a PDF would otherwise be served to staff as
 * one. Text types have no signature and are not read.
 */
const MAGIC: Partial<Record<(typeof UPLOAD_TYPES)[number], { bytes: Buffer; example: string }>> = {
  'application/pdf': { bytes: Buffer.from('%PDF-'), example: 'a PDF starts with "%PDF-"' },
  'image/png': {
    bytes: Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    example: 'a PNG starts with 89 50 4E 47 0D 0A 1A 0A',
  },
  'image/jpeg': { bytes: Buffer.from([0xff, 0xd8, 0xff]), example: 'a JPEG starts with FF D8 FF' },
};
/** How much of an upload is read to check its signature (one ranged GET). */
const MAGIC_BYTES = 16;

/** Uploads land here first, outside `customers/`, so nothing unconfirmed is listed. */
const stagingPrefix = (crmId: string) => `uploads/${crmId}/`;

interface UploadRef {
  crmId: string;
  slot: string;
  name: string;
}
const encodeUpload = (u: UploadRef) => Buffer.from(`${u.crmId}/${u.slot}/${u.name}`).toString('base64url');
function decodeUpload(id: string): UploadRef {
  const m = /^([A-Za-z0-9_-]{1,64})\/([0-9a-f-]{36})\/([^/\\]{1,200})$/.exec(Buffer.from(id, 'base64url').toString('utf8'));
  // A forged id can only name the caller's own prefix, but it must also name a file an upload can
  // have (e.g. not ".."), so no store call is made for a key requestDocumentUpload never signs.
  if (!m || !/^[A-Za-z0-9_-]+$/.test(id) || !(UPLOAD_TYPES as readonly string[]).includes(contentTypeOf(m[3])))
    throw new BadUserInputError('id is not an upload id from requestDocumentUpload.', 'id');
  return { crmId: m[1], slot: m[2], name: m[3] };
}

export function filesMutations(deps: FilesMutationDeps): MutationResolvers {
  return {
    requestDocumentUpload: (_p, { input }, ctx) =>
      audited(
        deps.audit,
        ctx,
        { action: 'document.upload.request', systems: [deps.system], fields: ['name', 'contentType', 'size'] },
        async (a) => {
          const crmId = targetCustomer(ctx, input.customerId, 'input.customerId', a);
          const name = checkText(input.name, 'input.name', 1, 200);
          // eslint-disable-next-line no-control-regex
          if (/[/\\\u0000-\u001f\u007f]/.test(name))
            throw new BadUserInputError(
              'input.name is a file name without "/", "\\" or control characters, e.g. "invoice.pdf".',
              'input.name',
            );
          if (!(UPLOAD_TYPES as readonly string[]).includes(input.contentType))
            throw new BadUserInputError(`input.contentType must be one of ${UPLOAD_TYPES.join(', ')}.`, 'input.contentType');
          if (contentTypeOf(name) !== input.contentType)
            throw new BadUserInputError(
              `input.contentType ${input.contentType} does not match the file name's extension (${contentTypeOf(name)}).`,
              'input.contentType',
            );
          if (!Number.isInteger(input.size) || input.size < 1 || input.size > deps.uploadMaxBytes)
            throw new BadUserInputError(`input.size must be 1 to ${deps.uploadMaxBytes} bytes.`, 'input.size');
          const ref = { crmId, slot: randomUUID(), name };
          const expiresAt = new Date(Date.now() + deps.uploadTtlS * 1000);
          const post = await deps.files.presignUpload({
            key: `${stagingPrefix(crmId)}${ref.slot}/${name}`,
            contentType: input.contentType,
            maxSize: input.size,
            ttlS: deps.uploadTtlS,
          });
          const id = encodeUpload(ref);
          a.detail = { uploadId: id };
          return {
            id,
            url: post.url,
            fields: Object.entries(post.fields).map(([n, value]) => ({ name: n, value })),
            expiresAt: expiresAt.toISOString(),
            maxSize: input.size,
          };
        },
        REPEATABLE,
      ),
    confirmDocumentUpload: (_p, { id }, ctx) =>
      audited(
        deps.audit,
        ctx,
        { action: 'document.upload.confirm', systems: [deps.system], fields: ['document'] },
        async (a) => {
          const ref = decodeUpload(id);
          checkCustomerId(ref.crmId);
          a.customerId = ref.crmId;
          if (!canAccessCustomer(ctx.principal, ref.crmId)) throw new ForbiddenError(CUSTOMER_FORBIDDEN);
          const staged = `${stagingPrefix(ref.crmId)}${ref.slot}/${ref.name}`;
          const final = `${customerPrefix(ref.crmId)}${ref.slot}/${ref.name}`;
          const head = await deps.files.headObject(staged);
          if (!head) {
            // Confirmed before: the same document again.
            const done = await deps.files.headObject(final);
            if (!done) throw new NotFoundError('Nothing was uploaded for this id (or the upload expired): request a new upload.');
            return toDocument(final, done.size, done.lastModified);
          }
          // The store enforced these through the signed policy; checked again so a store that does not is caught here.
          if (head.size < 1 || head.size > deps.uploadMaxBytes || head.contentType !== contentTypeOf(ref.name))
            throw new BadUserInputError('The uploaded file does not match the upload request (size or content type).', 'id');
          const magic = MAGIC[head.contentType as (typeof UPLOAD_TYPES)[number]];
          if (magic) {
            const start = await deps.files.readStart(staged, MAGIC_BYTES);
            if (!start) throw new NotFoundError('Nothing was uploaded for this id (or the upload expired): request a new upload.');
            if (!start.subarray(0, magic.bytes.length).equals(magic.bytes)) {
              // Deleted, not kept in staging: nothing may ever serve it, and the slot's presigned POST
              // (while it lasts) can take the right file, confirmed with the same id.
              await deps.files.deleteObject(staged);
              throw new BadUserInputError(
                `id: the uploaded file is not ${head.contentType} (${magic.example}); it was deleted. Upload the real file, e.g. a PDF exported by a PDF writer, and confirm again.`,
                'id',
              );
            }
          }
          await deps.files.moveObject(staged, final);
          a.detail = { documentId: Buffer.from(final).toString('base64url'), size: head.size };
          await deps.cache.afterWrite(ref.crmId, [filesKeys(deps.cache.prefix).documents(ref.crmId)]);
          return toDocument(final, head.size, head.lastModified);
        },
        REPEATABLE,
      ),
  };
}
