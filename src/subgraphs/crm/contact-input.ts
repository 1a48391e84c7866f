/** ContactInput -> the CRM port's ContactPatch, validated; every refusal names the field (`input.email`). */
import { BadUserInputError } from '../../errors/index.js';
import type { ContactInput } from '../../generated/crm.js';
import type { ContactPatch } from '../../ports/crm.js';
import { isEmailAddress } from '../../platform/email.js';

const FIELDS: ReadonlySet<string> = new Set<keyof ContactInput>(['firstName', 'lastName', 'email', 'phone', 'company']);

// Control characters (and DEL) never belong in a contact field.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f]/;
const PHONE = /^\+?[0-9 ()\-.]+$/;

function bad(field: string, message: string): never {
  throw new BadUserInputError(message, `input.${field}`);
}

export interface ContactChange {
  /** The fields to write, by Portico's names. */
  patch: ContactPatch;
  /** API field names changed (for the audit log: names, never values). */
  fields: string[];
}

/** The contact fields an input names (what an audit entry lists), without validating their values. */
export function contactFieldsOf(input: ContactInput): string[] {
  return Object.entries(input).flatMap(([field, raw]) => (raw !== undefined && FIELDS.has(field) ? [field] : []));
}

export function toContactChange(input: ContactInput): ContactChange {
  const patch: ContactPatch = {};
  const fields: string[] = [];
  for (const [field, raw] of Object.entries(input) as [keyof ContactInput, string | null | undefined][]) {
    if (raw === undefined) continue;
    if (!FIELDS.has(field)) continue;
    if (raw === null) bad(field, `${field} cannot be null; omit it to keep the current value.`);
    const v = raw.trim();
    if (CONTROL.test(v)) bad(field, `${field} must not contain control characters.`);
    switch (field) {
      case 'firstName':
      case 'lastName':
        if (v.length < 1 || v.length > 100) bad(field, `${field} must be 1 to 100 characters, e.g. "Ada".`);
        break;
      case 'email':
        if (!isEmailAddress(v)) bad(field, 'email must be an email address, e.g. "ada@example.com".');
        break;
      case 'phone': {
        const digits = v.replace(/\D/g, '').length;
        if (!PHONE.test(v) || digits < 5 || digits > 20 || v.length > 30)
          bad(
            field,
            'phone must be 5 to 20 digits with an optional leading "+", spaces, "-", "." or parentheses, e.g. "+44 20 7946 0958".',
          );
        break;
      }
      case 'company':
        if (v.length > 200) bad(field, 'company must be at most 200 characters.');
        break;
    }
    // CRMs keep emails in lower case; so do we, so replicas compare equal.
    patch[field] = field === 'email' ? v.toLowerCase() : v;
    fields.push(field);
  }
  if (!fields.length) throw new BadUserInputError('Give at least one field to change, e.g. { phone: "+44 20 7946 0958" }.', 'input');
  return { patch, fields };
}

/** RegisterCustomerInput, checked before anything is sent: BAD_USER_INPUT naming the field. */
export function checkRegistration(input: { name: string; email?: string | null; company?: string | null }): {
  name: string;
  email: string | null;
  company: string | null;
} {
  const name = input.name.trim().replace(/\s+/g, ' ');
  if (name.length < 1 || name.length > 200 || CONTROL.test(name)) bad('name', 'name must be 1 to 200 characters, e.g. "Ada Lovelace".');
  const email = input.email?.trim().toLowerCase() || null;
  if (email !== null && !isEmailAddress(email)) bad('email', 'email must be an email address, e.g. "ada@example.com".');
  const company = input.company?.trim() || null;
  if (company !== null && (company.length > 200 || CONTROL.test(company))) bad('company', 'company must be at most 200 characters.');
  return { name, email, company };
}
