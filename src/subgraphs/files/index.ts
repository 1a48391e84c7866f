/**
 * Files subgraph: extends Customer with its documents and signed download URLs, through the
 * files port. The only entry point of this folder.
 */
import type { AuditLog } from '../../audit/index.js';
import type { RequestContext } from '../../auth/context.js';
import { perRequest } from '../../auth/context.js';
import { ownedCustomerRef } from '../../auth/principal.js';
import { buildSecureSubgraphSchema } from '../../auth/schema.js';
import type { Resolvers } from '../../generated/files.js';
import { offsetPage, pageArgs } from '../../platform/pagination.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import { loadSdl } from '../sdl.js';
import { filesMutations } from './mutations.js';
import type { FilesPort } from '../../ports/files.js';
import { createFilesLoaders, filesKeys, type FilesLoaders } from './loaders.js';
import type { CacheDeps } from '../../platform/cache.js';
import type { CacheType } from '../../config/index.js';
import { hasScopes } from '../../auth/principal.js';
import { prefetchTargets, type PrefetchRequest } from '../../platform/prefetch.js';

const LOADERS = Symbol('files.loaders');

export interface FilesSubgraphDeps {
  files: FilesPort;
  /** The files vendor's name: the audit's system for writes (e.g. the vendor module's `name`). */
  system: string;
  cache: CacheDeps<CacheType>;
  /** Where this subgraph records writes and staff or partner reads (src/audit). */
  audit: AuditLog;
  /** Lifetime of a presigned upload, seconds. @default 300 */
  uploadTtlS?: number;
  /** Largest upload, bytes. @default 26214400 */
  uploadMaxBytes?: number;
}

export function createFilesSubgraph(deps: FilesSubgraphDeps) {
  const loaders = (ctx: RequestContext): FilesLoaders => perRequest(ctx, LOADERS, () => createFilesLoaders(deps.files, deps.cache));

  const resolvers: Resolvers = {
    DateTime: DateTimeScalar,
    Customer: {
      __resolveReference: (ref, ctx) => ownedCustomerRef(ref, ctx.principal),
      documents: async (c, { first, after }, ctx) => {
        const page = pageArgs(first, after);
        return offsetPage(await loaders(ctx).documents.load(c.id), page);
      },
    },
    Document: {
      downloadUrl: (d) => deps.files.downloadUrl(d.key, d.name),
    },
    Mutation: filesMutations({ ...deps, uploadTtlS: deps.uploadTtlS ?? 300, uploadMaxBytes: deps.uploadMaxBytes ?? 26_214_400 }),
  };

  return {
    name: 'files' as const,
    schema: buildSecureSubgraphSchema(loadSdl('files'), resolvers),
    /** Starts the customer's listing before the gateway reaches this subgraph; see gateway/prefetch.ts. */
    prefetch(ctx: RequestContext, req: PrefetchRequest) {
      if (!prefetchTargets(req, 'documents').length || !hasScopes(ctx.principal, [['files.documents:read']])) return;
      // Errors reach the resolvers that read them.
      return Promise.allSettled([loaders(ctx).documents.load(req.customerId)]);
    },
    purgeCustomer: (crmId: string) => deps.cache.cache.purge([filesKeys(deps.cache.prefix).documents(crmId)]),
  };
}
