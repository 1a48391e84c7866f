/**
 * Zendesk Support API. Users are found by `external_id` (our CRM id) with `show_many`, 100 a call.
 * Tickets requested by a user and a ticket's comments have no multi-user/multi-ticket endpoint,
 * so those are one call each, bounded by the loaders.
 */
import { z } from 'zod';
import { chunk } from '../../platform/concurrency.js';
import { parseUpstream, UpstreamHttpError, type HttpClient } from '../../platform/http.js';
import type { Logger } from '../../platform/logger.js';
import { createUnknownValueLog } from '../../platform/unknown.js';
import { UpstreamError } from '../../errors/index.js';
import { StaffUserMissingError, type SupportContact, type SupportPort, type TicketSummary } from '../../ports/support.js';
import { createSupportWrites, ZENDESK_ID } from './writes.js';
import { toComments, toTicket, ZendeskComment, ZendeskTicket, ZendeskUser } from './mappers.js';

const UsersResponse = z.object({ users: z.array(ZendeskUser) });
const TicketsPage = z.object({
  tickets: z.array(ZendeskTicket),
  meta: z.object({ has_more: z.boolean(), after_cursor: z.string().nullable().optional() }),
});
const SearchResponse = z.object({
  results: z.array(ZendeskTicket.extend({ result_type: z.string().optional() })),
  count: z.number(),
  next_page: z.string().nullable().optional(),
});
const CommentsResponse = z.object({ comments: z.array(ZendeskComment), users: z.array(ZendeskUser).optional() });

/** Zendesk as Portico's support system: the support port (src/ports/support.ts). */
export type SupportConnector = SupportPort;

/** Requesters per search query: about 30 tickets a query on typical data, one page of 100. */
export const REQUESTERS_PER_SEARCH = 10;
const SEARCH_PAGE = 100;
const SEARCH_MAX = 1000;

/** Tickets a requested-tickets page holds: Zendesk's maximum, so a customer's tickets take the fewest calls. */
export const ZENDESK_PAGE = 100;

/** A user id from a link or a caller, checked before it reaches a URL. */
function userPath(userId: string): string {
  if (!ZENDESK_ID.test(userId)) throw new UpstreamError('support', 'unavailable', 'invalid user id');
  return `/api/v2/users/${userId}`;
}

const ContactUsersResponse = z.object({
  users: z.array(
    z.object({
      id: z.number(),
      name: z.string().nullable().optional(),
      email: z.string().nullable().optional(),
      external_id: z.string().nullable().optional(),
    }),
  ),
});

const TicketResponse = z.object({ ticket: z.object({ id: z.number(), requester_id: z.number() }) });
const UserResponse = z.object({ user: z.object({ id: z.number(), external_id: z.string().nullable().optional() }) });

const SHOW_MANY_LIMIT = 100;

const parse = <T>(schema: z.ZodType<T>, body: unknown): T => parseUpstream('support', schema, body);

export function createSupportConnector(deps: { http: HttpClient; logger?: Logger }): SupportConnector {
  const { http } = deps;
  const onUnknown = createUnknownValueLog({ system: 'support', logger: deps.logger });
  const writes = createSupportWrites({ http, onUnknown });
  return {
    ...writes,
    pageSize: ZENDESK_PAGE,
    contactsPerCall: SHOW_MANY_LIMIT,
    ticketId: { pattern: ZENDESK_ID, help: 'ticketId is a Zendesk ticket number, e.g. "4711".' },
    async staffUser(subject) {
      const agent = await writes.userByExternalId(`staff:${subject}`);
      if (!agent)
        throw new StaffUserMissingError(
          `No Zendesk agent user is linked to your account: set its external_id to "staff:${subject}" in Zendesk.`,
        );
      return agent;
    },
    async userIdsByCrmIds(externalIds) {
      const out = new Map<string, string>();
      for (const part of chunk(externalIds, SHOW_MANY_LIMIT)) {
        const body = await http.send({
          method: 'GET',
          path: '/api/v2/users/show_many',
          route: 'users.showMany',
          query: { external_ids: part.join(',') },
        });
        for (const u of parse(UsersResponse, body).users) if (u.external_id) out.set(u.external_id, String(u.id));
      }
      return out;
    },
    async requestedTickets(userId, size, after) {
      const body = await http.send({
        method: 'GET',
        path: `${userPath(userId)}/tickets/requested`,
        route: 'tickets.requested',
        query: { 'page[size]': size, 'page[after]': after, sort: '-updated_at' },
      });
      const r = parse(TicketsPage, body);
      return { tickets: r.tickets.map((t) => toTicket(t, onUnknown)), hasMore: r.meta.has_more, afterCursor: r.meta.after_cursor ?? null };
    },
    async ticketById(ticketId) {
      try {
        const body = await http.send({ method: 'GET', path: `/api/v2/tickets/${encodeURIComponent(ticketId)}`, route: 'tickets.show' });
        const t = parse(z.object({ ticket: ZendeskTicket }), body).ticket;
        return { ticket: toTicket(t, onUnknown), requesterId: t.requester_id == null ? null : String(t.requester_id) };
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 404) return null;
        throw err;
      }
    },
    async ticketRequester(ticketId) {
      try {
        const body = await http.send({
          method: 'GET',
          path: `/api/v2/tickets/${encodeURIComponent(ticketId)}`,
          route: 'tickets.show',
          priority: 'background',
        });
        return String(parse(TicketResponse, body).ticket.requester_id);
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 404) return null;
        throw err;
      }
    },
    async userCrmId(userId) {
      if (!ZENDESK_ID.test(userId)) return null;
      try {
        const body = await http.send({ method: 'GET', path: userPath(userId), route: 'users.show', priority: 'background' });
        return parse(UserResponse, body).user.external_id ?? null;
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 404) return null;
        throw err;
      }
    },
    // The Search API (`type:ticket requester:a requester:b ...`, most recently updated first): one
    // call per REQUESTERS_PER_SEARCH users (more when they have more than 100 tickets together,
    // pages fetched in parallel). Users whose lists Search's 1,000-result limit would cut are absent.
    async ticketsByRequesters(userIds) {
      const out = new Map<string, TicketSummary[]>(userIds.map((id) => [id, []]));
      for (const id of userIds) userPath(id); // ids go into the query: checked first
      await Promise.all(
        chunk(userIds, REQUESTERS_PER_SEARCH).map(async (ids) => {
          const query = `type:ticket ${ids.map((id) => `requester:${id}`).join(' ')}`;
          const page = async (n: number) =>
            parse(
              SearchResponse,
              await http.send({
                method: 'GET',
                path: '/api/v2/search',
                route: 'search.tickets',
                query: { query, sort_by: 'updated_at', sort_order: 'desc', per_page: SEARCH_PAGE, page: n },
              }),
            );
          const first = await page(1);
          if (first.count > SEARCH_MAX) {
            // Past Search's limit the lists would be cut: these users are left to the per-user endpoint.
            for (const id of ids) out.delete(id);
            return;
          }
          const rest = await Promise.all(Array.from({ length: Math.ceil(first.count / SEARCH_PAGE) - 1 }, (_x, i) => page(i + 2)));
          for (const r of [first, ...rest])
            for (const t of r.results) if (t.requester_id != null) out.get(String(t.requester_id))?.push(toTicket(t));
        }),
      );
      return out;
    },
    async userContactsByCrmIds(externalIds) {
      const out = new Map<string, SupportContact>();
      for (const part of chunk(externalIds, SHOW_MANY_LIMIT)) {
        const body = await http.send({
          method: 'GET',
          path: '/api/v2/users/show_many',
          route: 'users.showMany',
          query: { external_ids: part.join(',') },
        });
        for (const u of parse(ContactUsersResponse, body).users)
          if (u.external_id) out.set(u.external_id, { id: String(u.id), name: u.name ?? null, email: u.email ?? null });
      }
      return out;
    },
    async updateUserContact(userId, fields) {
      await http.send({
        method: 'PUT',
        path: userPath(userId),
        route: 'users.update',
        // Absolute values: repeating the PUT leaves the same user.
        idempotent: true,
        body: { user: fields },
      });
    },
    async upsertUser(crmId, fields) {
      const body = await http.send({
        method: 'POST',
        path: '/api/v2/users/create_or_update',
        route: 'users.create_or_update',
        // Matched by external_id (the customer id), else by email: a repeat finds the user made first.
        idempotent: true,
        body: { user: { name: fields.name, ...(fields.email ? { email: fields.email } : {}), external_id: crmId, role: 'end-user' } },
      });
      return { id: String(parse(UserResponse, body).user.id) };
    },
    async comments(ticketId) {
      try {
        const body = await http.send({
          method: 'GET',
          path: `/api/v2/tickets/${encodeURIComponent(ticketId)}/comments`,
          route: 'tickets.comments',
          query: { include: 'users' },
        });
        const r = parse(CommentsResponse, body);
        return toComments(r.comments, r.users ?? []);
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 404) return [];
        throw err;
      }
    },
  };
}
