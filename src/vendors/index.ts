/**
 * The vendor registry: every vendor module, one line each. Config, budgets and the CRM in use
 * come from here (CRM_VENDOR picks the CRM); adding a vendor is one folder and one line
 * (docs/adding-a-vendor.md).
 */
import type { BucketSpec } from '../platform/budget.js';
import { hubspot } from './hubspot/index.js';
import { salesforce } from './salesforce/index.js';
import type { CrmVendor, VendorModule } from './types.js';

export type { CrmVendor, VendorModule } from './types.js';

/** The CRMs Portico can use, by CRM_VENDOR value. */
export const CRM_VENDORS: Readonly<Record<string, CrmVendor>> = { hubspot, salesforce };

/** Billing, support and files have one vendor each so far (src/vendors/stripe, zendesk, s3). */
const OTHER_BUDGETS: Readonly<Record<string, BucketSpec>> = {
  // Stripe live mode: 100 read requests a second, Search 20 a second.
  stripe: { limit: 100, windowS: 1 },
  'stripe.search': { limit: 20, windowS: 1 },
  // Zendesk Enterprise: 700 requests a minute.
  zendesk: { limit: 700, windowS: 60 },
  // S3: 5,500 GET a second per prefix.
  s3: { limit: 5500, windowS: 1 },
};

export const VENDORS: readonly VendorModule[] = [...Object.values(CRM_VENDORS)];

/** Every vendor's published limits (override with VENDOR_BUDGETS). */
export function publishedBudgets(): Record<string, BucketSpec> {
  return Object.assign({}, OTHER_BUDGETS, ...VENDORS.map((v) => v.budgets)) as Record<string, BucketSpec>;
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
