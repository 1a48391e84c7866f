/** HubSpot contact DTOs <-> the CRM port's types. The only place that knows HubSpot's property names. */
import { z } from 'zod';
import { lifecycleStageOf, type ContactField, type CrmContact } from '../../ports/crm.js';
import type { OnUnknownValue } from '../../platform/unknown.js';

export type { CrmContact };

/** Properties we read; the cross-system ids are custom contact properties. */
export const CONTACT_PROPERTIES = [
  'firstname',
  'lastname',
  'email',
  'phone',
  'company',
  'lifecyclestage',
  'createdate',
  'lastmodifieddate',
] as const;

export const HubSpotContact = z.object({
  id: z.string(),
  properties: z.record(z.string(), z.string().nullable().optional()),
  createdAt: z.string().optional(),
  updatedAt: z.string().optional(),
});
export type HubSpotContact = z.infer<typeof HubSpotContact>;

/** A lifecycle stage we do not know (HubSpot portals can define custom stages) is UNKNOWN and reported. */
export function toCrmContact(dto: HubSpotContact, onUnknown?: OnUnknownValue): CrmContact {
  const p = dto.properties;
  const s = (k: string) => (p[k] ? String(p[k]) : null);
  const stage = s('lifecyclestage');
  const known = stage ? lifecycleStageOf(stage) : undefined;
  if (stage && !known) onUnknown?.('contact.lifecyclestage', stage);
  return {
    id: dto.id,
    firstName: s('firstname'),
    lastName: s('lastname'),
    email: s('email'),
    phone: s('phone'),
    company: s('company'),
    lifecycleStage: stage ? (known ?? 'UNKNOWN') : null,
    createdAt: dto.createdAt ?? s('createdate'),
    updatedAt: dto.updatedAt ?? s('lastmodifieddate'),
  };
}

/** Portico's contact field -> HubSpot contact property. */
export const HUBSPOT_PROPERTY: Readonly<Record<ContactField, string>> = {
  firstName: 'firstname',
  lastName: 'lastname',
  email: 'email',
  phone: 'phone',
  company: 'company',
};

/**
 * The custom contact properties of the billing standing (CrmPort.setBillingStanding): an
 * enumeration (`active`, `past_due`) and a datetime, created once in the HubSpot account
 * (docs/automations.md).
 */
export const STANDING_PROPERTY = 'portico_billing_standing';
export const LAST_PAYMENT_PROPERTY = 'portico_last_payment_at';
/** The subscription status (CrmPort.setSubscriptionStatus): an enumeration (`active`, `canceling`, `canceled`), created once in the account. */
export const SUBSCRIPTION_STATUS_PROPERTY = 'portico_subscription_status';
/** The copy of the billing country (CrmPort.setBillingCopy): a single-line text property, created once in the account. */
export const BILLING_COUNTRY_PROPERTY = 'portico_billing_country';

/** HubSpot contact property -> Portico's contact field (a webhook's `propertyName`), undefined for others. */
export function contactFieldOf(property: string): ContactField | undefined {
  return (Object.keys(HUBSPOT_PROPERTY) as ContactField[]).find((f) => HUBSPOT_PROPERTY[f] === property);
}
