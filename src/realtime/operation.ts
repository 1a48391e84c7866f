/**
 * A subscription document, turned into the query each push runs. The gateway (Apollo Gateway)
 * does not execute subscriptions, and it must not need to: a push is the subscriber's own selection
 * of `Customer` (or `Ticket`) run as a query through /graphql, as the subscriber, so every guard,
 * scope, ownership rule, partner allow-list and the response cache apply to every push.
 *
 *   subscription S($n: Int) { customerChanged(id: "1001") { reason { type } customer { name invoices(first: $n) { ... } } } }
 *     -> query S($porticoTarget: ID!, $n: Int) { customer: customer(id: $porticoTarget) { name invoices(first: $n) { ... } } }
 *
 * The types below extend the gateway's API schema for validation only; nothing resolves them.
 */
import {
  GraphQLError,
  Kind,
  OperationTypeNode,
  extendSchema,
  getArgumentValues,
  getOperationAST,
  getVariableValues,
  parse,
  print,
  validate,
  visit,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type GraphQLSchema,
  type SelectionNode,
  type SelectionSetNode,
  type VariableDefinitionNode,
} from 'graphql';
import { checkCustomerId, ownCustomerId, type Principal } from '../auth/principal.js';
import { BadUserInputError, ErrorCode } from '../errors/index.js';

export const SUBSCRIPTION_SDL = /* GraphQL */ `
  "Pushes: each one is the whole selected state again, read as the subscriber (docs/realtime.md)."
  type Subscription {
    """
    The customer's record, pushed when subscribed and again whenever a system reports a change to it
    (several changes within REALTIME_COALESCE_MS are one push). No id: the caller's own record
    (customer tokens); staff and partners name the customer, within their allow-list.
    """
    customerChanged(id: ID): CustomerChange!
    """
    One ticket, pushed when subscribed and whenever the support system reports a change to it.
    \`customerId\`: the customer it belongs to (default: the caller's own, for customer tokens).
    """
    ticketChanged(id: ID!, customerId: ID): TicketChange!
  }

  "Why a push was sent."
  type ChangeReason {
    "The system that reported the change (its vendor name), or \`portico\` for the first push."
    system: String!
    "The system's event type, e.g. \`invoice.paid\`, or \`subscribed\` for the first push."
    type: String!
    "When Portico stored the change (the first push: when subscribed)."
    at: DateTime!
  }

  "The customer after a change."
  type CustomerChange {
    reason: ChangeReason!
    "The selected state, read as the subscriber; null with an error when it may not be read."
    customer: Customer
  }

  "The ticket after a change."
  type TicketChange {
    reason: ChangeReason!
    "The selected state, read as the subscriber; null with an error when it may not be read (or is not the customer's)."
    ticket: Ticket
  }
`;

/** The gateway's API schema with the subscription types (for validating subscription documents). */
export function subscriptionSchema(api: GraphQLSchema): GraphQLSchema {
  return extendSchema(api, parse(`${SUBSCRIPTION_SDL}\nextend schema { subscription: Subscription }`));
}

export interface Reason {
  system: string;
  type: string;
  at: string;
}

/** One GraphQL error as a client sees it. */
export interface WireError {
  message: string;
  path?: readonly (string | number)[];
  extensions?: Record<string, unknown>;
}

export interface PushResult {
  data?: Record<string, unknown> | null;
  errors?: GraphQLError[];
}

/** What a subscription watches and the query that computes each push. */
export interface SubscriptionPlan {
  /** The subscription document as parsed (the transports execute it with the hub's stream). */
  document: DocumentNode;
  kind: 'customer' | 'ticket';
  /** The customer whose changes trigger a push. */
  customerId: string;
  /** The ticket (ticketChanged): only changes of this ticket trigger a push. */
  ticketId?: string;
  /** The derived query and its variables, sent to /graphql as the subscriber. */
  body: { query: string; variables: Record<string, unknown>; operationName?: string };
  /** The push for the query's answer. */
  shape(answer: { data?: Record<string, unknown> | null; errors?: readonly WireError[] }, reason: Reason): PushResult;
  /** True when the answer refuses the whole target (not a field): the subscription ends. */
  refused(answer: { data?: Record<string, unknown> | null; errors?: readonly WireError[] }): WireError | undefined;
  /**
   * The whole target could not be read for now (its system rate limited us, is down or slow): the
   * error, whose `retryAfter` says when to try again if it knows. Not a refusal: the state is unknown, not gone.
   */
  unavailable(answer: { data?: Record<string, unknown> | null; errors?: readonly WireError[] }): WireError | undefined;
}

/**
 * Codes of a target that failed for now (upstream rate limit, outage, timeout; this instance too busy
 * to run the push: OVERLOADED, MAX_OPERATIONS_IN_FLIGHT), not for good.
 */
const TRANSIENT: ReadonlySet<unknown> = new Set([
  ErrorCode.RATE_LIMITED,
  ErrorCode.UPSTREAM_UNAVAILABLE,
  ErrorCode.UPSTREAM_TIMEOUT,
  ErrorCode.OVERLOADED,
]);

const TARGET_VAR = 'porticoTarget';
/** The ticket of a ticketChanged push, read by id as the customer's (`Customer.ticket(id:)`): however old it is. */
const TICKET_VAR = 'porticoTicket';

const invalid = (message: string) => new GraphQLError(message, { extensions: { code: ErrorCode.GRAPHQL_VALIDATION_FAILED } });

/** Fields of a selection set with fragments expanded (the subscription types have no abstract parts). */
function fieldsOf(set: SelectionSetNode, fragments: Map<string, FragmentDefinitionNode>, seen = new Set<string>()): FieldNode[] {
  return set.selections.flatMap((s: SelectionNode): FieldNode[] => {
    if (s.kind === Kind.FIELD) return [s];
    if (s.kind === Kind.INLINE_FRAGMENT) return fieldsOf(s.selectionSet, fragments, seen);
    const f = fragments.get(s.name.value);
    if (!f || seen.has(f.name.value)) return [];
    return fieldsOf(f.selectionSet, fragments, new Set([...seen, f.name.value]));
  });
}

const key = (f: FieldNode) => f.alias?.value ?? f.name.value;

function field(alias: string, name: string, args: Record<string, string>, selections: readonly SelectionNode[]): FieldNode {
  return {
    kind: Kind.FIELD,
    alias: { kind: Kind.NAME, value: alias },
    name: { kind: Kind.NAME, value: name },
    arguments: Object.entries(args).map(([n, v]) => ({
      kind: Kind.ARGUMENT,
      name: { kind: Kind.NAME, value: n },
      value: v.startsWith('$') ? { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: v.slice(1) } } : { kind: Kind.INT, value: v },
    })),
    directives: [],
    selectionSet: { kind: Kind.SELECTION_SET, selections },
  };
}

/** The selection of `reason`, projected from the reason object. */
function project(reason: Reason, f: FieldNode, fragments: Map<string, FragmentDefinitionNode>): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const sub of f.selectionSet ? fieldsOf(f.selectionSet, fragments) : [])
    out[key(sub)] = sub.name.value === '__typename' ? 'ChangeReason' : reason[sub.name.value as keyof Reason];
  return out;
}

const isId = (id: string) => /^[A-Za-z0-9_-]{1,64}$/.test(id);

/**
 * Checks a subscription request and plans its pushes; throws GraphQLError (validation,
 * BAD_USER_INPUT) when it cannot run. Authorization is not decided here: the first push runs the
 * derived query as the subscriber, and a refusal there refuses the subscription.
 */
export function planSubscription(
  schema: GraphQLSchema,
  principal: Principal,
  request: { query: string; variables?: Record<string, unknown> | null; operationName?: string | null },
): SubscriptionPlan {
  let doc: DocumentNode;
  try {
    doc = parse(request.query, { maxTokens: 5000 });
  } catch (err) {
    throw new GraphQLError((err as GraphQLError).message, { extensions: { code: ErrorCode.GRAPHQL_PARSE_FAILED } });
  }
  const op = getOperationAST(doc, request.operationName ?? undefined);
  if (!op) throw invalid('Send one operation, or name the one to run in operationName.');
  if (op.operation !== OperationTypeNode.SUBSCRIPTION)
    throw new BadUserInputError(`Only subscriptions are served here; send a ${op.operation} with POST /graphql.`);
  const errors = validate(schema, doc);
  if (errors.length) throw invalid(errors[0].message);
  const coerced = getVariableValues(schema, op.variableDefinitions ?? [], request.variables ?? {});
  if (coerced.errors) throw new BadUserInputError(coerced.errors[0].message);
  const fragments = new Map(
    doc.definitions.filter((d): d is FragmentDefinitionNode => d.kind === Kind.FRAGMENT_DEFINITION).map((d) => [d.name.value, d]),
  );
  const roots = fieldsOf(op.selectionSet, fragments).filter((f) => f.name.value !== '__typename');
  const root = roots[0];
  const rootDef = schema.getSubscriptionType()!.getFields()[root.name.value];
  const args = getArgumentValues(rootDef, root, coerced.coerced) as { id?: string; customerId?: string };
  const kind = root.name.value === 'ticketChanged' ? 'ticket' : 'customer';
  const own = ownCustomerId(principal);
  const named = kind === 'ticket' ? args.customerId : args.id;
  const customerId = named ?? own;
  if (customerId === undefined)
    throw new BadUserInputError(
      kind === 'ticket'
        ? 'ticketChanged needs the customerId of the ticket with a staff or partner token, e.g. ticketChanged(id: "42", customerId: "1001").'
        : 'customerChanged needs an id with a staff or partner token, e.g. customerChanged(id: "1001").',
    );
  checkCustomerId(customerId);
  if (kind === 'ticket' && !isId(args.id!)) throw new BadUserInputError('A ticket id is 1-64 letters, digits, "_" or "-", e.g. "42".');
  const ticketId = kind === 'ticket' ? args.id : undefined;

  // The inner fields: `reason` is answered here, `customer` / `ticket` become root fields of the query.
  const inner = root.selectionSet ? fieldsOf(root.selectionSet, fragments) : [];
  const target = kind === 'ticket' ? 'ticket' : 'customer';
  // A customer's own record without an id reads `me`; every other case `customer(id:)` (the gateway decides access).
  const viaMe = kind === 'customer' && named === undefined;
  const leaf = (alias: string, name: string): FieldNode => ({ ...field(alias, name, {}, []), selectionSet: undefined });
  const derive = (k: string, sel: readonly SelectionNode[]): FieldNode => {
    if (kind === 'customer') return viaMe ? field(k, 'me', {}, sel) : field(k, 'customer', { id: `$${TARGET_VAR}` }, sel);
    return field(k, 'customer', { id: `$${TARGET_VAR}` }, [field('ticket', 'ticket', { id: `$${TICKET_VAR}` }, sel)]);
  };
  const selections = inner.filter((f) => f.name.value === target).map((f) => derive(key(f), f.selectionSet?.selections ?? []));
  // A push of `reason` alone still reads the target, so every push is authorized.
  if (!selections.length) selections.push(derive(TARGET_VAR, [leaf('id', 'id')]));

  // The fragments and variables those selections use.
  const usedFragments = new Set<string>();
  const usedVars = new Set<string>();
  const walk = (node: object) =>
    visit(node as DocumentNode, {
      FragmentSpread(n) {
        if (usedFragments.has(n.name.value)) return;
        usedFragments.add(n.name.value);
        const f = fragments.get(n.name.value);
        if (f) walk(f);
      },
      Variable(n) {
        usedVars.add(n.name.value);
      },
    });
  for (const s of selections) walk(s);
  usedVars.delete(TARGET_VAR);
  usedVars.delete(TICKET_VAR);
  const variableDefinitions = (op.variableDefinitions ?? []).filter((d) => usedVars.has(d.variable.name.value));
  const idVariable = (name: string): VariableDefinitionNode => ({
    kind: Kind.VARIABLE_DEFINITION,
    variable: { kind: Kind.VARIABLE, name: { kind: Kind.NAME, value: name } },
    type: { kind: Kind.NON_NULL_TYPE, type: { kind: Kind.NAMED_TYPE, name: { kind: Kind.NAME, value: 'ID' } } },
    directives: [],
  });
  if (kind === 'ticket') variableDefinitions.unshift(idVariable(TICKET_VAR));
  if (!viaMe) variableDefinitions.unshift(idVariable(TARGET_VAR));
  const query: DocumentNode = {
    kind: Kind.DOCUMENT,
    definitions: [
      {
        kind: Kind.OPERATION_DEFINITION,
        operation: OperationTypeNode.QUERY,
        name: op.name,
        variableDefinitions,
        directives: [],
        selectionSet: { kind: Kind.SELECTION_SET, selections },
      },
      ...[...usedFragments].flatMap((n) => (fragments.has(n) ? [fragments.get(n)!] : [])),
    ],
  };
  const variables: Record<string, unknown> = {};
  for (const n of usedVars) if (request.variables && n in request.variables) variables[n] = request.variables[n];
  if (!viaMe) variables[TARGET_VAR] = customerId;
  if (kind === 'ticket') variables[TICKET_VAR] = ticketId;

  const rootKey = key(root);
  const typename = kind === 'ticket' ? 'TicketChange' : 'CustomerChange';
  const targetKeys = selections.map((s) => key(s));
  const ticketOf = (value: unknown): unknown => (value as { ticket?: unknown } | null)?.ticket ?? null;
  const rootErrors = (answer: Parameters<SubscriptionPlan['refused']>[0]) =>
    (answer.errors ?? []).filter((e) => !e.path || (e.path.length === 1 && targetKeys.includes(String(e.path[0]))));
  const rootError = (answer: Parameters<SubscriptionPlan['refused']>[0]) => rootErrors(answer)[0];

  return {
    document: doc,
    kind,
    customerId,
    ticketId,
    body: { query: print(query), variables, ...(op.name ? { operationName: op.name.value } : {}) },
    refused(answer) {
      const e = rootError(answer);
      if (e) return e;
      if (kind === 'ticket' && answer.data && targetKeys.every((k) => answer.data?.[k] && ticketOf(answer.data[k]) === null))
        return { message: `No ticket ${ticketId} of customer ${customerId}.`, extensions: { code: 'NOT_FOUND' } };
      return undefined;
    },
    unavailable(answer) {
      const errors = rootErrors(answer);
      // Transient only when every failure of the target is: a refusal beside it (FORBIDDEN) still ends the subscription.
      return errors.length && errors.every((e) => TRANSIENT.has(e.extensions?.code)) ? errors[0] : undefined;
    },
    shape(answer, reason) {
      const out: Record<string, unknown> = {};
      for (const f of inner) {
        const k = key(f);
        if (f.name.value === '__typename') out[k] = typename;
        else if (f.name.value === 'reason') out[k] = project(reason, f, fragments);
        else {
          const value = answer.data?.[k] ?? null;
          out[k] = kind === 'ticket' ? ticketOf(value) : value;
        }
      }
      const errors = (answer.errors ?? []).map((e) => {
        let path = e.path ? [rootKey, ...e.path] : undefined;
        // A ticket's error path runs through its customer: [key, ticket, ...rest].
        if (kind === 'ticket' && path && path[2] === 'ticket') path = [rootKey, path[1], ...path.slice(3)];
        return new GraphQLError(e.message, { path, extensions: e.extensions });
      });
      return { data: { [rootKey]: out }, ...(errors.length ? { errors } : {}) };
    },
  };
}
