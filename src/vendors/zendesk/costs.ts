import type { CostTable } from '../../guards/cost-model.js';

/**
 * Support calls: the user lookup finds 100 users a call, requested tickets are one call per
 * customer, and comments one call per ticket.
 */
export const zendeskCosts: CostTable = {
  'Customer.tickets': { calls: 1.01, items: { arg: 'first', default: 10 } },
  'Customer.ticket': { calls: 1.01 },
  'Ticket.comments': { calls: 1 },
  // Writes: the requester's user lookup and the creation; the ticket, its requester and the comment.
  'Mutation.openTicket': { calls: 2 },
  'Mutation.addTicketComment': { calls: 3 },
};
