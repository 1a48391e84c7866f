/** Salesforce Contact records -> the CRM port's contact. The only place that knows Salesforce's field names. */
import { z } from 'zod';
import type { OnUnknownValue } from '../../platform/unknown.js';
import { lifecycleStageOf, type ContactField, type CrmContact } from '../../ports/crm.js';
import { isoDate } from './soql.js';

/** Fields every read selects (Account.Name: a contact's company is its Account). */
export const CONTACT_FIELDS = [
  'Id',
  'Portico_Customer_Id__c',
  'FirstName',
  'LastName',
  'Email',
  'Phone',
  'Account.Name',
  'Lifecycle_Stage__c',
  'CreatedDate',
  'LastModifiedDate',
] as const;
export const CONTACT_SELECT = `SELECT ${CONTACT_FIELDS.join(', ')} FROM Contact`;

/** Port field -> Contact field, for writes and for naming a refused field back in Portico's words. */
export const WRITABLE: Record<Exclude<ContactField, 'company'>, string> = {
  firstName: 'FirstName',
  lastName: 'LastName',
  email: 'Email',
  phone: 'Phone',
};
const PORT_NAME: Record<string, string> = {
  ...Object.fromEntries(Object.entries(WRITABLE).map(([k, v]) => [v, k])),
  AccountId: 'company',
  Name: 'company',
};
export const portField = (sfField: string): string => PORT_NAME[sfField] ?? sfField;

const str = z.string().nullable().optional();
export const SalesforceContact = z.object({
  Id: z.string(),
  Portico_Customer_Id__c: str,
  FirstName: str,
  LastName: str,
  Email: str,
  Phone: str,
  Account: z.object({ Name: str }).nullable().optional(),
  Lifecycle_Stage__c: str,
  CreatedDate: str,
  LastModifiedDate: str,
});
export type SalesforceContact = z.infer<typeof SalesforceContact>;

/** A record without a customer id is not a Portico contact: undefined. */
export function toCrmContact(r: SalesforceContact, onUnknown?: OnUnknownValue): CrmContact | undefined {
  if (!r.Portico_Customer_Id__c) return undefined;
  const stage = r.Lifecycle_Stage__c || null;
  const known = stage ? lifecycleStageOf(stage) : undefined;
  if (stage && !known) onUnknown?.('contact.Lifecycle_Stage__c', stage);
  return {
    id: r.Portico_Customer_Id__c,
    firstName: r.FirstName || null,
    lastName: r.LastName || null,
    email: r.Email || null,
    phone: r.Phone || null,
    company: r.Account?.Name || null,
    lifecycleStage: stage ? (known ?? 'UNKNOWN') : null,
    createdAt: isoDate(r.CreatedDate),
    updatedAt: isoDate(r.LastModifiedDate),
  };
}
