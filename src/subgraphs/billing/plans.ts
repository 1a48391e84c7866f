/**
 * Plans and plan changes: the plans on sale (the billing system's active recurring prices, cached
 * for every caller alike), the billing system's preview of a change, and the change itself.
 *
 * The subscription acted on is read fresh from the billing system and its owner decides the
 * ownership check, before the plan is even looked at: another customer's subscription, or one
 * that does not exist, is the same FORBIDDEN, with reads only. The preview and the change send
 * the billing system the same parameters (one proration date), so the change is charged exactly
 * what was previewed.
 */
import type { AuditNote } from '../../audit/index.js';
import { noteCustomerRead, noteDeniedRead } from '../../audit/reads.js';
import type { RequestContext } from '../../auth/context.js';
import { CUSTOMER_FORBIDDEN, ownCustomerId } from '../../auth/principal.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../errors/index.js';
import type { MutationResolvers, QueryResolvers } from '../../generated/billing.js';
import { BillingInputError, type Plan, type PlanChangeOptions, type SubscriptionState } from '../../ports/billing.js';
import { audited, REPEATABLE, vendorIdempotencyKey } from '../mutations.js';
import { billingKeys } from './loaders.js';
import { freshAccount, reachBillingCustomer, type BillingMutationDeps } from './mutations.js';

/** What a billing object id looks like; anything else never reaches the vendor. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;
/** How old a preview's proration date may be when the change is confirmed (a later one would credit time already used). */
export const PRORATION_DATE_MAX_AGE_S = 3600;
/** Clock skew tolerated for a proration date "in the future". */
const CLOCK_SKEW_S = 60;

const nowS = () => Math.floor(Date.now() / 1000);
const iso = (s: number) => new Date(s * 1000).toISOString();

/**
 * The proration date to charge by: the client's (a preview's), whole seconds, at most an hour old
 * and not in the future; now when none is given.
 */
export function checkProrationDate(value: string | Date | null | undefined): string {
  if (value == null) return iso(nowS());
  const s = Math.floor(new Date(value).getTime() / 1000);
  const now = nowS();
  if (!Number.isFinite(s) || s > now + CLOCK_SKEW_S || s < now - PRORATION_DATE_MAX_AGE_S)
    throw new BadUserInputError(
      `prorationDate must be the proration date of a preview made in the last ${PRORATION_DATE_MAX_AGE_S / 60} minutes (not in the future); preview again for a new one.`,
      'prorationDate',
    );
  return iso(Math.min(s, now));
}

export function billingPlans(deps: BillingMutationDeps): {
  Query: QueryResolvers;
  Mutation: Pick<MutationResolvers, 'changeSubscriptionPlan'>;
} {
  const plans = (): Promise<Plan[]> =>
    deps.cache.cache.getOrSet(billingKeys(deps.cache.prefix).plans(), deps.cache.ttl.plans, () => deps.billing.plans());

  /**
   * The subscription a plan change acts on (the caller's own current one when `subscriptionId` is
   * omitted, for customer tokens), the customer it belongs to if the caller may reach it, and the
   * plan, checked: BAD_USER_INPUT naming the argument for anything the billing system would refuse.
   */
  async function target(ctx: RequestContext, a: AuditNote, planId: string, subscriptionId: string | null | undefined) {
    if (!SAFE_ID.test(planId)) throw new BadUserInputError('planId must be a plan id from `plans`, e.g. "price_1AbC".', 'planId');
    let id = subscriptionId;
    if (id == null) {
      const own = ownCustomerId(ctx.principal);
      if (!own)
        throw new BadUserInputError(
          'Name the subscription: subscriptionId is required for staff and partner tokens (Billing.subscription.id).',
          'subscriptionId',
        );
      a.customerId = own;
      const account = await freshAccount(deps, own);
      if (!account?.subscription) throw new NotFoundError('This customer has no subscription.');
      id = account.subscription.id;
    } else if (!SAFE_ID.test(id))
      throw new BadUserInputError('subscriptionId must be a subscription id from Billing.subscription, e.g. "sub_1AbC".', 'subscriptionId');
    const sub = await deps.billing.subscription(id);
    // Ownership first, with reads only: another customer's subscription, or none, is the same FORBIDDEN.
    const crmId = await reachBillingCustomer(deps, ctx, a, sub?.billingCustomerId);
    if (!sub) throw new ForbiddenError(CUSTOMER_FORBIDDEN);
    if (sub.status !== 'ACTIVE' && sub.status !== 'TRIALING')
      throw new BadUserInputError(
        `This subscription is ${sub.status.toLowerCase()}: only an active or trialing subscription changes plan.`,
        'subscriptionId',
      );
    const item = sub.items[0];
    if (sub.items.length !== 1 || !item)
      throw new BadUserInputError('This subscription has several plans; change it in the billing system.', 'subscriptionId');
    // Already on it: no plan check (a retry of a change made may name a plan taken off sale since).
    if (item.planId === planId) return { crmId, sub, same: true, cycleReset: false };
    const plan = (await plans()).find((p) => p.id === planId);
    if (!plan) throw new BadUserInputError(`${planId} is not a plan on sale: take one from \`plans\`.`, 'planId');
    if (plan.interval === 'UNKNOWN')
      throw new BadUserInputError(`${planId} is billed at an interval this API does not know; change it in the billing system.`, 'planId');
    // The currency stays: a subscription is charged in one currency for good.
    if (!plan.prices.some((p) => p.currency === sub.currency))
      throw new BadUserInputError(`This plan is not sold in ${sub.currency}, the subscription's currency.`, 'planId');
    // Another billing interval (e.g. monthly to yearly): the billing system restarts the billing
    // cycle now and invoices the change at once (the new plan's first period, less the unused time).
    const cycleReset = plan.interval !== item.interval || plan.intervalCount !== item.intervalCount;
    return { crmId, sub, same: false, cycleReset };
  }

  const samePlan = () => new BadUserInputError('The subscription is already on this plan.', 'planId');

  /** A refusal by the billing system, as BAD_USER_INPUT naming the argument. */
  const refused = (err: unknown): never => {
    if (err instanceof BillingInputError) throw new BadUserInputError(`The billing system refused ${err.field}: ${err.message}`, err.field);
    throw err;
  };

  return {
    Query: {
      plans: () => plans(),
      planChangePreview: async (_p, { planId, subscriptionId, prorate }, ctx) => {
        const note: AuditNote = {};
        const readDeps = { audit: deps.audit, system: deps.system };
        let t: { crmId: string; sub: SubscriptionState; same: boolean; cycleReset: boolean };
        try {
          t = await target(ctx, note, planId, subscriptionId);
          if (t.same) throw samePlan();
        } catch (err) {
          if (err instanceof ForbiddenError && note.customerId) noteDeniedRead(ctx, note.customerId, readDeps);
          throw err;
        }
        noteCustomerRead(ctx, t.crmId, readDeps);
        const opts: PlanChangeOptions = { prorate: prorate !== false, prorationDate: iso(nowS()) };
        const quote = await deps.billing.previewPlanChange(t.sub, planId, opts).catch(refused);
        return {
          subscriptionId: t.sub.id,
          planId,
          prorationDate: opts.prorationDate,
          prorationAmount: quote.prorationAmount,
          nextInvoiceTotal: quote.nextInvoiceTotal,
          // A change of billing interval is invoiced at once (at the proration date's moment), the others at the period end.
          nextInvoiceAt: t.cycleReset ? opts.prorationDate : t.sub.currentPeriodEnd,
          invoicedNow: t.cycleReset,
          currency: quote.currency,
        };
      },
    },
    Mutation: {
      changeSubscriptionPlan: (_p, { planId, prorate, prorationDate, subscriptionId }, ctx, info) =>
        audited(
          deps.audit,
          ctx,
          { action: 'subscription.plan_change', systems: [deps.system], fields: ['plan'], detail: { planId } },
          async (a) => {
            a.customerId = ownCustomerId(ctx.principal) ?? null;
            const opts: PlanChangeOptions = { prorate: prorate !== false, prorationDate: checkProrationDate(prorationDate) };
            const t = await target(ctx, a, planId, subscriptionId);
            a.detail = {
              subscriptionId: t.sub.id,
              fromPlanId: t.sub.items[0]?.planId ?? null,
              planId,
              prorate: opts.prorate,
              prorationDate: opts.prorate ? opts.prorationDate : null,
              ...(t.cycleReset ? { billingCycleReset: true } : {}),
            };
            // Already on the plan: bad input, unless this is the retry of a change made under the
            // client's key whose answer was lost (the billing system tells from the key derived from it).
            if (t.same && !ctx.idempotencyKey) throw samePlan();
            const out = await deps.billing
              .changePlan(t.sub, planId, opts, vendorIdempotencyKey(ctx, 'billing.subscription.plan', info))
              .catch(refused);
            if (t.same && !out.replayed) throw samePlan();
            await deps.cache.afterWrite(t.crmId, [billingKeys(deps.cache.prefix).account(t.crmId)]);
            return out.subscription;
          },
          // Keyed vendor write (the billing system answers a retry with the first result): safe to run again under the client's key.
          REPEATABLE,
        ),
    },
  };
}
