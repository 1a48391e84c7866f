/**
 * Domain events: what happened in a system, in Portico's words, so an automation never names a
 * vendor. A vendor module maps its own events to these (inside its folder) after applying them;
 * the automation engine (src/automations) runs the automations whose trigger is the event's type.
 */

/** An invoice event of a customer known to the CRM. */
export interface InvoiceEventData {
  /** The billing system's invoice id. */
  invoiceId: string;
  /** Portico's customer id. */
  crmId: string;
  /** The billing system's id of the customer. */
  billingCustomerId: string;
}

/** A subscription event of a customer known to the CRM. */
export interface SubscriptionEventData {
  /** The billing system's subscription id. */
  subscriptionId: string;
  /** Portico's customer id. */
  crmId: string;
  /** The billing system's id of the customer. */
  billingCustomerId: string;
}

/** Each domain event type and its data. */
export interface DomainEventData {
  /** A payment of an invoice failed (a declined card); the invoice stays open. */
  'billing.invoice.payment_failed': InvoiceEventData;
  /** An invoice was paid. */
  'billing.invoice.paid': InvoiceEventData;
  /** A subscription was canceled: at once, or set to end at the end of its period. */
  'billing.subscription.canceled': SubscriptionEventData;
  /** A subscription set to end was resumed (its cancellation withdrawn). */
  'billing.subscription.resumed': SubscriptionEventData;
  /** A ticket became solved. */
  'support.ticket.solved': { ticketId: string; crmId: string | null };
  /** A CRM contact changed. */
  'crm.contact.updated': { crmId: string };
  /**
   * A signed-in user signed up (`registerCustomer`): an internal event, raised by the mutation once
   * the customer exists in every system and is linked. Its id is derived from the sign-up key, so a
   * retried sign-up raises the same event.
   */
  'crm.customer.registered': CustomerRegisteredData;
}

/** A customer who just signed up, with the accounts the sign-up made. */
export interface CustomerRegisteredData {
  /** Portico's customer id. */
  crmId: string;
  /** The billing system's id of the customer. */
  billingCustomerId: string;
  /** The support system's id of the customer's user. */
  supportUserId: string;
}

export type DomainEventType = keyof DomainEventData;

/** Every domain event type, for the start-up check of automation triggers. */
export const DOMAIN_EVENT_TYPES: readonly DomainEventType[] = [
  'billing.invoice.payment_failed',
  'billing.invoice.paid',
  'billing.subscription.canceled',
  'billing.subscription.resumed',
  'support.ticket.solved',
  'crm.contact.updated',
  'crm.customer.registered',
];

export interface DomainEvent<T extends DomainEventType = DomainEventType> {
  /** Unique and stable per vendor event (`<vendor>:<vendor event id>`): a redelivery has the same id. */
  id: string;
  type: T;
  /** When it happened (the vendor's event time), ISO 8601. */
  at: string;
  data: DomainEventData[T];
}
