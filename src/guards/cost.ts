/**
 * Portico's cost: the upstream calls an operation may make, estimated before execution with
 * graphql-query-complexity from the weights each subgraph declares next to its connector. A list
 * field multiplies the cost of its selection by its `first` argument, so nested lists multiply
 * through (customers(first: 100) { tickets(first: 10) { comments } } = 1 + 100 x (1.01 + 10 x 1)).
 */
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { getComplexity, type ComplexityEstimator } from 'graphql-query-complexity';
import { BILLING_COSTS } from '../subgraphs/billing/index.js';
import { CRM_COSTS } from '../subgraphs/crm/index.js';
import { FILES_COSTS } from '../subgraphs/files/index.js';
import { SUPPORT_COSTS } from '../subgraphs/support/index.js';
import type { CostTable } from './cost-model.js';

export const UPSTREAM_COSTS: CostTable = { ...CRM_COSTS, ...BILLING_COSTS, ...SUPPORT_COSTS, ...FILES_COSTS };

export function upstreamCallsEstimator(table: CostTable = UPSTREAM_COSTS): ComplexityEstimator {
  return ({ type, field, args, childComplexity }) => {
    const cost = table[`${type.name}.${field.name}`];
    if (!cost) return childComplexity;
    const given = cost.items && 'arg' in cost.items ? args[cost.items.arg] : undefined;
    const items = !cost.items ? 1 : 'fixed' in cost.items ? cost.items.fixed : typeof given === 'number' ? Math.max(0, given) : cost.items.default;
    return cost.calls + items * childComplexity;
  };
}

const estimators = [upstreamCallsEstimator()];

/** Estimated upstream calls of the chosen operation, rounded up. Throws a GraphQLError on invalid variables. */
export function estimateUpstreamCalls(schema: GraphQLSchema, document: DocumentNode, variables?: Record<string, unknown>, operationName?: string): number {
  const cost = getComplexity({ schema, query: document, variables, operationName, estimators });
  return Math.ceil(cost - 1e-9);
}
