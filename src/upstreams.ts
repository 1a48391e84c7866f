/**
 * The upstreams: one port per domain, built by the vendor module that serves it (the registry,
 * src/vendors/index.ts), each on the shared upstream policy (platform/upstream.ts) with its own
 * breaker and the vendor's budget.
 */
import { createLocalCaches, type LocalCaches } from './platform/local-cache.js';
import type { Config } from './config/index.js';
import { createBreaker, type Breaker } from './platform/breaker.js';
import { createMemoryBudgetStore, createVendorBudget, parseBudgets, type BudgetStore } from './platform/budget.js';
import { createHttpClient, type HttpClient } from './platform/http.js';
import type { Logger } from './platform/logger.js';
import type { Metrics } from './platform/metrics.js';
import { createUpstreamPolicy } from './platform/upstream.js';
import type { BillingPort } from './ports/billing.js';
import type { CrmPort } from './ports/crm.js';
import type { FilesPort } from './ports/files.js';
import type { SupportPort } from './ports/support.js';
import {
  DOMAINS,
  domainVendors,
  publishedBudgets,
  type CrmVendor,
  type Domain,
  type VendorDeps,
  type VendorOfDomain,
} from './vendors/index.js';

export interface Upstreams {
  crm: CrmPort;
  billing: BillingPort;
  support: SupportPort;
  files: FilesPort;
  /** The vendor module serving each domain: its `name` is the audit's system and the breaker's key. */
  vendors: VendorOfDomain;
  /** The CRM's vendor module (CRM_VENDOR). */
  crmVendor: CrmVendor;
  /** Circuit breaker per system, by vendor name (integrationHealth). */
  breakers: Readonly<Record<string, Breaker>>;
  close(): Promise<void>;
}

/** Each domain's port, from its vendor module, on the shared upstream policy. */
export function createUpstreams(
  config: Readonly<Config>,
  logger: Logger,
  metrics?: Metrics,
  budgets: BudgetStore = createMemoryBudgetStore(),
  caches: LocalCaches = createLocalCaches(),
): Upstreams {
  const { upstream } = config;
  const vendors = domainVendors(config);
  const breakerGauge = (system: string, state: string) => metrics?.breakerOpen.set({ system }, state === 'closed' ? 0 : 1);
  for (const d of DOMAINS) breakerGauge(d, 'closed');
  const specs = { ...publishedBudgets(), ...parseBudgets(upstream.vendorBudgets ?? '') };
  const breakers = Object.fromEntries(
    DOMAINS.map((d) => [
      d,
      createBreaker(d, { volumeThreshold: upstream.breakerVolume, resetMs: upstream.breakerResetMs, logger, onStateChange: breakerGauge }),
    ]),
  ) as Record<Domain, Breaker>;
  const httpClients: HttpClient[] = [];
  const deps = (domain: Domain): VendorDeps => {
    const policy = createUpstreamPolicy({
      system: domain,
      timeoutMs: upstream.timeoutMs,
      retries: upstream.retries,
      retryRatio: upstream.retryBudget,
      breaker: breakers[domain],
      budget: createVendorBudget({ store: budgets, prefix: config.keyPrefix, vendor: vendors[domain].name, specs }),
      logger,
      onAttempt: (route, status) => metrics?.upstreamCalls.inc({ system: domain, route, status }),
    });
    return {
      config,
      policy,
      http: (baseUrl, headers, opts) => {
        const client = createHttpClient({ system: domain, baseUrl, headers, policy, rateHeaders: opts?.rateHeaders });
        httpClients.push(client);
        return client;
      },
      logger,
      caches,
    };
  };
  const files = vendors.files.createFiles(deps('files'));
  const crm = vendors.crm.createCrm(deps('crm'));
  const support = vendors.support.createSupport(deps('support'));
  const billing = vendors.billing.createBilling(deps('billing'));
  return {
    crm,
    billing,
    support,
    files,
    vendors,
    crmVendor: vendors.crm,
    breakers: Object.fromEntries(DOMAINS.map((d) => [vendors[d].name, breakers[d]])),
    async close() {
      await crm.close?.();
      await Promise.all(httpClients.map((c) => c.close()));
      for (const port of [billing, support, files]) await port.close?.();
      for (const b of Object.values(breakers)) b.shutdown();
    },
  };
}
