/**
 * Bringing one customer's replicas in step with the owner: read the owner's current value (never
 * a value carried in a job, so jobs that run out of order still converge), read the replica,
 * write only the fields that differ. Used by the replica jobs and by reconciliation alike.
 */
import { createHash } from 'node:crypto';
import { desiredReplica, driftedFields, type OwnerContact, type ReplicaSystem } from '../ownership.js';
import type { BillingConnector } from '../subgraphs/billing/index.js';
import type { CrmPort as CrmConnector } from '../ports/crm.js';
import type { SupportConnector } from '../subgraphs/support/index.js';
import type { CustomerLinks } from '../platform/links.js';

export interface ReplicaUpstreams {
  crm: CrmConnector;
  billing: BillingConnector;
  support: SupportConnector;
  /** Customer links: a linked Stripe customer is retrieved, not searched, when one customer is synced. */
  links?: Pick<CustomerLinks, 'get'>;
}

export interface ReplicaCopy {
  /** The replica's id in its system (Stripe customer id, Zendesk user id). */
  id: string | number;
  fields: Record<string, string | null>;
}

/** The outcome of one sync: fields that differed and were written, or why nothing was written. */
export type SyncOutcome =
  { result: 'updated'; drift: string[] } | { result: 'in_step'; drift: [] } | { result: 'owner_missing' | 'replica_missing'; drift: [] };

/** A replica's current copies for many customers (one vendor call per 10 or 100 customers). */
export async function readReplicas(
  u: ReplicaUpstreams,
  system: ReplicaSystem,
  crmIds: readonly string[],
): Promise<Map<string, ReplicaCopy>> {
  const out = new Map<string, ReplicaCopy>();
  if (system === 'stripe') {
    for (const [crmId, c] of await u.billing.customerContactsByCrmIds(crmIds))
      out.set(crmId, { id: c.id, fields: { name: c.name, email: c.email } });
  } else {
    for (const [crmId, z] of await u.support.userContactsByExternalIds(crmIds))
      out.set(crmId, { id: z.id, fields: { name: z.name, email: z.email } });
  }
  return out;
}

/**
 * Writes the drifted fields of one replica from the owner's value. `changeKey` names the change
 * (a job id): Stripe's Idempotency-Key is derived from it and the values, so a retried attempt
 * of the same job never writes twice, and a later change with the same values still writes.
 */
export async function repairReplica(
  u: ReplicaUpstreams,
  system: ReplicaSystem,
  owner: OwnerContact,
  copy: ReplicaCopy,
  changeKey: string,
): Promise<SyncOutcome> {
  const desired = desiredReplica(system, owner);
  const drift = driftedFields(desired, copy.fields);
  if (!drift.length) return { result: 'in_step', drift: [] };
  const fields = Object.fromEntries(drift.map((f) => [f, desired[f] as string]));
  if (system === 'stripe') {
    const key = `portico-replica-${createHash('sha256')
      .update(`${changeKey}\n${copy.id}\n${JSON.stringify(fields)}`)
      .digest('hex')
      .slice(0, 40)}`;
    await u.billing.updateCustomerContact(String(copy.id), fields, key);
  } else {
    await u.support.updateUserContact(Number(copy.id), fields);
  }
  return { result: 'updated', drift };
}

/**
 * The Stripe copy of a linked customer, retrieved: a sync runs right after a change, when Stripe's
 * Search may still show the value before the previous write (it lags by up to a minute), and a
 * change back to that value would then look in step and never be written.
 */
async function linkedStripeCopy(u: ReplicaUpstreams, crmId: string): Promise<ReplicaCopy | undefined> {
  const stripeId = (await u.links?.get(crmId).catch(() => undefined))?.stripeCustomerId;
  const c = stripeId ? await u.billing.customerContact(stripeId, crmId) : null;
  return c ? { id: c.id, fields: { name: c.name, email: c.email } } : undefined;
}

/** One customer, one replica system: re-read both, write what differs. */
export async function syncReplica(u: ReplicaUpstreams, system: ReplicaSystem, crmId: string, changeKey: string): Promise<SyncOutcome> {
  const owner = (await u.crm.getContacts([crmId])).get(crmId);
  if (!owner) return { result: 'owner_missing', drift: [] };
  const copy = (system === 'stripe' && (await linkedStripeCopy(u, crmId))) || (await readReplicas(u, system, [crmId])).get(crmId);
  // A customer without a Stripe customer or Zendesk user has nothing to keep in step.
  if (!copy) return { result: 'replica_missing', drift: [] };
  return repairReplica(u, system, owner, copy, changeKey);
}
