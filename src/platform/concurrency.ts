/**
 * Per-row calls (vendors without a batch endpoint) all start at once: each attempt takes a token
 * of the vendor's budget first (platform/budget.ts), so they go out as fast as the vendor allows
 * and no faster. (A fixed cap, UPSTREAM_CONCURRENCY, used to stand here: it slowed a page the
 * vendor could serve at once and protected nothing, since it counted one request's calls only.)
 */
export function mapEach<T, R>(items: readonly T[], fn: (item: T) => Promise<R>): Promise<R[]> {
  return Promise.all(items.map(fn));
}

/** Splits items into chunks of at most `size` (vendor batch limits). */
export function chunk<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}
