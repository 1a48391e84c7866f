/**
 * The request guards between authentication and execution, as one Apollo Server plugin:
 * - an operation that cannot be picked (unknown `operationName`, several unnamed) is a 400 request error;
 * - GraphQL Armor's limits (aliases, depth with introspection, directives) per principal kind;
 * - Portico's cost (estimated upstream calls) per principal kind, and the writes (mutation root fields) per operation;
 * - trusted documents: partners (or every token) run only registered operations; partners never
 *   register new APQ documents in production;
 * - no field suggestions ("Did you mean ...?") for anonymous callers and partners, nor for anyone in production.
 * Everything here runs before execution, so a refused operation makes no upstream call.
 */
import type { ApolloServerPlugin } from '@apollo/server';
import { blockFieldSuggestionsPlugin } from '@escape.tech/graphql-armor-block-field-suggestions';
import { GraphQLError } from 'graphql';
import type { RequestContext } from '../auth/context.js';
import type { Config } from '../config/index.js';
import { ErrorCode } from '../errors/index.js';
import { introspectionKind } from '../gateway/introspection.js';
import { estimateUpstreamCalls, upstreamCallsEstimator } from './cost.js';
import type { CostTable } from './cost-model.js';
import { checkDocument, TooComplexError, type SourceCheck } from './limits.js';
import type { TrustedDocuments } from './trusted-documents.js';
import { writeKeys } from './writes.js';

export interface GuardsOptions {
  guards: Config['guards'];
  /** Upstream calls per field of the vendors in use (upstreamCosts). */
  costs: CostTable;
  production: boolean;
  trusted: TrustedDocuments;
  /** The size and token check the HTTP layer uses too (one memo). */
  checkSource: SourceCheck;
}

/** GraphQL Armor's suggestion mask, applied to validation errors through its own end-of-validation hook. */
const hideInValidation = (
  blockFieldSuggestionsPlugin() as {
    onValidate: () => (p: { valid: boolean; result: readonly GraphQLError[]; setResult(r: GraphQLError[]): void }) => void;
  }
).onValidate();
/** Variable coercion and other errors suggest too ("Did you mean the enum value ...?"). */
const SUGGESTION = /\s*Did you mean [^?]*\?/g;

const requestError = (code: ErrorCode, message: string, status = 400) =>
  new GraphQLError(message, { extensions: { code, http: { status } } });

export function guardsPlugin(o: GuardsOptions): ApolloServerPlugin<RequestContext> {
  const { guards } = o;
  const estimator = upstreamCallsEstimator(o.costs);
  return {
    async requestDidStart({ contextValue }) {
      const principal = contextValue.principal;
      const kind = principal.kind;
      const limits = guards.limits[kind];
      const hideSuggestions = o.production || kind !== 'user';
      return {
        async validationDidStart() {
          if (!hideSuggestions) return;
          return async (errors) => {
            if (errors?.length) hideInValidation({ valid: false, result: errors as readonly GraphQLError[], setResult: () => undefined });
          };
        },
        async didResolveOperation({ request, document, operation, schema, source, queryHash, metrics }) {
          if (!operation) {
            throw requestError(
              ErrorCode.OPERATION_RESOLUTION_FAILURE,
              request.operationName
                ? `The document has no operation named ${JSON.stringify(request.operationName)}.`
                : 'The document has several operations: say which one to run with "operationName".',
            );
          }
          const intro = introspectionKind(operation, document);
          // Documents fetched by APQ hash were not seen by the HTTP layer's size and token check.
          if (metrics.persistedQueryHit) {
            const tooBig = o.checkSource(source, kind, limits);
            if (tooBig) throw tooBig;
          }
          const trustedOnly = kind === 'partner' ? guards.trustedDocuments !== 'off' : kind === 'user' && guards.trustedDocuments === 'all';
          const registersNew = kind === 'partner' && o.production && metrics.persistedQueryRegister;
          if ((trustedOnly || registersNew) && intro !== 'introspection' && !o.trusted.allows(queryHash, principal)) {
            throw requestError(
              ErrorCode.FORBIDDEN,
              registersNew && !trustedOnly
                ? 'Partners cannot register new persisted queries in production; use an operation of the published manifest.'
                : `Only registered operations may run with this token (TRUSTED_DOCUMENTS=${guards.trustedDocuments}): send an operation of clients/generated/persisted-documents.json${kind === 'partner' ? " or of the partner token's own list" : ''}.`,
              403,
            );
          }
          const refused = checkDocument(schema, document, kind, limits);
          if (refused) throw refused;
          let cost: number;
          try {
            cost = estimateUpstreamCalls(schema, document, request.variables ?? undefined, request.operationName ?? undefined, estimator);
          } catch (err) {
            // graphql-query-complexity stops at 10,000 selections once fragments are expanded (fragments spreading fragments).
            if (err instanceof GraphQLError && /maximum allowed number of nodes/.test(err.message))
              throw new TooComplexError(
                kind,
                'cost',
                limits.cost,
                'The operation selects more than 10,000 fields once its fragments are expanded.',
              );
            throw requestError(
              ErrorCode.BAD_USER_INPUT,
              err instanceof GraphQLError ? err.message : 'The variables do not match the operation.',
            );
          }
          if (cost > limits.cost)
            throw new TooComplexError(kind, 'cost', limits.cost, `The operation may make up to ${cost} upstream calls.`);
          const writes = writeKeys(operation, document, request.variables ?? {});
          if (writes.length > limits.writes)
            throw new TooComplexError(
              kind,
              'writes',
              limits.writes,
              `The operation has ${writes.length} writes (mutation fields ${writes.join(', ')}); send each write as its own request.`,
            );
        },
        async willSendResponse({ response }) {
          if (!hideSuggestions || response.body.kind !== 'single') return;
          for (const e of response.body.singleResult.errors ?? [])
            if (/Did you mean/.test(e.message)) (e as { message: string }).message = e.message.replace(SUGGESTION, '').trim();
        },
      };
    },
  };
}
