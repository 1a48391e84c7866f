/**
 * Composes the four subgraphs into one supergraph with @apollo/gateway. In-process subgraphs run
 * through InProcessDataSource; a subgraph with a configured URL is called over HTTP with the
 * gateway-signed claims header instead. Nothing else changes.
 */
import { composeServices } from '@apollo/composition';
import { ApolloGateway, RemoteGraphQLDataSource, type GraphQLDataSource, type GraphQLDataSourceProcessOptions } from '@apollo/gateway';
import { randomUUID } from 'node:crypto';
import { buildSchema, printSchema, visit, type DocumentNode, type GraphQLSchema } from 'graphql';
import { subscriptionSchema } from '../realtime/operation.js';
import { signClaims, CLAIMS_HEADER } from '../auth/claims.js';
import type { RequestContext } from '../auth/context.js';
import type { SubgraphName } from '../config/index.js';
import { loadSdl } from '../subgraphs/sdl.js';
import { InProcessDataSource, subgraphDocuments, traceSubgraphFetch, type InProcessDocuments } from './in-process.js';
import { injectTraceHeaders } from '../platform/tracing.js';

/** The data subgraphs; each may run in-process or at a URL. */
export const SUBGRAPH_NAMES: readonly SubgraphName[] = ['crm', 'billing', 'files', 'support'];
/** Every subgraph of the supergraph: the data subgraphs and `admin`, which always runs in the gateway. */
export const ALL_SUBGRAPHS = [...SUBGRAPH_NAMES, 'admin'] as const;
export type AnySubgraph = (typeof ALL_SUBGRAPHS)[number];

export class CompositionError extends Error {
  constructor(readonly messages: string[]) {
    super(
      `The subgraph schemas do not compose:\n${messages.map((m) => `  - ${m}`).join('\n')}\nFix schema/*.graphql, then run \`npm run compose\` to check.`,
    );
    this.name = 'CompositionError';
  }
}

const SECURITY_DIRECTIVES = new Set(['authenticated', 'requiresScopes', 'policy']);

/**
 * @apollo/gateway refuses a supergraph that links the `for: SECURITY` features it cannot enforce.
 * Portico enforces them inside every subgraph (from the subgraphs' own SDL), so the gateway's copy
 * of the supergraph leaves them out; the exported supergraph keeps them for Apollo Router.
 */
function withoutSecurityDirectives(doc: DocumentNode): DocumentNode {
  return visit(doc, {
    Directive: (node) => (SECURITY_DIRECTIVES.has(node.name.value) ? null : undefined),
  });
}

/** The client-facing API schema (what clients and their codegen see), with descriptions. */
export function composeApiSchema(): string {
  const result = composeServices(
    ALL_SUBGRAPHS.map((name) => ({ name, url: `in-process://${name}`, typeDefs: withoutSecurityDirectives(loadSdl(name)) })),
  );
  if (result.errors) throw new CompositionError(result.errors.map((e) => e.message));
  return printSchema(result.schema.toAPISchema().toGraphQLJSSchema());
}

/**
 * The API clients see: the composed API schema plus the subscriptions Portico serves itself
 * (src/realtime, not executed by the gateway). `npm run compose` writes it to clients/schema.graphql
 * (the client codegen's input) and `npm run schema:check` compares it with the last release.
 */
export function composeClientSchema(): string {
  return printSchema(subscriptionSchema(buildSchema(composeApiSchema())));
}

/**
 * Supergraphs composed in this process, by their inputs: composition is a pure function of
 * schema/*.graphql (fixed while a process runs) and the arguments, and costs about half a second of CPU,
 * which every app built in one process (tests, a bench's instances) would otherwise pay again.
 */
const composed = new Map<string, string>();

/** The supergraph SDL of schema/*.graphql, as Apollo Router or Hive Gateway would load it. */
export function composeSupergraph(
  urls: Partial<Record<SubgraphName, string>> = {},
  opts: { forGateway?: boolean; only?: readonly AnySubgraph[] } = {},
): string {
  const key = JSON.stringify([Object.entries(urls).sort(), !!opts.forGateway, opts.only ?? null]);
  const known = composed.get(key);
  if (known !== undefined) return known;
  const sdl = compose(urls, opts);
  composed.set(key, sdl);
  return sdl;
}

function compose(urls: Partial<Record<SubgraphName, string>>, opts: { forGateway?: boolean; only?: readonly AnySubgraph[] }): string {
  const typeDefs = (name: AnySubgraph) => (opts.forGateway ? withoutSecurityDirectives(loadSdl(name)) : loadSdl(name));
  const result = composeServices(
    (opts.only ?? ALL_SUBGRAPHS).map((name) => ({
      name,
      url: (name !== 'admin' && urls[name]) || `in-process://${name}`,
      typeDefs: typeDefs(name),
    })),
  );
  if (result.errors) throw new CompositionError(result.errors.map((e) => e.message));
  return result.supergraphSdl;
}

export interface GatewayOptions {
  /** Schemas of the subgraphs that run in this process. */
  local: Partial<Record<AnySubgraph, GraphQLSchema>>;
  /** Subgraphs that run elsewhere. */
  remote: Partial<Record<SubgraphName, string>>;
  signingSecret: string;
  /** The in-process subgraphs' parsed operations: where reported and their byte bound. */
  documents?: InProcessDocuments;
}

/** Calls a remote subgraph with the caller's claims in the gateway-signed header. */
export class SignedRemoteDataSource extends RemoteGraphQLDataSource<RequestContext> {
  constructor(
    url: string,
    private readonly secret: string,
    private readonly subgraph = 'remote',
  ) {
    super({ url });
  }
  override process(options: GraphQLDataSourceProcessOptions<RequestContext>) {
    return traceSubgraphFetch(this.subgraph, 'http', options.request.operationName, () => super.process(options));
  }
  override willSendRequest({ request, context }: Parameters<NonNullable<RemoteGraphQLDataSource<RequestContext>['willSendRequest']>>[0]) {
    const ctx: Partial<RequestContext> = context;
    const requestId = ctx.requestId ?? randomUUID();
    request.http?.headers.set('x-request-id', requestId);
    if (ctx.principal)
      request.http?.headers.set(
        CLAIMS_HEADER,
        signClaims(ctx.principal, this.secret, { requestId, request, idempotencyKey: ctx.idempotencyKey }),
      );
    // W3C trace context of the fetch span, so the subgraph's spans join the request's trace.
    for (const [k, v] of Object.entries(injectTraceHeaders({}))) request.http?.headers.set(k, v);
  }
}

export function createGateway(o: GatewayOptions): ApolloGateway {
  // @apollo/gateway otherwise reports usage to Apollo (usage-reporting.api.apollographql.com) and
  // probes the AWS, Azure, GCP and Alibaba metadata addresses at every start. A gateway that
  // holds vendor secrets sends nothing anywhere it was not configured to. (Read by the
  // ApolloGateway constructor; the one place Portico writes process.env.)
  process.env.APOLLO_TELEMETRY_DISABLED = 'true';
  const supergraphSdl = composeSupergraph(o.remote, { forGateway: true });
  const documents = subgraphDocuments(o.documents);
  return new ApolloGateway({
    supergraphSdl,
    buildService: ({ name }): GraphQLDataSource => {
      const sub = name as AnySubgraph;
      const url = sub === 'admin' ? undefined : o.remote[sub];
      if (url) return new SignedRemoteDataSource(url, o.signingSecret, sub);
      const schema = o.local[sub];
      if (!schema) throw new Error(`Subgraph ${name} has neither a local schema nor a URL.`);
      return new InProcessDataSource(schema, sub, documents);
    },
  });
}
