import type { CostTable } from '../../guards/cost-model.js';

/** S3 calls (see connector.ts): one ListObjectsV2 per customer; presigned URLs are computed locally. */
export const FILES_COSTS: CostTable = {
  'Customer.documents': { calls: 1, items: { arg: 'first', default: 10 } },
  // Writes: the upload is signed locally; the confirmation is a HEAD, a copy and a delete.
  'Mutation.confirmDocumentUpload': { calls: 3 },
};
