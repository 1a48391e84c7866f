/**
 * The CRM port: what Portico needs of a CRM, in Portico's own words (field names, cursors,
 * errors). A vendor module (src/vendors/<vendor>) implements it; the CRM
 * subgraph, replicas, reconciliation and partners speak only this. No vendor vocabulary crosses it:
 * a contact's `id` is Portico's customer id (e.g. "1001"), the key every system's link uses, however
 * the vendor stores it (a record id, or an external-id field).
 */
import type { LifecycleStage } from '../generated/crm.js';
import type { Priority } from '../platform/budget.js';

export interface CrmContact {
  /** Portico's customer id. */
  id: string;
  firstName: string | null;
  lastName: string | null;
  email: string | null;
  phone: string | null;
  company: string | null;
  /** UNKNOWN for a stage the vendor has that Portico does not (reported once by the connector). */
  lifecycleStage: LifecycleStage | null;
  /** ISO 8601. */
  createdAt: string | null;
  updatedAt: string | null;
}

/** A new customer's contact. */
export interface NewContact {
  firstName: string | null;
  lastName: string;
  email: string | null;
  company: string | null;
}

/** The contact fields a write may set, by Portico's names; absent = unchanged. */
export interface ContactPatch {
  firstName?: string;
  lastName?: string;
  email?: string;
  phone?: string;
  company?: string;
}
export type ContactField = keyof ContactPatch;

export interface CrmSearch {
  /** Free text over name, email, phone and company; absent = every contact. */
  query?: string;
  limit: number;
  /** Matches to skip: Portico's API pages by position (`customers(after:)` is an offset cursor). */
  offset?: number;
  /** Only these contacts (a partner's allow-list), filtered by the vendor so `total` counts only them. */
  ids?: readonly string[];
}

export interface CrmPage {
  /** Matches in all pages. */
  total: number;
  /** In customer id order. */
  contacts: CrmContact[];
}

/** The email belongs to another contact (the vendor refused the write as a duplicate). */
export class ContactConflictError extends Error {}
/** The vendor refused a value; the message says which, without echoing secrets. */
export class ContactInvalidError extends Error {}

/**
 * A customer's billing standing as the CRM shows it, set by the payment automations
 * (src/automations/builtins.ts). Stored in Portico-named fields of the contact (each vendor module
 * names its own: a HubSpot property, a Salesforce custom field).
 */
export type BillingStanding = 'ACTIVE' | 'PAST_DUE';

export interface BillingStandingPatch {
  standing: BillingStanding;
  /** ISO 8601 time of the last successful payment; absent = unchanged. */
  lastPaymentAt?: string;
}

/**
 * A customer's subscription as the CRM shows it, set by the subscription automations
 * (src/automations/builtins.ts): `CANCELING` is set to end at the end of its period. Stored in a
 * Portico-named field of the contact (each vendor module names its own).
 */
export type CrmSubscriptionStatus = 'ACTIVE' | 'CANCELING' | 'CANCELED';

/**
 * The CRM's copies of billing-owned fields (src/ownership.ts), written only by replica jobs from
 * the billing system's value. Stored in Portico-named fields of the contact (each vendor module
 * names its own).
 */
export interface CrmBillingCopy {
  /** ISO 3166-1 alpha-2 country of the billing address; null when none. */
  billingCountry: string | null;
}

export interface CrmPort {
  /** Contacts by customer id; ids that do not exist are absent. Background work passes `priority: 'background'`. */
  getContacts(ids: readonly string[], opts?: { priority?: Priority }): Promise<Map<string, CrmContact>>;
  searchContacts(s: CrmSearch): Promise<CrmPage>;
  /**
   * Writes the fields given and returns the contact as the CRM has it after the write; null when
   * the id does not exist. Absolute values: the same patch twice leaves the same contact, so a
   * retry is safe. Throws ContactConflictError, ContactInvalidError.
   */
  updateContact(id: string, patch: ContactPatch): Promise<CrmContact | null>;
  /**
   * Sets the contact's billing standing (absolute values: a repeat leaves the same contact, so a
   * retry is safe). False when the id does not exist.
   */
  setBillingStanding(id: string, patch: BillingStandingPatch): Promise<boolean>;
  /** The contact's billing standing; null when never set or the id does not exist. */
  billingStanding(id: string): Promise<{ standing: BillingStanding | null; lastPaymentAt: string | null } | null>;
  /** Sets the contact's subscription status (absolute value: a retry is safe). False when the id does not exist. */
  setSubscriptionStatus(id: string, status: CrmSubscriptionStatus): Promise<boolean>;
  /** Sets the contact's copies of billing fields (absolute values: a retry is safe). False when the id does not exist. */
  setBillingCopy(id: string, copy: CrmBillingCopy): Promise<boolean>;
  /** The contact's copies of billing fields; null when the id does not exist. */
  billingCopy(id: string): Promise<CrmBillingCopy | null>;
  /** Every contact in customer id order, a page at a time (for reconciliation; no search cap). */
  listContacts(limit: number, cursor?: string): Promise<{ contacts: CrmContact[]; nextCursor?: string }>;
  /**
   * Creates a new customer's contact, once per `signupKey` (an opaque key of at most 32 letters,
   * digits, `_` or `-`, e.g. a hash of the identity subject): the key is kept in a unique field of
   * the contact, so a repeat (a retry after a lost answer, a concurrent sign-up) returns the contact
   * made first, never a second. Throws ContactConflictError when another contact has the email,
   * ContactInvalidError for a value the CRM refuses.
   */
  createContact(signupKey: string, fields: NewContact): Promise<CrmContact>;
}

/** Most ids one `searchContacts` can filter on (a partner's allow-list is capped at this). */
export const MAX_CRM_FILTER_IDS = 500;

/** "First Last" as every system shows it; null when the CRM has neither. */
export function fullName(c: Pick<CrmContact, 'firstName' | 'lastName'>): string | null {
  const name = [c.firstName, c.lastName].filter(Boolean).join(' ');
  return name || null;
}

/**
 * A lifecycle stage as the CRM stores it (internal names such as `marketingqualifiedlead`; a vendor
 * module maps other spellings to these) -> Portico's; undefined for a stage Portico does not know
 * (the connector reports it once and answers UNKNOWN).
 */
export function lifecycleStageOf(value: string): LifecycleStage | undefined {
  return STAGES[value.toLowerCase()];
}

const STAGES: Readonly<Record<string, LifecycleStage>> = {
  subscriber: 'SUBSCRIBER',
  lead: 'LEAD',
  marketingqualifiedlead: 'MARKETING_QUALIFIED_LEAD',
  salesqualifiedlead: 'SALES_QUALIFIED_LEAD',
  opportunity: 'OPPORTUNITY',
  customer: 'CUSTOMER',
  evangelist: 'EVANGELIST',
  other: 'OTHER',
};
