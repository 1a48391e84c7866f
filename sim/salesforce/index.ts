/**
 * Salesforce simulator: OAuth 2.0 token endpoint (client credentials, JWT bearer) and REST API
 * v62.0 for Contact: sObject Rows (by Id and by external id, PATCH, upsert), sObject Collections
 * retrieve, SOQL query with query locators, Get Updated / Get Deleted, and the org's daily API
 * allocation reported in Sforce-Limit-Info. Paths, JSON shapes and error bodies follow the REST
 * API Developer Guide (resources_query, resources_composite_sobjects_collections_retrieve,
 * resources_getupdated/getdeleted, headers_api_usage) and the OAuth client credentials flow.
 *
 * Seed customer i (sim/seed.ts) is Contact sfId('003', 1000+i) under one Account per company:
 *   FirstName, LastName, Email, Phone       <- firstname, lastname, email, phone
 *   AccountId -> Account.Name                <- company
 *   Lifecycle_Stage__c (restricted picklist) <- lifecyclestage (HubSpot's stage values)
 *   Portico_Customer_Id__c (External ID, Unique, the HubSpot contact id) <- crmId, e.g. '1001'
 *   CreatedDate = LastModifiedDate = SystemModstamp <- createdAt
 * Time comes from an injectable clock, so token expiry, SystemModstamp and the API window are
 * deterministic in tests.
 */
import { createHmac, randomBytes } from 'node:crypto';
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import jwt from 'jsonwebtoken';
import { createFaultGate, HttpError, readBody, sendJson, type FaultOptions, type SimRequest, type SimServer } from '../common.js';
import { seed, type SeedData } from '../seed.js';
import { compareBy, matches, parseSoql, SoqlError, type ObjectSchema, type Value } from './soql.js';
import type { SimulatorDescriptor } from '../common.js';

export const API_VERSION = 'v62.0';
const BASE = `/services/data/${API_VERSION}`;
const DAY_MS = 86_400_000;

export const DEFAULT_SALESFORCE_CREDENTIALS = Object.freeze({
  clientId: '3MVG9PorticoSimulatorConsumerKey0000000000000000000000000000000000000000000000',
  clientSecret: 'PORTICO-SIM-CONSUMER-SECRET-0000000000000000',
  /** The integration user the client credentials flow runs as, and the JWT `sub`. */
  username: 'integration@portico-sim.example.com',
});

/** HubSpot's lifecycle stages, the values of the restricted picklist Lifecycle_Stage__c. */
export const LIFECYCLE_STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'evangelist',
  'other',
];

// ---- Record ids: 15 case-sensitive characters (key prefix, pod, number) + 3-character checksum.
const B62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';
const SUFFIX = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ012345';
const checksum = (id15: string) =>
  [0, 5, 10]
    .map((s) => SUFFIX[[...id15.slice(s, s + 5)].reduce((bits, c, j) => (c >= 'A' && c <= 'Z' ? bits | (1 << j) : bits), 0)])
    .join('');
export function sfId(prefix: string, n: number): string {
  let num = '';
  for (let x = n; num.length < 9; x = Math.floor(x / 62)) num = B62[x % 62] + num;
  const id15 = `${prefix}Dn0${num}`;
  return id15 + checksum(id15);
}
/** The 18-character form of a 15- or 18-character id (the suffix restores case), else undefined. */
export function normalizeId(s: string): string | undefined {
  if (/^[a-zA-Z0-9]{15}$/.test(s)) return s + checksum(s);
  if (!/^[a-zA-Z0-9]{18}$/.test(s)) return undefined;
  const chars = [...s.slice(0, 15)];
  for (let i = 0; i < 3; i++) {
    const bits = SUFFIX.indexOf(s[15 + i].toUpperCase());
    for (let j = 0; j < 5; j++) chars[i * 5 + j] = bits & (1 << j) ? chars[i * 5 + j].toUpperCase() : chars[i * 5 + j].toLowerCase();
  }
  const id15 = chars.join('');
  return id15 + checksum(id15);
}

/** A malformed %-escape stays as sent (the lookup then finds nothing) rather than failing the request. */
const decodeSafe = (s: string) => {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
};

/** Salesforce's JSON dateTime: `2026-11-01T00:00:00.000+0000`. */
const sfDate = (ms: number) => new Date(ms).toISOString().replace('Z', '+0000');

interface Contact {
  Id: string;
  FirstName: string | null;
  LastName: string;
  Email: string | null;
  Phone: string | null;
  AccountId: string | null;
  Lifecycle_Stage__c: string | null;
  Portico_Customer_Id__c: string | null;
  /** The billing standing the payment automations set (a restricted picklist: Active, Past Due). */
  Portico_Billing_Standing__c?: string | null;
  /** The subscription status the subscription automations set (a restricted picklist: Active, Canceling, Canceled). */
  Portico_Subscription_Status__c?: string | null;
  /** Date/time of the last payment (stored as ms, like the system dates). */
  Portico_Last_Payment__c?: number | null;
  /** The CRM's copy of the billing country (ISO 3166-1 alpha-2), written from the billing system. */
  Portico_Billing_Country__c?: string | null;
  CreatedDate: number;
  LastModifiedDate: number;
  SystemModstamp: number;
}
interface Account {
  Id: string;
  Name: string;
  CreatedDate: number;
}

const CONTACT: ObjectSchema = {
  name: 'Contact',
  fields: {
    Id: 'id',
    IsDeleted: 'boolean',
    AccountId: 'id',
    LastName: 'string',
    FirstName: 'string',
    Name: 'string',
    Phone: 'string',
    Email: 'string',
    CreatedDate: 'datetime',
    CreatedById: 'id',
    LastModifiedDate: 'datetime',
    LastModifiedById: 'id',
    SystemModstamp: 'datetime',
    Lifecycle_Stage__c: 'string',
    Portico_Customer_Id__c: 'string',
    Portico_Billing_Standing__c: 'string',
    Portico_Last_Payment__c: 'datetime',
    Portico_Subscription_Status__c: 'string',
    Portico_Billing_Country__c: 'string',
    'Account.Id': 'id',
    'Account.Name': 'string',
  },
};
const ACCOUNT: ObjectSchema = {
  name: 'Account',
  fields: { Id: 'id', IsDeleted: 'boolean', Name: 'string', CreatedDate: 'datetime' },
};
const OWN_FIELDS = Object.keys(CONTACT.fields).filter((f) => !f.includes('.'));
const READ_ONLY = new Set([
  'Id',
  'IsDeleted',
  'Name',
  'CreatedDate',
  'CreatedById',
  'LastModifiedDate',
  'LastModifiedById',
  'SystemModstamp',
]);
const MAX_LENGTH: Record<string, [label: string, max: number]> = {
  FirstName: ['First Name', 40],
  LastName: ['Last Name', 80],
  Email: ['Email', 80],
  Phone: ['Business Phone', 40],
  Portico_Customer_Id__c: ['Portico Customer Id', 32],
};
/** Fields the sObject Rows by External ID resource accepts: Id, idLookup Email, the external id. */
const LOOKUP_FIELDS = ['Id', 'Email', 'Portico_Customer_Id__c'];

const sfErr = (errorCode: string, message: string, fields?: string[]) => ({ message, errorCode, ...(fields ? { fields } : {}) });
const fail = (status: number, errorCode: string, message: string, fields?: string[]): never => {
  throw new HttpError(status, [sfErr(errorCode, message, fields)]);
};
const notFound = () => fail(404, 'NOT_FOUND', 'The requested resource does not exist');
const noSuchColumn = (f: string) =>
  fail(
    400,
    'INVALID_FIELD',
    `No such column '${f}' on entity 'Contact'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
  );

export interface SalesforceSimOptions {
  /** @default '127.0.0.1' */
  host?: string;
  /** 0 = a free port. */
  port?: number;
  /** @default seed(500, 42) */
  data?: SeedData;
  clientId?: string;
  clientSecret?: string;
  username?: string;
  /** PEM public key of the connected app's certificate; enables the JWT bearer flow. */
  jwtPublicKey?: string;
  /** Session lifetime from issue. @default 7200 (2 h, Salesforce's default session timeout) */
  tokenLifetimeS?: number;
  /** Daily (rolling 24 h) API request allocation. @default 100000 */
  dailyApiRequests?: number;
  /** Optional ceiling on API requests per second (by the clock), refused as REQUEST_LIMIT_EXCEEDED. */
  apiRequestsPerSecond?: number;
  /** Largest query batch; Sforce-Query-Options batchSize can lower it. @default 2000 */
  batchSize?: number;
  /** Milliseconds since the epoch. @default Date.now */
  now?: () => number;
  faults?: FaultOptions;
  /**
   * An active duplicate rule on Contact Email with action Block on edit: a write that gives a
   * contact another contact's Email (case-insensitive) is refused with DUPLICATES_DETECTED.
   * @default false (Salesforce's standard rule only alerts)
   */
  blockDuplicateEmails?: boolean;
}

export interface SalesforceSim extends SimServer {
  credentials: { clientId: string; clientSecret: string; username: string };
  /** The token endpoint, `${url}/services/oauth2/token` (login and instance share this server). */
  tokenUrl: string;
  /** Contact Id of a Portico customer id (`'1001'`). */
  contactId(customerId: string): string | undefined;
  /** Deletes a contact (to the recycle bin) by Id or customer id, as a user would; returns its Id. */
  deleteContact(idOrCustomerId: string): string;
  /** Fixes the clock at ms (undefined: back to the `now` option). */
  setNow(ms: number | undefined): void;
  apiUsage(): { used: number; max: number };
}

export async function startSalesforceSim(o: SalesforceSimOptions = {}): Promise<SalesforceSim> {
  const host = o.host ?? '127.0.0.1';
  const data = o.data ?? seed(500, 42);
  const creds = {
    clientId: o.clientId ?? DEFAULT_SALESFORCE_CREDENTIALS.clientId,
    clientSecret: o.clientSecret ?? DEFAULT_SALESFORCE_CREDENTIALS.clientSecret,
    username: o.username ?? DEFAULT_SALESFORCE_CREDENTIALS.username,
  };
  let fixedNow: number | undefined;
  const now = () => fixedNow ?? (o.now ?? Date.now)();
  const orgId = sfId('00D', 1);
  const userId = sfId('005', 1);
  const maxDaily = o.dailyApiRequests ?? 100_000;
  const lifetimeMs = (o.tokenLifetimeS ?? 7200) * 1000;

  // ---- Data: one Account per company, one Contact per customer (ids from the customer id).
  const accounts = new Map<string, Account>();
  const accountByName = new Map<string, Account>();
  const contacts = new Map<string, Contact>();
  for (const c of data.customers) {
    const created = Date.parse(c.createdAt);
    let acct = accountByName.get(c.company);
    if (!acct) {
      acct = { Id: sfId('001', accounts.size + 1), Name: c.company, CreatedDate: created };
      accounts.set(acct.Id, acct);
      accountByName.set(acct.Name, acct);
    }
    const id = sfId('003', Number(c.crmId));
    contacts.set(id, {
      Id: id,
      FirstName: c.firstname,
      LastName: c.lastname,
      Email: c.email,
      Phone: c.phone,
      AccountId: acct.Id,
      Lifecycle_Stage__c: c.lifecyclestage,
      Portico_Customer_Id__c: c.crmId,
      CreatedDate: created,
      LastModifiedDate: created,
      SystemModstamp: created,
    });
  }
  let nextContact = 1000 + data.customers.length + 1;
  const orgCreated = Math.min(...[...contacts.values()].map((c) => c.CreatedDate), Date.UTC(2026, 0, 1));
  const deleted = new Map<string, { contact: Contact; deletedDate: number }>();
  const byCustomerId = (v: string) => [...contacts.values()].find((c) => c.Portico_Customer_Id__c === v);

  const url = (type: string, id: string) => `${BASE}/sobjects/${type}/${id}`;
  const get = (c: Contact, f: string): Value => {
    if (f === 'Name') return [c.FirstName, c.LastName].filter(Boolean).join(' ');
    if (f === 'IsDeleted') return false;
    if (f === 'CreatedById' || f === 'LastModifiedById') return userId;
    if (f.startsWith('Account.')) {
      const a = c.AccountId ? accounts.get(c.AccountId) : undefined;
      return a ? (a[f.slice(8) as 'Id' | 'Name'] ?? null) : null;
    }
    return c[f as keyof Contact] ?? null;
  };
  const fmt = (f: string, v: Value) => (CONTACT.fields[f] === 'datetime' && typeof v === 'number' ? sfDate(v) : v);
  /** A record as the API returns it: attributes, then the fields (a parent's fields nested under its relationship). */
  const project = (c: Contact, fields: string[]) => {
    const out: Record<string, unknown> = { attributes: { type: 'Contact', url: url('Contact', c.Id) } };
    for (const f of fields) {
      if (f.startsWith('Account.')) {
        const a = c.AccountId ? accounts.get(c.AccountId) : undefined;
        if (!a) out.Account = null;
        else {
          const rel = (out.Account ??= { attributes: { type: 'Account', url: url('Account', a.Id) } }) as Record<string, unknown>;
          rel[f.slice(8)] = get(c, f);
        }
      } else out[f] = fmt(f, get(c, f));
    }
    return out;
  };
  const byLower = new Map(Object.keys(CONTACT.fields).map((f) => [f.toLowerCase(), f]));
  /** A `fields=` list, names resolved case-insensitively to their API names; Id always first. */
  const fieldList = (raw: string | null): string[] => {
    if (raw === null) return OWN_FIELDS;
    const names = raw
      .split(',')
      .map((f) => f.trim())
      .filter(Boolean);
    return [...new Set(['Id', ...names.map((f) => byLower.get(f.toLowerCase()) ?? noSuchColumn(f))])];
  };

  // ---- Writes: Salesforce validates every field and reports each problem.
  const validate = (c: Contact | undefined, body: Record<string, unknown>) => {
    const errors: ReturnType<typeof sfErr>[] = [];
    const changes: Partial<Record<keyof Contact, string | null>> = {};
    for (const [k, raw] of Object.entries(body)) {
      if (k === 'attributes') continue;
      const f = byLower.get(k.toLowerCase());
      if (!f || f.includes('.')) return fail(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type Contact`, []);
      if (READ_ONLY.has(f)) {
        errors.push(
          sfErr(
            'INVALID_FIELD_FOR_INSERT_UPDATE',
            `Unable to create/update fields: ${f}. Please check the security settings of this field and verify that it is read/write for your profile or permission set.`,
            [f],
          ),
        );
        continue;
      }
      if (raw !== null && typeof raw === 'object')
        fail(
          400,
          'JSON_PARSER_ERROR',
          `Cannot deserialize instance of string from ${Array.isArray(raw) ? 'START_ARRAY' : 'START_OBJECT'} value`,
        );
      const v = raw === null || raw === '' ? null : typeof raw === 'string' ? raw : JSON.stringify(raw);
      const lim = MAX_LENGTH[f];
      if (v && lim && v.length > lim[1])
        errors.push(sfErr('STRING_TOO_LONG', `${lim[0]}: data value too large: ${v} (max length=${lim[1]})`, [f]));
      else if (f === 'LastName' && v === null) errors.push(sfErr('REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]', [f]));
      else if (f === 'Email' && v && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v))
        errors.push(sfErr('INVALID_EMAIL_ADDRESS', `Email: invalid email address: ${v}`, [f]));
      else if (f === 'Lifecycle_Stage__c' && v && !LIFECYCLE_STAGES.includes(v))
        errors.push(
          sfErr('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `Lifecycle Stage: bad value for restricted picklist field: ${v}`, [f]),
        );
      else if (f === 'Portico_Billing_Standing__c' && v && !['Active', 'Past Due'].includes(v))
        errors.push(
          sfErr('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `Billing Standing: bad value for restricted picklist field: ${v}`, [f]),
        );
      else if (f === 'Portico_Subscription_Status__c' && v && !['Active', 'Canceling', 'Canceled'].includes(v))
        errors.push(
          sfErr('INVALID_OR_NULL_FOR_RESTRICTED_PICKLIST', `Subscription Status: bad value for restricted picklist field: ${v}`, [f]),
        );
      else if (f === 'Portico_Last_Payment__c' && v && Number.isNaN(Date.parse(v)))
        errors.push(sfErr('INVALID_TYPE_ON_FIELD_IN_RECORD', `Last Payment: value not of required type: ${v}`, [f]));
      else if (f === 'AccountId' && v && !normalizeId(v)?.startsWith('001'))
        errors.push(sfErr('MALFORMED_ID', `Account ID: id value of incorrect type: ${v}`, [f]));
      else if (f === 'AccountId' && v && !accounts.has(normalizeId(v)!))
        errors.push(sfErr('INVALID_CROSS_REFERENCE_KEY', 'invalid cross reference id', []));
      else if (f === 'Portico_Customer_Id__c' && v) {
        // The external id field is marked Unique, so a second record cannot take the same value.
        const owner = byCustomerId(v);
        if (owner && owner.Id !== c?.Id)
          errors.push(sfErr('DUPLICATE_VALUE', `duplicate value found: ${f} duplicates value on record with id: ${owner.Id}`, []));
      }
      if (CONTACT.fields[f] === 'datetime') (changes as Record<string, unknown>)[f] = v === null ? null : Date.parse(v);
      else changes[f as keyof Contact] = f === 'AccountId' && v ? normalizeId(v)! : v;
    }
    if (!c && !changes.LastName && !errors.some((e) => e.errorCode === 'REQUIRED_FIELD_MISSING'))
      errors.push(sfErr('REQUIRED_FIELD_MISSING', 'Required fields are missing: [LastName]', ['LastName']));
    if (errors.length) throw new HttpError(400, errors);
    const email = changes.Email;
    if (o.blockDuplicateEmails && email) {
      const dup = [...contacts.values()].find((x) => x.Id !== c?.Id && x.Email?.toLowerCase() === email.toLowerCase());
      if (dup)
        throw new HttpError(400, [
          {
            duplicateResult: {
              allowSave: false,
              duplicateRule: 'Portico_Contact_Email',
              duplicateRuleEntityType: 'Contact',
              errorMessage: 'You are creating a duplicate record. We recommend you use an existing record instead.',
              matchResults: [
                {
                  entityType: 'Contact',
                  matchEngine: 'ExactMatchEngine',
                  matchRecords: [{ record: { attributes: { type: 'Contact', url: url('Contact', dup.Id) }, Id: dup.Id } }],
                  rule: 'Portico_Contact_Email_Exact',
                  size: 1,
                  success: true,
                },
              ],
            },
            errorCode: 'DUPLICATES_DETECTED',
            message: 'You are creating a duplicate record. We recommend you use an existing record instead.',
          },
        ]);
    }
    return changes;
  };
  const apply = (c: Contact, changes: Partial<Record<keyof Contact, string | null>>) => {
    Object.assign(c, changes);
    c.LastModifiedDate = c.SystemModstamp = now();
  };
  const jsonObject = (req: SimRequest): Record<string, unknown> => {
    let v: unknown;
    try {
      v = JSON.parse(req.body.toString('utf8'));
    } catch (e) {
      fail(400, 'JSON_PARSER_ERROR', `Unexpected character: ${(e as Error).message}`);
    }
    if (!v || typeof v !== 'object' || Array.isArray(v))
      fail(400, 'JSON_PARSER_ERROR', 'Cannot deserialize instance of Contact from a non-object value');
    return v as Record<string, unknown>;
  };

  /** Finds by Id (15 or 18 characters) or by an external id / idLookup field. */
  const lookup = (field: string, value: string): Contact[] => {
    const f = LOOKUP_FIELDS.find((x) => x.toLowerCase() === field.toLowerCase());
    if (!f) return fail(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${field}`);
    if (f === 'Id') {
      const id = normalizeId(value);
      if (id && deleted.has(id)) fail(404, 'ENTITY_IS_DELETED', 'entity is deleted');
      const c = id && contacts.get(id);
      return c ? [c] : [];
    }
    return [...contacts.values()].filter((c) => (get(c, f) as string | null)?.toLowerCase() === value.toLowerCase());
  };
  /** `/sobjects/Contact/{x}`: a segment that is no record id is read as an external id field name. */
  const byId = (id: string) =>
    normalizeId(id) ? one('Id', id) : fail(404, 'NOT_FOUND', `Provided external ID field does not exist or is not accessible: ${id}`);
  const one = (field: string, value: string) => {
    const found = lookup(field, value);
    if (found.length > 1)
      throw new HttpError(
        300,
        found.map((c) => url('Contact', c.Id)),
      );
    return found[0] ?? notFound();
  };

  // ---- Query cursors: a user keeps at most 10 open; opening an 11th drops the oldest.
  const cursors = new Map<string, Record<string, unknown>[]>();
  let nextCursor = 1;
  const page = (rows: Record<string, unknown>[], start: number, batch: number, cursor?: string, kind = 'query') => {
    const end = Math.min(rows.length, start + batch);
    if (end < rows.length && !cursor) {
      cursor = sfId('01g', nextCursor++);
      cursors.set(cursor, rows);
      if (cursors.size > 10) cursors.delete(cursors.keys().next().value!);
    }
    return {
      totalSize: rows.length,
      done: end >= rows.length,
      ...(end < rows.length ? { nextRecordsUrl: `${BASE}/${kind}/${cursor}-${end}` } : {}),
      records: rows.slice(start, end),
    };
  };
  const batchOf = (req: SimRequest) => {
    const m = /batchSize\s*=\s*(\d+)/i.exec(String(req.headers['sforce-query-options'] ?? ''));
    const asked = m ? Math.min(2000, Math.max(200, Number(m[1]))) : 2000;
    return Math.min(asked, o.batchSize ?? 2000);
  };

  /** `start`/`end` of Get Updated/Deleted: seconds are ignored, 30 days back at most, start before end. */
  const span = (q: URLSearchParams) => {
    const [start, end] = ['start', 'end'].map((k) => {
      const raw = q.get(k);
      if (!raw) return fail(400, 'MISSING_ARGUMENT', `${k} parameter is required`);
      const t = Date.parse(raw.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
      if (Number.isNaN(t)) return fail(400, 'INVALID_REPLICATION_DATE', `${k} is not a valid dateTime: ${raw}`);
      return Math.floor(t / 60_000) * 60_000;
    });
    if (start >= end) fail(400, 'INVALID_REPLICATION_DATE', 'startDate must chronologically precede endDate');
    if (start < now() - 30 * DAY_MS) fail(400, 'INVALID_REPLICATION_DATE', 'startDate cannot be more than 30 days ago');
    return { start, end, latest: Math.floor(Math.min(end, now()) / 60_000) * 60_000 };
  };

  // ---- OAuth 2.0 token endpoint.
  const tokens = new Map<string, number>();
  const issue = () => {
    const access_token = `${orgId.slice(0, 15)}!${randomBytes(48).toString('base64url')}`;
    tokens.set(access_token, now() + lifetimeMs);
    const id = `${sim.url}/id/${orgId}/${userId}`;
    const issued_at = String(now());
    const signature = createHmac('sha256', creds.clientSecret)
      .update(id + issued_at)
      .digest('base64');
    return { access_token, signature, scope: 'api', instance_url: sim.url, id, token_type: 'Bearer', issued_at };
  };
  const oauthError = (error: string, error_description: string) => new HttpError(400, { error, error_description });
  const token = (req: SimRequest) => {
    const form = new URLSearchParams(req.body.toString('utf8'));
    const grant = form.get('grant_type');
    if (grant === 'client_credentials') {
      // Client authentication in the body or as HTTP Basic (RFC 6749 §2.3.1).
      const basic = /^Basic (.+)$/i.exec(req.headers.authorization ?? '');
      const [id, secret] = basic
        ? Buffer.from(basic[1], 'base64').toString('utf8').split(':').map(decodeSafe)
        : [form.get('client_id'), form.get('client_secret')];
      if (id !== creds.clientId) throw oauthError('invalid_client_id', 'client identifier invalid');
      if (secret !== creds.clientSecret) throw oauthError('invalid_client', 'invalid client credentials');
      return issue();
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:jwt-bearer' && o.jwtPublicKey) {
      let claims: jwt.JwtPayload;
      try {
        claims = jwt.verify(form.get('assertion') ?? '', o.jwtPublicKey, {
          algorithms: ['RS256'],
          clockTimestamp: Math.floor(now() / 1000),
        }) as jwt.JwtPayload;
      } catch {
        throw oauthError('invalid_grant', 'invalid assertion');
      }
      if (claims.iss !== creds.clientId) throw oauthError('invalid_client_id', 'client identifier invalid');
      const aud = [claims.aud ?? []].flat();
      if (!aud.some((a) => ['https://login.salesforce.com', 'https://test.salesforce.com', sim.url].includes(a)))
        throw oauthError('invalid_grant', 'audience is invalid');
      if (claims.sub !== creds.username) throw oauthError('invalid_grant', "user hasn't approved this consumer");
      return issue();
    }
    throw oauthError('unsupported_grant_type', 'grant type not supported');
  };

  // ---- API usage: a rolling 24 h window of call times (refused calls are not counted).
  const calls: number[] = [];
  const usage = () => {
    while (calls.length && calls[0] <= now() - DAY_MS) calls.shift();
    return calls.length;
  };
  const limitHeader = () => ({ 'sforce-limit-info': `api-usage=${usage()}/${maxDaily}` });
  const admit = () => {
    const exceeded = (what: string) => new HttpError(403, [sfErr('REQUEST_LIMIT_EXCEEDED', `${what} Limit exceeded.`)], limitHeader());
    if (usage() >= maxDaily) throw exceeded('TotalRequests');
    if (o.apiRequestsPerSecond !== undefined) {
      let n = 0;
      for (let i = calls.length - 1; i >= 0 && calls[i] > now() - 1000; i--) n++;
      if (n >= o.apiRequestsPerSecond) throw exceeded('ConcurrentPerOrgLongTxn');
    }
    calls.push(now());
  };

  /**
   * SOQL over Contact (query: live records; queryAll: the recycle bin too, IsDeleted true) or
   * Account (Id, Name, CreatedDate).
   */
  const query = (req: SimRequest, all: boolean) => {
    const text = req.query.get('q') ?? '';
    const schema = /\bFROM\s+Account\b/i.test(text) ? ACCOUNT : CONTACT;
    let q;
    try {
      q = parseSoql(text, schema);
    } catch (e) {
      if (e instanceof SoqlError) fail(400, e.errorCode, e.message);
      throw e;
    }
    type Row = { get(f: string): Value; project(fields: string[]): Record<string, unknown> };
    let rows: Row[];
    if (schema === ACCOUNT)
      rows = [...accounts.values()].map((a) => ({
        get: (f) => (f === 'IsDeleted' ? false : f === 'CreatedDate' ? a.CreatedDate : (a[f as 'Id' | 'Name'] ?? null)),
        project: (fields) => ({
          attributes: { type: 'Account', url: url('Account', a.Id) },
          ...Object.fromEntries(
            fields.map((f) => [f, f === 'IsDeleted' ? false : f === 'CreatedDate' ? sfDate(a.CreatedDate) : a[f as 'Id' | 'Name']]),
          ),
        }),
      }));
    else {
      const live = [...contacts.values()].map((c) => ({ c, gone: false }));
      const bin = all ? [...deleted.values()].map((d) => ({ c: d.contact, gone: true })) : [];
      rows = [...live, ...bin].map(({ c, gone }) => ({
        get: (f) => (f === 'IsDeleted' ? gone : get(c, f)),
        project: (fields) => {
          const out = project(c, fields);
          if ('IsDeleted' in out) out.IsDeleted = gone;
          return out;
        },
      }));
    }
    if (q.where) {
      const where = q.where;
      rows = rows.filter((r) => matches(where, (f) => r.get(f), schema.fields));
    }
    const order = q.orderBy;
    if (order) rows.sort((a, b) => compareBy(order, a.get(order.field), b.get(order.field)));
    rows = rows.slice(q.offset ?? 0, q.limit === undefined ? undefined : (q.offset ?? 0) + q.limit);
    return page(
      rows.map((r) => r.project(q.fields)),
      0,
      batchOf(req),
      undefined,
      all ? 'queryAll' : 'query',
    );
  };

  type Reply = { status: number; body?: unknown };
  type Route = { method: string; name: string; re: RegExp; handle(req: SimRequest, p: string[]): Reply };
  const ok = (body: unknown): Reply => ({ status: 200, body });
  const route = (method: string, name: string, handle: Route['handle']): Route => {
    const re = new RegExp(`^${name.replace(/[.]/g, '\\.').replace(/\{\w+\}/g, '([^/]+)')}/?$`);
    return { method, name, re, handle };
  };
  const C = `${BASE}/sobjects/Contact`;
  const routes: Route[] = [
    route('POST', '/services/oauth2/token', (req) => ok(token(req))),
    route('GET', `${C}/updated`, (req) => {
      const w = span(req.query);
      const ids = [...contacts.values()].filter((c) => c.SystemModstamp >= w.start && c.SystemModstamp < w.end).map((c) => c.Id);
      return ok({ ids, latestDateCovered: sfDate(w.latest) });
    }),
    route('GET', `${C}/deleted`, (req) => {
      const w = span(req.query);
      const deletedRecords = [...deleted.values()]
        .filter((d) => d.deletedDate >= w.start && d.deletedDate < w.end)
        .map((d) => ({ id: d.contact.Id, deletedDate: sfDate(d.deletedDate) }));
      return ok({ deletedRecords, earliestDateAvailable: sfDate(orgCreated), latestDateCovered: sfDate(w.latest) });
    }),
    route('GET', `${C}/{id}`, (req, [id]) => ok(project(byId(id), fieldList(req.query.get('fields'))))),
    route('PATCH', `${C}/{id}`, (req, [id]) => {
      const c = byId(id);
      apply(c, validate(c, jsonObject(req)));
      return { status: 204 };
    }),
    route('GET', `${C}/{field}/{value}`, (req, [field, value]) => ok(project(one(field, value), fieldList(req.query.get('fields'))))),
    route('PATCH', `${C}/{field}/{value}`, (req, [field, value]) => {
      const found = lookup(field, value);
      if (found.length > 1)
        throw new HttpError(
          300,
          found.map((c) => url('Contact', c.Id)),
        );
      const f = LOOKUP_FIELDS.find((x) => x.toLowerCase() === field.toLowerCase())!;
      const body = jsonObject(req);
      if (Object.keys(body).some((k) => k.toLowerCase() === f.toLowerCase()))
        fail(400, 'INVALID_FIELD', `Field ${f} should not be specified in the sobject data.`, []);
      const existing = found[0];
      if (existing) {
        apply(existing, validate(existing, body));
        return { status: 200, body: { id: existing.Id, success: true, errors: [], created: false } };
      }
      if (f === 'Id') return notFound();
      const changes = validate(undefined, { ...body, [f]: value });
      const t = now();
      const c: Contact = {
        Id: sfId('003', nextContact++),
        FirstName: null,
        LastName: '',
        Email: null,
        Phone: null,
        AccountId: null,
        Lifecycle_Stage__c: null,
        Portico_Customer_Id__c: null,
        CreatedDate: t,
        LastModifiedDate: t,
        SystemModstamp: t,
        ...changes,
      } as Contact;
      contacts.set(c.Id, c);
      return { status: 201, body: { id: c.Id, success: true, errors: [], created: true } };
    }),
    route('GET', `${BASE}/sobjects/Account/{id}`, (_req, [id]) => {
      const a = accounts.get(normalizeId(id) ?? '') ?? notFound();
      return ok({ attributes: { type: 'Account', url: url('Account', a.Id) }, Id: a.Id, Name: a.Name, CreatedDate: sfDate(a.CreatedDate) });
    }),
    route('POST', `${BASE}/sobjects/Account`, (req) => {
      const body = jsonObject(req);
      for (const k of Object.keys(body))
        if (k !== 'attributes' && k.toLowerCase() !== 'name')
          fail(400, 'INVALID_FIELD', `No such column '${k}' on sobject of type Account`, []);
      const name = typeof body.Name === 'string' ? body.Name : typeof body.name === 'string' ? body.name : '';
      if (!name) fail(400, 'REQUIRED_FIELD_MISSING', 'Required fields are missing: [Name]', ['Name']);
      if (name.length > 255) fail(400, 'STRING_TOO_LONG', `Account Name: data value too large: ${name} (max length=255)`, ['Name']);
      const a: Account = { Id: sfId('001', accounts.size + 1), Name: name, CreatedDate: now() };
      accounts.set(a.Id, a);
      return { status: 201, body: { id: a.Id, success: true, errors: [] } };
    }),
    route('GET', `${BASE}/composite/sobjects/Contact`, (req) => {
      const ids = req.query.get('ids')?.split(',').filter(Boolean) ?? [];
      if (!ids.length || !req.query.get('fields')) fail(400, 'MISSING_ARGUMENT', 'ids and fields are required');
      if (ids.length > 200) fail(400, 'EXCEEDED_ID_LIMIT', 'record limit reached. cannot submit more than 200 records into this call');
      const fields = fieldList(req.query.get('fields'));
      // In the order asked; null for an id that is malformed, of another object, deleted or absent.
      return { status: 200, body: ids.map((id) => contacts.get(normalizeId(id) ?? '') ?? null).map((c) => c && project(c, fields)) };
    }),
    route('GET', `${BASE}/query`, (req) => ok(query(req, false))),
    route('GET', `${BASE}/queryAll`, (req) => ok(query(req, true))),
    ...(['query', 'queryAll'] as const).map((kind) =>
      route('GET', `${BASE}/${kind}/{locator}`, (req, [locator]) => {
        const m = /^(01g\w{15})-(\d+)$/.exec(locator);
        const rows = m && cursors.get(m[1]);
        if (!m || !rows) return fail(400, 'INVALID_QUERY_LOCATOR', 'invalid query locator');
        return { status: 200, body: page(rows, Number(m[2]), batchOf(req), m[1], kind) };
      }),
    ),
  ];

  const gate = createFaultGate(
    {
      failure: (status) =>
        status === 503
          ? [sfErr('SERVER_UNAVAILABLE', 'Server temporarily unavailable. Please try again later.')]
          : [
              sfErr(
                'UNKNOWN_EXCEPTION',
                'An unexpected error occurred. Please include this ErrorId if you contact support: 1234567890-12345 (-1234567890)',
              ),
            ],
      rateLimited: () => [sfErr('REQUEST_LIMIT_EXCEEDED', 'ConcurrentPerOrgLongTxn Limit exceeded.')],
    },
    sendJson,
  );
  if (o.faults) gate.setFaults(o.faults);
  const send = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string>) => {
    if (status !== 204) return sendJson(res, status, body, headers);
    res.writeHead(204, headers);
    res.end();
  };
  const server = createServer(async (req, res) => {
    const u = new URL(req.url ?? '/', 'http://sim');
    const method = req.method ?? 'GET';
    let params: string[] = [];
    const r = routes.find((x) => {
      const m = x.method === method && x.re.exec(u.pathname);
      if (m) params = m.slice(1).map(decodeSafe);
      return !!m;
    });
    const name = r ? `${method} ${r.name}` : `${method} (unknown)`;
    gate.count(name);
    let headers: Record<string, string> = {};
    try {
      if (await gate.gate(res, r ? name : '')) return;
      const body = await readBody(req);
      const simReq: SimRequest = {
        method,
        path: u.pathname,
        query: u.searchParams,
        rawQuery: u.search.slice(1),
        headers: req.headers,
        body,
      };
      if (r?.name !== '/services/oauth2/token') {
        const auth = /^(?:Bearer|OAuth) (.+)$/.exec(req.headers.authorization ?? '');
        const expires = auth ? tokens.get(auth[1]) : undefined;
        if (expires === undefined || expires <= now()) {
          if (auth) tokens.delete(auth[1]);
          throw new HttpError(401, [sfErr('INVALID_SESSION_ID', 'Session expired or invalid')], { 'www-authenticate': 'Token' });
        }
        admit();
        headers = limitHeader();
      }
      if (!r) notFound();
      const out = r!.handle(simReq, params);
      // faults.loseAnswers: the write was made, its answer is lost (the token request is not a write).
      if (r!.name !== '/services/oauth2/token' && gate.loseAnswer(method)) return gate.lostAnswer(res);
      send(res, out.status, out.body, headers);
    } catch (err) {
      if (err instanceof HttpError)
        send(res, err.status, err.status === 413 ? [sfErr('JSON_PARSER_ERROR', 'Request body too large')] : err.body, {
          ...headers,
          ...err.headers,
        });
      else send(res, 500, [sfErr('UNKNOWN_EXCEPTION', (err as Error).message)], headers);
    }
  });
  await new Promise<void>((resolve) => server.listen(o.port ?? 0, host, resolve));
  const { port } = server.address() as AddressInfo;
  const sim: SalesforceSim = {
    server,
    url: `http://${host}:${port}`,
    tokenUrl: `http://${host}:${port}/services/oauth2/token`,
    credentials: creds,
    stats: gate.stats,
    resetStats: () => gate.reset(),
    setFaults: (f) => gate.setFaults(f),
    setRoundTrips: (r) => gate.setRoundTrips(r),
    contactId: (customerId) => byCustomerId(customerId)?.Id,
    deleteContact: (key) => {
      const c = contacts.get(normalizeId(key) ?? '') ?? byCustomerId(key);
      if (!c) throw new Error(`no contact ${key}`);
      contacts.delete(c.Id);
      deleted.set(c.Id, { contact: c, deletedDate: now() });
      return c.Id;
    },
    setNow: (ms) => {
      fixedNow = ms;
    },
    apiUsage: () => ({ used: usage(), max: maxDaily }),
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
  return sim;
}

declare module '../common.js' {
  interface SimSystems {
    salesforce: true;
  }
  interface SimCredentials {
    salesforceClientId: string;
    salesforceClientSecret: string;
  }
  interface SimHooks {
    /** The org's test hooks (its clock: Get Updated reports whole minutes). */
    salesforce: Pick<SalesforceSim, 'setNow' | 'contactId' | 'deleteContact'>;
  }
}

/** Test values, valid only against this simulator. */
const SIM_CREDENTIALS = {
  salesforceClientId: '3MVG9-portico-simulator-client',
  salesforceClientSecret: 'salesforce-sim-secret-0000000000',
};

/** The Salesforce simulator as startSimulators runs it (src/vendors/salesforce points at it). */
export const simulator: SimulatorDescriptor = {
  name: 'salesforce',
  port: 4105,
  credentials: SIM_CREDENTIALS,
  // The same people as the other CRM, under the same customer ids (Contact.Portico_Customer_Id__c).
  // Duplicate emails are blocked, as that CRM refuses them, so both CRMs behave alike.
  start: (c) =>
    startSalesforceSim({
      ...c,
      clientId: SIM_CREDENTIALS.salesforceClientId,
      clientSecret: SIM_CREDENTIALS.salesforceClientSecret,
      blockDuplicateEmails: true,
    }),
  hooks: (server) => server,
};
