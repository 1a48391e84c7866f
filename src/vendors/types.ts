/**
 * What a vendor module is: one folder under src/vendors/, one object exported from its index.ts,
 * one line in the registry (src/vendors/index.ts). The rest of Portico iterates over the registry
 * and speaks the domain ports (src/ports/), never a vendor.
 */
import type { LocalCaches } from '../platform/local-cache.js';
import type { SimCredentials, SimulatorDescriptor } from '../../sim/common.js';
import type { WebhookTargets } from '../../sim/webhooks.js';
import type { Config } from '../config/index.js';
import type { Section } from '../config/vars.js';
import type { BucketSpec } from '../platform/budget.js';
import type { CostTable } from '../guards/cost-model.js';
import type { HttpClient } from '../platform/http.js';
import type { Logger } from '../platform/logger.js';
import type { UpstreamPolicy } from '../platform/upstream.js';
import type { BillingPort } from '../ports/billing.js';
import type { CrmPort } from '../ports/crm.js';
import type { FilesPort } from '../ports/files.js';
import type { SupportPort } from '../ports/support.js';
import type { CrmChangeData, EventHandlerDeps, ReceivedEvent, WebhookRequest } from '../webhooks/types.js';

export type Domain = 'crm' | 'billing' | 'support' | 'files';

export interface VendorModule {
  /** The vendor's name: the budget keys' prefix, the audit's system name. */
  name: string;
  domain: Domain;
  /** Published limits per window, by `vendor` and `vendor.<class>` (platform/budget.ts); VENDOR_BUDGETS overrides. */
  budgets: Readonly<Record<string, BucketSpec>>;
  /**
   * Its cost weights: upstream calls per schema field as its connector makes them (batch sizes,
   * lookups), summed by the cost guard before execution (src/guards/cost.ts) for the vendors in use.
   */
  costs: CostTable;
  /**
   * Its variables (src/vendors/<vendor>/config.ts): which are secrets, which development values
   * production refuses; they build `config.<name>`.
   */
  settings?: Section;
  /** Its signed webhooks, received at POST /webhooks/<name> into the queue `webhooks-<name>`. */
  webhook?: WebhookReceiver;
  /** Its bundled simulator (development, tests, benchmarks). */
  simulator?: VendorSimulator;
}

/** A running simulator, as the vendor module points its config at it. */
export interface RunningSimulator {
  url: string;
  credentials: SimCredentials;
}

/**
 * A vendor's simulator (sim/<vendor>): how to load it, and how this vendor's config points at it.
 * SIMULATORS=true starts every registry module's simulator and applies `configure` and `webhooks`.
 */
export interface VendorSimulator {
  /** Loads sim/<vendor> by a dynamic import, so production never loads simulator code. */
  load(): Promise<SimulatorDescriptor>;
  /** This vendor's config section pointed at the simulator: its URL and development credentials. */
  configure(config: Readonly<Config>, sim: RunningSimulator): Partial<Config>;
  /** The same as environment variables, for a gateway started in another process (vendorEnv). */
  env(sim: RunningSimulator): Record<string, string>;
  /** Where the simulator sends its signed webhooks: this gateway's route, with the secret both know. */
  webhooks?(gatewayUrl: string, config: Readonly<Config>): WebhookTargets;
  /** A command that makes the simulator send a webhook, shown in the start-up banner. */
  demo?(config: Readonly<Config>): { what: string; command: string };
}

/**
 * A vendor's webhook receiver: the route verifies and parses a delivery, stores each event as a
 * job keyed by its event id, and a worker hands the job to `handle`. A vendor has either this or
 * a change feed (CrmVendor.changeFeed), not both: both would share the queue `webhooks-<name>`.
 */
export interface WebhookReceiver<T = unknown> {
  /** Checks the signature over the raw bytes with this deployment's secret(s); throws WebhookRejected. */
  verify(req: WebhookRequest, config: Readonly<Config>): void;
  /**
   * The events of a verified delivery: `key` the vendor's event id (the dedupe key), `type`, and
   * `data` what `handle` needs (the object and, when the event names one, its customer). Throws
   * WebhookRejected when the body is not the vendor's event shape.
   */
  parse(req: WebhookRequest): ReceivedEvent<T>[];
  /** Applies one stored event (a queue job, retried when it throws); returns what it did, for the log. */
  handle(event: T, deps: EventHandlerDeps): Promise<string>;
}

/** What a vendor module's connector factory is given (every domain alike). */
export interface VendorDeps {
  config: Readonly<Config>;
  /** The upstream policy of the domain (budget, deadline, retries, breaker). */
  policy: UpstreamPolicy;
  /** A REST client on that policy for `baseUrl` with fixed headers (closed with the upstreams). */
  http: (baseUrl: string, headers: Record<string, string>, opts?: VendorHttpOptions) => HttpClient;
  logger: Logger;
  /** The app's byte-bounded in-process caches (a connector's own memo goes here, reported in /metrics). */
  caches: LocalCaches;
}

export interface VendorHttpOptions {
  /** Response headers that carry the requests left in the vendor's window; they keep the shared budget honest. @default none */
  rateHeaders?: readonly string[];
}

export type CrmDeps = VendorDeps;

/** What a CRM's change feed needs: where its position is kept, and where changes go. */
export interface ChangeFeedDeps {
  cursor: { get(): Promise<string | null>; set(v: string): Promise<void> };
  /** Stores one change durably (a queue job keyed by its event id); resolves once stored. */
  emit: (change: CrmChangeData) => Promise<void>;
  logger: Logger;
}

export interface CrmVendor extends VendorModule {
  domain: 'crm';
  /**
   * A CRM without signed webhooks (a REST API with no contact webhooks): polls its changes, to be run every
   * `intervalS(config)` seconds; `crm` is what this module's `createCrm` returned.
   */
  changeFeed?: {
    intervalS: (config: Readonly<Config>) => number;
    create: (crm: CrmPort, deps: ChangeFeedDeps) => { pollOnce(): Promise<number> };
  };
  createCrm: (deps: CrmDeps) => CrmPort & { close?(): Promise<void> };
}

/** A port as a factory returns it: some hold a client to close when the upstreams close. */
type Closable<P> = P & { close?(): void | Promise<void> };

export interface BillingVendor extends VendorModule {
  domain: 'billing';
  createBilling: (deps: VendorDeps) => Closable<BillingPort>;
}

export interface SupportVendor extends VendorModule {
  domain: 'support';
  createSupport: (deps: VendorDeps) => Closable<SupportPort>;
}

export interface FilesVendor extends VendorModule {
  domain: 'files';
  createFiles: (deps: VendorDeps) => Closable<FilesPort>;
}

/** Any vendor module, by its domain. */
export type Vendor = CrmVendor | BillingVendor | SupportVendor | FilesVendor;

/** The module type of each domain. */
export interface VendorOfDomain {
  crm: CrmVendor;
  billing: BillingVendor;
  support: SupportVendor;
  files: FilesVendor;
}
