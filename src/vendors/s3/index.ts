/**
 * S3 (or any S3-compatible store) as the file store: per-customer prefixes, presigned POST
 * uploads and GET downloads, and its published request rates.
 */
import { s3Settings } from './config.js';
import type { VendorModule } from '../types.js';

export const s3: VendorModule = {
  name: 's3',
  settings: s3Settings,
  domain: 'files',
  // 5,500 GET a second per prefix.
  budgets: { s3: { limit: 5500, windowS: 1 } },
};
