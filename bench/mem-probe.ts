/**
 * Memory probe for the benches (`--mem-probe DIR` in bench/run.ts, or
 * `node --import ./bench/mem-probe.ts` with PORTICO_MEM_PROBE_DIR set): loaded into the gateway
 * process, it samples `process.memoryUsage()` and V8's heap spaces every 250 ms and appends one
 * JSON line per sample to `DIR/mem-<pid>.jsonl` (MiB). Where the resident set goes: V8's spaces
 * (new = young generation, old, code, large objects), memory outside the heap (external,
 * arrayBuffers: Buffers, sockets' reads) and the rest (RSS minus both: native code, the
 * allocator's free lists, thread stacks). Bench-only: nothing in src/ loads it.
 */
import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { constants, PerformanceObserver, type PerformanceEntry } from 'node:perf_hooks';
import { getHeapSpaceStatistics } from 'node:v8';

const dir = process.env.PORTICO_MEM_PROBE_DIR;
if (dir) {
  mkdirSync(dir, { recursive: true });
  const file = join(dir, `mem-${process.pid}.jsonl`);
  const t0 = Date.now();
  const mb = (n: number) => Math.round((n / 1048576) * 10) / 10;
  // Collections so far by kind (minor = scavenge, major = mark-compact), and their pause time, ms.
  const gc = { minor: 0, major: 0, incremental: 0, pauseMs: 0 };
  const kinds: Record<number, keyof typeof gc> = {
    [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor',
    [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major',
    [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental',
  };
  new PerformanceObserver((list) => {
    for (const e of list.getEntries() as (PerformanceEntry & { detail?: { kind?: number } })[]) {
      const kind = kinds[e.detail?.kind ?? -1];
      if (kind) gc[kind]++;
      gc.pauseMs += e.duration;
    }
  }).observe({ entryTypes: ['gc'] });
  const sample = () => {
    const m = process.memoryUsage();
    const spaces = Object.fromEntries(getHeapSpaceStatistics().map((s) => [s.space_name.replace(/_space$/, ''), mb(s.space_size)]));
    const line = {
      t: Math.round((Date.now() - t0) / 100) / 10,
      rss: mb(m.rss),
      heapTotal: mb(m.heapTotal),
      heapUsed: mb(m.heapUsed),
      external: mb(m.external),
      arrayBuffers: mb(m.arrayBuffers),
      other: mb(m.rss - m.heapTotal - m.external),
      ...spaces,
      gc: { ...gc, pauseMs: Math.round(gc.pauseMs) },
    };
    appendFileSync(file, `${JSON.stringify(line)}\n`);
  };
  sample();
  setInterval(sample, 250).unref();
}
