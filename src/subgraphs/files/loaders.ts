import DataLoader from 'dataloader';
import type { CacheType } from '../../config/index.js';
import { cachedEach, type CacheDeps } from '../../platform/cache.js';
import type { FilesConnector } from '../../vendors/s3/connector.js';
import type { DocumentSummary } from './mappers.js';

export const filesKeys = (prefix: string) => ({
  documents: (crmId: string) => `${prefix}:files:documents:${crmId}:v1`,
});

export interface FilesLoaders {
  documents: DataLoader<string, DocumentSummary[]>;
}

export function createFilesLoaders(files: FilesConnector, c: CacheDeps<CacheType>): FilesLoaders {
  const keys = filesKeys(c.prefix);
  return {
    // S3 lists one prefix per call: one call per customer, as fast as the vendor budget allows.
    documents: new DataLoader(async (crmIds) =>
      (await cachedEach(c.cache, crmIds, keys.documents, c.ttl.documents, (id) => files.listDocuments(id))).map((l) => l ?? []),
    ),
  };
}
