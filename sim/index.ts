/**
 * Bundled upstream simulators: the simulator of every registry vendor that has one (sim/<vendor>,
 * loaded through src/vendors), on loopback, seeded with the same linked customers, with fault knobs
 * and per-route request counters for tests and benchmarks.
 */
import { VENDORS } from '../src/vendors/index.js';
import {
  createRoundTrips,
  type RoundTrips,
  type SimCredentials,
  type SimHooks,
  type SimOptions,
  type SimServer,
  type SimSystem,
  type SimulatorDescriptor,
  type Stats,
  type FaultOptions,
} from './common.js';
import { seed, type SeedData } from './seed.js';
import { createWebhookSender, type WebhookSender } from './webhooks.js';

export type { FaultOptions, RoundTrips, SimCredentials, SimOptions, SimSystem, Stats } from './common.js';
export type { SeedCustomer, SeedData } from './seed.js';
export type { Delivery, WebhookSender, WebhookTargets } from './webhooks.js';

/** The simulator of every registry module that has one, in registry order. */
export const SIMULATORS: readonly SimulatorDescriptor[] = await Promise.all(
  VENDORS.flatMap((v) => (v.simulator ? [v.simulator.load()] : [])),
);

export interface Simulators extends SimHooks {
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
  close(): Promise<void>;
}

/** Simulator credentials: test values, valid only against these local servers (each simulator's, merged). */
export const DEFAULT_SIM_CREDENTIALS: SimCredentials = Object.freeze(
  Object.assign({}, ...SIMULATORS.map((d) => d.credentials)) as SimCredentials,
);

/** The environment that points Portico's connectors at these simulators, as a user points them at the vendors. */
export function vendorEnv(sims: Pick<Simulators, 'urls' | 'credentials'>): Record<string, string> {
  const env: Record<string, string> = { SIMULATORS: 'false' };
  for (const v of VENDORS)
    if (v.simulator) Object.assign(env, v.simulator.env({ url: sims.urls[v.name as SimSystem], credentials: sims.credentials }));
  return env;
}

export async function startSimulators(opts: SimOptions = {}): Promise<Simulators> {
  const host = opts.host ?? '127.0.0.1';
  const data = seed(opts.customers ?? 500, opts.seed ?? 42);
  const webhooks = createWebhookSender({ timeScale: opts.webhookTimeScale });
  const settled = await Promise.allSettled(
    SIMULATORS.map((d) => d.start({ host, port: opts.ports?.[d.name] ?? 0, data, faults: opts.faults?.[d.name], webhooks, options: opts })),
  );
  const failed = settled.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (failed) {
    // One did not start (e.g. its port is taken): stop the others before reporting it.
    await Promise.all(settled.map((r) => (r.status === 'fulfilled' ? r.value.close() : Promise.resolve())));
    throw failed.reason;
  }
  const servers = Object.fromEntries(SIMULATORS.map((d, i) => [d.name, (settled[i] as PromiseFulfilledResult<SimServer>).value])) as Record<
    SimSystem,
    SimServer
  >;
  const systems = SIMULATORS.map((d) => d.name);
  const trips: RoundTrips = createRoundTrips();
  for (const s of systems) servers[s].setRoundTrips(trips);
  const hooks = Object.fromEntries(SIMULATORS.flatMap((d) => (d.hooks ? [[d.name, d.hooks(servers[d.name])]] : []))) as unknown as SimHooks;
  return {
    ...hooks,
    urls: Object.fromEntries(systems.map((s) => [s, servers[s].url])) as Record<SimSystem, string>,
    credentials: DEFAULT_SIM_CREDENTIALS,
    data,
    stats: (s) => servers[s].stats(),
    resetStats: () => {
      systems.forEach((s) => servers[s].resetStats());
      trips.reset();
    },
    roundTrips: () => trips.max,
    setFaults: (s, faults) => servers[s].setFaults(faults),
    webhooks,
    close: async () => {
      webhooks.close();
      await Promise.all(systems.map((s) => servers[s].close()));
    },
  };
}
