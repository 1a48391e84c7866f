/**
 * HubSpot CRM v3 contacts. Reads use the batch read endpoint (100 ids a call) and the search
 * endpoint (one call a page, with the total). Network policy comes from platform/http.
 */
import { z } from 'zod';
import { parseUpstream, UpstreamHttpError, type HttpClient } from '../../platform/http.js';
import type { Logger } from '../../platform/logger.js';
import { createUnknownValueLog } from '../../platform/unknown.js';
import { chunk } from '../../platform/concurrency.js';
import type { Priority } from '../../platform/budget.js';
import { ContactConflictError, ContactInvalidError, type CrmContact, type CrmPort } from '../../ports/crm.js';
import {
  BILLING_COUNTRY_PROPERTY,
  CONTACT_PROPERTIES,
  HUBSPOT_PROPERTY,
  HubSpotContact,
  LAST_PAYMENT_PROPERTY,
  STANDING_PROPERTY,
  SUBSCRIPTION_STATUS_PROPERTY,
  toCrmContact,
} from './mappers.js';
import { coalesce } from '../../platform/coalesce.js';

/**
 * The contact property holding the sign-up key of a contact Portico created: a single-line text
 * property created once with "unique values" (`hasUniqueValue: true`), so HubSpot reads a contact
 * by it (`idProperty`) and refuses a second contact with the same value.
 */
export const SIGNUP_KEY_PROPERTY = 'portico_signup_key';

const BatchResponse = z.object({ results: z.array(HubSpotContact) });
const SearchResponse = z.object({
  total: z.number(),
  results: z.array(HubSpotContact),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});

/** HubSpot's search takes up to 100 values per IN filter and 5 filter groups (OR-ed): 500 ids. */
const IN_VALUES = 100;

/** The CRM port as HubSpot serves it (src/ports/crm.ts). */
export type CrmConnector = CrmPort;

const ListResponse = z.object({
  results: z.array(HubSpotContact),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});

const BATCH_LIMIT = 100;

const StandingResponse = z.object({ properties: z.record(z.string(), z.string().nullable().optional()) });

const parse = <T>(schema: z.ZodType<T>, body: unknown): T => parseUpstream('crm', schema, body);

/** Batch reads in flight at once per process; more requests' ids wait and go together. */
const BATCH_READS_IN_FLIGHT = 2;

export function createCrmConnector(deps: { http: HttpClient; logger?: Logger }): CrmConnector {
  const { http } = deps;
  const onUnknown = createUnknownValueLog({ system: 'crm', logger: deps.logger });
  async function batchRead(ids: readonly string[], priority: Priority = 'interactive'): Promise<Map<string, CrmContact>> {
    const out = new Map<string, CrmContact>();
    for (const part of chunk(ids, BATCH_LIMIT)) {
      let body: unknown;
      try {
        body = await http.send({
          method: 'POST',
          path: '/crm/v3/objects/contacts/batch/read',
          route: 'contacts.batchRead',
          idempotent: true,
          priority,
          body: { inputs: part.map((id) => ({ id })), properties: CONTACT_PROPERTIES },
        });
      } catch (err) {
        // 404 when none of the ids exist: an empty result, not a failure.
        if (err instanceof UpstreamHttpError && err.status === 404) continue;
        throw err;
      }
      for (const dto of parse(BatchResponse, body).results) out.set(dto.id, toCrmContact(dto, onUnknown));
    }
    return out;
  }
  const coalesced = coalesce((ids) => batchRead(ids), BATCH_READS_IN_FLIGHT, BATCH_LIMIT);
  /**
   * Sets Portico's own properties of a contact to absolute values (a repeat leaves the same
   * contact; an empty string clears one). False when the contact does not exist.
   */
  async function setProperties(id: string, properties: Record<string, string>): Promise<boolean> {
    try {
      await http.send({
        method: 'PATCH',
        path: `/crm/v3/objects/contacts/${encodeURIComponent(id)}`,
        route: 'contacts.update',
        idempotent: true,
        body: { properties },
      });
      return true;
    } catch (err) {
      if (err instanceof UpstreamHttpError && err.status === 404) return false;
      throw err;
    }
  }
  return {
    getContacts: (ids, opts) => (opts?.priority === 'background' ? batchRead(ids, 'background') : coalesced.get(ids)),
    async searchContacts(s) {
      const body = await http.send({
        method: 'POST',
        path: '/crm/v3/objects/contacts/search',
        route: 'contacts.search',
        cls: 'search',
        idempotent: true,
        body: {
          ...(s.query ? { query: s.query } : {}),
          ...(s.ids
            ? {
                filterGroups: chunk(s.ids, IN_VALUES).map((values) => ({
                  filters: [{ propertyName: 'hs_object_id', operator: 'IN', values }],
                })),
              }
            : {}),
          properties: CONTACT_PROPERTIES,
          sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
          limit: s.limit,
          // HubSpot's search paging token is the offset.
          ...(s.offset ? { after: String(s.offset) } : {}),
        },
      });
      const r = parse(SearchResponse, body);
      return { total: r.total, contacts: r.results.map((dto) => toCrmContact(dto, onUnknown)) };
    },
    async updateContact(id, patch) {
      const properties = Object.fromEntries(
        (Object.keys(patch) as (keyof typeof patch)[]).map((f) => [HUBSPOT_PROPERTY[f], patch[f] as string]),
      );
      let body: unknown;
      try {
        body = await http.send({
          method: 'PATCH',
          path: `/crm/v3/objects/contacts/${encodeURIComponent(id)}`,
          route: 'contacts.update',
          // Absolute values: the same PATCH twice leaves the same contact, so a retry is safe.
          idempotent: true,
          body: { properties },
        });
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 404) return null;
        if (err instanceof UpstreamHttpError && err.status === 409) throw new ContactConflictError('email already in use');
        if (err instanceof UpstreamHttpError && err.status === 400) throw new ContactInvalidError(hubspotMessage(err.body));
        throw err;
      }
      return toCrmContact(parse(HubSpotContact, body), onUnknown);
    },
    async createContact(signupKey, fields) {
      // The sign-up key lives in a unique-value property, so HubSpot reads the contact by it and
      // refuses a second contact with it: read first, create, and read again on a refusal.
      const byKey = async (): Promise<CrmContact | null> => {
        try {
          const body = await http.send({
            method: 'GET',
            path: `/crm/v3/objects/contacts/${encodeURIComponent(signupKey)}`,
            route: 'contacts.read',
            query: { idProperty: SIGNUP_KEY_PROPERTY, properties: CONTACT_PROPERTIES.join(',') },
          });
          return toCrmContact(parse(HubSpotContact, body), onUnknown);
        } catch (err) {
          if (err instanceof UpstreamHttpError && err.status === 404) return null;
          throw err;
        }
      };
      const made = await byKey();
      if (made) return made;
      const properties: Record<string, string> = { [SIGNUP_KEY_PROPERTY]: signupKey, lastname: fields.lastName };
      if (fields.firstName) properties.firstname = fields.firstName;
      if (fields.email) properties.email = fields.email;
      if (fields.company) properties.company = fields.company;
      try {
        const body = await http.send({
          method: 'POST',
          path: '/crm/v3/objects/contacts',
          route: 'contacts.create',
          // A retry after a lost answer meets the unique key (or the email) and is read back below.
          idempotent: true,
          body: { properties },
        });
        return toCrmContact(parse(HubSpotContact, body), onUnknown);
      } catch (err) {
        if (!(err instanceof UpstreamHttpError) || (err.status !== 409 && err.status !== 400)) throw err;
        const mine = await byKey();
        if (mine) return mine;
        if (err.status === 409) throw new ContactConflictError('email already in use');
        throw new ContactInvalidError(hubspotMessage(err.body));
      }
    },
    setBillingStanding: (id, patch) =>
      setProperties(id, {
        [STANDING_PROPERTY]: patch.standing.toLowerCase(),
        ...(patch.lastPaymentAt ? { [LAST_PAYMENT_PROPERTY]: patch.lastPaymentAt } : {}),
      }),
    async billingStanding(id) {
      try {
        const body = await http.send({
          method: 'GET',
          path: `/crm/v3/objects/contacts/${encodeURIComponent(id)}`,
          route: 'contacts.read',
          query: { properties: `${STANDING_PROPERTY},${LAST_PAYMENT_PROPERTY}` },
        });
        const p = parse(StandingResponse, body).properties;
        const s = p[STANDING_PROPERTY]?.toUpperCase();
        return { standing: s === 'ACTIVE' || s === 'PAST_DUE' ? s : null, lastPaymentAt: p[LAST_PAYMENT_PROPERTY] ?? null };
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 404) return null;
        throw err;
      }
    },
    setSubscriptionStatus: (id, status) => setProperties(id, { [SUBSCRIPTION_STATUS_PROPERTY]: status.toLowerCase() }),
    setBillingCopy: (id, copy) => setProperties(id, { [BILLING_COUNTRY_PROPERTY]: copy.billingCountry ?? '' }),
    async billingCopy(id) {
      try {
        const body = await http.send({
          method: 'GET',
          path: `/crm/v3/objects/contacts/${encodeURIComponent(id)}`,
          route: 'contacts.read',
          query: { properties: BILLING_COUNTRY_PROPERTY },
          priority: 'background',
        });
        return { billingCountry: parse(StandingResponse, body).properties[BILLING_COUNTRY_PROPERTY] || null };
      } catch (err) {
        if (err instanceof UpstreamHttpError && err.status === 404) return null;
        throw err;
      }
    },
    async listContacts(limit, cursor) {
      const body = await http.send({
        method: 'GET',
        path: '/crm/v3/objects/contacts',
        route: 'contacts.list',
        query: { limit, properties: CONTACT_PROPERTIES.join(','), ...(cursor ? { after: cursor } : {}) },
      });
      const r = parse(ListResponse, body);
      return { contacts: r.results.map((dto) => toCrmContact(dto, onUnknown)), nextCursor: r.paging?.next?.after };
    },
  };
}

function hubspotMessage(body: unknown): string {
  const m = (body as { message?: unknown } | null)?.message;
  return typeof m === 'string' ? m.slice(0, 200) : 'invalid value';
}
