/**
 * The built-in automations, each switchable (src/config/automations.ts).
 *
 * payment-failed (billing.invoice.payment_failed), when the invoice is still unpaid:
 *   open-ticket     one support ticket per invoice, naming the invoice number; never two: the create
 *                   carries a key from (automation, invoice id), and a marker (the ticket's external
 *                   id) is read first, which covers retries past the vendor key's lifetime
 *   mark-past-due   the CRM contact's billing standing PAST_DUE (absolute value)
 *   settle-if-paid  the invoice read again: paid meanwhile (its paid event ran before this run's
 *                   writes) -> the ticket solved and the contact ACTIVE, so any order converges
 *   notify-customer the customer told by email (src/notifications), once per event: the step key is
 *                   the message's key; an invoice paid meanwhile stopped the run above, so no email
 * payment-succeeded (billing.invoice.paid):
 *   mark-active     billing standing ACTIVE, last payment time = the event's
 *   solve-ticket    the invoice's payment-failed ticket (found by its marker) solved with a comment;
 *                   none: nothing to do
 *   notify-customer the customer told (template payment-received), once per invoice: the message key
 *                   is the invoice's, so a second paid event for it (redelivered under another id,
 *                   or `invoice.paid` and `invoice.payment_succeeded` alike) sends nothing more
 * subscription-canceled / subscription-resumed (billing.subscription.*), when the subscription,
 * re-read, is still as the event says (a late event of an undone change does nothing):
 *   set-crm-status  the CRM contact's subscription status as billing has it now (absolute value:
 *                   ACTIVE, CANCELING or CANCELED), so any order of events converges
 *   note-tickets    an internal note on each of the customer's unsolved tickets, once per ticket and
 *                   event (the note carries a marker, looked for before writing)
 * ticket-solved (support.ticket.solved), for a ticket of a known customer:
 *   notify-customer the customer told (template ticket-solved), once per event
 * customer-signed-up (crm.customer.registered, raised by `registerCustomer`): the mutation makes the
 * durable steps itself before it answers (create-contact, create-billing-customer,
 * create-support-user, link-accounts, link-identity: recorded in the run as inline steps), then
 *   welcome         the customer welcomed (template welcome), once per sign-up
 *   notify-admins   the admins told (a log line and an `admin.notice` audit entry), once per sign-up
 *
 * The end state, whatever the order the events arrive in (docs/automations.md): as the invoice
 * is now in billing. Paid: contact ACTIVE, no unsolved payment-failed ticket for it. Open after a
 * failed payment: contact PAST_DUE and exactly one open ticket.
 */
import type { Config } from '../config/index.js';
import type { InvoiceSummary, Subscription } from '../ports/billing.js';
import type { CrmSubscriptionStatus } from '../ports/crm.js';
import type { InvoiceEventData, SubscriptionEventData } from '../ports/events.js';
import type { TicketSummary } from '../ports/support.js';
import { PermanentJobError } from '../platform/queue.js';
import { defineAutomation, stop, type AnyAutomation, type AutomationPorts } from './types.js';

/** The marker stored with the payment-failed ticket of an invoice (the support system's external id). */
export const paymentFailedMarker = (invoiceId: string) => `portico:payment-failed:${invoiceId}`;

async function invoiceOf(ports: AutomationPorts, e: InvoiceEventData): Promise<InvoiceSummary | undefined> {
  return (await ports.billing.invoicesOf(e.billingCustomerId)).find((i) => i.id === e.invoiceId);
}

const money = (minor: number, currency: string) => `${(minor / 100).toFixed(2)} ${currency.toUpperCase()}`;

export const paymentFailed = defineAutomation({
  name: 'payment-failed',
  description: 'A failed invoice payment opens one support ticket per invoice and marks the CRM contact past due.',
  trigger: 'billing.invoice.payment_failed',
  // An invoice paid by the time the run starts (events out of order, or a late redelivery) needs nothing.
  when: async (e, ports) => (await invoiceOf(ports, e.data))?.status === 'OPEN',
  steps: [
    {
      name: 'open-ticket',
      uses: ['billing.invoicesOf', 'support.userIdsByCrmIds', 'support.ticketByExternalId', 'support.createTicket'],
      async run({ event, ports, keyFor }) {
        const { crmId, invoiceId } = event.data;
        const marker = paymentFailedMarker(invoiceId);
        const existing = await ports.support.ticketByExternalId(marker);
        if (existing) return { ticketId: existing.id, created: false };
        const invoice = await invoiceOf(ports, event.data);
        if (!invoice) throw new Error(`invoice ${invoiceId} is not listed for its customer`);
        const requesterId = (await ports.support.userIdsByCrmIds([crmId])).get(crmId);
        if (!requesterId) throw new PermanentJobError(`customer ${crmId} has no support user to open the ticket for`);
        const number = invoice.number ?? invoice.id;
        const ticket = await ports.support.createTicket(
          {
            requesterId,
            subject: `Payment failed for invoice ${number}`,
            body: `The payment of invoice ${number} (${money(invoice.amountRemaining, invoice.currency)}) failed. Please update the payment method; we will retry the payment.`,
            priority: 'HIGH',
            externalId: marker,
          },
          // By invoice, not by event: a second failed attempt of the same invoice finds the same ticket.
          keyFor(invoiceId),
        );
        return { ticketId: ticket.id, created: true };
      },
    },
    {
      name: 'mark-past-due',
      uses: ['crm.setBillingStanding'],
      async run({ event, ports }) {
        const found = await ports.crm.setBillingStanding(event.data.crmId, { standing: 'PAST_DUE' });
        if (!found) throw new PermanentJobError(`CRM contact ${event.data.crmId} does not exist`);
        return { standing: 'PAST_DUE' };
      },
    },
    {
      name: 'settle-if-paid',
      uses: ['billing.invoicesOf', 'support.solveTicket', 'crm.setBillingStanding'],
      async run({ event, ports, results }) {
        const invoice = await invoiceOf(ports, event.data);
        if (invoice?.status !== 'PAID') return { invoice: invoice?.status ?? 'GONE' };
        const ticketId = results['open-ticket']?.ticketId;
        if (typeof ticketId === 'string') await ports.support.solveTicket(ticketId, PAID_COMMENT);
        await ports.crm.setBillingStanding(event.data.crmId, { standing: 'ACTIVE' });
        return stop('invoice paid meanwhile', { invoice: 'PAID', standing: 'ACTIVE' });
      },
    },
    {
      name: 'notify-customer',
      uses: ['billing.invoicesOf', 'notifications.notifyCustomer'],
      async run({ event, ports, key }) {
        const invoice = await invoiceOf(ports, event.data);
        // The invoice number and the amount due; never payment details (no card, no bank data).
        const sent = await ports.notifications.notifyCustomer({
          key,
          crmId: event.data.crmId,
          template: 'payment-failed',
          data: {
            invoiceNumber: invoice?.number ?? event.data.invoiceId,
            amountDue: invoice ? money(invoice.amountRemaining, invoice.currency) : 'an amount',
          },
        });
        return { email: sent.channels.email ?? null };
      },
    },
  ],
});

const PAID_COMMENT = 'The invoice has been paid. Thank you! This ticket is now solved.';

export const paymentSucceeded = defineAutomation({
  name: 'payment-succeeded',
  description:
    "A paid invoice marks the CRM contact active with the payment date, solves the invoice's payment-failed ticket and tells the customer the payment was received.",
  trigger: 'billing.invoice.paid',
  steps: [
    {
      name: 'mark-active',
      uses: ['crm.setBillingStanding'],
      async run({ event, ports }) {
        const found = await ports.crm.setBillingStanding(event.data.crmId, { standing: 'ACTIVE', lastPaymentAt: event.at });
        if (!found) throw new PermanentJobError(`CRM contact ${event.data.crmId} does not exist`);
        return { standing: 'ACTIVE', lastPaymentAt: event.at };
      },
    },
    {
      name: 'solve-ticket',
      uses: ['support.ticketByExternalId', 'support.solveTicket'],
      async run({ event, ports }) {
        const ticket = await ports.support.ticketByExternalId(paymentFailedMarker(event.data.invoiceId));
        if (!ticket) return { ticketId: null, solved: false };
        const solved = await ports.support.solveTicket(ticket.id, PAID_COMMENT);
        return { ticketId: ticket.id, solved };
      },
    },
    {
      name: 'notify-customer',
      uses: ['billing.invoicesOf', 'notifications.notifyCustomer'],
      async run({ event, ports, keyFor }) {
        const invoice = await invoiceOf(ports, event.data);
        // The invoice number only: never payment details (no card, no bank data, no amount charged to what).
        const sent = await ports.notifications.notifyCustomer({
          // By invoice, not by event: one email per invoice.
          key: keyFor(event.data.invoiceId),
          crmId: event.data.crmId,
          template: 'payment-received',
          data: { invoiceNumber: invoice?.number ?? event.data.invoiceId },
        });
        return { email: sent.channels.email ?? null, push: sent.channels.push ?? null };
      },
    },
  ],
});

/** The subscription as billing has it now; null when gone or no longer this customer's. */
async function subscriptionOf(ports: AutomationPorts, e: SubscriptionEventData): Promise<Subscription | null> {
  const found = await ports.billing.subscriptionWithCustomer(e.subscriptionId);
  return found && found.billingCustomerId === e.billingCustomerId ? found.subscription : null;
}

/** What the CRM shows of a subscription. */
export function crmSubscriptionStatus(s: Pick<Subscription, 'status' | 'cancelAtPeriodEnd'>): CrmSubscriptionStatus {
  if (s.status === 'CANCELED' || s.status === 'INCOMPLETE_EXPIRED') return 'CANCELED';
  return s.cancelAtPeriodEnd ? 'CANCELING' : 'ACTIVE';
}

const UNSOLVED: ReadonlySet<TicketSummary['status']> = new Set(['NEW', 'OPEN', 'PENDING', 'HOLD']);
/** Pages of a customer's tickets read for the notes at most (the support port's page size each). */
const NOTE_PAGES = 10;

function subscriptionNote(status: CrmSubscriptionStatus, s: Pick<Subscription, 'plan' | 'currentPeriodEnd'>): string {
  const plan = s.plan ? ` (plan ${s.plan})` : '';
  const end = s.currentPeriodEnd ? ` on ${s.currentPeriodEnd.slice(0, 10)}` : ' at the end of its period';
  switch (status) {
    case 'CANCELED':
      return `Portico: the customer's subscription${plan} has been canceled.`;
    case 'CANCELING':
      return `Portico: the customer canceled their subscription${plan}; it ends${end}.`;
    case 'ACTIVE':
      return `Portico: the customer resumed their subscription${plan}; it continues.`;
  }
}

/** subscription-canceled and subscription-resumed: the same steps, each with its own trigger and condition. */
function subscriptionAutomation<T extends 'billing.subscription.canceled' | 'billing.subscription.resumed'>(trigger: T, name: string) {
  const canceled = trigger === 'billing.subscription.canceled';
  return defineAutomation({
    name,
    description: canceled
      ? "A canceled subscription sets the CRM contact's subscription status and leaves a note on the customer's open tickets."
      : "A resumed subscription sets the CRM contact's subscription status back to active and leaves a note on the customer's open tickets.",
    trigger,
    // Acts only when billing still shows what the event says: a cancellation undone before its run
    // (or an event arriving after a newer one) needs nothing; the newer event's run writes the state.
    when: async (e, ports) => {
      const s = await subscriptionOf(ports, e.data);
      if (!s) return false;
      return canceled === (crmSubscriptionStatus(s) !== 'ACTIVE');
    },
    steps: [
      {
        name: 'set-crm-status',
        uses: ['billing.subscriptionWithCustomer', 'crm.setSubscriptionStatus'],
        async run({ event, ports }) {
          const s = await subscriptionOf(ports, event.data);
          if (!s) return stop('subscription gone');
          const status = crmSubscriptionStatus(s);
          if (!(await ports.crm.setSubscriptionStatus(event.data.crmId, status)))
            throw new PermanentJobError(`CRM contact ${event.data.crmId} does not exist`);
          return { status, plan: s.plan, currentPeriodEnd: s.currentPeriodEnd };
        },
      },
      {
        name: 'note-tickets',
        uses: ['support.userIdsByCrmIds', 'support.requestedTickets', 'support.addNote'],
        async run({ event, ports, results, key }) {
          const userId = (await ports.support.userIdsByCrmIds([event.data.crmId])).get(event.data.crmId);
          if (!userId) return { tickets: 0, noted: 0 };
          const open: string[] = [];
          let after: string | undefined;
          for (let page = 0; page < NOTE_PAGES; page++) {
            const p = await ports.support.requestedTickets(userId, ports.support.pageSize, after);
            open.push(...p.tickets.filter((t) => UNSOLVED.has(t.status)).map((t) => t.id));
            if (!p.hasMore || !p.afterCursor) break;
            after = p.afterCursor;
          }
          const done = results['set-crm-status'] ?? {};
          const note = subscriptionNote(done.status as CrmSubscriptionStatus, {
            plan: typeof done.plan === 'string' ? done.plan : null,
            currentPeriodEnd: typeof done.currentPeriodEnd === 'string' ? done.currentPeriodEnd : null,
          });
          let noted = 0;
          // One after the other: a failure retries the step, and the notes already written are found by their marker.
          for (const id of open) if (await ports.support.addNote(id, note, key)) noted++;
          return { tickets: open.length, noted };
        },
      },
    ],
  });
}

export const subscriptionCanceled = subscriptionAutomation('billing.subscription.canceled', 'subscription-canceled');
export const subscriptionResumed = subscriptionAutomation('billing.subscription.resumed', 'subscription-resumed');

export const ticketSolved = defineAutomation({
  name: 'ticket-solved',
  description: 'A solved ticket is told to its customer (email, push), once per event.',
  trigger: 'support.ticket.solved',
  when: (e) => e.data.crmId !== null,
  steps: [
    {
      name: 'notify-customer',
      uses: ['notifications.notifyCustomer'],
      async run({ event, ports, key }) {
        const crmId = event.data.crmId;
        if (!crmId) return stop('no customer');
        const sent = await ports.notifications.notifyCustomer({
          key,
          crmId,
          template: 'ticket-solved',
          data: { ticketId: event.data.ticketId },
        });
        return { email: sent.channels.email ?? null, push: sent.channels.push ?? null };
      },
    },
  ],
});

/** The automation whose run records a sign-up (src/customers/signup.ts makes its inline steps). */
export const CUSTOMER_SIGNED_UP = 'customer-signed-up';

export const customerSignedUp = defineAutomation({
  name: CUSTOMER_SIGNED_UP,
  description:
    'A sign-up (registerCustomer): after the mutation made and linked the CRM contact, billing customer and support user, the customer is welcomed and the admins are told, once each.',
  trigger: 'crm.customer.registered',
  steps: [
    {
      name: 'welcome',
      uses: ['crm.getContacts', 'notifications.notifyCustomer'],
      async run({ event, ports, key }) {
        const contact = (await ports.crm.getContacts([event.data.crmId])).get(event.data.crmId);
        const name = contact?.firstName ?? contact?.lastName ?? 'there';
        const sent = await ports.notifications.notifyCustomer({ key, crmId: event.data.crmId, template: 'welcome', data: { name } });
        return { email: sent.channels.email ?? null, push: sent.channels.push ?? null };
      },
    },
    {
      name: 'notify-admins',
      uses: ['notifications.notifyAdmins'],
      async run({ event, ports, key }) {
        const { crmId, billingCustomerId, supportUserId } = event.data;
        const told = await ports.notifications.notifyAdmins({
          key,
          kind: 'customer.registered',
          customerId: crmId,
          message: `customer ${crmId} signed up`,
          data: { billingCustomerId, supportUserId },
        });
        return { admins: told };
      },
    },
  ],
});

/** The built-ins with whether this deployment runs them. */
export function builtInAutomations(config: Pick<Config, 'automations'>): { automation: AnyAutomation; enabled: boolean; builtIn: true }[] {
  return [
    { automation: paymentFailed, enabled: config.automations.paymentFailed, builtIn: true },
    { automation: paymentSucceeded, enabled: config.automations.paymentSucceeded, builtIn: true },
    { automation: subscriptionCanceled, enabled: config.automations.subscriptionChanged, builtIn: true },
    { automation: subscriptionResumed, enabled: config.automations.subscriptionChanged, builtIn: true },
    { automation: ticketSolved, enabled: config.automations.ticketSolved, builtIn: true },
    { automation: customerSignedUp, enabled: config.automations.customerSignedUp, builtIn: true },
  ];
}
