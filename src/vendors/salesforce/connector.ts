/**
 * Salesforce as Portico's CRM (the CRM port, src/ports/crm.ts). A Portico contact is a Salesforce
 * Contact whose External ID field Portico_Customer_Id__c holds the customer id; its company is its
 * Account's Name; its lifecycle stage the picklist Lifecycle_Stage__c.
 *
 * Calls (each is one API request against the org's daily allocation):
 * - getContacts: one SOQL query per 200 ids (`Portico_Customer_Id__c IN (...)`); concurrent
 *   interactive reads share queries as the HubSpot connector's batch reads do.
 * - searchContacts, listContacts: one SOQL query per page, keyset-paged on the customer id (no
 *   OFFSET: Salesforce caps it at 2,000), so reconciliation can walk every contact.
 * - updateContact: resolve the Id (skipped when a read remembered it), find or create the Account
 *   when the company changes, PATCH, re-read: 2 to 5.
 */
import { z } from 'zod';
import { BadUserInputError, UpstreamError } from '../../errors/index.js';
import { chunk } from '../../platform/concurrency.js';
import { parseUpstream, UpstreamHttpError } from '../../platform/http.js';
import type { Logger } from '../../platform/logger.js';
import type { Priority, BucketSpec } from '../../platform/budget.js';
import { createUnknownValueLog } from '../../platform/unknown.js';
import {
  ContactConflictError,
  ContactInvalidError,
  type ContactPatch,
  type CrmContact,
  type CrmPage,
  type CrmPort,
  type CrmSearch,
} from '../../ports/crm.js';
import { createSalesforceClient, salesforceErrors, type SalesforceClient, type SalesforceClientOptions } from './client.js';
import { CONTACT_SELECT, portField, SalesforceContact, toCrmContact, WRITABLE } from './mappers.js';
import { isCustomerId, likeContains, quote } from './soql.js';
import { coalesce } from '../../platform/coalesce.js';

/**
 * Published limits, as data for the vendor budget (platform/budget.ts; VENDOR_BUDGETS overrides):
 * Enterprise and Unlimited editions get 100,000 API requests per rolling 24 h plus 1,000 per
 * Salesforce license (Developer Edition 15,000), shared by every integration of the org; set the
 * org's figure (Setup > Company Information > API Requests, Last 24 Hours). Our window is a fixed
 * day, Salesforce's rolls, and Sforce-Limit-Info on every answer keeps the bucket honest.
 * There is no per-second limit on REST calls.
 */
export const SALESFORCE_BUDGETS: Readonly<Record<string, BucketSpec>> = {
  salesforce: { limit: 100_000, windowS: 86_400 },
};
/**
 * Concurrency: production orgs allow 25 concurrent API requests that run 20 s or longer
 * (ConcurrentPerOrgLongTxn, refused as REQUEST_LIMIT_EXCEEDED); Portico's calls are short, and the
 * upstream deadline (5 s) ends any call long before it could count.
 */
export const SALESFORCE_LONG_REQUESTS_IN_FLIGHT = 25;

/**
 * The custom Contact fields of the billing standing (CrmPort.setBillingStanding): a picklist
 * (`Active`, `Past Due`) and a date/time, created once in the org (docs/automations.md).
 */
export const STANDING_FIELD = 'Portico_Billing_Standing__c';
export const LAST_PAYMENT_FIELD = 'Portico_Last_Payment__c';
/** The subscription status (CrmPort.setSubscriptionStatus): a picklist (`Active`, `Canceling`, `Canceled`), created once in the org. */
export const SUBSCRIPTION_STATUS_FIELD = 'Portico_Subscription_Status__c';
const SUBSCRIPTION_STATUS_VALUE = { ACTIVE: 'Active', CANCELING: 'Canceling', CANCELED: 'Canceled' } as const;
/** The copy of the billing country (CrmPort.setBillingCopy): a Text(2) custom field. */
export const BILLING_COUNTRY_FIELD = 'Portico_Billing_Country__c';
const BillingCopyRecord = z.object({ [BILLING_COUNTRY_FIELD]: z.string().nullable().optional() });
const StandingRecord = z.object({
  [STANDING_FIELD]: z.string().nullable().optional(),
  [LAST_PAYMENT_FIELD]: z.string().nullable().optional(),
});

export type SalesforceCrmDeps = SalesforceClientOptions | { client: SalesforceClient; logger?: Logger };

export interface SalesforceCrm extends CrmPort {
  /** The REST client, for the change poller (poller.ts) to share the token and policy. */
  readonly client: SalesforceClient;
  close(): Promise<void>;
}

/** IN-list size of one read: keeps the GET URL well under Salesforce's 16,384-byte limit. */
const READ_IDS = 200;
/** Reads in flight at once per process; more requests' ids wait and go together. */
const READS_IN_FLIGHT = 2;
/** Salesforce Ids remembered per customer id, so a write after a read needs no lookup. */
const MAX_REMEMBERED_IDS = 10_000;
/** Words of a search string matched (each must match some field); further words are ignored. */
const MAX_SEARCH_WORDS = 8;
const MAX_PAGE = 2000;

const QueryPage = z.object({
  totalSize: z.number(),
  done: z.boolean(),
  nextRecordsUrl: z.string().optional(),
  records: z.array(z.unknown()),
});
const IdRecord = z.object({ Id: z.string() });
const Created = z.object({ id: z.string() });

/** Search and list cursors: the last customer id of the previous page and how many came before. */
const Cursor = z.object({ a: z.string(), n: z.number().int().min(0) });
const encodeCursor = (c: z.infer<typeof Cursor>) => Buffer.from(JSON.stringify(c)).toString('base64url');
function decodeCursor(raw: string | undefined): z.infer<typeof Cursor> | undefined {
  if (raw === undefined) return undefined;
  try {
    const c = Cursor.parse(JSON.parse(Buffer.from(raw, 'base64url').toString('utf8')));
    if (isCustomerId(c.a)) return c;
  } catch {
    // Falls through to the error below.
  }
  throw new BadUserInputError('The cursor is not one this API returned: pass the nextCursor of the previous page unchanged.', 'cursor');
}

/** Salesforce's refusal of a write, in Portico's words and without echoing the value. */
function refusal(body: unknown): Error {
  const errors = salesforceErrors(body);
  if (errors.some((e) => e.errorCode === 'DUPLICATE_VALUE' || e.errorCode === 'DUPLICATES_DETECTED'))
    return new ContactConflictError('Another contact already has this email.');
  const e = errors[0];
  if (!e) return new ContactInvalidError('Salesforce refused the change.');
  const field = e.fields?.length ? portField(e.fields[0]) : undefined;
  switch (e.errorCode) {
    case 'INVALID_EMAIL_ADDRESS':
      return new ContactInvalidError('email is not a valid email address.');
    case 'STRING_TOO_LONG':
      return new ContactInvalidError(`${field ?? 'A value'} is too long for Salesforce.`);
    case 'REQUIRED_FIELD_MISSING':
      return new ContactInvalidError(`${field ?? 'A required field'} cannot be empty.`);
    default:
      return new ContactInvalidError(`Salesforce refused ${field ?? 'the change'} (${e.errorCode}).`);
  }
}

const notFound = (err: unknown) =>
  err instanceof UpstreamHttpError &&
  (err.status === 404 || salesforceErrors(err.body).some((e) => e.errorCode === 'ENTITY_IS_DELETED' || e.errorCode === 'NOT_FOUND'));

export function createSalesforceCrm(deps: SalesforceCrmDeps): SalesforceCrm {
  const client = 'client' in deps ? deps.client : createSalesforceClient(deps);
  const onUnknown = createUnknownValueLog({ system: 'crm', logger: deps.logger });
  const q = `${client.base}/query`;
  /** customer id -> Salesforce Id, oldest forgotten first. */
  const sfIds = new Map<string, string>();
  const remember = (customerId: string, id: string) => {
    sfIds.delete(customerId);
    sfIds.set(customerId, id);
    if (sfIds.size > MAX_REMEMBERED_IDS) sfIds.delete(sfIds.keys().next().value!);
  };

  /** Runs a query and follows nextRecordsUrl until `want` records (or all) are in. */
  async function query(
    soql: string,
    o: { route: string; want?: number; priority?: Priority },
  ): Promise<{ totalSize: number; records: SalesforceContact[] }> {
    const batch = Math.min(MAX_PAGE, Math.max(200, o.want ?? MAX_PAGE));
    // batchSize is a hint (200..2000): Salesforce may send fewer, so the loop below tops up.
    const headers = { 'sforce-query-options': `batchSize=${batch}` };
    let page = parseUpstream(
      'crm',
      QueryPage,
      await client.send({ method: 'GET', path: q, query: { q: soql }, route: o.route, priority: o.priority, headers }),
    );
    const totalSize = page.totalSize;
    const records = page.records.map((r) => parseUpstream('crm', SalesforceContact, r));
    while (!page.done && page.nextRecordsUrl && (o.want === undefined || records.length < o.want)) {
      page = parseUpstream(
        'crm',
        QueryPage,
        await client.send({ method: 'GET', path: page.nextRecordsUrl, route: `${o.route}.more`, priority: o.priority, headers }),
      );
      records.push(...page.records.map((r) => parseUpstream('crm', SalesforceContact, r)));
    }
    return { totalSize, records: o.want === undefined ? records : records.slice(0, o.want) };
  }

  const toContacts = (records: SalesforceContact[]) => {
    const out: CrmContact[] = [];
    for (const r of records) {
      const c = toCrmContact(r, onUnknown);
      if (!c) continue;
      remember(c.id, r.Id);
      out.push(c);
    }
    return out;
  };

  async function read(ids: readonly string[], priority: Priority = 'interactive'): Promise<Map<string, CrmContact>> {
    const out = new Map<string, CrmContact>();
    // An id that is no customer id cannot exist: absent, and never part of a query.
    for (const part of chunk([...new Set(ids)].filter(isCustomerId), READ_IDS)) {
      const { records } = await query(`${CONTACT_SELECT} WHERE Portico_Customer_Id__c IN (${part.map(quote).join(', ')})`, {
        route: 'contacts.read',
        priority,
      });
      for (const c of toContacts(records)) out.set(c.id, c);
    }
    return out;
  }
  const coalesced = coalesce((ids) => read(ids), READS_IN_FLIGHT, READ_IDS);

  /** One page in customer id order after the cursor; `where` is already safe SOQL. */
  async function page(where: string[], limit: number, rawCursor: string | undefined, route: string, counted: boolean) {
    const cursor = decodeCursor(rawCursor);
    const want = Math.min(MAX_PAGE, Math.max(1, Math.floor(limit)));
    const conds = ['Portico_Customer_Id__c != null', ...where, ...(cursor ? [`Portico_Customer_Id__c > ${quote(cursor.a)}`] : [])];
    // Search counts the matches (no LIMIT, so totalSize is every match after the cursor); list
    // needs no count and asks one more than a page to know whether another follows.
    const soql = `${CONTACT_SELECT} WHERE ${conds.join(' AND ')} ORDER BY Portico_Customer_Id__c ASC${counted ? '' : ` LIMIT ${want + 1}`}`;
    const r = await query(soql, { route, want: counted ? want : want + 1 });
    const records = r.records.slice(0, want);
    const contacts = toContacts(records);
    const seen = (cursor?.n ?? 0) + records.length;
    const more = counted ? r.totalSize > records.length : r.records.length > want;
    const last = records.at(-1)?.Portico_Customer_Id__c;
    return {
      total: (cursor?.n ?? 0) + r.totalSize,
      contacts,
      nextCursor: more && last ? encodeCursor({ a: last, n: seen }) : undefined,
    };
  }

  /**
   * The Account named `name`, created when there is none. Salesforce has no unique Account Name,
   * so the oldest of same-named Accounts wins (stable: every write picks the same one), and two
   * writes racing to create a new company can leave a duplicate Account for a person to merge.
   * The alternative, a free-text company field on Contact, would leave Salesforce's Account
   * reports and hierarchy blind to Portico's writes.
   */
  async function accountId(name: string): Promise<string> {
    const found = parseUpstream(
      'crm',
      QueryPage,
      await client.send({
        method: 'GET',
        path: q,
        query: { q: `SELECT Id FROM Account WHERE Name = ${quote(name)} ORDER BY CreatedDate ASC LIMIT 1` },
        route: 'accounts.find',
      }),
    );
    const first = found.records[0];
    if (first) return parseUpstream('crm', IdRecord, first).Id;
    try {
      const created = await client.send({
        method: 'POST',
        path: `${client.base}/sobjects/Account`,
        body: { Name: name },
        route: 'accounts.create',
        // A retried create could make two Accounts.
        idempotent: false,
      });
      return parseUpstream('crm', Created, created).id;
    } catch (err) {
      if (err instanceof UpstreamHttpError && err.status === 400) throw refusal(err.body);
      throw err;
    }
  }

  /** The Salesforce Id of a customer id, null when there is none. */
  async function resolve(customerId: string): Promise<string | null> {
    try {
      const r = await client.send({
        method: 'GET',
        path: `${client.base}/sobjects/Contact/Portico_Customer_Id__c/${encodeURIComponent(customerId)}`,
        query: { fields: 'Id' },
        route: 'contacts.resolve',
      });
      const id = parseUpstream('crm', IdRecord, r).Id;
      remember(customerId, id);
      return id;
    } catch (err) {
      if (notFound(err)) return null;
      throw err;
    }
  }

  /**
   * PATCHes a contact by customer id (absolute values: a repeat leaves the same contact, so a retry
   * is safe); false when there is none. By Id, never by the external id: a PATCH by external id is
   * an upsert, and would create a contact. A remembered Id may be of a contact deleted since (and
   * the customer id given to another): looked up again once.
   */
  async function patchContact(id: string, body: Record<string, string | null>): Promise<boolean> {
    for (let fresh = false; ; fresh = true) {
      const cached = fresh ? undefined : sfIds.get(id);
      const sfId = cached ?? (await resolve(id));
      if (!sfId) return false;
      try {
        if (Object.keys(body).length)
          await client.send({
            method: 'PATCH',
            path: `${client.base}/sobjects/Contact/${sfId}`,
            body,
            route: 'contacts.update',
            idempotent: true,
          });
        return true;
      } catch (err) {
        if (notFound(err)) {
          sfIds.delete(id);
          if (cached) continue;
          return false;
        }
        if (err instanceof UpstreamHttpError && err.status === 400) throw refusal(err.body);
        throw err;
      }
    }
  }

  return {
    client,
    getContacts: (ids, opts) => (opts?.priority === 'background' ? read(ids, 'background') : coalesced.get(ids)),

    async searchContacts(s: CrmSearch): Promise<CrmPage> {
      const where: string[] = [];
      if (s.ids) {
        const ids = [...new Set(s.ids)].filter(isCustomerId);
        if (!ids.length) return { total: 0, contacts: [] };
        where.push(`Portico_Customer_Id__c IN (${ids.map(quote).join(', ')})`);
      }
      // Every word must match one of the fields, anywhere in it (as "Ada Lovelace" or "ada@" would).
      const words = (s.query ?? '').split(/\s+/).filter(Boolean).slice(0, MAX_SEARCH_WORDS);
      for (const w of words) {
        const like = likeContains(w);
        where.push(`(${['FirstName', 'LastName', 'Email', 'Phone', 'Account.Name'].map((f) => `${f} LIKE ${like}`).join(' OR ')})`);
      }
      // Portico's API pages by position: one query ordered by customer id, counted (no LIMIT, so
      // totalSize is every match), read up to the page's end (more batches only for deep pages).
      const offset = Math.max(0, Math.floor(s.offset ?? 0));
      const want = Math.min(MAX_PAGE, Math.max(1, Math.floor(s.limit)));
      const conds = ['Portico_Customer_Id__c != null', ...where];
      const r = await query(`${CONTACT_SELECT} WHERE ${conds.join(' AND ')} ORDER BY Portico_Customer_Id__c ASC`, {
        route: 'contacts.search',
        want: offset + want,
      });
      return { total: r.totalSize, contacts: toContacts(r.records.slice(offset, offset + want)) };
    },

    async listContacts(limit, cursor) {
      const r = await page([], limit, cursor, 'contacts.list', false);
      return { contacts: r.contacts, ...(r.nextCursor ? { nextCursor: r.nextCursor } : {}) };
    },

    async updateContact(id: string, patch: ContactPatch): Promise<CrmContact | null> {
      if (!isCustomerId(id)) return null;
      const body: Record<string, string | null> = {};
      for (const [k, f] of Object.entries(WRITABLE)) {
        const v = patch[k as keyof typeof WRITABLE];
        if (v !== undefined) body[f] = v;
      }
      // An empty company detaches the contact from its Account.
      if (patch.company !== undefined) body.AccountId = patch.company.trim() ? await accountId(patch.company.trim()) : null;
      if (!(await patchContact(id, body))) return null;
      return (await read([id])).get(id) ?? null;
    },

    async createContact(signupKey, fields) {
      // The sign-up key is the new customer's id: an upsert by the external id field creates the
      // contact once and finds it on any repeat (absolute values: the same upsert twice leaves the
      // same contact, so a retry is safe).
      if (!isCustomerId(signupKey)) throw new ContactInvalidError('The sign-up key is not a valid customer id.');
      const body: Record<string, string | null> = { FirstName: fields.firstName, LastName: fields.lastName, Email: fields.email };
      if (fields.company?.trim()) body.AccountId = await accountId(fields.company.trim());
      try {
        await client.send({
          method: 'PATCH',
          path: `${client.base}/sobjects/Contact/Portico_Customer_Id__c/${encodeURIComponent(signupKey)}`,
          body,
          route: 'contacts.upsert',
          idempotent: true,
        });
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 400) throw refusal(err.body);
        throw err;
      }
      const made = (await read([signupKey])).get(signupKey);
      if (!made) throw new UpstreamError('crm', 'unavailable', 'contact not readable after its upsert');
      return made;
    },

    async setBillingStanding(id, patch) {
      if (!isCustomerId(id)) return false;
      const body = {
        [STANDING_FIELD]: patch.standing === 'PAST_DUE' ? 'Past Due' : 'Active',
        ...(patch.lastPaymentAt ? { [LAST_PAYMENT_FIELD]: patch.lastPaymentAt } : {}),
      };
      return patchContact(id, body);
    },

    async billingStanding(id) {
      if (!isCustomerId(id)) return null;
      try {
        const r = await client.send({
          method: 'GET',
          path: `${client.base}/sobjects/Contact/Portico_Customer_Id__c/${encodeURIComponent(id)}`,
          query: { fields: `${STANDING_FIELD},${LAST_PAYMENT_FIELD}` },
          route: 'contacts.resolve',
        });
        const rec = parseUpstream('crm', StandingRecord, r);
        const v = rec[STANDING_FIELD];
        return {
          standing: v === 'Past Due' ? 'PAST_DUE' : v === 'Active' ? 'ACTIVE' : null,
          lastPaymentAt: rec[LAST_PAYMENT_FIELD] ?? null,
        };
      } catch (err) {
        if (notFound(err)) return null;
        throw err;
      }
    },

    async setSubscriptionStatus(id, status) {
      if (!isCustomerId(id)) return false;
      return patchContact(id, { [SUBSCRIPTION_STATUS_FIELD]: SUBSCRIPTION_STATUS_VALUE[status] });
    },

    async setBillingCopy(id, copy) {
      if (!isCustomerId(id)) return false;
      return patchContact(id, { [BILLING_COUNTRY_FIELD]: copy.billingCountry });
    },

    async billingCopy(id) {
      if (!isCustomerId(id)) return null;
      try {
        const r = await client.send({
          method: 'GET',
          path: `${client.base}/sobjects/Contact/Portico_Customer_Id__c/${encodeURIComponent(id)}`,
          query: { fields: BILLING_COUNTRY_FIELD },
          route: 'contacts.resolve',
        });
        return { billingCountry: parseUpstream('crm', BillingCopyRecord, r)[BILLING_COUNTRY_FIELD] ?? null };
      } catch (err) {
        if (notFound(err)) return null;
        throw err;
      }
    },

    close: () => client.close(),
  };
}
