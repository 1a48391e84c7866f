/**
 * Vendor values we do not know (a new Zendesk status, a custom HubSpot lifecycle stage) are not a
 * default: the mappers map them to the schema's explicit `UNKNOWN` and report them here, and each
 * distinct field and value is logged once for the life of the process, so a vendor change shows in
 * the logs without flooding them.
 */
import type { UpstreamSystem } from '../errors/index.js';
import type { Logger } from './logger.js';

/** Called by a mapper with the vendor field (e.g. `ticket.status`) and the value it did not know. */
export type OnUnknownValue = (field: string, value: unknown) => void;

export interface UnknownValueLogOptions {
  system: UpstreamSystem;
  logger?: Logger;
  /** Distinct field+value pairs remembered; past it, no more are logged (a vendor sending garbage). @default 1000 */
  max?: number;
}

export function createUnknownValueLog(o: UnknownValueLogOptions): OnUnknownValue & { readonly seen: ReadonlySet<string> } {
  const seen = new Set<string>();
  const max = o.max ?? 1000;
  const report = (field: string, value: unknown) => {
    const key = `${field}=${JSON.stringify(value)}`;
    if (seen.has(key) || seen.size >= max) return;
    seen.add(key);
    // Values are vendor enum strings, not personal data; cut to keep a garbage value from bloating the line.
    const shown = typeof value === 'string' ? value.slice(0, 100) : typeof value === 'object' && value ? JSON.stringify(value).slice(0, 100) : (value ?? null);
    o.logger?.warn({ system: o.system, field, value: shown }, 'unknown vendor value: mapped to UNKNOWN, or refused where the schema has none (logged once per process)');
  };
  return Object.assign(report, { seen: seen as ReadonlySet<string> });
}
