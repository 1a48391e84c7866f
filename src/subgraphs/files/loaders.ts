import DataLoader from 'dataloader';
import type { CacheType } from '../../config/index.js';
import { cachedEach, type CacheDeps } from '../../platform/cache.js';
import type { DocumentSummary, FilesPort } from '../../ports/files.js';

export const filesKeys = (prefix: string) => ({
  documents: (crmId: string) => `${prefix}:files:documents:${crmId}:v1`,
});

export interface FilesLoaders {
  documents: DataLoader<string, DocumentSummary[]>;
}

export function createFilesLoaders(files: FilesPort, c: CacheDeps<CacheType>): FilesLoaders {
  const keys = filesKeys(c.prefix);
  return {
    // One listing per customer, as fast as the vendor budget allows.
    documents: new DataLoader(async (crmIds) =>
      (await cachedEach(c.cache, crmIds, keys.documents, c.ttl.documents, (id) => files.listDocuments(id))).map((l) => l ?? []),
    ),
  };
}
