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
import { createSupportWrites, type SupportWrites } from './writes.js';
import { toComments, toTicket, ZendeskComment, ZendeskTicket, ZendeskUser, type CommentSummary, type TicketSummary } from './mappers.js';

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

export interface TicketPage {
  tickets: TicketSummary[];
  hasMore: boolean;
  afterCursor: string | null;
}

export interface SupportConnector extends SupportWrites {
  /** Zendesk user ids by external id (CRM id); unknown ids are absent. */
  userIdsByExternalIds(externalIds: readonly string[]): Promise<Map<string, number>>;
  requestedTickets(userId: number, size: number, after?: string): Promise<TicketPage>;
  comments(ticketId: string): Promise<CommentSummary[]>;
  /**
   * Tickets of many requesters with the Search API (`type:ticket requester:a requester:b ...`,
   * most recently updated first): one call per REQUESTERS_PER_SEARCH users (more when they have
   * more than 100 tickets together, pages fetched in parallel). Users whose lists Search's
   * 1,000-result limit would cut are absent: the caller reads them per user.
   */
  ticketsByRequesters(userIds: readonly number[]): Promise<Map<number, TicketSummary[]>>;
  /** One ticket's requester, re-read (webhook handlers, background priority); null when the ticket does not exist. */
  ticketRequester(ticketId: string): Promise<number | null>;
  /** One user's external id (our CRM id), re-read (webhook handlers, background priority); null when absent or unknown. */
  userExternalId(userId: number): Promise<string | null>;
  /** The replicated contact fields of Zendesk users, by external id (CRM id), 100 a call. */
  userContactsByExternalIds(externalIds: readonly string[]): Promise<Map<string, ZendeskUserContact>>;
  /** Sets a user's name/email (PUT /api/v2/users/{id}). */
  updateUserContact(userId: number, fields: { name?: string; email?: string }): Promise<void>;
}

/** Requesters per search query: about 30 tickets a query on typical data, one page of 100. */
export const REQUESTERS_PER_SEARCH = 10;
const SEARCH_PAGE = 100;
const SEARCH_MAX = 1000;

export interface ZendeskUserContact {
  id: number;
  name: string | null;
  email: string | null;
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
  return {
    ...createSupportWrites({ http, onUnknown }),
    async userIdsByExternalIds(externalIds) {
      const out = new Map<string, number>();
      for (const part of chunk(externalIds, SHOW_MANY_LIMIT)) {
        const body = await http.send({
          method: 'GET',
          path: '/api/v2/users/show_many',
          route: 'users.showMany',
          query: { external_ids: part.join(',') },
        });
        for (const u of parse(UsersResponse, body).users) if (u.external_id) out.set(u.external_id, u.id);
      }
      return out;
    },
    async requestedTickets(userId, size, after) {
      const body = await http.send({
        method: 'GET',
        path: `/api/v2/users/${userId}/tickets/requested`,
        route: 'tickets.requested',
        query: { 'page[size]': size, 'page[after]': after, sort: '-updated_at' },
      });
      const r = parse(TicketsPage, body);
      return { tickets: r.tickets.map((t) => toTicket(t, onUnknown)), hasMore: r.meta.has_more, afterCursor: r.meta.after_cursor ?? null };
    },
    async ticketRequester(ticketId) {
      try {
        const body = await http.send({
          method: 'GET',
          path: `/api/v2/tickets/${encodeURIComponent(ticketId)}`,
          route: 'tickets.show',
          priority: 'background',
        });
        return parse(TicketResponse, body).ticket.requester_id;
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 404) return null;
        throw err;
      }
    },
    async userExternalId(userId) {
      try {
        const body = await http.send({ method: 'GET', path: `/api/v2/users/${userId}`, route: 'users.show', priority: 'background' });
        return parse(UserResponse, body).user.external_id ?? null;
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 404) return null;
        throw err;
      }
    },
    async ticketsByRequesters(userIds) {
      const out = new Map<number, TicketSummary[]>(userIds.map((id) => [id, []]));
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
            for (const t of r.results) if (t.requester_id != null) out.get(t.requester_id)?.push(toTicket(t));
        }),
      );
      return out;
    },
    async userContactsByExternalIds(externalIds) {
      const out = new Map<string, ZendeskUserContact>();
      for (const part of chunk(externalIds, SHOW_MANY_LIMIT)) {
        const body = await http.send({
          method: 'GET',
          path: '/api/v2/users/show_many',
          route: 'users.showMany',
          query: { external_ids: part.join(',') },
        });
        for (const u of parse(ContactUsersResponse, body).users)
          if (u.external_id) out.set(u.external_id, { id: u.id, name: u.name ?? null, email: u.email ?? null });
      }
      return out;
    },
    async updateUserContact(userId, fields) {
      await http.send({
        method: 'PUT',
        path: `/api/v2/users/${userId}`,
        route: 'users.update',
        // Absolute values: repeating the PUT leaves the same user.
        idempotent: true,
        body: { user: fields },
      });
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
