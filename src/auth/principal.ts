import { BadUserInputError, ForbiddenError } from '../errors/index.js';

/**
 * Who is calling. Every authorization decision reads a Principal; nothing reads tokens directly.
 * Users get their scopes from their roles (ROLE_SCOPES); partners get exactly the scopes they
 * were minted with. Ownership (which customers a principal may reach) is separate from scopes.
 */
export const ROLES = ['customer', 'agent', 'admin'] as const;
export type Role = (typeof ROLES)[number];

/** Every scope and what it opens. README's scope table is generated from this. */
export const SCOPES = {
  'self:read': "Query.me: the caller's own customer record (customer tokens only).",
  'self:register': 'registerCustomer: a signed-in user without a customer yet signs up (customer tokens without a customer claim).',
  'crm.contacts:read': 'Customer identity and contact fields: name, email, phone, company, lifecycle stage.',
  'crm.customers:list': 'Query.customers: list and search all customers.',
  'billing.summary:read': 'Customer.billing: currency, balance and subscription.',
  'billing.invoices:read': 'Billing.invoices.',
  'billing.payment_methods:read': 'Billing.paymentMethods (brand, last4, expiry only).',
  'support.tickets:read': 'Customer.tickets with comments.',
  'files.documents:read': 'Customer.documents with presigned download URLs.',
  'support.tickets:write': 'openTicket, addTicketComment: open tickets and comment on them.',
  'files.documents:write': 'requestDocumentUpload, confirmDocumentUpload: upload documents (presigned, straight to S3).',
  'billing.subscription:write': 'cancelSubscription, resumeSubscription.',
  'billing.subscription:change_plan':
    'changeSubscriptionPlan: move a subscription to another plan, prorated (a charge or credit on the next invoice).',
  'billing.details:write': 'updateBillingDetails: billing address and tax ids.',
  'billing.invoices:pay': "payInvoice: pay an open invoice with the customer's default card.",
  'billing.payment_methods:write':
    'startPaymentMethodSetup, setDefaultPaymentMethod, removePaymentMethod: cards, added through the vendor SDK.',
  'support.tickets:manage':
    "updateTicket: set a ticket's status, priority, assignee and tags; see Ticket.assigneeId and Ticket.tags (support staff).",
  'admin:partners': 'Mint, list and revoke partner tokens.',
  'admin:cache': "Purge a customer's cached records.",
  'admin:events': 'List and replay failed webhook events, replica jobs and automation runs; list every automation run.',
  'crm.contacts:write': "Mutation.updateMyContact (the caller's own record) and Mutation.updateContact: name, email, phone, company.",
  'admin:audit': 'Read the audit log (`auditLog`).',
  'admin:integration': 'See the integration state (`integrationHealth`): queues, dead letters, reconciliation, circuit breakers.',
  'webhooks:manage':
    "Partner webhook endpoints: create, list, disable, rotate secrets, test, delivery logs and replays (a partner's own; an admin's all).",
} as const;
export type Scope = keyof typeof SCOPES;

/** Scopes a partner token may carry: data scopes only, never admin ones (and no `me`: a partner is not a customer). */
export const PARTNER_SCOPES = (Object.keys(SCOPES) as Scope[]).filter((s) => !s.startsWith('admin:') && !s.startsWith('self:'));

export const ROLE_SCOPES: Record<Role, readonly Scope[]> = {
  customer: [
    'self:read',
    'self:register',
    'crm.contacts:read',
    'billing.summary:read',
    'billing.invoices:read',
    'billing.payment_methods:read',
    'support.tickets:read',
    'files.documents:read',
    'crm.contacts:write',
    'support.tickets:write',
    'files.documents:write',
    'billing.subscription:write',
    'billing.subscription:change_plan',
    'billing.details:write',
    'billing.invoices:pay',
    'billing.payment_methods:write',
  ],
  // Support agents see contact, ticket and document data and a billing summary, never payment details;
  // they answer tickets and upload documents for customers, but do not change subscriptions.
  agent: [
    'crm.contacts:read',
    'crm.customers:list',
    'billing.summary:read',
    'billing.invoices:read',
    'support.tickets:read',
    'files.documents:read',
    'crm.contacts:write',
    'support.tickets:write',
    'support.tickets:manage',
    'files.documents:write',
  ],
  admin: (Object.keys(SCOPES) as Scope[]).filter((s) => !s.startsWith('self:')),
};

export type Principal =
  | { kind: 'anonymous'; scopes: ReadonlySet<string> }
  | {
      kind: 'user';
      subject: string;
      roles: readonly Role[];
      customerId?: string;
      scopes: ReadonlySet<string>;
      /**
       * A customer token with no customer claim and no identity link yet (customers/identities.ts):
       * a signed-in user who may `registerCustomer`. Its customerId is still the subject (the
       * documented fallback), which no customer has.
       */
      signup?: boolean;
    }
  | {
      kind: 'partner';
      partnerId: string;
      name: string;
      scopes: ReadonlySet<string>;
      customerIds?: readonly string[];
      operations?: readonly string[];
    };

export const ANONYMOUS: Principal = Object.freeze({ kind: 'anonymous', scopes: new Set<string>() });

export function userPrincipal(subject: string, roles: readonly Role[], customerId?: string): Principal {
  const scopes = new Set<string>(roles.flatMap((r) => ROLE_SCOPES[r]));
  return { kind: 'user', subject, roles, customerId, scopes };
}

/** Staff (agents, admins) reach every customer; a customer only itself; a partner its allow-list. */
export function canAccessCustomer(p: Principal, customerId: string): boolean {
  switch (p.kind) {
    case 'anonymous':
      return false;
    case 'partner':
      return !p.customerIds || p.customerIds.includes(customerId);
    case 'user':
      if (p.roles.includes('admin') || p.roles.includes('agent')) return true;
      return p.roles.includes('customer') && p.customerId === customerId;
  }
}

/** True when the principal is bound to one customer (a customer token). */
export function ownCustomerId(p: Principal): string | undefined {
  return p.kind === 'user' && !p.roles.includes('admin') && !p.roles.includes('agent') ? p.customerId : undefined;
}

export function hasScopes(p: Principal, anyOf: readonly (readonly string[])[]): boolean {
  return anyOf.some((all) => all.every((s) => p.scopes.has(s)));
}

/** The one answer to a customer a principal may not reach: the same whether or not it exists. */
export const CUSTOMER_FORBIDDEN = 'You are not allowed to access this customer.';

/**
 * Ownership check for a Customer entity reference (`_entities`, nested fields): returns the
 * reference when the principal may reach that customer, else FORBIDDEN. Every subgraph that
 * extends Customer resolves references through it.
 */
export function ownedCustomerRef<T extends { id: string }>(ref: T, p: Principal): { id: string } {
  checkCustomerId(ref.id);
  if (!canAccessCustomer(p, ref.id)) throw new ForbiddenError(CUSTOMER_FORBIDDEN);
  return { id: ref.id };
}

/**
 * Customer ids become parts of vendor requests (search clauses, S3 prefixes, query strings), so
 * only plain ids pass: letters, digits, `_` and `-`.
 */
export function checkCustomerId(id: string): void {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id))
    throw new BadUserInputError('A customer id is 1-64 letters, digits, "_" or "-", e.g. "1001".', 'id');
}
