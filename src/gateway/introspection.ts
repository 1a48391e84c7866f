/**
 * Introspection answered per principal: each caller sees only the fields its roles and scopes
 * can ever reach (a partner with `billing.invoices:read` sees no support or file fields; an admin
 * sees everything). Anonymous introspection only where INTROSPECTION allows it (development).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { MapperKind, mapSchema, pruneSchema } from '@graphql-tools/utils';
import {
  execute,
  GraphQLSchema,
  Kind,
  type DocumentNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { RequestContext } from '../auth/context.js';
import { canPass, policiesOf, type Policy } from '../auth/policy.js';
import type { Principal } from '../auth/principal.js';
import { ErrorCode } from '../errors/index.js';
import { loadSdl } from '../subgraphs/sdl.js';
import { ALL_SUBGRAPHS } from './index.js';

const INTROSPECTION_FIELDS = new Set(['__schema', '__type']);

/**
 * The root fields an operation selects, through inline fragments and fragment spreads at any
 * nesting (`{ ... on Query { __schema { ... } } }`, `{ ...F }`), aliases notwithstanding.
 */
export function rootFieldNames(op: OperationDefinitionNode, doc?: DocumentNode): string[] {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of doc?.definitions ?? []) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const names: string[] = [];
  // Each fragment is walked once: its root fields are the same however often it is spread (a
  // fragment spread twice in each of 20 nested fragments cost 2^20 walks, seconds of CPU).
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) names.push(sel.name.value);
      else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const frag = fragments.get(sel.name.value);
        // A spread of an unknown fragment cannot be judged: count it as data (validation refuses it anyway).
        if (!frag) names.push(`...${sel.name.value}`);
        else walk(frag.selectionSet);
      }
    }
  };
  walk(op.selectionSet);
  return names;
}

/** 'introspection' when every root field is __schema/__type/__typename, 'mixed' when some are, else 'none'. */
export function introspectionKind(op: OperationDefinitionNode | undefined, doc?: DocumentNode): 'introspection' | 'mixed' | 'none' {
  if (!op) return 'none';
  let intro = 0;
  let other = 0;
  for (const name of rootFieldNames(op, doc)) {
    if (INTROSPECTION_FIELDS.has(name)) intro++;
    else if (name !== '__typename') other++;
  }
  return intro === 0 ? 'none' : other === 0 ? 'introspection' : 'mixed';
}

/**
 * Fields outside the subgraphs (the subscriptions of src/realtime) shown under the policy of the
 * field whose data they push: a ticket's pushes to whoever may read the customer's tickets.
 */
const SERVED_AS: Record<string, string> = { 'Subscription.ticketChanged': 'Customer.tickets' };

/** The API schema cut down to what a principal can reach; cached per distinct set of scopes. */
export function createSchemaViews(policies: Map<string, Policy> = policiesOf(ALL_SUBGRAPHS.map(loadSdl))) {
  const views = new WeakMap<GraphQLSchema, Map<string, GraphQLSchema>>();
  return (api: GraphQLSchema, principal: Principal): GraphQLSchema => {
    const key = `${principal.kind}:${[...principal.scopes].sort().join(',')}`;
    let perApi = views.get(api);
    if (!perApi) views.set(api, (perApi = new Map<string, GraphQLSchema>()));
    const cached = perApi.get(key);
    if (cached) return cached;
    const mapped = mapSchema(api, {
      [MapperKind.OBJECT_FIELD]: (field, fieldName, typeName) => {
        const coordinate = `${typeName}.${fieldName}`;
        const policy = policies.get(coordinate) ?? policies.get(SERVED_AS[coordinate] ?? '');
        return !policy || canPass(policy, principal) ? field : null;
      },
    });
    // A root type left without fields is dropped (a partner has no mutations).
    const config = mapped.toConfig();
    const empty = (t: typeof config.query) => !t || Object.keys(t.getFields()).length === 0;
    const view = pruneSchema(
      new GraphQLSchema({
        ...config,
        mutation: empty(config.mutation) ? undefined : config.mutation,
        types: config.types.filter((t) => !(t === config.mutation && empty(config.mutation))),
      }),
    );
    perApi.set(key, view);
    return view;
  };
}

function refuse(status: number, code: ErrorCode, message: string) {
  const headers = new Map<string, string>(status === 401 ? [['www-authenticate', 'Bearer realm="portico"']] : []);
  return { http: { status, headers }, body: { kind: 'single', singleResult: { errors: [{ message, extensions: { code } }] } } } as never;
}

export function introspectionPlugin(o: {
  allowAnonymous: boolean;
  /**
   * Adds the types the gateway does not execute but the server serves (the subscriptions of
   * src/realtime), so introspection shows clients every operation they can send.
   */
  extend?: (api: GraphQLSchema) => GraphQLSchema;
}): ApolloServerPlugin<RequestContext> {
  const viewOf = createSchemaViews();
  const extended = new WeakMap<GraphQLSchema, GraphQLSchema>();
  const served = (api: GraphQLSchema) => {
    if (!o.extend) return api;
    let s = extended.get(api);
    if (!s) extended.set(api, (s = o.extend(api)));
    return s;
  };
  return {
    async requestDidStart() {
      return {
        async responseForOperation({ operation, document, request, contextValue, schema }) {
          const kind = introspectionKind(operation, document);
          if (kind === 'none') return null;
          if (kind === 'mixed')
            return refuse(400, ErrorCode.BAD_REQUEST, 'Send introspection (__schema, __type) in an operation of its own.');
          const principal = contextValue.principal;
          if (principal.kind === 'anonymous' && !o.allowAnonymous)
            return refuse(401, ErrorCode.UNAUTHENTICATED, 'Introspection needs a valid bearer token here.');
          // Anonymous callers (development only) explore the whole schema; everyone else their own view.
          const result = await execute({
            schema: principal.kind === 'anonymous' ? served(schema) : viewOf(served(schema), principal),
            document,
            variableValues: request.variables,
            operationName: request.operationName,
          });
          return { http: { status: undefined, headers: new Map() }, body: { kind: 'single', singleResult: result } } as never;
        },
      };
    },
  };
}
