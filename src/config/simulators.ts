/** The bundled upstream simulators (development): on when no real vendor is configured. */
import { bool, int, isDev, section } from './vars.js';
import { vendorVarsFlagged } from './vendors.js';

export interface SimulatorsConfig {
  simulators: { enabled: boolean; latencyMs: number };
}

export const simulators = section({
  vars: {
    SIMULATORS: {
      schema: bool,
      example: 'false',
      doc: 'Run against the bundled upstream simulators (started in-process). Default on outside production when no vendor is configured; refused in production.',
      derive: (env) => (isDev(env) && !vendorVarsFlagged('selectsRealVendor').some((name) => env[name]) ? 'true' : 'false'),
      refusedInProduction: {
        when: (on: boolean) => on,
        message: () =>
          `SIMULATORS=true is refused in production: configure the real vendors (${vendorVarsFlagged('credential').join(', ')}).`,
      },
    },
    SIM_LATENCY_MS: { schema: int(0, 60000).prefault('0'), example: '20', doc: 'Added latency of every simulated upstream call.' },
  },
  build: (v): SimulatorsConfig => ({ simulators: { enabled: v.SIMULATORS ?? false, latencyMs: v.SIM_LATENCY_MS } }),
});
