/**
 * Billing subgraph: extends Customer with its billing account, subscription, cards and invoices,
 * through the billing port. The only entry point of this folder.
 */
import type { AuditLog } from '../../audit/index.js';
import type { RequestContext } from '../../auth/context.js';
import { perRequest } from '../../auth/context.js';
import { ownedCustomerRef } from '../../auth/principal.js';
import { buildSecureSubgraphSchema } from '../../auth/schema.js';
import type { Resolvers, SubscriptionStatus } from '../../generated/billing.js';
import { offsetPage, pageArgs } from '../../platform/pagination.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import { loadSdl } from '../sdl.js';
import { billingMutations, type BillingMutationDeps } from './mutations.js';
import { billingPlans } from './plans.js';
import type { BillingAccount, BillingPort } from '../../ports/billing.js';
import { billingCustomerKeys, createBillingLoaders, type BillingLoaders } from './loaders.js';
import type { CacheDeps } from '../../platform/cache.js';
import type { CacheType } from '../../config/index.js';
import { requestLinkLoader, type CustomerLinks } from '../../customers/links.js';
import { hasScopes, type Principal } from '../../auth/principal.js';
import { prefetchTargets, type PrefetchRequest } from '../../platform/prefetch.js';

export { billingKeys } from './loaders.js';

const LOADERS = Symbol('billing.loaders');

export interface BillingSubgraphDeps {
  billing: BillingPort;
  /** The billing vendor's name: the audit's system for writes (e.g. the vendor module's `name`). */
  system: string;
  cache: CacheDeps<CacheType>;
  /** Where this subgraph records writes and staff or partner reads (src/audit). */
  audit: AuditLog;
  /** Customer links (customers/links.ts): direct endpoints for linked customers. */
  links: CustomerLinks;
  /** Queues the CRM's copy of billing-owned fields, and the contact copies (src/replicas). */
  replicas?: BillingMutationDeps['replicas'];
  /** The features each plan unlocks (ENTITLEMENT_PLANS). @default none */
  plans?: Readonly<Record<string, readonly string[]>>;
}

/** Subscription statuses that grant access: paid up, or in a trial. */
const ENTITLED: ReadonlySet<SubscriptionStatus> = new Set(['ACTIVE', 'TRIALING']);

/**
 * A customer's entitlements from their billing account: the subscription's plan, whether it grants
 * access now, and the plan's features when it does.
 */
export function entitlementsOf(
  account: Pick<BillingAccount, 'subscription'> | null,
  plans: Readonly<Record<string, readonly string[]>>,
): { plan: string | null; active: boolean; features: string[] } {
  const sub = account?.subscription ?? null;
  const active = sub !== null && ENTITLED.has(sub.status);
  const plan = sub?.plan ?? null;
  return { plan, active, features: active && plan ? [...(Object.hasOwn(plans, plan) ? plans[plan] : [])] : [] };
}

export function createBillingSubgraph(deps: BillingSubgraphDeps) {
  const loaders = (ctx: RequestContext): BillingLoaders =>
    perRequest(ctx, LOADERS, () => createBillingLoaders(deps.billing, deps.cache, deps.links, requestLinkLoader(ctx, deps.links)));
  const can = (p: Principal, scope: string) => hasScopes(p, [[scope]]);
  const plans = billingPlans(deps);

  const resolvers: Resolvers = {
    DateTime: DateTimeScalar,
    Customer: {
      __resolveReference: (ref, ctx) => ownedCustomerRef(ref, ctx.principal),
      billing: (c, _args, ctx) => loaders(ctx).account.load(c.id),
      // The account record (cached, dropped by every subscription event of the customer).
      entitlements: async (c, _args, ctx) => entitlementsOf(await loaders(ctx).account.load(c.id), deps.plans ?? {}),
    },
    Billing: {
      paymentMethods: (b, _args, ctx) => loaders(ctx).cards.load(b.crmId),
      invoices: async (b, { first, after }, ctx) => {
        const page = pageArgs(first, after);
        return offsetPage(await loaders(ctx).invoices.load(b.crmId), page);
      },
    },
    Query: plans.Query,
    Mutation: { ...billingMutations(deps), ...plans.Mutation },
  };

  return {
    name: 'billing' as const,
    schema: buildSecureSubgraphSchema(loadSdl('billing'), resolvers),
    /**
     * Starts this request's billing reads before the gateway reaches this subgraph (the customer
     * is known from the token or the arguments): the resolvers later find them in the loaders.
     * Only what the principal may see is started.
     */
    prefetch(ctx: RequestContext, req: PrefetchRequest) {
      const billing = prefetchTargets(req, 'billing')[0];
      if (!can(ctx.principal, 'billing.summary:read')) return;
      const l = loaders(ctx);
      // Entitlements alone need only the account.
      if (!billing) return prefetchTargets(req, 'entitlements').length ? Promise.allSettled([l.account.load(req.customerId)]) : undefined;
      const started: Promise<unknown>[] = [l.account.load(req.customerId)];
      if (prefetchTargets({ ...req, fields: billing.fields }, 'invoices').length && can(ctx.principal, 'billing.invoices:read'))
        started.push(l.invoices.load(req.customerId));
      if (
        prefetchTargets({ ...req, fields: billing.fields }, 'paymentMethods').length &&
        can(ctx.principal, 'billing.payment_methods:read')
      )
        started.push(l.cards.load(req.customerId));
      // Errors reach the resolvers that read them.
      return Promise.allSettled(started);
    },
    purgeCustomer: (crmId: string) => deps.cache.cache.purge(billingCustomerKeys(deps.cache.prefix, crmId)),
  };
}
