/**
 * SOQL literals. SOQL has no bind variables over REST, so every value is either validated to a
 * shape that needs no escaping (customer ids) or escaped per the SOQL reference ("Quoted String
 * Escape Sequences"): `\` `'` `"` and control characters everywhere, and `%` `_` inside LIKE
 * only (a `\%` outside LIKE is itself a MALFORMED_QUERY). A quote in the input can then only be
 * part of the literal, never end it.
 */

/** Portico customer ids as stored in Portico_Customer_Id__c (External ID, Text(32)). */
const CUSTOMER_ID = /^[A-Za-z0-9_-]{1,32}$/;

export function isCustomerId(id: string): boolean {
  return CUSTOMER_ID.test(id);
}

const CONTROL: Record<string, string> = { '\n': '\\n', '\r': '\\r', '\t': '\\t', '\b': '\\b', '\f': '\\f' };

/** The body of a string literal (without the quotes) for `=`, `IN`, `<`, `>`. */
function escape(s: string): string {
  // Other control characters have no SOQL escape; they cannot occur in the fields we search.
  // eslint-disable-next-line no-control-regex
  return s.replace(/[\\'"]/g, (c) => `\\${c}`).replace(/[\n\r\t\b\f]|[\x00-\x1f\x7f]/g, (c) => CONTROL[c] ?? '');
}

/** A quoted literal for comparisons and IN lists. */
export function quote(s: string): string {
  return `'${escape(s)}'`;
}

/** A LIKE pattern matching `s` anywhere, `%` and `_` in `s` taken literally. */
export function likeContains(s: string): string {
  return `'%${escape(s).replace(/[%_]/g, (c) => `\\${c}`)}%'`;
}

/** Salesforce's dateTime (`2026-11-15T12:00:00.000+0000`) as ISO 8601 UTC; null when absent or unreadable. */
export function isoDate(v: string | null | undefined): string | null {
  if (!v) return null;
  const t = Date.parse(v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

/** ms -> `2026-11-15T12:00:00+00:00`, the form the Get Updated/Deleted reference shows. */
export function sfDateTime(ms: number): string {
  return new Date(ms).toISOString().replace(/\.\d{3}Z$/, '+00:00');
}
