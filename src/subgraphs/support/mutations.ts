/**
 * Support mutations: the support system owns tickets and comments, so each one is one write there
 * after the ownership checks (which only read). The writer's cached ticket page and comments are dropped at
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
import { StaffUserMissingError, TicketInputError, type SupportPort, type SupportUser, type TicketPatch } from '../../ports/support.js';
import type { UpdateTicketInput } from '../../generated/support.js';
import { supportTicketKeys } from './loaders.js';

export interface SupportMutationDeps {
  support: SupportPort;
  /** The support vendor's name, as the audit records it. */
  system: string;
  cache: CacheDeps<CacheType>;
  audit: AuditLog;
}

const BODY_MAX = 65_000;
const isStaff = (ctx: RequestContext) =>
  ctx.principal.kind === 'user' && (ctx.principal.roles.includes('agent') || ctx.principal.roles.includes('admin'));

/**
 * Who a comment is written by in the support system: staff as their own agent user (linked to
 * `staff:<token subject>`), so customers see which agent answered; a customer, or a partner
 * acting for one, as the ticket's requester.
 */
async function commentAuthor(deps: SupportMutationDeps, ctx: RequestContext, requester: SupportUser): Promise<SupportUser> {
  if (!isStaff(ctx) || ctx.principal.kind !== 'user') return requester;
  try {
    return await deps.support.staffUser(ctx.principal.subject);
  } catch (err) {
    if (err instanceof StaffUserMissingError) throw new ForbiddenError(err.message);
    throw err;
  }
}

const TAGS_MAX = 50;
const TAG = /^[\p{L}\p{N}_\-:/]{1,80}$/u;

/** The update checked before anything is sent, or BAD_USER_INPUT naming the field. */
export function checkTicketUpdate(input: UpdateTicketInput): TicketPatch {
  const patch: TicketPatch = {};
  for (const f of ['status', 'priority', 'assigneeId', 'tags'] as const)
    if (input[f] === null) throw new BadUserInputError(`input.${f} cannot be null; leave it out to keep the current value.`, `input.${f}`);
  if (input.status === 'UNKNOWN') throw new BadUserInputError('input.status must be a known status, e.g. OPEN or SOLVED.', 'input.status');
  if (input.status) patch.status = input.status;
  if (input.priority === 'UNKNOWN') throw new BadUserInputError('input.priority must be LOW, NORMAL, HIGH or URGENT.', 'input.priority');
  if (input.priority) patch.priority = input.priority;
  if (input.assigneeId != null) patch.assigneeId = input.assigneeId;
  if (input.tags) {
    if (input.tags.length > TAGS_MAX) throw new BadUserInputError(`input.tags holds at most ${TAGS_MAX} tags.`, 'input.tags');
    patch.tags = input.tags.map((t, i) => {
      const tag = t.trim().toLowerCase();
      if (!TAG.test(tag))
        throw new BadUserInputError(`input.tags[${i}] must be 1 to 80 letters, digits, _, -, : or / (no spaces).`, `input.tags[${i}]`);
      return tag;
    });
  }
  if (!Object.keys(patch).length) throw new BadUserInputError('Give at least one of input.status, priority, assigneeId or tags.', 'input');
  return patch;
}

export function supportMutations(deps: SupportMutationDeps): MutationResolvers {
  const purge = (crmId: string, ticketId: string) => deps.cache.afterWrite(crmId, supportTicketKeys(deps.cache.prefix, crmId, ticketId));
  return {
    openTicket: (_p, { input }, ctx, info) =>
      audited(
        deps.audit,
        ctx,
        { action: 'ticket.open', systems: [deps.system], fields: ['subject', 'body', 'priority'] },
        async (a) => {
          const crmId = targetCustomer(ctx, input.customerId, 'input.customerId', a);
          const subject = checkText(input.subject, 'input.subject', 1, 150);
          const body = checkText(input.body, 'input.body', 1, BODY_MAX);
          if (input.priority === 'UNKNOWN')
            throw new BadUserInputError('input.priority must be LOW, NORMAL, HIGH or URGENT.', 'input.priority');
          const requester = (await deps.support.userIdsByCrmIds([crmId])).get(crmId);
          if (requester === undefined) throw new NotFoundError('This customer has no support account yet.');
          const ticket = await deps.support.createTicket(
            { requesterId: requester, subject, body, priority: input.priority ?? null },
            vendorIdempotencyKey(ctx, 'support.ticket.create', info),
          );
          a.detail = { ticketId: ticket.id };
          await purge(crmId, ticket.id);
          return ticket;
        },
        REPEATABLE,
      ),
    updateTicket: (_p, { id, input }, ctx) =>
      audited(
        deps.audit,
        ctx,
        {
          action: 'ticket.update',
          systems: [deps.system],
          fields: (['status', 'priority', 'assigneeId', 'tags'] as const).filter((f) => input[f] !== undefined),
          detail: { ticketId: id },
        },
        async (a) => {
          if (!deps.support.ticketId.pattern.test(id)) throw new BadUserInputError(deps.support.ticketId.help, 'id');
          const patch = checkTicketUpdate(input);
          // Ownership first, with reads only, as for comments: the ticket's customer must be one the caller reaches.
          const ticket = await deps.support.ticket(id);
          const requester = ticket ? await deps.support.user(ticket.requesterId) : null;
          const crmId = requester?.crmId ?? null;
          a.customerId = crmId;
          if (!ticket) {
            if (isStaff(ctx)) throw new NotFoundError(`Ticket ${id} does not exist.`);
            throw new ForbiddenError(CUSTOMER_FORBIDDEN);
          }
          if (!crmId || crmId.startsWith('staff:')) throw new ForbiddenError('This ticket is not linked to a customer.');
          if (!canAccessCustomer(ctx.principal, crmId)) throw new ForbiddenError(CUSTOMER_FORBIDDEN);
          if (patch.assigneeId !== undefined) {
            const assignee = await deps.support.user(patch.assigneeId);
            if (!assignee?.agent)
              throw new BadUserInputError(
                `input.assigneeId ${JSON.stringify(patch.assigneeId)} is not an agent of the support system.`,
                'input.assigneeId',
              );
          }
          let updated;
          try {
            updated = await deps.support.updateTicket(id, patch);
          } catch (err) {
            if (err instanceof TicketInputError)
              throw new BadUserInputError(
                `The support system refused the update: ${err.message}`,
                err.field === 'input' ? 'input' : `input.${err.field}`,
              );
            throw err;
          }
          await purge(crmId, id);
          return updated;
        },
        // Absolute values: the same update again leaves the same ticket.
        REPEATABLE,
      ),
    addTicketComment: (_p, { ticketId, body }, ctx) =>
      audited(
        deps.audit,
        ctx,
        { action: 'ticket.comment', systems: [deps.system], fields: ['comment.body'], detail: { ticketId } },
        async (a) => {
          if (!deps.support.ticketId.pattern.test(ticketId)) throw new BadUserInputError(deps.support.ticketId.help, 'ticketId');
          const text = checkText(body, 'body', 1, BODY_MAX);
          // Ownership first, with reads only: another customer's ticket, or none, is the same FORBIDDEN.
          const ticket = await deps.support.ticket(ticketId);
          const requester = ticket ? await deps.support.user(ticket.requesterId) : null;
          const crmId = requester?.crmId ?? null;
          a.customerId = crmId;
          if (!crmId || !canAccessCustomer(ctx.principal, crmId)) {
            if (isStaff(ctx) && !ticket) throw new NotFoundError(`Ticket ${ticketId} does not exist.`);
            throw new ForbiddenError(isStaff(ctx) ? 'This ticket is not linked to a customer.' : CUSTOMER_FORBIDDEN);
          }
          const author = await commentAuthor(deps, ctx, requester!);
          let comment;
          try {
            comment = await deps.support.addComment(ticketId, { body: text, authorId: author.id, authorName: author.name });
          } catch (err) {
            if (err instanceof TicketInputError)
              throw new BadUserInputError(
                `This ticket takes no comment (${err.message}); open a new ticket that refers to it.`,
                'ticketId',
              );
            throw err;
          }
          a.detail = { commentId: comment.id };
          await purge(crmId, ticketId);
          return comment;
        },
      ),
  };
}
