/**
 * What a request will read of one customer, known before execution: the selection under `me` or
 * `customer(id:)`, with arguments resolved. Subgraphs read it to start their vendor calls at
 * once instead of waiting for the gateway's plan to reach them (see gateway/prefetch.ts).
 */
export interface PrefetchField {
  name: string;
  /** Arguments with variables substituted (literal values). */
  args: Readonly<Record<string, unknown>>;
  fields: readonly PrefetchField[];
}

export interface PrefetchRequest {
  customerId: string;
  fields: readonly PrefetchField[];
}

/** The selections of `name` at the top of a request (every alias of it). */
export function prefetchTargets(req: Pick<PrefetchRequest, 'fields'>, name: string): PrefetchField[] {
  return req.fields.filter((f) => f.name === name);
}

/** A nested selection, e.g. `selects(tickets, 'comments')`. */
export function selects(field: PrefetchField, name: string): boolean {
  return field.fields.some(
    (f) => f.name === name || (f.name === 'nodes' || f.name === 'edges' || f.name === 'node' ? selects(f, name) : false),
  );
}

/**
 * A DataLoader batch function whose failure is kept for the request: DataLoader forgets keys
 * whose batch rejected, so a prefetched load that failed would be sent again by the resolver.
 * Returning the error per key keeps it, and the resolver reports the same failure, once.
 */
export function settled<K, V>(batch: (keys: readonly K[]) => Promise<readonly V[]>): (keys: readonly K[]) => Promise<(V | Error)[]> {
  return async (keys) => {
    try {
      return [...(await batch(keys))];
    } catch (err) {
      const e = err instanceof Error ? err : new Error(String(err));
      return keys.map(() => e);
    }
  };
}
