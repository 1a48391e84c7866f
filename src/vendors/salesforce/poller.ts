/**
 * Salesforce contact changes, polled. The REST API sends no signed contact webhooks (Outbound
 * Messages are SOAP, Change Data Capture needs a streaming client), so each poll asks Get Updated
 * and Get Deleted for the window since the last one, reads each updated record's customer id and
 * SystemModstamp, and emits one change per record version.
 *
 * At least once: every emit of a window must succeed before the cursor moves to Salesforce's
 * latestDateCovered; a failure leaves the cursor, and the next poll asks for the same window
 * again. Event ids are stable per record version (`salesforce:<Id>:<SystemModstamp>`,
 * `salesforce:<Id>:deleted:<deletedDate>`), so a repeat collapses downstream as a vendor's
 * redelivered webhook does.
 */
import { z } from 'zod';
import { chunk } from '../../platform/concurrency.js';
import { parseUpstream } from '../../platform/http.js';
import type { Logger } from '../../platform/logger.js';
import type { SalesforceClient } from './client.js';
import { isoDate, quote, sfDateTime } from './soql.js';

export interface SalesforceChange {
  /** Stable per record version: the same change polled twice has the same id. */
  eventId: string;
  /** Portico's customer id; null for a contact Portico does not know (no Portico_Customer_Id__c, or purged). */
  customerId: string | null;
  /** Salesforce's 18-character Contact Id. */
  sfId: string;
  kind: 'updated' | 'deleted';
  /** ISO 8601: the record's SystemModstamp, or when it was deleted. */
  at: string;
}

export interface SalesforceChangePollerDeps {
  /** The connector's client (`createSalesforceCrm(...).client`): shares its token and upstream policy. */
  client: SalesforceClient;
  /** Where the end of the last window polled is kept (ISO 8601), e.g. a Redis key; null before the first poll. */
  cursor: { get(): Promise<string | null>; set(v: string): Promise<void> };
  emit(change: SalesforceChange): Promise<void>;
  /** @default Date.now */
  now?: () => number;
  /** How far back the first poll looks. @default 300 (5 min) */
  initialWindowS?: number;
  logger?: Logger;
}

export interface SalesforceChangePoller {
  /** Polls once; resolves to the changes emitted. Concurrent calls share one poll. */
  pollOnce(): Promise<number>;
}

const Updated = z.object({ ids: z.array(z.string()), latestDateCovered: z.string() });
const Deleted = z.object({
  deletedRecords: z.array(z.object({ id: z.string(), deletedDate: z.string() })),
  latestDateCovered: z.string(),
});
const Version = z.object({ Id: z.string(), Portico_Customer_Id__c: z.string().nullable().optional(), SystemModstamp: z.string() });
const QueryPage = z.object({
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(Version.partial({ SystemModstamp: true })),
});

/** Collections retrieve takes 200 ids a call. */
const IDS_PER_CALL = 200;
const MINUTE = 60_000;
/** Get Updated/Deleted answer for the last 30 days only. */
const MAX_BACK_MS = 30 * 86_400_000 - 10 * MINUTE;

export function createSalesforceChangePoller(deps: SalesforceChangePollerDeps): SalesforceChangePoller {
  const { client } = deps;
  const now = deps.now ?? Date.now;
  const initialMs = (deps.initialWindowS ?? 300) * 1000;
  let running: Promise<number> | undefined;

  /** Customer id and SystemModstamp of live records, by Collections retrieve; deleted ones are null there. */
  async function versions(ids: readonly string[]) {
    const out: z.infer<typeof Version>[] = [];
    for (const part of chunk(ids, IDS_PER_CALL)) {
      const body = await client.send({
        method: 'GET',
        path: `${client.base}/composite/sobjects/Contact`,
        query: { ids: part.join(','), fields: 'Id,Portico_Customer_Id__c,SystemModstamp' },
        route: 'contacts.versions',
        priority: 'background',
      });
      for (const r of parseUpstream('crm', z.array(Version.nullable()), body)) if (r) out.push(r);
    }
    return out;
  }

  /** Customer ids of deleted records, from the recycle bin (queryAll); purged ones are absent. */
  async function deletedCustomerIds(ids: readonly string[]) {
    const out = new Map<string, string>();
    for (const part of chunk(ids, IDS_PER_CALL)) {
      // Ids come from Salesforce, but are quoted all the same.
      let path = `${client.base}/queryAll`;
      let query: Record<string, string> | undefined = {
        q: `SELECT Id, Portico_Customer_Id__c FROM Contact WHERE Id IN (${part.map(quote).join(', ')})`,
      };
      for (;;) {
        const page = parseUpstream(
          'crm',
          QueryPage,
          await client.send({ method: 'GET', path, query, route: 'contacts.deletedIds', priority: 'background' }),
        );
        for (const r of page.records) if (r.Portico_Customer_Id__c) out.set(r.Id, r.Portico_Customer_Id__c);
        if (page.done || !page.nextRecordsUrl) break;
        path = page.nextRecordsUrl;
        query = undefined;
      }
    }
    return out;
  }

  async function poll(): Promise<number> {
    const t = now();
    const stored = await deps.cursor.get();
    let start = stored ? Date.parse(stored) : t - initialMs;
    if (Number.isNaN(start)) throw new Error(`Salesforce poll cursor "${stored}" is not an ISO 8601 time: delete it to start from now`);
    if (start < t - MAX_BACK_MS) {
      // Changes older than that are out of reach: reconciliation has to catch them.
      deps.logger?.warn(
        { system: 'crm', vendor: 'salesforce', cursor: stored },
        'Salesforce poll cursor older than 30 days: changes before may be missed',
      );
      start = t - MAX_BACK_MS;
    }
    // Salesforce ignores seconds, and refuses a window that starts no earlier than it ends.
    if (Math.floor(start / MINUTE) >= Math.floor(t / MINUTE)) return 0;
    const span = { start: sfDateTime(start), end: sfDateTime(t) };
    const updated = parseUpstream(
      'crm',
      Updated,
      await client.send({
        method: 'GET',
        path: `${client.base}/sobjects/Contact/updated`,
        query: span,
        route: 'contacts.updated',
        priority: 'background',
      }),
    );
    const deleted = parseUpstream(
      'crm',
      Deleted,
      await client.send({
        method: 'GET',
        path: `${client.base}/sobjects/Contact/deleted`,
        query: span,
        route: 'contacts.deleted',
        priority: 'background',
      }),
    );
    const changes: SalesforceChange[] = [];
    for (const v of await versions(updated.ids)) {
      const at = isoDate(v.SystemModstamp) ?? v.SystemModstamp;
      changes.push({ eventId: `salesforce:${v.Id}:${at}`, customerId: v.Portico_Customer_Id__c ?? null, sfId: v.Id, kind: 'updated', at });
    }
    const owners = deleted.deletedRecords.length
      ? await deletedCustomerIds(deleted.deletedRecords.map((d) => d.id))
      : new Map<string, string>();
    for (const d of deleted.deletedRecords) {
      const at = isoDate(d.deletedDate) ?? d.deletedDate;
      changes.push({ eventId: `salesforce:${d.id}:deleted:${at}`, customerId: owners.get(d.id) ?? null, sfId: d.id, kind: 'deleted', at });
    }
    // In order, one at a time: a failure stops here and the cursor stays, so the window is polled again.
    for (const c of changes) await deps.emit(c);
    // The earlier of the two: a change neither call has covered yet is asked for again.
    const covered = Math.min(...[updated.latestDateCovered, deleted.latestDateCovered].map((d) => Date.parse(isoDate(d) ?? '')));
    if (Number.isFinite(covered) && covered > start) await deps.cursor.set(new Date(covered).toISOString());
    return changes.length;
  }

  return {
    pollOnce() {
      running ??= poll().finally(() => {
        running = undefined;
      });
      return running;
    },
  };
}
