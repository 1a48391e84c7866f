/**
 * S3 (or any S3-compatible store) as the file store: per-customer prefixes, presigned POST
 * uploads and GET downloads, and its published request rates.
 */
import type { FilesVendor } from '../types.js';
import { s3Costs } from './costs.js';
import { s3Settings } from './config.js';
import { createFilesConnector } from './connector.js';
import { s3Simulator } from './simulator.js';

export const s3: FilesVendor = {
  name: 's3',
  settings: s3Settings,
  domain: 'files',
  // 5,500 GET a second per prefix.
  budgets: { s3: { limit: 5500, windowS: 1 } },
  costs: s3Costs,
  createFiles: ({ config, policy, logger, caches }) => createFilesConnector({ ...config.s3, policy, logger, caches }),
  simulator: s3Simulator,
};
