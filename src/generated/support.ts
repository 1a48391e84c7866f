import type { GraphQLResolveInfo, GraphQLScalarType, GraphQLScalarTypeConfig } from 'graphql';
import type { CustomerRef, TicketSummary, CommentSummary } from '../ports/support.js';
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

export type Customer = {
  __typename?: 'Customer';
  id: Scalars['ID']['output'];
  /** One ticket the customer requested, by its id, however old; null when it does not exist or is not this customer's. */
  ticket: Maybe<Ticket>;
  /** Tickets the customer requested, most recently updated first. */
  tickets: Maybe<TicketConnection>;
};


export type CustomerTicketArgs = {
  id: Scalars['ID']['input'];
};


export type CustomerTicketsArgs = {
  after?: InputMaybe<Scalars['String']['input']>;
  first?: InputMaybe<Scalars['Int']['input']>;
};

export type Mutation = {
  __typename?: 'Mutation';
  /**
   * Adds a public comment to a ticket: a customer only on its own tickets (written as the
   * requester), agents and admins on any (written as their own Zendesk agent user).
   */
  addTicketComment: TicketComment;
  /**
   * Opens a Zendesk ticket requested by the customer (the caller's own customer for a customer
   * token; `input.customerId` for agents, admins and partners). Send an `Idempotency-Key` header:
   * a retry with the same key never opens a second ticket.
   */
  openTicket: Ticket;
  /**
   * Changes a ticket's status, priority, assignee or tags (support staff: agents and admins;
   * customers may not). Values are checked before anything is sent, and Zendesk's own rules
   * (a closed ticket cannot change, no status goes back to `NEW`, the assignee must be an agent)
   * answer `BAD_USER_INPUT` naming the field. Returns the ticket as it is after the write; the
   * customer sees the new status and priority on its next read.
   */
  updateTicket: Ticket;
};


export type MutationAddTicketCommentArgs = {
  body: Scalars['String']['input'];
  ticketId: Scalars['ID']['input'];
};


export type MutationOpenTicketArgs = {
  input: OpenTicketInput;
};


export type MutationUpdateTicketArgs = {
  id: Scalars['ID']['input'];
  input: UpdateTicketInput;
};

/** A new ticket. */
export type OpenTicketInput = {
  /** The first comment: what the customer needs, 1 to 65,000 characters. */
  body: Scalars['String']['input'];
  /** The customer (CRM id) the ticket is for. Customers omit it (their own); staff and partners must give it. */
  customerId?: InputMaybe<Scalars['ID']['input']>;
  /** Priority; omit to leave it to triage. `UNKNOWN` is refused. */
  priority?: InputMaybe<TicketPriority>;
  /** Subject line, 1 to 150 characters. */
  subject: Scalars['String']['input'];
};

/** Relay-style page information. */
export type PageInfo = {
  __typename?: 'PageInfo';
  /** Cursor of the last item, to pass as `after`. */
  endCursor: Maybe<Scalars['String']['output']>;
  /** True when another page follows. */
  hasNextPage: Scalars['Boolean']['output'];
};

/** A support ticket. */
export type Ticket = {
  __typename?: 'Ticket';
  /** The support agent (Zendesk user id) the ticket is assigned to; null when none. Support staff only. */
  assigneeId: Maybe<Scalars['ID']['output']>;
  /** Public comments, oldest first; null when Zendesk could not be reached. */
  comments: Maybe<Array<TicketComment>>;
  /** When the ticket was opened. */
  createdAt: Scalars['DateTime']['output'];
  /** Zendesk ticket id. */
  id: Scalars['ID']['output'];
  /** Priority; null when not triaged. */
  priority: Maybe<TicketPriority>;
  /** Status. */
  status: TicketStatus;
  /** Subject line. */
  subject: Scalars['String']['output'];
  /** The ticket's tags, lower case. Support staff only. */
  tags: Maybe<Array<Scalars['String']['output']>>;
  /** When the ticket last changed. */
  updatedAt: Scalars['DateTime']['output'];
};

/** A public comment on a ticket. */
export type TicketComment = {
  __typename?: 'TicketComment';
  /** Name of the person who wrote it. */
  author: Scalars['String']['output'];
  /** Plain-text body. */
  body: Scalars['String']['output'];
  /** When it was written. */
  createdAt: Scalars['DateTime']['output'];
  /** Zendesk comment id. */
  id: Scalars['ID']['output'];
};

/** A page of tickets. */
export type TicketConnection = {
  __typename?: 'TicketConnection';
  /** The tickets of this page with cursors. */
  edges: Array<TicketEdge>;
  /** The tickets of this page. */
  nodes: Array<Ticket>;
  /** Where this page sits. */
  pageInfo: PageInfo;
};

/** A ticket and its cursor. */
export type TicketEdge = {
  __typename?: 'TicketEdge';
  /** Opaque cursor. */
  cursor: Scalars['String']['output'];
  /** The ticket. */
  node: Ticket;
};

/** Zendesk ticket priorities. */
export type TicketPriority =
  /** High. */
  | 'HIGH'
  /** Low. */
  | 'LOW'
  /** Normal. */
  | 'NORMAL'
  /** A priority Zendesk sent that this API does not know yet (the gateway logs it). No priority at all is null. */
  | 'UNKNOWN'
  /** Urgent. */
  | 'URGENT';

/** Zendesk ticket statuses. */
export type TicketStatus =
  /** Closed for good. */
  | 'CLOSED'
  /** Waiting for a third party. */
  | 'HOLD'
  /** Not yet looked at. */
  | 'NEW'
  /** Being worked on. */
  | 'OPEN'
  /** Waiting for the customer. */
  | 'PENDING'
  /** Solved. */
  | 'SOLVED'
  /** A status Zendesk sent that this API does not know yet (the gateway logs it). Show it neutrally. */
  | 'UNKNOWN';

/** What `updateTicket` sets; a field left out is unchanged. */
export type UpdateTicketInput = {
  /** The Zendesk user id of the agent to assign the ticket to. */
  assigneeId?: InputMaybe<Scalars['ID']['input']>;
  /** The new priority. `UNKNOWN` is refused. */
  priority?: InputMaybe<TicketPriority>;
  /** The new status. `UNKNOWN` is refused. */
  status?: InputMaybe<TicketStatus>;
  /** The whole list of tags (replaces the current ones): up to 50, each 1 to 80 letters, digits, `_`, `-`, `:` or `/`. */
  tags?: InputMaybe<Array<Scalars['String']['input']>>;
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
  Customer: ResolverTypeWrapper<CustomerRef>;
  ID: ResolverTypeWrapper<Scalars['ID']['output']>;
  String: ResolverTypeWrapper<Scalars['String']['output']>;
  Int: ResolverTypeWrapper<Scalars['Int']['output']>;
  DateTime: ResolverTypeWrapper<Scalars['DateTime']['output']>;
  Mutation: ResolverTypeWrapper<{}>;
  OpenTicketInput: OpenTicketInput;
  PageInfo: ResolverTypeWrapper<PageInfo>;
  Boolean: ResolverTypeWrapper<Scalars['Boolean']['output']>;
  Ticket: ResolverTypeWrapper<TicketSummary>;
  TicketComment: ResolverTypeWrapper<CommentSummary>;
  TicketConnection: ResolverTypeWrapper<Omit<TicketConnection, 'edges' | 'nodes'> & { edges: Array<ResolversTypes['TicketEdge']>, nodes: Array<ResolversTypes['Ticket']> }>;
  TicketEdge: ResolverTypeWrapper<Omit<TicketEdge, 'node'> & { node: ResolversTypes['Ticket'] }>;
  TicketPriority: TicketPriority;
  TicketStatus: TicketStatus;
  UpdateTicketInput: UpdateTicketInput;
};

/** Mapping between all available schema types and the resolvers parents */
export type ResolversParentTypes = {
  Customer: CustomerRef;
  ID: Scalars['ID']['output'];
  String: Scalars['String']['output'];
  Int: Scalars['Int']['output'];
  DateTime: Scalars['DateTime']['output'];
  Mutation: {};
  OpenTicketInput: OpenTicketInput;
  PageInfo: PageInfo;
  Boolean: Scalars['Boolean']['output'];
  Ticket: TicketSummary;
  TicketComment: CommentSummary;
  TicketConnection: Omit<TicketConnection, 'edges' | 'nodes'> & { edges: Array<ResolversParentTypes['TicketEdge']>, nodes: Array<ResolversParentTypes['Ticket']> };
  TicketEdge: Omit<TicketEdge, 'node'> & { node: ResolversParentTypes['Ticket'] };
  UpdateTicketInput: UpdateTicketInput;
};

export type CustomerResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Customer'] = ResolversParentTypes['Customer']> = {
  __resolveReference?: ReferenceResolver<Maybe<ResolversTypes['Customer']>, { __typename: 'Customer' } & GraphQLRecursivePick<ParentType, {"id":true}>, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  ticket?: Resolver<Maybe<ResolversTypes['Ticket']>, ParentType, ContextType, RequireFields<CustomerTicketArgs, 'id'>>;
  tickets?: Resolver<Maybe<ResolversTypes['TicketConnection']>, ParentType, ContextType, RequireFields<CustomerTicketsArgs, 'first'>>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export interface DateTimeScalarConfig extends GraphQLScalarTypeConfig<ResolversTypes['DateTime'], any> {
  name: 'DateTime';
}

export type MutationResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Mutation'] = ResolversParentTypes['Mutation']> = {
  addTicketComment?: Resolver<ResolversTypes['TicketComment'], ParentType, ContextType, RequireFields<MutationAddTicketCommentArgs, 'body' | 'ticketId'>>;
  openTicket?: Resolver<ResolversTypes['Ticket'], ParentType, ContextType, RequireFields<MutationOpenTicketArgs, 'input'>>;
  updateTicket?: Resolver<ResolversTypes['Ticket'], ParentType, ContextType, RequireFields<MutationUpdateTicketArgs, 'id' | 'input'>>;
};

export type PageInfoResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['PageInfo'] = ResolversParentTypes['PageInfo']> = {
  endCursor?: Resolver<Maybe<ResolversTypes['String']>, ParentType, ContextType>;
  hasNextPage?: Resolver<ResolversTypes['Boolean'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type TicketResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['Ticket'] = ResolversParentTypes['Ticket']> = {
  assigneeId?: Resolver<Maybe<ResolversTypes['ID']>, ParentType, ContextType>;
  comments?: Resolver<Maybe<Array<ResolversTypes['TicketComment']>>, ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  priority?: Resolver<Maybe<ResolversTypes['TicketPriority']>, ParentType, ContextType>;
  status?: Resolver<ResolversTypes['TicketStatus'], ParentType, ContextType>;
  subject?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  tags?: Resolver<Maybe<Array<ResolversTypes['String']>>, ParentType, ContextType>;
  updatedAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type TicketCommentResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['TicketComment'] = ResolversParentTypes['TicketComment']> = {
  author?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  body?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  createdAt?: Resolver<ResolversTypes['DateTime'], ParentType, ContextType>;
  id?: Resolver<ResolversTypes['ID'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type TicketConnectionResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['TicketConnection'] = ResolversParentTypes['TicketConnection']> = {
  edges?: Resolver<Array<ResolversTypes['TicketEdge']>, ParentType, ContextType>;
  nodes?: Resolver<Array<ResolversTypes['Ticket']>, ParentType, ContextType>;
  pageInfo?: Resolver<ResolversTypes['PageInfo'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type TicketEdgeResolvers<ContextType = RequestContext, ParentType extends ResolversParentTypes['TicketEdge'] = ResolversParentTypes['TicketEdge']> = {
  cursor?: Resolver<ResolversTypes['String'], ParentType, ContextType>;
  node?: Resolver<ResolversTypes['Ticket'], ParentType, ContextType>;
  __isTypeOf?: IsTypeOfResolverFn<ParentType, ContextType>;
};

export type Resolvers<ContextType = RequestContext> = {
  Customer?: CustomerResolvers<ContextType>;
  DateTime?: GraphQLScalarType;
  Mutation?: MutationResolvers<ContextType>;
  PageInfo?: PageInfoResolvers<ContextType>;
  Ticket?: TicketResolvers<ContextType>;
  TicketComment?: TicketCommentResolvers<ContextType>;
  TicketConnection?: TicketConnectionResolvers<ContextType>;
  TicketEdge?: TicketEdgeResolvers<ContextType>;
};

