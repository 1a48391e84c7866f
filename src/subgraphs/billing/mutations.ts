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
import { randomUUID } from 'node:crypto';
import type { AuditLog, AuditNote } from '../../audit/index.js';
import type { RequestContext } from '../../auth/context.js';
import type { CacheType } from '../../config/index.js';
import { BadUserInputError, NotFoundError, PaymentDeclinedGraphQLError } from '../../errors/index.js';
import type { BillingDetailsInput, MutationResolvers } from '../../generated/billing.js';
import type { CacheDeps } from '../../platform/cache.js';
import type { CustomerLinks } from '../../customers/links.js';
import { audited, REPEATABLE, targetCustomer, vendorIdempotencyKey } from '../mutations.js';
import { ForbiddenError } from '../../errors/index.js';
import { canAccessCustomer, CUSTOMER_FORBIDDEN, ownCustomerId } from '../../auth/principal.js';
import {
  BillingInputError,
  PaymentDeclinedError,
  type BillingAccount,
  type BillingDetailsPatch,
  type BillingPort,
  type Subscription,
} from '../../ports/billing.js';
import { ISO_COUNTRIES } from '../../platform/countries.js';
import { isEmailAddress } from '../../platform/email.js';
import { billingKeys } from './loaders.js';

export interface BillingMutationDeps {
  billing: BillingPort;
  /** The billing vendor's name, as the audit records it. */
  system: string;
  cache: CacheDeps<CacheType>;
  audit: AuditLog;
  links: CustomerLinks;
  /**
   * Queues the CRM's copy of billing-owned fields, and (`contactChanged`) the copies of the CRM's
   * contact fields, e.g. its email once an invoice email is cleared (src/replicas); absent: not propagated (logged).
   */
  replicas?: {
    billingChanged(crmId: string, changeKey: string): Promise<void>;
    contactChanged?(crmId: string, changeKey: string): Promise<void>;
  };
}

const TAX_IDS_MAX = 25;
/** What a billing object id looks like; anything else never reaches the vendor. */
const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/** The input checked and normalised, or BAD_USER_INPUT naming the field, before anything is sent. */
export function checkBillingDetails(input: BillingDetailsInput, taxIdTypes: ReadonlySet<string>): BillingDetailsPatch {
  const patch: BillingDetailsPatch = {};
  if (input.address === null)
    throw new BadUserInputError('input.address cannot be null; leave it out to keep the address.', 'input.address');
  if (input.taxIds === null) throw new BadUserInputError('input.taxIds cannot be null; pass [] to remove every tax id.', 'input.taxIds');
  if (input.address) {
    const a = input.address;
    const part = (v: string | null | undefined, name: string, max: number, required = false): string | null => {
      const t = (v ?? '').trim();
      if (required && !t) throw new BadUserInputError(`input.address.${name} is required.`, `input.address.${name}`);
      if (t.length > max) throw new BadUserInputError(`input.address.${name} must be at most ${max} characters.`, `input.address.${name}`);
      // Control characters have no place in an address and would end up on invoices; nor have
      // bidirectional overrides and isolates, which make an invoice show other text than was stored.
      if (/[\p{Cc}\u202A-\u202E\u2066-\u2069]/u.test(t))
        throw new BadUserInputError(
          `input.address.${name} contains control or bidirectional-override characters.`,
          `input.address.${name}`,
        );
      return t || null;
    };
    const country = a.country.trim().toUpperCase();
    if (!ISO_COUNTRIES.has(country))
      throw new BadUserInputError(
        `input.address.country must be a two-letter ISO 3166-1 country code, e.g. "DE" or "US" (got ${JSON.stringify(a.country.slice(0, 10))}).`,
        'input.address.country',
      );
    patch.address = {
      line1: part(a.line1, 'line1', 200, true),
      line2: part(a.line2, 'line2', 200),
      city: part(a.city, 'city', 200),
      postalCode: part(a.postalCode, 'postalCode', 20),
      state: part(a.state, 'state', 200),
      country,
    };
  }
  if (input.taxIds) {
    if (input.taxIds.length > TAX_IDS_MAX)
      throw new BadUserInputError(`input.taxIds holds at most ${TAX_IDS_MAX} tax ids.`, 'input.taxIds');
    patch.taxIds = input.taxIds.map((t, i) => {
      const type = t.type.trim().toLowerCase();
      if (!taxIdTypes.has(type))
        throw new BadUserInputError(
          `input.taxIds[${i}].type must be one of the billing system's tax id types, e.g. eu_vat, gb_vat, us_ein (got ${JSON.stringify(t.type.slice(0, 20))}).`,
          `input.taxIds[${i}].type`,
        );
      const value = t.value.trim();
      if (!value || value.length > 50 || !/^[\p{L}\p{N} .\-/+*]+$/u.test(value))
        throw new BadUserInputError(
          `input.taxIds[${i}].value must be 1 to 50 letters, digits, spaces or . - / + *.`,
          `input.taxIds[${i}].value`,
        );
      return { type, value };
    });
    const seen = new Set<string>();
    patch.taxIds.forEach((t, i) => {
      const k = `${t.type} ${t.value.replace(/\s/g, '').toUpperCase()}`;
      if (seen.has(k)) throw new BadUserInputError(`input.taxIds[${i}] repeats an earlier tax id.`, `input.taxIds[${i}]`);
      seen.add(k);
    });
  }
  if (input.invoiceEmail !== undefined) {
    if (input.invoiceEmail === null) patch.invoiceEmail = null;
    else {
      const email = input.invoiceEmail.trim().toLowerCase();
      if (!isEmailAddress(email))
        throw new BadUserInputError(
          'input.invoiceEmail must be an email address, e.g. "accounts@example.com" (null: invoices go to the contact email).',
          'input.invoiceEmail',
        );
      patch.invoiceEmail = email;
    }
  }
  if (!patch.address && !patch.taxIds && patch.invoiceEmail === undefined)
    throw new BadUserInputError('Give input.address, input.taxIds or input.invoiceEmail.', 'input');
  return patch;
}

/** The customer's billing account, read fresh (through its link when there is one); undefined when none. */
export async function freshAccount(
  deps: Pick<BillingMutationDeps, 'billing' | 'links'>,
  crmId: string,
): Promise<BillingAccount | undefined> {
  const billingCustomerId = (await deps.links.get(crmId))?.billingCustomerId;
  const linked = billingCustomerId ? (await deps.billing.accountsByLinks([{ crmId, billingCustomerId }])).get(crmId) : undefined;
  const account = linked ?? (await deps.billing.accountsByCrmIds([crmId])).get(crmId);
  if (account && account.billingCustomerId !== billingCustomerId)
    await deps.links.update(crmId, { billingCustomerId: account.billingCustomerId });
  return account;
}

/**
 * The customer (CRM id) a billing object belongs to, by its billing customer as the billing
 * system links it (`crmId`), if the caller may reach it; otherwise FORBIDDEN, the same for
 * another customer's object and for none at all. Reads only, before any write.
 */
export async function reachBillingCustomer(
  deps: Pick<BillingMutationDeps, 'billing'>,
  ctx: RequestContext,
  a: AuditNote,
  billingCustomerId: string | null | undefined,
): Promise<string> {
  const owner = billingCustomerId ? await deps.billing.customer(billingCustomerId) : null;
  const crmId = owner && !owner.deleted ? owner.crmId : null;
  a.customerId = crmId ?? ownCustomerId(ctx.principal) ?? null;
  if (!crmId || !canAccessCustomer(ctx.principal, crmId)) throw new ForbiddenError(CUSTOMER_FORBIDDEN);
  return crmId;
}

export function billingMutations(deps: BillingMutationDeps): MutationResolvers {
  const fresh = (crmId: string) => freshAccount(deps, crmId);
  const current = async (crmId: string): Promise<Subscription> => {
    const account = await fresh(crmId);
    if (!account?.subscription) throw new NotFoundError('This customer has no subscription.');
    return account.subscription;
  };
  /** Queues the CRM's copy of the billing country; the billing system has the change either way. */
  const replicate = async (ctx: RequestContext, crmId: string, which: 'billing' | 'contact' = 'billing'): Promise<boolean> => {
    if (!deps.replicas) return false;
    try {
      if (which === 'billing') await deps.replicas.billingChanged(crmId, `mutation.${randomUUID()}`);
      else if (deps.replicas.contactChanged) await deps.replicas.contactChanged(crmId, `mutation.${randomUUID()}`);
      else return false;
      return true;
    } catch (err) {
      ctx.logger.warn({ crmId, err: (err as Error).message }, 'CRM copy of billing fields not queued');
      return false;
    }
  };
  const purge = (crmId: string) => deps.cache.afterWrite(crmId, [billingKeys(deps.cache.prefix).account(crmId)]);
  const purgeCards = (crmId: string) => {
    const k = billingKeys(deps.cache.prefix);
    return deps.cache.afterWrite(crmId, [k.account(crmId), k.cards(crmId)]);
  };
  /** reachBillingCustomer, with this module's deps. */
  const reach = (ctx: RequestContext, a: AuditNote, billingCustomerId: string | null | undefined) =>
    reachBillingCustomer(deps, ctx, a, billingCustomerId);
  /** A saved card of a customer the caller reaches: its billing customer and CRM id. */
  const reachCard = async (ctx: RequestContext, a: AuditNote, id: string) => {
    a.customerId = ownCustomerId(ctx.principal) ?? null;
    if (!SAFE_ID.test(id)) throw new BadUserInputError('id must be a card id from Billing.paymentMethods, e.g. "pm_1AbC".', 'id');
    const billingCustomerId = await deps.billing.ownerOf('payment_method', id);
    const crmId = await reach(ctx, a, billingCustomerId);
    if (!billingCustomerId) throw new ForbiddenError(CUSTOMER_FORBIDDEN);
    return { crmId, billingCustomerId };
  };
  const accountAfter = async (crmId: string) => {
    const after = await fresh(crmId);
    if (!after) throw new NotFoundError('This customer has no billing account any more.');
    return after;
  };
  return {
    updateBillingDetails: (_p, { input }, ctx, info) =>
      audited(
        deps.audit,
        ctx,
        {
          action: 'billing.details.update',
          systems: [deps.system],
          fields: [
            ...(input.address ? ['address'] : []),
            ...(input.taxIds ? ['tax_ids'] : []),
            ...(input.invoiceEmail !== undefined ? ['invoice_email'] : []),
          ],
        },
        async (a) => {
          const crmId = targetCustomer(ctx, input.customerId, 'input.customerId', a);
          const patch = checkBillingDetails(input, deps.billing.taxIdTypes);
          const before = await fresh(crmId);
          if (!before) throw new NotFoundError('This customer has no billing account yet.');
          try {
            await deps.billing.updateDetails(before.billingCustomerId, patch, vendorIdempotencyKey(ctx, 'billing.details.update', info));
          } catch (err) {
            if (err instanceof BillingInputError)
              throw new BadUserInputError(`The billing system refused input.${err.field}: ${err.message}`, `input.${err.field}`);
            throw err;
          }
          await purge(crmId);
          const replicasQueued = patch.address ? await replicate(ctx, crmId) : false;
          // Invoices back to the contact email: the CRM's email is copied to the billing customer again.
          const contactCopyQueued = patch.invoiceEmail === null ? await replicate(ctx, crmId, 'contact') : undefined;
          a.detail = { replicasQueued, ...(contactCopyQueued === undefined ? {} : { contactCopyQueued }) };
          const after = await fresh(crmId);
          if (!after) throw new NotFoundError('This customer has no billing account any more.');
          return after;
        },
        // Absolute values, and keyed vendor writes: safe to run again under the client's key.
        REPEATABLE,
      ),
    startPaymentMethodSetup: (_p, { customerId }, ctx, info) =>
      audited(
        deps.audit,
        ctx,
        { action: 'payment_method.setup', systems: [deps.system], fields: ['setup_intent'] },
        async (a) => {
          const crmId = targetCustomer(ctx, customerId, 'customerId', a);
          const account = await fresh(crmId);
          if (!account) throw new NotFoundError('This customer has no billing account yet.');
          const setup = await deps.billing.startCardSetup(
            account.billingCustomerId,
            vendorIdempotencyKey(ctx, 'billing.payment_method.setup', info),
          );
          // The id only: the client secret is the customer's, never recorded.
          a.detail = { setupId: setup.id };
          return setup;
        },
        REPEATABLE,
      ),
    setDefaultPaymentMethod: (_p, { id }, ctx, info) =>
      audited(
        deps.audit,
        ctx,
        {
          action: 'payment_method.set_default',
          systems: [deps.system],
          fields: ['default_payment_method'],
          detail: { paymentMethodId: id },
        },
        async (a) => {
          const card = await reachCard(ctx, a, id);
          try {
            await deps.billing.setDefaultCard(
              card.billingCustomerId,
              id,
              vendorIdempotencyKey(ctx, 'billing.payment_method.default', info),
            );
          } catch (err) {
            if (err instanceof BillingInputError) throw new BadUserInputError(`The billing system refused the card: ${err.message}`, 'id');
            throw err;
          }
          await purgeCards(card.crmId);
          return accountAfter(card.crmId);
        },
        REPEATABLE,
      ),
    removePaymentMethod: (_p, { id }, ctx, info) =>
      audited(
        deps.audit,
        ctx,
        { action: 'payment_method.remove', systems: [deps.system], fields: ['payment_method'], detail: { paymentMethodId: id } },
        async (a) => {
          const card = await reachCard(ctx, a, id);
          await deps.billing.removeCard(id, vendorIdempotencyKey(ctx, 'billing.payment_method.remove', info));
          await purgeCards(card.crmId);
          return accountAfter(card.crmId);
        },
        REPEATABLE,
      ),
    payInvoice: (_p, { id }, ctx, info) =>
      audited(
        deps.audit,
        ctx,
        { action: 'invoice.pay', systems: [deps.system], fields: ['status', 'amount_paid'], detail: { invoiceId: id } },
        async (a) => {
          a.customerId = ownCustomerId(ctx.principal) ?? null;
          if (!SAFE_ID.test(id)) throw new BadUserInputError('id must be an invoice id from Billing.invoices, e.g. "in_1AbC".', 'id');
          // Ownership first, with reads only: another customer's invoice, or none, is the same FORBIDDEN.
          const found = await deps.billing.invoice(id);
          const own = await reach(ctx, a, found?.billingCustomerId);
          if (!found) throw new ForbiddenError(CUSTOMER_FORBIDDEN);
          if (found.invoice.status !== 'OPEN')
            throw new BadUserInputError(`This invoice is ${found.invoice.status.toLowerCase()}, not open: there is nothing to pay.`, 'id');
          let paid;
          try {
            paid = await deps.billing.payInvoice(id, vendorIdempotencyKey(ctx, 'billing.invoice.pay', info));
          } catch (err) {
            if (err instanceof PaymentDeclinedError) {
              a.detail = { invoiceId: id, declineCode: err.declineCode ?? err.code };
              await deps.cache.afterWrite(own, [billingKeys(deps.cache.prefix).invoices(own)]);
              throw new PaymentDeclinedGraphQLError(`The payment was declined: ${err.message}`, err.declineCode ?? err.code);
            }
            if (err instanceof BillingInputError)
              throw new BadUserInputError(`The billing system refused the payment: ${err.message}`, 'id');
            throw err;
          }
          await deps.cache.afterWrite(own, [billingKeys(deps.cache.prefix).account(own), billingKeys(deps.cache.prefix).invoices(own)]);
          return paid;
        },
        REPEATABLE,
      ),
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
