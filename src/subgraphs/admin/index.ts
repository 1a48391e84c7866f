/**
 * Admin subgraph: partner tokens and cache purges. It owns no upstream; the composition root
 * hands it the partner store and the purge function of the data subgraphs.
 */
import type { PartnerRecord, PartnerStore } from '../../auth/partners.js';
import { mintPartnerToken } from '../../auth/partners.js';
import { buildSecureSubgraphSchema } from '../../auth/schema.js';
import { BadUserInputError } from '../../errors/index.js';
import type { Resolvers } from '../../generated/admin.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import { loadSdl } from '../sdl.js';

export interface AdminSubgraphDeps {
  partners: PartnerStore;
  partnerSecret: string;
  purgeCustomer(crmId: string): Promise<void>;
}

const CRM_ID = /^[A-Za-z0-9_-]{1,64}$/;

export function createAdminSubgraph(deps: AdminSubgraphDeps) {
  const resolvers: Resolvers = {
    DateTime: DateTimeScalar,
    Query: {
      partnerTokens: () => deps.partners.list(),
    },
    Mutation: {
      createPartnerToken: async (_src, { input }) => {
        const { token, record } = await mintPartnerToken(deps.partners, deps.partnerSecret, { ...input, ttlDays: input.ttlDays ?? 30 });
        return { token, partnerToken: record };
      },
      revokePartnerToken: (_src, { id }) => deps.partners.revoke(id).then((r) => r ?? null),
      purgeCustomerCache: async (_src, { id }) => {
        if (!CRM_ID.test(id)) throw new BadUserInputError('id must be a CRM contact id, e.g. "1001".', 'id');
        await deps.purgeCustomer(id);
        return true;
      },
    },
  };
  return { name: 'admin' as const, schema: buildSecureSubgraphSchema(loadSdl('admin'), resolvers) };
}

export type { PartnerRecord };
