/**
 * Which vendor serves each domain, and every vendor's own variables: each vendor module declares
 * them (src/vendors/<vendor>/config.ts, its `settings`), so adding a vendor to the registry adds
 * its variables without a change here.
 */
import { z } from 'zod';
import { VENDORS } from '../vendors/index.js';
import type { Domain, VendorModule } from '../vendors/types.js';
import { section, type Section } from './vars.js';

/**
 * Each vendor's part of `Config`, by vendor name (`config.<vendor>`). Every vendor's config.ts
 * adds its own entry (declaration merging), so this file names none.
 */
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface VendorConfigs {}

/** The vendors that declare variables, with their section. */
export function vendorSections(): { vendor: VendorModule; settings: Section }[] {
  return VENDORS.flatMap((vendor) => (vendor.settings ? [{ vendor, settings: vendor.settings }] : []));
}

const crmNames = VENDORS.filter((v) => v.domain === 'crm').map((v) => v.name) as [string, ...string[]];

/** Domains several vendors can serve, and the variable that picks one (the first in the registry by default). */
export const choice = section({
  vars: {
    CRM_VENDOR: {
      schema: z.enum(crmNames).prefault(crmNames[0]),
      example: crmNames[crmNames.length - 1],
      doc: `Which CRM serves contacts (src/vendors/<vendor>): its connector, limits and change feed; one of ${crmNames.join(', ')}. The schema and behaviour are the same with each.`,
    },
  },
  build: (v) => ({ crm: { vendor: v.CRM_VENDOR } }),
});

export interface ChoiceConfig {
  /** The CRM in use (CRM_VENDOR). */
  crm: { vendor: string };
}

/** Whether a vendor serves its domain in this configuration (the one picked, or the domain's only vendor). */
export function inUse(vendor: VendorModule, picked: Partial<Record<Domain, string>>): boolean {
  const name = picked[vendor.domain];
  return name === undefined || name === vendor.name;
}

/** Every vendor variable flagged `flag`, by name. */
export function vendorVarsFlagged(flag: 'credential' | 'selectsRealVendor'): string[] {
  return vendorSections().flatMap(({ settings }) => Object.entries(settings.vars).flatMap(([name, spec]) => (spec[flag] ? [name] : [])));
}
