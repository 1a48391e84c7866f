import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { execute, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import { SpanKind, withSpan } from '../platform/tracing.js';

const MAX_CACHED = 2000;

/**
 * Executes a subgraph operation in this process. The gateway generates the same subgraph
 * operations for the same client operation, from a validated supergraph query, so each is parsed
 * once (bounded cache) and not validated again; LocalGraphQLDataSource re-parses and re-validates
 * on every call.
 */
export class InProcessDataSource implements GraphQLDataSource {
  private readonly documents = new Map<string, DocumentNode>();

  constructor(
    readonly schema: GraphQLSchema,
    /** The subgraph's name, on its fetch spans. */
    readonly name = 'subgraph',
  ) {}

  /** One span per subgraph fetch (`subgraph <name>`), the parent of that fetch's cache reads and upstream calls. */
  process(options: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    return traceSubgraphFetch(this.name, 'in-process', options.request.operationName, () => this.execute(options));
  }

  private async execute({ request, context }: GraphQLDataSourceProcessOptions): Promise<GatewayGraphQLResponse> {
    const source = request.query ?? '';
    let document = this.documents.get(source);
    if (!document) {
      document = parse(source);
      if (this.documents.size >= MAX_CACHED) this.documents.delete(this.documents.keys().next().value as string);
      this.documents.set(source, document);
    }
    const result = await execute({
      schema: this.schema,
      document,
      variableValues: request.variables,
      operationName: request.operationName,
      contextValue: context,
    });
    return result;
  }
}

/** Which subgraph's fetch threw an error (a remote subgraph that failed names no subgraph in the error itself). */
const failedFetches = new WeakMap<object, string>();
export const subgraphOfError = (err: unknown): string | undefined => (err && typeof err === 'object' ? failedFetches.get(err) : undefined);

/** Runs one subgraph fetch in a span named after the subgraph; GraphQL errors in its answer mark the span. */
export function traceSubgraphFetch(
  name: string,
  transport: 'in-process' | 'http',
  operationName: string | undefined,
  fetch: () => Promise<GatewayGraphQLResponse>,
): Promise<GatewayGraphQLResponse> {
  const attributes = {
    'portico.subgraph.name': name,
    'portico.subgraph.transport': transport,
    ...(operationName ? { 'graphql.operation.name': operationName } : {}),
  };
  return withSpan(`subgraph ${name}`, { kind: transport === 'http' ? SpanKind.CLIENT : SpanKind.INTERNAL, attributes }, async (span) => {
    const response = await fetch().catch((err: unknown) => {
      if (err && typeof err === 'object') failedFetches.set(err, name);
      throw err;
    });
    if (response.errors?.length && span.isRecording()) span.setAttribute('portico.subgraph.errors', response.errors.length);
    return response;
  });
}
