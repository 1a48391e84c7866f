/**
 * Stripe objects -> the billing port's types. Only display fields survive: a card becomes
 * brand/last4/expiry, nothing else of a payment method ever leaves this file.
 */
import type Stripe from 'stripe';
import { UpstreamError } from '../../errors/index.js';
import type { InvoiceStatus, PlanInterval, SubscriptionStatus } from '../../generated/billing.js';
import type {
  BillingAccount,
  BillingAddress,
  CardSummary,
  InvoiceSummary,
  Plan,
  Subscription,
  SubscriptionState,
  TaxIdSummary,
} from '../../ports/billing.js';
import type { OnUnknownValue } from '../../platform/unknown.js';

/** Domain types hold ISO strings, so they survive a JSON round trip through the cache unchanged. */
const fromUnix = (s: number | null | undefined) => (typeof s === 'number' ? new Date(s * 1000).toISOString() : null);

const SUBSCRIPTION_STATUSES = new Set<string>([
  'INCOMPLETE',
  'INCOMPLETE_EXPIRED',
  'TRIALING',
  'ACTIVE',
  'PAST_DUE',
  'CANCELED',
  'UNPAID',
  'PAUSED',
]);
const INVOICE_STATUSES = new Set<string>(['DRAFT', 'OPEN', 'PAID', 'UNCOLLECTIBLE', 'VOID']);
const INTERVALS = new Set<string>(['DAY', 'WEEK', 'MONTH', 'YEAR']);

/** A status we do not know (or none) is UNKNOWN and reported, never the most common value. */
function known<T extends string>(
  field: string,
  value: string | null | undefined,
  statuses: ReadonlySet<string>,
  onUnknown?: OnUnknownValue,
): T {
  const upper = value?.toUpperCase();
  if (upper && statuses.has(upper)) return upper as T;
  onUnknown?.(field, value ?? null);
  return 'UNKNOWN' as T;
}

export function toSubscription(sub: Stripe.Subscription, onUnknown?: OnUnknownValue): Subscription {
  const item = sub.items?.data?.[0];
  // Since API 2025-03-31 the period lives on the items; older versions kept it on the subscription.
  const end =
    (item as { current_period_end?: number } | undefined)?.current_period_end ??
    (sub as { current_period_end?: number }).current_period_end;
  return {
    id: sub.id,
    status: known<SubscriptionStatus>('subscription.status', sub.status, SUBSCRIPTION_STATUSES, onUnknown),
    plan: item?.price?.nickname ?? item?.price?.lookup_key ?? null,
    // One plan only when the subscription has one item (a plan change acts on exactly that one).
    planId: sub.items?.data?.length === 1 ? (item?.price?.id ?? null) : null,
    currentPeriodEnd: fromUnix(end),
    cancelAtPeriodEnd: Boolean(sub.cancel_at_period_end),
  };
}

/** The subscription a portal shows: a live one if any, else the most recent. */
export function currentSubscription(subs: readonly Stripe.Subscription[], onUnknown?: OnUnknownValue): Subscription | null {
  const live = subs.filter((s) => s.status !== 'canceled' && s.status !== 'incomplete_expired');
  const pick = (live.length ? live : [...subs]).sort((a, b) => b.created - a.created)[0];
  return pick ? toSubscription(pick, onUnknown) : null;
}

/** Stripe's tax id types (`TaxIdCreateParams.Type` of the SDK, without `unknown`, which only Stripe sets). */
export const STRIPE_TAX_ID_TYPES: ReadonlySet<string> = new Set(
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

export function toAddress(a: Stripe.Address | null | undefined): BillingAddress | null {
  if (!a) return null;
  const v = (s: string | null | undefined) => (s ? s : null);
  const out = {
    line1: v(a.line1),
    line2: v(a.line2),
    city: v(a.city),
    postalCode: v(a.postal_code),
    state: v(a.state),
    country: v(a.country),
  };
  return Object.values(out).some((x) => x !== null) ? out : null;
}

export function toTaxId(t: Stripe.TaxId): TaxIdSummary {
  return { id: t.id, type: t.type, value: t.value, country: t.country ?? null };
}

const idOf = (v: string | { id: string } | null | undefined) => (typeof v === 'string' ? v : (v?.id ?? null));

/**
 * The customer metadata key that marks its `email` (where Stripe sends invoices and receipts) as an
 * invoice email set in Stripe, not the CRM's contact email copied there.
 */
export const INVOICE_EMAIL_MARKER = 'portico_invoice_email';

/** The invoice email set in Stripe, or null when `email` is the CRM's copy. */
export const invoiceEmailOf = (c: Pick<Stripe.Customer, 'email' | 'metadata'>): string | null =>
  c.metadata?.[INVOICE_EMAIL_MARKER] ? (c.email ?? null) : null;

export function toBillingAccount(crmId: string, c: Stripe.Customer, onUnknown?: OnUnknownValue): BillingAccount {
  return {
    crmId,
    billingCustomerId: c.id,
    currency: (c.currency ?? 'usd').toUpperCase(),
    balance: c.balance ?? 0,
    subscription: currentSubscription(c.subscriptions?.data ?? [], onUnknown),
    address: toAddress(c.address),
    // Expanded with the customer (`tax_ids`); oldest first, as Stripe lists them on invoices.
    taxIds: [...(c.tax_ids?.data ?? [])].sort((a, b) => a.created - b.created).map(toTaxId),
    defaultPaymentMethodId: idOf(c.invoice_settings?.default_payment_method),
    invoiceEmail: invoiceEmailOf(c),
  };
}

export function toCard(pm: Stripe.PaymentMethod): CardSummary | null {
  if (!pm.card) return null;
  return { id: pm.id, brand: pm.card.brand, last4: pm.card.last4, expMonth: pm.card.exp_month, expYear: pm.card.exp_year };
}

/**
 * An invoice without an id (Stripe omits it only on previews, never in a list) is an unexpected
 * response: billing is unavailable for this read rather than an invoice nobody can open.
 */
export function toInvoice(inv: Stripe.Invoice, onUnknown?: OnUnknownValue): InvoiceSummary {
  if (!inv.id) {
    onUnknown?.('invoice.id', inv.id ?? null);
    throw new UpstreamError('billing', 'unavailable', 'invoice without id');
  }
  return {
    id: inv.id,
    number: inv.number ?? null,
    status: known<InvoiceStatus>('invoice.status', inv.status, INVOICE_STATUSES, onUnknown),
    amountDue: inv.amount_due,
    amountPaid: inv.amount_paid,
    amountRemaining: inv.amount_remaining,
    currency: inv.currency.toUpperCase(),
    dueDate: fromUnix(inv.due_date),
    createdAt: fromUnix(inv.created) ?? new Date(0).toISOString(),
  };
}

/** A subscription as a plan change reads it (fresh): its items' prices and the current period. */
export function toSubscriptionState(sub: Stripe.Subscription, onUnknown?: OnUnknownValue): SubscriptionState {
  const items = sub.items?.data ?? [];
  const first = items[0] as (Stripe.SubscriptionItem & { current_period_start?: number; current_period_end?: number }) | undefined;
  const legacy = sub as { current_period_start?: number; current_period_end?: number };
  return {
    id: sub.id,
    billingCustomerId: idOf(sub.customer),
    status: known<SubscriptionStatus>('subscription.status', sub.status, SUBSCRIPTION_STATUSES, onUnknown),
    currency: (sub.currency ?? first?.price?.currency ?? 'usd').toUpperCase(),
    items: items.map((i) => ({
      id: i.id,
      planId: i.price?.id ?? null,
      interval: known<PlanInterval>('price.recurring.interval', i.price?.recurring?.interval, INTERVALS, onUnknown),
      intervalCount: i.price?.recurring?.interval_count ?? 1,
    })),
    // Since API 2025-03-31 the period lives on the items; older versions kept it on the subscription.
    currentPeriodStart: fromUnix(first?.current_period_start ?? legacy.current_period_start),
    currentPeriodEnd: fromUnix(first?.current_period_end ?? legacy.current_period_end),
  };
}

/** An active recurring price (with its product expanded) as a plan; the default currency first, then the others by code. */
export function toPlan(price: Stripe.Price, onUnknown?: OnUnknownValue): Plan {
  const product =
    typeof price.product === 'object' && price.product && !('deleted' in price.product && price.product.deleted) ? price.product : null;
  const options = Object.entries(price.currency_options ?? {})
    .filter(([c]) => c !== price.currency)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([currency, o]) => ({ currency: currency.toUpperCase(), amount: o.unit_amount ?? null }));
  const amount = price.unit_amount ?? null;
  return {
    id: price.id,
    name: price.nickname ?? product?.name ?? price.lookup_key ?? price.id,
    productName: product?.name ?? null,
    description: product?.description ?? null,
    interval: known<PlanInterval>('price.recurring.interval', price.recurring?.interval, INTERVALS, onUnknown),
    intervalCount: price.recurring?.interval_count ?? 1,
    currency: price.currency.toUpperCase(),
    amount,
    prices: [{ currency: price.currency.toUpperCase(), amount }, ...options],
  };
}
