/**
 * Zendesk writes: ticket creation and public comments, plus the reads a write needs first (the
 * ticket's requester, a user's link to the CRM, a staff member's agent user).
 *
 * Retries: a comment (PUT with a comment) is never retried by the client policy, since a second
 * attempt after a lost answer would post the comment twice. Ticket creation is retried only when it
 * carries an `Idempotency-Key`, which Zendesk honours on `POST /api/v2/tickets` (same key and
 * body: the first ticket again, `x-idempotency-lookup: hit`; same key, other body: 400).
 */
import { z } from 'zod';
import { UpstreamError } from '../../errors/index.js';
import { parseUpstream, UpstreamHttpError, type HttpClient } from '../../platform/http.js';
import type { OnUnknownValue } from '../../platform/unknown.js';
import { TicketInputError, type SupportPort, type SupportUser } from '../../ports/support.js';
import { toTicket, ZendeskTicket } from './mappers.js';

const TicketResponse = z.object({ ticket: ZendeskTicket });
const TicketsResponse = z.object({ tickets: z.array(ZendeskTicket.extend({ external_id: z.string().nullable().optional() })) });
const UserResponse = z.object({
  user: z.object({
    id: z.number(),
    name: z.string().nullable().optional(),
    external_id: z.string().nullable().optional(),
    role: z.string().nullable().optional(),
  }),
});
const UsersResponse = z.object({ users: z.array(UserResponse.shape.user) });
/** Comments as addNote reads them: bodies only, internal notes included (never returned to a caller). */
const CommentBodies = z.object({ comments: z.array(z.object({ body: z.string().nullable().optional() })) });
const UpdateResponse = z.object({
  ticket: ZendeskTicket,
  audit: z.object({
    events: z.array(
      z.object({
        id: z.number(),
        type: z.string(),
        author_id: z.number().optional(),
        body: z.string().optional(),
        plain_body: z.string().optional(),
        public: z.boolean().optional(),
      }),
    ),
    created_at: z.string(),
  }),
});

export type SupportWrites = Pick<
  SupportPort,
  'createTicket' | 'addComment' | 'addNote' | 'ticket' | 'user' | 'ticketByExternalId' | 'solveTicket' | 'updateTicket'
> & {
  /** The Zendesk user whose `external_id` is this, e.g. a staff member's agent user (`staff:<token subject>`). */
  userByExternalId(externalId: string): Promise<SupportUser | null>;
};

/** Zendesk ids are numbers: anything else names no user or ticket (and never reaches a URL). */
export const ZENDESK_ID = /^\d{1,20}$/;

const parse = <T>(schema: z.ZodType<T>, body: unknown): T => parseUpstream('support', schema, body);
const notFoundAsNull = async <T>(fn: () => Promise<T>): Promise<T | null> => {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof UpstreamHttpError && err.status === 404) return null;
    throw err;
  }
};
const toUser = (u: z.infer<typeof UserResponse>['user']): SupportUser => ({
  id: String(u.id),
  name: u.name ?? 'Support',
  crmId: u.external_id ?? null,
  agent: u.role === 'agent' || u.role === 'admin',
});

/** Zendesk's field names in a 422's `details` -> the patch's. */
const PATCH_FIELD: Readonly<Record<string, string>> = {
  status: 'status',
  priority: 'priority',
  assignee_id: 'assigneeId',
  assignee: 'assigneeId',
  tags: 'tags',
};
const RecordInvalid = z.object({
  details: z.record(z.string(), z.array(z.object({ description: z.string().optional() }))).optional(),
});

/** A 422 RecordInvalid as the port's TicketInputError, naming the first field Zendesk names. */
function recordInvalid(body: unknown): TicketInputError {
  const details = RecordInvalid.safeParse(body).data?.details ?? {};
  const [field, list] = Object.entries(details)[0] ?? [];
  return new TicketInputError(list?.[0]?.description ?? 'Record validation errors', (field && PATCH_FIELD[field]) ?? 'input');
}

export function createSupportWrites(deps: { http: HttpClient; onUnknown?: OnUnknownValue }): SupportWrites {
  const { http } = deps;
  return {
    async createTicket(t, idempotencyKey) {
      if (!ZENDESK_ID.test(t.requesterId)) throw new UpstreamError('support', 'unavailable', 'invalid user id');
      const body = await http.send({
        method: 'POST',
        path: '/api/v2/tickets',
        route: 'tickets.create',
        body: {
          ticket: {
            subject: t.subject,
            comment: { body: t.body, public: true },
            requester_id: Number(t.requesterId),
            submitter_id: Number(t.requesterId),
            ...(t.priority ? { priority: t.priority.toLowerCase() } : {}),
            ...(t.externalId ? { external_id: t.externalId } : {}),
          },
        },
        // Only a keyed creation is safe to send twice (Zendesk answers the retry with the first ticket).
        idempotent: idempotencyKey !== undefined,
        headers: idempotencyKey ? { 'idempotency-key': idempotencyKey } : undefined,
      });
      return toTicket(parse(TicketResponse, body).ticket, deps.onUnknown);
    },
    async addComment(ticketId, c) {
      if (!ZENDESK_ID.test(c.authorId)) throw new UpstreamError('support', 'unavailable', 'invalid user id');
      let body: unknown;
      try {
        body = await http.send({
          method: 'PUT',
          path: `/api/v2/tickets/${encodeURIComponent(ticketId)}`,
          route: 'tickets.update',
          body: { ticket: { comment: { body: c.body, author_id: Number(c.authorId), public: true } } },
          idempotent: false,
        });
      } catch (err) {
        // A closed ticket takes no comment (Zendesk: "Status: closed prevents ticket update").
        if (err instanceof UpstreamHttpError && err.status === 422) throw recordInvalid(err.body);
        throw err;
      }
      const r = parse(UpdateResponse, body);
      const ev = r.audit.events.find((e) => e.type === 'Comment');
      if (!ev) throw new UpstreamError('support', 'unavailable', 'unexpected response');
      return { id: String(ev.id), body: ev.plain_body ?? ev.body ?? c.body, author: c.authorName, createdAt: r.audit.created_at };
    },
    async ticketByExternalId(externalId) {
      // List Tickets by external id (not unique in Zendesk: the oldest one is the marker's ticket).
      const body = await http.send({ method: 'GET', path: '/api/v2/tickets', route: 'tickets.list', query: { external_id: externalId } });
      const found = parse(TicketsResponse, body)
        .tickets.filter((t) => t.external_id === externalId)
        .sort((a, b) => a.id - b.id)[0];
      return found ? toTicket(found, deps.onUnknown) : null;
    },
    async solveTicket(ticketId, comment) {
      if (!ZENDESK_ID.test(ticketId)) throw new UpstreamError('support', 'unavailable', 'invalid ticket id');
      const path = `/api/v2/tickets/${ticketId}`;
      // Zendesk has no idempotency key for updates: read first, so a retry never comments twice.
      const now = parse(TicketResponse, await http.send({ method: 'GET', path, route: 'tickets.show' })).ticket;
      if (now.status === 'solved' || now.status === 'closed') return false;
      await http.send({
        method: 'PUT',
        path,
        route: 'tickets.update',
        body: { ticket: { status: 'solved', comment: { body: comment, public: true } } },
        idempotent: false,
      });
      return true;
    },
    async addNote(ticketId, note, marker) {
      if (!ZENDESK_ID.test(ticketId)) throw new UpstreamError('support', 'unavailable', 'invalid ticket id');
      const path = `/api/v2/tickets/${ticketId}`;
      const tag = `[${marker}]`;
      // No idempotency key for updates: the marker, written into the note, is looked for first (the
      // most recent comments, where a note of an earlier attempt is), so a retry never notes twice.
      const recent = parse(
        CommentBodies,
        await http.send({ method: 'GET', path: `${path}/comments`, route: 'tickets.comments', query: { sort_order: 'desc' } }),
      );
      if (recent.comments.some((c) => c.body?.includes(tag))) return false;
      try {
        await http.send({
          method: 'PUT',
          path,
          route: 'tickets.update',
          body: { ticket: { comment: { body: `${note}\n\n${tag}`, public: false } } },
          idempotent: false,
        });
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 422) throw recordInvalid(err.body);
        throw err;
      }
      return true;
    },
    async updateTicket(ticketId, patch) {
      if (!ZENDESK_ID.test(ticketId)) throw new UpstreamError('support', 'unavailable', 'invalid ticket id');
      if (patch.assigneeId !== undefined && !ZENDESK_ID.test(patch.assigneeId))
        throw new TicketInputError('Assignee: is not an agent', 'assigneeId');
      let body: unknown;
      try {
        body = await http.send({
          method: 'PUT',
          path: `/api/v2/tickets/${ticketId}`,
          route: 'tickets.update',
          body: {
            ticket: {
              ...(patch.status ? { status: patch.status.toLowerCase() } : {}),
              ...(patch.priority ? { priority: patch.priority.toLowerCase() } : {}),
              ...(patch.assigneeId !== undefined ? { assignee_id: Number(patch.assigneeId) } : {}),
              ...(patch.tags ? { tags: patch.tags } : {}),
            },
          },
          // Absolute values and no comment: the same update twice leaves the same ticket.
          idempotent: true,
        });
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 422) throw recordInvalid(err.body);
        throw err;
      }
      return toTicket(parse(TicketResponse, body).ticket, deps.onUnknown);
    },
    ticket: (ticketId) =>
      notFoundAsNull(async () => {
        const body = await http.send({ method: 'GET', path: `/api/v2/tickets/${encodeURIComponent(ticketId)}`, route: 'tickets.show' });
        const t = parse(TicketResponse, body).ticket;
        if (typeof t.requester_id !== 'number') return null;
        return { id: String(t.id), requesterId: String(t.requester_id) };
      }),
    user: async (userId) =>
      !ZENDESK_ID.test(userId)
        ? null
        : notFoundAsNull(async () => {
            const body = await http.send({ method: 'GET', path: `/api/v2/users/${userId}`, route: 'users.show' });
            return toUser(parse(UserResponse, body).user);
          }),
    async userByExternalId(externalId) {
      const body = await http.send({
        method: 'GET',
        path: '/api/v2/users/show_many',
        route: 'users.showMany',
        query: { external_ids: externalId },
      });
      const u = parse(UsersResponse, body).users.find((x) => x.external_id === externalId);
      return u ? toUser(u) : null;
    },
  };
}
