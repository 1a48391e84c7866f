/**
 * The support port: what Portico needs of a support (ticketing) system, in Portico's own words.
 * A vendor module (src/vendors/<vendor>) implements it; the support subgraph, replicas and the
 * event handlers speak only this. A support user's id is the support system's own (a string,
 * opaque to Portico, kept in the customer links); a user is linked to a customer by Portico's
 * customer id (`crmId`).
 */
import type { TicketPriority, TicketStatus } from '../generated/support.js';

/** A customer as the support subgraph's entity reference. */
export interface CustomerRef {
  id: string;
}

export interface TicketSummary {
  id: string;
  subject: string;
  status: TicketStatus;
  /** null: none set; UNKNOWN: one Portico does not know (reported once by the connector). */
  priority: TicketPriority | null;
  createdAt: string;
  updatedAt: string;
  /** The support agent (user id) the ticket is assigned to; null when none. */
  assigneeId: string | null;
  tags: string[];
}

/** What `updateTicket` sets; absent = unchanged. `tags` is the whole list. */
export interface TicketPatch {
  status?: Exclude<TicketStatus, 'UNKNOWN'>;
  priority?: NewTicketPriority;
  /** A support agent's user id. */
  assigneeId?: string;
  tags?: readonly string[];
}

/** The support system refused a value of a ticket update; `field` names it in the patch's words (e.g. `status`). */
export class TicketInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** A public comment (internal notes never leave the vendor module). */
export interface CommentSummary {
  id: string;
  body: string;
  author: string;
  createdAt: string;
}

/** One page of a requester's tickets, most recently updated first; `afterCursor` continues it. */
export interface TicketPage {
  tickets: TicketSummary[];
  hasMore: boolean;
  afterCursor: string | null;
}

export interface SupportUser {
  id: string;
  name: string;
  /** True for the support system's agents (and admins): the users a ticket can be assigned to. */
  agent: boolean;
  /** The customer it is linked to (Portico's customer id), or a staff link (`staff:<subject>`); null when none. */
  crmId: string | null;
}

/** The replicated contact fields of a support user. */
export interface SupportContact {
  id: string;
  name: string | null;
  email: string | null;
}

/** A ticket's priority as a write sets it (the schema's, without UNKNOWN). */
export type NewTicketPriority = Exclude<TicketPriority, 'UNKNOWN'>;

/** No support user is linked to this staff member; the message says how to link one. */
export class StaffUserMissingError extends Error {}

export interface SupportPort {
  /** Most tickets one `requestedTickets` page holds: the subgraph slices pages of this size. */
  readonly pageSize: number;
  /** What a ticket id looks like, and the message for one that does not (BAD_USER_INPUT). */
  readonly ticketId: { pattern: RegExp; help: string };
  /** Users one `userContactsByCrmIds` call covers (reconciliation paces itself by it). */
  readonly contactsPerCall: number;
  /** Support user ids by Portico customer id; customers without one are absent. */
  userIdsByCrmIds(crmIds: readonly string[]): Promise<Map<string, string>>;
  /** One page of the tickets a user requested, most recently updated first. */
  requestedTickets(userId: string, size: number, after?: string): Promise<TicketPage>;
  /**
   * The first tickets of many requesters at once (one lookup for many users). Users whose lists
   * the lookup would cut are absent: the caller reads them with `requestedTickets`.
   */
  ticketsByRequesters(userIds: readonly string[]): Promise<Map<string, TicketSummary[]>>;
  /** A ticket's public comments; none when the ticket does not exist. */
  comments(ticketId: string): Promise<CommentSummary[]>;
  /** One ticket read by id (however old: a ticket screen, a subscription), with its requester; null when it does not exist. */
  ticketById(ticketId: string): Promise<{ ticket: TicketSummary; requesterId: string | null } | null>;
  /** One ticket's requester, re-read (event handlers); null when the ticket does not exist. */
  ticketRequester(ticketId: string): Promise<string | null>;
  /** One user's customer id, re-read (event handlers); null when absent or unknown. */
  userCrmId(userId: string): Promise<string | null>;
  /** The replicated contact fields of support users, by Portico customer id. */
  userContactsByCrmIds(crmIds: readonly string[]): Promise<Map<string, SupportContact>>;
  /** Sets a user's name/email (absolute values: a repeat leaves the same user). */
  updateUserContact(userId: string, fields: { name?: string; email?: string }): Promise<void>;
  /**
   * The support user of a Portico customer: created, or the one already linked to the customer id
   * (or, as the vendor matches them, holding this email) updated with these fields. Safe to repeat:
   * a retry finds the user the first attempt made.
   */
  upsertUser(crmId: string, fields: { name: string; email: string | null }): Promise<{ id: string }>;
  /** Opens a ticket requested by a user. `idempotencyKey` makes a retried creation answer the first ticket. */
  createTicket(
    t: {
      requesterId: string;
      subject: string;
      body: string;
      priority: NewTicketPriority | null;
      /** A marker stored with the ticket (ticketByExternalId finds it): read-before-write past the key's lifetime. */
      externalId?: string;
    },
    idempotencyKey?: string,
  ): Promise<TicketSummary>;
  /** The first ticket carrying this marker (createTicket's externalId); null when none. */
  ticketByExternalId(externalId: string): Promise<TicketSummary | null>;
  /**
   * Solves a ticket with a public comment by the API user. Read-before-write: a ticket already
   * solved or closed is left as it is (false), so a retry after a lost answer never posts twice.
   */
  solveTicket(ticketId: string, comment: string): Promise<boolean>;
  /**
   * Adds a public comment written by `authorId`; returns it. Never retried (it would post twice).
   * Throws TicketInputError when the ticket takes no comment (closed).
   */
  addComment(ticketId: string, c: { body: string; authorId: string; authorName: string }): Promise<CommentSummary>;
  /**
   * Adds an internal note (agents see it; the customer does not) carrying `marker`. Read-before-write:
   * a ticket whose recent comments already hold the marker is left as it is (false), so a retry after
   * a lost answer never notes twice. Throws TicketInputError when the ticket takes no comment (closed).
   */
  addNote(ticketId: string, note: string, marker: string): Promise<boolean>;
  /**
   * Sets a ticket's status, priority, assignee and tags (absolute values: a repeat leaves the same
   * ticket, so it may be retried) and returns it as it is after the write. Throws TicketInputError.
   */
  updateTicket(ticketId: string, patch: TicketPatch): Promise<TicketSummary>;
  /** One ticket as it is now (its requester); null when it does not exist. */
  ticket(ticketId: string): Promise<{ id: string; requesterId: string } | null>;
  /** One user; null when it does not exist. */
  user(userId: string): Promise<SupportUser | null>;
  /** The support user of a staff member (token subject); throws StaffUserMissingError when none is linked. */
  staffUser(subject: string): Promise<SupportUser>;
}
