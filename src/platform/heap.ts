/**
 * V8 heap settings a process entry applies at start. Under load the gateway allocates far more
 * than it keeps (a staff list of 50 builds tens of MiB of objects that live for one request), and
 * V8's default heap growth lets the old generation grow to several times the live data between
 * full collections: a heap snapshot during a warm staff list at 10 connections held 135 MiB while
 * the process's RSS passed 600 MiB. `--heap-growing-percent` bounds that growth; V8 reads it at
 * each full collection, so it takes effect when set at run time.
 */
import { setFlagsFromString } from 'node:v8';

export function applyHeapSettings(o: { heapGrowingPercent: number }): void {
  if (o.heapGrowingPercent > 0) setFlagsFromString(`--heap-growing-percent=${o.heapGrowingPercent}`);
}
