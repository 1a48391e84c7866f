/**
 * Concurrent reads share upstream calls: a read goes out at once while fewer than `inFlight` are
 * under way; otherwise its ids wait and leave with the next call (at most `max` ids a call).
 * Sequential requests see no delay; under load (or while the vendor budget makes calls wait)
 * calls grow instead of multiplying. Used by the CRM connectors' batch reads.
 */
export function coalesce<V>(read: (ids: readonly string[]) => Promise<Map<string, V>>, inFlight: number, max: number) {
  let running = 0;
  const queue: { ids: readonly string[]; resolve(m: Map<string, V>): void; reject(e: unknown): void }[] = [];
  const pump = () => {
    while (running < inFlight && queue.length) {
      const batch: typeof queue = [];
      const ids = new Set<string>();
      while (queue.length && (ids.size === 0 || ids.size + queue[0].ids.length <= max)) {
        const next = queue.shift()!;
        batch.push(next);
        for (const id of next.ids) ids.add(id);
      }
      running++;
      read([...ids])
        .then(
          (found) => batch.forEach((b) => b.resolve(found)),
          (err: unknown) => batch.forEach((b) => b.reject(err)),
        )
        .finally(() => {
          running--;
          pump();
        });
    }
  };
  return {
    get: (ids: readonly string[]) =>
      new Promise<Map<string, V>>((resolve, reject) => {
        queue.push({ ids, resolve, reject });
        pump();
      }),
  };
}
