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
  /**
   * Set by the HTTP layer on keyed mutations. A write that failed for a passing upstream reason and
   * is safe to run again under the same key sets `retryable`; any other outcome sets `final`. The
   * key is freed (not kept with the failure) only when some write is retryable and none is final.
   */
  keyedWrites?: { retryable: boolean; final: boolean };
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
