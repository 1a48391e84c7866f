/**
 * S3 (or any S3-compatible store) as the file store: per-customer prefixes, presigned POST
 * uploads and GET downloads, and its published request rates.
 */
import type { VendorModule } from '../types.js';
import { s3Simulator } from './simulator.js';

export const s3: VendorModule = {
  name: 's3',
  domain: 'files',
  // 5,500 GET a second per prefix.
  budgets: { s3: { limit: 5500, windowS: 1 } },
  simulator: s3Simulator,
};
