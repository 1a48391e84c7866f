import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { CustomerRef, BillingAccount, CardSummary, InvoiceSummary } from '../ports/billing.js';
import type { RequestContext } from '../auth/context.js';
export type Maybe<T> = T | null | undefined;
export type InputMaybe<T> = T | null | undefined;
export type Exact<T extends { [key: string]: unknown }> = { [K in keyof T]: T[K] };
export type MakeOptional<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]?: Maybe<T[SubKey]> };
export type MakeMaybe<T, K extends keyof T> = Omit<T, K> & { [SubKey in K]: Maybe<T[SubKey]> };
export type MakeEmpty<T extends { [key: string]: unknown }, K extends keyof T> = { [_ in K]?: never };
export type Incremental<T> = T | { [P in keyof T]?: P extends ' $fragmentName' | '__typename' ? T[P] : never };
export type Omit<T, K extends keyof T> = Pick<T, Exclude<keyof T, K>>;
export type RequireFields<T, K extends keyof T> = Omit<T, K> & { [P in K]-?: NonNullable<T[P]> };
/** All built-in and custom scalars, mapped to their actual values */
export type Scalars = {
  ID: { input: string; output: string; }
  String: { input: string; output: string; }
  Boolean: { input: boolean; output: boolean; }
  Int: { input: number; output: number; }
  Float: { input: number; output: number; }
  /** An ISO-8601 date-time in UTC, e.g. `2026-11-22T18:00:00Z`. */
  DateTime: { input: string | Date; output: string | Date; }
  _FieldSet: { input: any; output: any; }
};

/**
 * A customer's billing account. Money is an integer in the currency's minor unit (cents) with an
 * ISO 4217 currency code.
 */
export type Billing = {
  __typename?: 'Billing';
  /** The billing address (printed on invoices); null when none is set. */
  address: Maybe<BillingAddress>;
  /** Account balance in minor units; negative is a credit in the customer's favour. */
  balance: Maybe<Scalars['Int']['output']>;
  /** ISO 4217 currency code, upper case, e.g. `USD`. */
  currency: Maybe<Scalars['String']['output']>;
  /** The id of the saved card invoices are charged to (one of `paymentMethods`); null when none. */
  defaultPaymentMethodId: Maybe<Scalars['ID']['output']>;
  /**
   * The address invoices and receipts are sent to when it is not the contact email: set with
   * `updateBillingDetails`, kept by the billing system as its own (a change of `Customer.email` no
   * longer reaches it). Null: invoices go to the contact email (`Customer.email`).
   */
  invoiceEmail: Maybe<Scalars['String']['output']>;
  /** Invoices, newest first. */
  invoices: Maybe<InvoiceConnection>;
  /** Saved cards. Only brand, last four digits and expiry ever leave the server. */
  paymentMethods: Maybe<Array<PaymentMethod>>;
  /** The current (most recent) subscription, if any. */
  subscription: Maybe<BillingSubscription>;
  /** Tax ids printed on invoices, oldest first. */
  taxIds: Maybe<Array<TaxId>>;
};


/**
 * A customer's billing account. Money is an integer in the currency's minor unit (cents) with an
 * ISO 4217 currency code.
 */
export type BillingInvoicesArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

/** A postal address as the billing system keeps it. */
export type BillingAddress = {
  __typename?: 'BillingAddress';
  /** City, district, suburb, town or village. */
  city: Maybe<Scalars['String']['output']>;
  /** Two-letter country code (ISO 3166-1 alpha-2), e.g. `DE`. */
  country: Maybe<Scalars['String']['output']>;
  /** Street, PO box or company name. */
  line1: Maybe<Scalars['String']['output']>;
  /** Apartment, suite, unit or building. */
  line2: Maybe<Scalars['String']['output']>;
  /** ZIP or postal code. */
  postalCode: Maybe<Scalars['String']['output']>;
  /** State, county, province or region. */
  state: Maybe<Scalars['String']['output']>;
};

/** A billing address to set: the whole address (parts left out are cleared). */
export type BillingAddressInput = {
  /** City; up to 200 characters. */
  city?: InputMaybe<Scalars['String']['input']>;
  /** Two-letter country code (ISO 3166-1 alpha-2), e.g. `DE`. */
  country: Scalars['String']['input'];
  /** Street, PO box or company name; up to 200 characters. */
  line1: Scalars['String']['input'];
  /** Apartment, suite, unit or building; up to 200 characters. */
  line2?: InputMaybe<Scalars['String']['input']>;
  /** ZIP or postal code; up to 20 characters. */
  postalCode?: InputMaybe<Scalars['String']['input']>;
  /** State, county, province or region; up to 200 characters. */
  state?: InputMaybe<Scalars['String']['input']>;
};

/** What `updateBillingDetails` sets; a field left out is unchanged. */
export type BillingDetailsInput = {
  /** The billing address (replaces the current one). */
  address?: InputMaybe<BillingAddressInput>;
  /** The customer (CRM id). Customers omit it (their own). */
  customerId?: InputMaybe<Scalars['ID']['input']>;
  /**
   * Where invoices and receipts are sent, instead of the contact email (e.g. `accounts@example.com`).
   * Null: back to the contact email (`Customer.email`), copied to the billing system again.
   */
  invoiceEmail?: InputMaybe<Scalars['String']['input']>;
  /** The whole list of tax ids, at most 25: ids not listed are removed; an empty list removes all. */
  taxIds?: InputMaybe<Array<TaxIdInput>>;
};

/** A subscription to a plan. */
export type BillingSubscription = {
  __typename?: 'BillingSubscription';
  /** True when the subscription ends at the period end. */
  cancelAtPeriodEnd: Scalars['Boolean']['output'];
  /** End of the current billing period. */
  currentPeriodEnd: Maybe<Scalars['DateTime']['output']>;
  /** Stripe subscription id. */
  id: Scalars['ID']['output'];
  /** Plan name (price nickname). */
  plan: Maybe<Scalars['String']['output']>;
  /** The plan's id (the billing system's price id, one of `plans`); null when the subscription has no single plan. */
  planId: Maybe<Scalars['ID']['output']>;
  /** Lifecycle status. */
  status: SubscriptionStatus;
};

export type Customer = {
  __typename?: 'Customer';
  /**
   * The billing account; null when the customer has none in the billing system. Open to any billing
   * scope; each part of it then needs its own.
   */
  billing: Maybe<Billing>;
  /**
   * What the customer's subscription unlocks, derived from the billing system on the server, so an app
   * can unlock access right after a payment without holding a billing key. Fresh after the billing
   * system's events (a paid invoice, a canceled or resumed subscription).
   */
  entitlements: Maybe<Entitlements>;
  id: Scalars['ID']['output'];
};

/** What a customer may use, from their current subscription. */
export type Entitlements = {
  __typename?: 'Entitlements';
  /**
   * True while the subscription is active or trialing (one set to end at the end of its period stays
   * active until then); false when it is past due, unpaid, canceled or absent.
   */
  active: Scalars['Boolean']['output'];
  /** The features the plan unlocks (configured per plan); empty when not active. */
  features: Array<Scalars['String']['output']>;
  /** The plan of the current subscription, as the billing system names it; null without a subscription. */
  plan: Maybe<Scalars['String']['output']>;
};

/** An invoice. */
export type Invoice = {
  __typename?: 'Invoice';
  /** Amount due, minor units. */
  amountDue: Scalars['Int']['output'];
  /** Amount paid, minor units. */
  amountPaid: Scalars['Int']['output'];
  /** Amount still to pay, minor units. */
  amountRemaining: Scalars['Int']['output'];
  /** When the invoice was created. */
  createdAt: Scalars['DateTime']['output'];
  /** ISO 4217 currency code, upper case. */
  currency: Scalars['String']['output'];
  /** When payment is due; null when charged automatically. */
  dueDate: Maybe<Scalars['DateTime']['output']>;
  /** Stripe invoice id. */
  id: Scalars['ID']['output'];
  /** Human-readable invoice number; null for drafts. */
  number: Maybe<Scalars['String']['output']>;
  /** Invoice status. */
  status: InvoiceStatus;
};

/** A page of invoices. */
export type InvoiceConnection = {
  __typename?: 'InvoiceConnection';
  /** The invoices of this page with cursors. */
  edges: Array<InvoiceEdge>;
  /** The invoices of this page. */
  nodes: Array<Invoice>;
  /** Where this page sits. */
  pageInfo: PageInfo;
  /** Number of invoices across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** An invoice and its cursor. */
export type InvoiceEdge = {
  __typename?: 'InvoiceEdge';
  /** Opaque cursor. */
  cursor: Scalars['String']['output'];
  /** The invoice. */
  node: Invoice;
};

/** Stripe invoice statuses. */
export type InvoiceStatus =
  /** Not finalized yet. */
  | 'DRAFT'
  /** Finalized, awaiting payment. */
  | 'OPEN'
  /** Paid. */
  | 'PAID'
  /** Unlikely to be paid. */
  | 'UNCOLLECTIBLE'
  /** A status Stripe sent that this API does not know yet, or none (the gateway logs it). Show it neutrally. */
  | 'UNKNOWN'
  /** Voided. */
  | 'VOID';

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Cancels the customer's current subscription: at the end of the paid period (the default, and
   * undoable with `resumeSubscription`) or at once. Customers act on their own; admins and partners
   * give `customerId`. Send an `Idempotency-Key` header; Stripe receives a key derived from it.
   */
  cancelSubscription: BillingSubscription;
  /**
   * Changes the subscription to another plan (an active price sold in the subscription's currency), in
   * the billing system. With `prorate` (the default) the unused time of the current plan is credited and
   * the rest of the period charged on the new one, on the next invoice; pass the `prorationDate` of
   * `planChangePreview` so the amount is exactly the one previewed. A plan of another billing interval
   * (monthly to yearly, or back) restarts the billing cycle now and is invoiced and charged at once to
   * the default card, as the billing system does (`PlanChangePreview.invoicedNow`); a declined charge
   * leaves the change made, the invoice open and the subscription `PAST_DUE` (pay it with `payInvoice`). The subscription must be active
   * or trialing. Customers omit `subscriptionId` (their own); staff and partners give it. Send an
   * `Idempotency-Key`: Stripe receives a key derived from it, so a retry never changes twice.
   */
  changeSubscriptionPlan: BillingSubscription;
  /**
   * Pays an open invoice of the customer with its default card, now. A declined card is the error
   * `PAYMENT_DECLINED` with the vendor's `declineCode` (e.g. `insufficient_funds`); the invoice stays
   * open and the payment-failed automation runs. Send an `Idempotency-Key`: the vendor receives a key
   * derived from it, so a retry never charges twice.
   */
  payInvoice: Invoice;
  /** Removes one of the customer's saved cards (a default card stops being the default). */
  removePaymentMethod: Billing;
  /** Undoes a cancellation scheduled for the period end. A subscription canceled at once cannot be resumed. */
  resumeSubscription: BillingSubscription;
  /** Makes one of the customer's saved cards the default one invoices are charged to. */
  setDefaultPaymentMethod: Billing;
  /**
   * Starts adding a card: returns a SetupIntent client secret for Stripe.js or the mobile SDKs,
   * which collect and confirm the card with Stripe directly; the new card then shows in
   * `paymentMethods`. Customers act on their own; admins and partners give `customerId`.
   */
  startPaymentMethodSetup: PaymentMethodSetup;
  /**
   * Sets the billing address and tax ids printed on invoices and the invoice email, in the billing
   * system (which owns them); the CRM receives its copy of the billing country through a replica job. Values are
   * checked before anything is sent (`BAD_USER_INPUT` naming the field). Customers act on their own;
   * admins and partners give `input.customerId`. Returns the billing account as it is after the write.
   */
  updateBillingDetails: Billing;
};


export type MutationCancelSubscriptionArgs = {
  atPeriodEnd?: InputMaybe<Scalars['Boolean']['input']>;
  customerId?: InputMaybe<Scalars['ID']['input']>;
};


export type MutationChangeSubscriptionPlanArgs = {
  planId: Scalars['ID']['input'];
  prorate?: InputMaybe<Scalars['Boolean']['input']>;
  prorationDate?: InputMaybe<Scalars['DateTime']['input']>;
  subscriptionId?: InputMaybe<Scalars['ID']['input']>;
};


export type MutationPayInvoiceArgs = {
  id: Scalars['ID']['input'];
};


export type MutationRemovePaymentMethodArgs = {
  id: Scalars['ID']['input'];
};


export type MutationResumeSubscriptionArgs = {
  customerId?: InputMaybe<Scalars['ID']['input']>;
};


export type MutationSetDefaultPaymentMethodArgs = {
  id: Scalars['ID']['input'];
};


export type MutationStartPaymentMethodSetupArgs = {
  customerId?: InputMaybe<Scalars['ID']['input']>;
};


export type MutationUpdateBillingDetailsArgs = {
  input: BillingDetailsInput;
};

/** Relay-style page information. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last item, to pass as `after`. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** True when another page follows. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** A saved card: display data only, never a full number. */
export type PaymentMethod = {
  __typename?: 'PaymentMethod';
  /** Card brand, e.g. `visa`. */
  brand: Scalars['String']['output'];
  /** Expiry month, 1-12. */
  expMonth: Scalars['Int']['output'];
  /** Expiry year, four digits. */
  expYear: Scalars['Int']['output'];
  /** Stripe payment method id. */
  id: Scalars['ID']['output'];
  /** Last four digits. */
  last4: Scalars['String']['output'];
};

/**
 * A card setup to complete in the browser or app with the billing system's own SDK: Stripe.js
 * `stripe.confirmCardSetup(clientSecret, ...)` or the mobile SDKs' PaymentSheet. The card number and
 * CVC go from the customer's device to Stripe, never through Portico.
 */
export type PaymentMethodSetup = {
  __typename?: 'PaymentMethodSetup';
  /** The SetupIntent's client secret, bound to this customer: give it to the client SDK only, never log or store it. */
  clientSecret: Scalars['String']['output'];
  /** The SetupIntent's id. */
  id: Scalars['ID']['output'];
};

/** A plan on sale: one recurring price of the billing system. */
export type Plan = {
  __typename?: 'Plan';
  /** The price per unit in `currency`, minor units; null for prices not billed per unit (tiered, metered). */
  amount: Maybe<Scalars['Int']['output']>;
  /** The price's default currency, ISO 4217, upper case. */
  currency: Scalars['String']['output'];
  /** The product's description, when it has one. */
  description: Maybe<Scalars['String']['output']>;
  /** The price id (Stripe `price_...`): what `changeSubscriptionPlan` takes. */
  id: Scalars['ID']['output'];
  /** How often it is billed. */
  interval: PlanInterval;
  /** Billed every `intervalCount` intervals, e.g. 3 with `MONTH` for quarterly. */
  intervalCount: Scalars['Int']['output'];
  /** The plan's name (the price's nickname, else the product's name). */
  name: Scalars['String']['output'];
  /** The price in every currency it is sold in (the default currency first): a subscription is charged in its own currency. */
  prices: Array<PlanPrice>;
  /** The product's name, e.g. `Pro`. */
  productName: Maybe<Scalars['String']['output']>;
};

/** What a change of plan would cost, computed by the billing system for one proration date. */
export type PlanChangePreview = {
  __typename?: 'PlanChangePreview';
  /** ISO 4217 currency code, upper case. */
  currency: Scalars['String']['output'];
  /**
   * True when the change moves to another billing interval (e.g. monthly to yearly): the billing
   * system restarts the billing cycle at the change and invoices it at once, charging the default card
   * (`nextInvoiceTotal`: the new plan's first period, less the unused time of the current one when
   * prorating). False: the change is billed on the next invoice at the period end.
   */
  invoicedNow: Scalars['Boolean']['output'];
  /** When the next invoice is made: the end of the current period, or now when `invoicedNow`. */
  nextInvoiceAt: Maybe<Scalars['DateTime']['output']>;
  /** The total of the next invoice with the change, minor units (the proration plus the next period on the new plan). */
  nextInvoiceTotal: Scalars['Int']['output'];
  /** The plan it would change to. */
  planId: Scalars['ID']['output'];
  /**
   * The prorated amount the change adds to the next invoice, minor units: the new plan for the rest
   * of the period minus the unused time of the current one (negative: a credit). 0 without proration.
   */
  prorationAmount: Scalars['Int']['output'];
  /** The moment the proration is computed for: pass it to `changeSubscriptionPlan` within an hour. */
  prorationDate: Scalars['DateTime']['output'];
  /** The subscription previewed. */
  subscriptionId: Scalars['ID']['output'];
};

/** Billing intervals. */
export type PlanInterval =
  /** Daily. */
  | 'DAY'
  /** Monthly. */
  | 'MONTH'
  /** An interval the billing system sent that this API does not know yet (the gateway logs it). */
  | 'UNKNOWN'
  /** Weekly. */
  | 'WEEK'
  /** Yearly. */
  | 'YEAR';

/** A plan's price in one currency. */
export type PlanPrice = {
  __typename?: 'PlanPrice';
  /** Minor units per unit; null for prices not billed per unit. */
  amount: Maybe<Scalars['Int']['output']>;
  /** ISO 4217, upper case. */
  currency: Scalars['String']['output'];
};

/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type Query = {
  __typename?: 'Query';
  /**
   * What changing a subscription to another plan would cost, as the billing system computes it: the
   * prorated amount the change adds (credit for the unused time of the current plan, charge for the
   * rest of the period on the new one) and the total of the next invoice. Pass its `prorationDate` to
   * `changeSubscriptionPlan` so the change is charged exactly this amount. Customers omit
   * `subscriptionId` (their own current subscription); staff and partners give it.
   */
  planChangePreview: PlanChangePreview;
  /**
   * The plans on sale: the billing system's active recurring prices, ordered by product name, then
   * billing interval, then amount. The same for
   * every caller (cached for `CACHE_TTLS` `plans`, and dropped when Stripe reports a price or product
   * change).
   */
  plans: Array<Plan>;
};


/**
 * Plans to subscribe to: the billing system's active recurring prices (Stripe prices with their
 * product), and previews of a change of plan.
 */
export type QueryPlanChangePreviewArgs = {
  planId: Scalars['ID']['input'];
  prorate?: InputMaybe<Scalars['Boolean']['input']>;
  subscriptionId?: InputMaybe<Scalars['ID']['input']>;
};

/** Stripe subscription statuses. */
export type SubscriptionStatus =
  /** Active and paid. */
  | 'ACTIVE'
  /** Canceled. */
  | 'CANCELED'
  /** Incomplete first payment. */
  | 'INCOMPLETE'
  /** First payment failed and expired. */
  | 'INCOMPLETE_EXPIRED'
  /** Latest payment failed. */
  | 'PAST_DUE'
  /** Paused. */
  | 'PAUSED'
  /** In a trial. */
  | 'TRIALING'
  /** A status Stripe sent that this API does not know yet (the gateway logs it). Show it neutrally. */
  | 'UNKNOWN'
  /** Unpaid after retries. */
  | 'UNPAID';

/** A tax id printed on the customer's invoices. */
export type TaxId = {
  __typename?: 'TaxId';
  /** Two-letter country code of the tax id, when known. */
  country: Maybe<Scalars['String']['output']>;
  /** The billing system's id of this tax id. */
  id: Scalars['ID']['output'];
  /** The billing system's type, e.g. `eu_vat`, `gb_vat`, `us_ein` (Stripe's tax id types). */
  type: Scalars['String']['output'];
  /** The number, as the billing system stores it. */
  value: Scalars['String']['output'];
};

/** A tax id to keep on the customer. */
export type TaxIdInput = {
  /** One of Stripe's tax id types, e.g. `eu_vat`. */
  type: Scalars['String']['input'];
  /** The number, e.g. `DE123456789`; 1 to 50 characters. */
  value: Scalars['String']['input'];
};



export type ResolverTypeWrapper<T> = Promise<T> | T;

export type ReferenceResolver<TResult, TReference, TContext> = (
      reference: TReference,
      context: TContext,
      info: GraphQLResolveInfo
    ) => Promise<TResult> | TResult;

      type ScalarCheck<T, S> = S extends true ? T : NullableCheck<T, S>;
      type NullableCheck<T, S> = Maybe<T> extends T ? Maybe<ListCheck<NonNullable<T>, S>> : ListCheck<T, S>;
      type ListCheck<T, S> = T extends (infer U)[] ? NullableCheck<U, S>[] : GraphQLRecursivePick<T, S>;
      export type GraphQLRecursivePick<T, S> = { [K in keyof T & keyof S]: ScalarCheck<T[K], S[K]> };
    

export type ResolverWithResolve<TResult, TParent, TContext, TArgs> = {
  resolve: ResolverFn<TResult, TParent, TContext, TArgs>;
};
export type Resolver<TResult, TParent = {}, TContext = {}, TArgs = {}> = ResolverFn<TResult, TParent, TContext, TArgs> | ResolverWithResolve<TResult, TParent, TContext, TArgs>;

export type ResolverFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => Promise<TResult> | TResult;

export type SubscriptionSubscribeFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => AsyncIterable<TResult> | Promise<AsyncIterable<TResult>>;

export type SubscriptionResolveFn<TResult, TParent, TContext, TArgs> = (
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;

export interface SubscriptionSubscriberObject<TResult, TKey extends string, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<{ [key in TKey]: TResult }, TParent, TContext, TArgs>;
  resolve?: SubscriptionResolveFn<TResult, { [key in TKey]: TResult }, TContext, TArgs>;
}

export interface SubscriptionResolverObject<TResult, TParent, TContext, TArgs> {
  subscribe: SubscriptionSubscribeFn<any, TParent, TContext, TArgs>;
  resolve: SubscriptionResolveFn<TResult, any, TContext, TArgs>;
}

export type SubscriptionObject<TResult, TKey extends string, TParent, TContext, TArgs> =
  | SubscriptionSubscriberObject<TResult, TKey, TParent, TContext, TArgs>
  | SubscriptionResolverObject<TResult, TParent, TContext, TArgs>;

export type SubscriptionResolver<TResult, TKey extends string, TParent = {}, TContext = {}, TArgs = {}> =
  | ((...args: any[]) => SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>)
  | SubscriptionObject<TResult, TKey, TParent, TContext, TArgs>;

export type TypeResolveFn<TTypes, TParent = {}, TContext = {}> = (
  parent: TParent,
  context: TContext,
  info: GraphQLResolveInfo
) => Maybe<TTypes> | Promise<Maybe<TTypes>>;

export type IsTypeOfResolverFn<T = {}, TContext = {}> = (obj: T, context: TContext, info: GraphQLResolveInfo) => boolean | Promise<boolean>;

export type NextResolverFn<T> = () => Promise<T>;

export type DirectiveResolverFn<TResult = {}, TParent = {}, TContext = {}, TArgs = {}> = (
  next: NextResolverFn<TResult>,
  parent: TParent,
  args: TArgs,
  context: TContext,
  info: GraphQLResolveInfo
) => TResult | Promise<TResult>;



/** Mapping between all available schema types and the resolvers types */
export type ResolversTypes = {
  Billing: ResolverTypeWrapper<BillingAccount>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  BillingAddress: ResolverTypeWrapper<BillingAddress>;
  BillingAddressInput: BillingAddressInput;
  BillingDetailsInput: BillingDetailsInput;
  BillingSubscription: ResolverTypeWrapper<BillingSubscription>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Customer: ResolverTypeWrapper<CustomerRef>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Entitlements: ResolverTypeWrapper<Entitlements>;
  Invoice: ResolverTypeWrapper<InvoiceSummary>;
  InvoiceConnection: ResolverTypeWrapper<Omit<InvoiceConnection, 'edges' | 'nodes'> & { edges: Array<ResolversTypes['InvoiceEdge']>, nodes: Array<ResolversTypes['Invoice']> }>;
  InvoiceEdge: ResolverTypeWrapper<Omit<InvoiceEdge, 'node'> & { node: ResolversTypes['Invoice'] }>;
  InvoiceStatus: InvoiceStatus;
  Mutation: ResolverTypeWrapper<{}>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  PaymentMethod: ResolverTypeWrapper<CardSummary>;
  PaymentMethodSetup: ResolverTypeWrapper<PaymentMethodSetup>;
  Plan: ResolverTypeWrapper<Plan>;
  PlanChangePreview: ResolverTypeWrapper<PlanChangePreview>;
  PlanInterval: PlanInterval;
  PlanPrice: ResolverTypeWrapper<PlanPrice>;
  Query: ResolverTypeWrapper<{}>;
  SubscriptionStatus: SubscriptionStatus;
  TaxId: ResolverTypeWrapper<TaxId>;
  TaxIdInput: TaxIdInput;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Billing: BillingAccount;
  Int: Scalars['Int']['output'];
  String: Scalars['String']['output'];
  ID: Scalars['ID']['output'];
  BillingAddress: BillingAddress;
  BillingAddressInput: BillingAddressInput;
  BillingDetailsInput: BillingDetailsInput;
  BillingSubscription: BillingSubscription;
  Boolean: Scalars['Boolean']['output'];
  Customer: CustomerRef;
  DateTime: Scalars['DateTime']['output'];
  Entitlements: Entitlements;
  Invoice: InvoiceSummary;
  InvoiceConnection: Omit<InvoiceConnection, 'edges' | 'nodes'> & { edges: Array<ResolversParentTypes['InvoiceEdge']>, nodes: Array<ResolversParentTypes['Invoice']> };
  InvoiceEdge: Omit<InvoiceEdge, 'node'> & { node: ResolversParentTypes['Invoice'] };
  Mutation: {};
  PageInfo: PageInfo;
  PaymentMethod: CardSummary;
  PaymentMethodSetup: PaymentMethodSetup;
  Plan: Plan;
  PlanChangePreview: PlanChangePreview;
  PlanPrice: PlanPrice;
  Query: {};
  TaxId: TaxId;
  TaxIdInput: TaxIdInput;
};

export type BillingResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Billing'] = ResolversParentTypes['Billing']> = {
  address?: Resolver<Maybe<ResolversTypes['BillingAddress']>, ParentType, ContextType>;
  balance?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  currency?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  defaultPaymentMethodId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  invoiceEmail?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  invoices?: Resolver<Maybe<ResolversTypes['InvoiceConnection']>, ParentType, ContextType, RequireFields<BillingInvoicesArgs, 'first'>>;
  paymentMethods?: Resolver<Maybe<Array<ResolversTypes['PaymentMethod']>>, ParentType, ContextType>;
  subscription?: Resolver<Maybe<ResolversTypes['BillingSubscription']>, ParentType, ContextType>;
  taxIds?: Resolver<Maybe<Array<ResolversTypes['TaxId']>>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type BillingAddressResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['BillingAddress'] = ResolversParentTypes['BillingAddress']> = {
  city?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  country?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  line1?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  line2?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  postalCode?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  state?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type BillingSubscriptionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['BillingSubscription'] = ResolversParentTypes['BillingSubscription']> = {
  cancelAtPeriodEnd?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  currentPeriodEnd?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  plan?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  planId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['SubscriptionStatus'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CustomerResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Customer'] = ResolversParentTypes['Customer']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Customer']>, { __typename: 'Customer' } & GraphQLRecursivePick<ParentType, {"id":true}>, ContextType>;
  billing?: Resolver<Maybe<ResolversTypes['Billing']>, ParentType, ContextType>;
  entitlements?: Resolver<Maybe<ResolversTypes['Entitlements']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type EntitlementsResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Entitlements'] = ResolversParentTypes['Entitlements']> = {
  active?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  features?: Resolver<Array<ResolversTypes['String']>, ParentType, ContextType>;
  plan?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type InvoiceResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Invoice'] = ResolversParentTypes['Invoice']> = {
  amountDue?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  amountPaid?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  amountRemaining?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  dueDate?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  number?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['InvoiceStatus'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type InvoiceConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['InvoiceConnection'] = ResolversParentTypes['InvoiceConnection']> = {
  edges?: Resolver<Array<ResolversTypes['InvoiceEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Invoice']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type InvoiceEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['InvoiceEdge'] = ResolversParentTypes['InvoiceEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Invoice'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  cancelSubscription?: Resolver<ResolversTypes['BillingSubscription'], ParentType, ContextType, RequireFields<MutationCancelSubscriptionArgs, 'atPeriodEnd'>>;
  changeSubscriptionPlan?: Resolver<ResolversTypes['BillingSubscription'], ParentType, ContextType, RequireFields<MutationChangeSubscriptionPlanArgs, 'planId' | 'prorate'>>;
  payInvoice?: Resolver<ResolversTypes['Invoice'], ParentType, ContextType, RequireFields<MutationPayInvoiceArgs, 'id'>>;
  removePaymentMethod?: Resolver<ResolversTypes['Billing'], ParentType, ContextType, RequireFields<MutationRemovePaymentMethodArgs, 'id'>>;
  resumeSubscription?: Resolver<ResolversTypes['BillingSubscription'], ParentType, ContextType, Partial<MutationResumeSubscriptionArgs>>;
  setDefaultPaymentMethod?: Resolver<ResolversTypes['Billing'], ParentType, ContextType, RequireFields<MutationSetDefaultPaymentMethodArgs, 'id'>>;
  startPaymentMethodSetup?: Resolver<ResolversTypes['PaymentMethodSetup'], ParentType, ContextType, Partial<MutationStartPaymentMethodSetupArgs>>;
  updateBillingDetails?: Resolver<ResolversTypes['Billing'], ParentType, ContextType, RequireFields<MutationUpdateBillingDetailsArgs, 'input'>>;
};

export type PageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PaymentMethodResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PaymentMethod'] = ResolversParentTypes['PaymentMethod']> = {
  brand?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  expMonth?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  expYear?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  last4?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PaymentMethodSetupResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PaymentMethodSetup'] = ResolversParentTypes['PaymentMethodSetup']> = {
  clientSecret?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PlanResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Plan'] = ResolversParentTypes['Plan']> = {
  amount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  description?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  interval?: Resolver<ResolversTypes['PlanInterval'], ParentType, ContextType>;
  intervalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  name?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  prices?: Resolver<Array<ResolversTypes['PlanPrice']>, ParentType, ContextType>;
  productName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PlanChangePreviewResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PlanChangePreview'] = ResolversParentTypes['PlanChangePreview']> = {
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  invoicedNow?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  nextInvoiceAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  nextInvoiceTotal?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  planId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  prorationAmount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  prorationDate?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  subscriptionId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type PlanPriceResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PlanPrice'] = ResolversParentTypes['PlanPrice']> = {
  amount?: Resolver<Maybe<ResolversTypes['Int']>, ParentType, ContextType>;
  currency?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  planChangePreview?: Resolver<ResolversTypes['PlanChangePreview'], ParentType, ContextType, RequireFields<QueryPlanChangePreviewArgs, 'planId' | 'prorate'>>;
  plans?: Resolver<Array<ResolversTypes['Plan']>, ParentType, ContextType>;
};

export type TaxIdResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['TaxId'] = ResolversParentTypes['TaxId']> = {
  country?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  type?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  value?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  Billing?: BillingResolvers<ContextType>;
  BillingAddress?: BillingAddressResolvers<ContextType>;
  BillingSubscription?: BillingSubscriptionResolvers<ContextType>;
  Customer?: CustomerResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Entitlements?: EntitlementsResolvers<ContextType>;
  Invoice?: InvoiceResolvers<ContextType>;
  InvoiceConnection?: InvoiceConnectionResolvers<ContextType>;
  InvoiceEdge?: InvoiceEdgeResolvers<ContextType>;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  PaymentMethod?: PaymentMethodResolvers<ContextType>;
  PaymentMethodSetup?: PaymentMethodSetupResolvers<ContextType>;
  Plan?: PlanResolvers<ContextType>;
  PlanChangePreview?: PlanChangePreviewResolvers<ContextType>;
  PlanPrice?: PlanPriceResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  TaxId?: TaxIdResolvers<ContextType>;
};

