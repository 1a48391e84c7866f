/**
 * Bundled upstream simulators: HubSpot, Salesforce, Stripe, Zendesk and S3 on loopback, seeded with the same
 * linked customers, with fault knobs and per-route request counters for tests and benchmarks.
 */
import { createRoundTrips, type FaultOptions, type RoundTrips, type SimServer, type SimSystem, type Stats } from './common.js';
import { startHubSpotSim } from './hubspot/index.js';
import { S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY, startS3Sim } from './s3/index.js';
import { startSalesforceSim, type SalesforceSim } from './salesforce/index.js';
import { seed, type SeedData } from './seed.js';
import { startStripeSim } from './stripe/index.js';
import { startZendeskSim } from './zendesk/index.js';
import { createWebhookSender, type WebhookSender } from './webhooks.js';

export type { FaultOptions, RoundTrips, SimSystem, Stats } from './common.js';
export type { SeedCustomer, SeedData } from './seed.js';
export type { Delivery, WebhookSender, WebhookTargets } from './webhooks.js';

export interface SimOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 = a free port each. */
  ports?: Partial<Record<SimSystem, number>>;
  /** @default 500 */
  customers?: number;
  /** @default 42 */
  seed?: number;
  faults?: Partial<Record<SimSystem, FaultOptions>>;
  /** Where S3 objects live; default a fresh temp dir, removed on close. */
  s3Dir?: string;
  /** Factor on the vendors' webhook retry schedules (1 = real time). @default 0.001 */
  webhookTimeScale?: number;
}

export interface SimCredentials {
  hubspotToken: string;
  salesforceClientId: string;
  salesforceClientSecret: string;
  stripeSecretKey: string;
  zendeskEmail: string;
  zendeskApiToken: string;
  s3AccessKeyId: string;
  s3SecretAccessKey: string;
  s3Bucket: string;
  s3Region: string;
}

export interface Simulators {
  urls: Record<SimSystem, string>;
  credentials: SimCredentials;
  data: SeedData;
  stats(system: SimSystem): Stats;
  /** Reset with the stats. */
  resetStats(): void;
  /** Vendor round trips on the critical path since the last resetStats() (sim/common.ts). */
  roundTrips(): number;
  setFaults(system: SimSystem, faults: FaultOptions): void;
  /** Signed webhooks on every change; nothing is sent until `webhooks.configure(...)` names the URLs. */
  webhooks: WebhookSender;
  /** The Salesforce org's test hooks (its clock: Get Updated reports whole minutes). */
  salesforce: Pick<SalesforceSim, 'setNow' | 'contactId' | 'deleteContact'>;
  close(): Promise<void>;
}

/** Simulator credentials: test values, valid only against these local servers. */
export const DEFAULT_SIM_CREDENTIALS: SimCredentials = Object.freeze({
  hubspotToken: 'pat-sim-00000000-0000-0000-0000-000000000000',
  salesforceClientId: '3MVG9-portico-simulator-client',
  salesforceClientSecret: 'salesforce-sim-secret-0000000000',
  stripeSecretKey: 'sk_test_portico_simulator_0000000000',
  zendeskEmail: 'api@portico-sim.example.com',
  zendeskApiToken: 'zendesk-sim-token-0000000000',
  s3AccessKeyId: S3_ACCESS_KEY_ID,
  s3SecretAccessKey: S3_SECRET_ACCESS_KEY,
  s3Bucket: 'portico-files',
  s3Region: 'us-east-1',
});

/** The environment that points Portico's connectors at these simulators, as a user points them at the vendors. */
export function vendorEnv(sims: Pick<Simulators, 'urls' | 'credentials'>): Record<string, string> {
  const c = sims.credentials;
  return {
    SIMULATORS: 'false',
    HUBSPOT_BASE_URL: sims.urls.hubspot,
    HUBSPOT_ACCESS_TOKEN: c.hubspotToken,
    SALESFORCE_INSTANCE_URL: sims.urls.salesforce,
    SALESFORCE_TOKEN_URL: `${sims.urls.salesforce}/services/oauth2/token`,
    SALESFORCE_CLIENT_ID: c.salesforceClientId,
    SALESFORCE_CLIENT_SECRET: c.salesforceClientSecret,
    STRIPE_API_BASE: sims.urls.stripe,
    STRIPE_SECRET_KEY: c.stripeSecretKey,
    ZENDESK_BASE_URL: sims.urls.zendesk,
    ZENDESK_EMAIL: c.zendeskEmail,
    ZENDESK_API_TOKEN: c.zendeskApiToken,
    S3_BUCKET: c.s3Bucket,
    S3_REGION: c.s3Region,
    S3_ENDPOINT: sims.urls.s3,
    S3_FORCE_PATH_STYLE: 'true',
    S3_ACCESS_KEY_ID: c.s3AccessKeyId,
    S3_SECRET_ACCESS_KEY: c.s3SecretAccessKey,
  };
}

export async function startSimulators(opts: SimOptions = {}): Promise<Simulators> {
  const host = opts.host ?? '127.0.0.1';
  const c = DEFAULT_SIM_CREDENTIALS;
  const data = seed(opts.customers ?? 500, opts.seed ?? 42);
  const port = (s: SimSystem) => opts.ports?.[s] ?? 0;
  const f = opts.faults ?? {};
  const webhooks = createWebhookSender({ timeScale: opts.webhookTimeScale });
  const starting = {
    hubspot: startHubSpotSim({ host, port: port('hubspot'), data, token: c.hubspotToken, faults: f.hubspot, webhooks }),
    // The same people as HubSpot, under the same customer ids (Contact.Portico_Customer_Id__c).
    // Duplicate emails are blocked, as HubSpot refuses them, so both CRMs behave alike.
    salesforce: startSalesforceSim({
      host,
      port: port('salesforce'),
      data,
      clientId: c.salesforceClientId,
      clientSecret: c.salesforceClientSecret,
      faults: f.salesforce,
      blockDuplicateEmails: true,
    }),
    stripe: startStripeSim({ host, port: port('stripe'), data, secretKey: c.stripeSecretKey, faults: f.stripe, webhooks }),
    zendesk: startZendeskSim({
      host,
      port: port('zendesk'),
      data,
      email: c.zendeskEmail,
      apiToken: c.zendeskApiToken,
      faults: f.zendesk,
      webhooks,
    }),
    s3: startS3Sim({ host, port: port('s3'), data, dir: opts.s3Dir, faults: f.s3 }),
  };
  const settled = await Promise.allSettled(Object.values(starting));
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // One did not start (e.g. its port is taken): stop the others before reporting it.
    await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.close() : Promise.resolve())));
    throw failed.reason;
  }
  const servers = Object.fromEntries(
    Object.keys(starting).map((s, i) => [s, (settled[i] as PromiseFulfilledResult<SimServer>).value]),
  ) as Record<SimSystem, SimServer>;
  const systems = Object.keys(servers) as SimSystem[];
  const trips: RoundTrips = createRoundTrips();
  for (const s of systems) servers[s].setRoundTrips(trips);
  return {
    urls: Object.fromEntries(systems.map((s) => [s, servers[s].url])) as Record<SimSystem, string>,
    credentials: c,
    data,
    stats: (s) => servers[s].stats(),
    resetStats: () => {
      systems.forEach((s) => servers[s].resetStats());
      trips.reset();
    },
    roundTrips: () => trips.max,
    setFaults: (s, faults) => servers[s].setFaults(faults),
    webhooks,
    salesforce: servers.salesforce as SalesforceSim,
    close: async () => {
      webhooks.close();
      await Promise.all(systems.map((s) => servers[s].close()));
    },
  };
}
