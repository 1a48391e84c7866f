/**
 * The billing port: what Portico needs of a billing system, in Portico's own words. A vendor
 * module (src/vendors/<vendor>) implements it; the billing subgraph, replicas and the event
 * handlers speak only this. `crmId` is Portico's customer id; `billingCustomerId` is the billing
 * system's own id of that customer (what the customer links keep), opaque to Portico.
 */
import type { InvoiceStatus, SubscriptionStatus } from '../generated/billing.js';

/** A customer as the billing subgraph's entity reference. */
export interface CustomerRef {
  id: string;
}

export interface Subscription {
  id: string;
  status: SubscriptionStatus;
  plan: string | null;
  /** ISO 8601. */
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
}

export interface BillingAccount {
  /** Portico's customer id. */
  crmId: string;
  billingCustomerId: string;
  /** ISO 4217, upper case. */
  currency: string;
  /** Minor units. */
  balance: number;
  /** The one a portal shows: a live one if any, else the most recent. */
  subscription: Subscription | null;
}

/** Display fields only: nothing else of a payment method leaves the vendor module. */
export interface CardSummary {
  id: string;
  brand: string;
  last4: string;
  expMonth: number;
  expYear: number;
}

export interface InvoiceSummary {
  id: string;
  number: string | null;
  status: InvoiceStatus;
  amountDue: number;
  amountPaid: number;
  amountRemaining: number;
  currency: string;
  dueDate: string | null;
  createdAt: string;
}

/** The replicated contact fields of a billing customer. */
export interface BillingContact {
  /** The billing customer id. */
  id: string;
  name: string | null;
  email: string | null;
}

/** Objects that belong to a billing customer, whose owner an event handler re-reads. */
export type BillingObject = 'invoice' | 'subscription' | 'payment_method';

/** A known link: the customer and its billing customer id. */
export interface BillingLink {
  crmId: string;
  billingCustomerId: string;
}

export interface BillingPort {
  /** Customers one `customerContactsByCrmIds` call covers (reconciliation paces itself by it). */
  readonly contactsPerCall: number;
  /** Billing accounts by Portico customer id, looked up (search); customers without one are absent. */
  accountsByCrmIds(crmIds: readonly string[]): Promise<Map<string, BillingAccount>>;
  /**
   * Billing accounts of linked customers, read directly (fresh, no search lag). A link whose
   * billing customer is gone or belongs to another customer now is absent.
   */
  accountsByLinks(links: readonly BillingLink[]): Promise<Map<string, BillingAccount>>;
  /** Every invoice of each billing customer, newest first (one lookup for many customers). */
  invoicesByCustomers(billingCustomerIds: readonly string[]): Promise<Map<string, InvoiceSummary[]>>;
  /** Every invoice of one billing customer, newest first, read directly. */
  invoicesOf(billingCustomerId: string): Promise<InvoiceSummary[]>;
  cards(billingCustomerId: string): Promise<CardSummary[]>;
  /** One billing customer, re-read (event handlers, background priority); null when it does not exist. */
  customer(billingCustomerId: string): Promise<{ id: string; crmId: string | null; deleted: boolean } | null>;
  /** The billing customer an object belongs to now, re-read; null when gone or detached. */
  ownerOf(object: BillingObject, id: string): Promise<string | null>;
  /**
   * Sets or clears cancel-at-period-end. With `idempotencyKey` the vendor receives it and the
   * call may be retried; without one it is sent once (a lost answer is not resent blindly).
   */
  setCancelAtPeriodEnd(subscriptionId: string, cancel: boolean, idempotencyKey?: string): Promise<Subscription>;
  /** Cancels at once (idempotent by definition). */
  cancelSubscriptionNow(subscriptionId: string): Promise<Subscription>;
  /** The replicated contact fields of billing customers, by Portico customer id (background priority). */
  customerContactsByCrmIds(crmIds: readonly string[]): Promise<Map<string, BillingContact>>;
  /** One linked customer's contact fields, read directly; null when gone or no longer this customer's. */
  customerContact(billingCustomerId: string, crmId: string): Promise<BillingContact | null>;
  /** Sets a billing customer's name/email; `idempotencyKey` makes a retry write once. */
  updateCustomerContact(billingCustomerId: string, fields: { name?: string; email?: string }, idempotencyKey: string): Promise<void>;
}
