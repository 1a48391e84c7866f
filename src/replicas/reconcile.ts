/**
 * Reconciliation: walk every customer of the owner (the CRM, in pages of 100), compare every
 * replicated field of the billing customer and the support user with the owner's value, repair
 * what drifted (the owner wins), and record what was found in Redis at `<prefix>:reconcile:last`
 * (systems named by their vendor modules, e.g. the billing vendor's name).
 * Runs as a repeatable queue job (RECONCILE_INTERVAL_MINUTES) and on demand (`npm run reconcile`).
 */
import type { Redis } from 'ioredis';
import { desiredReplica, driftedFields, FIELD_OWNERSHIP, type ReplicaSystem } from '../ownership.js';
import { whenBudgetAllows } from '../errors/index.js';
import type { Logger } from '../platform/logger.js';
import { readReplicas, repairReplica, type ReplicaUpstreams } from './sync.js';

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
 * Every replica field of CRM-owned contact fields, from the ownership table. (The CRM's copies of
 * billing fields are kept by the jobs of billing writes, not reconciled here yet.)
 */
function replicaPairs(): { system: ReplicaSystem; field: string }[] {
  return FIELD_OWNERSHIP.filter((f) => f.owner === 'crm').flatMap((f) =>
    f.replicas.flatMap((r) => (r.system === 'crm' ? [] : [{ system: r.system, field: r.field }])),
  );
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
    for (const system of SYSTEMS) {
      let copies;
      try {
        calls += Math.ceil(ids.length / o.upstreams[system].contactsPerCall);
        copies = await whenBudgetAllows(() => readReplicas(o.upstreams, system, ids));
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
        const drift = driftedFields(desiredReplica(system, owner), copy.fields);
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
