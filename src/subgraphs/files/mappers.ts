/** S3 objects -> documents. A document id is the base64url of its key; keys are `customers/<crmId>/<docId>/<file>`. */
import { extname } from 'node:path';

export interface CustomerRef {
  id: string;
}

export interface DocumentSummary {
  id: string;
  key: string;
  name: string;
  size: number;
  contentType: string;
  /** ISO-8601, so the summary survives a JSON round trip through the cache. */
  uploadedAt: string;
}

export const customerPrefix = (crmId: string) => `customers/${crmId}/`;

const TYPES: Record<string, string> = {
  '.pdf': 'application/pdf',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.gif': 'image/gif',
  '.txt': 'text/plain',
  '.csv': 'text/csv',
  '.json': 'application/json',
  '.zip': 'application/zip',
  '.doc': 'application/msword',
  '.docx': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  '.xlsx': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
};

/** ListObjectsV2 carries no Content-Type; the type follows the name (uploads store the same mapping). */
export function contentTypeOf(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

export function toDocument(key: string, size: number, lastModified: Date): DocumentSummary {
  const name = key.slice(key.lastIndexOf('/') + 1);
  return {
    id: Buffer.from(key).toString('base64url'),
    key,
    name,
    size,
    contentType: contentTypeOf(name),
    uploadedAt: lastModified.toISOString(),
  };
}
