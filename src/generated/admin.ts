import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { PartnerRecord } from '../auth/partners.js';
import type { RequestContext } from '../auth/context.js';
export type Maybe<T> = T | null | undefined;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 date-time in UTC, e.g. `2026-11-22T18:00:00Z`. */
  DateTime: { input: string | Date; output: string | Date; }
  _FieldSet: { input: any; output: any; }
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

/** Where a push token comes from. */
export type DevicePlatform =
  | 'ANDROID'
  | 'IOS'
  | 'WEB';

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

export type Mutation = {
  __typename?: 'Mutation';
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
   * Drops every cached upstream record of one customer (contact, billing, tickets, documents), so
   * the next read goes to the systems. Returns true when done. Admins only.
   */
  purgeCustomerCache: Scalars['Boolean']['output'];
  /**
   * Registers this app install's push token (FCM registration token) for the caller (customer
   * tokens). Registering it again is a no-op. Returns true.
   */
  registerDevice: Scalars['Boolean']['output'];
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
  /** Revokes a partner token; every gateway instance refuses it from the next request. Admins only. */
  revokePartnerToken: Maybe<PartnerToken>;
  /**
   * Issues a new signing secret, returned here only. Deliveries carry signatures with both the new
   * and the previous secret for the overlap window (WEBHOOK_ROTATION_OVERLAP_H, 24 h), then the new one only.
   */
  rotateWebhookEndpointSecret: CreatedWebhookEndpoint;
  /** Queues a `portico.webhook.test` event to the endpoint; returns its `webhook-id`. */
  sendTestWebhookEvent: Scalars['String']['output'];
  /** Stops push to this token (sign-out). Returns whether it was registered for the caller. */
  unregisterDevice: Scalars['Boolean']['output'];
  /**
   * Turns channels on or off per kind of message for the caller (customer tokens). `SECURITY`
   * messages are transactional and cannot be turned off (BAD_USER_INPUT).
   */
  updateNotificationPreferences: Array<NotificationPreference>;
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


export type MutationPurgeCustomerCacheArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRegisterDeviceArgs = {
  platform: DevicePlatform;
  token: Scalars['String']['input'];
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


export type MutationRevokePartnerTokenArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRotateWebhookEndpointSecretArgs = {
  id: Scalars['ID']['input'];
};


export type MutationSendTestWebhookEventArgs = {
  id: Scalars['ID']['input'];
};


export type MutationUnregisterDeviceArgs = {
  token: Scalars['String']['input'];
};


export type MutationUpdateNotificationPreferencesArgs = {
  input: Array<NotificationPreferenceInput>;
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
  /** The caller's notification preferences: per kind of message, which channels it is sent on. Customer tokens. */
  notificationPreferences: Array<NotificationPreference>;
  /** Every partner token ever minted (never the tokens themselves). Admins only. */
  partnerTokens: Array<PartnerToken>;
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


export type QueryAuditLogArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  customerId?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryAutomationRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  automation?: InputMaybe<Scalars['String']['input']>;
  customerId?: InputMaybe<Scalars['ID']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  status?: InputMaybe<AutomationRunStatus>;
};


export type QueryFailedAutomationRunsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryFailedEventsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  system?: InputMaybe<EventSystem>;
};


export type QueryFailedReplicaJobsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};


export type QueryFailedWebhookDeliveriesArgs = {
  endpointId: Scalars['ID']['input'];
};


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



export type ResolverTypeWrapper<T> = Promise<T> | T;


export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = {}, TContext = {}, TArgs = {}> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = {}, TContext = {}, TArgs = {}> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = {}, TContext = {}> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = {}, TContext = {}> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = {}, TParent = {}, TContext = {}, TArgs = {}> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  AdminPageInfo: ResolverTypeWrapper<AdminPageInfo>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  AuditActor: ResolverTypeWrapper<AuditActor>;
  AuditActorKind: AuditActorKind;
  AuditEntry: ResolverTypeWrapper<AuditEntry>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  AuditEntryConnection: ResolverTypeWrapper<AuditEntryConnection>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  AuditOutcome: AuditOutcome;
  AutomationHealth: ResolverTypeWrapper<AutomationHealth>;
  AutomationRun: ResolverTypeWrapper<AutomationRun>;
  AutomationRunConnection: ResolverTypeWrapper<AutomationRunConnection>;
  AutomationRunStatus: AutomationRunStatus;
  AutomationRunStep: ResolverTypeWrapper<AutomationRunStep>;
  AutomationStepOutcome: AutomationStepOutcome;
  AutomationTrigger: ResolverTypeWrapper<AutomationTrigger>;
  CircuitHealth: ResolverTypeWrapper<CircuitHealth>;
  CircuitState: CircuitState;
  CreatePartnerTokenInput: CreatePartnerTokenInput;
  CreateWebhookEndpointInput: CreateWebhookEndpointInput;
  CreatedPartnerToken: ResolverTypeWrapper<Omit<CreatedPartnerToken, 'partnerToken'> & { partnerToken: ResolversTypes['PartnerToken'] }>;
  CreatedWebhookEndpoint: ResolverTypeWrapper<CreatedWebhookEndpoint>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  DevicePlatform: DevicePlatform;
  EventSystem: EventSystem;
  FailedAutomationRun: ResolverTypeWrapper<FailedAutomationRun>;
  FailedAutomationRunConnection: ResolverTypeWrapper<FailedAutomationRunConnection>;
  FailedEvent: ResolverTypeWrapper<FailedEvent>;
  FailedEventConnection: ResolverTypeWrapper<FailedEventConnection>;
  FailedReplicaJob: ResolverTypeWrapper<FailedReplicaJob>;
  FailedReplicaJobConnection: ResolverTypeWrapper<FailedReplicaJobConnection>;
  FailedWebhookDelivery: ResolverTypeWrapper<FailedWebhookDelivery>;
  IntegrationHealth: ResolverTypeWrapper<IntegrationHealth>;
  Mutation: ResolverTypeWrapper<{}>;
  NotificationChannel: NotificationChannel;
  NotificationKind: NotificationKind;
  NotificationPreference: ResolverTypeWrapper<NotificationPreference>;
  NotificationPreferenceInput: NotificationPreferenceInput;
  PartnerToken: ResolverTypeWrapper<PartnerRecord>;
  Query: ResolverTypeWrapper<{}>;
  QueueHealth: ResolverTypeWrapper<QueueHealth>;
  Float: ResolverTypeWrapper<Scalars['Float']['output']>;
  Reconciliation: ResolverTypeWrapper<Reconciliation>;
  ReconciliationField: ResolverTypeWrapper<ReconciliationField>;
  ReplayStatus: ReplayStatus;
  ReplayedEvent: ResolverTypeWrapper<ReplayedEvent>;
  WebhookDeliveryAttempt: ResolverTypeWrapper<WebhookDeliveryAttempt>;
  WebhookDisabledReason: WebhookDisabledReason;
  WebhookEndpoint: ResolverTypeWrapper<WebhookEndpoint>;
  WebhookEndpointStatus: WebhookEndpointStatus;
  WebhookEventType: ResolverTypeWrapper<WebhookEventType>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  AdminPageInfo: AdminPageInfo;
  String: Scalars['String']['output'];
  Boolean: Scalars['Boolean']['output'];
  AuditActor: AuditActor;
  AuditEntry: AuditEntry;
  ID: Scalars['ID']['output'];
  AuditEntryConnection: AuditEntryConnection;
  Int: Scalars['Int']['output'];
  AutomationHealth: AutomationHealth;
  AutomationRun: AutomationRun;
  AutomationRunConnection: AutomationRunConnection;
  AutomationRunStep: AutomationRunStep;
  AutomationTrigger: AutomationTrigger;
  CircuitHealth: CircuitHealth;
  CreatePartnerTokenInput: CreatePartnerTokenInput;
  CreateWebhookEndpointInput: CreateWebhookEndpointInput;
  CreatedPartnerToken: Omit<CreatedPartnerToken, 'partnerToken'> & { partnerToken: ResolversParentTypes['PartnerToken'] };
  CreatedWebhookEndpoint: CreatedWebhookEndpoint;
  DateTime: Scalars['DateTime']['output'];
  FailedAutomationRun: FailedAutomationRun;
  FailedAutomationRunConnection: FailedAutomationRunConnection;
  FailedEvent: FailedEvent;
  FailedEventConnection: FailedEventConnection;
  FailedReplicaJob: FailedReplicaJob;
  FailedReplicaJobConnection: FailedReplicaJobConnection;
  FailedWebhookDelivery: FailedWebhookDelivery;
  IntegrationHealth: IntegrationHealth;
  Mutation: {};
  NotificationPreference: NotificationPreference;
  NotificationPreferenceInput: NotificationPreferenceInput;
  PartnerToken: PartnerRecord;
  Query: {};
  QueueHealth: QueueHealth;
  Float: Scalars['Float']['output'];
  Reconciliation: Reconciliation;
  ReconciliationField: ReconciliationField;
  ReplayedEvent: ReplayedEvent;
  WebhookDeliveryAttempt: WebhookDeliveryAttempt;
  WebhookEndpoint: WebhookEndpoint;
  WebhookEventType: WebhookEventType;
};

export type AdminPageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AdminPageInfo'] = ResolversParentTypes['AdminPageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AuditActorResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AuditActor'] = ResolversParentTypes['AuditActor']> = {
  kind?: Resolver<ResolversTypes['AuditActorKind'], ParentType, ContextType>;
  partnerId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  roles?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  scopes?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  subject?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AuditEntryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AuditEntry'] = ResolversParentTypes['AuditEntry']> = {
  action?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  actor?: Resolver<ResolversTypes['AuditActor'], ParentType, ContextType>;
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  customerId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  customerIds?: Resolver<Array<ResolversTypes['ID']>, ParentType, ContextType>;
  detail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  fields?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  hash?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  operation?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['AuditOutcome'], ParentType, ContextType>;
  prevHash?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  requestId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  systems?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AuditEntryConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AuditEntryConnection'] = ResolversParentTypes['AuditEntryConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['AuditEntry']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['AdminPageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AutomationHealthResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AutomationHealth'] = ResolversParentTypes['AutomationHealth']> = {
  builtIn?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  enabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  steps?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  trigger?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AutomationRunResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AutomationRun'] = ResolversParentTypes['AutomationRun']> = {
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  automation?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  customerId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  dryRun?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  durationMs?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastError?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  queuedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  startedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['AutomationRunStatus'], ParentType, ContextType>;
  steps?: Resolver<Array<ResolversTypes['AutomationRunStep']>, ParentType, ContextType>;
  traceId?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  trigger?: Resolver<ResolversTypes['AutomationTrigger'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AutomationRunConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AutomationRunConnection'] = ResolversParentTypes['AutomationRunConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['AutomationRun']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['AdminPageInfo'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AutomationRunStepResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AutomationRunStep'] = ResolversParentTypes['AutomationRunStep']> = {
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  durationMs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  outcome?: Resolver<ResolversTypes['AutomationStepOutcome'], ParentType, ContextType>;
  wouldCall?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type AutomationTriggerResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['AutomationTrigger'] = ResolversParentTypes['AutomationTrigger']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  eventId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CircuitHealthResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CircuitHealth'] = ResolversParentTypes['CircuitHealth']> = {
  state?: Resolver<ResolversTypes['CircuitState'], ParentType, ContextType>;
  system?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CreatedPartnerTokenResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CreatedPartnerToken'] = ResolversParentTypes['CreatedPartnerToken']> = {
  partnerToken?: Resolver<ResolversTypes['PartnerToken'], ParentType, ContextType>;
  token?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CreatedWebhookEndpointResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CreatedWebhookEndpoint'] = ResolversParentTypes['CreatedWebhookEndpoint']> = {
  endpoint?: Resolver<ResolversTypes['WebhookEndpoint'], ParentType, ContextType>;
  secret?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type FailedAutomationRunResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['FailedAutomationRun'] = ResolversParentTypes['FailedAutomationRun']> = {
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  automation?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  customerId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  eventId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  eventType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  failedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastError?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  queuedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  stepsDone?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FailedAutomationRunConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['FailedAutomationRunConnection'] = ResolversParentTypes['FailedAutomationRunConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['FailedAutomationRun']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['AdminPageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FailedEventResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['FailedEvent'] = ResolversParentTypes['FailedEvent']> = {
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  eventId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  failedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastError?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  receivedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  system?: Resolver<ResolversTypes['EventSystem'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FailedEventConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['FailedEventConnection'] = ResolversParentTypes['FailedEventConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['FailedEvent']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['AdminPageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FailedReplicaJobResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['FailedReplicaJob'] = ResolversParentTypes['FailedReplicaJob']> = {
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  customerId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  failedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastError?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  queuedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  system?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FailedReplicaJobConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['FailedReplicaJobConnection'] = ResolversParentTypes['FailedReplicaJobConnection']> = {
  nodes?: Resolver<Array<ResolversTypes['FailedReplicaJob']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['AdminPageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type FailedWebhookDeliveryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['FailedWebhookDelivery'] = ResolversParentTypes['FailedWebhookDelivery']> = {
  attempts?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  eventType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  lastError?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  messageId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type IntegrationHealthResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['IntegrationHealth'] = ResolversParentTypes['IntegrationHealth']> = {
  automations?: Resolver<Array<ResolversTypes['AutomationHealth']>, ParentType, ContextType>;
  circuits?: Resolver<Array<ResolversTypes['CircuitHealth']>, ParentType, ContextType>;
  lastReconciliation?: Resolver<Maybe<ResolversTypes['Reconciliation']>, ParentType, ContextType>;
  queues?: Resolver<Array<ResolversTypes['QueueHealth']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  createPartnerToken?: Resolver<ResolversTypes['CreatedPartnerToken'], ParentType, ContextType, RequireFields<MutationCreatePartnerTokenArgs, 'input'>>;
  createWebhookEndpoint?: Resolver<ResolversTypes['CreatedWebhookEndpoint'], ParentType, ContextType, RequireFields<MutationCreateWebhookEndpointArgs, 'input'>>;
  disableWebhookEndpoint?: Resolver<ResolversTypes['WebhookEndpoint'], ParentType, ContextType, RequireFields<MutationDisableWebhookEndpointArgs, 'id'>>;
  enableWebhookEndpoint?: Resolver<ResolversTypes['WebhookEndpoint'], ParentType, ContextType, RequireFields<MutationEnableWebhookEndpointArgs, 'id'>>;
  purgeCustomerCache?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationPurgeCustomerCacheArgs, 'id'>>;
  registerDevice?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationRegisterDeviceArgs, 'platform' | 'token'>>;
  replayAutomationRun?: Resolver<ResolversTypes['ReplayedEvent'], ParentType, ContextType, RequireFields<MutationReplayAutomationRunArgs, 'id'>>;
  replayFailedEvent?: Resolver<ResolversTypes['ReplayedEvent'], ParentType, ContextType, RequireFields<MutationReplayFailedEventArgs, 'id'>>;
  replayReplicaJob?: Resolver<ResolversTypes['ReplayedEvent'], ParentType, ContextType, RequireFields<MutationReplayReplicaJobArgs, 'id'>>;
  replayWebhookDeliveries?: Resolver<ResolversTypes['Int'], ParentType, ContextType, RequireFields<MutationReplayWebhookDeliveriesArgs, 'endpointId'>>;
  revokePartnerToken?: Resolver<Maybe<ResolversTypes['PartnerToken']>, ParentType, ContextType, RequireFields<MutationRevokePartnerTokenArgs, 'id'>>;
  rotateWebhookEndpointSecret?: Resolver<ResolversTypes['CreatedWebhookEndpoint'], ParentType, ContextType, RequireFields<MutationRotateWebhookEndpointSecretArgs, 'id'>>;
  sendTestWebhookEvent?: Resolver<ResolversTypes['String'], ParentType, ContextType, RequireFields<MutationSendTestWebhookEventArgs, 'id'>>;
  unregisterDevice?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType, RequireFields<MutationUnregisterDeviceArgs, 'token'>>;
  updateNotificationPreferences?: Resolver<Array<ResolversTypes['NotificationPreference']>, ParentType, ContextType, RequireFields<MutationUpdateNotificationPreferencesArgs, 'input'>>;
};

export type NotificationPreferenceResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['NotificationPreference'] = ResolversParentTypes['NotificationPreference']> = {
  channel?: Resolver<ResolversTypes['NotificationChannel'], ParentType, ContextType>;
  enabled?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  kind?: Resolver<ResolversTypes['NotificationKind'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PartnerTokenResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PartnerToken'] = ResolversParentTypes['PartnerToken']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  customerIds?: Resolver<Maybe<Array<ResolversTypes['ID']>>, ParentType, ContextType>;
  expiresAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastUsedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  operations?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  revokedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  auditLog?: Resolver<ResolversTypes['AuditEntryConnection'], ParentType, ContextType, RequireFields<QueryAuditLogArgs, 'first'>>;
  automationRuns?: Resolver<ResolversTypes['AutomationRunConnection'], ParentType, ContextType, RequireFields<QueryAutomationRunsArgs, 'first'>>;
  failedAutomationRuns?: Resolver<ResolversTypes['FailedAutomationRunConnection'], ParentType, ContextType, RequireFields<QueryFailedAutomationRunsArgs, 'first'>>;
  failedEvents?: Resolver<ResolversTypes['FailedEventConnection'], ParentType, ContextType, RequireFields<QueryFailedEventsArgs, 'first'>>;
  failedReplicaJobs?: Resolver<ResolversTypes['FailedReplicaJobConnection'], ParentType, ContextType, RequireFields<QueryFailedReplicaJobsArgs, 'first'>>;
  failedWebhookDeliveries?: Resolver<Array<ResolversTypes['FailedWebhookDelivery']>, ParentType, ContextType, RequireFields<QueryFailedWebhookDeliveriesArgs, 'endpointId'>>;
  integrationHealth?: Resolver<ResolversTypes['IntegrationHealth'], ParentType, ContextType>;
  notificationPreferences?: Resolver<Array<ResolversTypes['NotificationPreference']>, ParentType, ContextType>;
  partnerTokens?: Resolver<Array<ResolversTypes['PartnerToken']>, ParentType, ContextType>;
  webhookDeliveries?: Resolver<Array<ResolversTypes['WebhookDeliveryAttempt']>, ParentType, ContextType, RequireFields<QueryWebhookDeliveriesArgs, 'endpointId' | 'first'>>;
  webhookEndpoints?: Resolver<Array<ResolversTypes['WebhookEndpoint']>, ParentType, ContextType>;
  webhookEventTypes?: Resolver<Array<ResolversTypes['WebhookEventType']>, ParentType, ContextType>;
};

export type QueueHealthResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['QueueHealth'] = ResolversParentTypes['QueueHealth']> = {
  active?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  available?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  deadLettered?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  failed?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  oldestWaitingSeconds?: Resolver<ResolversTypes['Float'], ParentType, ContextType>;
  waiting?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ReconciliationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Reconciliation'] = ResolversParentTypes['Reconciliation']> = {
  customersChecked?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  errors?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  fields?: Resolver<Array<ResolversTypes['ReconciliationField']>, ParentType, ContextType>;
  finishedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  startedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ReconciliationFieldResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ReconciliationField'] = ResolversParentTypes['ReconciliationField']> = {
  drift?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  field?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  repaired?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  system?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type ReplayedEventResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['ReplayedEvent'] = ResolversParentTypes['ReplayedEvent']> = {
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['ReplayStatus'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type WebhookDeliveryAttemptResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['WebhookDeliveryAttempt'] = ResolversParentTypes['WebhookDeliveryAttempt']> = {
  at?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  attempt?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  delivered?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  durationMs?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  error?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  eventType?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  messageId?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  statusCode?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type WebhookEndpointResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['WebhookEndpoint'] = ResolversParentTypes['WebhookEndpoint']> = {
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  disabledReason?: Resolver<Maybe<ResolversTypes['WebhookDisabledReason']>, ParentType, ContextType>;
  eventTypes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  partnerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  status?: Resolver<ResolversTypes['WebhookEndpointStatus'], ParentType, ContextType>;
  url?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type WebhookEventTypeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['WebhookEventType'] = ResolversParentTypes['WebhookEventType']> = {
  description?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  scopes?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  AdminPageInfo?: AdminPageInfoResolvers<ContextType>;
  AuditActor?: AuditActorResolvers<ContextType>;
  AuditEntry?: AuditEntryResolvers<ContextType>;
  AuditEntryConnection?: AuditEntryConnectionResolvers<ContextType>;
  AutomationHealth?: AutomationHealthResolvers<ContextType>;
  AutomationRun?: AutomationRunResolvers<ContextType>;
  AutomationRunConnection?: AutomationRunConnectionResolvers<ContextType>;
  AutomationRunStep?: AutomationRunStepResolvers<ContextType>;
  AutomationTrigger?: AutomationTriggerResolvers<ContextType>;
  CircuitHealth?: CircuitHealthResolvers<ContextType>;
  CreatedPartnerToken?: CreatedPartnerTokenResolvers<ContextType>;
  CreatedWebhookEndpoint?: CreatedWebhookEndpointResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  FailedAutomationRun?: FailedAutomationRunResolvers<ContextType>;
  FailedAutomationRunConnection?: FailedAutomationRunConnectionResolvers<ContextType>;
  FailedEvent?: FailedEventResolvers<ContextType>;
  FailedEventConnection?: FailedEventConnectionResolvers<ContextType>;
  FailedReplicaJob?: FailedReplicaJobResolvers<ContextType>;
  FailedReplicaJobConnection?: FailedReplicaJobConnectionResolvers<ContextType>;
  FailedWebhookDelivery?: FailedWebhookDeliveryResolvers<ContextType>;
  IntegrationHealth?: IntegrationHealthResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  NotificationPreference?: NotificationPreferenceResolvers<ContextType>;
  PartnerToken?: PartnerTokenResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  QueueHealth?: QueueHealthResolvers<ContextType>;
  Reconciliation?: ReconciliationResolvers<ContextType>;
  ReconciliationField?: ReconciliationFieldResolvers<ContextType>;
  ReplayedEvent?: ReplayedEventResolvers<ContextType>;
  WebhookDeliveryAttempt?: WebhookDeliveryAttemptResolvers<ContextType>;
  WebhookEndpoint?: WebhookEndpointResolvers<ContextType>;
  WebhookEventType?: WebhookEventTypeResolvers<ContextType>;
};

