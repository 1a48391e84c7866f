/**
 * Billing subgraph (Stripe): extends Customer with its billing account, subscription, cards and
 * invoices. The only entry point of this folder.
 */
import type { AuditLog } from '../../audit/index.js';
import type { RequestContext } from '../../auth/context.js';
import { perRequest } from '../../auth/context.js';
import { ownedCustomerRef } from '../../auth/principal.js';
import { buildSecureSubgraphSchema } from '../../auth/schema.js';
import type { Resolvers } from '../../generated/billing.js';
import { offsetPage, pageArgs } from '../../platform/pagination.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import { loadSdl } from '../sdl.js';
import { billingMutations } from './mutations.js';
import type { BillingConnector } from './connector.js';
import { billingCustomerKeys, createBillingLoaders, type BillingLoaders } from './loaders.js';
import type { CacheDeps } from '../../platform/cache.js';
import type { CacheType } from '../../config/index.js';

export { createBillingConnector, type BillingConnector } from './connector.js';
export { billingKeys } from './loaders.js';

const LOADERS = Symbol('billing.loaders');

export interface BillingSubgraphDeps {
  billing: BillingConnector;
  concurrency: number;
  cache: CacheDeps<CacheType>;
  /** Where this subgraph records writes and staff or partner reads (src/audit). */
  audit: AuditLog;
}

export function createBillingSubgraph(deps: BillingSubgraphDeps) {
  const loaders = (ctx: RequestContext): BillingLoaders =>
    perRequest(ctx, LOADERS, () => createBillingLoaders(deps.billing, deps.concurrency, deps.cache));

  const resolvers: Resolvers = {
    DateTime: DateTimeScalar,
    Customer: {
      __resolveReference: (ref, ctx) => ownedCustomerRef(ref, ctx.principal),
      billing: (c, _args, ctx) => loaders(ctx).account.load(c.id),
    },
    Billing: {
      paymentMethods: (b, _args, ctx) => loaders(ctx).cards.load(b),
      invoices: async (b, { first, after }, ctx) => {
        const page = pageArgs(first, after);
        return offsetPage(await loaders(ctx).invoices.load(b), page);
      },
    },
    Mutation: billingMutations(deps),
  };

  return {
    name: 'billing' as const,
    schema: buildSecureSubgraphSchema(loadSdl('billing'), resolvers),
    purgeCustomer: (crmId: string) => deps.cache.cache.purge(billingCustomerKeys(deps.cache.prefix, crmId)),
  };
}
export { BILLING_COSTS } from './cost.js';
