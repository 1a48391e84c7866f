/**
 * Deterministic demo data linking all four systems: customer i is HubSpot contact 1000+i, a
 * Stripe customer with metadata.crm_contact_id, a Zendesk end-user with external_id, and an S3
 * prefix customers/<crmId>/. Same seed, same data, every run (no Math.random, no Date.now).
 */

/** Fixed "now" of the dataset: 2026-11-01T00:00:00Z. */
export const SEED_NOW = Date.UTC(2026, 10, 1) / 1000;
const DAY = 86_400;

export interface StripeInvoice {
  id: string;
  object: 'invoice';
  customer: string;
  number: string | null;
  status: 'draft' | 'open' | 'paid' | 'void' | 'uncollectible';
  amount_due: number;
  amount_paid: number;
  amount_remaining: number;
  currency: string;
  created: number;
  due_date: number | null;
  hosted_invoice_url: string | null;
  period_start: number;
  period_end: number;
  livemode: false;
}

export interface StripePrice {
  id: string;
  object: 'price';
  nickname: string;
  unit_amount: number;
  currency: string;
  recurring: { interval: 'month' | 'year'; interval_count: 1 };
  product: string;
  lookup_key: string;
}

export interface StripeSubscription {
  id: string;
  object: 'subscription';
  customer: string;
  status: 'active' | 'trialing' | 'past_due' | 'canceled';
  cancel_at_period_end: boolean;
  created: number;
  current_period_start: number;
  current_period_end: number;
  items: {
    object: 'list';
    data: {
      id: string;
      object: 'subscription_item';
      current_period_start: number;
      current_period_end: number;
      price: StripePrice;
      quantity: number;
    }[];
    has_more: false;
    url: string;
  };
  livemode: false;
}

export interface StripePaymentMethod {
  id: string;
  object: 'payment_method';
  type: 'card';
  customer: string;
  created: number;
  card: { brand: string; last4: string; exp_month: number; exp_year: number; country: string; funding: 'credit'; fingerprint: string };
  billing_details: { name: string; email: string; phone: string | null; address: null };
  livemode: false;
}

export interface ZendeskUser {
  id: number;
  url: string;
  name: string;
  email: string;
  role: 'end-user' | 'agent';
  external_id: string | null;
  phone: string | null;
  time_zone: string;
  created_at: string;
  updated_at: string;
}

export interface ZendeskComment {
  id: number;
  type: 'Comment';
  author_id: number;
  body: string;
  html_body: string;
  plain_body: string;
  public: boolean;
  created_at: string;
  attachments: [];
}

export interface ZendeskTicket {
  id: number;
  url: string;
  external_id: string | null;
  subject: string;
  description: string;
  status: 'new' | 'open' | 'pending' | 'hold' | 'solved' | 'closed';
  priority: 'low' | 'normal' | 'high' | 'urgent' | null;
  requester_id: number;
  submitter_id: number;
  assignee_id: number | null;
  created_at: string;
  updated_at: string;
  tags: string[];
}

export interface SeedDocument {
  key: string;
  name: string;
  size: number;
  contentType: string;
  lastModified: string;
  body: Buffer;
}

export interface SeedCustomer {
  crmId: string;
  firstname: string;
  lastname: string;
  email: string;
  phone: string;
  company: string;
  lifecyclestage: string;
  createdAt: string;
  stripeCustomerId: string;
  zendeskUserId: number;
  currency: 'usd' | 'eur' | 'gbp';
  balance: number;
  invoices: StripeInvoice[];
  subscription: StripeSubscription | null;
  paymentMethods: StripePaymentMethod[];
  tickets: (ZendeskTicket & { comments: ZendeskComment[] })[];
  documents: SeedDocument[];
}

/** A plan of the seeded catalog: one Stripe price (sold in every seeded currency at the same amount) and its product. */
export interface SeedPlan {
  id: string;
  nickname: string;
  amount: number;
  interval: 'month' | 'year';
  product: string;
}

export interface SeedData {
  customers: SeedCustomer[];
  /** The Stripe prices customers subscribe to. */
  prices: SeedPlan[];
  agents: ZendeskUser[];
  bucket: string;
}

/** mulberry32: a small, fast, deterministic PRNG. */
function prng(seed: number) {
  let a = seed >>> 0;
  const next = () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  return {
    next,
    int: (min: number, max: number) => min + Math.floor(next() * (max - min + 1)),
    pick: <T>(xs: readonly T[]): T => xs[Math.floor(next() * xs.length)],
    id: (n: number) =>
      Array.from({ length: n }, () => 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789'[Math.floor(next() * 62)]).join(''),
  };
}

const FIRST = [
  'Grace',
  'Alan',
  'Edsger',
  'Barbara',
  'Donald',
  'Margaret',
  'Ken',
  'Radia',
  'Linus',
  'Frances',
  'John',
  'Katherine',
  'Dennis',
  'Hedy',
  'Tim',
  'Shafi',
  'Niklaus',
  'Sophie',
  'Guido',
  'Annie',
];
const LAST = [
  'Hopper',
  'Turing',
  'Dijkstra',
  'Liskov',
  'Knuth',
  'Hamilton',
  'Thompson',
  'Perlman',
  'Torvalds',
  'Allen',
  'McCarthy',
  'Johnson',
  'Ritchie',
  'Lamarr',
  'Berners-Lee',
  'Goldwasser',
  'Wirth',
  'Wilson',
  'van Rossum',
  'Easley',
];
const COMPANIES = [
  'Acme Corp',
  'Globex',
  'Initech',
  'Umbrella Health',
  'Stark Industries',
  'Wayne Enterprises',
  'Hooli',
  'Vandelay Imports',
  'Soylent',
  'Tyrell Systems',
  'Cyberdyne',
  'Wonka Foods',
];
const STAGES = [
  'subscriber',
  'lead',
  'marketingqualifiedlead',
  'salesqualifiedlead',
  'opportunity',
  'customer',
  'customer',
  'customer',
  'evangelist',
  'other',
];
const PLANS = [
  { nickname: 'Starter Monthly', amount: 1900, interval: 'month' as const },
  { nickname: 'Pro Monthly', amount: 4900, interval: 'month' as const },
  { nickname: 'Pro Yearly', amount: 49000, interval: 'year' as const },
  { nickname: 'Enterprise Monthly', amount: 19900, interval: 'month' as const },
];
const SUBJECTS = [
  'Cannot log in',
  'Invoice amount looks wrong',
  'How do I export my data?',
  'Upgrade to the Pro plan',
  'Card was declined',
  'Feature request: dark mode',
  'API returns 500',
  'Change billing address',
  'Cancel my subscription',
  'Document upload fails',
];
const BODIES = [
  'Thanks for reaching out, we are looking into it.',
  'Could you send a screenshot?',
  'This is fixed now, please try again.',
  'I still see the problem this morning.',
  'We have refunded the difference.',
  'Attached the file you asked for.',
];
const FILES: [string, string][] = [
  ['contract.pdf', 'application/pdf'],
  ['invoice-scan.png', 'image/png'],
  ['id-photo.jpg', 'image/jpeg'],
  ['usage-report.csv', 'text/csv'],
  ['notes.txt', 'text/plain'],
  ['export.json', 'application/json'],
];
const BRANDS = ['visa', 'mastercard', 'amex'];

const iso = (s: number) => new Date(s * 1000).toISOString().replace('.000Z', 'Z');

export function seed(count = 500, seedValue = 42, zendeskBase = 'https://portico-sim.zendesk.com'): SeedData {
  const r = prng(seedValue);
  let ticketId = 1000;
  let commentId = 5_000_000;
  const agents: ZendeskUser[] = ['Sam Support', 'Riley Agent', 'Jo Helpdesk', 'Alex Care', 'Kim Success'].map((name, i) => ({
    id: 360_000_000_001 + i,
    url: `${zendeskBase}/api/v2/users/${360_000_000_001 + i}.json`,
    name,
    email: `${name.split(' ')[0].toLowerCase()}@support.example.com`,
    role: 'agent',
    external_id: null,
    phone: null,
    time_zone: 'UTC',
    created_at: iso(SEED_NOW - 900 * DAY),
    updated_at: iso(SEED_NOW - 900 * DAY),
  }));
  const products = PLANS.map(() => `prod_${r.id(14)}`);
  const prices = PLANS.map((p, i) => ({
    id: `price_${r.id(14)}`,
    nickname: p.nickname,
    amount: p.amount,
    interval: p.interval,
    product: products[i],
  }));

  const customers: SeedCustomer[] = [];
  for (let i = 1; i <= count; i++) {
    const demo = i === 1;
    const crmId = String(1000 + i);
    const firstname = demo ? 'Ada' : r.pick(FIRST);
    const lastname = demo ? 'Lovelace' : r.pick(LAST);
    const email = demo
      ? 'ada@example.com'
      : `${firstname.toLowerCase()}.${lastname.toLowerCase().replace(/[^a-z]/g, '')}.${crmId}@example.com`;
    const company = demo ? 'Analytical Engines Ltd' : r.pick(COMPANIES);
    const currency = demo ? 'gbp' : r.pick(['usd', 'usd', 'eur', 'gbp'] as const);
    const created = SEED_NOW - r.int(30, 900) * DAY;
    const stripeCustomerId = `cus_${r.id(14)}`;
    const zendeskUserId = 360_000_100_000 + i;

    const nInvoices = demo ? 12 : i === 2 ? 5 : r.int(0, 14);
    const invoices: StripeInvoice[] = [];
    for (let k = 0; k < nInvoices; k++) {
      const createdAt = SEED_NOW - (k * 30 + r.int(0, 5)) * DAY - r.int(0, 3600);
      const status =
        k === 0
          ? demo
            ? 'open'
            : r.pick(['open', 'draft', 'paid'] as const)
          : r.pick(['paid', 'paid', 'paid', 'paid', 'void', 'uncollectible', 'open'] as const);
      const amount = r.int(5, 500) * 100 + r.pick([0, 50, 99]);
      const paid = status === 'paid' ? amount : 0;
      invoices.push({
        id: `in_${r.id(14)}`,
        object: 'invoice',
        customer: stripeCustomerId,
        number: status === 'draft' ? null : `${crmId}-${String(nInvoices - k).padStart(4, '0')}`,
        status,
        amount_due: amount,
        amount_paid: paid,
        amount_remaining: status === 'paid' || status === 'void' ? 0 : amount,
        currency,
        created: createdAt,
        due_date: r.next() < 0.7 ? createdAt + 30 * DAY : null,
        hosted_invoice_url: status === 'draft' ? null : `https://invoice.stripe.com/i/sim_${crmId}_${k}`,
        period_start: createdAt - 30 * DAY,
        period_end: createdAt,
        livemode: false,
      });
    }

    let subscription: StripeSubscription | null = null;
    if (demo || i === 2 || r.next() < 0.8) {
      const p = demo ? prices[1] : r.pick(prices);
      const start = SEED_NOW - r.int(1, 25) * DAY;
      const end = start + (p.interval === 'year' ? 365 : 30) * DAY;
      const price: StripePrice = {
        id: p.id,
        object: 'price',
        nickname: p.nickname,
        unit_amount: p.amount,
        currency,
        recurring: { interval: p.interval, interval_count: 1 },
        product: p.product,
        lookup_key: p.nickname.toLowerCase().replace(/ /g, '_'),
      };
      const subId = `sub_${r.id(14)}`;
      subscription = {
        id: subId,
        object: 'subscription',
        customer: stripeCustomerId,
        status: demo || i === 2 ? 'active' : r.pick(['active', 'active', 'active', 'trialing', 'past_due', 'canceled'] as const),
        cancel_at_period_end: !demo && r.next() < 0.1,
        created,
        current_period_start: start,
        current_period_end: end,
        items: {
          object: 'list',
          data: [
            { id: `si_${r.id(14)}`, object: 'subscription_item', current_period_start: start, current_period_end: end, price, quantity: 1 },
          ],
          has_more: false,
          url: `/v1/subscription_items?subscription=${subId}`,
        },
        livemode: false,
      };
    }

    const nCards = demo ? 2 : i === 2 ? 1 : r.int(0, 2);
    const paymentMethods: StripePaymentMethod[] = Array.from({ length: nCards }, (_, k) => ({
      id: `pm_${r.id(14)}`,
      object: 'payment_method',
      type: 'card',
      customer: stripeCustomerId,
      created: created + k * DAY,
      card: {
        brand: demo ? (['visa', 'mastercard'] as const)[k] : r.pick(BRANDS),
        last4: demo ? ['4242', '4444'][k] : String(r.int(0, 9999)).padStart(4, '0'),
        exp_month: r.int(1, 12),
        exp_year: 2027 + r.int(0, 4),
        country: 'GB',
        funding: 'credit',
        fingerprint: r.id(16),
      },
      billing_details: { name: `${firstname} ${lastname}`, email, phone: null, address: null },
      livemode: false,
    }));

    const nTickets = demo ? 3 : i === 2 ? 2 : r.int(0, 6);
    const tickets: SeedCustomer['tickets'] = [];
    for (let k = 0; k < nTickets; k++) {
      const opened = SEED_NOW - r.int(1, 200) * DAY - r.int(0, 86_000);
      const id = ticketId++;
      const nComments = r.int(1, 4);
      const comments: ZendeskComment[] = [];
      let at = opened;
      for (let c = 0; c < nComments; c++) {
        at += r.int(600, 3 * DAY);
        const byCustomer = c === 0 || r.next() < 0.3;
        const body = c === 0 ? `${r.pick(SUBJECTS)}: please help.` : r.pick(BODIES);
        // Some agent comments are internal notes (public: false), which customers must never see.
        const isPublic = byCustomer || r.next() < 0.8;
        comments.push({
          id: commentId++,
          type: 'Comment',
          author_id: byCustomer ? zendeskUserId : r.pick(agents).id,
          body,
          html_body: `<p>${body}</p>`,
          plain_body: body,
          public: isPublic,
          created_at: iso(at),
          attachments: [],
        });
      }
      tickets.push({
        id,
        url: `${zendeskBase}/api/v2/tickets/${id}.json`,
        external_id: null,
        subject: r.pick(SUBJECTS),
        description: comments[0].body,
        status: r.pick(['new', 'open', 'open', 'pending', 'hold', 'solved', 'closed'] as const),
        priority: r.pick(['low', 'normal', 'normal', 'high', 'urgent', null] as const),
        requester_id: zendeskUserId,
        submitter_id: zendeskUserId,
        assignee_id: r.next() < 0.7 ? r.pick(agents).id : null,
        created_at: iso(opened),
        updated_at: iso(at),
        tags: [],
        comments,
      });
    }

    const nDocs = demo ? 4 : i === 2 ? 2 : r.int(0, 5);
    const documents: SeedDocument[] = Array.from({ length: nDocs }, (_, k) => {
      const [name, contentType] = demo ? FILES[k] : r.pick(FILES);
      const size = r.int(200, 4000);
      const body = Buffer.alloc(size, `${crmId}:${name}:${k};`);
      return {
        key: `customers/${crmId}/doc_${r.id(10)}/${name}`,
        name,
        size,
        contentType,
        lastModified: iso(SEED_NOW - r.int(1, 300) * DAY),
        body,
      };
    });

    customers.push({
      crmId,
      firstname,
      lastname,
      email,
      phone: demo ? '+44 20 7946 0001' : `+1 555 ${String(r.int(0, 9999999)).padStart(7, '0')}`,
      company,
      lifecyclestage: demo ? 'customer' : r.pick(STAGES),
      createdAt: iso(created),
      stripeCustomerId,
      zendeskUserId,
      currency,
      balance: demo ? -2500 : r.pick([0, 0, 0, -1000, 500, r.int(-5000, 5000)]),
      invoices,
      subscription,
      paymentMethods,
      tickets,
      documents,
    });
  }
  return { customers, prices, agents, bucket: 'portico-files' };
}
