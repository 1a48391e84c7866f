/**
 * An example of portico.config.ts, the optional typed layer of the configuration (docs/configuration.md).
 * Copy it to portico.config.ts and keep only what you change: every value below is the default,
 * so this file as it stands changes nothing (a unit test checks it).
 *
 * The file holds structured settings; secrets and per-deployment values (URLs, keys, NODE_ENV) stay
 * environment variables. A variable set in the environment overrides the key here that sets the
 * same thing (named in each comment). `npm start` loads portico.config.ts; `npm run build` compiles
 * it to dist/portico.config.js, which `npm run start:prod` loads; PORTICO_CONFIG points elsewhere.
 */
import { defineConfig } from './src/config/define.js';

export default defineConfig({
  /** Which vendor serves a domain, where several can (CRM_VENDOR): a CRM module's name in src/vendors/index.ts. */
  vendors: { crm: 'hubspot' },

  /**
   * Requests per window each vendor (and endpoint class) allows, over the published limits
   * (VENDOR_BUDGETS), e.g. a Zendesk plan with a lower limit:
   *   budgets: { zendesk: { limit: 400, windowS: 60 } },
   */
  budgets: {},

  cache: {
    /** CACHE_ENABLED */
    enabled: true,
    /** Seconds per record type (CACHE_TTLS). */
    ttl: { contact: 300, search: 30, account: 300, invoices: 120, cards: 300, zuser: 3600, tickets: 60, comments: 120, documents: 60 },
    /** Cached whole customer-scoped responses, 0 = off (RESPONSE_CACHE_TTL_S). */
    responseTtlS: 30,
  },

  /**
   * Document limits per principal kind: `user` (staff and customers; MAX_QUERY_DEPTH, MAX_ALIASES, ...),
   * `partner` (PARTNER_LIMITS) and `anonymous` (ANONYMOUS_LIMITS). Names left out keep their default.
   */
  limits: {
    user: { depth: 15, aliases: 15, directives: 20, duplicates: 5, tokens: 1000, bytes: 10_240, cost: 1000, writes: 1 },
    partner: { depth: 15, aliases: 5, directives: 10, tokens: 500, bytes: 5120, cost: 200 },
    anonymous: { depth: 15, aliases: 5, directives: 5, tokens: 300, bytes: 4096, cost: 10 },
  },

  /** Requests a minute per principal kind (USER_ / PARTNER_ / ANONYMOUS_RATE_LIMIT_PER_MINUTE). */
  rateLimits: { user: 1200, partner: 600, anonymous: 300 },

  /** The upstream policy every connector shares (UPSTREAM_*). */
  upstream: { timeoutMs: 5000, retries: 2, breakerVolume: 20, breakerResetMs: 5000, retryBudget: 0.2 },

  /**
   * Automations declared in code, besides the built-ins (AUTOMATION_*): `defineAutomation({ name,
   * trigger, when?, steps })` from './src/config/define.js'; docs/automations.md has a complete example.
   */
  automations: [],
});
