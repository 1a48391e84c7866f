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
import type { CrmVendor, Domain, Vendor, VendorOfDomain } from './types.js';

export type {
  BillingVendor,
  CrmVendor,
  Domain,
  FilesVendor,
  SupportVendor,
  Vendor,
  VendorDeps,
  VendorModule,
  VendorOfDomain,
} from './types.js';

/** Every vendor module, one line each. */
export const VENDORS: readonly Vendor[] = [hubspot, salesforce, stripe, zendesk, s3];

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

/** Every domain Portico joins, in the order upstreams are built. */
export const DOMAINS: readonly Domain[] = ['crm', 'billing', 'support', 'files'];

/**
 * The vendor module serving a domain: the CRM is configuration (CRM_VENDOR); every other domain
 * has one registered vendor for now.
 */
export function vendorOf<D extends Exclude<Domain, 'crm'>>(domain: D): VendorOfDomain[D];
export function vendorOf(domain: 'crm', config: Pick<Config, 'crm'>): CrmVendor;
export function vendorOf(domain: Domain, config?: Pick<Config, 'crm'>): Vendor {
  if (domain === 'crm') return crmVendor(config!.crm.vendor);
  const found = VENDORS.filter((v) => v.domain === domain);
  if (found.length !== 1)
    throw new Error(`${domain}: ${found.length} vendors are registered (${found.map((v) => v.name).join(', ')}); exactly one is supported`);
  return found[0];
}

/** The vendor module of every domain, by domain. */
export function domainVendors(config: Pick<Config, 'crm'>): VendorOfDomain {
  return { crm: vendorOf('crm', config), billing: vendorOf('billing'), support: vendorOf('support'), files: vendorOf('files') };
}

/** The vendors this deployment uses: one per domain (the CRM is CRM_VENDOR's). */
export function vendorsInUse(config: Pick<Config, 'crm'>): Vendor[] {
  return VENDORS.filter((v) => v.domain !== 'crm' || v.name === config.crm.vendor);
}
