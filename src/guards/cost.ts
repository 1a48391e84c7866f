/**
 * Portico's cost: the upstream calls an operation may make, estimated before execution with
 * graphql-query-complexity from the weights each vendor in use declares next to its connector. A list
 * field multiplies the cost of its selection by its `first` argument, so nested lists multiply
 * through (customers(first: 100) { tickets(first: 10) { comments } } = 1 + 100 x (1.01 + 10 x 1)).
 */
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import type { CostTable } from './cost-model.js';

/** The cost table of a deployment: every vendor in use declares its weights (src/vendors/<vendor>/costs.ts). */
export function upstreamCosts(vendors: readonly { costs: CostTable }[]): CostTable {
  return Object.assign({}, ...vendors.map((v) => v.costs)) as CostTable;
}

export function upstreamCallsEstimator(table: CostTable): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    const cost = table[`${type.name}.${field.name}`];
    if (!cost) return childComplexity;
    const given: unknown = cost.items && 'arg' in cost.items ? args[cost.items.arg] : undefined;
    const items = !cost.items
      ? 1
      : 'fixed' in cost.items
        ? cost.items.fixed
        : typeof given === 'number'
          ? Math.max(0, given)
          : cost.items.default;
    return cost.calls + items * childComplexity;
  };
}

/** Estimated upstream calls of the chosen operation, rounded up. Throws a GraphQLError on invalid variables. */
export function estimateUpstreamCalls(
  schema: GraphQLSchema,
  document: DocumentNode,
  variables: Record<string, unknown> | undefined,
  operationName: string | undefined,
  estimator: ComplexityEstimator,
): number {
  const cost = getComplexity({ schema, query: document, variables, operationName, estimators: [estimator] });
  return Math.ceil(cost - 1e-9);
}
