/** What Portico takes as an email address (contact emails, invoice emails, sign-ups): one shape everywhere. */
const EMAIL = /^[^\s@"<>()[\],;:\\]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;

/** An address of at most 254 characters (RFC 5321's path limit) with a dotted domain, e.g. `ada@example.com`. */
export function isEmailAddress(v: string): boolean {
  return v.length <= 254 && EMAIL.test(v);
}
