/**
 * What the receivers, the handlers and the composition root share.
 */
import type { CacheType } from '../config/index.js';
import type { EntityCache } from '../platform/cache.js';
import type { Logger } from '../platform/logger.js';
import type { BillingPort as BillingConnector } from '../ports/billing.js';
import type { CrmPort as CrmConnector } from '../ports/crm.js';
import type { DomainEvent } from '../ports/events.js';
import type { SupportPort as SupportConnector } from '../ports/support.js';
import { VENDORS, type Vendor } from '../vendors/index.js';

/** A vendor with an event queue (`webhooks-<name>`): a registry module name from EVENT_SYSTEMS. */
export type EventSystem = string;
/** A vendor whose signed webhooks Portico receives: a registry module name from WEBHOOK_SYSTEMS. */
export type WebhookSystem = string;

/** The registry modules with an event queue: signed webhooks, or a change feed (a CRM without webhooks). */
export const EVENT_VENDORS: readonly Vendor[] = VENDORS.filter((v) => v.webhook || ('changeFeed' in v && v.changeFeed));
/** Vendors whose signed webhooks Portico receives (POST /webhooks/<system>), in registry order. */
export const WEBHOOK_SYSTEMS: readonly WebhookSystem[] = VENDORS.filter((v) => v.webhook).map((v) => v.name);
/** Every event queue: the webhook vendors and the CRMs whose changes are polled, in registry order. */
export const EVENT_SYSTEMS: readonly EventSystem[] = EVENT_VENDORS.map((v) => v.name);

/** A CRM contact changed, as a change feed without webhooks reports it (a CrmVendor's changeFeed). */
export interface CrmChangeData {
  /** Stable per record version, so the same change polled twice collapses like a vendor event id. */
  eventId: string;
  customerId: string | null;
  kind: 'updated' | 'deleted';
  at: string;
}

/** One verified event, as stored in the queue: its dedupe key (the vendor's event id) and what the handler needs. */
export interface ReceivedEvent<T = unknown> {
  key: string;
  type: string;
  data: T;
}

/**
 * The internal change event published after an event is applied (Redis stream
 * `<prefix>:changes`), read by every instance for subscriptions (src/realtime). Published once per vendor event.
 */
export interface ChangeEvent {
  system: EventSystem;
  /** The vendor's event id. */
  eventId: string;
  /** The vendor's event type, e.g. `invoice.paid`. */
  type: string;
  /** What changed: `contact`, `customer`, `invoice`, `subscription`, `payment_method`, `ticket`, `user`. */
  object: string;
  objectId: string;
  /** The customer (CRM contact id) it belongs to, when known. */
  crmId: string | null;
  /** Cache records dropped, e.g. `billing.invoices`. */
  purged: string[];
  /**
   * Cache records the event path wrote through instead of dropping them (what it held, newer than
   * the cache's copy), e.g. `billing.account`: a push reading them is served from the cache.
   */
  refreshed?: string[];
}

/**
 * A link between a customer's ids in the systems, seen in an event (a Stripe customer with
 * `metadata.crm_contact_id`, a Zendesk user with an `external_id`, a HubSpot contact). The hook
 * point of the customer-links store: by default nothing listens.
 */
export interface CustomerLinkSeen {
  crmId: string;
  /** The billing system's id of the customer (customers/links.ts). */
  billingCustomerId?: string;
  /** The support system's user id of the customer. */
  supportUserId?: string;
  /** Where it was seen: `<vendor>:<event type>`, e.g. `<billing vendor>:customer.updated`. */
  source: string;
}

export interface EventHandlerDeps {
  crm: CrmConnector;
  billing: BillingConnector;
  support: SupportConnector;
  cache: EntityCache;
  /** Environment key prefix (REDIS_KEY_PREFIX). */
  prefix: string;
  /** Entity cache TTLs (CACHE_TTLS): what a record written through from the event path is kept. */
  ttl: Readonly<Record<CacheType, number>>;
  /** Publishes the change once per event id (idempotent). */
  publish(change: ChangeEvent): Promise<void>;
  onLinkSeen(link: CustomerLinkSeen): void | Promise<void>;
  /**
   * Stores the domain event of an applied vendor event (src/ports/events.ts) for the automations;
   * resolves once stored (a failure fails the job, which retries). Called after `publish`.
   */
  emit(event: DomainEvent): Promise<void>;
  /** Queues the replica updates of a contact whose owned fields changed (src/replicas); absent: nothing is propagated. */
  replicate?(crmId: string, changeKey: string): Promise<void>;
  /** Queues the CRM's copy of billing-owned fields (the billing country) of a changed billing customer; absent: nothing is propagated. */
  replicateBilling?(crmId: string, changeKey: string): Promise<void>;
  logger?: Logger;
}

/** A verified HTTP delivery: the events it carries (HubSpot batches several). */
export interface WebhookRequest {
  method: string;
  /** Path and query as received, e.g. `/webhooks/<vendor>`. */
  url: string;
  /** scheme://host[:port] the vendor called (PUBLIC_BASE_URL, or the request's own in development). */
  baseUrl: string;
  headers: Record<string, string | string[] | undefined>;
  body: Buffer;
  nowMs: number;
}
