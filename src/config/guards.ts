/**
 * What a request may ask for, per principal kind: document limits, rate limits, trusted documents,
 * and who may reach the sandbox tokens and /metrics.
 */
import { z } from 'zod';
import { bool, int, list, section } from './vars.js';

/** `name=value` pairs of request limits (PARTNER_LIMITS, ANONYMOUS_LIMITS). */
export const LIMIT_NAMES = ['depth', 'aliases', 'directives', 'duplicates', 'tokens', 'bytes', 'cost', 'writes'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
export type Limits = Record<LimitName, number>;

/** The variable that sets each user limit (errors name it; portico.config.ts `limits.user` maps to it). */
export const USER_LIMIT_VARS: Record<LimitName, string> = {
  depth: 'MAX_QUERY_DEPTH',
  aliases: 'MAX_ALIASES',
  directives: 'MAX_DIRECTIVES',
  duplicates: 'MAX_DUPLICATE_FIELDS',
  tokens: 'MAX_TOKENS',
  bytes: 'MAX_DOCUMENT_BYTES',
  cost: 'MAX_COST',
  writes: 'MAX_WRITES',
};
export const PRINCIPAL_KINDS = ['user', 'partner', 'anonymous'] as const;
export type PrincipalKind = (typeof PRINCIPAL_KINDS)[number];

const limitPairs = z
  .string()
  .regex(/^\s*[a-z]+=\d+\s*(,\s*[a-z]+=\d+\s*)*$/, 'must be name=value pairs, e.g. cost=200,aliases=5')
  .transform(
    (s) =>
      Object.fromEntries(
        s
          .split(',')
          .map((p) => p.split('=').map((x) => x.trim()) as [string, string])
          .map(([k, v]) => [k, Number(v)]),
      ) as Record<string, number>,
  );

export interface GuardsConfig {
  limits: { maxDepth: number; maxBodyBytes: number; maxJsonDepth: number; introspection: boolean };
  /** MAX_OPERATIONS_IN_FLIGHT (0: none), OPERATIONS_QUEUE_MAX, OPERATIONS_QUEUE_WAIT_MS. */
  operations: { maxInFlight: number; queueMax: number; queueWaitMs: number };
  /** Request limits per principal kind (`user` = staff and customers). */
  guards: {
    limits: Readonly<Record<PrincipalKind, Limits>>;
    trustedDocuments: 'off' | 'partners' | 'all';
    userRateLimitPerMinute: number;
    anonymousRateLimitPerMinute: number;
    trustProxy?: boolean | number | string[];
    corsOrigins: string[];
    partnerTokenCacheS: number;
    sandboxTokens: boolean;
    metrics: { token?: string; port?: number; host: string };
    claimsMaxAgeS: number;
  };
  partnerRateLimitPerMinute: number;
}

export const guards = section({
  vars: {
    MAX_QUERY_DEPTH: {
      schema: int(2, 100).prefault('15'),
      example: '15',
      doc: 'Maximum selection depth of an operation, introspection fields and fragments included (the standard introspection query is 15 deep; data queries at most 8). Over it: 400 QUERY_TOO_COMPLEX.',
    },
    MAX_ALIASES: {
      schema: int(0, 1000).prefault('15'),
      example: '15',
      doc: 'Maximum aliases in an operation (GraphQL Armor). Staff and customers; see PARTNER_LIMITS and ANONYMOUS_LIMITS.',
    },
    MAX_DIRECTIVES: { schema: int(0, 1000).prefault('20'), example: '20', doc: 'Maximum directives in an operation (GraphQL Armor).' },
    MAX_DUPLICATE_FIELDS: {
      schema: int(1, 1000).prefault('5'),
      example: '5',
      doc: 'Maximum times one selection set (inline fragments merged in) may select the same response key, e.g. `{ me { name name } }` is 2. GraphQL answers it once; the copies only cost validation. Over it: 400 QUERY_TOO_COMPLEX.',
    },
    MAX_TOKENS: {
      schema: int(50, 100_000).prefault('1000'),
      example: '1000',
      doc: 'Maximum lexical tokens in a document, counted by the graphql lexer before the document is parsed (the count of graphql `parse` with `maxTokens`).',
    },
    MAX_DOCUMENT_BYTES: {
      schema: int(256, 1_000_000).prefault('10240'),
      example: '10240',
      doc: 'Maximum size of the GraphQL document (the `query` string), bytes.',
    },
    MAX_COST: {
      schema: int(1, 1_000_000).prefault('1000'),
      example: '1000',
      doc: "Maximum estimated upstream calls of an operation, computed before execution from the connectors' weights and `first` arguments. Over it: 400 QUERY_TOO_COMPLEX, no upstream call.",
    },
    MAX_WRITES: {
      schema: int(1, 50).prefault('1'),
      example: '1',
      doc: 'Maximum mutation root fields one operation executes (aliases, fragments and @skip/@include counted as GraphQL runs them). One `Idempotency-Key` and one answer cover one write. Over it: 400 QUERY_TOO_COMPLEX, nothing runs.',
    },
    PARTNER_LIMITS: {
      schema: limitPairs.prefault('depth=15,aliases=5,directives=10,tokens=500,bytes=5120,cost=200'),
      example: 'cost=200,aliases=5',
      doc: 'Limits for partner tokens, as name=value pairs over depth, aliases, directives, duplicates, tokens, bytes, cost, writes; unset names keep the default shown.',
    },
    ANONYMOUS_LIMITS: {
      schema: limitPairs.prefault('depth=15,aliases=5,directives=5,tokens=300,bytes=4096,cost=10'),
      example: 'cost=10',
      doc: 'Limits for requests without a token (same names as PARTNER_LIMITS).',
    },
    MAX_OPERATIONS_IN_FLIGHT: {
      schema: int(0, 100_000).prefault('16'),
      example: '16',
      doc: 'GraphQL operations one process executes at once (answers served whole from the response cache do not count); the others wait their turn in a queue (OPERATIONS_QUEUE_MAX). Each operation in flight holds its live data until answered: 50 cold staff lists in flight held 185-265 MiB. 0 = no bound.',
    },
    OPERATIONS_QUEUE_MAX: {
      schema: int(0, 100_000).prefault('256'),
      example: '256',
      doc: 'Operations waiting for a turn (MAX_OPERATIONS_IN_FLIGHT) at most; past it an operation is refused at once: HTTP 503, `Retry-After: 1`, OVERLOADED, nothing run.',
    },
    OPERATIONS_QUEUE_WAIT_MS: {
      schema: int(1, 600_000).prefault('10000'),
      example: '10000',
      doc: 'Longest wait for a turn to execute, ms; past it the operation is refused: HTTP 503, `Retry-After: 1`, OVERLOADED, nothing run.',
    },
    MAX_BODY_BYTES: { schema: int(1024, 50_000_000).prefault('1048576'), example: '1048576', doc: 'Maximum request body size.' },
    MAX_JSON_DEPTH: {
      schema: int(2, 512).prefault('64'),
      example: '64',
      doc: "Maximum nesting of the JSON in a request's `variables` and `extensions` (POST body, GET query string, each operation of a batch), checked before anything else. Over it: 400 BAD_USER_INPUT.",
    },
    INTROSPECTION: {
      schema: bool.prefault('false'),
      example: 'false',
      doc: 'Allow introspection without a token (the whole schema). With a token, introspection always shows only what the caller can reach.',
      dev: 'true',
    },
    TRUSTED_DOCUMENTS: {
      schema: z.enum(['off', 'partners', 'all']).prefault('partners'),
      example: 'partners',
      doc: "Who may run only registered operations (clients/generated/persisted-documents.json, or the partner token's own list): `partners`, `all` (every token; anonymous introspection aside) or `off`. Production always refuses APQ registration of unknown documents by partners.",
      dev: 'off',
    },
    USER_RATE_LIMIT_PER_MINUTE: {
      schema: int(1, 1_000_000).prefault('1200'),
      example: '1200',
      doc: 'Requests a minute per user token subject (shared through Redis); over it: HTTP 429 with Retry-After.',
    },
    PARTNER_RATE_LIMIT_PER_MINUTE: {
      schema: int(1, 1_000_000).prefault('600'),
      example: '600',
      doc: 'Requests a minute each partner token may make (shared across instances through Redis); over it: HTTP 429 with Retry-After.',
    },
    ANONYMOUS_RATE_LIMIT_PER_MINUTE: {
      schema: int(1, 1_000_000).prefault('300'),
      example: '300',
      doc: 'Requests a minute per client IP without a valid token (shared through Redis); over it: HTTP 429 with Retry-After.',
    },
    TRUST_PROXY: {
      schema: z.string().min(1),
      example: '10.0.0.0/8',
      doc: 'Proxies whose X-Forwarded-For is believed for the client IP (Fastify trustProxy: `true`, a hop count, or addresses/CIDRs). Unset = the socket address.',
    },
    CORS_ORIGINS: {
      schema: list.pipe(z.array(z.url())),
      example: 'https://portal.example.com,https://admin.example.com',
      doc: 'Browser origins allowed to call the API cross-origin (@fastify/cors). Empty = none.',
    },
    PARTNER_TOKEN_CACHE_S: {
      schema: int(0, 300).prefault('30'),
      example: '30',
      doc: 'While Redis is unreachable, a partner token verified in the last N seconds stays accepted; a revocation therefore takes effect within N seconds on every instance. 0 = refuse partner tokens while Redis is down.',
    },
    SANDBOX_TOKENS: {
      schema: bool,
      example: 'true',
      doc: 'Serve POST /sandbox/token (unauthenticated dev tokens, admin included). Default only with the bundled simulators on a loopback HOST, and only to loopback callers; refused in production.',
      refusedInProduction: {
        when: (on: boolean) => on,
        message: 'SANDBOX_TOKENS=true is refused in production: it hands out admin tokens without authentication. Remove SANDBOX_TOKENS.',
      },
    },
    METRICS_TOKEN: {
      schema: z.string().min(16, 'must be at least 16 characters'),
      example: '$(openssl rand -base64 24)',
      secret: true,
      doc: 'Bearer token required by /metrics. In production /metrics is served only with METRICS_TOKEN or on METRICS_PORT.',
    },
    METRICS_PORT: { schema: int(0, 65535), example: '9464', doc: 'Serve /metrics on this port (on METRICS_HOST) instead of the API port.' },
    METRICS_HOST: { schema: z.string().min(1).prefault('127.0.0.1'), example: '0.0.0.0', doc: 'Interface of the METRICS_PORT listener.' },
    SUBGRAPH_CLAIMS_MAX_AGE_S: {
      schema: int(1, 60).prefault('10'),
      example: '10',
      doc: 'Lifetime of the signed claims header sent to remote subgraphs; it is also bound to the request id and a hash of the subgraph request body.',
    },
  },
  build: (v, { prod, sims, all, problem }): GuardsConfig => {
    const user: Limits = {
      depth: v.MAX_QUERY_DEPTH,
      aliases: v.MAX_ALIASES,
      directives: v.MAX_DIRECTIVES,
      duplicates: v.MAX_DUPLICATE_FIELDS,
      tokens: v.MAX_TOKENS,
      bytes: v.MAX_DOCUMENT_BYTES,
      cost: v.MAX_COST,
      writes: v.MAX_WRITES,
    };
    // A kind's limits: the user limits, then the kind's defaults, then the names it was given.
    const kindLimits = (name: 'PARTNER_LIMITS' | 'ANONYMOUS_LIMITS', given: Record<string, number>): Limits => {
      const spec = guards.vars[name];
      const out = { ...user, ...spec.schema.parse(undefined) };
      for (const [k, n] of Object.entries(given)) {
        if ((LIMIT_NAMES as readonly string[]).includes(k)) out[k as LimitName] = n;
        else problem(`${name} names an unknown limit "${k}". Known: ${LIMIT_NAMES.join(', ')}. Example: ${name}=${spec.example}`);
      }
      return out;
    };
    const loopbackHost = ['127.0.0.1', '::1', 'localhost'].includes(String(all.HOST));
    const t = v.TRUST_PROXY;
    return {
      limits: {
        maxDepth: v.MAX_QUERY_DEPTH,
        maxBodyBytes: v.MAX_BODY_BYTES,
        maxJsonDepth: v.MAX_JSON_DEPTH,
        introspection: v.INTROSPECTION,
      },
      operations: { maxInFlight: v.MAX_OPERATIONS_IN_FLIGHT, queueMax: v.OPERATIONS_QUEUE_MAX, queueWaitMs: v.OPERATIONS_QUEUE_WAIT_MS },
      guards: {
        limits: {
          user,
          partner: kindLimits('PARTNER_LIMITS', v.PARTNER_LIMITS),
          anonymous: kindLimits('ANONYMOUS_LIMITS', v.ANONYMOUS_LIMITS),
        },
        trustedDocuments: v.TRUSTED_DOCUMENTS,
        userRateLimitPerMinute: v.USER_RATE_LIMIT_PER_MINUTE,
        anonymousRateLimitPerMinute: v.ANONYMOUS_RATE_LIMIT_PER_MINUTE,
        trustProxy: t === undefined ? undefined : t === 'true' ? true : /^\d+$/.test(t) ? Number(t) : t.split(',').map((x) => x.trim()),
        corsOrigins: v.CORS_ORIGINS ?? [],
        partnerTokenCacheS: v.PARTNER_TOKEN_CACHE_S,
        // Unauthenticated admin tokens: only next to the bundled simulators on a loopback interface, unless asked for.
        sandboxTokens: !prod && (v.SANDBOX_TOKENS ?? (sims && loopbackHost)),
        metrics: { token: v.METRICS_TOKEN, port: v.METRICS_PORT, host: v.METRICS_HOST },
        claimsMaxAgeS: v.SUBGRAPH_CLAIMS_MAX_AGE_S,
      },
      partnerRateLimitPerMinute: v.PARTNER_RATE_LIMIT_PER_MINUTE,
    };
  },
});
