/**
 * CRM subgraph (whichever CRM serves the domain, through the CRM port): owns the Customer entity's identity and contact fields, and the root
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
import { AlreadyRegisteredError, type Signup } from '../../customers/signup.js';
import { checkRegistration } from './contact-input.js';
import { audited, REPEATABLE } from '../mutations.js';
import { loadSdl } from '../sdl.js';
import { randomUUID } from 'node:crypto';
import { REPLICATED_CONTACT_FIELDS } from '../../ownership.js';
import { BadUserInputError } from '../../errors/index.js';
import type { ContactInput } from '../../generated/crm.js';
import { ContactConflictError, ContactInvalidError, fullName, type CrmPort } from '../../ports/crm.js';
import { contactFieldsOf, toContactChange } from './contact-input.js';
import { createCrmLoaders, crmCustomerKeys, type CrmLoaders } from './loaders.js';

export { crmKeys } from './loaders.js';

const LOADERS = Symbol('crm.loaders');

export interface CrmSubgraphDeps {
  crm: CrmPort;
  /** The CRM vendor's name, as audit entries name the system written (the vendor module's `name`). */
  system: string;
  cache: CacheDeps<CacheType>;
  /** Where this subgraph records writes and staff or partner reads (src/audit). */
  audit: AuditLog;
  /**
   * Queues the replica updates of a contact whose replicated fields changed (src/replicas). Absent
   * (a CRM subgraph running alone): the CRM's change feed (webhook or poller) queues them instead.
   */
  replicas?: { contactChanged(crmId: string, changeKey: string): Promise<void> };
  /** Sign-up (customers/signup.ts); absent: `registerCustomer` answers that sign-up is not available here. */
  signup?: Signup;
}

export function createCrmSubgraph(deps: CrmSubgraphDeps) {
  const loaders = (ctx: RequestContext): CrmLoaders => perRequest(ctx, LOADERS, () => createCrmLoaders(deps.crm, deps.cache));

  /**
   * The owner (the CRM) is written and answers before we do; the cached record is dropped at once
   * (shared Redis: every instance), and the replicas follow through the queue.
   */
  async function updateContact(ctx: RequestContext, id: string, input: ContactInput) {
    return audited(
      deps.audit,
      ctx,
      { action: 'contact.update', customerId: id, systems: [deps.system], fields: contactFieldsOf(input) },
      async (note) => {
        // Refused before the input is even read: a denied attempt is recorded as such (in that customer's log).
        if (!canAccessCustomer(ctx.principal, id)) throw new ForbiddenError(CUSTOMER_FORBIDDEN);
        const change = toContactChange(input);
        let updated;
        try {
          updated = await deps.crm.updateContact(id, change.patch);
        } catch (err) {
          if (err instanceof ContactConflictError) {
            note.detail = { error: 'EMAIL_IN_USE' };
            throw new BadUserInputError('This email belongs to another customer; use a different one.', 'input.email');
          }
          if (err instanceof ContactInvalidError) throw new BadUserInputError(`The CRM refused a value: ${err.message}`, 'input');
          throw err;
        }
        if (!updated) throw new NotFoundError(`No customer with id ${JSON.stringify(id)}.`);
        await deps.cache.afterWrite(id, crmCustomerKeys(deps.cache.prefix, id));
        loaders(ctx).contact.clear(id).prime(id, updated);
        let replicasQueued = false;
        if (Object.keys(change.patch).some((f) => REPLICATED_CONTACT_FIELDS.has(f)) && deps.replicas) {
          try {
            await deps.replicas.contactChanged(id, `mutation.${randomUUID()}`);
            replicasQueued = true;
          } catch (err) {
            // The CRM has the change: its change feed queues the same jobs, and reconciliation repairs whatever is left.
            ctx.logger.warn(
              { crmId: id, err: (err as Error).message },
              "replica jobs not queued; the CRM's change feed or reconciliation will propagate",
            );
          }
        }
        note.detail = { replicasQueued };
        return updated;
      },
      // A contact update sets the same values again: safe to repeat under the client's key.
      REPEATABLE,
    );
  }

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
        // A partner limited to some customers searches only those (the CRM filters and counts them),
        // so totalCount cannot tell whether any other email or name exists.
        const p = ctx.principal;
        const ids = p.kind === 'partner' && p.customerIds ? p.customerIds : undefined;
        if (ids && ids.length === 0) return { totalCount: 0, nodes: [], edges: [], pageInfo: { hasNextPage: false, endCursor: null } };
        const page = await loaders(ctx).search({
          query: search?.trim() || undefined,
          limit: size,
          offset: start || undefined,
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
    Mutation: {
      registerCustomer: (_src, { input }, ctx) =>
        audited(
          deps.audit,
          ctx,
          { action: 'customer.register', systems: [deps.system], fields: ['contact', 'billing_customer', 'support_user'] },
          async (note) => {
            const p = ctx.principal;
            if (p.kind !== 'user' || !p.roles.includes('customer') || !p.signup)
              throw p.kind === 'user' && p.roles.includes('customer') && p.customerId !== p.subject
                ? new AlreadyRegisteredError()
                : new ForbiddenError('`registerCustomer` is for a signed-in user whose token names no customer yet.');
            if (!deps.signup) throw new ForbiddenError('Sign-up is not available on this service: send it to the gateway.');
            const fields = checkRegistration(input);
            const out = await deps.signup.register(p.subject, fields);
            note.customerId = out.contact.id;
            note.detail = { billingCustomerId: out.billingCustomerId, supportUserId: out.supportUserId, event: out.eventId };
            return { customerId: out.contact.id, name: fullName(out.contact), email: out.contact.email, company: out.contact.company };
          },
          // Every step is keyed by the sign-in: safe to run again under the client's key.
          REPEATABLE,
        ),
      updateMyContact: (_src, { input }, ctx) => {
        const id = ownCustomerId(ctx.principal);
        if (!id) throw new ForbiddenError('`updateMyContact` is for customer tokens. Staff use `updateContact(id:, input:)`.');
        return updateContact(ctx, id, input);
      },
      updateContact: async (_src, { id, input }, ctx) => {
        checkCustomerId(id);
        return updateContact(ctx, id, input);
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
