/**
 * Documents in S3 (or any S3-compatible store) through the AWS SDK. Listing is one
 * ListObjectsV2 per customer prefix (S3 lists one prefix per call); download URLs are presigned
 * locally, no call.
 */
import { GetObjectCommand, ListObjectsV2Command, S3Client, S3ServiceException, type ListObjectsV2CommandOutput } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { createLocalCaches, stringBytes, type LocalCaches } from '../../platform/local-cache.js';
import { UpstreamError } from '../../errors/index.js';
import { RetryableError, type UpstreamPolicy } from '../../platform/upstream.js';
import type { Logger } from '../../platform/logger.js';
import { traceAwsClient } from '../../platform/upstream-tracing.js';
import { customerPrefix, toDocument, type DocumentSummary, type FilesPort } from '../../ports/files.js';
import { createFilesWrites } from './uploads.js';

/** S3 as Portico's document store: the files port (src/ports/files.ts), and its SDK client to close. */
export interface FilesConnector extends FilesPort {
  close(): void;
}

export interface FilesConnectorOptions {
  bucket: string;
  region: string;
  endpoint?: string;
  forcePathStyle: boolean;
  accessKeyId?: string;
  secretAccessKey?: string;
  presignTtlS: number;
  /** Byte bound of the presigned URLs kept for half their lifetime (0 = none kept). */
  presignedCacheMaxBytes: number;
  /** How long a signed upload lives (seconds), and its largest size (bytes). */
  uploadTtlS: number;
  uploadMaxBytes: number;
  /** Deadline, retries, breaker: the SDK makes one attempt per policy attempt, within the deadline. */
  policy: UpstreamPolicy;
  logger?: Logger;
  /** Where the presigned-URL memo is registered (bytes in /metrics). @default a private set */
  caches?: LocalCaches;
}

/** An AWS SDK error as the upstream policy sees it: retryable (network, 5xx, throttling) or the caller's. */
function classifyS3(err: unknown): unknown {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  const status = e.$metadata?.httpStatusCode;
  if (e.name === 'TimeoutError' || e.name === 'AbortError') return new RetryableError('timeout', 'timeout');
  if (e.name === 'SlowDown' || status === 429 || (status === 503 && e.name === 'SlowDown'))
    return new RetryableError('rate_limited', String(status ?? 429));
  if (status === undefined || status >= 500) return new RetryableError('unavailable', String(status ?? 'error'));
  return err;
}

function mapS3Error(err: unknown): UpstreamError {
  const e = err as { name?: string; $metadata?: { httpStatusCode?: number } };
  if (e.name === 'TimeoutError' || e.name === 'AbortError' || (err as Error)?.message?.includes('timed out'))
    return new UpstreamError('files', 'timeout');
  if (err instanceof S3ServiceException && (e.name === 'SlowDown' || e.$metadata?.httpStatusCode === 429))
    return new UpstreamError('files', 'rate_limited');
  return new UpstreamError('files', 'unavailable');
}

export function createFilesConnector(o: FilesConnectorOptions): FilesConnector {
  const presigned = (o.caches ?? createLocalCaches()).lru<string, string>({
    name: 'presigned_urls',
    maxBytes: o.presignedCacheMaxBytes,
    sizeOf: (url, key) => stringBytes(url) + stringBytes(key),
    ttlMs: (o.presignTtlS * 1000) / 2,
  });
  const s3 = new S3Client({
    region: o.region,
    endpoint: o.endpoint,
    forcePathStyle: o.forcePathStyle,
    maxAttempts: 1, // retries belong to the policy, within its budget and deadline
    credentials: o.accessKeyId && o.secretAccessKey ? { accessKeyId: o.accessKeyId, secretAccessKey: o.secretAccessKey } : undefined,
    // Checksums only where S3 requires them: S3-compatible stores often reject the newer defaults.
    requestChecksumCalculation: 'WHEN_REQUIRED',
    responseChecksumValidation: 'WHEN_REQUIRED',
  });
  traceAwsClient(s3, 'files');
  // One SDK call of the upload flow under the policy (HEAD, copy, delete: all safe to repeat); S3's 404
  // passes through (the caller reads it), the rest is mapped.
  async function call<T>(route: string, fn: (signal: AbortSignal) => Promise<T>): Promise<T> {
    try {
      return await o.policy.call({ route, idempotent: true, classify: classifyS3 }, (signal) => fn(signal));
    } catch (err) {
      if (err instanceof UpstreamError) throw err;
      if (err instanceof S3ServiceException && err.$metadata?.httpStatusCode === 404) throw err;
      o.logger?.warn({ system: 'files', route, err: (err as Error).name }, 's3 call failed');
      throw mapS3Error(err);
    }
  }
  return {
    uploads: { ttlS: o.uploadTtlS, maxBytes: o.uploadMaxBytes },
    ...createFilesWrites({
      s3,
      bucket: o.bucket,
      call,
      onLeftover: (key, err) =>
        o.logger?.warn(
          { system: 'files', key, err: (err as Error).name },
          'a confirmed upload is in place, but its staged copy could not be deleted: the bucket lifecycle rule on uploads/ removes it',
        ),
    }),
    async listDocuments(crmId) {
      const docs: DocumentSummary[] = [];
      let token: string | undefined;
      do {
        let res: ListObjectsV2CommandOutput;
        try {
          const command = new ListObjectsV2Command({ Bucket: o.bucket, Prefix: customerPrefix(crmId), ContinuationToken: token });
          res = await o.policy.call({ route: 'ListObjectsV2', idempotent: true, classify: classifyS3 }, (signal) =>
            s3.send(command, { abortSignal: signal }),
          );
        } catch (err) {
          if (err instanceof UpstreamError) throw err;
          o.logger?.warn({ system: 'files', err: (err as Error).name }, 's3 call failed');
          throw mapS3Error(err);
        }
        for (const obj of res.Contents ?? [])
          if (obj.Key && !obj.Key.endsWith('/')) docs.push(toDocument(obj.Key, obj.Size ?? 0, obj.LastModified ?? new Date(0)));
        token = res.IsTruncated ? res.NextContinuationToken : undefined;
      } while (token);
      return docs.sort((a, b) => (a.uploadedAt === b.uploadedAt ? (a.key < b.key ? -1 : 1) : a.uploadedAt < b.uploadedAt ? 1 : -1));
    },
    async downloadUrl(key, fileName) {
      // Signing runs the SDK's whole middleware stack; a URL is reused for half its lifetime, so
      // every URL handed out stays valid for at least presignTtlS / 2.
      // Keyed by object and file name: the name is signed into the URL (Content-Disposition).
      const memo = `${key}\n${fileName}`;
      const cached = presigned.get(memo);
      if (cached) return cached;
      const disposition = `attachment; filename="${fileName.replace(/["\\\r\n]/g, '_')}"`;
      const url = await getSignedUrl(s3, new GetObjectCommand({ Bucket: o.bucket, Key: key, ResponseContentDisposition: disposition }), {
        expiresIn: o.presignTtlS,
      });
      presigned.set(memo, url);
      return url;
    },
    close: () => s3.destroy(),
  };
}
