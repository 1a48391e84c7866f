/**
 * Billing mutations: the billing system owns subscriptions. The subscription acted on is always
 * the one of the target customer's own billing account (read fresh, not from the cache), so no id
 * from the client can reach another customer's. The account's cached entry is dropped after the write.
 *
 * "Fresh" means the direct read through the customer's link (`accountsByLinks`), never the lookup
 * by customer id: a search can lag writes by up to a minute, and a resume right after a cancel
 * would read the subscription as not cancelled and do nothing. The lookup is only the way to a
 * customer not linked yet.
 */
import type { AuditLog } from '../../audit/index.js';
import type { CacheType } from '../../config/index.js';
import { BadUserInputError, NotFoundError } from '../../errors/index.js';
import type { MutationResolvers } from '../../generated/billing.js';
import type { CacheDeps } from '../../platform/cache.js';
import type { CustomerLinks } from '../../customers/links.js';
import { audited, REPEATABLE, targetCustomer, vendorIdempotencyKey } from '../mutations.js';
import type { BillingPort, Subscription } from '../../ports/billing.js';
import { billingKeys } from './loaders.js';

export interface BillingMutationDeps {
  billing: BillingPort;
  /** The billing vendor's name, as the audit records it. */
  system: string;
  cache: CacheDeps<CacheType>;
  audit: AuditLog;
  links: CustomerLinks;
}

export function billingMutations(deps: BillingMutationDeps): MutationResolvers {
  const current = async (crmId: string): Promise<Subscription> => {
    const billingCustomerId = (await deps.links.get(crmId))?.billingCustomerId;
    const linked = billingCustomerId ? (await deps.billing.accountsByLinks([{ crmId, billingCustomerId }])).get(crmId) : undefined;
    const account = linked ?? (await deps.billing.accountsByCrmIds([crmId])).get(crmId);
    if (account && account.billingCustomerId !== billingCustomerId)
      await deps.links.update(crmId, { billingCustomerId: account.billingCustomerId });
    if (!account?.subscription) throw new NotFoundError('This customer has no subscription.');
    return account.subscription;
  };
  const purge = (crmId: string) => deps.cache.afterWrite(crmId, [billingKeys(deps.cache.prefix).account(crmId)]);
  return {
    cancelSubscription: (_p, { atPeriodEnd, customerId }, ctx, info) =>
      audited(
        deps.audit,
        ctx,
        { action: 'subscription.cancel', systems: [deps.system], fields: [atPeriodEnd === false ? 'status' : 'cancel_at_period_end'] },
        async (a) => {
          const crmId = targetCustomer(ctx, customerId, 'customerId', a);
          const sub = await current(crmId);
          a.detail = { subscriptionId: sub.id, atPeriodEnd: atPeriodEnd !== false };
          if (sub.status === 'CANCELED') return sub;
          let out: Subscription;
          if (atPeriodEnd === false) out = await deps.billing.cancelSubscriptionNow(sub.id);
          else if (sub.cancelAtPeriodEnd) return sub;
          else out = await deps.billing.setCancelAtPeriodEnd(sub.id, true, vendorIdempotencyKey(ctx, 'billing.subscription.cancel', info));
          await purge(crmId);
          return out;
        },
        REPEATABLE,
      ),
    resumeSubscription: (_p, { customerId }, ctx, info) =>
      audited(
        deps.audit,
        ctx,
        { action: 'subscription.resume', systems: [deps.system], fields: ['cancel_at_period_end'] },
        async (a) => {
          const crmId = targetCustomer(ctx, customerId, 'customerId', a);
          const sub = await current(crmId);
          a.detail = { subscriptionId: sub.id };
          if (sub.status === 'CANCELED')
            throw new BadUserInputError('This subscription was canceled at once and cannot be resumed; start a new one.', 'customerId');
          if (!sub.cancelAtPeriodEnd) return sub;
          const out = await deps.billing.setCancelAtPeriodEnd(
            sub.id,
            false,
            vendorIdempotencyKey(ctx, 'billing.subscription.resume', info),
          );
          await purge(crmId);
          return out;
        },
        REPEATABLE,
      ),
  };
}
