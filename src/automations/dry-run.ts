/**
 * Dry run (AUTOMATION_DRY_RUN): a step's port calls that only read go through; every other call (a
 * write, or a method this list does not know) is not made: it is logged (`dry run: would call`)
 * and answered with a stand-in, so the step carries on as if it had been done.
 */
import type { PortCapability } from './types.js';

/** The port methods that only read. Anything else is treated as a write. */
const READS: ReadonlySet<string> = new Set<PortCapability>([
  'crm.getContacts',
  'crm.searchContacts',
  'crm.billingStanding',
  'crm.billingCopy',
  'crm.listContacts',
  'billing.accountsByCrmIds',
  'billing.accountsByLinks',
  'billing.invoicesByCustomers',
  'billing.invoicesOf',
  'billing.cards',
  'billing.customer',
  'billing.ownerOf',
  'billing.customerContactsByCrmIds',
  'billing.customerContact',
  'billing.invoice',
  'billing.subscriptionWithCustomer',
  'billing.subscription',
  'billing.plans',
  'billing.previewPlanChange',
  'support.userIdsByCrmIds',
  'support.requestedTickets',
  'support.ticketsByRequesters',
  'support.comments',
  'support.ticketRequester',
  'support.userCrmId',
  'support.userContactsByCrmIds',
  'support.ticketByExternalId',
  'support.ticket',
  'support.user',
  'support.staffUser',
]);

export const isRead = (capability: string) => READS.has(capability);

const now = () => new Date().toISOString();
const DRY_ID = 'dry-run';
const ticket = (t: { subject?: string; priority?: unknown }) => ({
  id: DRY_ID,
  subject: t.subject ?? '',
  status: 'NEW',
  priority: t.priority ?? null,
  createdAt: now(),
  updatedAt: now(),
  assigneeId: null,
  tags: [],
});

/** What a write that was not made answers, shaped as the port's result. */
export function standIn(capability: string, args: readonly unknown[]): unknown {
  const first = args[0] as Record<string, unknown> | string | undefined;
  switch (capability) {
    case 'crm.setBillingStanding':
    case 'crm.setSubscriptionStatus':
    case 'crm.setBillingCopy':
    case 'support.solveTicket':
    case 'support.addNote':
      return true;
    case 'crm.updateContact':
      return {
        id: first,
        firstName: null,
        lastName: null,
        email: null,
        phone: null,
        company: null,
        lifecycleStage: null,
        createdAt: null,
        updatedAt: null,
      };
    case 'billing.setCancelAtPeriodEnd':
    case 'billing.cancelSubscriptionNow':
      return {
        id: first,
        status: 'ACTIVE',
        plan: null,
        currentPeriodEnd: null,
        cancelAtPeriodEnd: capability === 'billing.setCancelAtPeriodEnd' && args[1] === true,
      };
    case 'billing.startCardSetup':
      return { id: DRY_ID, clientSecret: '' };
    case 'billing.payInvoice':
      return {
        id: first,
        number: null,
        status: 'PAID',
        amountDue: 0,
        amountPaid: 0,
        amountRemaining: 0,
        currency: 'USD',
        dueDate: null,
        createdAt: now(),
      };
    case 'support.createTicket':
      return ticket((first ?? {}) as Record<string, unknown>);
    case 'support.updateTicket':
      return { ...ticket({}), id: first };
    case 'support.addComment':
      return {
        id: DRY_ID,
        body: (args[1] as { body?: string })?.body ?? '',
        author: (args[1] as { authorName?: string })?.authorName ?? '',
        createdAt: now(),
      };
    case 'notifications.notifyCustomer':
      return { channels: {} };
    case 'notifications.notifyAdmins':
      return 'sent';
    default:
      return undefined;
  }
}

/** Arguments as logged: their JSON, cut to a bounded length. */
export function argsShown(args: readonly unknown[]): string {
  const text = JSON.stringify(args) ?? '';
  return text.length > 500 ? `${text.slice(0, 500)}…` : text;
}
