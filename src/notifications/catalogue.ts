/**
 * Portico's partner event types, `<domain>.<object>.<change>`, one per domain event
 * (src/ports/events.ts) whichever vendor serves the domain, with the scope a partner needs to
 * receive it. Payloads are thin: the ids the event is about, never the changed values; the
 * partner re-reads what it needs through GraphQL, where its scopes and allow-list apply again.
 */
import type { DomainEvent, DomainEventType } from '../ports/events.js';

export interface WebhookEventTypeInfo {
  type: string;
  description: string;
  /** A partner receives the type only with every one of these scopes. */
  scopes: readonly string[];
}

/** The domain events partners can subscribe to, and the scopes each needs. */
const DOMAIN_TYPES: Readonly<Record<DomainEventType, Omit<WebhookEventTypeInfo, 'type'>>> = {
  'billing.invoice.payment_failed': {
    description: "A payment of an invoice failed; the invoice stays open. Data: customerId, invoiceId (Billing.invoices' id).",
    scopes: ['billing.invoices:read'],
  },
  'billing.invoice.paid': { description: 'An invoice was paid. Data: customerId, invoiceId.', scopes: ['billing.invoices:read'] },
  'billing.subscription.canceled': {
    description: 'A subscription was canceled, at once or at the end of its period. Data: customerId, subscriptionId.',
    scopes: ['billing.summary:read'],
  },
  'billing.subscription.resumed': {
    description: 'A subscription set to end was resumed. Data: customerId, subscriptionId.',
    scopes: ['billing.summary:read'],
  },
  'support.ticket.solved': {
    description: 'A ticket became solved. Data: customerId (or null), ticketId.',
    scopes: ['support.tickets:read'],
  },
  'crm.contact.updated': { description: "A customer's contact record changed. Data: customerId.", scopes: ['crm.contacts:read'] },
  'crm.customer.registered': {
    description: 'A signed-in user signed up (registerCustomer): the customer exists in every system and is linked. Data: customerId.',
    scopes: ['crm.contacts:read'],
  },
};

/** The event `sendTestWebhookEvent` sends: every endpoint receives it, whatever it subscribed to. */
export const TEST_EVENT_TYPE = 'portico.webhook.test';

export const WEBHOOK_EVENT_TYPES: readonly WebhookEventTypeInfo[] = Object.entries(DOMAIN_TYPES).map(([type, info]) => ({ type, ...info }));

const BY_TYPE = new Map(WEBHOOK_EVENT_TYPES.map((t) => [t.type, t]));

export function eventTypeInfo(type: string): WebhookEventTypeInfo | undefined {
  return BY_TYPE.get(type);
}

/** The partner-facing message of a domain event: its type, the customer it is about, and the thin data. */
export interface OutboundMessage {
  /** The domain event id (stable across redeliveries): the dedupe key of every delivery. */
  eventId: string;
  type: string;
  /** When it happened, ISO 8601. */
  timestamp: string;
  /** The customer it concerns (allow-lists filter on it); null when unknown. */
  customerId: string | null;
  data: Record<string, string | null>;
}

export function messageOf(e: DomainEvent): OutboundMessage {
  const base = { eventId: e.id, type: e.type, timestamp: e.at };
  switch (e.type) {
    case 'billing.invoice.payment_failed':
    case 'billing.invoice.paid': {
      const d = e.data as DomainEvent<'billing.invoice.paid'>['data'];
      return { ...base, customerId: d.crmId, data: { customerId: d.crmId, invoiceId: d.invoiceId } };
    }
    case 'billing.subscription.canceled':
    case 'billing.subscription.resumed': {
      const d = e.data as DomainEvent<'billing.subscription.canceled'>['data'];
      return { ...base, customerId: d.crmId, data: { customerId: d.crmId, subscriptionId: d.subscriptionId } };
    }
    case 'support.ticket.solved': {
      const d = e.data as DomainEvent<'support.ticket.solved'>['data'];
      return { ...base, customerId: d.crmId, data: { customerId: d.crmId, ticketId: d.ticketId } };
    }
    case 'crm.contact.updated':
    case 'crm.customer.registered': {
      const d = e.data as DomainEvent<'crm.contact.updated'>['data'];
      return { ...base, customerId: d.crmId, data: { customerId: d.crmId } };
    }
  }
}

/** The body sent: Standard Webhooks' recommended `{ type, timestamp, data }`. */
export function payloadOf(m: Pick<OutboundMessage, 'type' | 'timestamp' | 'data'>): string {
  return JSON.stringify({ type: m.type, timestamp: m.timestamp, data: m.data });
}
