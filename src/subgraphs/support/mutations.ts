/**
 * Support mutations: Zendesk owns tickets and comments, so each one is one Zendesk write after the
 * ownership checks (which only read). The writer's cached ticket page and comments are dropped at
 * once, so the next read shows the change.
 */
import type { AuditLog } from '../../audit/index.js';
import type { RequestContext } from '../../auth/context.js';
import { canAccessCustomer, CUSTOMER_FORBIDDEN } from '../../auth/principal.js';
import type { CacheType } from '../../config/index.js';
import { BadUserInputError, ForbiddenError, NotFoundError } from '../../errors/index.js';
import type { MutationResolvers } from '../../generated/support.js';
import type { CacheDeps } from '../../platform/cache.js';
import { audited, REPEATABLE, checkText, targetCustomer, vendorIdempotencyKey } from '../mutations.js';
import type { SupportConnector } from '../../vendors/zendesk/connector.js';
import { supportTicketKeys } from './loaders.js';
import type { ZendeskPriority, ZendeskUserRef } from '../../vendors/zendesk/writes.js';

export interface SupportMutationDeps {
  support: SupportConnector;
  cache: CacheDeps<CacheType>;
  audit: AuditLog;
}

const PRIORITIES: Record<string, ZendeskPriority> = { LOW: 'low', NORMAL: 'normal', HIGH: 'high', URGENT: 'urgent' };
const BODY_MAX = 65_000;
const isStaff = (ctx: RequestContext) =>
  ctx.principal.kind === 'user' && (ctx.principal.roles.includes('agent') || ctx.principal.roles.includes('admin'));

/**
 * Who a comment is written by in Zendesk: staff as their own agent user (found by its
 * `external_id`, `staff:<token subject>`), so customers see which agent answered; a customer, or
 * a partner acting for one, as the ticket's requester.
 */
async function commentAuthor(deps: SupportMutationDeps, ctx: RequestContext, requester: ZendeskUserRef): Promise<ZendeskUserRef> {
  if (!isStaff(ctx) || ctx.principal.kind !== 'user') return requester;
  const agent = await deps.support.userByExternalId(`staff:${ctx.principal.subject}`);
  if (!agent)
    throw new ForbiddenError(
      `No Zendesk agent user is linked to your account: set its external_id to "staff:${ctx.principal.subject}" in Zendesk.`,
    );
  return agent;
}

export function supportMutations(deps: SupportMutationDeps): MutationResolvers {
  const purge = (crmId: string, ticketId: string) => deps.cache.afterWrite(crmId, supportTicketKeys(deps.cache.prefix, crmId, ticketId));
  return {
    openTicket: (_p, { input }, ctx, info) =>
      audited(
        deps.audit,
        ctx,
        { action: 'ticket.open', systems: ['zendesk'], fields: ['subject', 'body', 'priority'] },
        async (a) => {
          const crmId = targetCustomer(ctx, input.customerId, 'input.customerId', a);
          const subject = checkText(input.subject, 'input.subject', 1, 150);
          const body = checkText(input.body, 'input.body', 1, BODY_MAX);
          if (input.priority === 'UNKNOWN')
            throw new BadUserInputError('input.priority must be LOW, NORMAL, HIGH or URGENT.', 'input.priority');
          const requester = (await deps.support.userIdsByExternalIds([crmId])).get(crmId);
          if (requester === undefined) throw new NotFoundError('This customer has no support account yet.');
          const ticket = await deps.support.createTicket(
            { requesterId: requester, subject, body, priority: input.priority ? PRIORITIES[input.priority] : null },
            vendorIdempotencyKey(ctx, 'zendesk.tickets.create', info),
          );
          a.detail = { ticketId: ticket.id };
          await purge(crmId, ticket.id);
          return ticket;
        },
        REPEATABLE,
      ),
    addTicketComment: (_p, { ticketId, body }, ctx) =>
      audited(
        deps.audit,
        ctx,
        { action: 'ticket.comment', systems: ['zendesk'], fields: ['comment.body'], detail: { ticketId } },
        async (a) => {
          if (!/^\d{1,20}$/.test(ticketId)) throw new BadUserInputError('ticketId is a Zendesk ticket number, e.g. "4711".', 'ticketId');
          const text = checkText(body, 'body', 1, BODY_MAX);
          // Ownership first, with reads only: another customer's ticket, or none, is the same FORBIDDEN.
          const ticket = await deps.support.ticket(ticketId);
          const requester = ticket ? await deps.support.user(ticket.requesterId) : null;
          const crmId = requester?.externalId ?? null;
          a.customerId = crmId;
          if (!crmId || !canAccessCustomer(ctx.principal, crmId)) {
            if (isStaff(ctx) && !ticket) throw new NotFoundError(`Ticket ${ticketId} does not exist.`);
            throw new ForbiddenError(isStaff(ctx) ? 'This ticket is not linked to a customer.' : CUSTOMER_FORBIDDEN);
          }
          const author = await commentAuthor(deps, ctx, requester!);
          const comment = await deps.support.addComment(ticketId, { body: text, authorId: author.id, authorName: author.name });
          a.detail = { commentId: comment.id };
          await purge(crmId, ticketId);
          return comment;
        },
      ),
  };
}
