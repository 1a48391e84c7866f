/**
 * Stripe: customers (create, retrieve, search, update with address, email and default payment method), customer
 * tax ids (create, list, delete), invoices (list, search, pay), subscriptions, payment methods
 * (list, attach, detach), SetupIntents (create), prices (list, retrieve, create, update `active` and `nickname`) and their products,
 * plan changes (subscription item price updates with prorations as pending invoice items; a change
 * of billing interval resets the billing cycle and is invoiced and charged at once; and their
 * previews with `POST /v1/invoices/create_preview`), with the official SDK's encodings (qs-style query strings and form bodies), list and
 * search_result objects, expansions, Idempotency-Key replay and Stripe's error bodies.
 */
import { createHash, randomBytes } from 'node:crypto';
import qs from 'qs';
import {
  expiring,
  HttpError,
  startJsonSim,
  withStatus,
  type FaultOptions,
  type SimRequest,
  type SimServer,
  type VendorPlans,
} from '../common.js';

/** Stripe: 100 read requests a second in live mode (25 in test mode), Search 20 a second. */
export const STRIPE_PLANS: VendorPlans = {
  plans: {
    live: [
      { limit: 100, windowS: 1 },
      { limit: 20, windowS: 1, routes: ['GET /v1/customers/search', 'GET /v1/invoices/search'] },
    ],
    test: [
      { limit: 25, windowS: 1 },
      { limit: 20, windowS: 1, routes: ['GET /v1/customers/search', 'GET /v1/invoices/search'] },
    ],
  },
};
import type { SeedData, StripeInvoice, StripePaymentMethod, StripePrice, StripeSubscription } from '../seed.js';
import type { WebhookSender } from '../webhooks.js';
import type { SimulatorDescriptor } from '../common.js';

interface Customer {
  id: string;
  object: 'customer';
  email: string;
  name: string;
  phone: string | null;
  currency: string;
  balance: number;
  created: number;
  delinquent: boolean;
  description: string | null;
  metadata: Record<string, string>;
  address: Record<string, string | null> | null;
  invoice_settings: { default_payment_method: string | null };
  livemode: false;
}

/** The payment attempt fields of an invoice (absent in the seed: not attempted yet). */
interface Attempts {
  attempted?: boolean;
  attempt_count?: number;
  next_payment_attempt?: number | null;
}

/** Stripe's test payment methods whose charges are declined (docs.stripe.com/testing#declined-payments). */
const DECLINING_TEST_METHODS: Readonly<Record<string, { code: string; declineCode: string; message: string }>> = {
  pm_card_chargeDeclined: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  pm_card_visa_chargeDeclined: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  pm_card_chargeCustomerFail: { code: 'card_declined', declineCode: 'generic_decline', message: 'Your card was declined.' },
  pm_card_chargeDeclinedInsufficientFunds: {
    code: 'card_declined',
    declineCode: 'insufficient_funds',
    message: 'Your card has insufficient funds.',
  },
  pm_card_chargeDeclinedExpiredCard: { code: 'expired_card', declineCode: 'expired_card', message: 'Your card has expired.' },
};

/**
 * Stripe's test payment methods (docs.stripe.com/testing): attaching one to a customer creates a
 * new payment method with that test card, as Stripe does; its charges then behave as the card's.
 */
const TEST_CARDS: Readonly<Record<string, { brand: string; last4: string }>> = {
  pm_card_visa: { brand: 'visa', last4: '4242' },
  pm_card_mastercard: { brand: 'mastercard', last4: '4444' },
  pm_card_chargeDeclined: { brand: 'visa', last4: '0002' },
  pm_card_visa_chargeDeclined: { brand: 'visa', last4: '0002' },
  pm_card_chargeDeclinedInsufficientFunds: { brand: 'visa', last4: '9995' },
  pm_card_chargeDeclinedExpiredCard: { brand: 'visa', last4: '0069' },
};

/** ISO 3166-1 alpha-2 codes, as Stripe checks `address[country]`. */
const COUNTRIES = new Set(
  (
    'AD AE AF AG AI AL AM AO AQ AR AS AT AU AW AX AZ BA BB BD BE BF BG BH BI BJ BL BM BN BO BQ BR BS BT BV BW BY BZ CA CC CD CF CG CH ' +
    'CI CK CL CM CN CO CR CU CV CW CX CY CZ DE DJ DK DM DO DZ EC EE EG EH ER ES ET FI FJ FK FM FO FR GA GB GD GE GF GG GH GI GL GM GN ' +
    'GP GQ GR GS GT GU GW GY HK HM HN HR HT HU ID IE IL IM IN IO IQ IR IS IT JE JM JO JP KE KG KH KI KM KN KP KR KW KY KZ LA LB LC LI ' +
    'LK LR LS LT LU LV LY MA MC MD ME MF MG MH MK ML MM MN MO MP MQ MR MS MT MU MV MW MX MY MZ NA NC NE NF NG NI NL NO NP NR NU NZ OM ' +
    'PA PE PF PG PH PK PL PM PN PR PS PT PW PY QA RE RO RS RU RW SA SB SC SD SE SG SH SI SJ SK SL SM SN SO SR SS ST SV SX SY SZ TC TD ' +
    'TF TG TH TJ TK TL TM TN TO TR TT TV TW TZ UA UG UM US UY UZ VA VC VE VG VI VN VU WF WS XK YE YT ZA ZM ZW'
  ).split(' '),
);

/** Value formats Stripe checks for some tax id types (the rest: any value is taken, as Stripe verifies later). */
const TAX_ID_FORMATS: Readonly<Record<string, RegExp>> = {
  eu_vat: /^(AT|BE|BG|CY|CZ|DE|DK|EE|EL|ES|FI|FR|HR|HU|IE|IT|LT|LU|LV|MT|NL|PL|PT|RO|SE|SI|SK|XI)[0-9A-Z+*]{2,13}$/,
  gb_vat: /^GB[0-9]{9}([0-9]{3})?$/,
  us_ein: /^[0-9]{2}-?[0-9]{7}$/,
  au_abn: /^[0-9]{11}$/,
  ch_vat: /^CHE-?[0-9]{3}\.?[0-9]{3}\.?[0-9]{3} ?(MWST|TVA|IVA)$/,
};
const TAX_ID_TYPES = new Set(
  (
    'ad_nrt ae_trn al_tin am_tin ao_tin ar_cuit au_abn au_acn au_arn au_wpn aw_tin az_tin ba_tin bb_tin bd_bin bf_ifu bg_uic bh_vat ' +
    'bj_ifu bo_tin br_cnpj br_cpf bs_tin bw_vat by_tin ca_bn ca_gst_hst ca_pst_bc ca_pst_mb ca_pst_sk ca_qst cd_nif ch_uid ch_vat ci_vat ' +
    'cl_tin cm_niu cn_tin co_nit cr_tin cv_nif cz_dic de_stn do_rcn ec_ruc eg_tin es_cif et_tin eu_oss_vat eu_vat fo_vat fr_siren ' +
    'fr_siret fr_spi gb_vat ge_vat gh_tin gi_tin gn_nif hk_br hr_oib hu_tin ic_nif id_npwp il_vat in_gst is_kt is_vat it_cf jp_cn jp_rn ' +
    'jp_trn ke_pin kg_tin kh_tin kr_brn kz_bin la_tin li_uid li_vat lk_vat ma_vat md_cf md_vat me_pib mk_vat mr_nif mu_vat mx_rfc my_frp ' +
    'my_itn my_sst mz_nuit ng_tin no_vat no_voec np_pan nz_bn nz_gst om_vat pe_ruc ph_tin pl_nip pt_nif py_ruc ro_tin rs_pib ru_inn ' +
    'ru_kpp sa_vat sg_gst sg_uen si_tin sm_coe sn_ninea sr_fin sv_nit th_vat tj_tin tr_tin tt_bir tt_vat tw_vat tz_vat ua_vat ug_tin ' +
    'us_ein uy_ruc uz_tin uz_vat ve_rif vn_tin za_vat zm_tin zw_tin'
  ).split(' '),
);

const ADDRESS_FIELDS = ['line1', 'line2', 'city', 'postal_code', 'state', 'country'];

/** A catalog price: sold in its default currency and, through `currency_options`, in the others at the same amount. */
interface Price {
  id: string;
  object: 'price';
  active: boolean;
  billing_scheme: 'per_unit';
  created: number;
  currency: string;
  custom_unit_amount: null;
  livemode: false;
  lookup_key: string | null;
  metadata: Record<string, string>;
  nickname: string | null;
  product: string;
  recurring: { interval: 'day' | 'week' | 'month' | 'year'; interval_count: number; usage_type: 'licensed'; meter: null } | null;
  tax_behavior: 'unspecified';
  type: 'recurring' | 'one_time';
  unit_amount: number;
  unit_amount_decimal: string;
  /** Amount per currency (Stripe shows it as `currency_options` only when expanded). */
  amounts: Record<string, number>;
}

interface Product {
  id: string;
  object: 'product';
  active: boolean;
  created: number;
  description: string | null;
  livemode: false;
  metadata: Record<string, string>;
  name: string;
  type: 'service';
}

/** A pending invoice item (what a prorating plan change leaves for the next invoice). */
interface InvoiceItem {
  id: string;
  object: 'invoiceitem';
  amount: number;
  currency: string;
  customer: string;
  date: number;
  description: string;
  invoice: string | null;
  livemode: false;
  period: { start: number; end: number };
  proration: boolean;
  quantity: number;
  subscription: string | null;
  subscription_item: string | null;
  price: string;
  created: number;
}

/** Currencies the seeded catalog is sold in (the default first). */
const CATALOG_CURRENCIES = ['usd', 'eur', 'gbp'];
const INTERVAL_S = { day: 86_400, week: 7 * 86_400, month: 30 * 86_400, year: 365 * 86_400 } as const;

interface TaxId {
  id: string;
  object: 'tax_id';
  country: string | null;
  created: number;
  customer: string;
  type: string;
  value: string;
  verification: { status: 'pending'; verified_address: null; verified_name: null };
  livemode: false;
}

const invalid = (message: string, extra: object = {}) =>
  new HttpError(400, { error: { type: 'invalid_request_error', message, ...extra } });
const missing = (what: string, id: string) =>
  new HttpError(404, {
    error: {
      code: 'resource_missing',
      doc_url: 'https://stripe.com/docs/error-codes/resource-missing',
      message: `No such ${what}: '${id}'`,
      param: 'id',
      type: 'invalid_request_error',
    },
  });

/** A parsed search clause: field (with metadata key), operator (`:` exact, `~` substring) and value. */
interface Clause {
  field: string;
  key?: string;
  op: ':' | '~';
  value: string;
}

/** Splits a query on whitespace outside quoted values. */
function tokens(query: string): string[] {
  const out: string[] = [];
  let cur = '';
  let quote = '';
  for (let i = 0; i < query.length; i++) {
    const ch = query[i];
    if (quote) {
      cur += ch;
      if (ch === '\\' && i + 1 < query.length) cur += query[++i];
      else if (ch === quote) quote = '';
    } else if (ch === "'" || ch === '"') {
      quote = ch;
      cur += ch;
    } else if (/\s/.test(ch)) {
      if (cur) out.push(cur);
      cur = '';
    } else cur += ch;
  }
  if (quote) throw invalid('Invalid search query: unterminated string.', { param: 'query' });
  if (cur) out.push(cur);
  return out;
}

/**
 * Stripe's search query language, for the subset Portico and its tests use: `field:'value'`,
 * `field~'substring'`, `metadata['key']:'value'`, joined by AND (or whitespace) or by OR, not
 * both; at most 10 clauses.
 */
export function parseSearch(query: string): { clauses: Clause[]; op: 'AND' | 'OR' } {
  const parts = tokens(query);
  const terms = parts.filter((p) => p !== 'AND' && p !== 'OR');
  const ors = parts.filter((p) => p === 'OR').length;
  // Whitespace between clauses is an implicit AND.
  if (ors && (parts.includes('AND') || terms.length - 1 > ors))
    throw invalid("You can't combine AND and OR in the same search query.", { param: 'query' });
  const op = ors ? 'OR' : 'AND';
  if (!terms.length) throw invalid('Invalid search query: the query is empty.', { param: 'query' });
  if (terms.length > 10) throw invalid('Search queries can contain at most 10 clauses.', { param: 'query' });
  const clauses = terms.map((p) => {
    const m = /^(\w+)(?:\[(?:'([^']+)'|"([^"]+)")\])?(:|~)(?:'((?:[^'\\]|\\.)*)'|"((?:[^"\\]|\\.)*)")$/.exec(p);
    if (!m) throw invalid(`Invalid search query: ${p}`, { param: 'query' });
    const value = (m[5] ?? m[6] ?? '').replace(/\\(.)/g, '$1');
    if (m[4] === '~' && value.length < 3) throw invalid('Substring search (~) needs at least 3 characters.', { param: 'query' });
    return { field: m[1], key: m[2] ?? m[3], op: m[4] as ':' | '~', value };
  });
  return { clauses, op };
}

/** A string field against a clause: exact match or substring, case-insensitive as Stripe's search is. */
const textMatches = (v: string | null | undefined, c: Clause) => {
  const a = (v ?? '').toLowerCase();
  const b = c.value.toLowerCase();
  return c.op === '~' ? a.includes(b) : a === b;
};

export async function startStripeSim(o: {
  host: string;
  port: number;
  data: SeedData;
  secretKey: string;
  faults?: FaultOptions;
  webhooks?: WebhookSender;
}): Promise<SimServer> {
  const customers = new Map<string, Customer>();
  const invoices: StripeInvoice[] = [];
  const subscriptions: StripeSubscription[] = [];
  const paymentMethods: StripePaymentMethod[] = [];
  const taxIds = new Map<string, TaxId[]>();
  const setupIntents = new Map<string, object>();
  const products = new Map<string, Product>();
  const prices = new Map<string, Price>();
  const invoiceItems: InvoiceItem[] = [];
  {
    const created = Math.floor(Date.UTC(2024, 0, 1) / 1000);
    const addPrice = (
      p: { id: string; nickname: string; amount: number; product: string; active?: boolean },
      recurring: Price['recurring'],
      productName: string,
      k: number,
    ) => {
      if (!products.has(p.product))
        products.set(p.product, {
          id: p.product,
          object: 'product',
          active: true,
          created: created + k,
          description: `The ${productName} plan.`,
          livemode: false,
          metadata: {},
          name: productName,
          type: 'service',
        });
      prices.set(p.id, {
        id: p.id,
        object: 'price',
        active: p.active ?? true,
        billing_scheme: 'per_unit',
        created: created + k,
        currency: CATALOG_CURRENCIES[0],
        custom_unit_amount: null,
        livemode: false,
        lookup_key: p.nickname.toLowerCase().replace(/ /g, '_'),
        metadata: {},
        nickname: p.nickname,
        product: p.product,
        recurring,
        tax_behavior: 'unspecified',
        type: recurring ? 'recurring' : 'one_time',
        unit_amount: p.amount,
        unit_amount_decimal: String(p.amount),
        amounts: Object.fromEntries(CATALOG_CURRENCIES.map((c) => [c, p.amount])),
      });
    };
    const recurring = (interval: 'month' | 'year') => ({ interval, interval_count: 1, usage_type: 'licensed' as const, meter: null });
    (o.data.prices ?? []).forEach((p, k) => addPrice(p, recurring(p.interval), p.nickname.replace(/ (Monthly|Yearly)$/, ''), k));
    // Beyond the seed: a second yearly plan (so a yearly subscription can change plan), a price
    // no longer on sale, and a one-time price (neither of the last two is a plan).
    const starter = o.data.prices?.find((p) => p.nickname === 'Starter Monthly');
    if (starter)
      addPrice(
        { id: 'price_starter_yearly', nickname: 'Starter Yearly', amount: 19000, product: starter.product },
        recurring('year'),
        'Starter',
        99,
      );
    addPrice(
      { id: 'price_legacy_monthly', nickname: 'Legacy Monthly', amount: 990, product: 'prod_legacy', active: false },
      recurring('month'),
      'Legacy',
      100,
    );
    addPrice({ id: 'price_setup_fee', nickname: 'Setup fee', amount: 5000, product: 'prod_setup' }, null, 'Setup', 101);
  }
  /** Payment methods made from a declining test card (attach): their charges are declined as the card's. */
  const declining = new Map<string, (typeof DECLINING_TEST_METHODS)[string]>();
  for (const c of o.data.customers) {
    customers.set(c.stripeCustomerId, {
      id: c.stripeCustomerId,
      object: 'customer',
      email: c.email,
      name: `${c.firstname} ${c.lastname}`,
      phone: c.phone,
      currency: c.currency,
      balance: c.balance,
      created: Math.floor(Date.parse(c.createdAt) / 1000),
      delinquent: c.invoices.some((i) => i.status === 'open' && i.due_date !== null && i.due_date < Date.UTC(2026, 10, 1) / 1000),
      description: null,
      metadata: { crm_contact_id: c.crmId },
      address: null,
      invoice_settings: { default_payment_method: c.paymentMethods[0]?.id ?? null },
      livemode: false,
    });
    invoices.push(...c.invoices);
    if (c.subscription) subscriptions.push(c.subscription);
    paymentMethods.push(...c.paymentMethods);
  }
  /** Idempotency keys, forgotten after faults.idempotencyKeyTtlMs (Stripe keeps them at least 24 hours). */
  let keyTtlMs = o.faults?.idempotencyKeyTtlMs ?? 86_400_000;
  const idempotent = expiring<{ hash: string; status: number; body: unknown }>(() => keyTtlMs);

  /**
   * Stripe's idempotent requests, for the write routes below: the key is kept with a fingerprint
   * of the request (path and parameters); the same key and parameters answer the stored response
   * (`Idempotent-Replayed: true`), the same key with other parameters is a 400 idempotency_error.
   */
  const idempotently = async (req: SimRequest, run: () => { status: number; body: object }) => {
    const key = req.headers['idempotency-key'];
    if (typeof key !== 'string') {
      const out = run();
      return withStatus(out.status, out.body);
    }
    const hash = createHash('sha256')
      .update(`${req.method} ${req.path}\n${req.body.toString('utf8')}`)
      .digest('hex');
    const prior = idempotent.get(key);
    if (prior && prior.hash !== hash)
      throw invalid(
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        { type: 'idempotency_error' },
      );
    if (prior) return withStatus(prior.status, prior.body as object, { 'idempotent-replayed': 'true', 'idempotency-key': key });
    const out = run();
    idempotent.set(key, { hash, status: out.status, body: out.body });
    return withStatus(out.status, out.body, { 'idempotency-key': key });
  };
  const subscriptionOf = (id: string) => {
    const sub = subscriptions.find((s) => s.id === id);
    if (!sub) throw missing('subscription', id);
    return sub;
  };

  const params = (req: SimRequest) =>
    qs.parse(req.method === 'GET' ? req.rawQuery : req.body.toString('utf8'), { depth: 5, arrayLimit: 100 }) as Record<string, unknown>;
  const expands = (p: Record<string, unknown>): string[] => {
    const e = p.expand;
    return Array.isArray(e)
      ? (e as string[])
      : typeof e === 'string'
        ? [e]
        : e && typeof e === 'object'
          ? Object.values(e as Record<string, string>)
          : [];
  };
  const limitOf = (p: Record<string, unknown>) => {
    const limit = p.limit === undefined ? 10 : Number(p.limit);
    if (!Number.isInteger(limit) || limit < 1 || limit > 100)
      throw invalid('Invalid integer: limit must be between 1 and 100', { param: 'limit' });
    return limit;
  };

  const subsList = (customerId: string) => {
    const data = subscriptions.filter((s) => s.customer === customerId && s.status !== 'canceled');
    return { object: 'list', data, has_more: false, total_count: data.length, url: `/v1/customers/${customerId}/subscriptions` };
  };
  const taxIdList = (customerId: string) => {
    const data = taxIds.get(customerId) ?? [];
    return { object: 'list', data, has_more: false, total_count: data.length, url: `/v1/customers/${customerId}/tax_ids` };
  };
  const customerView = (c: Customer, exp: string[], prefix = '') => ({
    ...c,
    ...(exp.includes(`${prefix}subscriptions`) ? { subscriptions: subsList(c.id) } : {}),
    ...(exp.includes(`${prefix}tax_ids`) ? { tax_ids: taxIdList(c.id) } : {}),
  });

  /** A Stripe list: newest first, cursor by object id (starting_after / ending_before). */
  function list<T extends { id: string; created: number }>(rows: T[], p: Record<string, unknown>, url: string) {
    const sorted = [...rows].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
    const limit = limitOf(p);
    let start = 0;
    if (typeof p.starting_after === 'string') {
      const i = sorted.findIndex((r) => r.id === p.starting_after);
      if (i < 0) throw invalid(`Invalid starting_after id: ${p.starting_after}`, { param: 'starting_after' });
      start = i + 1;
    } else if (typeof p.ending_before === 'string') {
      const i = sorted.findIndex((r) => r.id === p.ending_before);
      if (i < 0) throw invalid(`Invalid ending_before id: ${p.ending_before}`, { param: 'ending_before' });
      start = Math.max(0, i - limit);
      return { object: 'list', data: sorted.slice(start, i), has_more: start > 0, url };
    }
    return { object: 'list', data: sorted.slice(start, start + limit), has_more: start + limit < sorted.length, url };
  }

  /** A Stripe search_result: relevance order is ours to choose (newest first), opaque `page` cursors. */
  function search<T extends { created: number; id: string }>(
    rows: T[],
    p: Record<string, unknown>,
    url: string,
    view: (r: T) => unknown = (r) => r,
  ) {
    const limit = limitOf(p);
    const sorted = [...rows].sort((a, b) => b.created - a.created || (a.id < b.id ? 1 : -1));
    const offset = typeof p.page === 'string' ? Number(Buffer.from(p.page, 'base64url').toString().replace('page:', '')) : 0;
    if (!Number.isInteger(offset) || offset < 0) throw invalid('Invalid page cursor', { param: 'page' });
    const more = offset + limit < sorted.length;
    return {
      object: 'search_result',
      data: sorted.slice(offset, offset + limit).map(view),
      has_more: more,
      next_page: more ? Buffer.from(`page:${offset + limit}`).toString('base64url') : null,
      url,
      ...(expands(p).includes('total_count') ? { total_count: sorted.length } : {}),
    };
  }

  /** OR-ed or AND-ed clauses over one row. */
  const where = <T>(q: { clauses: Clause[]; op: 'AND' | 'OR' }, row: T, test: (row: T, c: Clause) => boolean) =>
    q.op === 'OR' ? q.clauses.some((c) => test(row, c)) : q.clauses.every((c) => test(row, c));

  /** Search's index (faults.searchLagMs): each customer's search view as last indexed, per expansion set. */
  let searchLagMs = o.faults?.searchLagMs ?? 0;
  const indexed = new Map<string, { at: number; view: unknown }>();
  const searchView = (c: Customer, exp: string[]) => {
    if (!searchLagMs) return customerView(c, exp, 'data.');
    const k = `${c.id} ${exp.join(',')}`;
    const hit = indexed.get(k);
    if (hit && Date.now() - hit.at < searchLagMs) return hit.view;
    const view = structuredClone(customerView(c, exp, 'data.'));
    indexed.set(k, { at: Date.now(), view });
    return view;
  };

  /** A price as Stripe answers it: `product` and `currency_options` expanded when asked (`data.` inside a list). */
  const priceView = (x: Price, exp: string[], prefix = '') => {
    const { amounts, ...price } = x;
    return {
      ...price,
      ...(exp.includes(`${prefix}product`) ? { product: products.get(x.product) ?? x.product } : {}),
      ...(exp.includes(`${prefix}currency_options`)
        ? {
            currency_options: Object.fromEntries(
              Object.entries(amounts).map(([c, a]) => [
                c,
                { custom_unit_amount: null, tax_behavior: 'unspecified', unit_amount: a, unit_amount_decimal: String(a) },
              ]),
            ),
          }
        : {}),
    };
  };

  /**
   * The seeded periods are fixed; Stripe renews a subscription at each period end. A subscription
   * read by id, previewed or changed has its periods rolled forward to the one holding now (30 days
   * a month, 365 a year, as the seed counts them): a plan change keeps them, a read or a preview
   * shows them on a copy (the seeded data the other reads show stays as it is).
   */
  function renew(sub: StripeSubscription) {
    if (sub.status === 'canceled') return;
    const now = Math.floor(Date.now() / 1000);
    for (const item of sub.items.data) {
      const step = item.price.recurring.interval === 'year' ? 365 * 86_400 : 30 * 86_400;
      while (item.current_period_end <= now) {
        item.current_period_start = item.current_period_end;
        item.current_period_end += step;
      }
    }
    const first = sub.items.data[0];
    if (first) Object.assign(sub, { current_period_start: first.current_period_start, current_period_end: first.current_period_end });
  }

  /**
   * A subscription's price change as Stripe computes it (`items[0][id]`, `items[0][price]`,
   * `proration_behavior`, `proration_date`, under `prefix` for a preview): the new price in the
   * subscription's currency and, with create_prorations, the unused time of the current price
   * credited and the rest of the period on the new one charged, each rounded to the minor unit.
   */
  function planChange(sub: StripeSubscription, p: Record<string, unknown>, prefix = '') {
    const name = (k: string) => (prefix ? `${prefix}[${k}]` : k);
    if (sub.status === 'canceled')
      throw invalid('A canceled subscription can only update its cancellation_details and metadata.', { code: 'resource_missing' });
    const items = Array.isArray(p.items) ? (p.items as Record<string, unknown>[]) : [];
    if (items.length !== 1) throw invalid('The simulator changes exactly one subscription item.', { param: name('items') });
    const [want] = items;
    const item = sub.items.data.find((i) => i.id === want.id);
    if (!item) throw invalid(`No such subscription item: '${String(want.id)}'`, { code: 'resource_missing', param: name('items[0][id]') });
    const priceId = typeof want.price === 'string' ? want.price : '';
    const price = prices.get(priceId);
    if (!price) throw invalid(`No such price: '${priceId}'`, { code: 'resource_missing', param: name('items[0][price]') });
    if (!price.active)
      throw invalid('The price specified is inactive. This field only accepts active prices.', { param: name('items[0][price]') });
    if (!price.recurring)
      throw invalid('The price specified is set to `type=one_time` but this field only accepts prices with `type=recurring`.', {
        param: name('items[0][price]'),
      });
    const currency = item.price.currency;
    const amount = price.amounts[currency];
    if (amount === undefined)
      throw invalid(
        `The price specified supports currencies of \`${Object.keys(price.amounts).join(', ')}\` which doesn't include the expected currency of \`${currency}\`.`,
        { param: name('items[0][price]') },
      );
    // Another billing interval (monthly -> yearly): Stripe resets the billing cycle to now and invoices
    // at once, the unused time of the current price credited (with prorations) and the first period
    // of the new price charged.
    const intervalChange =
      price.recurring.interval !== item.price.recurring.interval || price.recurring.interval_count !== item.price.recurring.interval_count;
    const behavior = p.proration_behavior === undefined ? 'create_prorations' : p.proration_behavior;
    if (behavior !== 'create_prorations' && behavior !== 'none')
      throw invalid('Invalid proration_behavior: the simulator takes create_prorations or none', { param: name('proration_behavior') });
    const start = item.current_period_start;
    const end = item.current_period_end;
    const date = p.proration_date === undefined ? Math.floor(Date.now() / 1000) : Number(p.proration_date);
    if (!Number.isInteger(date)) throw invalid(`Invalid integer: ${String(p.proration_date)}`, { param: name('proration_date') });
    if (date < start || date > end)
      throw invalid('The proration date must be within the current billing period of the subscription.', { param: name('proration_date') });
    const next = {
      ...item.price,
      id: price.id,
      nickname: price.nickname ?? price.id,
      unit_amount: amount,
      product: price.product,
      lookup_key: price.lookup_key ?? price.id,
      // The seed's type knows months and years; prices created at run time may bill by the day or week.
      recurring: { interval: price.recurring.interval as StripePrice['recurring']['interval'], interval_count: 1 } as const,
    };
    const share = (end - date) / (end - start);
    const period = { start: date, end };
    const unused = {
      amount: -Math.round(item.price.unit_amount * item.quantity * share),
      description: `Unused time on ${item.quantity} × ${item.price.nickname} after ${new Date(date * 1000).toISOString().slice(0, 10)}`,
      period,
      price: item.price.id,
    };
    const now = Math.floor(Date.now() / 1000);
    // The new billing cycle (interval changes only): it starts now, and its first period is invoiced now.
    const cycle = intervalChange
      ? {
          start: now,
          end: now + INTERVAL_S[price.recurring.interval] * price.recurring.interval_count,
          amount: amount * item.quantity,
          description: `${item.quantity} × ${next.nickname} (at ${amount / 100} / ${price.recurring.interval})`,
        }
      : undefined;
    const prorations =
      behavior === 'none' || item.price.id === price.id
        ? []
        : intervalChange
          ? [unused]
          : [
              {
                amount: -Math.round(item.price.unit_amount * item.quantity * share),
                description: `Unused time on ${item.quantity} × ${item.price.nickname} after ${new Date(date * 1000).toISOString().slice(0, 10)}`,
                period,
                price: item.price.id,
              },
              {
                amount: Math.round(amount * item.quantity * share),
                description: `Remaining time on ${item.quantity} × ${next.nickname} after ${new Date(date * 1000).toISOString().slice(0, 10)}`,
                period,
                price: price.id,
              },
            ];
    return { item, price: next, prorations, date, cycle };
  }

  /**
   * A subscription's immediate invoice (a change of billing interval): the customer's pending
   * invoice items (with the change's prorations) and `lines` (the new period), finalized and paid at
   * once with the default payment method, as Stripe's `charge_automatically` does. A decline (or no
   * card) leaves it open and the subscription past due, with invoice.payment_failed, as Stripe's
   * default `payment_behavior` (allow_incomplete) does; paid, invoice.paid.
   */
  function invoiceNow(sub: StripeSubscription, currency: string, lines: { amount: number; period: { start: number; end: number } }[]) {
    const now = Math.floor(Date.now() / 1000);
    const id = `in_${randomBytes(12).toString('hex')}`;
    const pending = invoiceItems.filter((i) => i.customer === sub.customer && i.invoice === null);
    for (const i of pending) i.invoice = id;
    const total = [...pending, ...lines].reduce((n, l) => n + l.amount, 0);
    const cus = customers.get(sub.customer);
    // A credit larger than the charge stays with the customer (a negative balance), as Stripe keeps it.
    const due = Math.max(0, total + (cus?.balance ?? 0));
    if (cus) cus.balance = Math.min(0, total + cus.balance);
    const count = invoices.filter((i) => i.customer === sub.customer).length + 1;
    const crmId = cus?.metadata.crm_contact_id ?? 'X';
    const inv: StripeInvoice & Attempts & Record<string, unknown> = {
      id,
      object: 'invoice',
      customer: sub.customer,
      number: `${crmId}-${String(count).padStart(4, '0')}`,
      status: 'open',
      amount_due: due,
      amount_paid: 0,
      amount_remaining: due,
      currency,
      created: now,
      due_date: null,
      hosted_invoice_url: null,
      period_start: now,
      period_end: now,
      livemode: false,
      billing_reason: 'subscription_update',
      subscription: sub.id,
      subtotal: total,
      total,
    };
    invoices.push(inv);
    if (due === 0) {
      Object.assign(inv, { status: 'paid' });
      o.webhooks?.stripe('invoice.paid', { ...inv }, { status: 'open' });
      return;
    }
    const pm = cus?.invoice_settings.default_payment_method;
    const decline = pm ? (DECLINING_TEST_METHODS[pm] ?? declining.get(pm)) : undefined;
    Object.assign(inv, { attempted: true, attempt_count: 1 });
    if (!pm || decline) {
      Object.assign(inv, { next_payment_attempt: now + 3 * 86_400 });
      const previous = { status: sub.status };
      sub.status = 'past_due';
      o.webhooks?.stripe('invoice.payment_failed', { ...inv }, { attempted: false, attempt_count: 0 });
      o.webhooks?.stripe('customer.subscription.updated', structuredClone(sub), previous);
      return;
    }
    Object.assign(inv, { status: 'paid', amount_paid: due, amount_remaining: 0, next_payment_attempt: null });
    o.webhooks?.stripe('invoice.paid', { ...inv }, { status: 'open', amount_paid: 0, amount_remaining: due });
  }

  const sim = await startJsonSim({
    host: o.host,
    port: o.port,
    faults: o.faults,
    plans: STRIPE_PLANS,
    headers: () => ({ 'request-id': `req_${randomBytes(7).toString('hex')}`, 'stripe-version': '2026-10-28.endive' }),
    errors: {
      failure: () => ({ error: { type: 'api_error', message: 'An unknown error occurred' } }),
      rateLimited: () => ({
        error: {
          code: 'rate_limit',
          message: 'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
          type: 'invalid_request_error',
        },
      }),
      notFound: () => ({
        error: {
          type: 'invalid_request_error',
          message: 'Unrecognized request URL. Please see https://stripe.com/docs or we can help at https://support.stripe.com/.',
        },
      }),
      tooLarge: () => ({ error: { type: 'invalid_request_error', message: 'Request body too large.' } }),
    },
    authenticate: (req) => {
      const auth = req.headers.authorization ?? '';
      const basic = auth.startsWith('Basic ') ? Buffer.from(auth.slice(6), 'base64').toString().split(':')[0] : undefined;
      const key = auth.startsWith('Bearer ') ? auth.slice(7) : basic;
      if (key === o.secretKey) return undefined;
      return new HttpError(401, {
        error: {
          message: key
            ? `Invalid API Key provided: ${key.slice(0, 8)}****${key.slice(-4)}`
            : "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').",
          type: 'invalid_request_error',
        },
      });
    },
    routes: [
      {
        method: 'GET',
        pattern: '/v1/customers/search',
        handle: (req) => {
          const p = params(req);
          if (typeof p.query !== 'string') throw invalid('Missing required param: query.', { param: 'query' });
          const q = parseSearch(p.query);
          const rows = [...customers.values()].filter((cu) =>
            where(q, cu, (row, c) => {
              if (c.field === 'metadata') return c.op === ':' && row.metadata[c.key ?? ''] === c.value;
              if (c.field === 'email' || c.field === 'name' || c.field === 'phone') return textMatches(row[c.field], c);
              throw invalid(`Field ${c.field} is not supported in customer search.`, { param: 'query' });
            }),
          );
          const exp = expands(p);
          return search(rows, p, '/v1/customers/search', (c) => searchView(c, exp));
        },
      },
      {
        // Creates a customer: name, email, phone, description, metadata (`metadata[crm_contact_id]`
        // links it to the CRM contact). With an Idempotency-Key, a retry answers the first customer.
        method: 'POST',
        pattern: '/v1/customers',
        handle: (req) =>
          idempotently(req, () => {
            const p = params(req);
            for (const k of Object.keys(p))
              if (!['name', 'email', 'phone', 'description', 'metadata', 'expand'].includes(k))
                throw invalid(`Received unknown parameter: ${k}`, { param: k });
            if (
              p.email !== undefined &&
              (typeof p.email !== 'string' || p.email.length > 512 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(p.email))
            )
              throw invalid(`Invalid email address: ${typeof p.email === 'string' ? p.email : JSON.stringify(p.email)}`, {
                code: 'email_invalid',
                param: 'email',
              });
            const str = (v: unknown) => (typeof v === 'string' && v !== '' ? v : null);
            const metadata = Object.fromEntries(
              Object.entries(p.metadata && typeof p.metadata === 'object' ? (p.metadata as Record<string, unknown>) : {})
                .filter(([, v]) => v !== '')
                .map(([k, v]) => [k, String(v)]),
            );
            const c: Customer = {
              id: `cus_${randomBytes(7).toString('hex')}`,
              object: 'customer',
              email: str(p.email) as string,
              name: str(p.name) as string,
              phone: str(p.phone),
              // Stripe sets a customer's currency with its first invoice or subscription.
              currency: null as unknown as string,
              balance: 0,
              created: Math.floor(Date.now() / 1000),
              delinquent: false,
              description: str(p.description),
              metadata,
              address: null,
              invoice_settings: { default_payment_method: null },
              livemode: false,
            };
            customers.set(c.id, c);
            o.webhooks?.stripe('customer.created', { ...c });
            return { status: 200, body: { ...c } };
          }),
      },
      {
        method: 'GET',
        pattern: '/v1/customers/{id}/payment_methods',
        handle: (req, { id }) => {
          if (!customers.has(id)) throw missing('customer', id);
          const p = params(req);
          return list(
            paymentMethods.filter((m) => m.customer === id && (!p.type || p.type === m.type)),
            p,
            `/v1/customers/${id}/payment_methods`,
          );
        },
      },
      {
        method: 'GET',
        pattern: '/v1/customers/{id}/tax_ids',
        handle: (req, { id }) => {
          if (!customers.has(id)) throw missing('customer', id);
          return list(taxIds.get(id) ?? [], params(req), `/v1/customers/${id}/tax_ids`);
        },
      },
      {
        // Creates a tax id: the type must be one of Stripe's, and for the types with a known format
        // the value must match it (Stripe's tax_id_invalid); a customer holds at most 25.
        method: 'POST',
        pattern: '/v1/customers/{id}/tax_ids',
        handle: (req, { id }) =>
          idempotently(req, () => {
            if (!customers.has(id)) throw missing('customer', id);
            const p = params(req);
            if (typeof p.type !== 'string') throw invalid('Missing required param: type.', { param: 'type' });
            if (typeof p.value !== 'string') throw invalid('Missing required param: value.', { param: 'value' });
            if (!TAX_ID_TYPES.has(p.type)) throw invalid(`Invalid type: must be one of ${[...TAX_ID_TYPES].join(', ')}`, { param: 'type' });
            const format = TAX_ID_FORMATS[p.type];
            const value = p.value.replace(/\s/g, '').toUpperCase();
            if (format && !format.test(value)) throw invalid(`Invalid value for ${p.type}.`, { code: 'tax_id_invalid', param: 'value' });
            const list = taxIds.get(id) ?? [];
            if (list.length >= 25) throw invalid('A customer can have at most 25 tax IDs.', { code: 'tax_id_limit_reached' });
            const tax: TaxId = {
              id: `txi_${randomBytes(12).toString('hex')}`,
              object: 'tax_id',
              country: p.type === 'eu_vat' ? value.slice(0, 2).replace('EL', 'GR') : p.type.slice(0, 2).toUpperCase(),
              created: Math.floor(Date.now() / 1000) + list.length,
              customer: id,
              type: p.type,
              value: format ? value : p.value,
              verification: { status: 'pending', verified_address: null, verified_name: null },
              livemode: false,
            };
            taxIds.set(id, [...list, tax]);
            o.webhooks?.stripe('customer.tax_id.created', { ...tax });
            return { status: 200, body: tax };
          }),
      },
      {
        method: 'DELETE',
        pattern: '/v1/customers/{id}/tax_ids/{taxId}',
        handle: (_req, { id, taxId }) => {
          const list = taxIds.get(id) ?? [];
          const tax = list.find((x) => x.id === taxId);
          if (!customers.has(id) || !tax) throw missing('tax_id', taxId);
          taxIds.set(
            id,
            list.filter((x) => x !== tax),
          );
          o.webhooks?.stripe('customer.tax_id.deleted', { ...tax });
          return { id: taxId, object: 'tax_id', deleted: true };
        },
      },
      {
        method: 'GET',
        pattern: '/v1/customers/{id}',
        handle: (req, { id }) => {
          const c = customers.get(id);
          if (!c) throw missing('customer', id);
          return customerView(c, expands(params(req)));
        },
      },
      {
        method: 'POST',
        pattern: '/v1/customers/{id}',
        handle: (req, { id }) => {
          const key = req.headers['idempotency-key'];
          const hash = createHash('sha256')
            .update(`${req.path}\n${req.body.toString('utf8')}`)
            .digest('hex');
          if (typeof key === 'string') {
            const prior = idempotent.get(key);
            if (prior && prior.hash !== hash)
              throw invalid(
                'Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than the one used in your original request.',
                { type: 'idempotency_error' },
              );
            if (prior) return withStatus(prior.status, prior.body as object, { 'idempotent-replayed': 'true', 'idempotency-key': key });
          }
          const c = customers.get(id);
          if (!c) throw missing('customer', id);
          const p = params(req);
          const address = p.address && typeof p.address === 'object' ? (p.address as Record<string, unknown>) : undefined;
          for (const [k, v] of Object.entries(address ?? {})) {
            if (!ADDRESS_FIELDS.includes(k)) throw invalid(`Received unknown parameter: address[${k}]`, { param: `address[${k}]` });
            if (typeof v !== 'string' || v.length > 5000) throw invalid(`Invalid string: address[${k}]`, { param: `address[${k}]` });
          }
          if (typeof address?.country === 'string' && address.country !== '' && !COUNTRIES.has(address.country.toUpperCase()))
            throw invalid(
              `Country '${address.country}' is unknown. Try using a 2-character alphanumeric country code instead, such as 'US', 'EG', or 'GB'. A full list of country codes is available at https://stripe.com/docs/api#country_codes`,
              { param: 'address[country]' },
            );
          const settings =
            p.invoice_settings && typeof p.invoice_settings === 'object' ? (p.invoice_settings as Record<string, unknown>) : {};
          const pm = settings.default_payment_method;
          if (typeof pm === 'string' && pm !== '' && !paymentMethods.some((m) => m.id === pm && m.customer === id))
            throw invalid(
              `No such PaymentMethod: '${pm}'; The customer does not have a payment method with the ID ${pm}. The payment method must be attached to the customer.`,
              { code: 'resource_missing', param: 'invoice_settings[default_payment_method]' },
            );
          if (typeof p.email === 'string' && p.email !== '' && (p.email.length > 512 || !/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(p.email)))
            throw invalid(`Invalid email address: ${p.email}`, { code: 'email_invalid', param: 'email' });
          const previous: Record<string, unknown> = {};
          for (const f of ['email', 'name', 'phone', 'description'] as const)
            if (typeof p[f] === 'string') {
              previous[f] = c[f];
              c[f] = p[f];
            }
          if (p.metadata && typeof p.metadata === 'object') {
            previous.metadata = { ...c.metadata };
            // As Stripe: a key set to an empty string is deleted.
            for (const [k, v] of Object.entries(p.metadata as Record<string, unknown>))
              if (v === '') delete c.metadata[k];
              else c.metadata[k] = String(v);
          }
          if (address) {
            previous.address = c.address;
            // Fields sent are set (an empty string clears one); the others are kept.
            const next: Record<string, string | null> = Object.fromEntries(ADDRESS_FIELDS.map((f) => [f, c.address?.[f] ?? null]));
            for (const [k, v] of Object.entries(address)) next[k] = v === '' ? null : String(v);
            if (next.country) next.country = next.country.toUpperCase();
            c.address = next;
          }
          if (typeof pm === 'string') {
            previous.invoice_settings = { ...c.invoice_settings };
            c.invoice_settings.default_payment_method = pm || null;
          }
          const body = { ...c };
          o.webhooks?.stripe('customer.updated', body, previous);
          if (typeof key === 'string') idempotent.set(key, { hash, status: 200, body });
          return typeof key === 'string' ? withStatus(200, body, { 'idempotency-key': key }) : body;
        },
      },
      {
        method: 'GET',
        pattern: '/v1/prices',
        handle: (req) => {
          const p = params(req);
          const bool = (v: unknown) => (v === undefined ? undefined : v === 'true');
          const active = bool(p.active);
          const rows = [...prices.values()].filter(
            (x) =>
              (active === undefined || x.active === active) &&
              (!p.type || x.type === p.type) &&
              (!p.product || x.product === p.product) &&
              (!p.currency || x.currency === p.currency),
          );
          const out = list(rows, p, '/v1/prices');
          const exp = expands(p);
          return { ...out, data: out.data.map((x) => priceView(x, exp, 'data.')) };
        },
      },
      {
        // Creates a price (of an existing product, or of a new one with `product_data[name]`);
        // `currency_options[<currency>][unit_amount]` sells it in other currencies too.
        method: 'POST',
        pattern: '/v1/prices',
        handle: (req) =>
          idempotently(req, () => {
            const p = params(req);
            if (typeof p.currency !== 'string' || !/^[a-z]{3}$/.test(p.currency))
              throw invalid('Missing required param: currency.', { param: 'currency' });
            const amount = Number(p.unit_amount);
            if (!Number.isInteger(amount) || amount < 0) throw invalid('Invalid integer: unit_amount', { param: 'unit_amount' });
            const rec = p.recurring && typeof p.recurring === 'object' ? (p.recurring as Record<string, unknown>) : undefined;
            const interval = rec?.interval;
            if (rec && interval !== 'day' && interval !== 'week' && interval !== 'month' && interval !== 'year')
              throw invalid('Invalid recurring[interval]: must be one of day, week, month, or year', { param: 'recurring[interval]' });
            const data = p.product_data && typeof p.product_data === 'object' ? (p.product_data as Record<string, unknown>) : undefined;
            let product = typeof p.product === 'string' ? p.product : undefined;
            if (product && !products.has(product)) throw missing('product', product);
            if (!product) {
              if (typeof data?.name !== 'string') throw invalid('Missing required param: product.', { param: 'product' });
              product = `prod_${randomBytes(7).toString('hex')}`;
              products.set(product, {
                id: product,
                object: 'product',
                active: true,
                created: Math.floor(Date.now() / 1000),
                description: null,
                livemode: false,
                metadata: {},
                name: data.name,
                type: 'service',
              });
            }
            const options =
              p.currency_options && typeof p.currency_options === 'object'
                ? (p.currency_options as Record<string, { unit_amount?: string }>)
                : {};
            const price: Price = {
              id: `price_${randomBytes(12).toString('hex')}`,
              object: 'price',
              active: p.active !== 'false',
              billing_scheme: 'per_unit',
              created: Math.floor(Date.now() / 1000),
              currency: p.currency,
              custom_unit_amount: null,
              livemode: false,
              lookup_key: typeof p.lookup_key === 'string' ? p.lookup_key : null,
              metadata: {},
              nickname: typeof p.nickname === 'string' ? p.nickname : null,
              product,
              recurring: rec
                ? {
                    interval: interval as 'day' | 'week' | 'month' | 'year',
                    interval_count: Number(rec.interval_count ?? 1),
                    usage_type: 'licensed',
                    meter: null,
                  }
                : null,
              tax_behavior: 'unspecified',
              type: rec ? 'recurring' : 'one_time',
              unit_amount: amount,
              unit_amount_decimal: String(amount),
              amounts: {
                [p.currency]: amount,
                ...Object.fromEntries(Object.entries(options).map(([c, o]) => [c, Number(o.unit_amount)])),
              },
            };
            prices.set(price.id, price);
            const body = priceView(price, []);
            o.webhooks?.stripe('price.created', body);
            return { status: 200, body };
          }),
      },
      {
        method: 'GET',
        pattern: '/v1/prices/{id}',
        handle: (req, { id }) => {
          const price = prices.get(id);
          if (!price) throw missing('price', id);
          return priceView(price, expands(params(req)));
        },
      },
      {
        // Update: `active` (take a price off sale, or back) and `nickname`.
        method: 'POST',
        pattern: '/v1/prices/{id}',
        handle: (req, { id }) =>
          idempotently(req, () => {
            const price = prices.get(id);
            if (!price) throw missing('price', id);
            const p = params(req);
            const previous: Record<string, unknown> = {};
            if (p.active !== undefined) {
              if (p.active !== 'true' && p.active !== 'false') throw invalid('Invalid boolean: active', { param: 'active' });
              previous.active = price.active;
              price.active = p.active === 'true';
            }
            if (typeof p.nickname === 'string') {
              previous.nickname = price.nickname;
              price.nickname = p.nickname || null;
            }
            const body = priceView(price, []);
            o.webhooks?.stripe('price.updated', body, previous);
            return { status: 200, body };
          }),
      },
      {
        method: 'GET',
        pattern: '/v1/invoiceitems',
        handle: (req) => {
          const p = params(req);
          const pending = p.pending === undefined ? undefined : p.pending === 'true';
          return list(
            invoiceItems.filter(
              (i) => (!p.customer || i.customer === p.customer) && (pending === undefined || (i.invoice === null) === pending),
            ),
            p,
            '/v1/invoiceitems',
          );
        },
      },
      {
        // The next invoice of a subscription, with a change applied (`subscription_details`):
        // pending invoice items, the change's prorations and the next period. Nothing is stored.
        method: 'POST',
        pattern: '/v1/invoices/create_preview',
        handle: (req) => {
          const p = params(req);
          if (typeof p.subscription !== 'string')
            throw invalid('The simulator previews invoices of an existing subscription: pass subscription.', { param: 'subscription' });
          const sub = structuredClone(subscriptionOf(p.subscription));
          if (typeof p.customer === 'string' && p.customer !== sub.customer)
            throw invalid(`The subscription ${sub.id} does not belong to the customer ${p.customer}.`, { param: 'customer' });
          const details =
            p.subscription_details && typeof p.subscription_details === 'object' ? (p.subscription_details as Record<string, unknown>) : {};
          renew(sub);
          const change = details.items ? planChange(sub, details, 'subscription_details') : undefined;
          const item = sub.items.data[0];
          const next = change?.price ?? item.price;
          const end = item.current_period_end;
          const pending = invoiceItems.filter((i) => i.customer === sub.customer && i.invoice === null);
          const line = (
            amount: number,
            description: string,
            period: { start: number; end: number },
            proration: boolean,
            price: string,
            invoiceItem: string | null,
          ) => ({
            id: `il_tmp_${randomBytes(12).toString('hex')}`,
            object: 'line_item',
            amount,
            currency: next.currency,
            description,
            discount_amounts: [],
            discountable: !proration,
            discounts: [],
            invoice: null,
            livemode: false,
            metadata: {},
            parent: {
              type: 'subscription_item_details',
              invoice_item_details: null,
              subscription_item_details: {
                invoice_item: invoiceItem,
                proration,
                proration_details: { credited_items: null },
                subscription: sub.id,
                subscription_item: item.id,
              },
            },
            period,
            pretax_credit_amounts: [],
            pricing: {
              type: 'price_details',
              price_details: { price, product: prices.get(price)?.product ?? null },
              unit_amount_decimal: null,
            },
            quantity: item.quantity,
            subtotal: amount,
            taxes: [],
          });
          // A change of billing interval previews the invoice it makes at once (the new cycle's first
          // period); any other change, the next invoice at the period end.
          const cycle = change?.cycle;
          const lines = [
            ...pending.map((i) => line(i.amount, i.description, i.period, i.proration, i.price, i.id)),
            ...(change?.prorations ?? []).map((x) => line(x.amount, x.description, x.period, true, x.price, null)),
            cycle
              ? line(cycle.amount, cycle.description, { start: cycle.start, end: cycle.end }, false, next.id, null)
              : line(
                  next.unit_amount * item.quantity,
                  `${item.quantity} × ${next.nickname} (at ${next.unit_amount / 100} / ${next.recurring.interval})`,
                  { start: end, end: end + INTERVAL_S[next.recurring.interval] },
                  false,
                  next.id,
                  null,
                ),
          ];
          const total = lines.reduce((n, l) => n + l.amount, 0);
          const cus = customers.get(sub.customer);
          return {
            object: 'invoice',
            account_country: 'US',
            amount_due: Math.max(0, total + (cus?.balance ?? 0)),
            amount_paid: 0,
            amount_remaining: Math.max(0, total + (cus?.balance ?? 0)),
            billing_reason: 'upcoming',
            collection_method: 'charge_automatically',
            created: Math.floor(Date.now() / 1000),
            currency: next.currency,
            customer: sub.customer,
            lines: { object: 'list', data: lines, has_more: false, total_count: lines.length, url: '/v1/invoices/upcoming/lines' },
            livemode: false,
            next_payment_attempt: end + 3600,
            parent: { type: 'subscription_details', subscription_details: { subscription: sub.id, metadata: {} } },
            period_start: item.current_period_start,
            period_end: end,
            starting_balance: cus?.balance ?? 0,
            status: 'draft',
            subtotal: total,
            total,
          };
        },
      },
      {
        method: 'GET',
        pattern: '/v1/invoices/search',
        handle: (req) => {
          const p = params(req);
          if (typeof p.query !== 'string') throw invalid('Missing required param: query.', { param: 'query' });
          const q = parseSearch(p.query);
          const rows = invoices.filter((inv) =>
            where(q, inv, (row, c) => {
              if (c.field === 'customer' || c.field === 'status' || c.field === 'number')
                return c.op === ':' && String(row[c.field]) === c.value;
              throw invalid(`Field ${c.field} is not supported in invoice search.`, { param: 'query' });
            }),
          );
          return search(rows, p, '/v1/invoices/search');
        },
      },
      {
        method: 'GET',
        pattern: '/v1/invoices',
        handle: (req) => {
          const p = params(req);
          return list(
            invoices.filter((i) => (!p.customer || i.customer === p.customer) && (!p.status || i.status === p.status)),
            p,
            '/v1/invoices',
          );
        },
      },
      {
        method: 'GET',
        pattern: '/v1/subscriptions/{id}',
        handle: (_req, { id }) => {
          const sub = structuredClone(subscriptionOf(id));
          renew(sub);
          return sub;
        },
      },
      {
        // Update: the subset Portico writes (cancel_at_period_end; a plan change: items[0][price]
        // with proration_behavior and proration_date, its prorations left as pending invoice items).
        method: 'POST',
        pattern: '/v1/subscriptions/{id}',
        handle: (req, { id }) =>
          idempotently(req, () => {
            const sub = subscriptionOf(id);
            const p = params(req);
            if (p.items !== undefined) {
              renew(sub);
              const change = planChange(sub, p);
              const previous = { items: structuredClone(sub.items) };
              const now = Math.floor(Date.now() / 1000);
              for (const x of change.prorations)
                invoiceItems.push({
                  id: `ii_${randomBytes(12).toString('hex')}`,
                  object: 'invoiceitem',
                  amount: x.amount,
                  currency: change.price.currency,
                  customer: sub.customer,
                  date: now,
                  description: x.description,
                  invoice: null,
                  livemode: false,
                  period: x.period,
                  proration: true,
                  quantity: change.item.quantity,
                  subscription: sub.id,
                  subscription_item: change.item.id,
                  price: x.price,
                  created: now,
                });
              change.item.price = change.price;
              const cycle = change.cycle;
              if (cycle) {
                // The billing cycle starts again now; the change is invoiced (and charged) at once.
                change.item.current_period_start = cycle.start;
                change.item.current_period_end = cycle.end;
                Object.assign(sub, { current_period_start: cycle.start, current_period_end: cycle.end, billing_cycle_anchor: cycle.start });
              }
              o.webhooks?.stripe('customer.subscription.updated', structuredClone(sub), previous);
              if (cycle)
                // The prorations, just left as pending invoice items, are pulled into it.
                invoiceNow(sub, change.price.currency, [{ amount: cycle.amount, period: cycle }]);
            }
            if (p.cancel_at_period_end !== undefined) {
              if (p.cancel_at_period_end !== 'true' && p.cancel_at_period_end !== 'false')
                throw invalid('Invalid boolean: cancel_at_period_end', { param: 'cancel_at_period_end' });
              if (sub.status === 'canceled')
                throw invalid('A canceled subscription can only update its cancellation_details and metadata.', {
                  code: 'resource_missing',
                });
              const previous = { cancel_at_period_end: sub.cancel_at_period_end };
              sub.cancel_at_period_end = p.cancel_at_period_end === 'true';
              o.webhooks?.stripe('customer.subscription.updated', { ...sub }, previous);
            }
            return { status: 200, body: { ...sub } };
          }),
      },
      {
        // Cancel at once.
        method: 'DELETE',
        pattern: '/v1/subscriptions/{id}',
        handle: (req, { id }) =>
          idempotently(req, () => {
            const sub = subscriptionOf(id);
            if (sub.status === 'canceled')
              throw invalid(`No such subscription: '${id}'; it has been canceled.`, { code: 'resource_missing' });
            const previous = { status: sub.status };
            Object.assign(sub, { status: 'canceled', cancel_at_period_end: false });
            o.webhooks?.stripe('customer.subscription.deleted', { ...sub }, previous);
            return { status: 200, body: { ...sub } };
          }),
      },
      {
        method: 'GET',
        pattern: '/v1/subscriptions',
        handle: (req) => {
          const p = params(req);
          const status = typeof p.status === 'string' ? p.status : undefined;
          return list(
            subscriptions.filter(
              (s) =>
                (!p.customer || s.customer === p.customer) &&
                (status === 'all' || (status ? s.status === status : s.status !== 'canceled')),
            ),
            p,
            '/v1/subscriptions',
          );
        },
      },
      {
        method: 'GET',
        pattern: '/v1/invoices/{id}',
        handle: (_req, { id }) => invoices.find((i) => i.id === id) ?? Promise.reject(missing('invoice', id)),
      },
      {
        // Pays an open invoice. With one of Stripe's declining test payment methods
        // (`payment_method=pm_card_chargeDeclined`, ...) the charge is declined as Stripe does:
        // 402 card_error, the invoice stays open with `attempted`, `attempt_count` and
        // `next_payment_attempt` (the first Smart Retry, 3 days on), and invoice.payment_failed is
        // sent. Otherwise the invoice is paid and invoice.paid is sent.
        method: 'POST',
        pattern: '/v1/invoices/{id}/pay',
        handle: (req, { id }) =>
          idempotently(req, () => {
            const inv: (StripeInvoice & Attempts) | undefined = invoices.find((i) => i.id === id);
            if (!inv) throw missing('invoice', id);
            if (inv.status !== 'open') throw invalid(`Invoice ${inv.id} is already ${inv.status}.`, { code: 'invoice_not_open' });
            // Without `payment_method`, the customer's default one (invoice_settings.default_payment_method).
            const explicit = params(req).payment_method;
            const pm = typeof explicit === 'string' ? explicit : customers.get(inv.customer)?.invoice_settings.default_payment_method;
            if (!pm)
              throw invalid(
                'This customer has no attached payment source or default payment method. Please consider adding a default payment method.',
              );
            const decline = DECLINING_TEST_METHODS[pm] ?? declining.get(pm);
            const attempts = { attempted: true, attempt_count: (inv.attempt_count ?? 0) + 1 };
            if (decline) {
              const previous = { attempted: inv.attempted ?? false, attempt_count: inv.attempt_count ?? 0 };
              Object.assign(inv, attempts, { next_payment_attempt: Math.floor(Date.now() / 1000) + 3 * 86_400 });
              o.webhooks?.stripe('invoice.payment_failed', { ...inv }, previous);
              // Stripe keeps a declined attempt's answer under its idempotency key like any other.
              return {
                status: 402,
                body: {
                  error: {
                    type: 'card_error',
                    code: decline.code,
                    decline_code: decline.declineCode,
                    message: decline.message,
                    charge: `ch_${randomBytes(12).toString('hex')}`,
                    doc_url: `https://stripe.com/docs/error-codes/${decline.code.replace(/_/g, '-')}`,
                  },
                },
              };
            }
            const previous = { status: inv.status, amount_paid: inv.amount_paid, amount_remaining: inv.amount_remaining };
            Object.assign(inv, attempts, { status: 'paid', amount_paid: inv.amount_due, amount_remaining: 0, next_payment_attempt: null });
            o.webhooks?.stripe('invoice.paid', { ...inv }, previous);
            // As Stripe does when the open invoice of a past-due subscription is paid: the
            // subscription is active again (the seed's invoices name no subscription, so here: once
            // the customer has no open invoice left).
            const sub = subscriptions.find((x) => x.customer === inv.customer && x.status === 'past_due');
            if (sub && !invoices.some((i) => i.customer === inv.customer && i.status === 'open')) {
              sub.status = 'active';
              o.webhooks?.stripe('customer.subscription.updated', { ...sub }, { status: 'past_due' });
            }
            return { status: 200, body: { ...inv } };
          }),
      },
      {
        // Attaches a payment method to a customer. A test payment method (`pm_card_visa`,
        // `pm_card_chargeDeclined`, ...) makes a new one with that test card, as Stripe does.
        method: 'POST',
        pattern: '/v1/payment_methods/{id}/attach',
        handle: (req, { id }) =>
          idempotently(req, () => {
            const customer = params(req).customer;
            if (typeof customer !== 'string') throw invalid('Missing required param: customer.', { param: 'customer' });
            const c = customers.get(customer);
            if (!c) throw missing('customer', customer);
            const test = TEST_CARDS[id];
            let pm = paymentMethods.find((m) => m.id === id);
            if (test) {
              pm = {
                id: `pm_${randomBytes(12).toString('hex')}`,
                object: 'payment_method',
                type: 'card',
                customer,
                created: Math.floor(Date.now() / 1000),
                card: {
                  ...test,
                  exp_month: 12,
                  exp_year: 2034,
                  country: 'US',
                  funding: 'credit',
                  fingerprint: randomBytes(8).toString('hex'),
                },
                billing_details: { name: c.name, email: c.email, phone: null, address: null },
                livemode: false,
              };
              paymentMethods.push(pm);
              const d = DECLINING_TEST_METHODS[id];
              if (d) declining.set(pm.id, d);
            } else if (!pm) throw missing('payment_method', id);
            else if (pm.customer && pm.customer !== customer)
              throw invalid('The payment method you provided has already been attached to a customer.', { param: 'payment_method' });
            else pm.customer = customer;
            o.webhooks?.stripe('payment_method.attached', { ...pm });
            return { status: 200, body: { ...pm } };
          }),
      },
      {
        // Detaches a payment method from its customer; a default one stops being the default.
        method: 'POST',
        pattern: '/v1/payment_methods/{id}/detach',
        handle: (req, { id }) =>
          idempotently(req, () => {
            const pm = paymentMethods.find((m) => m.id === id);
            if (!pm) throw missing('payment_method', id);
            if (!pm.customer)
              throw invalid(`The payment method ${id} is not attached to a customer.`, { code: 'payment_method_unexpected_state' });
            const c = customers.get(pm.customer);
            if (c?.invoice_settings.default_payment_method === id) c.invoice_settings.default_payment_method = null;
            const previous = { customer: pm.customer };
            (pm as { customer: string | null }).customer = null;
            o.webhooks?.stripe('payment_method.detached', { ...pm }, previous);
            return { status: 200, body: { ...pm } };
          }),
      },
      {
        // Creates a SetupIntent for a customer: its client_secret lets Stripe.js or a mobile SDK
        // collect and confirm a card with Stripe directly (the card never reaches the merchant).
        method: 'POST',
        pattern: '/v1/setup_intents',
        handle: (req) =>
          idempotently(req, () => {
            const p = params(req);
            if (typeof p.customer === 'string' && !customers.has(p.customer)) throw missing('customer', p.customer);
            const usage = typeof p.usage === 'string' ? p.usage : 'off_session';
            if (usage !== 'off_session' && usage !== 'on_session')
              throw invalid('Invalid usage: must be one of on_session or off_session', { param: 'usage' });
            const id = `seti_${randomBytes(12).toString('hex')}`;
            const intent = {
              id,
              object: 'setup_intent',
              client_secret: `${id}_secret_${randomBytes(16).toString('hex')}`,
              customer: typeof p.customer === 'string' ? p.customer : null,
              payment_method: null,
              // `allowed_payment_method_types` as the SDK sends it; `payment_method_types` as older API versions did.
              payment_method_types: Array.isArray(p.allowed_payment_method_types)
                ? p.allowed_payment_method_types
                : Array.isArray(p.payment_method_types)
                  ? p.payment_method_types
                  : ['card'],
              status: 'requires_payment_method',
              usage,
              created: Math.floor(Date.now() / 1000),
              livemode: false,
            };
            setupIntents.set(id, intent);
            return { status: 200, body: intent };
          }),
      },
      {
        method: 'GET',
        pattern: '/v1/payment_methods/{id}',
        handle: (_req, { id }) => paymentMethods.find((m) => m.id === id) ?? Promise.reject(missing('payment_method', id)),
      },
      {
        method: 'GET',
        pattern: '/v1/payment_methods',
        handle: (req) => {
          const p = params(req);
          return list(
            paymentMethods.filter((m) => (!p.customer || m.customer === p.customer) && (!p.type || m.type === p.type)),
            p,
            '/v1/payment_methods',
          );
        },
      },
    ],
  });
  return {
    ...sim,
    setFaults(f) {
      searchLagMs = f.searchLagMs ?? 0;
      keyTtlMs = f.idempotencyKeyTtlMs ?? 86_400_000;
      indexed.clear();
      sim.setFaults(f);
    },
  };
}

declare module '../common.js' {
  interface SimSystems {
    stripe: true;
  }
  interface SimCredentials {
    stripeSecretKey: string;
  }
}

/** Test values, valid only against this simulator. */
const SIM_CREDENTIALS = { stripeSecretKey: 'sk_test_portico_simulator_0000000000' };

/** The Stripe simulator as startSimulators runs it (src/vendors/stripe points at it). */
export const simulator: SimulatorDescriptor = {
  name: 'stripe',
  port: 4102,
  credentials: SIM_CREDENTIALS,
  start: (c) => startStripeSim({ ...c, secretKey: SIM_CREDENTIALS.stripeSecretKey }),
};
