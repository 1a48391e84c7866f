/**
 * Writes per operation: how many mutation root fields an operation would execute, counted the way
 * GraphQL executes them (aliases are separate writes; fragment spreads and inline fragments on
 * `Mutation` are followed; `@skip`/`@include` are applied with the request's variables; the same
 * response key selected twice merges into one execution; `__typename` writes nothing).
 *
 * Why a cap (MAX_WRITES, default 1): the mutations of one document run one after another, each a
 * vendor write and an audit entry, and one `Idempotency-Key` covers the whole document, so ten
 * aliased `openTicket`s would open ten tickets under one key (and a failure of the tenth nulls the
 * data of the nine that succeeded, since the fields are non-null). One write per request keeps
 * "one key, one write, one audit entry, one answer" true.
 */
import {
  getDirectiveValues,
  GraphQLIncludeDirective,
  GraphQLSkipDirective,
  Kind,
  OperationTypeNode,
  type DocumentNode,
  type FieldNode,
  type FragmentDefinitionNode,
  type FragmentSpreadNode,
  type InlineFragmentNode,
  type OperationDefinitionNode,
  type SelectionSetNode,
} from 'graphql';

/** Whether `@skip`/`@include` leave a selection in; a directive whose value cannot be read counts as included (stricter). */
function included(node: FieldNode | FragmentSpreadNode | InlineFragmentNode, variables: Record<string, unknown>): boolean {
  try {
    if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
    if (getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if === false) return false;
  } catch {
    return true;
  }
  return true;
}

/** The response keys of the mutation root fields the operation executes (empty for queries). */
export function writeKeys(op: OperationDefinitionNode, doc: DocumentNode, variables: Record<string, unknown> = {}): string[] {
  if (op.operation !== OperationTypeNode.MUTATION) return [];
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const keys = new Set<string>();
  // Each fragment is walked once (its keys are the same wherever it is spread): fragments spreading
  // fragments twice at every level would otherwise cost 2^levels walks.
  const seen = new Set<string>();
  const walk = (set: SelectionSetNode) => {
    for (const sel of set.selections) {
      if (!included(sel, variables)) continue;
      if (sel.kind === Kind.FIELD) {
        if (sel.name.value !== '__typename') keys.add(sel.alias?.value ?? sel.name.value);
      } else if (sel.kind === Kind.INLINE_FRAGMENT) walk(sel.selectionSet);
      else if (!seen.has(sel.name.value)) {
        seen.add(sel.name.value);
        const frag = fragments.get(sel.name.value);
        if (frag) walk(frag.selectionSet);
      }
    }
  };
  walk(op.selectionSet);
  return [...keys];
}
