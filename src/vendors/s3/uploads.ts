/**
 * S3 writes for uploads. The file never passes through Portico: the client gets a presigned POST
 * policy (S3 checks the signature, expiry, key, Content-Type and size itself), uploads into a
 * staging prefix, and the confirmation HEADs the object, reads its first bytes (types with a magic
 * number), and copies it under the customer's documents prefix, where listings find it.
 */
import {
  CopyObjectCommand,
  DeleteObjectCommand,
  GetObjectCommand,
  HeadObjectCommand,
  S3ServiceException,
  type S3Client,
} from '@aws-sdk/client-s3';
import { createPresignedPost } from '@aws-sdk/s3-presigned-post';
import type { FilesPort } from '../../ports/files.js';

export type FilesWrites = Pick<FilesPort, 'presignUpload' | 'headObject' | 'moveObject' | 'readStart' | 'deleteObject'>;

export interface FilesWritesDeps {
  s3: S3Client;
  bucket: string;
  /** Runs one SDK call under the connector's deadline, breaker and error mapping. */
  call<T>(route: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T>;
  /** A staged object a finished move could not delete (left for the bucket's lifecycle rule). */
  onLeftover?(key: string, err: unknown): void;
}

export function createFilesWrites(d: FilesWritesDeps): FilesWrites {
  async function headObject(key: string) {
    try {
      const h = await d.call('HeadObject', (signal) =>
        d.s3.send(new HeadObjectCommand({ Bucket: d.bucket, Key: key }), { abortSignal: signal }),
      );
      return { size: h.ContentLength ?? 0, contentType: h.ContentType ?? null, lastModified: h.LastModified ?? new Date() };
    } catch (err) {
      if (err instanceof S3ServiceException && (err.name === 'NotFound' || err.$metadata?.httpStatusCode === 404)) return null;
      throw err;
    }
  }
  return {
    presignUpload: ({ key, contentType, maxSize, ttlS }) =>
      createPresignedPost(d.s3, {
        Bucket: d.bucket,
        Key: key,
        Fields: { 'Content-Type': contentType },
        Conditions: [
          ['content-length-range', 1, maxSize],
          ['eq', '$Content-Type', contentType],
        ],
        Expires: ttlS,
      }),
    headObject,
    async readStart(key, bytes) {
      try {
        return await d.call('GetObject', async (signal) => {
          const res = await d.s3.send(new GetObjectCommand({ Bucket: d.bucket, Key: key, Range: `bytes=0-${bytes - 1}` }), {
            abortSignal: signal,
          });
          // A store that ignores Range answers the whole object: only the start is kept.
          return Buffer.from((await res.Body?.transformToByteArray()) ?? []).subarray(0, bytes);
        });
      } catch (err) {
        if (err instanceof S3ServiceException && (err.name === 'NoSuchKey' || err.$metadata?.httpStatusCode === 404)) return null;
        throw err;
      }
    },
    async deleteObject(key) {
      await d.call('DeleteObject', (signal) => d.s3.send(new DeleteObjectCommand({ Bucket: d.bucket, Key: key }), { abortSignal: signal }));
    },
    async moveObject(from, to) {
      const source = `${d.bucket}/${from.split('/').map(encodeURIComponent).join('/')}`;
      try {
        await d.call('CopyObject', (signal) =>
          d.s3.send(new CopyObjectCommand({ Bucket: d.bucket, Key: to, CopySource: source }), { abortSignal: signal }),
        );
      } catch (err) {
        // The answer can be lost after S3 made the copy (a reset connection, a proxy's 5xx): `to` is a
        // key only this move writes, so if it is there the copy was made, and the move goes on to be
        // reported done. Not there (or not answerable): the failure it is, and nothing was moved.
        const there = await headObject(to).catch(() => null);
        if (!there) throw err;
      }
      try {
        await d.call('DeleteObject', (signal) =>
          d.s3.send(new DeleteObjectCommand({ Bucket: d.bucket, Key: from }), { abortSignal: signal }),
        );
      } catch (err) {
        // The document is in place: the move is done, whatever the staged copy's delete answered. A
        // staged copy left behind is never listed, and the bucket's lifecycle rule on uploads/ ends it.
        d.onLeftover?.(from, err);
      }
    },
  };
}
