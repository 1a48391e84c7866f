/**
 * The vendor registry: every vendor module, one line each. Config, budgets and the CRM in use
 * come from here (CRM_VENDOR picks the CRM); adding a vendor is one folder and one line
 * (docs/adding-a-vendor.md).
 */
import type { Config } from '../config/index.js';
import type { BucketSpec } from '../platform/budget.js';
import { hubspot } from './hubspot/index.js';
import { s3 } from './s3/index.js';
import { salesforce } from './salesforce/index.js';
import { stripe } from './stripe/index.js';
import { zendesk } from './zendesk/index.js';
import type { CrmVendor, VendorModule } from './types.js';

export type { CrmVendor, VendorModule } from './types.js';

/** Every vendor module, one line each. */
export const VENDORS: readonly (VendorModule | CrmVendor)[] = [hubspot, salesforce, stripe, zendesk, s3];

/** The CRMs Portico can use, by CRM_VENDOR value. */
export const CRM_VENDORS: Readonly<Record<string, CrmVendor>> = Object.fromEntries(
  VENDORS.filter((v): v is CrmVendor => v.domain === 'crm').map((v) => [v.name, v]),
);

/** Every vendor's published limits (override with VENDOR_BUDGETS). */
export function publishedBudgets(): Record<string, BucketSpec> {
  return Object.assign({}, ...VENDORS.map((v) => v.budgets)) as Record<string, BucketSpec>;
}

/** The CRM module CRM_VENDOR names. */
export function crmVendor(name: string): CrmVendor {
  const v = CRM_VENDORS[name];
  if (!v)
    throw new Error(
      `CRM_VENDOR=${name} is not a CRM Portico knows: use one of ${Object.keys(CRM_VENDORS).join(', ')}, e.g. CRM_VENDOR=hubspot`,
    );
  return v;
}

/** The vendors this deployment uses: one per domain (the CRM is CRM_VENDOR's). */
export function vendorsInUse(config: Pick<Config, 'crm'>): (VendorModule | CrmVendor)[] {
  return VENDORS.filter((v) => v.domain !== 'crm' || v.name === config.crm.vendor);
}
