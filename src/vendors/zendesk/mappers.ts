/** Zendesk DTOs -> the support port's types. */
import { z } from 'zod';
import type { TicketPriority, TicketStatus } from '../../generated/support.js';
import type { CommentSummary, TicketSummary } from '../../ports/support.js';
import type { OnUnknownValue } from '../../platform/unknown.js';

export const ZendeskUser = z.object({
  id: z.number(),
  name: z.string().nullable().optional(),
  external_id: z.string().nullable().optional(),
});
export type ZendeskUser = z.infer<typeof ZendeskUser>;

export const ZendeskTicket = z.object({
  id: z.number(),
  subject: z.string().nullable().optional(),
  status: z.string(),
  priority: z.string().nullable().optional(),
  requester_id: z.number().nullable().optional(),
  assignee_id: z.number().nullable().optional(),
  tags: z.array(z.string()).optional(),
  created_at: z.string(),
  updated_at: z.string(),
});
export type ZendeskTicket = z.infer<typeof ZendeskTicket>;

export const ZendeskComment = z.object({
  id: z.number(),
  author_id: z.number(),
  body: z.string().optional(),
  plain_body: z.string().optional(),
  public: z.boolean(),
  created_at: z.string(),
});
export type ZendeskComment = z.infer<typeof ZendeskComment>;

const STATUSES = new Set(['NEW', 'OPEN', 'PENDING', 'HOLD', 'SOLVED', 'CLOSED']);
const PRIORITIES = new Set(['LOW', 'NORMAL', 'HIGH', 'URGENT']);

/** A status or priority Zendesk sends that we do not know is UNKNOWN (and reported), never a guess. */
export function toTicket(t: ZendeskTicket, onUnknown?: OnUnknownValue): TicketSummary {
  const status = t.status.toUpperCase();
  const priority = t.priority?.toUpperCase();
  if (!STATUSES.has(status)) onUnknown?.('ticket.status', t.status);
  if (priority && !PRIORITIES.has(priority)) onUnknown?.('ticket.priority', t.priority);
  return {
    id: String(t.id),
    subject: t.subject ?? '',
    status: (STATUSES.has(status) ? status : 'UNKNOWN') as TicketStatus,
    // No priority set is null; a priority we do not know is UNKNOWN.
    priority: priority ? ((PRIORITIES.has(priority) ? priority : 'UNKNOWN') as TicketPriority) : null,
    createdAt: t.created_at,
    updatedAt: t.updated_at,
    assigneeId: typeof t.assignee_id === 'number' ? String(t.assignee_id) : null,
    tags: t.tags ?? [],
  };
}

/** Public comments only: internal notes (public: false) never leave the server. */
export function toComments(comments: readonly ZendeskComment[], users: readonly ZendeskUser[]): CommentSummary[] {
  const names = new Map(users.map((u) => [u.id, u.name ?? 'Support']));
  return comments
    .filter((c) => c.public)
    .map((c) => ({
      id: String(c.id),
      body: c.plain_body ?? c.body ?? '',
      author: names.get(c.author_id) ?? 'Support',
      createdAt: c.created_at,
    }));
}
