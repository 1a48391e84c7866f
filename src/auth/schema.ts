import { buildSubgraphSchema } from '@apollo/subgraph';
import type { DocumentNode, GraphQLSchema } from 'graphql';
import { enforcePolicies } from './policy.js';

/**
 * A Federation 2 subgraph schema whose SDL-declared policies are enforced in its resolvers.
 * `resolvers` is typed by each subgraph from its generated resolver types.
 */
export function buildSecureSubgraphSchema(typeDefs: DocumentNode, resolvers: object): GraphQLSchema {
  return enforcePolicies(buildSubgraphSchema([{ typeDefs, resolvers: resolvers as never }]));
}
