/**
 * `defineConfig` for portico.config.ts: the structured settings, typed (vendors per domain, budgets,
 * cache TTLs, limits and rate limits per principal kind, upstream policy). Environment variables
 * override its keys; secrets and per-deployment values stay in the environment.
 *
 *   import { defineConfig } from './src/config/define.js';
 *   export default defineConfig({ limits: { partner: { cost: 200 } } });
 */
import type { PorticoConfig } from './file.js';

export type { PorticoConfig } from './file.js';
/** For `automations: [...]` in portico.config.ts (docs/automations.md). */
export { defineAutomation, stop } from '../automations/types.js';

/** The identity, for the types: the file is checked at start-up by the same models as the variables. */
export function defineConfig(config: PorticoConfig): PorticoConfig {
  return config;
}
