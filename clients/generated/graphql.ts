/* eslint-disable */
import type { TypedDocumentNode as DocumentNode } from '@graphql-typed-document-node/core';
export type Maybe<T> = T | null;
export type InputMaybe<T> = Maybe<T>;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 date-time in UTC, e.g. `2026-11-22T18:00:00Z`. */
  DateTime: { input: string; output: string; }
};

/** Paging of an admin list. */
export type AdminPageInfo = {
  __typename?: 'AdminPageInfo';
  /** Cursor of the last item, to pass as `after`. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** True when another page follows. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** Who did it: never a token. */
export type AuditActor = {
  __typename?: 'AuditActor';
  /** Kind of principal. */
  kind: AuditActorKind;
  /** The partner token id (`ptn_...`), for partners. */
  partnerId: Maybe<Scalars['String']['output']>;
  /** The user's roles, for users. */
  roles: Maybe<Array<Scalars['String']['output']>>;
  /** The partner token's scopes, for partners. */
  scopes: Maybe<Array<Scalars['String']['output']>>;
  /** The user's subject (`sub`), for users. */
  subject: Maybe<Scalars['String']['output']>;
};

/** Who an audit entry names. */
export type AuditActorKind =
  /** No token. */
  | 'ANONYMOUS'
  /** A partner token. */
  | 'PARTNER'
  /** Portico itself (a worker, a scheduled job). */
  | 'SYSTEM'
  /** A user token (customer, agent or admin). */
  | 'USER';

/** One audit log entry. */
export type AuditEntry = {
  __typename?: 'AuditEntry';
  /** What happened, `<object>.<verb>`: `customer.read`, `partnerToken.create`, `contact.update`, ... */
  action: Scalars['String']['output'];
  /** Who. */
  actor: AuditActor;
  /** When it was recorded. */
  at: Scalars['DateTime']['output'];
  /** The customer concerned, when there is one. Null in an entry about several customers (see `customerIds`). */
  customerId: Maybe<Scalars['ID']['output']>;
  /** Every customer concerned: `customerId`'s one, or each customer a read of several returned (a staff list's page is one entry). `auditLog(customerId:)` finds the entry under each of them. */
  customerIds: Array<Scalars['ID']['output']>;
  /** Non-secret detail (ids of created objects, error codes) as a JSON object, or null. */
  detail: Maybe<Scalars['String']['output']>;
  /** Field names touched or read (never their values). */
  fields: Array<Scalars['String']['output']>;
  /** HMAC-SHA256 (hex, keyed by the gateway's AUDIT_HMAC_KEY) of this entry as stored; a plain SHA-256 for entries written before that key. */
  hash: Scalars['String']['output'];
  /** Stream id, e.g. `1732400000000-0` (what `npm run audit -- verify` names). */
  id: Scalars['ID']['output'];
  /** The GraphQL operation name, when the client gave one. */
  operation: Maybe<Scalars['String']['output']>;
  /** How it ended. */
  outcome: AuditOutcome;
  /** The previous entry's hash; empty for the first entry ever. */
  prevHash: Scalars['String']['output'];
  /** The request id (`x-request-id`) of the request that did it. */
  requestId: Maybe<Scalars['String']['output']>;
  /** Systems touched: `hubspot`, `stripe`, `zendesk`, `s3`, `portico`. */
  systems: Array<Scalars['String']['output']>;
};

/** A page of audit entries. */
export type AuditEntryConnection = {
  __typename?: 'AuditEntryConnection';
  /** The entries of this page, newest first. */
  nodes: Array<AuditEntry>;
  /** Paging. */
  pageInfo: AdminPageInfo;
  /** Entries in total (about this customer, when one is given). */
  totalCount: Scalars['Int']['output'];
};

/** How the recorded action ended. */
export type AuditOutcome =
  /** Refused by authorization. */
  | 'DENIED'
  /** Attempted and failed. */
  | 'FAILED'
  /** Done. */
  | 'OK';

/** An automation: what triggers it and its steps (docs/automations.md). */
export type AutomationHealth = {
  __typename?: 'AutomationHealth';
  /** True for a built-in automation. */
  builtIn: Scalars['Boolean']['output'];
  /** False when switched off in this deployment (a built-in's variable, e.g. AUTOMATION_PAYMENT_FAILED=false). */
  enabled: Scalars['Boolean']['output'];
  /** Its name, e.g. `payment-failed`. */
  name: Scalars['String']['output'];
  /** Its steps, in order. */
  steps: Array<Scalars['String']['output']>;
  /** The domain event that starts a run, e.g. `billing.invoice.payment_failed`. */
  trigger: Scalars['String']['output'];
};

/** A run of an automation for one event. */
export type AutomationRun = {
  __typename?: 'AutomationRun';
  /** Attempts of the run (1 on the first). */
  attempts: Scalars['Int']['output'];
  /** The automation, e.g. `payment-failed`. */
  automation: Scalars['String']['output'];
  /** The customer (CRM contact id) the event names, when it names one. */
  customerId: Maybe<Scalars['ID']['output']>;
  /** True when run with AUTOMATION_DRY_RUN: reads made, writes only logged. */
  dryRun: Scalars['Boolean']['output'];
  /** Milliseconds from the triggering event to the run's end; null while it has not ended. */
  durationMs: Maybe<Scalars['Int']['output']>;
  /** When it completed, was skipped or was dead-lettered. */
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  /** The run's id (`<automation>.<event id>`): what `replayAutomationRun` takes once it is dead. */
  id: Scalars['ID']['output'];
  /** The last failed attempt's error. */
  lastError: Maybe<Scalars['String']['output']>;
  /** When the run was queued. */
  queuedAt: Scalars['DateTime']['output'];
  /** When its first attempt started. */
  startedAt: Maybe<Scalars['DateTime']['output']>;
  status: AutomationRunStatus;
  /** The steps run so far, in order. */
  steps: Array<AutomationRunStep>;
  /** The W3C trace id of its last attempt, to find it in the tracing backend. */
  traceId: Maybe<Scalars['String']['output']>;
  trigger: AutomationTrigger;
};

/** A page of automation runs (no total: filters are applied while reading). */
export type AutomationRunConnection = {
  __typename?: 'AutomationRunConnection';
  /** The runs of this page. */
  nodes: Array<AutomationRun>;
  /** Paging. */
  pageInfo: AdminPageInfo;
};

/** Where an automation run is. */
export type AutomationRunStatus =
  /** Every step done (or a step ended the run early). */
  | 'COMPLETED'
  /** Failed every attempt (or could not succeed): dead-lettered, replayable with `replayAutomationRun`. */
  | 'DEAD'
  /** Stored, not started yet. */
  | 'QUEUED'
  /** An attempt failed; the next one waits its backoff. */
  | 'RETRYING'
  /** An attempt is running. */
  | 'RUNNING'
  /** Its condition was false: nothing to do. */
  | 'SKIPPED';

/** One step of a run. */
export type AutomationRunStep = {
  __typename?: 'AutomationRunStep';
  /** Times it ran (a retried run runs only the steps not done). */
  attempts: Scalars['Int']['output'];
  /** Milliseconds its last attempt took. */
  durationMs: Scalars['Int']['output'];
  /** The last attempt's error, when it failed. */
  error: Maybe<Scalars['String']['output']>;
  /** The step's name, e.g. `open-ticket`. */
  name: Scalars['String']['output'];
  /** How its last attempt ended. */
  outcome: AutomationStepOutcome;
  /** In a dry run: the writes it would have made (port methods, e.g. `support.createTicket`). */
  wouldCall: Array<Scalars['String']['output']>;
};

/** How a step's last attempt ended. */
export type AutomationStepOutcome =
  /** Failed; the run retries from this step. */
  | 'FAILED'
  /** Done. */
  | 'OK'
  /** Done, and it ended the run (nothing more to do). */
  | 'STOPPED';

/** What triggered a run: a domain event. */
export type AutomationTrigger = {
  __typename?: 'AutomationTrigger';
  /** When the event happened. */
  at: Scalars['DateTime']['output'];
  /** The domain event's id (`<vendor>:<vendor event id>`): the same for every redelivery. */
  eventId: Scalars['String']['output'];
  /** The domain event type, e.g. `billing.invoice.payment_failed`. */
  type: Scalars['String']['output'];
};

/**
 * A customer's billing account. Money is an integer in the currency's minor unit (cents) with an
 * ISO 4217 currency code.
 */
export type Billing = {
  __typename?: 'Billing';
  /** The billing address (printed on invoices); null when none is set. */
  address: Maybe<BillingAddress>;
  /** Account balance in minor units; negative is a credit in the customer's favour. */
  balance: Maybe<Scalars['Int']['output']>;
  /** ISO 4217 currency code, upper case, e.g. `USD`. */
  currency: Maybe<Scalars['String']['output']>;
  /** The id of the saved card invoices are charged to (one of `paymentMethods`); null when none. */
  defaultPaymentMethodId: Maybe<Scalars['ID']['output']>;
  /**
   * The address invoices and receipts are sent to when it is not the contact email: set with
   * `updateBillingDetails`, kept by the billing system as its own (a change of `Customer.email` no
   * longer reaches it). Null: invoices go to the contact email (`Customer.email`).
   */
  invoiceEmail: Maybe<Scalars['String']['output']>;
  /** Invoices, newest first. */
  invoices: Maybe<InvoiceConnection>;
  /** Saved cards. Only brand, last four digits and expiry ever leave the server. */
  paymentMethods: Maybe<Array<PaymentMethod>>;
  /** The current (most recent) subscription, if any. */
  subscription: Maybe<BillingSubscription>;
  /** Tax ids printed on invoices, oldest first. */
  taxIds: Maybe<Array<TaxId>>;
};


/**
 * A customer's billing account. Money is an integer in the currency's minor unit (cents) with an
 * ISO 4217 currency code.
 */
export type BillingInvoicesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A postal address as the billing system keeps it. */
export type BillingAddress = {
  __typename?: 'BillingAddress';
  /** City, district, suburb, town or village. */
  city: Maybe<Scalars['String']['output']>;
  /** Two-letter country code (ISO 3166-1 alpha-2), e.g. `DE`. */
  country: Maybe<Scalars['String']['output']>;
  /** Street, PO box or company name. */
  line1: Maybe<Scalars['String']['output']>;
  /** Apartment, suite, unit or building. */
  line2: Maybe<Scalars['String']['output']>;
  /** ZIP or postal code. */
  postalCode: Maybe<Scalars['String']['output']>;
  /** State, county, province or region. */
  state: Maybe<Scalars['String']['output']>;
};

/** A billing address to set: the whole address (parts left out are cleared). */
export type BillingAddressInput = {
  /** City; up to 200 characters. */
  city?: InputMaybe<Scalars['String']['input']>;
  /** Two-letter country code (ISO 3166-1 alpha-2), e.g. `DE`. */
  country: Scalars['String']['input'];
  /** Street, PO box or company name; up to 200 characters. */
  line1: Scalars['String']['input'];
  /** Apartment, suite, unit or building; up to 200 characters. */
  line2?: InputMaybe<Scalars['String']['input']>;
  /** ZIP or postal code; up to 20 characters. */
  postalCode?: InputMaybe<Scalars['String']['input']>;
  /** State, county, province or region; up to 200 characters. */
  state?: InputMaybe<Scalars['String']['input']>;
};

/** What `updateBillingDetails` sets; a field left out is unchanged. */
export type BillingDetailsInput = {
  /** The billing address (replaces the current one). */
  address?: InputMaybe<BillingAddressInput>;
  /** The customer (CRM id). Customers omit it (their own). */
  customerId?: InputMaybe<Scalars['ID']['input']>;
  /**
   * Where invoices and receipts are sent, instead of the contact email (e.g. `accounts@example.com`).
   * Null: back to the contact email (`Customer.email`), copied to the billing system again.
   */
  invoiceEmail?: InputMaybe<Scalars['String']['input']>;
  /** The whole list of tax ids, at most 25: ids not listed are removed; an empty list removes all. */
  taxIds?: InputMaybe<Array<TaxIdInput>>;
};

/** A subscription to a plan. */
export type BillingSubscription = {
  __typename?: 'BillingSubscription';
  /** True when the subscription ends at the period end. */
  cancelAtPeriodEnd: Scalars['Boolean']['output'];
  /** End of the current billing period. */
  currentPeriodEnd: Maybe<Scalars['DateTime']['output']>;
  /** Stripe subscription id. */
  id: Scalars['ID']['output'];
  /** Plan name (price nickname). */
  plan: Maybe<Scalars['String']['output']>;
  /** The plan's id (the billing system's price id, one of `plans`); null when the subscription has no single plan. */
  planId: Maybe<Scalars['ID']['output']>;
  /** Lifecycle status. */
  status: SubscriptionStatus;
};

/** Why a push was sent. */
export type ChangeReason = {
  __typename?: 'ChangeReason';
  /** When Portico stored the change (the first push: when subscribed). */
  at: Scalars['DateTime']['output'];
  /** The system that reported the change (its vendor name), or `portico` for the first push. */
  system: Scalars['String']['output'];
  /** The system's event type, e.g. `invoice.paid`, or `subscribed` for the first push. */
  type: Scalars['String']['output'];
};

/** One upstream system's circuit breaker. */
export type CircuitHealth = {
  __typename?: 'CircuitHealth';
  /** Its state. */
  state: CircuitState;
  /** The system: `hubspot`, `stripe`, `zendesk`, `s3`. */
  system: Scalars['String']['output'];
};

/** A circuit breaker's state. */
export type CircuitState =
  /** Calls go through. */
  | 'CLOSED'
  /** One trial call is let through. */
  | 'HALF_OPEN'
  /** Calls fail fast (the system failed too often). */
  | 'OPEN';

/**
 * Contact fields to change; omitted fields keep their value. At least one is required. Invalid
 * values give `BAD_USER_INPUT` with `extensions.argument` naming the field, e.g. `input.email`.
 */
export type ContactInput = {
  /** Company name, at most 200 characters; an empty string clears it. */
  company?: InputMaybe<Scalars['String']['input']>;
  /** Email address, e.g. `ada@example.com` (at most 254 characters); unique across customers. */
  email?: InputMaybe<Scalars['String']['input']>;
  /** Given name, 1 to 100 characters. */
  firstName?: InputMaybe<Scalars['String']['input']>;
  /** Family name, 1 to 100 characters. */
  lastName?: InputMaybe<Scalars['String']['input']>;
  /** Phone number: digits with an optional leading `+`, spaces, `-`, `.` and parentheses, e.g. `+44 20 7946 0958`. */
  phone?: InputMaybe<Scalars['String']['input']>;
};

/** What a new partner token may do. */
export type CreatePartnerTokenInput = {
  /** Customers (CRM ids) the partner may see; omit for all. */
  customerIds?: InputMaybe<Array<Scalars['ID']['input']>>;
  /** Partner name, e.g. `acme`. */
  name: Scalars['String']['input'];
  /**
   * The only operations the partner may run, as sha256 hashes of their documents (as in
   * `clients/generated/persisted-documents.json`), enforced when TRUSTED_DOCUMENTS is `partners` or
   * `all`; omit for the published manifest.
   */
  operations?: InputMaybe<Array<Scalars['String']['input']>>;
  /** Scopes, e.g. `["billing.invoices:read", "crm.contacts:read"]`. */
  scopes: Array<Scalars['String']['input']>;
  /** Lifetime in days, 1 to 365. */
  ttlDays?: Scalars['Int']['input'];
};

export type CreateWebhookEndpointInput = {
  /** The event types to receive, e.g. `["billing.invoice.paid"]`. */
  eventTypes: Array<Scalars['String']['input']>;
  /** An https URL (production refuses loopback, private and link-local addresses, after DNS resolution). */
  url: Scalars['String']['input'];
};

/** A freshly minted partner token. */
export type CreatedPartnerToken = {
  __typename?: 'CreatedPartnerToken';
  /** Its stored record. */
  partnerToken: PartnerToken;
  /** The bearer token. Shown once: store it in the partner's secret manager. */
  token: Scalars['String']['output'];
};

/** An endpoint with its signing secret: returned only when created or rotated. */
export type CreatedWebhookEndpoint = {
  __typename?: 'CreatedWebhookEndpoint';
  endpoint: WebhookEndpoint;
  /** The signing secret, `whsec_<base64>` (Standard Webhooks). Shown once; Portico cannot show it again. */
  secret: Scalars['String']['output'];
};

/** A customer of the company. Joins the CRM (identity and contact), billing, support and files. */
export type Customer = {
  __typename?: 'Customer';
  /**
   * The billing account; null when the customer has none in the billing system. Open to any billing
   * scope; each part of it then needs its own.
   */
  billing: Maybe<Billing>;
  /** Company name. */
  company: Maybe<Scalars['String']['output']>;
  /** When the CRM record was created. */
  createdAt: Maybe<Scalars['DateTime']['output']>;
  /** Documents stored for the customer, newest first. */
  documents: Maybe<DocumentConnection>;
  /** Primary email address. */
  email: Maybe<Scalars['String']['output']>;
  /**
   * What the customer's subscription unlocks, derived from the billing system on the server, so an app
   * can unlock access right after a payment without holding a billing key. Fresh after the billing
   * system's events (a paid invoice, a canceled or resumed subscription).
   */
  entitlements: Maybe<Entitlements>;
  /** Given name. */
  firstName: Maybe<Scalars['String']['output']>;
  /** CRM (HubSpot) contact id; the key that joins every system. */
  id: Scalars['ID']['output'];
  /** Family name. */
  lastName: Maybe<Scalars['String']['output']>;
  /** Where the customer is in the sales funnel. */
  lifecycleStage: Maybe<LifecycleStage>;
  /** Full name. */
  name: Maybe<Scalars['String']['output']>;
  /** Phone number as stored in the CRM. */
  phone: Maybe<Scalars['String']['output']>;
  /** One ticket the customer requested, by its id, however old; null when it does not exist or is not this customer's. */
  ticket: Maybe<Ticket>;
  /** Tickets the customer requested, most recently updated first. */
  tickets: Maybe<TicketConnection>;
  /** When the CRM record last changed. */
  updatedAt: Maybe<Scalars['DateTime']['output']>;
};


/** A customer of the company. Joins the CRM (identity and contact), billing, support and files. */
export type CustomerDocumentsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/** A customer of the company. Joins the CRM (identity and contact), billing, support and files. */
export type CustomerTicketArgs = {
  id: Scalars['ID']['input'];
};


/** A customer of the company. Joins the CRM (identity and contact), billing, support and files. */
export type CustomerTicketsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** The customer after a change. */
export type CustomerChange = {
  __typename?: 'CustomerChange';
  /** The selected state, read as the subscriber; null with an error when it may not be read. */
  customer: Maybe<Customer>;
  reason: ChangeReason;
};

/** A page of customers. */
export type CustomerConnection = {
  __typename?: 'CustomerConnection';
  /** The customers of this page with their cursors. */
  edges: Array<CustomerEdge>;
  /** The customers of this page. */
  nodes: Array<Customer>;
  /** Where this page sits. */
  pageInfo: PageInfo;
  /** Number of customers matching the query, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** A customer and its cursor. */
export type CustomerEdge = {
  __typename?: 'CustomerEdge';
  /** Opaque cursor of this customer. */
  cursor: Scalars['String']['output'];
  /** The customer. */
  node: Customer;
};

/** Where a push token comes from. */
export type DevicePlatform =
  | 'ANDROID'
  | 'IOS'
  | 'WEB';

/** A stored document. */
export type Document = {
  __typename?: 'Document';
  /** MIME type, from the file name. */
  contentType: Scalars['String']['output'];
  /** A presigned HTTPS GET URL that expires within minutes; fetch it directly, no token needed. */
  downloadUrl: Scalars['String']['output'];
  /** Opaque document id. */
  id: Scalars['ID']['output'];
  /** File name. */
  name: Scalars['String']['output'];
  /** Size in bytes. */
  size: Scalars['Int']['output'];
  /** When it was uploaded. */
  uploadedAt: Scalars['DateTime']['output'];
};

/** A page of documents. */
export type DocumentConnection = {
  __typename?: 'DocumentConnection';
  /** The documents of this page with cursors. */
  edges: Array<DocumentEdge>;
  /** The documents of this page. */
  nodes: Array<Document>;
  /** Where this page sits. */
  pageInfo: PageInfo;
  /** Number of documents across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** A document and its cursor. */
export type DocumentEdge = {
  __typename?: 'DocumentEdge';
  /** Opaque cursor. */
  cursor: Scalars['String']['output'];
  /** The document. */
  node: Document;
};

/** A presigned S3 POST: send a multipart/form-data POST to `url` with `fields`, then the file as `file`. */
export type DocumentUpload = {
  __typename?: 'DocumentUpload';
  /** When the upload is refused from. */
  expiresAt: Scalars['DateTime']['output'];
  /** Form fields to send as they are, before the file. */
  fields: Array<UploadField>;
  /** Pass to `confirmDocumentUpload` once S3 accepted the file. */
  id: Scalars['ID']['output'];
  /** Largest file S3 accepts for this upload, bytes. */
  maxSize: Scalars['Int']['output'];
  /** Where to POST the form. */
  url: Scalars['String']['output'];
};

/** What a customer may use, from their current subscription. */
export type Entitlements = {
  __typename?: 'Entitlements';
  /**
   * True while the subscription is active or trialing (one set to end at the end of its period stays
   * active until then); false when it is past due, unpaid, canceled or absent.
   */
  active: Scalars['Boolean']['output'];
  /** The features the plan unlocks (configured per plan); empty when not active. */
  features: Array<Scalars['String']['output']>;
  /** The plan of the current subscription, as the billing system names it; null without a subscription. */
  plan: Maybe<Scalars['String']['output']>;
};

/** A vendor whose webhooks Portico receives. */
export type EventSystem =
  | 'HUBSPOT'
  | 'SALESFORCE'
  | 'STRIPE'
  | 'ZENDESK';

/** An automation run that failed every attempt. */
export type FailedAutomationRun = {
  __typename?: 'FailedAutomationRun';
  /** Attempts made. */
  attempts: Scalars['Int']['output'];
  /** The automation, e.g. `payment-failed`. */
  automation: Scalars['String']['output'];
  /** The customer (CRM contact id) the event names, when it names one. */
  customerId: Maybe<Scalars['ID']['output']>;
  /** The domain event's id (`<vendor>:<vendor event id>`). */
  eventId: Scalars['String']['output'];
  /** The domain event that triggered it, e.g. `billing.invoice.payment_failed`. */
  eventType: Scalars['String']['output'];
  /** When the last attempt failed. */
  failedAt: Maybe<Scalars['DateTime']['output']>;
  /** The run's id: what `replayAutomationRun` takes. */
  id: Scalars['ID']['output'];
  /** The last attempt's error. */
  lastError: Scalars['String']['output'];
  /** When the run was queued. */
  queuedAt: Scalars['DateTime']['output'];
  /** Steps done before it failed, in order: a replay does not do them again. */
  stepsDone: Array<Scalars['String']['output']>;
};

/** A page of failed automation runs. */
export type FailedAutomationRunConnection = {
  __typename?: 'FailedAutomationRunConnection';
  /** The runs of this page. */
  nodes: Array<FailedAutomationRun>;
  /** Paging. */
  pageInfo: AdminPageInfo;
  /** Failed runs in total. */
  totalCount: Scalars['Int']['output'];
};

/** A webhook event that failed every attempt. */
export type FailedEvent = {
  __typename?: 'FailedEvent';
  /** Attempts made. */
  attempts: Scalars['Int']['output'];
  /** The vendor's event id. */
  eventId: Scalars['String']['output'];
  /** When the last attempt failed. */
  failedAt: Maybe<Scalars['DateTime']['output']>;
  /** `<system>:<vendor event id>`, e.g. `stripe:evt_1Nx...`: what `replayFailedEvent` takes. */
  id: Scalars['ID']['output'];
  /** The last attempt's error. */
  lastError: Scalars['String']['output'];
  /** When the event was received. */
  receivedAt: Scalars['DateTime']['output'];
  /** Which vendor sent it. */
  system: EventSystem;
  /** The vendor's event type, e.g. `invoice.paid`, `contact.propertyChange`, `zen:event-type:ticket.status_changed`. */
  type: Scalars['String']['output'];
};

/** A page of failed events. */
export type FailedEventConnection = {
  __typename?: 'FailedEventConnection';
  /** The events of this page. */
  nodes: Array<FailedEvent>;
  /** Paging. */
  pageInfo: AdminPageInfo;
  /** Failed events in total (for this system, when one is given). */
  totalCount: Scalars['Int']['output'];
};

/** A replica job that failed every attempt. */
export type FailedReplicaJob = {
  __typename?: 'FailedReplicaJob';
  /** Attempts made. */
  attempts: Scalars['Int']['output'];
  /** The customer (CRM contact id) whose replica it updates; null for a reconciliation. */
  customerId: Maybe<Scalars['ID']['output']>;
  /** When the last attempt failed. */
  failedAt: Maybe<Scalars['DateTime']['output']>;
  /** The job id: what `replayReplicaJob` takes. */
  id: Scalars['ID']['output'];
  /** The last attempt's error. */
  lastError: Scalars['String']['output'];
  /** When the job was queued. */
  queuedAt: Scalars['DateTime']['output'];
  /** The system the job writes: `stripe`, `zendesk`, or `reconcile` for a scheduled reconciliation. */
  system: Scalars['String']['output'];
};

/** A page of failed replica jobs. */
export type FailedReplicaJobConnection = {
  __typename?: 'FailedReplicaJobConnection';
  /** The jobs of this page. */
  nodes: Array<FailedReplicaJob>;
  /** Paging. */
  pageInfo: AdminPageInfo;
  /** Failed replica jobs in total. */
  totalCount: Scalars['Int']['output'];
};

/** A delivery that failed every attempt. */
export type FailedWebhookDelivery = {
  __typename?: 'FailedWebhookDelivery';
  attempts: Scalars['Int']['output'];
  eventType: Scalars['String']['output'];
  lastError: Scalars['String']['output'];
  /** The `webhook-id` it was sent with. */
  messageId: Scalars['String']['output'];
};

/** The state of the integration. */
export type IntegrationHealth = {
  __typename?: 'IntegrationHealth';
  /** Every automation declared (built-in or in code), enabled or not; their runs are the `automations` queue. */
  automations: Array<AutomationHealth>;
  /** Each upstream system's circuit breaker. */
  circuits: Array<CircuitHealth>;
  /** The last reconciliation run; null when none has run. */
  lastReconciliation: Maybe<Reconciliation>;
  /** Each job queue (webhook events per vendor, replica writes, ...). */
  queues: Array<QueueHealth>;
};

/** An invoice. */
export type Invoice = {
  __typename?: 'Invoice';
  /** Amount due, minor units. */
  amountDue: Scalars['Int']['output'];
  /** Amount paid, minor units. */
  amountPaid: Scalars['Int']['output'];
  /** Amount still to pay, minor units. */
  amountRemaining: Scalars['Int']['output'];
  /** When the invoice was created. */
  createdAt: Scalars['DateTime']['output'];
  /** ISO 4217 currency code, upper case. */
  currency: Scalars['String']['output'];
  /** When payment is due; null when charged automatically. */
  dueDate: Maybe<Scalars['DateTime']['output']>;
  /** Stripe invoice id. */
  id: Scalars['ID']['output'];
  /** Human-readable invoice number; null for drafts. */
  number: Maybe<Scalars['String']['output']>;
  /** Invoice status. */
  status: InvoiceStatus;
};

/** A page of invoices. */
export type InvoiceConnection = {
  __typename?: 'InvoiceConnection';
  /** The invoices of this page with cursors. */
  edges: Array<InvoiceEdge>;
  /** The invoices of this page. */
  nodes: Array<Invoice>;
  /** Where this page sits. */
  pageInfo: PageInfo;
  /** Number of invoices across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An invoice and its cursor. */
export type InvoiceEdge = {
  __typename?: 'InvoiceEdge';
  /** Opaque cursor. */
  cursor: Scalars['String']['output'];
  /** The invoice. */
  node: Invoice;
};

/** Stripe invoice statuses. */
export type InvoiceStatus =
  /** Not finalized yet. */
  | 'DRAFT'
  /** Finalized, awaiting payment. */
  | 'OPEN'
  /** Paid. */
  | 'PAID'
  /** Unlikely to be paid. */
  | 'UNCOLLECTIBLE'
  /** A status Stripe sent that this API does not know yet, or none (the gateway logs it). Show it neutrally. */
  | 'UNKNOWN'
  /** Voided. */
  | 'VOID';

/** HubSpot lifecycle stages. */
export type LifecycleStage =
  /** A paying customer. */
  | 'CUSTOMER'
  /** A promoter of the company. */
  | 'EVANGELIST'
  /** A lead. */
  | 'LEAD'
  /** Marketing qualified lead. */
  | 'MARKETING_QUALIFIED_LEAD'
  /** An open opportunity. */
  | 'OPPORTUNITY'
  /** Any other stage. */
  | 'OTHER'
  /** Sales qualified lead. */
  | 'SALES_QUALIFIED_LEAD'
  /** Subscribed to content. */
  | 'SUBSCRIBER'
  /** A stage HubSpot sent that this API does not know, e.g. a custom stage (the gateway logs it). */
  | 'UNKNOWN';

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Adds a public comment to a ticket: a customer only on its own tickets (written as the
   * requester), agents and admins on any (written as their own Zendesk agent user).
   */
  addTicketComment: TicketComment;
  /**
   * Cancels the customer's current subscription: at the end of the paid period (the default, and
   * undoable with `resumeSubscription`) or at once. Customers act on their own; admins and partners
   * give `customerId`. Send an `Idempotency-Key` header; Stripe receives a key derived from it.
   */
  cancelSubscription: BillingSubscription;
  /**
   * Changes the subscription to another plan (an active price sold in the subscription's currency), in
   * the billing system. With `prorate` (the default) the unused time of the current plan is credited and
   * the rest of the period charged on the new one, on the next invoice; pass the `prorationDate` of
   * `planChangePreview` so the amount is exactly the one previewed. A plan of another billing interval
   * (monthly to yearly, or back) restarts the billing cycle now and is invoiced and charged at once to
   * the default card, as the billing system does (`PlanChangePreview.invoicedNow`); a declined charge
   * leaves the change made, the invoice open and the subscription `PAST_DUE` (pay it with `payInvoice`). The subscription must be active
   * or trialing. Customers omit `subscriptionId` (their own); staff and partners give it. Send an
   * `Idempotency-Key`: Stripe receives a key derived from it, so a retry never changes twice.
   */
  changeSubscriptionPlan: BillingSubscription;
  /**
   * Checks an uploaded file (it exists, its size and content type match the request) and makes it
   * visible in `documents`. Confirming twice returns the same document.
   */
  confirmDocumentUpload: Document;
  /**
   * Mints a partner token with the given scopes. The token is returned once, here; Portico keeps
   * only its hash. Admins only.
   */
  createPartnerToken: CreatedPartnerToken;
  /**
   * Registers an endpoint that receives the given event types, signed per Standard Webhooks. The
   * signing secret (`whsec_...`) is returned here only. Partner tokens; each event type needs the
   * token's scopes (see `webhookEventTypes`), and events are only sent for customers in its allow-list.
   */
  createWebhookEndpoint: CreatedWebhookEndpoint;
  /** Stops deliveries to an endpoint (queued ones are dropped when their turn comes). */
  disableWebhookEndpoint: WebhookEndpoint;
  /** Starts deliveries to a disabled endpoint again (also one disabled for failing). */
  enableWebhookEndpoint: WebhookEndpoint;
  /**
   * Opens a Zendesk ticket requested by the customer (the caller's own customer for a customer
   * token; `input.customerId` for agents, admins and partners). Send an `Idempotency-Key` header:
   * a retry with the same key never opens a second ticket.
   */
  openTicket: Ticket;
  /**
   * Pays an open invoice of the customer with its default card, now. A declined card is the error
   * `PAYMENT_DECLINED` with the vendor's `declineCode` (e.g. `insufficient_funds`); the invoice stays
   * open and the payment-failed automation runs. Send an `Idempotency-Key`: the vendor receives a key
   * derived from it, so a retry never charges twice.
   */
  payInvoice: Invoice;
  /**
   * Drops every cached upstream record of one customer (contact, billing, tickets, documents), so
   * the next read goes to the systems. Returns true when done. Admins only.
   */
  purgeCustomerCache: Scalars['Boolean']['output'];
  /**
   * Signs up the caller: a signed-in user whose token has the customer role but names no customer
   * (no customer claim) becomes a new customer. The CRM contact is created (the owner), then the
   * billing customer and the support user, linked; the sign-in is linked to the new customer id (the
   * next request, on any instance, is that customer) and the welcome message goes out. Exactly once:
   * a retry, with or without an `Idempotency-Key`, or a concurrent second request makes nothing
   * twice; once registered, calling it again is `BAD_USER_INPUT` with `extensions.alreadyRegistered`.
   */
  registerCustomer: Registration;
  /**
   * Registers this app install's push token (FCM registration token) for the caller (customer
   * tokens). Registering it again is a no-op. Returns true.
   */
  registerDevice: Scalars['Boolean']['output'];
  /** Removes one of the customer's saved cards (a default card stops being the default). */
  removePaymentMethod: Billing;
  /**
   * Runs a dead-lettered automation run again (attempts start over). Steps it had done are not
   * done again (each is checkpointed, and each call carries the step's key). Admins only.
   */
  replayAutomationRun: ReplayedEvent;
  /**
   * Runs a dead-lettered webhook event again (attempts start over). Replaying an event that has
   * been processed since is a no-op (`ALREADY_PROCESSED`). Admins only.
   */
  replayFailedEvent: ReplayedEvent;
  /**
   * Runs a dead-lettered replica job again (attempts start over). It re-reads the owner, so it
   * writes the replica's current owner value, whatever changed since. Admins only.
   */
  replayReplicaJob: ReplayedEvent;
  /** Delivers an endpoint's dead-lettered events again (attempts start over); returns how many. */
  replayWebhookDeliveries: Scalars['Int']['output'];
  /**
   * Starts a document upload: returns an S3 presigned POST (URL and form fields) that accepts one
   * file of this name, content type and at most this size, under the customer's own prefix, for a
   * few minutes. The browser posts the file straight to S3 (the fields first, then `file`); then
   * call `confirmDocumentUpload` with the returned id. Nothing shows in `documents` before.
   */
  requestDocumentUpload: DocumentUpload;
  /** Undoes a cancellation scheduled for the period end. A subscription canceled at once cannot be resumed. */
  resumeSubscription: BillingSubscription;
  /** Revokes a partner token; every gateway instance refuses it from the next request. Admins only. */
  revokePartnerToken: Maybe<PartnerToken>;
  /**
   * Issues a new signing secret, returned here only. Deliveries carry signatures with both the new
   * and the previous secret for the overlap window (WEBHOOK_ROTATION_OVERLAP_H, 24 h), then the new one only.
   */
  rotateWebhookEndpointSecret: CreatedWebhookEndpoint;
  /** Queues a `portico.webhook.test` event to the endpoint; returns its `webhook-id`. */
  sendTestWebhookEvent: Scalars['String']['output'];
  /** Makes one of the customer's saved cards the default one invoices are charged to. */
  setDefaultPaymentMethod: Billing;
  /**
   * Starts adding a card: returns a SetupIntent client secret for Stripe.js or the mobile SDKs,
   * which collect and confirm the card with Stripe directly; the new card then shows in
   * `paymentMethods`. Customers act on their own; admins and partners give `customerId`.
   */
  startPaymentMethodSetup: PaymentMethodSetup;
  /** Stops push to this token (sign-out). Returns whether it was registered for the caller. */
  unregisterDevice: Scalars['Boolean']['output'];
  /**
   * Sets the billing address and tax ids printed on invoices and the invoice email, in the billing
   * system (which owns them); the CRM receives its copy of the billing country through a replica job. Values are
   * checked before anything is sent (`BAD_USER_INPUT` naming the field). Customers act on their own;
   * admins and partners give `input.customerId`. Returns the billing account as it is after the write.
   */
  updateBillingDetails: Billing;
  /**
   * Changes one customer's contact details (staff, and partners with `crm.contacts:write` within
   * their customer allow-list). Same guarantees as `updateMyContact`; another customer than the
   * caller may reach gives `FORBIDDEN` whether or not it exists.
   */
  updateContact: Customer;
  /**
   * Changes the caller's own contact details (customer tokens only). HubSpot, the owner of these
   * fields, is written before the answer; the copies in Stripe and Zendesk (name, email) follow
   * through the replica queue. Only the fields given change.
   */
  updateMyContact: Customer;
  /**
   * Turns channels on or off per kind of message for the caller (customer tokens). `SECURITY`
   * messages are transactional and cannot be turned off (BAD_USER_INPUT).
   */
  updateNotificationPreferences: Array<NotificationPreference>;
  /**
   * Changes a ticket's status, priority, assignee or tags (support staff: agents and admins;
   * customers may not). Values are checked before anything is sent, and Zendesk's own rules
   * (a closed ticket cannot change, no status goes back to `NEW`, the assignee must be an agent)
   * answer `BAD_USER_INPUT` naming the field. Returns the ticket as it is after the write; the
   * customer sees the new status and priority on its next read.
   */
  updateTicket: Ticket;
};


export type MutationAddTicketCommentArgs = {
  body: Scalars['String']['input'];
  ticketId: Scalars['ID']['input'];
};


export type MutationCancelSubscriptionArgs = {
  atPeriodEnd?: InputMaybe<Scalars['Boolean']['input']>;
  customerId?: InputMaybe<Scalars['ID']['input']>;
};


export type MutationChangeSubscriptionPlanArgs = {
  planId: Scalars['ID']['input'];
  prorate?: InputMaybe<Scalars['Boolean']['input']>;
  prorationDate?: InputMaybe<Scalars['DateTime']['input']>;
  subscriptionId?: InputMaybe<Scalars['ID']['input']>;
};


export type MutationConfirmDocumentUploadArgs = {
  id: Scalars['ID']['input'];
};


export type MutationCreatePartnerTokenArgs = {
  input: CreatePartnerTokenInput;
};


export type MutationCreateWebhookEndpointArgs = {
  input: CreateWebhookEndpointInput;
};


export type MutationDisableWebhookEndpointArgs = {
  id: Scalars['ID']['input'];
};


export type MutationEnableWebhookEndpointArgs = {
  id: Scalars['ID']['input'];
};


export type MutationOpenTicketArgs = {
  input: OpenTicketInput;
};


export type MutationPayInvoiceArgs = {
  id: Scalars['ID']['input'];
};


export type MutationPurgeCustomerCacheArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRegisterCustomerArgs = {
  input: RegisterCustomerInput;
};


export type MutationRegisterDeviceArgs = {
  platform: DevicePlatform;
  token: Scalars['String']['input'];
};


export type MutationRemovePaymentMethodArgs = {
  id: Scalars['ID']['input'];
};


export type MutationReplayAutomationRunArgs = {
  id: Scalars['ID']['input'];
};


export type MutationReplayFailedEventArgs = {
  id: Scalars['ID']['input'];
};


export type MutationReplayReplicaJobArgs = {
  id: Scalars['ID']['input'];
};


export type MutationReplayWebhookDeliveriesArgs = {
  endpointId: Scalars['ID']['input'];
};


export type MutationRequestDocumentUploadArgs = {
  input: RequestDocumentUploadInput;
};


export type MutationResumeSubscriptionArgs = {
  customerId?: InputMaybe<Scalars['ID']['input']>;
};


export type MutationRevokePartnerTokenArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRotateWebhookEndpointSecretArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSendTestWebhookEventArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSetDefaultPaymentMethodArgs = {
  id: Scalars['ID']['input'];
};


export type MutationStartPaymentMethodSetupArgs = {
  customerId?: InputMaybe<Scalars['ID']['input']>;
};


export type MutationUnregisterDeviceArgs = {
  token: Scalars['String']['input'];
};


export type MutationUpdateBillingDetailsArgs = {
  input: BillingDetailsInput;
};


export type MutationUpdateContactArgs = {
  id: Scalars['ID']['input'];
  input: ContactInput;
};


export type MutationUpdateMyContactArgs = {
  input: ContactInput;
};


export type MutationUpdateNotificationPreferencesArgs = {
  input: Array<NotificationPreferenceInput>;
};


export type MutationUpdateTicketArgs = {
  id: Scalars['ID']['input'];
  input: UpdateTicketInput;
};

/** A way a message reaches a customer. */
export type NotificationChannel =
  | 'EMAIL'
  | 'PUSH';

/** A kind of message a customer receives. */
export type NotificationKind =
  /** Welcome and account news. */
  | 'ACCOUNT'
  /** Payment failed, payment received. */
  | 'BILLING'
  /** Sign-in and account security: cannot be turned off. */
  | 'SECURITY'
  /** Ticket solved. */
  | 'SUPPORT';

/** Whether one kind of message is sent on one channel. */
export type NotificationPreference = {
  __typename?: 'NotificationPreference';
  channel: NotificationChannel;
  enabled: Scalars['Boolean']['output'];
  kind: NotificationKind;
};

export type NotificationPreferenceInput = {
  channel: NotificationChannel;
  enabled: Scalars['Boolean']['input'];
  kind: NotificationKind;
};

/** A new ticket. */
export type OpenTicketInput = {
  /** The first comment: what the customer needs, 1 to 65,000 characters. */
  body: Scalars['String']['input'];
  /** The customer (CRM id) the ticket is for. Customers omit it (their own); staff and partners must give it. */
  customerId?: InputMaybe<Scalars['ID']['input']>;
  /** Priority; omit to leave it to triage. `UNKNOWN` is refused. */
  priority?: InputMaybe<TicketPriority>;
  /** Subject line, 1 to 150 characters. */
  subject: Scalars['String']['input'];
};

/** Relay-style page information. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last item, to pass as `after`. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** True when another page follows. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** A partner token as stored: never the token itself. */
export type PartnerToken = {
  __typename?: 'PartnerToken';
  /** When it was minted. */
  createdAt: Scalars['DateTime']['output'];
  /** Customers the partner may see; null for all. */
  customerIds: Maybe<Array<Scalars['ID']['output']>>;
  /** When it expires. */
  expiresAt: Scalars['DateTime']['output'];
  /** Token id (`ptn_...`), the JWT `jti`. */
  id: Scalars['ID']['output'];
  /** When it was last used (to the minute). */
  lastUsedAt: Maybe<Scalars['DateTime']['output']>;
  /** Partner name. */
  name: Scalars['String']['output'];
  /** sha256 hashes of the only operations the partner may run; null for the published manifest. */
  operations: Maybe<Array<Scalars['String']['output']>>;
  /** When it was revoked; null while valid. */
  revokedAt: Maybe<Scalars['DateTime']['output']>;
  /** Granted scopes. */
  scopes: Array<Scalars['String']['output']>;
};

/** A saved card: display data only, never a full number. */
export type PaymentMethod = {
  __typename?: 'PaymentMethod';
  /** Card brand, e.g. `visa`. */
  brand: Scalars['String']['output'];
  /** Expiry month, 1-12. */
  expMonth: Scalars['Int']['output'];
  /** Expiry year, four digits. */
  expYear: Scalars['Int']['output'];
  /** Stripe payment method id. */
  id: Scalars['ID']['output'];
  /** Last four digits. */
  last4: Scalars['String']['output'];
};

/**
 * A card setup to complete in the browser or app with the billing system's own SDK: Stripe.js
 * `stripe.confirmCardSetup(clientSecret, ...)` or the mobile SDKs' PaymentSheet. The card number and
 * CVC go from the customer's device to Stripe, never through Portico.
 */
export type PaymentMethodSetup = {
  __typename?: 'PaymentMethodSetup';
  /** The SetupIntent's client secret, bound to this customer: give it to the client SDK only, never log or store it. */
  clientSecret: Scalars['String']['output'];
  /** The SetupIntent's id. */
  id: Scalars['ID']['output'];
};

/** A plan on sale: one recurring price of the billing system. */
export type Plan = {
  __typename?: 'Plan';
  /** The price per unit in `currency`, minor units; null for prices not billed per unit (tiered, metered). */
  amount: Maybe<Scalars['Int']['output']>;
  /** The price's default currency, ISO 4217, upper case. */
  currency: Scalars['String']['output'];
  /** The product's description, when it has one. */
  description: Maybe<Scalars['String']['output']>;
  /** The price id (Stripe `price_...`): what `changeSubscriptionPlan` takes. */
  id: Scalars['ID']['output'];
  /** How often it is billed. */
  interval: PlanInterval;
  /** Billed every `intervalCount` intervals, e.g. 3 with `MONTH` for quarterly. */
  intervalCount: Scalars['Int']['output'];
  /** The plan's name (the price's nickname, else the product's name). */
  name: Scalars['String']['output'];
  /** The price in every currency it is sold in (the default currency first): a subscription is charged in its own currency. */
  prices: Array<PlanPrice>;
  /** The product's name, e.g. `Pro`. */
  productName: Maybe<Scalars['String']['output']>;
};

/** What a change of plan would cost, computed by the billing system for one proration date. */
export type PlanChangePreview = {
  __typename?: 'PlanChangePreview';
  /** ISO 4217 currency code, upper case. */
  currency: Scalars['String']['output'];
  /**
   * True when the change moves to another billing interval (e.g. monthly to yearly): the billing
   * system restarts the billing cycle at the change and invoices it at once, charging the default card
   * (`nextInvoiceTotal`: the new plan's first period, less the unused time of the current one when
   * prorating). False: the change is billed on the next invoice at the period end.
   */
  invoicedNow: Scalars['Boolean']['output'];
  /** When the next invoice is made: the end of the current period, or now when `invoicedNow`. */
  nextInvoiceAt: Maybe<Scalars['DateTime']['output']>;
  /** The total of the next invoice with the change, minor units (the proration plus the next period on the new plan). */
  nextInvoiceTotal: Scalars['Int']['output'];
  /** The plan it would change to. */
  planId: Scalars['ID']['output'];
  /**
   * The prorated amount the change adds to the next invoice, minor units: the new plan for the rest
   * of the period minus the unused time of the current one (negative: a credit). 0 without proration.
   */
  prorationAmount: Scalars['Int']['output'];
  /** The moment the proration is computed for: pass it to `changeSubscriptionPlan` within an hour. */
  prorationDate: Scalars['DateTime']['output'];
  /** The subscription previewed. */
  subscriptionId: Scalars['ID']['output'];
};

/** Billing intervals. */
export type PlanInterval =
  /** Daily. */
  | 'DAY'
  /** Monthly. */
  | 'MONTH'
  /** An interval the billing system sent that this API does not know yet (the gateway logs it). */
  | 'UNKNOWN'
  /** Weekly. */
  | 'WEEK'
  /** Yearly. */
  | 'YEAR';

/** A plan's price in one currency. */
export type PlanPrice = {
  __typename?: 'PlanPrice';
  /** Minor units per unit; null for prices not billed per unit. */
  amount: Maybe<Scalars['Int']['output']>;
  /** ISO 4217, upper case. */
  currency: Scalars['String']['output'];
};

/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type Query = {
  __typename?: 'Query';
  /**
   * The audit log, newest first: every write, admin action and staff or partner read of a
   * customer. Entries are hash-chained; `npm run audit -- verify` checks the chain. Admins only.
   */
  auditLog: AuditEntryConnection;
  /**
   * Automation runs, newest first (queued, running, waiting for a retry, completed, skipped or
   * dead-lettered), each with its trigger, its steps (outcome, attempts, duration) and its trace id.
   * The newest AUTOMATION_RUNS_KEPT runs are kept. Admins only.
   */
  automationRuns: AutomationRunConnection;
  /**
   * One customer by CRM contact id. A customer token reaches only its own id; any other id gives
   * `FORBIDDEN` whether or not it exists.
   */
  customer: Maybe<Customer>;
  /**
   * All customers, newest first by CRM id, optionally filtered by a text search over name, email,
   * phone and company. Staff and partners with `crm.customers:list` only.
   */
  customers: CustomerConnection;
  /**
   * Automation runs that failed every attempt (the dead letters), newest failure first, with the
   * steps already done (a replay runs only the others). Replay one with `replayAutomationRun` once
   * its cause is fixed. Admins only.
   */
  failedAutomationRuns: FailedAutomationRunConnection;
  /**
   * Vendor webhook events that failed every attempt (the dead letters), newest failure first.
   * Replay one with `replayFailedEvent` once its cause is fixed. Admins only.
   */
  failedEvents: FailedEventConnection;
  /**
   * Replica jobs (copies of HubSpot's name and email to Stripe and Zendesk, and scheduled
   * reconciliations) that failed every attempt, newest failure first. Replay one with
   * `replayReplicaJob` once its cause is fixed. Admins only.
   */
  failedReplicaJobs: FailedReplicaJobConnection;
  /** Deliveries to one endpoint that failed every attempt (about a day of retries): replay them with `replayWebhookDeliveries`. */
  failedWebhookDeliveries: Array<FailedWebhookDelivery>;
  /**
   * The state of the integration in one answer: each job queue's backlog and dead letters, the
   * last reconciliation run, and each upstream system's circuit breaker. Admins only.
   */
  integrationHealth: IntegrationHealth;
  /**
   * The customer the token belongs to. Only customer tokens have one; staff and partner tokens get
   * `FORBIDDEN`.
   */
  me: Maybe<Customer>;
  /** The caller's notification preferences: per kind of message, which channels it is sent on. Customer tokens. */
  notificationPreferences: Array<NotificationPreference>;
  /** Every partner token ever minted (never the tokens themselves). Admins only. */
  partnerTokens: Array<PartnerToken>;
  /**
   * What changing a subscription to another plan would cost, as the billing system computes it: the
   * prorated amount the change adds (credit for the unused time of the current plan, charge for the
   * rest of the period on the new one) and the total of the next invoice. Pass its `prorationDate` to
   * `changeSubscriptionPlan` so the change is charged exactly this amount. Customers omit
   * `subscriptionId` (their own current subscription); staff and partners give it.
   */
  planChangePreview: PlanChangePreview;
  /**
   * The plans on sale: the billing system's active recurring prices, ordered by product name, then
   * billing interval, then amount. The same for
   * every caller (cached for `CACHE_TTLS` `plans`, and dropped when Stripe reports a price or product
   * change).
   */
  plans: Array<Plan>;
  /** The last delivery attempts to one endpoint, newest first (its delivery log). */
  webhookDeliveries: Array<WebhookDeliveryAttempt>;
  /** A partner's own webhook endpoints; an admin sees every partner's. Never their secrets. */
  webhookEndpoints: Array<WebhookEndpoint>;
  /**
   * The Portico event types a partner endpoint can subscribe to, each with the scopes a partner
   * needs to receive it. Partners (scope `webhooks:manage`) and admins.
   */
  webhookEventTypes: Array<WebhookEventType>;
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  customerId?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryAutomationRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  automation?: InputMaybe<Scalars['String']['input']>;
  customerId?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<AutomationRunStatus>;
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryCustomerArgs = {
  id: Scalars['ID']['input'];
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryCustomersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryFailedAutomationRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryFailedEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  system?: InputMaybe<EventSystem>;
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryFailedReplicaJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryFailedWebhookDeliveriesArgs = {
  endpointId: Scalars['ID']['input'];
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryPlanChangePreviewArgs = {
  planId: Scalars['ID']['input'];
  prorate?: InputMaybe<Scalars['Boolean']['input']>;
  subscriptionId?: InputMaybe<Scalars['ID']['input']>;
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryWebhookDeliveriesArgs = {
  endpointId: Scalars['ID']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** One job queue's backlog. */
export type QueueHealth = {
  __typename?: 'QueueHealth';
  /** Jobs running now. */
  active: Scalars['Int']['output'];
  /** False when its counts could not be read (Redis unreachable); the counts are then 0. */
  available: Scalars['Boolean']['output'];
  /** Jobs that failed every attempt (the dead letters): list and replay them with `failedEvents` / `replayFailedEvent`. */
  deadLettered: Scalars['Int']['output'];
  /** Jobs whose last attempt failed, waiting for their next attempt (backoff). */
  failed: Scalars['Int']['output'];
  /** Queue name, e.g. `webhooks-stripe`. */
  name: Scalars['String']['output'];
  /** Age of the oldest job waiting to run, seconds (0 when none waits). */
  oldestWaitingSeconds: Scalars['Float']['output'];
  /** Jobs waiting to run. */
  waiting: Scalars['Int']['output'];
};

/** What one reconciliation run found. */
export type Reconciliation = {
  __typename?: 'Reconciliation';
  /** Customers compared. */
  customersChecked: Scalars['Int']['output'];
  /** Customers that could not be compared (an upstream error). */
  errors: Scalars['Int']['output'];
  /** Drift per replicated field. */
  fields: Array<ReconciliationField>;
  /** When it finished. */
  finishedAt: Maybe<Scalars['DateTime']['output']>;
  /** When it started. */
  startedAt: Scalars['DateTime']['output'];
};

/** Drift of one replicated field in one system. */
export type ReconciliationField = {
  __typename?: 'ReconciliationField';
  /** Replicas that differed from the owner. */
  drift: Scalars['Int']['output'];
  /** The field, e.g. `email`. */
  field: Scalars['String']['output'];
  /** Replicas repaired (set to the owner's value). */
  repaired: Scalars['Int']['output'];
  /** The replica system, e.g. `stripe`. */
  system: Scalars['String']['output'];
};

/** What a new customer gives when signing up. */
export type RegisterCustomerInput = {
  /** The company, up to 200 characters. */
  company?: InputMaybe<Scalars['String']['input']>;
  /** The contact email; optional (the identity provider's may differ). */
  email?: InputMaybe<Scalars['String']['input']>;
  /** The full name, 1 to 200 characters (the last word is kept as the last name), e.g. `Ada Lovelace`. */
  name: Scalars['String']['input'];
};

/** The customer a sign-up made. */
export type Registration = {
  __typename?: 'Registration';
  /** The company. */
  company: Maybe<Scalars['String']['output']>;
  /** The new customer's id: the next request of the same sign-in is this customer. */
  customerId: Scalars['ID']['output'];
  /** The contact email as the CRM keeps it (lower case). */
  email: Maybe<Scalars['String']['output']>;
  /** The name as the CRM keeps it. */
  name: Maybe<Scalars['String']['output']>;
};

/** What a replay did. */
export type ReplayStatus =
  /** The event was processed since it failed: nothing to do. */
  | 'ALREADY_PROCESSED'
  /** The event is waiting or running: nothing to do. */
  | 'PENDING'
  /** The event is queued again. */
  | 'REPLAYED';

/** The outcome of `replayFailedEvent`. */
export type ReplayedEvent = {
  __typename?: 'ReplayedEvent';
  /** The event id given. */
  id: Scalars['ID']['output'];
  /** What the replay did. */
  status: ReplayStatus;
};

/** A document to upload. */
export type RequestDocumentUploadInput = {
  /** MIME type, one of: application/pdf, image/png, image/jpeg, text/plain, text/csv. */
  contentType: Scalars['String']['input'];
  /** The customer (CRM id). Customers omit it (their own); staff and partners must give it. */
  customerId?: InputMaybe<Scalars['ID']['input']>;
  /** File name, 1 to 200 characters, no `/` or `\`; its extension must match `contentType`, e.g. `invoice.pdf`. */
  name: Scalars['String']['input'];
  /** Size in bytes, 1 to the configured maximum (S3_UPLOAD_MAX_BYTES); S3 refuses a larger file. */
  size: Scalars['Int']['input'];
};

/** Pushes: each one is the whole selected state again, read as the subscriber (docs/realtime.md). */
export type Subscription = {
  __typename?: 'Subscription';
  /**
   * The customer's record, pushed when subscribed and again whenever a system reports a change to it
   * (several changes within REALTIME_COALESCE_MS are one push). No id: the caller's own record
   * (customer tokens); staff and partners name the customer, within their allow-list.
   */
  customerChanged: CustomerChange;
  /**
   * One ticket, pushed when subscribed and whenever the support system reports a change to it.
   * `customerId`: the customer it belongs to (default: the caller's own, for customer tokens).
   */
  ticketChanged: TicketChange;
};


/** Pushes: each one is the whole selected state again, read as the subscriber (docs/realtime.md). */
export type SubscriptionCustomerChangedArgs = {
  id?: InputMaybe<Scalars['ID']['input']>;
};


/** Pushes: each one is the whole selected state again, read as the subscriber (docs/realtime.md). */
export type SubscriptionTicketChangedArgs = {
  customerId?: InputMaybe<Scalars['ID']['input']>;
  id: Scalars['ID']['input'];
};

/** Stripe subscription statuses. */
export type SubscriptionStatus =
  /** Active and paid. */
  | 'ACTIVE'
  /** Canceled. */
  | 'CANCELED'
  /** Incomplete first payment. */
  | 'INCOMPLETE'
  /** First payment failed and expired. */
  | 'INCOMPLETE_EXPIRED'
  /** Latest payment failed. */
  | 'PAST_DUE'
  /** Paused. */
  | 'PAUSED'
  /** In a trial. */
  | 'TRIALING'
  /** A status Stripe sent that this API does not know yet (the gateway logs it). Show it neutrally. */
  | 'UNKNOWN'
  /** Unpaid after retries. */
  | 'UNPAID';

/** A tax id printed on the customer's invoices. */
export type TaxId = {
  __typename?: 'TaxId';
  /** Two-letter country code of the tax id, when known. */
  country: Maybe<Scalars['String']['output']>;
  /** The billing system's id of this tax id. */
  id: Scalars['ID']['output'];
  /** The billing system's type, e.g. `eu_vat`, `gb_vat`, `us_ein` (Stripe's tax id types). */
  type: Scalars['String']['output'];
  /** The number, as the billing system stores it. */
  value: Scalars['String']['output'];
};

/** A tax id to keep on the customer. */
export type TaxIdInput = {
  /** One of Stripe's tax id types, e.g. `eu_vat`. */
  type: Scalars['String']['input'];
  /** The number, e.g. `DE123456789`; 1 to 50 characters. */
  value: Scalars['String']['input'];
};

/** A support ticket. */
export type Ticket = {
  __typename?: 'Ticket';
  /** The support agent (Zendesk user id) the ticket is assigned to; null when none. Support staff only. */
  assigneeId: Maybe<Scalars['ID']['output']>;
  /** Public comments, oldest first; null when Zendesk could not be reached. */
  comments: Maybe<Array<TicketComment>>;
  /** When the ticket was opened. */
  createdAt: Scalars['DateTime']['output'];
  /** Zendesk ticket id. */
  id: Scalars['ID']['output'];
  /** Priority; null when not triaged. */
  priority: Maybe<TicketPriority>;
  /** Status. */
  status: TicketStatus;
  /** Subject line. */
  subject: Scalars['String']['output'];
  /** The ticket's tags, lower case. Support staff only. */
  tags: Maybe<Array<Scalars['String']['output']>>;
  /** When the ticket last changed. */
  updatedAt: Scalars['DateTime']['output'];
};

/** The ticket after a change. */
export type TicketChange = {
  __typename?: 'TicketChange';
  reason: ChangeReason;
  /** The selected state, read as the subscriber; null with an error when it may not be read (or is not the customer's). */
  ticket: Maybe<Ticket>;
};

/** A public comment on a ticket. */
export type TicketComment = {
  __typename?: 'TicketComment';
  /** Name of the person who wrote it. */
  author: Scalars['String']['output'];
  /** Plain-text body. */
  body: Scalars['String']['output'];
  /** When it was written. */
  createdAt: Scalars['DateTime']['output'];
  /** Zendesk comment id. */
  id: Scalars['ID']['output'];
};

/** A page of tickets. */
export type TicketConnection = {
  __typename?: 'TicketConnection';
  /** The tickets of this page with cursors. */
  edges: Array<TicketEdge>;
  /** The tickets of this page. */
  nodes: Array<Ticket>;
  /** Where this page sits. */
  pageInfo: PageInfo;
};

/** A ticket and its cursor. */
export type TicketEdge = {
  __typename?: 'TicketEdge';
  /** Opaque cursor. */
  cursor: Scalars['String']['output'];
  /** The ticket. */
  node: Ticket;
};

/** Zendesk ticket priorities. */
export type TicketPriority =
  /** High. */
  | 'HIGH'
  /** Low. */
  | 'LOW'
  /** Normal. */
  | 'NORMAL'
  /** A priority Zendesk sent that this API does not know yet (the gateway logs it). No priority at all is null. */
  | 'UNKNOWN'
  /** Urgent. */
  | 'URGENT';

/** Zendesk ticket statuses. */
export type TicketStatus =
  /** Closed for good. */
  | 'CLOSED'
  /** Waiting for a third party. */
  | 'HOLD'
  /** Not yet looked at. */
  | 'NEW'
  /** Being worked on. */
  | 'OPEN'
  /** Waiting for the customer. */
  | 'PENDING'
  /** Solved. */
  | 'SOLVED'
  /** A status Zendesk sent that this API does not know yet (the gateway logs it). Show it neutrally. */
  | 'UNKNOWN';

/** What `updateTicket` sets; a field left out is unchanged. */
export type UpdateTicketInput = {
  /** The Zendesk user id of the agent to assign the ticket to. */
  assigneeId?: InputMaybe<Scalars['ID']['input']>;
  /** The new priority. `UNKNOWN` is refused. */
  priority?: InputMaybe<TicketPriority>;
  /** The new status. `UNKNOWN` is refused. */
  status?: InputMaybe<TicketStatus>;
  /** The whole list of tags (replaces the current ones): up to 50, each 1 to 80 letters, digits, `_`, `-`, `:` or `/`. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
};

/** One form field of a presigned POST. */
export type UploadField = {
  __typename?: 'UploadField';
  /** Field name. */
  name: Scalars['String']['output'];
  /** Field value. */
  value: Scalars['String']['output'];
};

/** One delivery attempt. */
export type WebhookDeliveryAttempt = {
  __typename?: 'WebhookDeliveryAttempt';
  at: Scalars['DateTime']['output'];
  /** 1 for the first attempt. */
  attempt: Scalars['Int']['output'];
  delivered: Scalars['Boolean']['output'];
  /** How long the attempt took, ms. */
  durationMs: Scalars['Int']['output'];
  /** Why it was not delivered, when the endpoint did not answer. */
  error: Maybe<Scalars['String']['output']>;
  eventType: Scalars['String']['output'];
  /** The `webhook-id` sent (the same on every retry). */
  messageId: Scalars['String']['output'];
  /** The HTTP status the endpoint answered; null when it did not answer (timeout, refused). */
  statusCode: Maybe<Scalars['Int']['output']>;
};

/** Why an endpoint is disabled. */
export type WebhookDisabledReason =
  /** An admin disabled it. */
  | 'ADMIN'
  /** Every delivery failed for WEBHOOK_DISABLE_AFTER_H (5 days). */
  | 'FAILING'
  /** The partner disabled it. */
  | 'PARTNER';

/** A partner's webhook endpoint. */
export type WebhookEndpoint = {
  __typename?: 'WebhookEndpoint';
  createdAt: Scalars['DateTime']['output'];
  disabledReason: Maybe<WebhookDisabledReason>;
  eventTypes: Array<Scalars['String']['output']>;
  /** `we_...` */
  id: Scalars['ID']['output'];
  /** The partner token id it belongs to. */
  partnerId: Scalars['ID']['output'];
  status: WebhookEndpointStatus;
  url: Scalars['String']['output'];
};

/** Whether an endpoint receives deliveries. */
export type WebhookEndpointStatus =
  | 'DISABLED'
  | 'ENABLED';

/** A Portico event type, `<domain>.<object>.<change>`. */
export type WebhookEventType = {
  __typename?: 'WebhookEventType';
  /** What it means and the ids its data carries. */
  description: Scalars['String']['output'];
  /** The scopes a partner needs to receive it (all of them). */
  scopes: Array<Scalars['String']['output']>;
  /** E.g. `billing.invoice.paid`. */
  type: Scalars['String']['output'];
};

export type AddTicketCommentMutationVariables = Exact<{
  ticketId: Scalars['ID']['input'];
  body: Scalars['String']['input'];
}>;


export type AddTicketCommentMutation = { __typename?: 'Mutation', addTicketComment: { __typename?: 'TicketComment', id: string, body: string, author: string, createdAt: string } };

export type CancelSubscriptionMutationVariables = Exact<{
  atPeriodEnd?: InputMaybe<Scalars['Boolean']['input']>;
}>;


export type CancelSubscriptionMutation = { __typename?: 'Mutation', cancelSubscription: { __typename?: 'BillingSubscription', id: string, status: SubscriptionStatus, plan: string | null, currentPeriodEnd: string | null, cancelAtPeriodEnd: boolean } };

export type ConfirmDocumentUploadMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type ConfirmDocumentUploadMutation = { __typename?: 'Mutation', confirmDocumentUpload: { __typename?: 'Document', id: string, name: string, size: number, contentType: string, uploadedAt: string, downloadUrl: string } };

export type CustomerSearchQueryVariables = Exact<{
  search?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type CustomerSearchQuery = { __typename?: 'Query', customers: { __typename?: 'CustomerConnection', totalCount: number, edges: Array<{ __typename?: 'CustomerEdge', cursor: string, node: { __typename?: 'Customer', id: string, name: string | null, email: string | null, company: string | null, lifecycleStage: LifecycleStage | null, billing: { __typename?: 'Billing', currency: string | null, balance: number | null, subscription: { __typename?: 'BillingSubscription', status: SubscriptionStatus, plan: string | null } | null } | null } }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } };

export type DashboardQueryVariables = Exact<{ [key: string]: never; }>;


export type DashboardQuery = { __typename?: 'Query', me: { __typename?: 'Customer', id: string, name: string | null, email: string | null, phone: string | null, company: string | null, lifecycleStage: LifecycleStage | null, billing: { __typename?: 'Billing', currency: string | null, balance: number | null, subscription: { __typename?: 'BillingSubscription', id: string, status: SubscriptionStatus, plan: string | null, currentPeriodEnd: string | null } | null, paymentMethods: Array<{ __typename?: 'PaymentMethod', brand: string, last4: string, expMonth: number, expYear: number }> | null, invoices: { __typename?: 'InvoiceConnection', totalCount: number, nodes: Array<{ __typename?: 'Invoice', id: string, number: string | null, status: InvoiceStatus, amountDue: number, amountPaid: number, currency: string, dueDate: string | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } | null } | null, tickets: { __typename?: 'TicketConnection', nodes: Array<{ __typename?: 'Ticket', id: string, subject: string, status: TicketStatus, priority: TicketPriority | null, createdAt: string, updatedAt: string, comments: Array<{ __typename?: 'TicketComment', id: string, body: string, author: string, createdAt: string }> | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } | null, documents: { __typename?: 'DocumentConnection', nodes: Array<{ __typename?: 'Document', id: string, name: string, size: number, contentType: string, uploadedAt: string, downloadUrl: string }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } | null } | null };

export type DocumentsPageQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type DocumentsPageQuery = { __typename?: 'Query', me: { __typename?: 'Customer', id: string, documents: { __typename?: 'DocumentConnection', totalCount: number, nodes: Array<{ __typename?: 'Document', id: string, name: string, size: number, contentType: string, uploadedAt: string, downloadUrl: string }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } | null } | null };

export type InvoicesPageQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type InvoicesPageQuery = { __typename?: 'Query', me: { __typename?: 'Customer', id: string, billing: { __typename?: 'Billing', currency: string | null, invoices: { __typename?: 'InvoiceConnection', totalCount: number, nodes: Array<{ __typename?: 'Invoice', id: string, number: string | null, status: InvoiceStatus, amountDue: number, amountPaid: number, amountRemaining: number, currency: string, dueDate: string | null, createdAt: string }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } | null } | null } | null };

export type OpenTicketMutationVariables = Exact<{
  input: OpenTicketInput;
}>;


export type OpenTicketMutation = { __typename?: 'Mutation', openTicket: { __typename?: 'Ticket', id: string, subject: string, status: TicketStatus, priority: TicketPriority | null, createdAt: string, updatedAt: string } };

export type WebhookEndpointFieldsFragment = { __typename?: 'WebhookEndpoint', id: string, partnerId: string, url: string, eventTypes: Array<string>, status: WebhookEndpointStatus, disabledReason: WebhookDisabledReason | null, createdAt: string };

export type WebhookEventTypesQueryVariables = Exact<{ [key: string]: never; }>;


export type WebhookEventTypesQuery = { __typename?: 'Query', webhookEventTypes: Array<{ __typename?: 'WebhookEventType', type: string, description: string, scopes: Array<string> }> };

export type WebhookEndpointsQueryVariables = Exact<{ [key: string]: never; }>;


export type WebhookEndpointsQuery = { __typename?: 'Query', webhookEndpoints: Array<{ __typename?: 'WebhookEndpoint', id: string, partnerId: string, url: string, eventTypes: Array<string>, status: WebhookEndpointStatus, disabledReason: WebhookDisabledReason | null, createdAt: string }> };

export type WebhookDeliveriesQueryVariables = Exact<{
  endpointId: Scalars['ID']['input'];
  first?: InputMaybe<Scalars['Int']['input']>;
}>;


export type WebhookDeliveriesQuery = { __typename?: 'Query', webhookDeliveries: Array<{ __typename?: 'WebhookDeliveryAttempt', at: string, messageId: string, eventType: string, attempt: number, statusCode: number | null, delivered: boolean, error: string | null, durationMs: number }> };

export type FailedWebhookDeliveriesQueryVariables = Exact<{
  endpointId: Scalars['ID']['input'];
}>;


export type FailedWebhookDeliveriesQuery = { __typename?: 'Query', failedWebhookDeliveries: Array<{ __typename?: 'FailedWebhookDelivery', messageId: string, eventType: string, attempts: number, lastError: string }> };

export type CreateWebhookEndpointMutationVariables = Exact<{
  input: CreateWebhookEndpointInput;
}>;


export type CreateWebhookEndpointMutation = { __typename?: 'Mutation', createWebhookEndpoint: { __typename?: 'CreatedWebhookEndpoint', secret: string, endpoint: { __typename?: 'WebhookEndpoint', id: string, partnerId: string, url: string, eventTypes: Array<string>, status: WebhookEndpointStatus, disabledReason: WebhookDisabledReason | null, createdAt: string } } };

export type DisableWebhookEndpointMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type DisableWebhookEndpointMutation = { __typename?: 'Mutation', disableWebhookEndpoint: { __typename?: 'WebhookEndpoint', id: string, partnerId: string, url: string, eventTypes: Array<string>, status: WebhookEndpointStatus, disabledReason: WebhookDisabledReason | null, createdAt: string } };

export type EnableWebhookEndpointMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type EnableWebhookEndpointMutation = { __typename?: 'Mutation', enableWebhookEndpoint: { __typename?: 'WebhookEndpoint', id: string, partnerId: string, url: string, eventTypes: Array<string>, status: WebhookEndpointStatus, disabledReason: WebhookDisabledReason | null, createdAt: string } };

export type RotateWebhookEndpointSecretMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type RotateWebhookEndpointSecretMutation = { __typename?: 'Mutation', rotateWebhookEndpointSecret: { __typename?: 'CreatedWebhookEndpoint', secret: string, endpoint: { __typename?: 'WebhookEndpoint', id: string, partnerId: string, url: string, eventTypes: Array<string>, status: WebhookEndpointStatus, disabledReason: WebhookDisabledReason | null, createdAt: string } } };

export type SendTestWebhookEventMutationVariables = Exact<{
  id: Scalars['ID']['input'];
}>;


export type SendTestWebhookEventMutation = { __typename?: 'Mutation', sendTestWebhookEvent: string };

export type ReplayWebhookDeliveriesMutationVariables = Exact<{
  endpointId: Scalars['ID']['input'];
}>;


export type ReplayWebhookDeliveriesMutation = { __typename?: 'Mutation', replayWebhookDeliveries: number };

export type RequestDocumentUploadMutationVariables = Exact<{
  input: RequestDocumentUploadInput;
}>;


export type RequestDocumentUploadMutation = { __typename?: 'Mutation', requestDocumentUpload: { __typename?: 'DocumentUpload', id: string, url: string, expiresAt: string, maxSize: number, fields: Array<{ __typename?: 'UploadField', name: string, value: string }> } };

export type ResumeSubscriptionMutationVariables = Exact<{ [key: string]: never; }>;


export type ResumeSubscriptionMutation = { __typename?: 'Mutation', resumeSubscription: { __typename?: 'BillingSubscription', id: string, status: SubscriptionStatus, plan: string | null, currentPeriodEnd: string | null, cancelAtPeriodEnd: boolean } };

export type TicketsPageQueryVariables = Exact<{
  first?: InputMaybe<Scalars['Int']['input']>;
  after?: InputMaybe<Scalars['String']['input']>;
}>;


export type TicketsPageQuery = { __typename?: 'Query', me: { __typename?: 'Customer', id: string, tickets: { __typename?: 'TicketConnection', nodes: Array<{ __typename?: 'Ticket', id: string, subject: string, status: TicketStatus, priority: TicketPriority | null, createdAt: string, updatedAt: string, comments: Array<{ __typename?: 'TicketComment', id: string, body: string, author: string, createdAt: string }> | null }>, pageInfo: { __typename?: 'PageInfo', hasNextPage: boolean, endCursor: string | null } } | null } | null };

export const WebhookEndpointFieldsFragmentDoc = {"kind":"Document","definitions":[{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"partnerId"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"eventTypes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<WebhookEndpointFieldsFragment, unknown>;
export const AddTicketCommentDocument = {"__meta__":{"hash":"5ab81659248b844834ab7fc8a86fb5dd1d1e17bcdba748df5d7635f0be0fe80c"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"AddTicketComment"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"ticketId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"body"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"addTicketComment"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"ticketId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"ticketId"}}},{"kind":"Argument","name":{"kind":"Name","value":"body"},"value":{"kind":"Variable","name":{"kind":"Name","value":"body"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"body"}},{"kind":"Field","name":{"kind":"Name","value":"author"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}}]} as unknown as DocumentNode<AddTicketCommentMutation, AddTicketCommentMutationVariables>;
export const CancelSubscriptionDocument = {"__meta__":{"hash":"c6efe12885802a1507a1d6b051b53e8fd5b1a3ee2808105885b48696278475f3"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CancelSubscription"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"atPeriodEnd"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Boolean"}},"defaultValue":{"kind":"BooleanValue","value":true}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cancelSubscription"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"atPeriodEnd"},"value":{"kind":"Variable","name":{"kind":"Name","value":"atPeriodEnd"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"currentPeriodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"cancelAtPeriodEnd"}}]}}]}}]} as unknown as DocumentNode<CancelSubscriptionMutation, CancelSubscriptionMutationVariables>;
export const ConfirmDocumentUploadDocument = {"__meta__":{"hash":"f3e977e2696b41b3989db840451d17f3e1b66658293a2303aa1e638dbc831bb7"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ConfirmDocumentUpload"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"confirmDocumentUpload"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"uploadedAt"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}}]}}]} as unknown as DocumentNode<ConfirmDocumentUploadMutation, ConfirmDocumentUploadMutationVariables>;
export const CustomerSearchDocument = {"__meta__":{"hash":"7720fd27b38475f87a93aacf6c545fce81d6254e33974b71f7b521feaa6cc7ca"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"CustomerSearch"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"search"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"customers"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"search"},"value":{"kind":"Variable","name":{"kind":"Name","value":"search"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"edges"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"cursor"}},{"kind":"Field","name":{"kind":"Name","value":"node"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"company"}},{"kind":"Field","name":{"kind":"Name","value":"lifecycleStage"}},{"kind":"Field","name":{"kind":"Name","value":"billing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}},{"kind":"Field","name":{"kind":"Name","value":"subscription"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"plan"}}]}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]} as unknown as DocumentNode<CustomerSearchQuery, CustomerSearchQueryVariables>;
export const DashboardDocument = {"__meta__":{"hash":"e6d854b9c061803c09d64734d3de428124d7257da641990c6256862f7c039427"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"Dashboard"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"email"}},{"kind":"Field","name":{"kind":"Name","value":"phone"}},{"kind":"Field","name":{"kind":"Name","value":"company"}},{"kind":"Field","name":{"kind":"Name","value":"lifecycleStage"}},{"kind":"Field","name":{"kind":"Name","value":"billing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"balance"}},{"kind":"Field","name":{"kind":"Name","value":"subscription"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"currentPeriodEnd"}}]}},{"kind":"Field","name":{"kind":"Name","value":"paymentMethods"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"brand"}},{"kind":"Field","name":{"kind":"Name","value":"last4"}},{"kind":"Field","name":{"kind":"Name","value":"expMonth"}},{"kind":"Field","name":{"kind":"Name","value":"expYear"}}]}},{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amountDue"}},{"kind":"Field","name":{"kind":"Name","value":"amountPaid"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"dueDate"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"tickets"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"priority"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"comments"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"body"}},{"kind":"Field","name":{"kind":"Name","value":"author"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"documents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"IntValue","value":"10"}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"uploadedAt"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DashboardQuery, DashboardQueryVariables>;
export const DocumentsPageDocument = {"__meta__":{"hash":"891de34610b5bb1ee07cb86a66cc9e4095e63973da9c9b34803a480734ba97b2"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"DocumentsPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"documents"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"size"}},{"kind":"Field","name":{"kind":"Name","value":"contentType"}},{"kind":"Field","name":{"kind":"Name","value":"uploadedAt"}},{"kind":"Field","name":{"kind":"Name","value":"downloadUrl"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<DocumentsPageQuery, DocumentsPageQueryVariables>;
export const InvoicesPageDocument = {"__meta__":{"hash":"c4f32167808e267fa4261ead949e5a4d18d240c1c7530904c8c90c2c0d08d4c6"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"InvoicesPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"billing"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"invoices"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"totalCount"}},{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"number"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"amountDue"}},{"kind":"Field","name":{"kind":"Name","value":"amountPaid"}},{"kind":"Field","name":{"kind":"Name","value":"amountRemaining"}},{"kind":"Field","name":{"kind":"Name","value":"currency"}},{"kind":"Field","name":{"kind":"Name","value":"dueDate"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]}}]} as unknown as DocumentNode<InvoicesPageQuery, InvoicesPageQueryVariables>;
export const OpenTicketDocument = {"__meta__":{"hash":"b90e798ede21c9eb9e58aeb499cef6eb3847a20bf23535339a5fc1839b2efae9"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"OpenTicket"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"OpenTicketInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"openTicket"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"priority"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}}]}}]}}]} as unknown as DocumentNode<OpenTicketMutation, OpenTicketMutationVariables>;
export const WebhookEventTypesDocument = {"__meta__":{"hash":"a6035c7fc8868ecac5e1cc2412d8d3572d760b6393333afa0afe89d5c3d86907"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WebhookEventTypes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"webhookEventTypes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"type"}},{"kind":"Field","name":{"kind":"Name","value":"description"}},{"kind":"Field","name":{"kind":"Name","value":"scopes"}}]}}]}}]} as unknown as DocumentNode<WebhookEventTypesQuery, WebhookEventTypesQueryVariables>;
export const WebhookEndpointsDocument = {"__meta__":{"hash":"a070caec28de186420382da7f43d42e679f50a3b45ad628ee529e8c26fb75978"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WebhookEndpoints"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"webhookEndpoints"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"WebhookEndpointFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"partnerId"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"eventTypes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<WebhookEndpointsQuery, WebhookEndpointsQueryVariables>;
export const WebhookDeliveriesDocument = {"__meta__":{"hash":"05265904d135acbe81b00cfadf1763e72b610ed823485e575ce1190743606361"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"WebhookDeliveries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"webhookDeliveries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"endpointId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}}},{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"at"}},{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"eventType"}},{"kind":"Field","name":{"kind":"Name","value":"attempt"}},{"kind":"Field","name":{"kind":"Name","value":"statusCode"}},{"kind":"Field","name":{"kind":"Name","value":"delivered"}},{"kind":"Field","name":{"kind":"Name","value":"error"}},{"kind":"Field","name":{"kind":"Name","value":"durationMs"}}]}}]}}]} as unknown as DocumentNode<WebhookDeliveriesQuery, WebhookDeliveriesQueryVariables>;
export const FailedWebhookDeliveriesDocument = {"__meta__":{"hash":"0bf150adaeaa02c5fc2c9785b2b47cf19bebd75715d59a8018a8cf3e887befd5"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"FailedWebhookDeliveries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"failedWebhookDeliveries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"endpointId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"messageId"}},{"kind":"Field","name":{"kind":"Name","value":"eventType"}},{"kind":"Field","name":{"kind":"Name","value":"attempts"}},{"kind":"Field","name":{"kind":"Name","value":"lastError"}}]}}]}}]} as unknown as DocumentNode<FailedWebhookDeliveriesQuery, FailedWebhookDeliveriesQueryVariables>;
export const CreateWebhookEndpointDocument = {"__meta__":{"hash":"608807a90f63cb7225a7f2a6f3113a84158f27c20105e82b8f08016545d62997"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"CreateWebhookEndpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"CreateWebhookEndpointInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"createWebhookEndpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"endpoint"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"WebhookEndpointFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"secret"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"partnerId"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"eventTypes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<CreateWebhookEndpointMutation, CreateWebhookEndpointMutationVariables>;
export const DisableWebhookEndpointDocument = {"__meta__":{"hash":"b6e7e5b9112ea28159ebe5b19d8320c760d6fb425603f59cfba5f73882b746fd"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"DisableWebhookEndpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"disableWebhookEndpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"WebhookEndpointFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"partnerId"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"eventTypes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<DisableWebhookEndpointMutation, DisableWebhookEndpointMutationVariables>;
export const EnableWebhookEndpointDocument = {"__meta__":{"hash":"5792f50bbd8ea0f7b3eb31dde845a68b7d477113d3c91ee1d4b580496a1f0416"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"EnableWebhookEndpoint"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"enableWebhookEndpoint"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"WebhookEndpointFields"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"partnerId"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"eventTypes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<EnableWebhookEndpointMutation, EnableWebhookEndpointMutationVariables>;
export const RotateWebhookEndpointSecretDocument = {"__meta__":{"hash":"a722942cc314170fc6204a1e052229205b8bf5e1f7a2802fd0248549ed762453"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RotateWebhookEndpointSecret"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"rotateWebhookEndpointSecret"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"endpoint"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"FragmentSpread","name":{"kind":"Name","value":"WebhookEndpointFields"}}]}},{"kind":"Field","name":{"kind":"Name","value":"secret"}}]}}]}},{"kind":"FragmentDefinition","name":{"kind":"Name","value":"WebhookEndpointFields"},"typeCondition":{"kind":"NamedType","name":{"kind":"Name","value":"WebhookEndpoint"}},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"partnerId"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"eventTypes"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"disabledReason"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]} as unknown as DocumentNode<RotateWebhookEndpointSecretMutation, RotateWebhookEndpointSecretMutationVariables>;
export const SendTestWebhookEventDocument = {"__meta__":{"hash":"b43dd473e6988d200063efac0de3508926d340c61ea6f0d7d6d7d11747e4b17d"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"SendTestWebhookEvent"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"id"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"sendTestWebhookEvent"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"id"},"value":{"kind":"Variable","name":{"kind":"Name","value":"id"}}}]}]}}]} as unknown as DocumentNode<SendTestWebhookEventMutation, SendTestWebhookEventMutationVariables>;
export const ReplayWebhookDeliveriesDocument = {"__meta__":{"hash":"61c4f1b35aea247d9f29a983a7a58c0b4303819d9890e4c905410d54c24865a4"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ReplayWebhookDeliveries"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"ID"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"replayWebhookDeliveries"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"endpointId"},"value":{"kind":"Variable","name":{"kind":"Name","value":"endpointId"}}}]}]}}]} as unknown as DocumentNode<ReplayWebhookDeliveriesMutation, ReplayWebhookDeliveriesMutationVariables>;
export const RequestDocumentUploadDocument = {"__meta__":{"hash":"0c84b41802e56d9f749aefadc1062b34e25ca1ad0c242cf7fa877962169bfe1b"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"RequestDocumentUpload"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"input"}},"type":{"kind":"NonNullType","type":{"kind":"NamedType","name":{"kind":"Name","value":"RequestDocumentUploadInput"}}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"requestDocumentUpload"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"input"},"value":{"kind":"Variable","name":{"kind":"Name","value":"input"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"url"}},{"kind":"Field","name":{"kind":"Name","value":"fields"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"name"}},{"kind":"Field","name":{"kind":"Name","value":"value"}}]}},{"kind":"Field","name":{"kind":"Name","value":"expiresAt"}},{"kind":"Field","name":{"kind":"Name","value":"maxSize"}}]}}]}}]} as unknown as DocumentNode<RequestDocumentUploadMutation, RequestDocumentUploadMutationVariables>;
export const ResumeSubscriptionDocument = {"__meta__":{"hash":"7646983f70524d9cf598684e03518bcc81881657c5ec879823531ed2e56f7d20"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"mutation","name":{"kind":"Name","value":"ResumeSubscription"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"resumeSubscription"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"plan"}},{"kind":"Field","name":{"kind":"Name","value":"currentPeriodEnd"}},{"kind":"Field","name":{"kind":"Name","value":"cancelAtPeriodEnd"}}]}}]}}]} as unknown as DocumentNode<ResumeSubscriptionMutation, ResumeSubscriptionMutationVariables>;
export const TicketsPageDocument = {"__meta__":{"hash":"2c8584849f3186f41aafb7998d304943e626cda9f536861755e0344096abde75"},"kind":"Document","definitions":[{"kind":"OperationDefinition","operation":"query","name":{"kind":"Name","value":"TicketsPage"},"variableDefinitions":[{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"first"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"Int"}},"defaultValue":{"kind":"IntValue","value":"20"}},{"kind":"VariableDefinition","variable":{"kind":"Variable","name":{"kind":"Name","value":"after"}},"type":{"kind":"NamedType","name":{"kind":"Name","value":"String"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"me"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"tickets"},"arguments":[{"kind":"Argument","name":{"kind":"Name","value":"first"},"value":{"kind":"Variable","name":{"kind":"Name","value":"first"}}},{"kind":"Argument","name":{"kind":"Name","value":"after"},"value":{"kind":"Variable","name":{"kind":"Name","value":"after"}}}],"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"nodes"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"subject"}},{"kind":"Field","name":{"kind":"Name","value":"status"}},{"kind":"Field","name":{"kind":"Name","value":"priority"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}},{"kind":"Field","name":{"kind":"Name","value":"updatedAt"}},{"kind":"Field","name":{"kind":"Name","value":"comments"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"id"}},{"kind":"Field","name":{"kind":"Name","value":"body"}},{"kind":"Field","name":{"kind":"Name","value":"author"}},{"kind":"Field","name":{"kind":"Name","value":"createdAt"}}]}}]}},{"kind":"Field","name":{"kind":"Name","value":"pageInfo"},"selectionSet":{"kind":"SelectionSet","selections":[{"kind":"Field","name":{"kind":"Name","value":"hasNextPage"}},{"kind":"Field","name":{"kind":"Name","value":"endCursor"}}]}}]}}]}}]}}]} as unknown as DocumentNode<TicketsPageQuery, TicketsPageQueryVariables>;