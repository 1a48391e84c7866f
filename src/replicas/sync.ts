/**
 * Bringing one customer's replicas in step with the owner: read the owner's current value (never
 * a value carried in a job, so jobs that run out of order still converge), read the replica,
 * write only the fields that differ. Used by the replica jobs and by reconciliation alike.
 */
import { createHash } from 'node:crypto';
import {
  desiredCrmCopy,
  desiredReplica,
  driftedFields,
  suspendedReplicaFields,
  type BillingReplicaSystem,
  type OwnerBilling,
  type OwnerContact,
  type ReplicaSystem,
} from '../ownership.js';
import type { BillingPort } from '../ports/billing.js';
import type { CrmPort } from '../ports/crm.js';
import type { SupportPort } from '../ports/support.js';
import type { CustomerLinks } from '../customers/links.js';

export interface ReplicaUpstreams {
  crm: CrmPort;
  billing: BillingPort;
  support: SupportPort;
  /** The vendor module of each replica system: its name labels the jobs, locks and reports. */
  vendors: Readonly<Record<ReplicaSystem | BillingReplicaSystem, { readonly name: string }>>;
  /** Customer links: a linked billing customer is read directly, not searched, when one customer is synced. */
  links?: Pick<CustomerLinks, 'get'>;
}

export interface ReplicaCopy {
  /** The replica's id in its system (the billing customer id, the support user id). */
  id: string;
  fields: Record<string, string | null>;
  /** The billing system only: its values of the billing-owned fields the CRM copies, read in the same call. */
  owned?: OwnerBilling;
  /** Portico fields set in the replica system that make some replica fields its own (ownership `until`), e.g. `Billing.invoiceEmail`. */
  set?: ReadonlySet<string>;
}

/** The billing customer's own fields, as the ownership table's `until` names them. */
const billingSet = (c: { ownEmail: boolean }): ReadonlySet<string> => new Set(c.ownEmail ? ['Billing.invoiceEmail'] : []);

/**
 * The replica fields that differ from the owner's value, leaving out those the replica keeps as its
 * own now (the billing customer's email once an invoice email is set there).
 */
export function replicaDrift(system: ReplicaSystem, owner: OwnerContact, copy: ReplicaCopy): string[] {
  const own = suspendedReplicaFields(system, copy.set ?? new Set());
  return driftedFields(desiredReplica(system, owner), copy.fields).filter((f) => !own.has(f));
}

/** The outcome of one sync: fields that differed and were written, or why nothing was written. */
export type SyncOutcome =
  { result: 'updated'; drift: string[] } | { result: 'in_step'; drift: [] } | { result: 'owner_missing' | 'replica_missing'; drift: [] };

/** A replica's current copies for many customers (one call per `contactsPerCall` customers). */
export async function readReplicas(
  u: ReplicaUpstreams,
  system: ReplicaSystem,
  crmIds: readonly string[],
): Promise<Map<string, ReplicaCopy>> {
  const out = new Map<string, ReplicaCopy>();
  if (system === 'billing')
    for (const [crmId, c] of await u.billing.customerContactsByCrmIds(crmIds))
      out.set(crmId, { id: c.id, fields: { name: c.name, email: c.email }, owned: { country: c.country }, set: billingSet(c) });
  else
    for (const [crmId, c] of await u.support.userContactsByCrmIds(crmIds))
      out.set(crmId, { id: c.id, fields: { name: c.name, email: c.email } });
  return out;
}

/**
 * Writes the drifted fields of one replica from the owner's value. `changeKey` names the change
 * (a job id): the billing write's idempotency key is derived from it and the values, so a
 * retried attempt of the same job never writes twice, and a later change with the same values still writes.
 */
export async function repairReplica(
  u: ReplicaUpstreams,
  system: ReplicaSystem,
  owner: OwnerContact,
  copy: ReplicaCopy,
  changeKey: string,
): Promise<SyncOutcome> {
  const desired = desiredReplica(system, owner);
  const drift = replicaDrift(system, owner, copy);
  if (!drift.length) return { result: 'in_step', drift: [] };
  const fields = Object.fromEntries(drift.map((f) => [f, desired[f] as string]));
  if (system === 'billing') {
    const key = `portico-replica-${createHash('sha256')
      .update(`${changeKey}\n${copy.id}\n${JSON.stringify(fields)}`)
      .digest('hex')
      .slice(0, 40)}`;
    await u.billing.updateCustomerContact(copy.id, fields, key);
  } else {
    await u.support.updateUserContact(copy.id, fields);
  }
  return { result: 'updated', drift };
}

/**
 * The billing copy of a linked customer, read directly: a sync runs right after a change, when a
 * search may still show the value before the previous write (it can lag by up to a minute), and
 * a change back to that value would then look in step and never be written.
 */
async function linkedBillingCopy(u: ReplicaUpstreams, crmId: string): Promise<ReplicaCopy | undefined> {
  const billingId = (await u.links?.get(crmId).catch(() => undefined))?.billingCustomerId;
  const c = billingId ? await u.billing.customerContact(billingId, crmId) : null;
  return c ? { id: c.id, fields: { name: c.name, email: c.email }, set: billingSet(c) } : undefined;
}

/** One customer, one replica system: re-read both, write what differs. */
export async function syncReplica(u: ReplicaUpstreams, system: ReplicaSystem, crmId: string, changeKey: string): Promise<SyncOutcome> {
  const owner = (await u.crm.getContacts([crmId])).get(crmId);
  if (!owner) return { result: 'owner_missing', drift: [] };
  const copy = (system === 'billing' && (await linkedBillingCopy(u, crmId))) || (await readReplicas(u, system, [crmId])).get(crmId);
  // A customer without a billing customer or support user has nothing to keep in step.
  if (!copy) return { result: 'replica_missing', drift: [] };
  return repairReplica(u, system, owner, copy, changeKey);
}

/**
 * The CRM's copies of billing-owned fields (the billing country) for one customer: re-read the
 * billing account (directly through the customer's link when there is one: a search may lag the
 * write just made) and the CRM's copy, write what differs.
 */
export async function syncCrmCopy(u: ReplicaUpstreams, crmId: string): Promise<SyncOutcome> {
  const billingId = (await u.links?.get(crmId).catch(() => undefined))?.billingCustomerId;
  const linked = billingId ? (await u.billing.accountsByLinks([{ crmId, billingCustomerId: billingId }])).get(crmId) : undefined;
  const account = linked ?? (await u.billing.accountsByCrmIds([crmId])).get(crmId);
  if (!account) return { result: 'owner_missing', drift: [] };
  const desired = desiredCrmCopy({ country: account.address?.country ?? null });
  const copy = await u.crm.billingCopy(crmId);
  if (!copy) return { result: 'replica_missing', drift: [] };
  if ((copy.billingCountry ?? null) === desired.billingCountry) return { result: 'in_step', drift: [] };
  await u.crm.setBillingCopy(crmId, desired);
  return { result: 'updated', drift: ['billingCountry'] };
}
