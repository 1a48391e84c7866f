/**
 * Reconciliation: walk every customer of the owner (the CRM, in pages of 100), compare every
 * replicated field of the billing customer and the support user with the owner's value, repair
 * what drifted (the owner wins), and record what was found in Redis at `<prefix>:reconcile:last`
 * (systems named by their vendor modules, e.g. the billing vendor's name).
 * Runs as a repeatable queue job (RECONCILE_INTERVAL_MINUTES) and on demand (`npm run reconcile`).
 */
import type { Redis } from 'ioredis';
import { desiredCrmCopy, FIELD_OWNERSHIP, type BillingReplicaSystem, type ReplicaSystem } from '../ownership.js';
import { whenBudgetAllows } from '../errors/index.js';
import type { Logger } from '../platform/logger.js';
import { readReplicas, repairReplica, replicaDrift, syncCrmCopy, type ReplicaCopy, type ReplicaUpstreams } from './sync.js';

export interface ReconcileReport {
  startedAt: string;
  finishedAt: string;
  customersChecked: number;
  /** `system` is the vendor module's name of the replica system. */
  fields: { system: string; field: string; drift: number; repaired: number }[];
  errors: number;
}

export interface ReconcileOptions {
  upstreams: ReplicaUpstreams;
  /** Where the report is recorded; absent: not recorded. */
  redis?: Redis;
  /** Environment key prefix (REDIS_KEY_PREFIX). */
  prefix: string;
  /** Upper bound of vendor calls a second, so a run stays well inside the vendors' rate limits. @default 10 */
  callsPerSecond?: number;
  /** Customers a page. @default 100 */
  pageSize?: number;
  /** Called after each page. */
  onProgress?(p: { customersChecked: number; drift: number; repaired: number; errors: number }): void;
  logger?: Logger;
}

export const reconcileKey = (prefix: string) => `${prefix}:reconcile:last`;

/**
 * Every replica field, from the ownership table: the billing customer's and support user's copies
 * of CRM-owned contact fields, then the CRM's copies of billing-owned fields (the billing country).
 */
function replicaPairs(): { system: ReplicaSystem | BillingReplicaSystem; field: string }[] {
  const copies = (owner: 'crm' | 'billing') =>
    FIELD_OWNERSHIP.filter((f) => f.owner === owner).flatMap((f) =>
      f.replicas.flatMap((r) => ((r.system === 'crm') === (owner === 'billing') ? [{ system: r.system, field: r.field }] : [])),
    );
  return [...copies('crm'), ...copies('billing')];
}

const SYSTEMS: readonly ReplicaSystem[] = ['billing', 'support'];

export async function reconcile(o: ReconcileOptions): Promise<ReconcileReport> {
  const startedAt = new Date();
  const perSecond = o.callsPerSecond ?? 10;
  const pageSize = o.pageSize ?? 100;
  const counts = new Map(replicaPairs().map((p) => [`${p.system}.${p.field}`, { ...p, drift: 0, repaired: 0 }]));
  let checked = 0;
  let errors = 0;
  let after: string | undefined;
  const runKey = `reconcile.${startedAt.toISOString()}`;
  do {
    const pageStarted = Date.now();
    let calls = 1;
    const page = await whenBudgetAllows(() => o.upstreams.crm.listContacts(pageSize, after));
    after = page.nextCursor;
    const ids = page.contacts.map((c) => c.id);
    /** The billing customers of this page, as read for their contact copies: they carry the billing country too. */
    let billing: Map<string, ReplicaCopy> | undefined;
    for (const system of SYSTEMS) {
      let copies;
      try {
        calls += Math.ceil(ids.length / o.upstreams[system].contactsPerCall);
        copies = await whenBudgetAllows(() => readReplicas(o.upstreams, system, ids));
        if (system === 'billing') billing = copies;
      } catch (err) {
        errors += ids.length;
        o.logger?.warn(
          { system: o.upstreams.vendors[system].name, err: (err as Error).message },
          'reconciliation could not read a page of replicas; they are checked next run',
        );
        continue;
      }
      for (const owner of page.contacts) {
        const copy = copies.get(owner.id);
        if (!copy) continue;
        const drift = replicaDrift(system, owner, copy);
        if (!drift.length) continue;
        for (const f of drift) counts.get(`${system}.${f}`)!.drift++;
        try {
          calls++;
          const r = await whenBudgetAllows(() => repairReplica(o.upstreams, system, owner, copy, `${runKey}.${owner.id}`));
          for (const f of r.drift) counts.get(`${system}.${f}`)!.repaired++;
        } catch (err) {
          errors++;
          o.logger?.warn(
            { system: o.upstreams.vendors[system].name, crmId: owner.id, err: (err as Error).message },
            'reconciliation could not repair a replica; next run tries again',
          );
        }
      }
    }
    // The CRM's copy of the billing country, for customers with a billing customer (the others
    // have no billing value to copy). The page's billing read may lag writes (a search); drift is
    // repaired by the replica job's own step, which re-reads the billing customer directly first,
    // so a lagging read never writes an older value.
    for (const owner of billing ? page.contacts : []) {
      const owned = billing?.get(owner.id)?.owned;
      if (!owned) continue;
      try {
        calls++;
        const copy = await whenBudgetAllows(() => o.upstreams.crm.billingCopy(owner.id));
        if (!copy || (copy.billingCountry ?? null) === desiredCrmCopy(owned).billingCountry) continue;
        counts.get('crm.billingCountry')!.drift++;
        calls += 2;
        const r = await whenBudgetAllows(() => syncCrmCopy(o.upstreams, owner.id));
        if (r.result === 'updated') counts.get('crm.billingCountry')!.repaired++;
      } catch (err) {
        errors++;
        o.logger?.warn(
          { system: o.upstreams.vendors.crm.name, crmId: owner.id, err: (err as Error).message },
          "reconciliation could not check or repair the CRM's copy of billing fields; next run tries again",
        );
      }
    }
    checked += page.contacts.length;
    const totals = [...counts.values()].reduce((a, c) => ({ drift: a.drift + c.drift, repaired: a.repaired + c.repaired }), {
      drift: 0,
      repaired: 0,
    });
    o.onProgress?.({ customersChecked: checked, ...totals, errors });
    // Pace: this page's calls spread over at least calls/perSecond seconds.
    const wait = (calls / perSecond) * 1000 - (Date.now() - pageStarted);
    if (after && wait > 0) await new Promise((r) => setTimeout(r, wait));
  } while (after);
  const report: ReconcileReport = {
    startedAt: startedAt.toISOString(),
    finishedAt: new Date().toISOString(),
    customersChecked: checked,
    fields: [...counts.values()].map((c) => ({ ...c, system: o.upstreams.vendors[c.system].name })),
    errors,
  };
  await o.redis?.set(reconcileKey(o.prefix), JSON.stringify(report));
  return report;
}
