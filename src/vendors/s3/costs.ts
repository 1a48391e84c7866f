import type { CostTable } from '../../guards/cost-model.js';

/** File store calls: one listing per customer; signed URLs are computed locally. */
export const s3Costs: CostTable = {
  'Customer.documents': { calls: 1, items: { arg: 'first', default: 10 } },
  // Writes: the upload is signed locally; the confirmation is a read of its size, a copy and a delete.
  'Mutation.confirmDocumentUpload': { calls: 3 },
};
