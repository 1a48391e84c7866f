/**
 * The S3 simulator (sim/s3) for development: the file store pointed at it (path-style URLs).
 */
import type { VendorSimulator } from '../types.js';

export const s3Simulator: VendorSimulator = {
  load: async () => (await import('../../../sim/s3/index.js')).simulator,
  configure: (config, sim) => ({
    s3: {
      ...config.s3,
      bucket: sim.credentials.s3Bucket,
      region: sim.credentials.s3Region,
      endpoint: sim.url,
      forcePathStyle: true,
      accessKeyId: sim.credentials.s3AccessKeyId,
      secretAccessKey: sim.credentials.s3SecretAccessKey,
    },
  }),
  env: (sim) => ({
    S3_BUCKET: sim.credentials.s3Bucket,
    S3_REGION: sim.credentials.s3Region,
    S3_ENDPOINT: sim.url,
    S3_FORCE_PATH_STYLE: 'true',
    S3_ACCESS_KEY_ID: sim.credentials.s3AccessKeyId,
    S3_SECRET_ACCESS_KEY: sim.credentials.s3SecretAccessKey,
  }),
};
