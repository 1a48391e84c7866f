import { GraphQLError, Kind, type ASTVisitor, type FragmentDefinitionNode, type SelectionSetNode, type ValidationContext } from 'graphql';
import { ErrorCode } from '../errors/index.js';

/** Rejects operations nested deeper than `max` selections (fragments followed), before execution. */
export function depthLimitRule(max: number) {
  return (context: ValidationContext): ASTVisitor => {
    const fragments = new Map<string, FragmentDefinitionNode>();
    for (const def of context.getDocument().definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
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
    return {
      OperationDefinition(node) {
        const d = depth(node.selectionSet, new Set());
        if (d > max) context.reportError(new GraphQLError(`The operation is ${d} levels deep; the limit is ${max} (MAX_QUERY_DEPTH).`, { nodes: [node], extensions: { code: ErrorCode.QUERY_TOO_COMPLEX } }));
      },
    };
  };
}
