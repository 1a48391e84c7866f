/**
 * Request limits per principal kind, enforced with GraphQL Armor's rules: max aliases (`__typename`
 * aliases counted), max depth (introspection fields and fragments counted), max directives, max
 * tokens (its counting parser), plus the document size and the repeats of one response key. Every refusal is 400 QUERY_TOO_COMPLEX naming the limit, the allowed value
 * and the setting that changes it, before anything runs.
 */
import { maxAliasesRule } from '@escape.tech/graphql-armor-max-aliases';
import { maxDepthRule } from '@escape.tech/graphql-armor-max-depth';
import { maxDirectivesRule } from '@escape.tech/graphql-armor-max-directives';
import { createLocalCaches, stringBytes, type LocalCaches } from '../platform/local-cache.js';
import {
  GraphQLError,
  Kind,
  Lexer,
  Source,
  TokenKind,
  validate,
  type DocumentNode,
  type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';
import type { Principal } from '../auth/principal.js';
import { USER_LIMIT_VARS, type LimitName, type Limits } from '../config/index.js';
import { ErrorCode } from '../errors/index.js';

/** The setting that changes a limit for a principal kind, e.g. `PARTNER_LIMITS cost=200`. */
export function settingOf(kind: Principal['kind'], limit: LimitName, value: number): string {
  if (kind === 'partner') return `PARTNER_LIMITS ${limit}=${value}`;
  if (kind === 'anonymous') return `ANONYMOUS_LIMITS ${limit}=${value}`;
  return `${USER_LIMIT_VARS[limit]}=${value}`;
}

const WHO: Record<Principal['kind'], string> = { user: 'this token', partner: 'partner tokens', anonymous: 'requests without a token' };

export class TooComplexError extends GraphQLError {
  constructor(kind: Principal['kind'], limit: LimitName, allowed: number, detail: string) {
    super(`${detail} The ${limit} limit for ${WHO[kind]} is ${allowed} (${settingOf(kind, limit, allowed)}).`, {
      extensions: { code: ErrorCode.QUERY_TOO_COMPLEX, limit, allowed, http: { status: 400 } },
    });
  }
}

/** Checks a document's size and token count before it is parsed for execution. */
export type SourceCheck = (source: string, kind: Principal['kind'], limits: Limits) => TooComplexError | undefined;

/**
 * The size and token check of documents, remembering the documents whose tokens were counted
 * within a limit (by token limit and text): clients send the same few documents again and again,
 * and counting means lexing the whole text. The memo is bounded by `maxBytes` of text
 * (TOKEN_COUNTS_MAX_BYTES) and reported as `cache="token_counts"`.
 */
export function createSourceCheck(o: { caches?: LocalCaches; maxBytes?: number } = {}): SourceCheck {
  const withinTokens = (o.caches ?? createLocalCaches()).lru<string, true>({
    name: 'token_counts',
    maxBytes: o.maxBytes ?? 4 * 1024 * 1024,
    sizeOf: (_v, memo) => stringBytes(memo),
  });
  return (source, kind, limits) => {
    const bytes = Buffer.byteLength(source);
    if (bytes > limits.bytes) return new TooComplexError(kind, 'bytes', limits.bytes, `The document is ${bytes} bytes.`);
    const memo = `${limits.tokens}:${source}`;
    if (withinTokens.has(memo)) return undefined;
    const within = withinTokenLimit(source, limits.tokens);
    if (within === false) return new TooComplexError(kind, 'tokens', limits.tokens, `The document has more than ${limits.tokens} tokens.`);
    // A syntax error (undefined) is the parser's to report, with its locations.
    if (within) withinTokens.set(memo, true);
    return undefined;
  };
}

/**
 * Counts the document's tokens as graphql's parser does with `maxTokens` (every token but the
 * end, comments skipped) with its lexer alone: no syntax tree is built, so a new document is
 * parsed once per request, by the executor, not first by the check too. Stops at the first token
 * past the limit. undefined = the lexer found a syntax error (left to the parser to report).
 */
export function withinTokenLimit(source: string, limit: number): boolean | undefined {
  const lexer = new Lexer(new Source(source));
  let count = 0;
  try {
    for (let token = lexer.advance(); token.kind !== TokenKind.EOF; token = lexer.advance()) if (++count > limit) return false;
  } catch (err) {
    if (err instanceof GraphQLError) return undefined;
    throw err;
  }
  return true;
}

const found = (message: string) => Number(/found (\d+)/.exec(message)?.[1] ?? NaN);

/**
 * The response key most repeated within one selection set, inline fragments merged in as GraphQL
 * merges them (`{ me { name name } }`, `{ me { ... on Customer { name } name } }`). GraphQL
 * answers a repeated key once, so copies add nothing but validation work (field merging is
 * quadratic in them); graphql-cop sends 500. Named fragments are counted in their own definition
 * (a spread repeated is collected once). One pass over the document's nodes.
 */
export function mostRepeatedKey(document: DocumentNode): { key: string; count: number } | undefined {
  let most: { key: string; count: number } | undefined;
  const sets: SelectionSetNode[] = [];
  for (const def of document.definitions) if ('selectionSet' in def && def.selectionSet) sets.push(def.selectionSet);
  while (sets.length > 0) {
    const counts = new Map<string, number>();
    const merged = [sets.pop()!];
    while (merged.length > 0)
      for (const sel of merged.pop()!.selections) {
        if (sel.kind === Kind.INLINE_FRAGMENT) merged.push(sel.selectionSet);
        if (sel.kind !== Kind.FIELD) continue;
        const key = sel.alias?.value ?? sel.name.value;
        const count = (counts.get(key) ?? 0) + 1;
        counts.set(key, count);
        if (!most || count > most.count) most = { key, count };
        if (sel.selectionSet) sets.push(sel.selectionSet);
      }
  }
  return most;
}

/** Repeated response keys, then aliases, depth and directives of a parsed document (GraphQL Armor's visitors). */
export function checkDocument(
  schema: GraphQLSchema,
  document: DocumentNode,
  kind: Principal['kind'],
  limits: Limits,
): TooComplexError | undefined {
  const repeated = mostRepeatedKey(document);
  if (repeated && repeated.count > limits.duplicates)
    return new TooComplexError(
      kind,
      'duplicates',
      limits.duplicates,
      `The operation selects ${JSON.stringify(repeated.key)} ${repeated.count} times in one selection set; select each field once.`,
    );
  let refused: TooComplexError | undefined;
  const on = (limit: LimitName, what: string) => ({
    n: limits[limit],
    propagateOnRejection: false,
    onReject: [
      (_ctx: unknown, err: GraphQLError) =>
        void (refused ??= new TooComplexError(kind, limit, limits[limit], `The operation has ${found(err.message)} ${what}.`)),
    ],
  });
  validate(schema, document, [
    // Armor leaves `__typename` aliases out by default: `{ a0: __typename ... a999: __typename }` is as many aliases as any.
    maxAliasesRule({ ...on('aliases', 'aliases'), allowList: [] }),
    maxDepthRule({ ...on('depth', 'levels of selections'), ignoreIntrospection: false, flattenFragments: true }),
    maxDirectivesRule(on('directives', 'directives')),
  ]);
  return refused;
}
