import DataLoader from 'dataloader';
import { mapBounded } from '../../platform/concurrency.js';
import type { FilesConnector } from './connector.js';
import type { DocumentSummary } from './mappers.js';

export interface FilesLoaders {
  documents: DataLoader<string, DocumentSummary[]>;
}

export function createFilesLoaders(files: FilesConnector, concurrency: number): FilesLoaders {
  return {
    // S3 lists one prefix per call: one call per customer, at most `concurrency` at once.
    documents: new DataLoader((crmIds) => mapBounded(crmIds, concurrency, (id) => files.listDocuments(id))),
  };
}
