/**
 * CRM subgraph (HubSpot): owns the Customer entity's identity and contact fields, and the root
 * queries that find customers. The only entry point of this folder.
 */
import type { AuditLog } from '../../audit/index.js';
import { noteCustomerRead, noteDeniedRead } from '../../audit/reads.js';
import type { RequestContext } from '../../auth/context.js';
import { perRequest } from '../../auth/context.js';
import { canAccessCustomer, checkCustomerId, CUSTOMER_FORBIDDEN, ownCustomerId, ownedCustomerRef } from '../../auth/principal.js';
import { buildSecureSubgraphSchema } from '../../auth/schema.js';
import { ForbiddenError, NotFoundError } from '../../errors/index.js';
import type { Resolvers } from '../../generated/crm.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import type { CacheDeps } from '../../platform/cache.js';
import type { CacheType } from '../../config/index.js';
import { checkFirst, offsetCursor, offsetStart } from '../../platform/pagination.js';
import { loadSdl } from '../sdl.js';
import type { CrmConnector } from './connector.js';
import { createCrmLoaders, crmCustomerKeys, type CrmLoaders } from './loaders.js';
import { fullName } from './mappers.js';

export { createCrmConnector, type CrmConnector } from './connector.js';
export { crmKeys } from './loaders.js';

const LOADERS = Symbol('crm.loaders');

export interface CrmSubgraphDeps {
  crm: CrmConnector;
  cache: CacheDeps<CacheType>;
  /** Where this subgraph records writes and staff or partner reads (src/audit). */
  audit: AuditLog;
}

export function createCrmSubgraph(deps: CrmSubgraphDeps) {
  const loaders = (ctx: RequestContext): CrmLoaders => perRequest(ctx, LOADERS, () => createCrmLoaders(deps.crm, deps.cache));

  const resolvers: Resolvers = {
    DateTime: DateTimeScalar,
    Query: {
      me: (_src, _args, ctx) => {
        const id = ownCustomerId(ctx.principal);
        if (!id) throw new ForbiddenError('`me` is for customer tokens. Staff use `customer(id:)` or `customers`.');
        return loaders(ctx).contact.load(id);
      },
      customer: async (_src, { id }, ctx) => {
        // Decided before any upstream call, and the same answer whether or not the id exists.
        checkCustomerId(id);
        if (!canAccessCustomer(ctx.principal, id)) {
          noteDeniedRead(ctx, id, deps);
          throw new ForbiddenError(CUSTOMER_FORBIDDEN);
        }
        const contact = await loaders(ctx).contact.load(id);
        if (!contact) throw new NotFoundError(`No customer with id ${JSON.stringify(id)}.`);
        noteCustomerRead(ctx, id, deps);
        return contact;
      },
      customers: async (_src, { first, after, search }, ctx) => {
        const size = checkFirst(first, 20);
        const start = offsetStart(after);
        // A partner limited to some customers searches only those (HubSpot filters and counts them),
        // so totalCount cannot tell whether any other email or name exists.
        const p = ctx.principal;
        const ids = p.kind === 'partner' && p.customerIds ? p.customerIds : undefined;
        if (ids && ids.length === 0) return { totalCount: 0, nodes: [], edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
        const page = await loaders(ctx).search({
          query: search?.trim() || undefined,
          limit: size,
          after: start ? String(start) : undefined,
          ...(ids ? { ids } : {}),
        });
        const visible = page.contacts.filter((c) => canAccessCustomer(ctx.principal, c.id));
        for (const c of visible) noteCustomerRead(ctx, c.id, deps);
        const edges = visible.map((node, i) => ({ cursor: offsetCursor(start + i), node }));
        return {
          totalCount: page.total,
          nodes: visible,
          edges,
          pageInfo: { hasNextPage: start + page.contacts.length < page.total, endCursor: edges.at(-1)?.cursor ?? null },
        };
      },
    },
    Customer: {
      __resolveReference: (ref, ctx) => loaders(ctx).contact.load(ownedCustomerRef(ref, ctx.principal).id),
      name: (c) => fullName(c),
    },
  };

  return {
    name: 'crm' as const,
    schema: buildSecureSubgraphSchema(loadSdl('crm'), resolvers),
    /** Drops the customer's cached CRM records (after our writes and webhooks). */
    purgeCustomer: (crmId: string) => deps.cache.cache.purge(crmCustomerKeys(deps.cache.prefix, crmId)),
  };
}
export { CRM_COSTS } from './cost.js';
