/**
 * HubSpot CRM v3 contacts. Reads use the batch read endpoint (100 ids a call) and the search
 * endpoint (one call a page, with the total). Network policy comes from platform/http.
 */
import { z } from 'zod';
import { parseUpstream, UpstreamHttpError, type HttpClient } from '../../platform/http.js';
import { chunk } from '../../platform/concurrency.js';
import { CONTACT_PROPERTIES, HubSpotContact, toCrmContact, type CrmContact } from './mappers.js';

const BatchResponse = z.object({ results: z.array(HubSpotContact) });
const SearchResponse = z.object({
  total: z.number(),
  results: z.array(HubSpotContact),
  paging: z.object({ next: z.object({ after: z.string() }).optional() }).optional(),
});

export interface CrmSearch {
  query?: string;
  limit: number;
  /** HubSpot's paging offset, as returned in `paging.next.after`. */
  after?: string;
}

export interface CrmConnector {
  /** Contacts by id; missing ids are absent from the map. */
  getContacts(ids: readonly string[]): Promise<Map<string, CrmContact>>;
  searchContacts(s: CrmSearch): Promise<{ total: number; contacts: CrmContact[]; nextAfter?: string }>;
}

const BATCH_LIMIT = 100;

const parse = <T>(schema: z.ZodType<T>, body: unknown): T => parseUpstream('crm', schema, body);

export function createCrmConnector(deps: { http: HttpClient }): CrmConnector {
  const { http } = deps;
  return {
    async getContacts(ids) {
      const out = new Map<string, CrmContact>();
      for (const part of chunk(ids, BATCH_LIMIT)) {
        let body: unknown;
        try {
          body = await http.send({
            method: 'POST',
            path: '/crm/v3/objects/contacts/batch/read',
            route: 'contacts.batchRead',
            idempotent: true,
            body: { inputs: part.map((id) => ({ id })), properties: CONTACT_PROPERTIES },
          });
        } catch (err) {
          // 404 when none of the ids exist: an empty result, not a failure.
          if (err instanceof UpstreamHttpError && err.status === 404) continue;
          throw err;
        }
        for (const dto of parse(BatchResponse, body).results) out.set(dto.id, toCrmContact(dto));
      }
      return out;
    },
    async searchContacts(s) {
      const body = await http.send({
        method: 'POST',
        path: '/crm/v3/objects/contacts/search',
        route: 'contacts.search',
        cls: 'search',
        idempotent: true,
        body: {
          ...(s.query ? { query: s.query } : {}),
          properties: CONTACT_PROPERTIES,
          sorts: [{ propertyName: 'hs_object_id', direction: 'ASCENDING' }],
          limit: s.limit,
          ...(s.after ? { after: s.after } : {}),
        },
      });
      const r = parse(SearchResponse, body);
      return { total: r.total, contacts: r.results.map(toCrmContact), nextAfter: r.paging?.next?.after };
    },
  };
}
