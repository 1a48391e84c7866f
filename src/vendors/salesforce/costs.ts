import type { CostTable } from '../../guards/cost-model.js';

/** CRM calls per field: one SOQL read per 200 contacts, one SOQL query per page. */
export const salesforceCosts: CostTable = {
  'Query.me': { calls: 1 },
  'Query.customer': { calls: 1 },
  'Query.customers': { calls: 1, items: { arg: 'first', default: 20 } },
  // Writes: one contact update (the CRM answers with the contact); what the answer selects adds its own cost.
  'Mutation.updateMyContact': { calls: 1 },
  'Mutation.updateContact': { calls: 1 },
};
