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
 *
 * The end state, whatever the order the events arrive in (docs/automations.md): as the invoice
 * is now in billing. Paid: contact ACTIVE, no unsolved payment-failed ticket for it. Open after a
 * failed payment: contact PAST_DUE and exactly one open ticket.
 */
import type { Config } from '../config/index.js';
import type { InvoiceSummary } from '../ports/billing.js';
import type { InvoiceEventData } from '../ports/events.js';
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
  description: "A paid invoice marks the CRM contact active with the payment date and solves the invoice's payment-failed ticket.",
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
  ],
});

/** The built-ins with whether this deployment runs them. */
export function builtInAutomations(config: Pick<Config, 'automations'>): { automation: AnyAutomation; enabled: boolean; builtIn: true }[] {
  return [
    { automation: paymentFailed, enabled: config.automations.paymentFailed, builtIn: true },
    { automation: paymentSucceeded, enabled: config.automations.paymentSucceeded, builtIn: true },
  ];
}
