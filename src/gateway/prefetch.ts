/**
 * Query-aware prefetch. @apollo/gateway plans `me { billing tickets documents }` as a CRM fetch
 * followed by entity fetches to the other subgraphs, so billing, support and files would wait
 * for HubSpot although the customer's id is already known (a customer's own token, or the id
 * argument of `customer(id:)`). Before execution this plugin reads the operation's selection
 * under those fields and hands it to each in-process subgraph's `prefetch`, which starts the
 * loads in the request's own loaders; the entity fetches later find them there. The plan and
 * the results are unchanged, only the vendor calls start at once: the critical path becomes the
 * vendors' own minimum.
 *
 * Authorization is not bypassed: only customers the principal may reach are prefetched, each
 * subgraph starts only what the principal's scopes allow, and every field is still resolved and
 * checked by its resolver. It runs in executionDidStart, after every validation plugin accepted
 * the operation (a refused operation makes no upstream call).
 */
import type { ApolloServerPlugin } from '@apollo/server';
import {
  Kind,
  OperationTypeNode,
  valueFromASTUntyped,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';
import type { RequestContext } from '../auth/context.js';
import { canAccessCustomer, ownCustomerId, type Principal } from '../auth/principal.js';
import type { PrefetchField, PrefetchRequest } from '../platform/prefetch.js';
import { trace, withSpan } from '../platform/tracing.js';

/** Starts a subgraph's loads for one customer; returns them settled (never rejects), or nothing when it starts none. */
export type Prefetcher = (ctx: RequestContext, req: PrefetchRequest) => Promise<unknown> | void;

/** A subgraph's prefetch hook, named after the subgraph (its span is `subgraph <name>`, like the fetch it runs ahead of). */
export interface NamedPrefetcher {
  subgraph: string;
  prefetch: Prefetcher;
}

const SAFE_ID = /^[A-Za-z0-9_-]{1,64}$/;

/**
 * The fields of one selection set, fragments followed. As graphql-js collects fields, a fragment
 * spread more than once in one selection set is walked once (`level`: the fragments walked at this
 * level), so fragments spreading each other twice cost a linear walk, not an exponential one;
 * `path` (the fragments above) stops a cycle.
 */
function fieldsOf(
  set: SelectionSetNode | undefined,
  fragments: Map<string, FragmentDefinitionNode>,
  vars: Record<string, unknown>,
  path: ReadonlySet<string>,
  level: Set<string> = new Set(),
): PrefetchField[] {
  if (!set) return [];
  const out: PrefetchField[] = [];
  for (const sel of set.selections) {
    // Conditional selections are left to execution.
    if (sel.directives?.some((d) => d.name.value === 'skip' || d.name.value === 'include')) continue;
    if (sel.kind === Kind.FIELD) out.push(toField(sel, fragments, vars, path));
    else if (sel.kind === Kind.INLINE_FRAGMENT) out.push(...fieldsOf(sel.selectionSet, fragments, vars, path, level));
    else if (!path.has(sel.name.value) && !level.has(sel.name.value)) {
      level.add(sel.name.value);
      out.push(...fieldsOf(fragments.get(sel.name.value)?.selectionSet, fragments, vars, new Set([...path, sel.name.value]), level));
    }
  }
  return out;
}

function toField(
  node: FieldNode,
  fragments: Map<string, FragmentDefinitionNode>,
  vars: Record<string, unknown>,
  path: ReadonlySet<string>,
): PrefetchField {
  const args: Record<string, unknown> = {};
  for (const a of node.arguments ?? []) args[a.name.value] = valueFromASTUntyped(a.value, vars);
  return { name: node.name.value, args, fields: fieldsOf(node.selectionSet, fragments, vars, path) };
}

/** The customers this operation reads and what it reads of each; [] when none is known up front. */
export function collectPrefetch(
  doc: DocumentNode,
  operationName: string | null | undefined,
  variables: Record<string, unknown> | undefined,
  principal: Principal,
): PrefetchRequest[] {
  const ops = doc.definitions.filter((d): d is OperationDefinitionNode => d.kind === Kind.OPERATION_DEFINITION);
  const op = operationName ? ops.find((o) => o.name?.value === operationName) : ops.length === 1 ? ops[0] : undefined;
  if (!op || op.operation !== OperationTypeNode.QUERY) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const d of doc.definitions) if (d.kind === Kind.FRAGMENT_DEFINITION) fragments.set(d.name.value, d);
  const out: PrefetchRequest[] = [];
  for (const f of fieldsOf(op.selectionSet, fragments, variables ?? {}, new Set())) {
    const id = f.name === 'me' ? ownCustomerId(principal) : f.name === 'customer' ? f.args.id : undefined;
    if (typeof id !== 'string' || !SAFE_ID.test(id) || !canAccessCustomer(principal, id)) continue;
    out.push({ customerId: id, fields: f.fields });
  }
  return out;
}

/**
 * Runs one prefetch in a span `subgraph <name>` (transport `prefetch`), so its cache reads and
 * upstream calls sit under their subgraph in the trace, as they do when the fetch itself loads them.
 */
function runPrefetch(p: NamedPrefetcher, ctx: RequestContext, req: PrefetchRequest): void {
  if (!trace.getActiveSpan()?.isRecording()) {
    void p.prefetch(ctx, req);
    return;
  }
  const attributes = { 'portico.subgraph.name': p.subgraph, 'portico.subgraph.transport': 'prefetch' };
  void withSpan(`subgraph ${p.subgraph}`, { attributes }, async () => {
    await p.prefetch(ctx, req);
  }).catch(() => undefined);
}

export function prefetchPlugin(prefetchers: readonly NamedPrefetcher[]): ApolloServerPlugin<RequestContext> {
  return {
    async requestDidStart() {
      return {
        async executionDidStart({ document, operationName, request, contextValue }) {
          if (!prefetchers.length) return;
          for (const req of collectPrefetch(document, operationName, request.variables, contextValue.principal)) {
            for (const p of prefetchers) {
              try {
                runPrefetch(p, contextValue, req);
              } catch (err) {
                // A prefetch is an optimisation: the resolvers still read (and report) everything.
                contextValue.logger.debug({ err: (err as Error).message }, 'prefetch skipped');
              }
            }
          }
        },
      };
    },
  };
}
