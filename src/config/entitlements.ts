/**
 * Entitlements (`Customer.entitlements`): what each billing plan unlocks. The plan is the billing
 * system's plan name (its price nickname or lookup key, as `Billing.subscription.plan` shows it).
 */
import { z } from 'zod';
import { section } from './vars.js';

export interface EntitlementsConfig {
  entitlements: {
    /** Plan name -> the features it unlocks. A plan not listed unlocks none. */
    plans: Readonly<Record<string, readonly string[]>>;
  };
}

/** A feature name: lower-case letters, digits, `-`, `_`, `.` and `:`, e.g. `exports` or `api:write`. */
export const FEATURE = /^[a-z0-9][a-z0-9_.:-]{0,63}$/;

/** `plan=feature,feature;plan=...` -> the map (the file layer writes the same text from `entitlements.plans`). */
export function parseEntitlementPlans(text: string): Record<string, string[]> {
  // fromEntries defines own properties: a plan named like an Object.prototype key stays a plan.
  return Object.fromEntries(
    text
      .split(';')
      .filter((p) => p.trim())
      .map((part) => {
        const eq = part.indexOf('=');
        const features = part
          .slice(eq + 1)
          .split(',')
          .map((f) => f.trim())
          .filter(Boolean);
        return [part.slice(0, eq).trim(), features];
      }),
  );
}

const PLAN = '[^;=,]+';
const FEATURES = '(\\s*[a-z0-9][a-z0-9_.:-]{0,63}\\s*)(,\\s*[a-z0-9][a-z0-9_.:-]{0,63}\\s*)*';

export const entitlements = section({
  vars: {
    ENTITLEMENT_PLANS: {
      schema: z
        .string()
        .regex(
          new RegExp(`^\\s*(${PLAN}=(${FEATURES})?)?(\\s*;\\s*${PLAN}=(${FEATURES})?)*\\s*;?\\s*$`),
          'must be plan=feature,feature pairs separated by ";" (features: lower-case letters, digits, - _ . :)',
        )
        .prefault(''),
      example: 'Starter Monthly=portal;Pro Monthly=portal,exports,api',
      doc: 'The features each billing plan unlocks in `me { entitlements { features } }` (docs/automations.md#entitlements): `plan=feature,...` separated by `;`, the plan as the billing system names it (`Billing.subscription.plan`). A plan not listed unlocks no feature; an inactive subscription none. In `portico.config.ts`: `entitlements: { plans: { "Pro Monthly": ["portal", "exports"] } }`.',
      // The simulator's seeded plans.
      dev: 'Starter Monthly=portal;Pro Monthly=portal,exports,api;Pro Yearly=portal,exports,api;Enterprise Monthly=portal,exports,api,sso,audit-export',
    },
  },
  build: (v): EntitlementsConfig => ({ entitlements: { plans: parseEntitlementPlans(v.ENTITLEMENT_PLANS) } }),
});
