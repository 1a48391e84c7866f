/**
 * Field ownership: the one place that says which system is the source of truth of each field and
 * where copies of it live. Writes go to the owner; replicas are only ever written from the owner's
 * current value (replica jobs and reconciliation read this table, never a copy of it). README's
 * ownership table is generated from it (`npm run docs`).
 */
/**
 * Systems are domains, served by whichever vendor module the registry picks for each (the CRM by
 * CRM_VENDOR): fields are named as Portico and the domain's port name them.
 */
export type OwnerSystem = 'crm' | 'billing' | 'support' | 'files';
/** Systems holding copies of CRM-owned contact fields. */
export type ReplicaSystem = 'billing' | 'support';
/** Systems holding copies of billing-owned fields. */
export type BillingReplicaSystem = 'crm';

/** The owner's value of a contact, as the replica fields are computed from it. */
export interface OwnerContact {
  firstName: string | null;
  lastName: string | null;
  email: string | null;
}

export interface Replica {
  system: ReplicaSystem | BillingReplicaSystem;
  /** The field's name in that system's port, e.g. the billing customer's `name`. */
  field: string;
  /** Where it lives, for the docs. */
  object: string;
  /**
   * A field of the replica system (Portico's name) that, once set there, makes this replica field
   * that system's own value: the copy stops until it is cleared (the billing customer's email once
   * an invoice email is set).
   */
  until?: string;
}

export interface FieldOwnership {
  /** The field in Portico's API, e.g. `Customer.email`. */
  field: string;
  owner: OwnerSystem;
  /** The owner's field: the contact field (Portico's name) for the CRM, the object for the others. */
  ownerField: string;
  replicas: readonly Replica[];
}

/** Contact identity: owned by the CRM, copied to the billing customer and the support user (name and email). */
export const FIELD_OWNERSHIP: readonly FieldOwnership[] = [
  {
    field: 'Customer.name',
    owner: 'crm',
    ownerField: 'firstName + lastName',
    replicas: [
      { system: 'billing', field: 'name', object: 'customer' },
      { system: 'support', field: 'name', object: 'user' },
    ],
  },
  {
    field: 'Customer.firstName',
    owner: 'crm',
    ownerField: 'firstName',
    replicas: [],
  },
  { field: 'Customer.lastName', owner: 'crm', ownerField: 'lastName', replicas: [] },
  {
    field: 'Customer.email',
    owner: 'crm',
    ownerField: 'email',
    replicas: [
      { system: 'billing', field: 'email', object: 'customer', until: 'Billing.invoiceEmail' },
      { system: 'support', field: 'email', object: 'user' },
    ],
  },
  { field: 'Customer.phone', owner: 'crm', ownerField: 'phone', replicas: [] },
  { field: 'Customer.company', owner: 'crm', ownerField: 'company', replicas: [] },
  { field: 'Customer.lifecycleStage', owner: 'crm', ownerField: 'lifecycleStage', replicas: [] },
  { field: 'Customer.billing (balance, currency, subscription)', owner: 'billing', ownerField: 'customer, subscription', replicas: [] },
  {
    field: 'Billing.address',
    owner: 'billing',
    ownerField: 'customer address',
    replicas: [{ system: 'crm', field: 'billingCountry', object: 'contact' }],
  },
  { field: 'Billing.taxIds', owner: 'billing', ownerField: 'customer tax ids', replicas: [] },
  {
    field: 'Billing.invoiceEmail',
    owner: 'billing',
    ownerField: 'customer email, marked as its own by metadata portico_invoice_email',
    replicas: [],
  },
  { field: 'Billing.invoices', owner: 'billing', ownerField: 'invoice', replicas: [] },
  { field: 'Billing.paymentMethods', owner: 'billing', ownerField: 'payment_method', replicas: [] },
  { field: 'BillingSubscription.plan, planId', owner: 'billing', ownerField: 'subscription item price', replicas: [] },
  { field: 'Query.plans', owner: 'billing', ownerField: 'price (active, recurring) with its product', replicas: [] },
  { field: 'Customer.tickets (with comments)', owner: 'support', ownerField: 'ticket, ticket comment', replicas: [] },
  { field: 'Customer.documents', owner: 'files', ownerField: 'object under customers/<id>/', replicas: [] },
];

/** The billing system's value of the billing fields the CRM copies. */
export interface OwnerBilling {
  /** ISO 3166-1 alpha-2 country of the billing address; null when none. */
  country: string | null;
}

/** What the CRM must carry of the billing fields (`billingCountry`), computed from the billing system's value. */
export function desiredCrmCopy(owner: OwnerBilling): { billingCountry: string | null } {
  const fields = FIELD_OWNERSHIP.flatMap((f) => f.replicas.filter((r) => r.system === 'crm').map((r) => r.field));
  if (fields.join() !== 'billingCountry') throw new Error(`ownership: no derivation for crm replica fields ${fields.join(', ')}`);
  return { billingCountry: owner.country };
}

/** How a replica field's value is derived from the owner's contact (one place, for jobs and reconciliation). */
const DERIVE: Record<string, (c: OwnerContact) => string | null> = {
  name: (c) => [c.firstName, c.lastName].filter(Boolean).join(' ') || null,
  email: (c) => c.email,
};

/** Contact fields (Portico's names) whose change must reach the replicas. */
export const REPLICATED_CONTACT_FIELDS: ReadonlySet<string> = new Set(
  FIELD_OWNERSHIP.filter((f) => f.owner === 'crm' && f.replicas.length).flatMap((f) => f.ownerField.split(' + ')),
);

/** The replica fields of one system, e.g. billing -> [name, email]. */
export function replicaFields(system: ReplicaSystem): string[] {
  return FIELD_OWNERSHIP.flatMap((f) => f.replicas.filter((r) => r.system === system).map((r) => r.field));
}

/** What a replica system must carry, computed from the owner's contact: `{ name, email }` for billing and support. */
export function desiredReplica(system: ReplicaSystem, owner: OwnerContact): Record<string, string | null> {
  return Object.fromEntries(
    replicaFields(system).map((field) => {
      const derive = DERIVE[field];
      if (!derive) throw new Error(`ownership: no derivation for replica field ${system}.${field}`);
      return [field, derive(owner)];
    }),
  );
}

/**
 * The replica fields of `system` that are its own now: those whose `until` field is set there
 * (`set`: the Portico fields set in that replica, e.g. `Billing.invoiceEmail`). Never copied over.
 */
export function suspendedReplicaFields(system: ReplicaSystem, set: ReadonlySet<string>): Set<string> {
  return new Set(
    FIELD_OWNERSHIP.flatMap((f) =>
      f.replicas.filter((r) => r.system === system && r.until !== undefined && set.has(r.until)).map((r) => r.field),
    ),
  );
}

/** Fields whose replica value differs from the desired one (compared as the vendors store them: trimmed, emails case-insensitive). */
export function driftedFields(desired: Record<string, string | null>, actual: Record<string, string | null | undefined>): string[] {
  const norm = (field: string, v: string | null | undefined) => {
    const s = (v ?? '').trim();
    return field === 'email' ? s.toLowerCase() : s;
  };
  // An owner without a value does not clear the replica (the vendors need a name/email of some kind).
  return Object.keys(desired).filter((f) => desired[f] !== null && norm(f, desired[f]) !== norm(f, actual[f]));
}

/** README table: field, owner, replicas. */
export function ownershipTableMarkdown(): string {
  const rows = FIELD_OWNERSHIP.map(
    (f) =>
      `| \`${f.field}\` | ${f.owner} (\`${f.ownerField}\`) | ${f.replicas.length ? f.replicas.map((r) => `${r.system} ${r.object} \`${r.field}\`${r.until ? ` (until \`${r.until}\` is set)` : ''}`).join(', ') : '-'} |`,
  );
  return ['| field | owner (source of truth) | replicas (written only from the owner) |', '|---|---|---|', ...rows].join('\n');
}
