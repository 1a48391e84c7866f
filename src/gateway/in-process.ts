import type { GraphQLDataSource, GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import type { GatewayGraphQLResponse } from '@apollo/server-gateway-interface';
import { execute, parse, type DocumentNode, type GraphQLSchema } from 'graphql';
import type { LRUCache } from 'lru-cache';
import { createLocalCaches, type LocalCaches } from '../platform/local-cache.js';
import { SpanKind, withSpan } from '../platform/tracing.js';

/**
 * Bytes of a parsed document per character of its text, an estimate: graphql-js makes a node
 * object (with a `loc`, its start and end tokens) for every name, field, argument and selection
 * set; 2,000 parsed entity operations of the bench's customer fields (576 characters each) held
 * 69 heap bytes a character.
 */
export const DOCUMENT_BYTES_PER_CHAR = 70;

export interface InProcessDocuments {
  /** Where the parsed operations are reported (`cache="subgraph_documents"`). @default unreported */
  caches?: LocalCaches;
  /** Byte bound of the parsed operations of every in-process subgraph (SUBGRAPH_DOCUMENTS_MAX_BYTES). @default 16 MiB */
  maxBytes?: number;
}

/** One cache of parsed subgraph operations for all in-process subgraphs of a gateway. */
export function subgraphDocuments(o: InProcessDocuments = {}): LRUCache<string, DocumentNode> {
  return (o.caches ?? createLocalCaches()).lru<string, DocumentNode>({
    name: 'subgraph_documents',
    maxBytes: o.maxBytes ?? 16 * 1024 * 1024,
    maxEntries: 2000,
    sizeOf: (_doc, source) => source.length * (DOCUMENT_BYTES_PER_CHAR + 1) /* the key too */,
  });
}

/**
 * Executes a subgraph operation in this process. The gateway generates the same subgraph
 * operations for the same client operation, from a validated supergraph query, so each is parsed
 * once (bounded cache) and not validated again; LocalGraphQLDataSource re-parses and re-validates
 * on every call.
 */
export class InProcessDataSource implements GraphQLDataSource {
  constructor(
    readonly schema: GraphQLSchema,
    /** The subgraph's name, on its fetch spans. */
    readonly name = 'subgraph',
    /** Parsed operations by text, shared by the gateway's in-process subgraphs (keys are whole operations, which name their subgraph's types). */
    private readonly documents: LRUCache<string, DocumentNode> = subgraphDocuments(),
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
