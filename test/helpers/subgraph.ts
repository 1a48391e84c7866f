/**
 * Runs an operation on one subgraph's schema of a running app with a request context built as the
 * HTTP layer builds it, plus what a test needs to set (e.g. the principal-scoped Idempotency-Key).
 */
import { execute, parse, type ExecutionResult } from 'graphql';
import type { RequestContext } from '../../src/auth/context.js';
import { userPrincipal, type Role } from '../../src/auth/principal.js';
import type { SubgraphName } from '../../src/config/index.js';
import type { TestApp } from './app.js';

export async function runOnSubgraph(
  t: TestApp,
  subgraph: SubgraphName,
  query: string,
  o: { role: Role; sub: string; customerId?: string; idempotencyKey?: string; variables?: Record<string, unknown> },
): Promise<ExecutionResult<any>> {
  const schema = t.app.subgraphs.schemas[subgraph];
  if (!schema) throw new Error(`subgraph ${subgraph} does not run in this app`);
  const contextValue: RequestContext = {
    principal: userPrincipal(o.sub, [o.role], o.customerId),
    requestId: `test-${Math.random().toString(36).slice(2)}`,
    logger: t.app.logger,
    perRequest: new Map(),
    idempotencyKey: o.idempotencyKey,
  };
  return execute({ schema, document: parse(query), contextValue, variableValues: o.variables });
}
