/**
 * Zendesk Support API: users (show, show_many by ids or external_ids, create_or_update, update), tickets requested by a
 * user (cursor and offset pagination), ticket search by requester and status, show_many tickets, comments (with users sideloaded),
 * create and update tickets. Basic `email/token:apitoken` auth or Bearer.
 */
import { HttpError, jsonBody, startJsonSim, withStatus, type FaultOptions, type SimServer, type VendorPlans } from '../common.js';

/**
 * Zendesk Support API limits per minute by plan (account-wide, every API client together);
 * answers carry X-Rate-Limit and X-Rate-Limit-Remaining, a 429 carries Retry-After.
 */
export const ZENDESK_PLANS: VendorPlans = {
  plans: {
    team: [{ limit: 200, windowS: 60 }],
    growth: [{ limit: 400, windowS: 60 }],
    professional: [{ limit: 400, windowS: 60 }],
    enterprise: [{ limit: 700, windowS: 60 }],
    'high-volume': [{ limit: 2500, windowS: 60 }],
  },
  headers: (spec, remaining) => ({ 'x-rate-limit': String(spec.limit), 'x-rate-limit-remaining': String(remaining) }),
  refusedHeaders: (_spec, resetS) => ({ 'retry-after': String(resetS) }),
};
import type { SeedData, ZendeskComment, ZendeskTicket, ZendeskUser } from '../seed.js';
import type { WebhookSender } from '../webhooks.js';
import type { SimulatorDescriptor } from '../common.js';

/** Zendesk's 422 for a field it refuses: `RecordInvalid` with the field's description. */
const recordInvalid = (field: string, description: string) =>
  new HttpError(422, { error: 'RecordInvalid', description: 'Record validation errors', details: { [field]: [{ description }] } });

const notFound = () => new HttpError(404, { error: 'RecordNotFound', description: 'Not found' });
const invalid = (description: string) => new HttpError(400, { error: 'InvalidPaginationParameter', description });

export async function startZendeskSim(o: {
  host: string;
  port: number;
  data: SeedData;
  email: string;
  apiToken: string;
  faults?: FaultOptions;
  webhooks?: WebhookSender;
}): Promise<SimServer> {
  // The server's own URL (known once it listens): resource `url`s and pagination links point at it,
  // as Zendesk's point at https://<subdomain>.zendesk.com.
  let base = '';
  const users = new Map<number, ZendeskUser>();
  const byExternal = new Map<string, ZendeskUser>();
  const tickets = new Map<number, ZendeskTicket>();
  const comments = new Map<number, ZendeskComment[]>();
  // Agents carry Portico's staff link, `staff:<token subject>`, as an admin sets it up: the first
  // four are agent-1..agent-4, the last one is the admin-1 of the development tokens.
  o.data.agents.forEach((a, i) => {
    const staff = i === o.data.agents.length - 1 ? 'admin-1' : `agent-${i + 1}`;
    const agent = { ...a, external_id: a.external_id ?? `staff:${staff}` };
    users.set(a.id, agent);
    byExternal.set(agent.external_id, agent);
  });
  let nextTicket = 1;
  let nextComment = 1;
  for (const c of o.data.customers) {
    const u: ZendeskUser = {
      id: c.zendeskUserId,
      url: '',
      name: `${c.firstname} ${c.lastname}`,
      email: c.email,
      role: 'end-user',
      external_id: c.crmId,
      phone: c.phone,
      time_zone: 'UTC',
      created_at: c.createdAt,
      updated_at: c.createdAt,
    };
    users.set(u.id, u);
    byExternal.set(c.crmId, u);
    for (const { comments: cs, ...t } of c.tickets) {
      tickets.set(t.id, { ...t });
      comments.set(
        t.id,
        cs.map((x) => ({ ...x })),
      );
      nextTicket = Math.max(nextTicket, t.id + 1);
      for (const x of cs) nextComment = Math.max(nextComment, x.id + 1);
    }
  }
  const ids = (v: string | null, max = 100) => {
    const list = (v ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
    if (list.length > max) throw new HttpError(400, { error: 'InvalidValue', description: `You may request at most ${max} records` });
    return list;
  };
  const cursor = (n: number) => Buffer.from(`c:${n}`).toString('base64url');
  const uncursor = (s: string) => {
    const n = Number(Buffer.from(s, 'base64url').toString().replace('c:', ''));
    if (!Number.isInteger(n) || n < 0) throw invalid('page[after] is not a valid cursor');
    return n;
  };
  /** A ticket as Zendesk's event webhooks describe it in `detail` (ids as strings, upper-case enums). */
  const ticketDetail = (t: ZendeskTicket) => ({
    id: String(t.id),
    actor_id: String(t.requester_id),
    assignee_id: t.assignee_id === null ? null : String(t.assignee_id),
    created_at: t.created_at,
    description: t.description,
    external_id: t.external_id,
    priority: t.priority?.toUpperCase() ?? null,
    requester_id: String(t.requester_id),
    status: t.status.toUpperCase(),
    subject: t.subject,
    submitter_id: String(t.submitter_id),
    tags: t.tags,
    type: null,
    updated_at: t.updated_at,
    via: { channel: 'web_service' },
  });
  /**
   * Zendesk's idempotent ticket creation: a key is kept 2 hours with a fingerprint of the request;
   * the same key and body answer the first response again (`x-idempotency-lookup: hit`), the same
   * key with another body is refused.
   */
  const idempotency = new Map<string, { fingerprint: string; at: number; status: number; body: object; headers: Record<string, string> }>();
  const IDEMPOTENCY_TTL_MS = 2 * 3600_000;
  const basic = `Basic ${Buffer.from(`${o.email}/token:${o.apiToken}`).toString('base64')}`;
  const now = () => new Date().toISOString().replace(/\.\d+Z$/, 'Z');

  const sim = await startJsonSim({
    host: o.host,
    port: o.port,
    faults: o.faults,
    plans: ZENDESK_PLANS,
    errors: {
      failure: () => ({ error: 'InternalError', description: 'Something went wrong. Please try again later.' }),
      rateLimited: () => ({ error: 'APIRateLimitExceeded', description: 'Number of allowed API requests per minute exceeded' }),
      notFound: () => ({ error: 'InvalidEndpoint', description: 'Not found' }),
      tooLarge: () => ({ error: 'RequestTooLarge', description: 'Request body too large' }),
    },
    authenticate: (req) =>
      req.headers.authorization === basic || req.headers.authorization === `Bearer ${o.apiToken}`
        ? undefined
        : new HttpError(401, { error: "Couldn't authenticate you" }),
    routes: [
      {
        method: 'GET',
        pattern: '/api/v2/users/show_many',
        handle: (req) => {
          const ext = req.query.get('external_ids');
          if (ext !== null)
            return {
              users: ids(ext)
                .map((e) => byExternal.get(e))
                .filter(Boolean),
            };
          return {
            users: ids(req.query.get('ids'))
              .map((i) => users.get(Number(i)))
              .filter(Boolean),
          };
        },
      },
      {
        method: 'GET',
        pattern: '/api/v2/users/{id}/tickets/requested',
        handle: (req, { id }) => {
          const user = users.get(Number(id));
          if (!user) throw notFound();
          const sort = req.query.get('sort') ?? 'id';
          const desc = sort.startsWith('-');
          const field = sort.replace(/^-/, '') as 'id' | 'updated_at' | 'created_at';
          const rows = [...tickets.values()]
            .filter((t) => t.requester_id === user.id)
            .sort((a, b) => {
              const x = field === 'id' ? a.id - b.id : a[field].localeCompare(b[field]) || a.id - b.id;
              return desc ? -x : x;
            });
          const size = req.query.get('page[size]');
          if (size !== null) {
            const n = Number(size);
            if (!Number.isInteger(n) || n < 1 || n > 100) throw invalid('page[size] must be between 1 and 100');
            const after = req.query.get('page[after]');
            const before = req.query.get('page[before]');
            // Cursors are offsets into the sorted list: after_cursor = end of the page, before_cursor = its start.
            const end = before ? uncursor(before) : undefined;
            const start = end !== undefined ? Math.max(0, end - n) : after ? uncursor(after) : 0;
            const page = rows.slice(start, end ?? start + n);
            const more = end !== undefined ? start > 0 : start + n < rows.length;
            const url = `${base}/api/v2/users/${id}/tickets/requested.json?page%5Bsize%5D=${n}${req.query.get('sort') ? `&sort=${encodeURIComponent(sort)}` : ''}`;
            const afterCursor = page.length ? cursor(start + page.length) : null;
            const beforeCursor = page.length ? cursor(start) : null;
            return {
              tickets: page,
              meta: { has_more: more, after_cursor: afterCursor, before_cursor: beforeCursor },
              links: {
                next: start + page.length < rows.length && afterCursor ? `${url}&page%5Bafter%5D=${afterCursor}` : null,
                prev: start > 0 && beforeCursor ? `${url}&page%5Bbefore%5D=${beforeCursor}` : null,
              },
            };
          }
          const perPage = Math.min(100, Number(req.query.get('per_page') ?? 100));
          const pageNo = Number(req.query.get('page') ?? 1);
          const page = rows.slice((pageNo - 1) * perPage, pageNo * perPage);
          return {
            tickets: page,
            next_page: pageNo * perPage < rows.length ? `${base}/api/v2/users/${id}/tickets/requested.json?page=${pageNo + 1}` : null,
            previous_page: pageNo > 1 ? `${base}/api/v2/users/${id}/tickets/requested.json?page=${pageNo - 1}` : null,
            count: rows.length,
          };
        },
      },
      {
        method: 'GET',
        pattern: '/api/v2/users/{id}',
        handle: (_req, { id }) => {
          const user = users.get(Number(id));
          if (!user) throw notFound();
          return { user };
        },
      },
      {
        // Search (tickets only): `type:ticket` with `requester:` (user id or email) and `status:`
        // keywords; several values of one keyword are OR-ed, different keywords AND-ed, as Zendesk
        // does. Offset pagination, at most 100 a page and 1,000 results a query (422 past it).
        method: 'GET',
        pattern: '/api/v2/search',
        handle: (req) => {
          const query = req.query.get('query');
          if (!query) throw new HttpError(400, { error: 'InvalidSearch', description: 'query is required' });
          const terms = new Map<string, string[]>();
          for (const tok of query.trim().split(/\s+/)) {
            const m = /^(\w+):(.+)$/.exec(tok);
            if (!m)
              throw new HttpError(400, {
                error: 'InvalidSearch',
                description: `the simulator supports keyword:value terms only, got ${JSON.stringify(tok)}`,
              });
            terms.set(m[1], [...(terms.get(m[1]) ?? []), m[2].replace(/^"|"$/g, '')]);
          }
          if (terms.get('type')?.[0] !== 'ticket')
            throw new HttpError(400, { error: 'InvalidSearch', description: 'the simulator searches tickets only: add type:ticket' });
          for (const k of terms.keys())
            if (!['type', 'requester', 'status'].includes(k))
              throw new HttpError(400, { error: 'InvalidSearch', description: `keyword ${k} is not supported by the simulator` });
          const requesters = new Set(
            (terms.get('requester') ?? [])
              .map((v) => (/^\d+$/.test(v) ? Number(v) : [...users.values()].find((u) => u.email?.toLowerCase() === v.toLowerCase())?.id))
              .filter((v): v is number => v !== undefined),
          );
          const statuses = terms.get('status');
          const sortBy = req.query.get('sort_by') ?? 'updated_at';
          if (!['updated_at', 'created_at', 'priority', 'status', 'ticket_type'].includes(sortBy))
            throw new HttpError(400, {
              error: 'InvalidSearch',
              description: 'sort_by must be one of updated_at, created_at, priority, status, ticket_type',
            });
          const asc = req.query.get('sort_order') === 'asc';
          const field = sortBy === 'created_at' ? 'created_at' : 'updated_at';
          const rows = [...tickets.values()]
            .filter((t) => (!terms.has('requester') || requesters.has(t.requester_id)) && (!statuses || statuses.includes(t.status)))
            .sort((a, b) => {
              const x = a[field].localeCompare(b[field]) || a.id - b.id;
              return asc ? x : -x;
            });
          const perPage = Number(req.query.get('per_page') ?? 100);
          const pageNo = Number(req.query.get('page') ?? 1);
          if (!Number.isInteger(perPage) || perPage < 1 || perPage > 100 || !Number.isInteger(pageNo) || pageNo < 1)
            throw invalid('per_page must be 1-100 and page a positive integer');
          if (pageNo * perPage > 1000)
            throw new HttpError(422, { error: 'InsufficientResourceError', description: 'Search results are limited to 1,000 per query' });
          const link = (n: number) =>
            `${base}/api/v2/search.json?query=${encodeURIComponent(query)}&per_page=${perPage}&sort_by=${sortBy}&sort_order=${asc ? 'asc' : 'desc'}&page=${n}`;
          const more = pageNo * perPage < Math.min(rows.length, 1000);
          return {
            results: rows.slice((pageNo - 1) * perPage, pageNo * perPage).map((t) => ({ ...t, result_type: 'ticket' })),
            facets: null,
            next_page: more ? link(pageNo + 1) : null,
            previous_page: pageNo > 1 ? link(pageNo - 1) : null,
            count: rows.length,
          };
        },
      },
      {
        // Create or Update User: matched by `external_id`, else by `email`; a match is updated with
        // the fields given (200), none creates an end user (201), as Zendesk does. Safe to send twice.
        method: 'POST',
        pattern: '/api/v2/users/create_or_update',
        handle: (req) => {
          const { user: u } = jsonBody<{ user?: { name?: unknown; email?: unknown; external_id?: unknown; role?: unknown } }>(req);
          if (!u || typeof u !== 'object') throw new HttpError(400, { error: 'InvalidValue', description: 'user is required' });
          if (typeof u.name !== 'string' || !u.name.trim()) throw recordInvalid('name', 'Name: cannot be blank');
          if (u.email !== undefined && (typeof u.email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(u.email)))
            throw recordInvalid('email', `Email: ${JSON.stringify(u.email)} is not properly formatted`);
          const ext = typeof u.external_id === 'string' && u.external_id ? u.external_id : null;
          const email = typeof u.email === 'string' ? u.email.toLowerCase() : null;
          const match =
            (ext ? byExternal.get(ext) : undefined) ??
            (email ? [...users.values()].find((x) => x.email?.toLowerCase() === email) : undefined);
          const t = now();
          if (match) {
            match.name = u.name;
            if (email) match.email = email;
            if (ext && match.external_id !== ext) {
              if (match.external_id) byExternal.delete(match.external_id);
              match.external_id = ext;
              byExternal.set(ext, match);
            }
            match.updated_at = t;
            return { user: match };
          }
          const user: ZendeskUser = {
            id: Math.max(0, ...users.keys()) + 1,
            name: u.name,
            email,
            role: 'end-user',
            external_id: ext,
            phone: null,
            time_zone: 'UTC',
            created_at: t,
            updated_at: t,
          } as ZendeskUser;
          users.set(user.id, user);
          if (ext) byExternal.set(ext, user);
          o.webhooks?.zendesk(
            'user.created',
            `zen:user:${user.id}`,
            { id: String(user.id), email, name: user.name, external_id: ext, role: 'end-user' },
            {},
          );
          return withStatus(201, { user });
        },
      },
      {
        // Update User: the fields given change. (Zendesk documents the Identities endpoints for
        // changing a user's primary email in all cases; this sim accepts `email` here, as the brief's
        // replica writes use it, and validates and de-duplicates it as Zendesk does.)
        method: 'PUT',
        pattern: '/api/v2/users/{id}',
        handle: (req, { id }) => {
          const user = users.get(Number(id));
          if (!user) throw notFound();
          const { user: u } = jsonBody<{ user?: { name?: unknown; email?: unknown; phone?: unknown } }>(req);
          if (!u || typeof u !== 'object') throw new HttpError(400, { error: 'InvalidValue', description: 'user is required' });
          if (u.name !== undefined && (typeof u.name !== 'string' || !u.name.trim())) throw recordInvalid('name', 'Name: cannot be blank');
          if (u.email !== undefined) {
            if (typeof u.email !== 'string' || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(u.email))
              throw recordInvalid('email', `Email: ${JSON.stringify(u.email)} is not properly formatted`);
            const taken = [...users.values()].some((x) => x.id !== user.id && x.email?.toLowerCase() === (u.email as string).toLowerCase());
            if (taken) throw recordInvalid('email', `Email: ${u.email} is already being used by another user`);
          }
          const before = { name: user.name, email: user.email };
          if (typeof u.name === 'string') user.name = u.name;
          if (typeof u.email === 'string') user.email = u.email.toLowerCase();
          if (typeof u.phone === 'string' || u.phone === null) user.phone = u.phone;
          user.updated_at = now();
          const subject = `zen:user:${user.id}`;
          const detail = { id: String(user.id), email: user.email, name: user.name, external_id: user.external_id, role: user.role };
          if (user.name !== before.name)
            o.webhooks?.zendesk('user.name_changed', subject, detail, { current: user.name, previous: before.name });
          if (user.email !== before.email)
            o.webhooks?.zendesk('user.identity_changed', subject, detail, {
              current: { type: 'email', value: user.email },
              previous: null,
            });
          return { user };
        },
      },
      {
        // List Tickets, here only by `external_id` (Zendesk's filter; external ids need not be unique).
        method: 'GET',
        pattern: '/api/v2/tickets',
        handle: (req) => {
          const ext = req.query.get('external_id');
          if (ext === null) throw invalid('the simulator lists tickets by external_id only');
          const rows = [...tickets.values()].filter((t) => t.external_id === ext).sort((a, b) => a.id - b.id);
          return { tickets: rows, next_page: null, previous_page: null, count: rows.length };
        },
      },
      {
        method: 'GET',
        pattern: '/api/v2/tickets/show_many',
        handle: (req) => ({
          tickets: ids(req.query.get('ids'))
            .map((i) => tickets.get(Number(i)))
            .filter(Boolean),
        }),
      },
      {
        method: 'GET',
        pattern: '/api/v2/tickets/{id}/comments',
        handle: (req, { id }) => {
          const list = comments.get(Number(id));
          if (!list) throw notFound();
          const sideload = (req.query.get('include') ?? '').split(',').includes('users');
          return {
            comments: list,
            ...(sideload ? { users: [...new Set(list.map((c) => c.author_id))].map((a) => users.get(a)).filter(Boolean) } : {}),
            next_page: null,
            previous_page: null,
            count: list.length,
          };
        },
      },
      {
        method: 'GET',
        pattern: '/api/v2/tickets/{id}',
        handle: (_req, { id }) => {
          const ticket = tickets.get(Number(id));
          if (!ticket) throw notFound();
          return { ticket };
        },
      },
      {
        method: 'POST',
        pattern: '/api/v2/tickets',
        handle: (req) => {
          const key = req.headers['idempotency-key'];
          const fingerprint = req.body.toString('utf8');
          if (typeof key === 'string') {
            const prior = idempotency.get(key);
            if (prior && Date.now() - prior.at < IDEMPOTENCY_TTL_MS) {
              if (prior.fingerprint !== fingerprint)
                throw new HttpError(400, {
                  error: 'IdempotentRequestError',
                  description: 'Request parameters do not match the parameters of the original request with this idempotency key',
                });
              return withStatus(prior.status, prior.body, { ...prior.headers, 'x-idempotency-lookup': 'hit' });
            }
          }
          const { ticket: t } = jsonBody<{
            ticket?: {
              subject?: string;
              comment?: { body?: string };
              requester_id?: number;
              priority?: ZendeskTicket['priority'];
              external_id?: string;
            };
          }>(req);
          if (!t?.comment?.body)
            throw new HttpError(422, {
              error: 'RecordInvalid',
              description: 'Record validation errors',
              details: { base: [{ description: 'Description: cannot be blank' }] },
            });
          const requester = users.get(Number(t.requester_id));
          if (!requester)
            throw new HttpError(422, {
              error: 'RecordInvalid',
              description: 'Record validation errors',
              details: { requester: [{ description: 'Requester: is invalid' }] },
            });
          const id = nextTicket++;
          const at = now();
          const ticket: ZendeskTicket = {
            id,
            url: `${base}/api/v2/tickets/${id}.json`,
            external_id: typeof t.external_id === 'string' ? t.external_id : null,
            subject: t.subject ?? t.comment.body.slice(0, 60),
            description: t.comment.body,
            status: 'new',
            priority: t.priority ?? null,
            requester_id: requester.id,
            submitter_id: requester.id,
            assignee_id: null,
            created_at: at,
            updated_at: at,
            tags: [],
          };
          tickets.set(id, ticket);
          comments.set(id, [
            {
              id: nextComment++,
              type: 'Comment',
              author_id: requester.id,
              body: t.comment.body,
              html_body: `<p>${t.comment.body}</p>`,
              plain_body: t.comment.body,
              public: true,
              created_at: at,
              attachments: [],
            },
          ]);
          o.webhooks?.zendesk('ticket.created', `zen:ticket:${id}`, ticketDetail(ticket));
          if (typeof key === 'string')
            idempotency.set(key, {
              fingerprint,
              at: Date.now(),
              status: 201,
              body: { ticket: { ...ticket } },
              headers: { location: ticket.url },
            });
          return withStatus(
            201,
            { ticket },
            { location: ticket.url, ...(typeof key === 'string' ? { 'x-idempotency-lookup': 'miss' } : {}) },
          );
        },
      },
      {
        method: 'PUT',
        pattern: '/api/v2/tickets/{id}',
        handle: (req, { id }) => {
          const ticket = tickets.get(Number(id));
          if (!ticket) throw notFound();
          const { ticket: t } = jsonBody<{
            ticket?: {
              status?: ZendeskTicket['status'];
              priority?: ZendeskTicket['priority'];
              assignee_id?: number | null;
              tags?: unknown;
              comment?: { body?: string; author_id?: number; public?: boolean };
            };
          }>(req);
          if (t?.comment?.author_id !== undefined && !users.has(t.comment.author_id))
            throw new HttpError(422, {
              error: 'RecordInvalid',
              description: 'Record validation errors',
              details: { author_id: [{ description: 'Author: is invalid' }] },
            });
          // Zendesk's ticket rules (support.zendesk.com "About native system ticket rules"): a closed
          // ticket takes only tags, subject and priority; no status goes back to New; an assignee must
          // be an agent; a priority cannot be reset to none. (Solving without an assignee is taken, as
          // with Zendesk's "auto-assign tickets upon solve" on.)
          const invalid = (field: string, description: string) =>
            new HttpError(422, {
              error: 'RecordInvalid',
              description: 'Record validation errors',
              details: { [field]: [{ description, error: 'InvalidValue' }] },
            });
          // Status and priority values outside Zendesk's are taken as given: tests play a newer
          // Zendesk (custom statuses) by setting them through this API.
          if (ticket.status === 'closed' && (t?.status !== undefined || t?.assignee_id !== undefined || t?.comment))
            throw invalid('status', 'Status: closed prevents ticket update');
          if (t?.status === 'new' && ticket.status !== 'new') throw invalid('status', 'Status: cannot be set back to New');
          if (t?.priority === null && ticket.priority !== null) throw invalid('priority', 'Priority: cannot be reset to none');
          if (t?.assignee_id !== undefined && t.assignee_id !== null && users.get(t.assignee_id)?.role !== 'agent')
            throw invalid('assignee_id', 'Assignee: is not an agent');
          if (t?.tags !== undefined && (!Array.isArray(t.tags) || t.tags.some((x) => typeof x !== 'string')))
            throw invalid('tags', 'Tags: must be a list of strings');
          const before = { status: ticket.status, priority: ticket.priority };
          if (t?.status) ticket.status = t.status;
          if (t?.priority !== undefined) ticket.priority = t.priority;
          if (t?.assignee_id !== undefined) {
            ticket.assignee_id = t.assignee_id;
            // A new ticket that gets an assignee is open.
            if (ticket.status === 'new' && t.assignee_id !== null && !t.status) ticket.status = 'open';
          }
          // Tags as Zendesk stores them: lower case, spaces split one into several, no duplicates.
          if (Array.isArray(t?.tags))
            ticket.tags = [...new Set((t.tags as string[]).flatMap((x) => x.toLowerCase().split(/\s+/)).filter(Boolean))];
          ticket.updated_at = now();
          const subject = `zen:ticket:${ticket.id}`;
          if (ticket.status !== before.status)
            o.webhooks?.zendesk('ticket.status_changed', subject, ticketDetail(ticket), {
              current: ticket.status.toUpperCase(),
              previous: before.status.toUpperCase(),
            });
          if (ticket.priority !== before.priority)
            o.webhooks?.zendesk('ticket.priority_changed', subject, ticketDetail(ticket), {
              current: ticket.priority?.toUpperCase() ?? null,
              previous: before.priority?.toUpperCase() ?? null,
            });
          if (t?.comment?.body)
            o.webhooks?.zendesk('ticket.comment_added', subject, ticketDetail(ticket), {
              comment: { body: t.comment.body, is_public: t.comment.public ?? true },
            });
          const events: ZendeskComment[] = [];
          if (t?.comment?.body) {
            const comment: ZendeskComment = {
              id: nextComment++,
              type: 'Comment',
              author_id: t.comment.author_id ?? ticket.requester_id,
              body: t.comment.body,
              html_body: `<p>${t.comment.body}</p>`,
              plain_body: t.comment.body,
              public: t.comment.public ?? true,
              created_at: ticket.updated_at,
              attachments: [],
            };
            comments.get(ticket.id)!.push(comment);
            events.push({ ...comment });
          }
          // As Zendesk: the ticket and the audit of this update, whose events include the new comment.
          return {
            ticket,
            audit: { id: nextComment++, ticket_id: ticket.id, created_at: ticket.updated_at, author_id: ticket.requester_id, events },
          };
        },
      },
    ],
  });
  base = sim.url;
  for (const u of users.values()) u.url = `${base}/api/v2/users/${u.id}.json`;
  for (const t of tickets.values()) t.url = `${base}/api/v2/tickets/${t.id}.json`;
  return sim;
}

declare module '../common.js' {
  interface SimSystems {
    zendesk: true;
  }
  interface SimCredentials {
    zendeskEmail: string;
    zendeskApiToken: string;
  }
}

/** Test values, valid only against this simulator. */
const SIM_CREDENTIALS = { zendeskEmail: 'api@portico-sim.example.com', zendeskApiToken: 'zendesk-sim-token-0000000000' };

/** The Zendesk simulator as startSimulators runs it (src/vendors/zendesk points at it). */
export const simulator: SimulatorDescriptor = {
  name: 'zendesk',
  port: 4103,
  credentials: SIM_CREDENTIALS,
  start: (c) => startZendeskSim({ ...c, email: SIM_CREDENTIALS.zendeskEmail, apiToken: SIM_CREDENTIALS.zendeskApiToken }),
};
