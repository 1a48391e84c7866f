/**
 * Admin subgraph: partner tokens and cache purges. It owns no upstream; the composition root
 * hands it the partner store and the purge function of the data subgraphs.
 */
import type { PartnerRecord, PartnerStore } from '../../auth/partners.js';
import { mintPartnerToken } from '../../auth/partners.js';
import { buildSecureSubgraphSchema } from '../../auth/schema.js';
import { checkCustomerId } from '../../auth/principal.js';
import type { Resolvers } from '../../generated/admin.js';
import { DateTimeScalar } from '../../platform/scalars.js';
import { loadSdl } from '../sdl.js';

export interface AdminSubgraphDeps {
  partners: PartnerStore;
  partnerSecret: string;
  purgeCustomer(crmId: string): Promise<void>;
}

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
        checkCustomerId(id);
        await deps.purgeCustomer(id);
        return true;
      },
    },
  };
  return { name: 'admin' as const, schema: buildSecureSubgraphSchema(loadSdl('admin'), resolvers) };
}

export type { PartnerRecord };
