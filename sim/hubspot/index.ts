/**
 * HubSpot CRM v3 contacts: get, batch read, list, search, create, update. Bearer private-app token.
 * Error bodies, paging (`paging.next.after`) and limits as HubSpot documents them.
 */
import { randomUUID } from 'node:crypto';
import {
  HttpError,
  jsonBody,
  startJsonSim,
  withStatus,
  type FaultOptions,
  type SimRequest,
  type SimServer,
  type VendorPlans,
} from '../common.js';

const SEARCH_ROUTES = ['POST /crm/v3/objects/contacts/search'];
/**
 * HubSpot private-app limits: requests per 10 s by plan, and CRM search 5 requests a second
 * (search answers carry no rate headers). 429 bodies name the policy; no Retry-After.
 */
export const HUBSPOT_PLANS: VendorPlans = {
  plans: {
    starter: [
      { limit: 100, windowS: 10 },
      { limit: 5, windowS: 1, routes: SEARCH_ROUTES },
    ],
    professional: [
      { limit: 190, windowS: 10 },
      { limit: 5, windowS: 1, routes: SEARCH_ROUTES },
    ],
    enterprise: [
      { limit: 190, windowS: 10 },
      { limit: 5, windowS: 1, routes: SEARCH_ROUTES },
    ],
  },
  headers: (spec, remaining): Record<string, string> =>
    spec.routes
      ? {}
      : {
          'x-hubspot-ratelimit-interval-milliseconds': String(spec.windowS * 1000),
          'x-hubspot-ratelimit-max': String(spec.limit),
          'x-hubspot-ratelimit-remaining': String(remaining),
        },
  refusedBody: (spec) =>
    spec.routes
      ? {
          status: 'error',
          message: 'You have reached your secondly limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: 'SECONDLY',
        }
      : {
          status: 'error',
          message: 'You have reached your ten_secondly_rolling limit.',
          errorType: 'RATE_LIMIT',
          correlationId: randomUUID(),
          policyName: 'TEN_SECONDLY_ROLLING',
        },
};
import type { SeedData } from '../seed.js';
import type { WebhookSender } from '../webhooks.js';
import type { SimulatorDescriptor } from '../common.js';

interface Contact {
  id: string;
  properties: Record<string, string | null>;
  createdAt: string;
  updatedAt: string;
  archived: false;
}

const err = (message: string, category: string, extra: object = {}) => ({
  status: 'error',
  message,
  correlationId: randomUUID(),
  category,
  ...extra,
});
/** Returned when no properties are asked for. */
const DEFAULT_PROPS = ['createdate', 'email', 'firstname', 'hs_object_id', 'lastmodifieddate', 'lastname'];
/** Properties with unique values (a portal's own, created with `hasUniqueValue`): usable as `idProperty`, never two contacts with one value. */
const UNIQUE_PROPS = ['portico_signup_key'];
/** Always returned, whatever properties are asked for. */
const ALWAYS_PROPS = ['createdate', 'hs_object_id', 'lastmodifieddate'];

export async function startHubSpotSim(o: {
  host: string;
  port: number;
  data: SeedData;
  token: string;
  faults?: FaultOptions;
  webhooks?: WebhookSender;
}): Promise<SimServer> {
  const contacts = new Map<string, Contact>();
  for (const c of o.data.customers) {
    contacts.set(c.crmId, {
      id: c.crmId,
      properties: {
        hs_object_id: c.crmId,
        firstname: c.firstname,
        lastname: c.lastname,
        email: c.email,
        phone: c.phone,
        company: c.company,
        lifecyclestage: c.lifecyclestage,
        createdate: c.createdAt,
        lastmodifieddate: c.createdAt,
        stripe_customer_id: c.stripeCustomerId,
        zendesk_user_id: String(c.zendeskUserId),
      },
      createdAt: c.createdAt,
      updatedAt: c.createdAt,
      archived: false,
    });
  }
  const ordered = () => [...contacts.values()].sort((a, b) => Number(a.id) - Number(b.id));

  /**
   * A contact as the API returns it: the requested properties (a requested property the contact
   * lacks comes back as null) plus hs_object_id, createdate and lastmodifieddate; HubSpot's
   * default set when none are requested.
   */
  const view = (c: Contact, props: string[] | undefined) => {
    const wanted = props?.length ? [...new Set([...props, ...ALWAYS_PROPS])] : DEFAULT_PROPS;
    return { ...c, properties: Object.fromEntries(wanted.map((k) => [k, c.properties[k] ?? null])) };
  };
  /** Finds a contact by id or by a unique property (`idProperty=email`). */
  const lookup = (value: string, idProperty?: string | null) => {
    if (!idProperty || idProperty === 'hs_object_id') return contacts.get(value);
    if (idProperty === 'email') value = value.toLowerCase();
    for (const c of contacts.values())
      if ((idProperty === 'email' ? c.properties.email?.toLowerCase() : c.properties[idProperty]) === value) return c;
    return undefined;
  };
  const propsOf = (q: URLSearchParams) => q.get('properties')?.split(',').filter(Boolean);
  const validation = (message: string) => new HttpError(400, err(message, 'VALIDATION_ERROR'));

  const textMatch = (c: Contact, q: string) =>
    ['firstname', 'lastname', 'email', 'phone', 'company'].some((k) => (c.properties[k] ?? '').toLowerCase().includes(q));
  type Filter = { propertyName: string; operator: string; value?: string; values?: string[] };
  const filterMatch = (c: Contact, f: Filter) => {
    const v = c.properties[f.propertyName] ?? (f.propertyName === 'hs_object_id' ? c.id : null);
    const eq = (a: string | null, b: string | undefined) => (a ?? '').toLowerCase() === String(b ?? '').toLowerCase();
    if (f.operator === 'EQ') return eq(v, f.value);
    if (f.operator === 'NEQ') return !eq(v, f.value);
    if (f.operator === 'IN') return (f.values ?? []).some((x) => eq(v, x));
    if (f.operator === 'NOT_IN') return !(f.values ?? []).some((x) => eq(v, x));
    if (f.operator === 'HAS_PROPERTY') return v !== null && v !== '';
    if (f.operator === 'NOT_HAS_PROPERTY') return v === null || v === '';
    if (f.operator === 'CONTAINS_TOKEN')
      return (v ?? '').toLowerCase().includes(
        String(f.value ?? '')
          .replace(/\*/g, '')
          .toLowerCase(),
      );
    throw validation(`Unsupported operator ${f.operator}`);
  };

  return startJsonSim({
    host: o.host,
    port: o.port,
    faults: o.faults,
    plans: HUBSPOT_PLANS,
    errors: {
      failure: () => err('internal error', 'INTERNAL_ERROR'),
      rateLimited: () => ({
        status: 'error',
        message: 'You have reached your secondly limit.',
        errorType: 'RATE_LIMIT',
        correlationId: randomUUID(),
        policyName: 'SECONDLY',
      }),
      notFound: () => err('resource not found', 'OBJECT_NOT_FOUND'),
      tooLarge: () => err('request body too large', 'VALIDATION_ERROR'),
    },
    authenticate: (req: SimRequest) =>
      req.headers.authorization === `Bearer ${o.token}`
        ? undefined
        : new HttpError(
            401,
            err(
              'Authentication credentials not found. This API supports OAuth 2.0 authentication and you can find more details at https://developers.hubspot.com/docs/methods/auth/oauth-overview',
              'INVALID_AUTHENTICATION',
            ),
          ),
    routes: [
      {
        method: 'GET',
        pattern: '/crm/v3/objects/contacts/{id}',
        handle: (req, { id }) => {
          const c = lookup(id, req.query.get('idProperty'));
          if (!c) throw new HttpError(404, err('resource not found', 'OBJECT_NOT_FOUND'));
          return view(c, propsOf(req.query));
        },
      },
      {
        method: 'GET',
        pattern: '/crm/v3/objects/contacts',
        handle: (req) => {
          const limit = Number(req.query.get('limit') ?? 10);
          if (!Number.isInteger(limit) || limit < 1 || limit > 100) throw validation('limit must be between 1 and 100');
          const all = ordered();
          const after = req.query.get('after');
          const start = after ? all.findIndex((c) => Number(c.id) > Number(after)) : 0;
          const page = start < 0 ? [] : all.slice(start, start + limit);
          const last = page.at(-1);
          const more = start >= 0 && start + limit < all.length;
          return {
            results: page.map((c) => view(c, propsOf(req.query))),
            ...(more && last
              ? {
                  paging: {
                    next: { after: last.id, link: `http://${req.headers.host}/crm/v3/objects/contacts?limit=${limit}&after=${last.id}` },
                  },
                }
              : {}),
          };
        },
      },
      {
        // Create a contact: HubSpot keeps one contact per email (409 CONTACT_EXISTS naming the
        // existing id) and refuses a second contact with the value of a unique-value property
        // (here `portico_signup_key`); the new contact's id is the next object id.
        method: 'POST',
        pattern: '/crm/v3/objects/contacts',
        handle: (req) => {
          const { properties } = jsonBody<{ properties?: Record<string, string | null> }>(req);
          if (!properties || typeof properties !== 'object') throw validation('properties is required');
          const email = typeof properties.email === 'string' && properties.email !== '' ? properties.email : null;
          if (email && !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
            throw new HttpError(
              400,
              err('Property values were not valid', 'VALIDATION_ERROR', {
                errors: [{ message: `Email address ${email} is invalid`, code: 'INVALID_EMAIL', context: { propertyName: ['email'] } }],
              }),
            );
          const owner = email ? lookup(email, 'email') : undefined;
          if (owner)
            throw new HttpError(
              409,
              err(`Contact already exists. Existing ID: ${owner.id}`, 'CONFLICT', {
                errors: [{ message: `A contact with email ${email} already exists. Existing ID: ${owner.id}`, in: 'email' }],
              }),
            );
          for (const k of UNIQUE_PROPS) {
            const v = properties[k];
            const holder = typeof v === 'string' && v !== '' ? lookup(v, k) : undefined;
            if (holder)
              throw new HttpError(
                400,
                err(`Property values were not valid`, 'VALIDATION_ERROR', {
                  errors: [
                    {
                      message: `${v} already has that value for unique property ${k}: ${holder.id}`,
                      code: 'DUPLICATE_UNIQUE_VALUE',
                      context: { propertyName: [k] },
                    },
                  ],
                }),
              );
          }
          const id = String(Math.max(0, ...[...contacts.keys()].map(Number).filter(Number.isFinite)) + 1);
          const now = new Date().toISOString();
          const c: Contact = {
            id,
            properties: {
              ...Object.fromEntries(Object.entries(properties).map(([k, v]) => [k, v === null ? null : String(v)])),
              ...(email ? { email: email.toLowerCase() } : {}),
              hs_object_id: id,
              createdate: now,
              lastmodifieddate: now,
            },
            createdAt: now,
            updatedAt: now,
            archived: false,
          };
          contacts.set(id, c);
          o.webhooks?.hubspot({ subscriptionType: 'contact.creation', objectId: id });
          return withStatus(201, view(c, Object.keys(c.properties)));
        },
      },
      {
        method: 'POST',
        pattern: '/crm/v3/objects/contacts/batch/read',
        handle: (req) => {
          const body = jsonBody<{ inputs?: { id: string }[]; properties?: string[]; idProperty?: string }>(req);
          const inputs = body.inputs ?? [];
          if (inputs.length > 100) throw validation('Batch input limit exceeded: 100');
          const startedAt = new Date().toISOString();
          if (!Array.isArray(body.inputs)) throw validation('inputs is required');
          const found = [...new Set(inputs.map((i) => lookup(String(i.id), body.idProperty)).filter((c): c is Contact => !!c))];
          const missing = inputs.map((i) => String(i.id)).filter((id) => !lookup(id, body.idProperty));
          const base = {
            status: 'COMPLETE',
            results: found.map((c) => view(c, body.properties)),
            startedAt,
            completedAt: new Date().toISOString(),
          };
          if (!missing.length) return base;
          return withStatus(207, {
            ...base,
            numErrors: 1,
            errors: [
              {
                status: 'error',
                category: 'OBJECT_NOT_FOUND',
                message: 'Could not get some CONTACT objects, they may be deleted or not exist. Check that ids are valid.',
                context: { ids: missing },
              },
            ],
          });
        },
      },
      {
        method: 'POST',
        pattern: '/crm/v3/objects/contacts/search',
        handle: (req) => {
          const body = jsonBody<{
            query?: string;
            filterGroups?: { filters: Filter[] }[];
            properties?: string[];
            limit?: number;
            after?: string;
            sorts?: ({ propertyName: string; direction: string } | string)[];
          }>(req);
          const limit = body.limit ?? 10;
          if (!Number.isInteger(limit) || limit < 1 || limit > 200) throw validation('limit must be between 1 and 200');
          const groups = body.filterGroups ?? [];
          if (groups.length > 5) throw validation('Too many filter groups: at most 5 are allowed');
          if (groups.some((g) => (g.filters ?? []).length > 6) || groups.reduce((n, g) => n + (g.filters ?? []).length, 0) > 18)
            throw validation('Too many filters: at most 6 per group and 18 in total are allowed');
          const q = body.query?.trim().toLowerCase();
          let rows = ordered().filter(
            (c) => (!q || textMatch(c, q)) && (!groups.length || groups.some((g) => (g.filters ?? []).every((f) => filterMatch(c, f)))),
          );
          // One sort, as HubSpot allows; hs_object_id ascending by default.
          const raw = body.sorts?.[0];
          const sort =
            typeof raw === 'string'
              ? { propertyName: raw.replace(/^-/, ''), direction: raw.startsWith('-') ? 'DESCENDING' : 'ASCENDING' }
              : raw;
          if (sort && sort.propertyName !== 'hs_object_id') {
            const k = sort.propertyName;
            rows = rows.sort((a, b) => (a.properties[k] ?? '').localeCompare(b.properties[k] ?? '') || Number(a.id) - Number(b.id));
          }
          if (sort?.direction === 'DESCENDING') rows = rows.reverse();
          const offset = Number(body.after ?? 0);
          if (!Number.isInteger(offset) || offset < 0) throw validation('after must be a numeric offset');
          if (offset + limit > 10_000) throw validation('Search results are limited to 10,000 records');
          const page = rows.slice(offset, offset + limit);
          const next = offset + limit < rows.length ? { paging: { next: { after: String(offset + limit) } } } : {};
          return { total: rows.length, results: page.map((c) => view(c, body.properties)), ...next };
        },
      },
      {
        method: 'PATCH',
        pattern: '/crm/v3/objects/contacts/{id}',
        handle: (req, { id }) => {
          const c = lookup(id, req.query.get('idProperty'));
          if (!c) throw new HttpError(404, err('resource not found', 'OBJECT_NOT_FOUND'));
          const { properties } = jsonBody<{ properties?: Record<string, string> }>(req);
          if (!properties || typeof properties !== 'object') throw validation('properties is required');
          const email = properties.email;
          if (typeof email === 'string' && email !== '') {
            if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
              throw new HttpError(
                400,
                err('Property values were not valid', 'VALIDATION_ERROR', {
                  errors: [{ message: `Email address ${email} is invalid`, code: 'INVALID_EMAIL', context: { propertyName: ['email'] } }],
                }),
              );
            const owner = lookup(email, 'email');
            // HubSpot keeps one contact per email: taking another contact's email is a conflict.
            if (owner && owner.id !== c.id)
              throw new HttpError(
                409,
                err(`Contact already exists. Existing ID: ${owner.id}`, 'OBJECT_ALREADY_EXISTS', {
                  error: 'CONTACT_EXISTS',
                  errors: [{ message: `A contact with email ${email} already exists. Existing ID: ${owner.id}`, in: 'email' }],
                }),
              );
            properties.email = email.toLowerCase();
          }
          const now = new Date().toISOString();
          for (const [k, v] of Object.entries(properties)) {
            if (k === 'hs_object_id') continue;
            const next = v === null ? null : String(v);
            if (c.properties[k] !== next)
              o.webhooks?.hubspot({
                subscriptionType: 'contact.propertyChange',
                objectId: c.id,
                propertyName: k,
                propertyValue: next ?? '',
              });
            c.properties[k] = next;
          }
          c.properties.lastmodifieddate = now;
          c.updatedAt = now;
          return { ...c, properties: { ...c.properties } };
        },
      },
    ],
  });
}

declare module '../common.js' {
  interface SimSystems {
    hubspot: true;
  }
  interface SimCredentials {
    hubspotToken: string;
  }
}

/** Test values, valid only against this simulator. */
const SIM_CREDENTIALS = { hubspotToken: 'pat-sim-00000000-0000-0000-0000-000000000000' };

/** The HubSpot simulator as startSimulators runs it (src/vendors/hubspot points at it). */
export const simulator: SimulatorDescriptor = {
  name: 'hubspot',
  port: 4101,
  credentials: SIM_CREDENTIALS,
  start: (c) => startHubSpotSim({ ...c, token: SIM_CREDENTIALS.hubspotToken }),
};
