/**
 * The files port: what Portico needs of a document store, in Portico's own words. A vendor
 * module (src/vendors/<vendor>) implements it; the files subgraph speaks only this. Documents
 * are addressed by key: `customers/<crmId>/<slot>/<file name>` once confirmed, uploads first land
 * under `uploads/<crmId>/` (Portico's layout, the same in every store).
 */
import { extname } from 'node:path';

/** A customer as the files subgraph's entity reference. */
export interface CustomerRef {
  id: string;
}

export interface DocumentSummary {
  /** base64url of the key. */
  id: string;
  key: string;
  name: string;
  size: number;
  contentType: string;
  /** ISO-8601, so the summary survives a JSON round trip through the cache. */
  uploadedAt: string;
}

/** A presigned upload: the client POSTs the file with these form fields to `url`. */
export interface PresignedUpload {
  url: string;
  fields: Record<string, string>;
}

export interface FilesPort {
  /** The upload policy this store was configured with: how long a signed upload lives, its largest size. */
  readonly uploads: { ttlS: number; maxBytes: number };
  /** The customer's documents (under `customerPrefix(crmId)`), newest first. */
  listDocuments(crmId: string): Promise<DocumentSummary[]>;
  /** A signed download URL for a key (no network call). */
  downloadUrl(key: string, fileName: string): Promise<string>;
  /** A signed upload for exactly this key and Content-Type, 1..maxSize bytes, valid ttlS seconds. */
  presignUpload(o: { key: string; contentType: string; maxSize: number; ttlS: number }): Promise<PresignedUpload>;
  /** Size and Content-Type of a stored file; null when there is none. */
  headObject(key: string): Promise<{ size: number; contentType: string | null; lastModified: Date } | null>;
  /** Moves a file to another key (copy, then delete the source). */
  moveObject(from: string, to: string): Promise<void>;
  /** The first `bytes` bytes of a file, to check what it is; null when there is none. */
  readStart(key: string, bytes: number): Promise<Buffer | null>;
  deleteObject(key: string): Promise<void>;
}

/** Where a customer's confirmed documents live. */
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

/** Listings carry no Content-Type; the type follows the name (uploads store the same mapping). */
export function contentTypeOf(name: string): string {
  return TYPES[extname(name).toLowerCase()] ?? 'application/octet-stream';
}

/** A stored file as a document. */
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
