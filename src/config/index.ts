/**
 * The only reader of process.env. Each concern is one zod model; `loadConfig` parses them all
 * once, reports every problem with the variable's name and an example of a good value, and
 * returns one frozen, typed config that is passed down.
 */
import { z } from 'zod';

export const DEV_JWT_SECRET = 'portico-dev-only-secret-change-me-0000000000';
export const DEV_SUBGRAPH_SECRET = 'portico-dev-only-subgraph-secret-000000000';
export const DEV_PARTNER_SECRET = 'portico-dev-only-partner-secret-0000000000';
/** Development webhook secrets: the bundled simulators sign with them. Production refuses them. */
export const DEV_STRIPE_WEBHOOK_SECRET = 'whsec_portico_dev_only_0000000000000000';
export const DEV_HUBSPOT_CLIENT_SECRET = 'portico-dev-only-hubspot-client-secret-0000';
export const DEV_ZENDESK_WEBHOOK_SECRET = 'portico-dev-only-zendesk-webhook-secret-000';
/** Development key of the audit log's HMAC chain. Production refuses it (anyone could re-sign a rewritten log). */
export const DEV_AUDIT_HMAC_KEY = 'portico-dev-only-audit-hmac-key-00000000000';

const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

/** `name=value` pairs of request limits (PARTNER_LIMITS, ANONYMOUS_LIMITS). */
export const LIMIT_NAMES = ['depth', 'aliases', 'directives', 'duplicates', 'tokens', 'bytes', 'cost', 'writes'] as const;
export type LimitName = (typeof LIMIT_NAMES)[number];
export type Limits = Record<LimitName, number>;
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

/** One entry per environment variable: its parser, the example printed on error, and what it does. */
interface VarSpec {
  schema: z.ZodType;
  example: string;
  doc: string;
  default?: string | ((env: Env) => string | undefined);
}
type Env = Record<string, string | undefined>;

/** Default cache TTLs (seconds) per upstream record type; CACHE_TTLS overrides any of them. */
export const CACHE_TTL_DEFAULTS = {
  contact: 300,
  search: 30,
  account: 300,
  invoices: 120,
  cards: 300,
  zuser: 3600,
  tickets: 60,
  comments: 120,
  documents: 60,
} as const;
export type CacheType = keyof typeof CACHE_TTL_DEFAULTS;

const isDev = (env: Env) => (env.NODE_ENV ?? 'development') !== 'production';

/**
 * The configuration table. README's table is generated from the same entries (`npm run config:doc`),
 * so documentation and code cannot drift apart.
 */
export const VARS = {
  NODE_ENV: {
    schema: z.enum(['development', 'test', 'production']),
    example: 'production',
    doc: 'Environment. `production` refuses insecure settings.',
    default: 'development',
  },
  HOST: { schema: z.string().min(1), example: '0.0.0.0', doc: 'Interface to listen on.', default: '127.0.0.1' },
  PORT: { schema: int(0, 65535), example: '4000', doc: 'Port to listen on (0 = any free port).', default: '4000' },
  LOG_LEVEL: {
    schema: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']),
    example: 'info',
    doc: 'Log level (pino).',
    default: 'info',
  },
  REDIS_KEY_PREFIX: {
    schema: z.string().regex(/^[a-z0-9_-]+$/),
    example: 'prod',
    doc: 'Prefix of every Redis key, so environments sharing a Redis never collide. Defaults to NODE_ENV.',
    default: (env) => env.NODE_ENV ?? 'development',
  },

  AUTH_JWT_ALGORITHMS: {
    schema: list.pipe(z.array(z.enum(['HS256', 'HS384', 'HS512', 'RS256', 'RS384', 'RS512', 'ES256', 'ES384', 'PS256'])).min(1)),
    example: 'RS256',
    doc: 'Allowed JWT signature algorithms (comma-separated). Tokens signed otherwise are rejected.',
    default: 'HS256',
  },
  AUTH_JWT_SECRET: {
    schema: z.string().min(32, 'must be at least 32 characters'),
    example: '$(openssl rand -base64 48)',
    doc: 'HMAC secret for HS* tokens. Development has a built-in one; production has none.',
    default: (env) => (isDev(env) ? DEV_JWT_SECRET : undefined),
  },
  AUTH_JWT_PUBLIC_KEY: {
    schema: z.string().includes('BEGIN'),
    example: '"-----BEGIN PUBLIC KEY-----\\n..."',
    doc: 'PEM public key for RS*/ES*/PS* tokens (alternative to a JWKS URL).',
  },
  AUTH_JWKS_URL: {
    schema: z.url(),
    example: 'https://example.eu.auth0.com/.well-known/jwks.json',
    doc: 'JWKS of the identity provider for RS*/ES*/PS* tokens (keys cached, unknown kid re-fetched at most 10 times a minute).',
  },
  PARTNER_TOKEN_SECRET: {
    schema: z.string().min(32, 'must be at least 32 characters'),
    example: '$(openssl rand -base64 48)',
    doc: 'HMAC secret of the partner tokens Portico mints. Development has a built-in one.',
    default: (env) => (isDev(env) ? DEV_PARTNER_SECRET : undefined),
  },
  AUTH_ISSUER: {
    schema: z.string().min(1),
    example: 'https://example.eu.auth0.com/',
    doc: 'Required `iss` of user tokens.',
    default: (env) => (isDev(env) ? 'portico-dev' : undefined),
  },
  AUTH_AUDIENCE: {
    schema: z.string().min(1),
    example: 'https://api.example.com',
    doc: 'Required `aud` of user tokens.',
    default: 'portico',
  },
  AUTH_ROLES_CLAIM: {
    schema: z.string().min(1),
    example: 'https://example.com/roles',
    doc: 'Claim holding the role(s): a string or an array of `customer`, `agent`, `admin`.',
    default: 'roles',
  },
  AUTH_CUSTOMER_ID_CLAIM: {
    schema: z.string().min(1),
    example: 'crm_contact_id',
    doc: "Claim holding a customer's CRM contact id (falls back to `sub`).",
    default: 'crm_contact_id',
  },
  AUTH_CLOCK_TOLERANCE_S: { schema: int(0, 300), example: '30', doc: 'Seconds of clock skew allowed for `exp`/`nbf`.', default: '30' },

  SIMULATORS: {
    schema: bool,
    example: 'false',
    doc: 'Run against the bundled upstream simulators (started in-process). Default on outside production when no vendor is configured; refused in production.',
    default: (env) =>
      isDev(env) && !env.HUBSPOT_BASE_URL && !env.STRIPE_SECRET_KEY && !env.ZENDESK_BASE_URL && !env.S3_BUCKET ? 'true' : 'false',
  },
  SIM_LATENCY_MS: { schema: int(0, 60000), example: '20', doc: 'Added latency of every simulated upstream call.', default: '0' },
  CRM_VENDOR: {
    schema: z.enum(['hubspot', 'salesforce']),
    example: 'salesforce',
    doc: 'Which CRM serves contacts (src/vendors/<vendor>): its connector, limits and change feed. The schema and behaviour are the same with each.',
    default: 'hubspot',
  },
  HUBSPOT_BASE_URL: { schema: z.url(), example: 'https://api.hubapi.com', doc: 'HubSpot API base URL.', default: 'https://api.hubapi.com' },
  HUBSPOT_ACCESS_TOKEN: {
    schema: z.string().min(8),
    example: 'pat-na1-...',
    doc: 'HubSpot private app access token (scope crm.objects.contacts.read/write).',
  },
  SALESFORCE_INSTANCE_URL: {
    schema: z.url(),
    example: 'https://acme.my.salesforce.com',
    doc: "The org's My Domain URL (REST API v62.0 under it). Needed with CRM_VENDOR=salesforce.",
  },
  SALESFORCE_TOKEN_URL: {
    schema: z.url(),
    example: 'https://acme.my.salesforce.com/services/oauth2/token',
    doc: "The org's OAuth 2.0 token endpoint (client credentials flow of a connected app). Needed with CRM_VENDOR=salesforce.",
  },
  SALESFORCE_CLIENT_ID: {
    schema: z.string().min(8),
    example: '3MVG9...',
    doc: "The connected app's consumer key (client credentials flow, run-as user with API access to Contact and Account).",
  },
  SALESFORCE_CLIENT_SECRET: {
    schema: z.string().min(8),
    example: '<consumer secret>',
    doc: "The connected app's consumer secret. Never logged.",
  },
  SALESFORCE_SESSION_LIFETIME_S: {
    schema: int(300, 86400),
    example: '7200',
    doc: "The org's session timeout: access tokens are replaced 5 minutes before it (and once on a 401).",
    default: '7200',
  },
  SALESFORCE_POLL_INTERVAL_S: {
    schema: int(1, 3600),
    example: '30',
    doc: "How often contact changes are polled (Get Updated / Get Deleted; Salesforce's REST API has no signed contact webhooks). Each poll costs 2 API requests plus 1 per 200 changed contacts.",
    default: '30',
  },
  STRIPE_API_BASE: { schema: z.url(), example: 'https://api.stripe.com', doc: 'Stripe API base URL.', default: 'https://api.stripe.com' },
  STRIPE_SECRET_KEY: {
    schema: z.string().regex(/^(sk|rk)_(test|live)_/, 'must start with sk_ or rk_ (restricted key)'),
    example: 'rk_live_...',
    doc: 'Stripe secret or restricted key.',
  },
  ZENDESK_BASE_URL: { schema: z.url(), example: 'https://acme.zendesk.com', doc: 'Zendesk Support base URL.' },
  ZENDESK_EMAIL: { schema: z.string().email(), example: 'api@acme.com', doc: 'Zendesk agent email for API-token auth.' },
  ZENDESK_API_TOKEN: { schema: z.string().min(8), example: 'abc123...', doc: 'Zendesk API token.' },
  S3_BUCKET: {
    schema: z.string().min(3),
    example: 'acme-portal-files',
    doc: 'Bucket holding customer documents under `customers/<crmId>/`.',
  },
  S3_REGION: { schema: z.string().min(1), example: 'eu-west-1', doc: 'S3 region.', default: 'us-east-1' },
  S3_ENDPOINT: {
    schema: z.url(),
    example: 'https://s3.eu-west-1.amazonaws.com',
    doc: 'Custom S3-compatible endpoint (MinIO, R2...). Empty = AWS.',
  },
  S3_FORCE_PATH_STYLE: {
    schema: bool,
    example: 'true',
    doc: 'Path-style bucket addressing (needed by most S3-compatible servers).',
    default: 'false',
  },
  S3_ACCESS_KEY_ID: {
    schema: z.string().min(3),
    example: 'AKIA...',
    doc: 'S3 access key id. Empty = the AWS default credential chain (IAM role).',
  },
  S3_SECRET_ACCESS_KEY: { schema: z.string().min(3), example: '...', doc: 'S3 secret access key.' },
  S3_PRESIGN_TTL_S: { schema: int(10, 3600), example: '300', doc: 'Lifetime of presigned download URLs, seconds.', default: '300' },
  S3_UPLOAD_TTL_S: {
    schema: int(1, 3600),
    example: '300',
    doc: 'Lifetime of a presigned upload (POST policy `expiration`), seconds.',
    default: '300',
  },
  S3_UPLOAD_MAX_BYTES: {
    schema: int(1, 5 * 1024 ** 3),
    example: '26214400',
    doc: 'Largest document a customer may upload, bytes; S3 enforces it through the policy (`content-length-range`).',
    default: '26214400',
  },

  UPSTREAM_TIMEOUT_MS: {
    schema: int(50, 120000),
    example: '5000',
    doc: 'Deadline of one upstream call including retries.',
    default: '5000',
  },
  UPSTREAM_RETRIES: {
    schema: int(0, 10),
    example: '2',
    doc: 'Retries of idempotent upstream calls on network errors, 5xx and 429.',
    default: '2',
  },

  UPSTREAM_BREAKER_VOLUME: {
    schema: int(1, 100000),
    example: '20',
    doc: 'Calls to one system in a rolling 10 s before its circuit may open (at 50% failures); then calls fail fast with UPSTREAM_UNAVAILABLE.',
    default: '20',
  },
  UPSTREAM_BREAKER_RESET_MS: {
    schema: int(100, 600000),
    example: '5000',
    doc: 'How long an open circuit waits before a trial call.',
    default: '5000',
  },
  UPSTREAM_RETRY_BUDGET: {
    schema: z.coerce.number().min(0).max(1),
    example: '0.2',
    doc: 'Share of calls to one system (rolling 10 s) that may be retries, on top of 10 always allowed; past it failed attempts are not retried, so retries never multiply the load on a failing vendor.',
    default: '0.2',
  },
  VENDOR_BUDGETS: {
    schema: z
      .string()
      .regex(
        /^\s*[a-z0-9]+(\.[a-z0-9_]+)?=\d+\/\d+s\s*(,\s*[a-z0-9]+(\.[a-z0-9_]+)?=\d+\/\d+s\s*)*$/,
        'must be vendor[.class]=requests/windows, comma-separated',
      ),
    example: 'zendesk=400/60s,hubspot=100/10s',
    doc: 'Requests per window each vendor (and endpoint class) allows, shared by every instance through Redis; overrides the published defaults stripe=100/1s, stripe.search=20/1s, hubspot=190/10s, hubspot.search=5/1s, zendesk=700/60s, s3=5500/1s. Interactive reads first; over budget a call waits briefly, then its field fails with RATE_LIMITED and a retry hint.',
  },
  SUBGRAPH_URL_CRM: {
    schema: z.url(),
    example: 'http://crm-subgraph:4001/graphql',
    doc: 'Run the CRM subgraph remotely at this URL instead of in-process.',
  },
  SUBGRAPH_URL_BILLING: { schema: z.url(), example: 'http://billing:4002/graphql', doc: 'Same for billing.' },
  SUBGRAPH_URL_FILES: { schema: z.url(), example: 'http://files:4003/graphql', doc: 'Same for files.' },
  SUBGRAPH_URL_SUPPORT: { schema: z.url(), example: 'http://support:4004/graphql', doc: 'Same for support.' },
  SUBGRAPH_SIGNING_SECRET: {
    schema: z.string().min(32, 'must be at least 32 characters'),
    example: '$(openssl rand -base64 48)',
    doc: 'HMAC secret of the claims header the gateway sends to remote subgraphs.',
    default: (env) => (isDev(env) ? DEV_SUBGRAPH_SECRET : undefined),
  },

  REDIS_URL: {
    schema: z.string().regex(/^rediss?:\/\//, 'must be a redis:// or rediss:// URL'),
    example: 'redis://:password@redis:6379/0',
    doc: 'Redis for the shared cache, persisted queries, partner tokens and the webhook queue. Without it `npm start` runs a local redis-server (LOCAL_REDIS), or falls back to process memory with webhooks off; production refuses to start.',
  },
  REDIS_COMMAND_TIMEOUT_MS: {
    schema: int(5, 5000),
    example: '50',
    doc: 'Deadline of a cache read from a Redis that has sent nothing for a second (one that has is busy, not hung: waited for, up to 5 s); past it the read counts as a miss and goes to the vendor.',
    default: '50',
  },
  CACHE_ENABLED: {
    schema: bool,
    example: 'false',
    doc: 'Cache upstream records. Off = every read goes to the upstreams.',
    default: 'true',
  },
  CACHE_TTLS: {
    schema: z.string().regex(/^(\s*[a-z]+=\d+\s*)(,\s*[a-z]+=\d+\s*)*$/, 'must be type=seconds pairs'),
    example: 'contact=300,invoices=60',
    doc: `Cache TTL in seconds per record type; defaults: ${Object.entries(CACHE_TTL_DEFAULTS)
      .map(([k, v]) => `${k}=${v}`)
      .join(', ')}.`,
  },
  RESPONSE_CACHE_TTL_S: {
    schema: int(0, 86400),
    example: '30',
    doc: 'Lifetime of cached whole responses of customer-scoped queries (`me`, `customer(id:)`), keyed by what decides visibility and dropped by the customer purge that writes and webhooks use. 0 = off; off when CACHE_ENABLED=false.',
    default: '30',
  },
  PARTNER_RATE_LIMIT_PER_MINUTE: {
    schema: int(1, 1_000_000),
    example: '600',
    doc: 'Requests a minute each partner token may make (shared across instances through Redis); over it: HTTP 429 with Retry-After.',
    default: '600',
  },
  SANDBOX: {
    schema: bool,
    example: 'true',
    doc: 'Serve the GraphiQL sandbox at /sandbox. Default on outside production; in production it has no persona picker and every call needs a token.',
    default: (env) => (isDev(env) ? 'true' : 'false'),
  },
  MAX_QUERY_DEPTH: {
    schema: int(2, 100),
    example: '15',
    doc: 'Maximum selection depth of an operation, introspection fields and fragments included (the standard introspection query is 15 deep; data queries at most 8). Over it: 400 QUERY_TOO_COMPLEX.',
    default: '15',
  },
  MAX_BODY_BYTES: { schema: int(1024, 50_000_000), example: '1048576', doc: 'Maximum request body size.', default: '1048576' },
  MAX_JSON_DEPTH: {
    schema: int(2, 512),
    example: '64',
    doc: "Maximum nesting of the JSON in a request's `variables` and `extensions` (POST body, GET query string, each operation of a batch), checked before anything else. Over it: 400 BAD_USER_INPUT.",
    default: '64',
  },
  INTROSPECTION: {
    schema: bool,
    example: 'false',
    doc: 'Allow introspection without a token (the whole schema). With a token, introspection always shows only what the caller can reach.',
    default: (env) => (isDev(env) ? 'true' : 'false'),
  },

  STRIPE_WEBHOOK_SECRETS: {
    schema: list.pipe(z.array(z.string().regex(/^whsec_\w{8,}$/, 'each must be a Stripe signing secret (whsec_...)')).min(1)),
    example: 'whsec_new...,whsec_old...',
    doc: 'Signing secret(s) of the Stripe webhook endpoint, comma-separated (several during a rotation). Development has a built-in one the simulator uses.',
    default: (env) => (isDev(env) ? DEV_STRIPE_WEBHOOK_SECRET : undefined),
  },
  HUBSPOT_CLIENT_SECRET: {
    schema: z.string().min(16, 'must be at least 16 characters'),
    example: 'a1b2c3d4-e5f6-...',
    doc: 'Client secret of the HubSpot app whose webhooks call Portico (signature v3). Development has a built-in one.',
    default: (env) => (isDev(env) ? DEV_HUBSPOT_CLIENT_SECRET : undefined),
  },
  ZENDESK_WEBHOOK_SECRET: {
    schema: z.string().min(16, 'must be at least 16 characters'),
    example: 'dGhpc19zZWNyZXQ...',
    doc: 'Signing secret of the Zendesk webhook (Admin Center > Webhooks > the webhook > Reveal secret). Development has a built-in one.',
    default: (env) => (isDev(env) ? DEV_ZENDESK_WEBHOOK_SECRET : undefined),
  },
  PUBLIC_BASE_URL: {
    schema: z.url().regex(/^https?:\/\/[^/]+$/, 'must be scheme://host[:port] with no path'),
    example: 'https://api.example.com',
    doc: "The URL vendors call Portico at (HubSpot signs the full URI). Required in production; development uses the request's Host.",
  },
  EVENT_ATTEMPTS: {
    schema: int(1, 50),
    example: '8',
    doc: 'Attempts of one webhook event (and other queue jobs) before it is dead-lettered.',
    default: '8',
  },
  EVENT_BACKOFF_MS: {
    schema: int(10, 3_600_000),
    example: '1000',
    doc: 'Base of the exponential backoff between attempts (full jitter: a random delay up to base x 2^(attempt-1)).',
    default: '1000',
  },
  EVENT_BACKOFF_MAX_MS: { schema: int(10, 86_400_000), example: '600000', doc: 'Cap of one backoff delay.', default: '600000' },
  EVENT_DEDUPE_DAYS: {
    schema: int(3, 30),
    example: '4',
    doc: 'How long an event id is remembered, so a redelivery is not processed again (Stripe retries for up to 3 days).',
    default: '4',
  },
  EVENT_LOCK_MS: {
    schema: int(200, 600_000),
    example: '30000',
    doc: "Lock of a running job: a crashed worker's job is run again after about this long.",
    default: '30000',
  },
  EVENT_CONCURRENCY: {
    schema: int(1, 256),
    example: '8',
    doc: 'Events one worker process handles at once, per vendor queue.',
    default: '8',
  },
  EVENT_WORKERS: {
    schema: bool,
    example: 'false',
    doc: 'Run the event workers in the gateway process. Off = receivers only; run `npm run worker` separately.',
    default: 'true',
  },
  LOCAL_REDIS: {
    schema: bool,
    example: 'false',
    doc: 'Without REDIS_URL, `npm start` runs a local redis-server child on a free loopback port (development only).',
    default: (env) => (isDev(env) ? 'true' : 'false'),
  },
  MAX_ALIASES: {
    schema: int(0, 1000),
    example: '15',
    doc: 'Maximum aliases in an operation (GraphQL Armor). Staff and customers; see PARTNER_LIMITS and ANONYMOUS_LIMITS.',
    default: '15',
  },
  MAX_DIRECTIVES: { schema: int(0, 1000), example: '20', doc: 'Maximum directives in an operation (GraphQL Armor).', default: '20' },
  MAX_DUPLICATE_FIELDS: {
    schema: int(1, 1000),
    example: '5',
    doc: 'Maximum times one selection set (inline fragments merged in) may select the same response key, e.g. `{ me { name name } }` is 2. GraphQL answers it once; the copies only cost validation. Over it: 400 QUERY_TOO_COMPLEX.',
    default: '5',
  },
  MAX_TOKENS: {
    schema: int(50, 100_000),
    example: '1000',
    doc: 'Maximum lexical tokens in a document, checked while parsing (GraphQL Armor).',
    default: '1000',
  },
  MAX_DOCUMENT_BYTES: {
    schema: int(256, 1_000_000),
    example: '10240',
    doc: 'Maximum size of the GraphQL document (the `query` string), bytes.',
    default: '10240',
  },
  MAX_COST: {
    schema: int(1, 1_000_000),
    example: '1000',
    doc: "Maximum estimated upstream calls of an operation, computed before execution from the connectors' weights and `first` arguments. Over it: 400 QUERY_TOO_COMPLEX, no upstream call.",
    default: '1000',
  },
  MAX_WRITES: {
    schema: int(1, 50),
    example: '1',
    doc: 'Maximum mutation root fields one operation executes (aliases, fragments and @skip/@include counted as GraphQL runs them). One `Idempotency-Key` and one answer cover one write. Over it: 400 QUERY_TOO_COMPLEX, nothing runs.',
    default: '1',
  },
  PARTNER_LIMITS: {
    schema: limitPairs,
    example: 'cost=200,aliases=5',
    doc: 'Limits for partner tokens, as name=value pairs over depth, aliases, directives, duplicates, tokens, bytes, cost, writes; unset names keep the default shown.',
    default: 'depth=15,aliases=5,directives=10,tokens=500,bytes=5120,cost=200',
  },
  ANONYMOUS_LIMITS: {
    schema: limitPairs,
    example: 'cost=10',
    doc: 'Limits for requests without a token (same names as PARTNER_LIMITS).',
    default: 'depth=15,aliases=5,directives=5,tokens=300,bytes=4096,cost=10',
  },
  TRUSTED_DOCUMENTS: {
    schema: z.enum(['off', 'partners', 'all']),
    example: 'partners',
    doc: "Who may run only registered operations (clients/generated/persisted-documents.json, or the partner token's own list): `partners`, `all` (every token; anonymous introspection aside) or `off`. Production always refuses APQ registration of unknown documents by partners.",
    default: (env) => (isDev(env) ? 'off' : 'partners'),
  },
  USER_RATE_LIMIT_PER_MINUTE: {
    schema: int(1, 1_000_000),
    example: '1200',
    doc: 'Requests a minute per user token subject (shared through Redis); over it: HTTP 429 with Retry-After.',
    default: '1200',
  },
  ANONYMOUS_RATE_LIMIT_PER_MINUTE: {
    schema: int(1, 1_000_000),
    example: '300',
    doc: 'Requests a minute per client IP without a valid token (shared through Redis); over it: HTTP 429 with Retry-After.',
    default: '300',
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
    schema: int(0, 300),
    example: '30',
    doc: 'While Redis is unreachable, a partner token verified in the last N seconds stays accepted; a revocation therefore takes effect within N seconds on every instance. 0 = refuse partner tokens while Redis is down.',
    default: '30',
  },
  SANDBOX_TOKENS: {
    schema: bool,
    example: 'true',
    doc: 'Serve POST /sandbox/token (unauthenticated dev tokens, admin included). Default only with the bundled simulators on a loopback HOST, and only to loopback callers; refused in production.',
  },
  METRICS_TOKEN: {
    schema: z.string().min(16, 'must be at least 16 characters'),
    example: '$(openssl rand -base64 24)',
    doc: 'Bearer token required by /metrics. In production /metrics is served only with METRICS_TOKEN or on METRICS_PORT.',
  },
  METRICS_PORT: { schema: int(0, 65535), example: '9464', doc: 'Serve /metrics on this port (on METRICS_HOST) instead of the API port.' },
  METRICS_HOST: { schema: z.string().min(1), example: '0.0.0.0', doc: 'Interface of the METRICS_PORT listener.', default: '127.0.0.1' },
  SUBGRAPH_CLAIMS_MAX_AGE_S: {
    schema: int(1, 60),
    example: '10',
    doc: 'Lifetime of the signed claims header sent to remote subgraphs; it is also bound to the request id and a hash of the subgraph request body.',
    default: '10',
  },

  OTEL_EXPORTER_OTLP_ENDPOINT: {
    schema: z.url(),
    example: 'http://otel-collector:4318',
    doc: 'OpenTelemetry collector (OTLP/HTTP base URL): traces go to `<url>/v1/traces`. Unset (with no `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`) = tracing off, no SDK loaded.',
  },
  OTEL_EXPORTER_OTLP_TRACES_ENDPOINT: {
    schema: z.url(),
    example: 'http://otel-collector:4318/v1/traces',
    doc: 'Full URL for traces, used as is (overrides `OTEL_EXPORTER_OTLP_ENDPOINT`).',
  },
  OTEL_EXPORTER_OTLP_PROTOCOL: {
    schema: z.enum(['http/protobuf', 'http/json'], {
      error: 'must be http/protobuf or http/json (gRPC export is not built in: collectors take OTLP/HTTP on port 4318)',
    }),
    example: 'http/json',
    doc: 'OTLP encoding of exported spans.',
    default: 'http/protobuf',
  },
  OTEL_EXPORTER_OTLP_HEADERS: {
    schema: z.string().regex(/^\s*[^=,\s]+\s*=[^,]*(,\s*[^=,\s]+\s*=[^,]*)*$/, 'must be key=value pairs, comma-separated'),
    example: 'x-honeycomb-team=YOUR_KEY',
    doc: "Headers sent with every export (key=value, comma-separated, values URL-encoded), e.g. a tracing vendor's API key. Never logged.",
  },
  OTEL_SERVICE_NAME: {
    schema: z.string().min(1),
    example: 'portico-eu',
    doc: 'Service name on every span (`service.name`); `OTEL_RESOURCE_ATTRIBUTES` adds more resource attributes.',
    default: 'portico',
  },
  OTEL_TRACES_SAMPLER_ARG: {
    schema: z.coerce.number().min(0).max(1),
    example: '0.1',
    doc: "Share of new traces recorded (sampler `parentbased_traceidratio`: a client's `traceparent` sampled flag is followed).",
    default: '1',
  },
  RECONCILE_SCHEDULE: {
    schema: z
      .string()
      .trim()
      .regex(/^(off|(\S+\s+){4,5}\S+)$/, 'must be a cron pattern of 5 or 6 fields, or "off"'),
    example: '0 * * * *',
    doc: 'When the queue workers reconcile replicas with their owner (Stripe/Zendesk name and email from HubSpot), as a cron pattern (UTC); `off` = only `npm run reconcile`.',
    default: '0 * * * *',
  },
  RECONCILE_CALLS_PER_SECOND: {
    schema: int(1, 100),
    example: '10',
    doc: "Upper bound of vendor calls a second during reconciliation, to stay inside the vendors' rate limits.",
    default: '10',
  },
  AUDIT_RETENTION_DAYS: {
    schema: int(1, 3650),
    example: '400',
    doc: 'How long audit log entries are kept in Redis (older ones are trimmed as new ones arrive; `npm run audit -- verify` starts at the first kept entry). Ship the JSON log lines (`"msg":"audit"`) to a SIEM for longer.',
    default: '400',
  },
  AUDIT_HMAC_KEY: {
    schema: z.string().min(32, 'must be at least 32 characters'),
    example: '$(openssl rand -hex 32)',
    doc: "Secret key of the audit log chain: each entry's hash is an HMAC-SHA256 with it, so someone who can write to Redis but lacks the key cannot rewrite entries unnoticed. `npm run audit -- verify` needs the same value. Development has a built-in one; production has none.",
    default: (env) => (isDev(env) ? DEV_AUDIT_HMAC_KEY : undefined),
  },
  IDEMPOTENCY_TTL_HOURS: {
    schema: int(24, 720),
    example: '24',
    doc: 'How long the response of a mutation sent with an `Idempotency-Key` is kept and replayed to retries with the same key (at least 24).',
    default: '24',
  },
  IDEMPOTENCY_LOCK_S: {
    schema: int(5, 600),
    example: '60',
    doc: 'How long a keyed mutation holds its key while running: retries get 409 meanwhile; a crashed instance frees it after this long.',
    default: '60',
  },
  AUDIT_SPOOL_DIR: {
    schema: z.string().min(1),
    example: '/var/lib/portico/audit-spool',
    doc: 'Where audit entries of actions already done are kept when Redis cannot take them (killed or hung in the middle of a write), one NDJSON file per process, until they are replayed into the chain (every few seconds once Redis is back, by any instance sharing the folder). Put it on a persistent volume in production.',
    default: '.portico/audit-spool',
  },
} satisfies Record<string, VarSpec>;

type VarName = keyof typeof VARS;
type Raw = { [K in VarName]: z.output<(typeof VARS)[K]['schema']> | undefined };

export type SubgraphName = 'crm' | 'billing' | 'files' | 'support';

export interface Config {
  env: 'development' | 'test' | 'production';
  host: string;
  port: number;
  logLevel: string;
  keyPrefix: string;
  auth: {
    algorithms: string[];
    secret?: string;
    publicKey?: string;
    jwksUrl?: string;
    partnerSecret: string;
    issuer: string;
    audience: string;
    rolesClaim: string;
    customerIdClaim: string;
    clockToleranceS: number;
    devSecret: boolean;
  };
  simulators: { enabled: boolean; latencyMs: number };
  /** The CRM in use (CRM_VENDOR). */
  crm: { vendor: 'hubspot' | 'salesforce' };
  salesforce: {
    instanceUrl: string;
    tokenUrl: string;
    clientId: string;
    clientSecret: string;
    sessionLifetimeS: number;
    pollIntervalS: number;
  };
  hubspot: { baseUrl: string; accessToken: string };
  stripe: { apiBase: string; secretKey: string };
  zendesk: { baseUrl: string; email: string; apiToken: string };
  s3: {
    bucket: string;
    region: string;
    endpoint?: string;
    forcePathStyle: boolean;
    accessKeyId?: string;
    secretAccessKey?: string;
    presignTtlS: number;
    uploadTtlS: number;
    uploadMaxBytes: number;
  };
  upstream: {
    timeoutMs: number;
    retries: number;
    breakerVolume: number;
    breakerResetMs: number;
    retryBudget: number;
    vendorBudgets?: string;
  };
  subgraphs: { urls: Partial<Record<SubgraphName, string>>; signingSecret: string };
  limits: { maxDepth: number; maxBodyBytes: number; maxJsonDepth: number; introspection: boolean };
  /** Request limits per principal kind (`user` = staff and customers). */
  guards: {
    limits: Readonly<Record<'user' | 'partner' | 'anonymous', Limits>>;
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
  redis: { url?: string; commandTimeoutMs: number };
  sandbox: boolean;
  partnerRateLimitPerMinute: number;
  cache: { enabled: boolean; ttl: Readonly<Record<CacheType, number>>; responseTtlS?: number };
  webhooks: { stripeSecrets: string[]; hubspotClientSecret: string; zendeskSecret: string; publicBaseUrl?: string };
  events: {
    attempts: number;
    backoffMs: number;
    backoffMaxMs: number;
    dedupeWindowS: number;
    lockMs: number;
    concurrency: number;
    workers: boolean;
    localRedis: boolean;
  };
  /** `schedule`: a cron pattern, or null when off. */
  reconcile: { schedule: string | null; callsPerSecond: number };
  /** OpenTelemetry tracing; off when `tracesUrl` is unset. */
  tracing: {
    tracesUrl?: string;
    protocol: 'http/json' | 'http/protobuf';
    headers: Record<string, string>;
    serviceName: string;
    sampleRatio: number;
  };
  audit: { retentionDays: number; hmacKey: string; spoolDir: string };
  idempotency: { ttlS: number; lockS: number };
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}

function parseVars(env: Env): { raw: Raw; problems: string[] } {
  const problems: string[] = [];
  const raw: Partial<Record<VarName, unknown>> = {};
  for (const [name, spec] of Object.entries(VARS) as [VarName, VarSpec][]) {
    const given = env[name];
    const fallback = typeof spec.default === 'function' ? spec.default(env) : spec.default;
    const value = given === undefined || given === '' ? fallback : given;
    if (value === undefined) continue;
    const parsed = spec.schema.safeParse(value);
    if (parsed.success) raw[name] = parsed.data;
    else
      problems.push(
        `${name}=${JSON.stringify(given ?? value)}: ${parsed.error.issues[0]?.message ?? 'invalid'}. Example: ${name}=${spec.example}`,
      );
  }
  return { raw: raw as Raw, problems };
}

/** Values the simulators supply when SIMULATORS=true; app.ts fills them in after starting them. */
const SIM_PLACEHOLDER = 'simulator';

/**
 * Parses and checks the whole configuration. Throws ConfigError listing every problem.
 * `overrides` lets tests and the composition root set values without touching process.env.
 */
export function loadConfig(env: Env = process.env): Readonly<Config> {
  const { raw, problems } = parseVars(env);
  const need = <T>(name: VarName, value: T | undefined, why: string): T => {
    if (value === undefined) problems.push(`${name} is required ${why}. Example: ${name}=${VARS[name].example}`);
    return value as T;
  };
  const nodeEnv = raw.NODE_ENV ?? 'development';
  const prod = nodeEnv === 'production';
  const sims = raw.SIMULATORS ?? false;
  const vendorWhy = 'unless SIMULATORS=true';
  const algorithms = raw.AUTH_JWT_ALGORITHMS ?? ['HS256'];
  const usesHmac = algorithms.some((a) => a.startsWith('HS'));
  const usesKeys = algorithms.some((a) => !a.startsWith('HS'));
  if (usesHmac) need('AUTH_JWT_SECRET', raw.AUTH_JWT_SECRET, 'when AUTH_JWT_ALGORITHMS contains an HS algorithm');
  if (usesKeys && !raw.AUTH_JWKS_URL)
    need(
      'AUTH_JWT_PUBLIC_KEY',
      raw.AUTH_JWT_PUBLIC_KEY,
      'when AUTH_JWT_ALGORITHMS contains RS/ES/PS algorithms and no AUTH_JWKS_URL is set',
    );
  need('PARTNER_TOKEN_SECRET', raw.PARTNER_TOKEN_SECRET, 'to mint and verify partner tokens');

  if (prod) {
    if (raw.AUTH_JWT_SECRET === DEV_JWT_SECRET)
      problems.push(
        `AUTH_JWT_SECRET is the development secret; production needs its own. Example: AUTH_JWT_SECRET=${VARS.AUTH_JWT_SECRET.example}`,
      );
    if (raw.PARTNER_TOKEN_SECRET === DEV_PARTNER_SECRET)
      problems.push(`PARTNER_TOKEN_SECRET is the development secret. Example: PARTNER_TOKEN_SECRET=${VARS.PARTNER_TOKEN_SECRET.example}`);
    if (raw.SUBGRAPH_SIGNING_SECRET === DEV_SUBGRAPH_SECRET)
      problems.push(
        `SUBGRAPH_SIGNING_SECRET is the development secret. Example: SUBGRAPH_SIGNING_SECRET=${VARS.SUBGRAPH_SIGNING_SECRET.example}`,
      );
    if (sims)
      problems.push(
        'SIMULATORS=true is refused in production: configure the real vendors (HUBSPOT_ACCESS_TOKEN, STRIPE_SECRET_KEY, ZENDESK_*, S3_BUCKET).',
      );
    need('AUTH_ISSUER', raw.AUTH_ISSUER, 'in production');
  }

  if (prod) {
    const webhookNeed = "in production (each vendor's webhooks are verified with it)";
    need('STRIPE_WEBHOOK_SECRETS', raw.STRIPE_WEBHOOK_SECRETS, webhookNeed);
    need('HUBSPOT_CLIENT_SECRET', raw.HUBSPOT_CLIENT_SECRET, webhookNeed);
    need('ZENDESK_WEBHOOK_SECRET', raw.ZENDESK_WEBHOOK_SECRET, webhookNeed);
    need('PUBLIC_BASE_URL', raw.PUBLIC_BASE_URL, 'in production (HubSpot signs the URI it called)');
    if (raw.STRIPE_WEBHOOK_SECRETS?.includes(DEV_STRIPE_WEBHOOK_SECRET))
      problems.push(
        `STRIPE_WEBHOOK_SECRETS contains the development secret. Example: STRIPE_WEBHOOK_SECRETS=${VARS.STRIPE_WEBHOOK_SECRETS.example}`,
      );
    if (raw.HUBSPOT_CLIENT_SECRET === DEV_HUBSPOT_CLIENT_SECRET)
      problems.push(
        `HUBSPOT_CLIENT_SECRET is the development secret. Example: HUBSPOT_CLIENT_SECRET=${VARS.HUBSPOT_CLIENT_SECRET.example}`,
      );
    if (raw.ZENDESK_WEBHOOK_SECRET === DEV_ZENDESK_WEBHOOK_SECRET)
      problems.push(
        `ZENDESK_WEBHOOK_SECRET is the development secret. Example: ZENDESK_WEBHOOK_SECRET=${VARS.ZENDESK_WEBHOOK_SECRET.example}`,
      );
  }
  problems.push(...auditKeyProblems(raw.AUDIT_HMAC_KEY, prod));
  if (prod && !raw.REDIS_URL)
    problems.push(
      'REDIS_URL is required in production: the cache, persisted queries and partner tokens must be shared by every instance. Example: REDIS_URL=redis://:password@redis:6379/0',
    );
  const ttl: Record<CacheType, number> = { ...CACHE_TTL_DEFAULTS };
  for (const pair of (raw.CACHE_TTLS ?? '').split(',').filter((p) => p.trim())) {
    const [k, v] = pair.split('=').map((x) => x.trim()) as [string, string];
    if (k in ttl) ttl[k as CacheType] = Number(v);
    else
      problems.push(
        `CACHE_TTLS names an unknown type "${k}". Known: ${Object.keys(ttl).join(', ')}. Example: CACHE_TTLS=${VARS.CACHE_TTLS.example}`,
      );
  }

  const userLimits: Limits = {
    depth: raw.MAX_QUERY_DEPTH ?? 15,
    aliases: raw.MAX_ALIASES ?? 15,
    directives: raw.MAX_DIRECTIVES ?? 20,
    duplicates: raw.MAX_DUPLICATE_FIELDS ?? 5,
    tokens: raw.MAX_TOKENS ?? 1000,
    bytes: raw.MAX_DOCUMENT_BYTES ?? 10_240,
    cost: raw.MAX_COST ?? 1000,
    writes: raw.MAX_WRITES ?? 1,
  };
  const kindLimits = (name: 'PARTNER_LIMITS' | 'ANONYMOUS_LIMITS', given: Record<string, number> | undefined): Limits => {
    const defaults = VARS[name].schema.parse(VARS[name].default);
    const out = { ...userLimits, ...defaults };
    for (const [k, v] of Object.entries(given ?? {})) {
      if ((LIMIT_NAMES as readonly string[]).includes(k)) out[k as LimitName] = v;
      else problems.push(`${name} names an unknown limit "${k}". Known: ${LIMIT_NAMES.join(', ')}. Example: ${name}=${VARS[name].example}`);
    }
    return out;
  };
  const loopbackHost = ['127.0.0.1', '::1', 'localhost'].includes(raw.HOST ?? '127.0.0.1');
  if (prod && raw.SANDBOX_TOKENS)
    problems.push('SANDBOX_TOKENS=true is refused in production: it hands out admin tokens without authentication. Remove SANDBOX_TOKENS.');
  const trustProxy =
    raw.TRUST_PROXY === undefined
      ? undefined
      : raw.TRUST_PROXY === 'true'
        ? true
        : /^\d+$/.test(raw.TRUST_PROXY)
          ? Number(raw.TRUST_PROXY)
          : raw.TRUST_PROXY.split(',').map((x) => x.trim());

  const subgraphUrls: Partial<Record<SubgraphName, string>> = {};
  if (raw.SUBGRAPH_URL_CRM) subgraphUrls.crm = raw.SUBGRAPH_URL_CRM;
  if (raw.SUBGRAPH_URL_BILLING) subgraphUrls.billing = raw.SUBGRAPH_URL_BILLING;
  if (raw.SUBGRAPH_URL_FILES) subgraphUrls.files = raw.SUBGRAPH_URL_FILES;
  if (raw.SUBGRAPH_URL_SUPPORT) subgraphUrls.support = raw.SUBGRAPH_URL_SUPPORT;
  if (Object.keys(subgraphUrls).length > 0) need('SUBGRAPH_SIGNING_SECRET', raw.SUBGRAPH_SIGNING_SECRET, 'when a SUBGRAPH_URL_* is set');

  const vendor = <T>(name: VarName, value: T | undefined): T => (sims ? ((value ?? SIM_PLACEHOLDER) as T) : need(name, value, vendorWhy));
  const crmVendor = raw.CRM_VENDOR ?? 'hubspot';
  // The CRM not in use needs no credentials.
  const sf = (name: VarName, value: string | undefined): string => (crmVendor === 'salesforce' ? vendor(name, value) : (value ?? ''));
  const config: Config = {
    env: nodeEnv,
    host: raw.HOST ?? '127.0.0.1',
    port: raw.PORT ?? 4000,
    logLevel: raw.LOG_LEVEL ?? 'info',
    keyPrefix: raw.REDIS_KEY_PREFIX ?? nodeEnv,
    auth: {
      algorithms,
      secret: raw.AUTH_JWT_SECRET,
      publicKey: raw.AUTH_JWT_PUBLIC_KEY,
      jwksUrl: raw.AUTH_JWKS_URL,
      partnerSecret: raw.PARTNER_TOKEN_SECRET ?? '',
      issuer: raw.AUTH_ISSUER ?? 'portico-dev',
      audience: raw.AUTH_AUDIENCE ?? 'portico',
      rolesClaim: raw.AUTH_ROLES_CLAIM ?? 'roles',
      customerIdClaim: raw.AUTH_CUSTOMER_ID_CLAIM ?? 'crm_contact_id',
      clockToleranceS: raw.AUTH_CLOCK_TOLERANCE_S ?? 30,
      devSecret: raw.AUTH_JWT_SECRET === DEV_JWT_SECRET,
    },
    simulators: { enabled: sims, latencyMs: raw.SIM_LATENCY_MS ?? 0 },
    crm: { vendor: crmVendor },
    hubspot: {
      baseUrl: raw.HUBSPOT_BASE_URL ?? 'https://api.hubapi.com',
      accessToken: crmVendor === 'hubspot' ? vendor('HUBSPOT_ACCESS_TOKEN', raw.HUBSPOT_ACCESS_TOKEN) : (raw.HUBSPOT_ACCESS_TOKEN ?? ''),
    },
    salesforce: {
      instanceUrl: sf('SALESFORCE_INSTANCE_URL', raw.SALESFORCE_INSTANCE_URL),
      tokenUrl: sf('SALESFORCE_TOKEN_URL', raw.SALESFORCE_TOKEN_URL),
      clientId: sf('SALESFORCE_CLIENT_ID', raw.SALESFORCE_CLIENT_ID),
      clientSecret: sf('SALESFORCE_CLIENT_SECRET', raw.SALESFORCE_CLIENT_SECRET),
      sessionLifetimeS: raw.SALESFORCE_SESSION_LIFETIME_S ?? 7200,
      pollIntervalS: raw.SALESFORCE_POLL_INTERVAL_S ?? 30,
    },
    stripe: { apiBase: raw.STRIPE_API_BASE ?? 'https://api.stripe.com', secretKey: vendor('STRIPE_SECRET_KEY', raw.STRIPE_SECRET_KEY) },
    zendesk: {
      baseUrl: vendor('ZENDESK_BASE_URL', raw.ZENDESK_BASE_URL),
      email: vendor('ZENDESK_EMAIL', raw.ZENDESK_EMAIL),
      apiToken: vendor('ZENDESK_API_TOKEN', raw.ZENDESK_API_TOKEN),
    },
    s3: {
      bucket: vendor('S3_BUCKET', raw.S3_BUCKET),
      region: raw.S3_REGION ?? 'us-east-1',
      endpoint: raw.S3_ENDPOINT,
      forcePathStyle: raw.S3_FORCE_PATH_STYLE ?? false,
      accessKeyId: raw.S3_ACCESS_KEY_ID,
      secretAccessKey: raw.S3_SECRET_ACCESS_KEY,
      presignTtlS: raw.S3_PRESIGN_TTL_S ?? 300,
      uploadTtlS: raw.S3_UPLOAD_TTL_S ?? 300,
      uploadMaxBytes: raw.S3_UPLOAD_MAX_BYTES ?? 26214400,
    },
    upstream: {
      timeoutMs: raw.UPSTREAM_TIMEOUT_MS ?? 5000,
      retries: raw.UPSTREAM_RETRIES ?? 2,
      breakerVolume: raw.UPSTREAM_BREAKER_VOLUME ?? 20,
      breakerResetMs: raw.UPSTREAM_BREAKER_RESET_MS ?? 5000,
      retryBudget: raw.UPSTREAM_RETRY_BUDGET ?? 0.2,
      vendorBudgets: raw.VENDOR_BUDGETS,
    },
    subgraphs: { urls: subgraphUrls, signingSecret: raw.SUBGRAPH_SIGNING_SECRET ?? '' },
    limits: {
      maxDepth: raw.MAX_QUERY_DEPTH ?? 12,
      maxBodyBytes: raw.MAX_BODY_BYTES ?? 1_048_576,
      maxJsonDepth: raw.MAX_JSON_DEPTH ?? 64,
      introspection: raw.INTROSPECTION ?? false,
    },
    redis: { url: raw.REDIS_URL, commandTimeoutMs: raw.REDIS_COMMAND_TIMEOUT_MS ?? 50 },
    sandbox: raw.SANDBOX ?? false,
    partnerRateLimitPerMinute: raw.PARTNER_RATE_LIMIT_PER_MINUTE ?? 600,
    cache: { enabled: raw.CACHE_ENABLED ?? true, ttl, responseTtlS: raw.RESPONSE_CACHE_TTL_S ?? 30 },
    webhooks: {
      stripeSecrets: raw.STRIPE_WEBHOOK_SECRETS ?? [],
      hubspotClientSecret: raw.HUBSPOT_CLIENT_SECRET ?? '',
      zendeskSecret: raw.ZENDESK_WEBHOOK_SECRET ?? '',
      publicBaseUrl: raw.PUBLIC_BASE_URL,
    },
    events: {
      attempts: raw.EVENT_ATTEMPTS ?? 8,
      backoffMs: raw.EVENT_BACKOFF_MS ?? 1000,
      backoffMaxMs: raw.EVENT_BACKOFF_MAX_MS ?? 600_000,
      dedupeWindowS: (raw.EVENT_DEDUPE_DAYS ?? 4) * 86_400,
      lockMs: raw.EVENT_LOCK_MS ?? 30_000,
      concurrency: raw.EVENT_CONCURRENCY ?? 8,
      workers: raw.EVENT_WORKERS ?? true,
      localRedis: raw.LOCAL_REDIS ?? false,
    },
    reconcile: {
      schedule: (raw.RECONCILE_SCHEDULE ?? '0 * * * *') === 'off' ? null : (raw.RECONCILE_SCHEDULE ?? '0 * * * *'),
      callsPerSecond: raw.RECONCILE_CALLS_PER_SECOND ?? 10,
    },
    guards: {
      limits: {
        user: userLimits,
        partner: kindLimits('PARTNER_LIMITS', raw.PARTNER_LIMITS),
        anonymous: kindLimits('ANONYMOUS_LIMITS', raw.ANONYMOUS_LIMITS),
      },
      trustedDocuments: raw.TRUSTED_DOCUMENTS ?? (prod ? 'partners' : 'off'),
      userRateLimitPerMinute: raw.USER_RATE_LIMIT_PER_MINUTE ?? 1200,
      anonymousRateLimitPerMinute: raw.ANONYMOUS_RATE_LIMIT_PER_MINUTE ?? 300,
      trustProxy,
      corsOrigins: raw.CORS_ORIGINS ?? [],
      partnerTokenCacheS: raw.PARTNER_TOKEN_CACHE_S ?? 30,
      // Unauthenticated admin tokens: only next to the bundled simulators on a loopback interface, unless asked for.
      sandboxTokens: !prod && (raw.SANDBOX_TOKENS ?? (sims && loopbackHost)),
      metrics: { token: raw.METRICS_TOKEN, port: raw.METRICS_PORT, host: raw.METRICS_HOST ?? '127.0.0.1' },
      claimsMaxAgeS: raw.SUBGRAPH_CLAIMS_MAX_AGE_S ?? 10,
    },
    tracing: {
      tracesUrl:
        raw.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT ??
        (raw.OTEL_EXPORTER_OTLP_ENDPOINT ? `${raw.OTEL_EXPORTER_OTLP_ENDPOINT.replace(/\/+$/, '')}/v1/traces` : undefined),
      protocol: raw.OTEL_EXPORTER_OTLP_PROTOCOL ?? 'http/protobuf',
      headers: parseOtlpHeaders(raw.OTEL_EXPORTER_OTLP_HEADERS),
      serviceName: raw.OTEL_SERVICE_NAME ?? 'portico',
      sampleRatio: raw.OTEL_TRACES_SAMPLER_ARG ?? 1,
    },
    audit: {
      retentionDays: raw.AUDIT_RETENTION_DAYS ?? 400,
      hmacKey: raw.AUDIT_HMAC_KEY ?? '',
      spoolDir: raw.AUDIT_SPOOL_DIR ?? '.portico/audit-spool',
    },
    idempotency: { ttlS: (raw.IDEMPOTENCY_TTL_HOURS ?? 24) * 3600, lockS: raw.IDEMPOTENCY_LOCK_S ?? 60 },
  };
  if (problems.length > 0) throw new ConfigError(problems);
  return deepFreeze(config);
}

/** Production needs its own audit key: with the public development one anyone could re-sign a rewritten log. */
function auditKeyProblems(key: string | undefined, prod: boolean): string[] {
  if (!prod) return [];
  if (key === undefined)
    return [
      `AUDIT_HMAC_KEY is required in production (it signs the audit log chain). Example: AUDIT_HMAC_KEY=${VARS.AUDIT_HMAC_KEY.example}`,
    ];
  if (key === DEV_AUDIT_HMAC_KEY)
    return [`AUDIT_HMAC_KEY is the development key; production needs its own. Example: AUDIT_HMAC_KEY=${VARS.AUDIT_HMAC_KEY.example}`];
  return [];
}

/**
 * The audit key alone, by the gateway's rules (for `npm run audit -- verify`, which needs the key the
 * gateways sign with but none of their other settings). Throws ConfigError naming the problem.
 */
export function loadAuditHmacKey(env: Env = process.env): string {
  const spec = VARS.AUDIT_HMAC_KEY;
  const given = env.AUDIT_HMAC_KEY;
  const value = given === undefined || given === '' ? spec.default(env) : given;
  const parsed = value === undefined ? undefined : spec.schema.safeParse(value);
  const problems =
    parsed && !parsed.success
      ? [`AUDIT_HMAC_KEY: ${parsed.error.issues[0]?.message ?? 'invalid'}. Example: AUDIT_HMAC_KEY=${spec.example}`]
      : auditKeyProblems(value, (env.NODE_ENV ?? 'development') === 'production');
  if (problems.length > 0 || value === undefined) throw new ConfigError(problems);
  return value;
}

/** `k1=v1,k2=v2` with URL-encoded values, as the OpenTelemetry specification defines OTEL_EXPORTER_OTLP_HEADERS. */
function parseOtlpHeaders(value: string | undefined): Record<string, string> {
  const out: Record<string, string> = {};
  for (const pair of (value ?? '').split(',').filter((p) => p.trim())) {
    const i = pair.indexOf('=');
    const raw = pair.slice(i + 1).trim();
    try {
      out[pair.slice(0, i).trim()] = decodeURIComponent(raw);
    } catch {
      out[pair.slice(0, i).trim()] = raw;
    }
  }
  return out;
}

/**
 * For process entries (`src/main.ts`, `src/worker.ts`): the configuration, or every problem
 * printed with the pointer to the README's table and exit code 1.
 */
export function loadConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${err.message}\nSee the configuration table in README.md.`);
    process.exit(1);
  }
}

function deepFreeze<T>(o: T): Readonly<T> {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}

/** Markdown rows for the README's configuration table. */
export function configTableMarkdown(): string {
  const rows = Object.entries(VARS).map(([name, spec]: [string, VarSpec]) => {
    const d = typeof spec.default === 'function' ? '(derived)' : spec.default !== undefined ? `\`${spec.default}\`` : '';
    return `| \`${name}\` | ${d} | ${spec.doc} | \`${spec.example}\` |`;
  });
  return ['| Variable | Default | What it does | Example |', '|---|---|---|---|', ...rows].join('\n');
}
