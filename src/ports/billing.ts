/**
 * The billing port: what Portico needs of a billing system, in Portico's own words. A vendor
 * module (src/vendors/<vendor>) implements it; the billing subgraph, replicas and the event
 * handlers speak only this. `crmId` is Portico's customer id; `billingCustomerId` is the billing
 * system's own id of that customer (what the customer links keep), opaque to Portico.
 */
import type { InvoiceStatus, PlanInterval, SubscriptionStatus } from '../generated/billing.js';

/** A customer as the billing subgraph's entity reference. */
export interface CustomerRef {
  id: string;
}

export interface Subscription {
  id: string;
  status: SubscriptionStatus;
  plan: string | null;
  /** The plan's id (the billing system's price id); null when none or several. */
  planId: string | null;
  /** ISO 8601. */
  currentPeriodEnd: string | null;
  cancelAtPeriodEnd: boolean;
}

/** A plan on sale: one active recurring price of the billing system. */
export interface Plan {
  id: string;
  name: string;
  productName: string | null;
  description: string | null;
  interval: PlanInterval;
  intervalCount: number;
  /** ISO 4217, upper case: the price's default currency. */
  currency: string;
  /** Minor units per unit in `currency`; null when not billed per unit. */
  amount: number | null;
  /** Every currency it is sold in, the default first. */
  prices: { currency: string; amount: number | null }[];
}

/** A subscription as a plan change needs it, read fresh from the billing system. */
export interface SubscriptionState {
  id: string;
  billingCustomerId: string | null;
  status: SubscriptionStatus;
  /** ISO 4217, upper case: what the subscription is charged in. */
  currency: string;
  /** The subscription's items (a plan change acts on a subscription of exactly one). */
  items: { id: string; planId: string | null; interval: PlanInterval; intervalCount: number }[];
  /** ISO 8601. */
  currentPeriodStart: string | null;
  currentPeriodEnd: string | null;
}

/** How a plan change is charged: `prorationDate` (ISO 8601, whole seconds) fixes the proration so the change equals its preview. */
export interface PlanChangeOptions {
  prorate: boolean;
  prorationDate: string;
}

/** The billing system's preview of a plan change. */
export interface PlanChangeQuote {
  /** Minor units the change adds (negative: a credit); 0 without proration. */
  prorationAmount: number;
  nextInvoiceTotal: number;
  currency: string;
}

/** A postal address as the billing system keeps it (a missing part is null). `country`: ISO 3166-1 alpha-2. */
export interface BillingAddress {
  line1: string | null;
  line2: string | null;
  city: string | null;
  postalCode: string | null;
  state: string | null;
  country: string | null;
}

/** A tax id on the customer's invoices: `type` in the billing system's vocabulary (e.g. `eu_vat`). */
export interface TaxIdSummary {
  id: string;
  type: string;
  value: string;
  /** ISO 3166-1 alpha-2, when the billing system knows it. */
  country: string | null;
}

/**
 * What `updateDetails` sets: absent = unchanged; `taxIds` is the whole list (ids not in it are
 * removed). `invoiceEmail`: the address invoices are sent to, kept by the billing system as its own
 * (the CRM's contact email no longer copied over it); null gives invoices back to the contact email
 * (the copy resumes with the next replica job).
 */
export interface BillingDetailsPatch {
  address?: BillingAddress;
  taxIds?: readonly { type: string; value: string }[];
  invoiceEmail?: string | null;
}

/** The billing system refused a value; `field` names it in the patch's words (e.g. `taxIds[0].value`). */
export class BillingInputError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** A charge was declined: `code` (e.g. card_declined) and the issuer's `declineCode` (e.g. insufficient_funds), as the vendor reports them. */
export class PaymentDeclinedError extends Error {
  constructor(
    message: string,
    readonly code: string,
    readonly declineCode: string | null,
  ) {
    super(message);
  }
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
  address: BillingAddress | null;
  taxIds: TaxIdSummary[];
  /** The card invoices and subscriptions are charged to; null when none is set. */
  defaultPaymentMethodId: string | null;
  /** The invoice email set in the billing system (its own value); null: invoices go to the contact email copied from the CRM. */
  invoiceEmail: string | null;
}

/** What a browser or app needs to add a card with the billing system's own SDK: never card data. */
export interface CardSetup {
  id: string;
  /** Bound to this customer; handed to the vendor's client SDK (Stripe.js, the mobile SDKs). */
  clientSecret: string;
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
  /** The billing address's country (ISO 3166-1 alpha-2), a billing-owned field the CRM copies; null when none. */
  country: string | null;
  /** True when `email` is an invoice email set in the billing system: then it is the billing system's own, not a copy of the CRM's. */
  ownEmail: boolean;
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
  /**
   * One billing customer, re-read (event handlers, background priority); null when it does not
   * exist. `account`: the same read as the billing account of its CRM id (when it has one and is
   * not deleted), for the event path's write-through to the entity cache.
   */
  customer(billingCustomerId: string): Promise<{ id: string; crmId: string | null; deleted: boolean; account?: BillingAccount } | null>;
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
  /** Tax id types the billing system accepts (checked before any call). */
  readonly taxIdTypes: ReadonlySet<string>;
  /**
   * Sets a billing customer's address and tax ids (absolute values: the same patch twice leaves the
   * same customer). `idempotencyKey` makes the vendor answer a retried write with the first result.
   * Throws BillingInputError for a value the vendor refuses.
   */
  updateDetails(billingCustomerId: string, patch: BillingDetailsPatch, idempotencyKey?: string): Promise<void>;
  /** One invoice and its billing customer, read directly; null when it does not exist. */
  invoice(invoiceId: string): Promise<{ invoice: InvoiceSummary; billingCustomerId: string | null } | null>;
  /** One subscription (a canceled one too) and its billing customer, re-read (background priority); null when it does not exist. */
  subscriptionWithCustomer(subscriptionId: string): Promise<{ subscription: Subscription; billingCustomerId: string | null } | null>;
  /**
   * Pays an open invoice with the customer's default payment method. With `idempotencyKey` the
   * vendor answers a retry with the first attempt's result, so it may be retried; without, it is
   * sent once. Throws PaymentDeclinedError, BillingInputError (e.g. no default payment method).
   */
  payInvoice(invoiceId: string, idempotencyKey?: string): Promise<InvoiceSummary>;
  /**
   * Starts adding a card: a setup the client completes with the vendor's SDK, so no card data
   * passes through Portico. `idempotencyKey` makes a retry answer the first setup.
   */
  startCardSetup(billingCustomerId: string, idempotencyKey?: string): Promise<CardSetup>;
  /** Makes an attached card the default (absolute value: a retry is safe). Throws BillingInputError. */
  setDefaultCard(billingCustomerId: string, paymentMethodId: string, idempotencyKey?: string): Promise<void>;
  /** Detaches a card from its customer; one already detached is done (a retry is safe). */
  removeCard(paymentMethodId: string, idempotencyKey?: string): Promise<void>;
  /** The plans on sale: every active recurring price, with its product. */
  plans(): Promise<Plan[]>;
  /** One subscription, read directly (fresh); null when it does not exist. */
  subscription(subscriptionId: string): Promise<SubscriptionState | null>;
  /**
   * The vendor's preview of changing a one-item subscription's plan (nothing changes). Throws
   * BillingInputError (field `planId` or `prorationDate`) for a value the vendor refuses.
   */
  previewPlanChange(subscription: SubscriptionState, planId: string, o: PlanChangeOptions): Promise<PlanChangeQuote>;
  /**
   * Changes a one-item subscription's plan, charged as its preview with the same options.
   * `idempotencyKey` makes the vendor answer a retry with the first result (the call is then
   * retried); `replayed` says the answer is that of an earlier request under the same key (a
   * change already made). Throws BillingInputError (field `planId` or `prorationDate`).
   */
  changePlan(
    subscription: SubscriptionState,
    planId: string,
    o: PlanChangeOptions,
    idempotencyKey: string,
  ): Promise<{ subscription: Subscription; replayed: boolean }>;
  /**
   * Creates the billing customer of a Portico customer, linked to it (the vendor keeps the customer
   * id, so lookups by customer id find it). `idempotencyKey` makes a retry answer the first
   * customer: one billing customer per key, whatever the retries. Throws BillingInputError (field `email`).
   */
  createCustomer(crmId: string, fields: { name: string; email: string | null }, idempotencyKey: string): Promise<{ id: string }>;
  /** Sets a billing customer's name/email; `idempotencyKey` makes a retry write once. */
  updateCustomerContact(billingCustomerId: string, fields: { name?: string; email?: string }, idempotencyKey: string): Promise<void>;
}
