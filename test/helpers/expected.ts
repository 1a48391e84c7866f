/**
 * What the API must answer for a seeded customer, derived from the simulators' seed data (the
 * upstream truth), independently of the gateway's code: ordering and filtering rules are the
 * vendors' and the schema's, written out here.
 */
import type { SeedCustomer } from '../../sim/index.js';
import type { UpstreamCalls } from './app.js';
import { seed } from '../../sim/seed.js';

const iso = (v: string | number | null) => (v === null ? null : new Date(typeof v === 'number' ? v * 1000 : v).toISOString());
const agents = new Map(seed(1).agents.map((a) => [a.id, a.name]));

/** Pagination cursors and presigned URLs are opaque: compared by behaviour elsewhere. */
export function normalize<T>(v: T): T {
  if (Array.isArray(v)) return v.map(normalize) as T;
  if (v && typeof v === 'object') {
    return Object.fromEntries(
      Object.entries(v)
        .filter(([k]) => k !== 'endCursor' && k !== 'downloadUrl')
        .map(([k, x]) => [k, normalize(x)]),
    ) as T;
  }
  return v;
}

export function expectedCustomer(c: SeedCustomer) {
  const invoices = [...c.invoices].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
  const cards = [...c.paymentMethods].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
  const tickets = [...c.tickets].sort((a, b) => b.updated_at.localeCompare(a.updated_at) || b.id - a.id);
  const docs = [...c.documents].sort((a, b) => b.lastModified.localeCompare(a.lastModified) || (a.key < b.key ? -1 : 1));
  const sub = c.subscription && c.subscription.status !== 'canceled' ? c.subscription : null;
  return {
    id: c.crmId,
    name: `${c.firstname} ${c.lastname}`,
    email: c.email,
    phone: c.phone,
    company: c.company,
    lifecycleStage:
      { marketingqualifiedlead: 'MARKETING_QUALIFIED_LEAD', salesqualifiedlead: 'SALES_QUALIFIED_LEAD' }[c.lifecyclestage] ??
      c.lifecyclestage.toUpperCase(),
    billing: {
      currency: c.currency.toUpperCase(),
      balance: c.balance,
      subscription: sub && {
        id: sub.id,
        status: sub.status.toUpperCase(),
        plan: sub.items.data[0].price.nickname,
        currentPeriodEnd: iso(sub.items.data[0].current_period_end),
      },
      paymentMethods: cards.map((p) => ({
        brand: p.card.brand,
        last4: p.card.last4,
        expMonth: p.card.exp_month,
        expYear: p.card.exp_year,
      })),
      invoices: {
        totalCount: invoices.length,
        nodes: invoices.slice(0, 10).map((i) => ({
          id: i.id,
          number: i.number,
          status: i.status.toUpperCase(),
          amountDue: i.amount_due,
          amountPaid: i.amount_paid,
          currency: i.currency.toUpperCase(),
          dueDate: iso(i.due_date),
        })),
        pageInfo: { hasNextPage: invoices.length > 10 },
      },
    },
    tickets: {
      nodes: tickets.slice(0, 10).map((t) => ({
        id: String(t.id),
        subject: t.subject,
        status: t.status.toUpperCase(),
        priority: t.priority?.toUpperCase() ?? null,
        createdAt: iso(t.created_at),
        updatedAt: iso(t.updated_at),
        // Internal notes (public: false) never reach a client.
        comments: t.comments
          .filter((x) => x.public)
          .map((x) => ({
            id: String(x.id),
            body: x.plain_body,
            author: x.author_id === c.zendeskUserId ? `${c.firstname} ${c.lastname}` : agents.get(x.author_id)!,
            createdAt: iso(x.created_at),
          })),
      })),
      pageInfo: { hasNextPage: tickets.length > 10 },
    },
    documents: {
      nodes: docs.slice(0, 10).map((d) => ({
        id: Buffer.from(d.key).toString('base64url'),
        name: d.name,
        size: d.size,
        contentType: d.contentType,
        uploadedAt: iso(d.lastModified),
      })),
      pageInfo: { hasNextPage: docs.length > 10 },
    },
    allInvoiceIds: invoices.map((i) => i.id),
  };
}

/**
 * The fewest upstream calls the vendors' APIs allow for these customers with every nested field.
 * HubSpot one (batch read or search page). Stripe: up to 4 customers (a dashboard, a detail) use
 * the direct endpoints, one customer retrieve (or, on first sight, one search by metadata per 10)
 * and one invoices list each; more use Search, one customer search and one invoice search (plus
 * a page per extra 100 invoices) per 10 customers; one payment-method list per customer.
 * Zendesk: one show_many per 100 users not yet linked (none once `linked`); first ticket pages of
 * up to 4 customers with one requested-tickets call each, of more with the Search API, one call
 * per 10 requesters (plus a page per extra 100 tickets); one comments call per ticket shown.
 * S3 one listing per customer.
 */
export function expectedUpstreamCalls(customers: readonly SeedCustomer[], o: { paymentMethods: boolean; linked?: boolean }): UpstreamCalls {
  const groups: SeedCustomer[][] = [];
  for (let i = 0; i < customers.length; i += 10) groups.push(customers.slice(i, i + 10));
  const invoicePages = groups.reduce((n, g) => n + Math.max(1, Math.ceil(g.reduce((s, c) => s + c.invoices.length, 0) / 100)), 0);
  const direct = customers.length <= 4;
  const accounts = direct && o.linked ? customers.length : groups.length;
  const ticketPages = direct
    ? customers.length
    : groups.reduce((n, g) => n + Math.max(1, Math.ceil(g.reduce((s, c) => s + c.tickets.length, 0) / 100)), 0);
  const invoiceCalls = direct ? customers.reduce((n, c) => n + Math.max(1, Math.ceil(c.invoices.length / 100)), 0) : invoicePages;
  return {
    crm: 1,
    stripe: accounts + invoiceCalls + (o.paymentMethods ? customers.length : 0),
    zendesk:
      (o.linked ? 0 : Math.ceil(customers.length / 100)) + ticketPages + customers.reduce((n, c) => n + Math.min(10, c.tickets.length), 0),
    s3: customers.length,
  };
}
