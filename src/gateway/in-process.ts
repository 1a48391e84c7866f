import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { execute, parse, type DocumentNode, type GraphQLSchema } from 'graphql';

const MAX_CACHED = 2000;

/**
 * Executes a subgraph operation in this process. The gateway generates the same subgraph
 * operations for the same client operation, from a validated supergraph query, so each is parsed
 * once (bounded cache) and not validated again; LocalGraphQLDataSource re-parses and re-validates
 * on every call.
 */
export class InProcessDataSource implements GraphQLDataSource {
  private readonly documents = new Map<string, DocumentNode>();

  constructor(readonly schema: GraphQLSchema) {}

  async process({ request, context }: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    const source = request.query ?? '';
    let document = this.documents.get(source);
    if (!document) {
      document = parse(source);
      if (this.documents.size >= MAX_CACHED) this.documents.delete(this.documents.keys().next().value as string);
      this.documents.set(source, document);
    }
    const result = await execute({ schema: this.schema, document, variableValues: request.variables, operationName: request.operationName, contextValue: context });
    return result;
  }
}
