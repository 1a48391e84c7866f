import type { ApolloServerPlugin } from '@apollo/server';
import { GraphQLError, Kind, type DocumentNode, type FragmentDefinitionNode, type SelectionSetNode } from 'graphql';
import { ErrorCode } from '../errors/index.js';

/** Deepest selection of the document's operations, following fragments (introspection fields count 0). */
export function operationDepth(doc: DocumentNode): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of doc.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const depth = (set: SelectionSetNode | undefined, seen: Set<string>): number => {
    if (!set) return 0;
    let deepest = 0;
    for (const sel of set.selections) {
      if (sel.kind === Kind.FIELD) deepest = Math.max(deepest, sel.name.value.startsWith('__') ? 0 : 1 + depth(sel.selectionSet, seen));
      else if (sel.kind === Kind.INLINE_FRAGMENT) deepest = Math.max(deepest, depth(sel.selectionSet, seen));
      else if (!seen.has(sel.name.value)) deepest = Math.max(deepest, depth(fragments.get(sel.name.value)?.selectionSet, new Set([...seen, sel.name.value])));
    }
    return deepest;
  };
  let max = 0;
  for (const def of doc.definitions) if (def.kind === Kind.OPERATION_DEFINITION) max = Math.max(max, depth(def.selectionSet, new Set()));
  return max;
}

/** Refuses operations nested deeper than `max` with 400 QUERY_TOO_COMPLEX, before any resolver runs. */
export function depthLimitPlugin(max: number): ApolloServerPlugin {
  return {
    async requestDidStart() {
      return {
        async didResolveOperation({ document }) {
          const d = operationDepth(document);
          if (d > max) throw new GraphQLError(`The operation is ${d} levels deep; the limit is ${max} (MAX_QUERY_DEPTH).`, { extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, http: { status: 400 } } });
        },
      };
    },
  };
}
