import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { CrmContact } from '../ports/crm.js';
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
 * Contact fields to change; omitted fields keep their value. At least one is required. Invalid
 * values give `BAD_USER_INPUT` with `extensions.argument` naming the field, e.g. `input.email`.
 */
export type ContactInput = {
  /** Company name, at most 200 characters; an empty string clears it. */
  company?: InputMaybe<Scalars['String']['input']>;
  /** Email address, e.g. `ada@example.com` (at most 254 characters); unique across customers. */
  email?: InputMaybe<Scalars['String']['input']>;
  /** Given name, 1 to 100 characters. */
  firstName?: InputMaybe<Scalars['String']['input']>;
  /** Family name, 1 to 100 characters. */
  lastName?: InputMaybe<Scalars['String']['input']>;
  /** Phone number: digits with an optional leading `+`, spaces, `-`, `.` and parentheses, e.g. `+44 20 7946 0958`. */
  phone?: InputMaybe<Scalars['String']['input']>;
};

/** A customer of the company. Joins the CRM (identity and contact), billing, support and files. */
export type Customer = {
  __typename?: 'Customer';
  /** Company name. */
  company: Maybe<Scalars['String']['output']>;
  /** When the CRM record was created. */
  createdAt: Maybe<Scalars['DateTime']['output']>;
  /** Primary email address. */
  email: Maybe<Scalars['String']['output']>;
  /** Given name. */
  firstName: Maybe<Scalars['String']['output']>;
  /** CRM (HubSpot) contact id; the key that joins every system. */
  id: Scalars['ID']['output'];
  /** Family name. */
  lastName: Maybe<Scalars['String']['output']>;
  /** Where the customer is in the sales funnel. */
  lifecycleStage: Maybe<LifecycleStage>;
  /** Full name. */
  name: Maybe<Scalars['String']['output']>;
  /** Phone number as stored in the CRM. */
  phone: Maybe<Scalars['String']['output']>;
  /** When the CRM record last changed. */
  updatedAt: Maybe<Scalars['DateTime']['output']>;
};

/** A page of customers. */
export type CustomerConnection = {
  __typename?: 'CustomerConnection';
  /** The customers of this page with their cursors. */
  edges: Array<CustomerEdge>;
  /** The customers of this page. */
  nodes: Array<Customer>;
  /** Where this page sits. */
  pageInfo: PageInfo;
  /** Number of customers matching the query, across all pages. */
  totalCount: Scalars['Int']['output'];
};

/** A customer and its cursor. */
export type CustomerEdge = {
  __typename?: 'CustomerEdge';
  /** Opaque cursor of this customer. */
  cursor: Scalars['String']['output'];
  /** The customer. */
  node: Customer;
};

/** HubSpot lifecycle stages. */
export type LifecycleStage =
  /** A paying customer. */
  | 'CUSTOMER'
  /** A promoter of the company. */
  | 'EVANGELIST'
  /** A lead. */
  | 'LEAD'
  /** Marketing qualified lead. */
  | 'MARKETING_QUALIFIED_LEAD'
  /** An open opportunity. */
  | 'OPPORTUNITY'
  /** Any other stage. */
  | 'OTHER'
  /** Sales qualified lead. */
  | 'SALES_QUALIFIED_LEAD'
  /** Subscribed to content. */
  | 'SUBSCRIBER'
  /** A stage HubSpot sent that this API does not know, e.g. a custom stage (the gateway logs it). */
  | 'UNKNOWN';

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Signs up the caller: a signed-in user whose token has the customer role but names no customer
   * (no customer claim) becomes a new customer. The CRM contact is created (the owner), then the
   * billing customer and the support user, linked; the sign-in is linked to the new customer id (the
   * next request, on any instance, is that customer) and the welcome message goes out. Exactly once:
   * a retry, with or without an `Idempotency-Key`, or a concurrent second request makes nothing
   * twice; once registered, calling it again is `BAD_USER_INPUT` with `extensions.alreadyRegistered`.
   */
  registerCustomer: Registration;
  /**
   * Changes one customer's contact details (staff, and partners with `crm.contacts:write` within
   * their customer allow-list). Same guarantees as `updateMyContact`; another customer than the
   * caller may reach gives `FORBIDDEN` whether or not it exists.
   */
  updateContact: Customer;
  /**
   * Changes the caller's own contact details (customer tokens only). HubSpot, the owner of these
   * fields, is written before the answer; the copies in Stripe and Zendesk (name, email) follow
   * through the replica queue. Only the fields given change.
   */
  updateMyContact: Customer;
};


export type MutationRegisterCustomerArgs = {
  input: RegisterCustomerInput;
};


export type MutationUpdateContactArgs = {
  id: Scalars['ID']['input'];
  input: ContactInput;
};


export type MutationUpdateMyContactArgs = {
  input: ContactInput;
};

/** Relay-style page information. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last item, to pass as `after`. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** True when another page follows. */
  hasNextPage: Scalars['Boolean']['output'];
};

export type Query = {
  __typename?: 'Query';
  /**
   * One customer by CRM contact id. A customer token reaches only its own id; any other id gives
   * `FORBIDDEN` whether or not it exists.
   */
  customer: Maybe<Customer>;
  /**
   * All customers, newest first by CRM id, optionally filtered by a text search over name, email,
   * phone and company. Staff and partners with `crm.customers:list` only.
   */
  customers: CustomerConnection;
  /**
   * The customer the token belongs to. Only customer tokens have one; staff and partner tokens get
   * `FORBIDDEN`.
   */
  me: Maybe<Customer>;
};


export type QueryCustomerArgs = {
  id: Scalars['ID']['input'];
};


export type QueryCustomersArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
  search?: InputMaybe<Scalars['String']['input']>;
};

/** What a new customer gives when signing up. */
export type RegisterCustomerInput = {
  /** The company, up to 200 characters. */
  company?: InputMaybe<Scalars['String']['input']>;
  /** The contact email; optional (the identity provider's may differ). */
  email?: InputMaybe<Scalars['String']['input']>;
  /** The full name, 1 to 200 characters (the last word is kept as the last name), e.g. `Ada Lovelace`. */
  name: Scalars['String']['input'];
};

/** The customer a sign-up made. */
export type Registration = {
  __typename?: 'Registration';
  /** The company. */
  company: Maybe<Scalars['String']['output']>;
  /** The new customer's id: the next request of the same sign-in is this customer. */
  customerId: Scalars['ID']['output'];
  /** The contact email as the CRM keeps it (lower case). */
  email: Maybe<Scalars['String']['output']>;
  /** The name as the CRM keeps it. */
  name: Maybe<Scalars['String']['output']>;
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
  ContactInput: ContactInput;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Customer: ResolverTypeWrapper<CrmContact>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  CustomerConnection: ResolverTypeWrapper<Omit<CustomerConnection, 'edges' | 'nodes'> & { edges: Array<ResolversTypes['CustomerEdge']>, nodes: Array<ResolversTypes['Customer']> }>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  CustomerEdge: ResolverTypeWrapper<Omit<CustomerEdge, 'node'> & { node: ResolversTypes['Customer'] }>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  LifecycleStage: LifecycleStage;
  Mutation: ResolverTypeWrapper<{}>;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Query: ResolverTypeWrapper<{}>;
  RegisterCustomerInput: RegisterCustomerInput;
  Registration: ResolverTypeWrapper<Registration>;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  ContactInput: ContactInput;
  String: Scalars['String']['output'];
  Customer: CrmContact;
  ID: Scalars['ID']['output'];
  CustomerConnection: Omit<CustomerConnection, 'edges' | 'nodes'> & { edges: Array<ResolversParentTypes['CustomerEdge']>, nodes: Array<ResolversParentTypes['Customer']> };
  Int: Scalars['Int']['output'];
  CustomerEdge: Omit<CustomerEdge, 'node'> & { node: ResolversParentTypes['Customer'] };
  DateTime: Scalars['DateTime']['output'];
  Mutation: {};
  PageInfo: PageInfo;
  Boolean: Scalars['Boolean']['output'];
  Query: {};
  RegisterCustomerInput: RegisterCustomerInput;
  Registration: Registration;
};

export type CustomerResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Customer'] = ResolversParentTypes['Customer']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Customer']>, { __typename: 'Customer' } & GraphQLRecursivePick<ParentType, {"id":true}>, ContextType>;
  company?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  createdAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  firstName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  lastName?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  lifecycleStage?: Resolver<Maybe<ResolversTypes['LifecycleStage']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  phone?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  updatedAt?: Resolver<Maybe<ResolversTypes['DateTime']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CustomerConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CustomerConnection'] = ResolversParentTypes['CustomerConnection']> = {
  edges?: Resolver<Array<ResolversTypes['CustomerEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Customer']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  totalCount?: Resolver<ResolversTypes['Int'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type CustomerEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['CustomerEdge'] = ResolversParentTypes['CustomerEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Customer'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  registerCustomer?: Resolver<ResolversTypes['Registration'], ParentType, ContextType, RequireFields<MutationRegisterCustomerArgs, 'input'>>;
  updateContact?: Resolver<ResolversTypes['Customer'], ParentType, ContextType, RequireFields<MutationUpdateContactArgs, 'id' | 'input'>>;
  updateMyContact?: Resolver<ResolversTypes['Customer'], ParentType, ContextType, RequireFields<MutationUpdateMyContactArgs, 'input'>>;
};

export type PageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type QueryResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Query'] = ResolversParentTypes['Query']> = {
  customer?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType, RequireFields<QueryCustomerArgs, 'id'>>;
  customers?: Resolver<ResolversTypes['CustomerConnection'], ParentType, ContextType, RequireFields<QueryCustomersArgs, 'first'>>;
  me?: Resolver<Maybe<ResolversTypes['Customer']>, ParentType, ContextType>;
};

export type RegistrationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Registration'] = ResolversParentTypes['Registration']> = {
  company?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  customerId?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  email?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  name?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  Customer?: CustomerResolvers<ContextType>;
  CustomerConnection?: CustomerConnectionResolvers<ContextType>;
  CustomerEdge?: CustomerEdgeResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Query?: QueryResolvers<ContextType>;
  Registration?: RegistrationResolvers<ContextType>;
};

