/** S3's variables: the bucket, the endpoint and credentials, and the presigned URLs' limits. */
import { z } from 'zod';
import { bool, int, section } from '../../config/vars.js';

export const s3Settings = section({
  vars: {
    S3_BUCKET: {
      schema: z.string().min(3),
      example: 'acme-portal-files',
      doc: 'Bucket holding customer documents under `customers/<crmId>/`.',
      credential: true,
      selectsRealVendor: true,
    },
    S3_REGION: { schema: z.string().min(1).prefault('us-east-1'), example: 'eu-west-1', doc: 'S3 region.' },
    S3_ENDPOINT: {
      schema: z.url(),
      example: 'https://s3.eu-west-1.amazonaws.com',
      doc: 'Custom S3-compatible endpoint (MinIO, R2...). Empty = AWS.',
    },
    S3_FORCE_PATH_STYLE: {
      schema: bool.prefault('false'),
      example: 'true',
      doc: 'Path-style bucket addressing (needed by most S3-compatible servers).',
    },
    S3_ACCESS_KEY_ID: {
      schema: z.string().min(3),
      example: 'AKIA...',
      doc: 'S3 access key id. Empty = the AWS default credential chain (IAM role).',
    },
    S3_SECRET_ACCESS_KEY: { schema: z.string().min(3), example: '...', doc: 'S3 secret access key.', secret: true },
    S3_PRESIGN_TTL_S: { schema: int(10, 3600).prefault('300'), example: '300', doc: 'Lifetime of presigned download URLs, seconds.' },
    S3_PRESIGNED_CACHE_MAX_BYTES: {
      schema: int(0, 1024 ** 3).prefault('4194304'),
      example: '4194304',
      doc: 'Byte bound of the presigned download URLs kept in memory for half their lifetime (`cache="presigned_urls"` in /metrics); 0 = sign every download.',
    },
    S3_UPLOAD_TTL_S: {
      schema: int(1, 3600).prefault('300'),
      example: '300',
      doc: 'Lifetime of a presigned upload (POST policy `expiration`), seconds.',
    },
    S3_UPLOAD_MAX_BYTES: {
      schema: int(1, 5 * 1024 ** 3).prefault('26214400'),
      example: '26214400',
      doc: 'Largest document a customer may upload, bytes; S3 enforces it through the policy (`content-length-range`).',
    },
  },
  build: (v) => ({
    bucket: v.S3_BUCKET,
    region: v.S3_REGION,
    endpoint: v.S3_ENDPOINT,
    forcePathStyle: v.S3_FORCE_PATH_STYLE,
    accessKeyId: v.S3_ACCESS_KEY_ID,
    secretAccessKey: v.S3_SECRET_ACCESS_KEY,
    presignTtlS: v.S3_PRESIGN_TTL_S,
    presignedCacheMaxBytes: v.S3_PRESIGNED_CACHE_MAX_BYTES,
    uploadTtlS: v.S3_UPLOAD_TTL_S,
    uploadMaxBytes: v.S3_UPLOAD_MAX_BYTES,
  }),
});

declare module '../../config/vendors.js' {
  interface VendorConfigs {
    s3: ReturnType<typeof s3Settings.build>;
  }
}
