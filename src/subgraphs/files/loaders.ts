import DataLoader from 'dataloader';
import { settled } from '../../platform/prefetch.js';
import type { CacheType } from '../../config/index.js';
import { cachedBatch, type CacheDeps } from '../../platform/cache.js';
import { mapBounded } from '../../platform/concurrency.js';
import type { FilesConnector } from './connector.js';
import type { DocumentSummary } from './mappers.js';

export const filesKeys = (prefix: string) => ({
  documents: (crmId: string) => `${prefix}:files:documents:${crmId}:v1`,
});

export interface FilesLoaders {
  documents: DataLoader<string, DocumentSummary[]>;
}

export function createFilesLoaders(files: FilesConnector, concurrency: number, c: CacheDeps<CacheType>): FilesLoaders {
  const keys = filesKeys(c.prefix);
  return {
    // S3 lists one prefix per call: one call per customer, at most `concurrency` at once.
    documents: new DataLoader(
      settled(async (crmIds) => {
        const lists = await cachedBatch(c.cache, crmIds, keys.documents, c.ttl.documents, async (missing) => {
          const docs = await mapBounded(missing, concurrency, (id) => files.listDocuments(id));
          return new Map(missing.map((id, i) => [id, docs[i]]));
        });
        return lists.map((l) => l ?? []);
      }),
    ),
  };
}
