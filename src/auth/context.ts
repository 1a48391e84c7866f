/**
 * The per-request context every resolver receives (in-process subgraphs share the gateway's
 * context object; remote subgraphs rebuild it from the gateway-signed claims header).
 * Loaders live in `perRequest`, created on first use, so nothing is shared across requests.
 */
import type { Logger } from '../platform/logger.js';
import type { Principal } from './principal.js';

export interface RequestContext {
  principal: Principal;
  requestId: string;
  logger: Logger;
  /** Per-request memo (DataLoaders), keyed by a symbol owned by each subgraph. */
  perRequest: Map<symbol, unknown>;
  /** The client's `Idempotency-Key`, scoped to the principal (set by the HTTP layer on mutations that carry one). */
  idempotencyKey?: string;
  /** The GraphQL operation's name when the client gave one (audit entries); not trusted for anything else. */
  operationName?: string;
}

export function perRequest<T>(ctx: RequestContext, key: symbol, create: () => T): T {
  let v = ctx.perRequest.get(key) as T | undefined;
  if (v === undefined) {
    v = create();
    ctx.perRequest.set(key, v);
  }
  return v;
}
