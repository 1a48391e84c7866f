/**
 * The file layer: `portico.config.ts` (optional) holds the structured settings (vendors per domain,
 * budgets, cache TTLs, limits and rate limits per principal kind, upstream policy). Each key maps
 * to the environment variable that sets the same thing, so the file's values are checked by the
 * same zod models, and a variable set in the environment overrides the file's key.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { VENDORS } from '../vendors/index.js';
import { CACHE_TTL_DEFAULTS, type CacheType } from './cache.js';
import { LIMIT_NAMES, PRINCIPAL_KINDS, USER_LIMIT_VARS, type LimitName, type PrincipalKind } from './guards.js';
import { FEATURE } from './entitlements.js';
import { ConfigError, type Env } from './vars.js';
import type { AnyAutomation } from '../automations/types.js';

/** An automation as `defineAutomation` returns it; its trigger and steps are checked at start-up (src/automations). */
const automation = z.custom<AnyAutomation>(
  (v) =>
    typeof v === 'object' &&
    v !== null &&
    typeof (v as { name?: unknown }).name === 'string' &&
    typeof (v as { trigger?: unknown }).trigger === 'string' &&
    Array.isArray((v as { steps?: unknown }).steps),
  'not an automation: declare it with defineAutomation({ name, trigger, steps })',
);

const count = z.number().int().nonnegative();
const byName = <K extends string>(names: readonly K[]) =>
  z.strictObject(Object.fromEntries(names.map((n) => [n, count])) as Record<K, typeof count>).partial();

/** The file's shape: every key optional, unknown keys refused. `defineConfig` takes its input type. */
export const fileModel = z
  .strictObject({
    /** Which vendor serves a domain, where several can (CRM_VENDOR). */
    vendors: z.strictObject({ crm: z.string() }).partial(),
    /** Requests per window each vendor (and endpoint class) allows (VENDOR_BUDGETS). */
    budgets: z.record(z.string(), z.strictObject({ limit: z.number().int().positive(), windowS: z.number().int().positive() })),
    cache: z
      .strictObject({
        enabled: z.boolean(),
        /** Seconds per record type (CACHE_TTLS). */
        ttl: byName(Object.keys(CACHE_TTL_DEFAULTS) as CacheType[]),
        /** RESPONSE_CACHE_TTL_S */
        responseTtlS: count,
      })
      .partial(),
    /** Document limits per principal kind (MAX_* for users, PARTNER_LIMITS, ANONYMOUS_LIMITS). */
    limits: z
      .strictObject(
        Object.fromEntries(PRINCIPAL_KINDS.map((k) => [k, byName(LIMIT_NAMES)])) as Record<
          PrincipalKind,
          ReturnType<typeof byName<LimitName>>
        >,
      )
      .partial(),
    /** Requests a minute per principal kind (*_RATE_LIMIT_PER_MINUTE). */
    rateLimits: byName(PRINCIPAL_KINDS),
    upstream: z
      .strictObject({ timeoutMs: count, retries: count, breakerVolume: count, breakerResetMs: count, retryBudget: z.number() })
      .partial(),
    /** Automations declared in code, besides the built-ins (docs/automations.md). */
    automations: z.array(automation),
    /** The features each billing plan unlocks (ENTITLEMENT_PLANS). */
    entitlements: z
      .strictObject({
        plans: z.record(
          z.string().regex(/^[^;=,]+$/, 'a plan name has no ";", "=" or ","'),
          z.array(z.string().regex(FEATURE, 'a feature is lower-case letters, digits, - _ . :')),
        ),
      })
      .partial(),
  })
  .partial();

/** What `portico.config.ts` exports (through `defineConfig`). */
export type PorticoConfig = z.input<typeof fileModel>;

/** An example of each top-level key, printed with a problem in it. */
const crm = VENDORS.filter((v) => v.domain === 'crm').at(-1);
const [budgetKey, budget] = Object.entries(VENDORS[0]?.budgets ?? {}).at(-1) ?? ['vendor', { limit: 10, windowS: 1 }];
const FILE_EXAMPLES: Record<keyof PorticoConfig, string> = {
  vendors: `vendors: { crm: '${crm?.name ?? 'vendor'}' }`,
  budgets: `budgets: { '${budgetKey}': { limit: ${budget.limit}, windowS: ${budget.windowS} } }`,
  cache: 'cache: { ttl: { contact: 600 }, responseTtlS: 30 }',
  limits: 'limits: { partner: { cost: 200, aliases: 5 } }',
  rateLimits: 'rateLimits: { partner: 600 }',
  upstream: 'upstream: { timeoutMs: 5000, retries: 2 }',
  entitlements: "entitlements: { plans: { 'Pro Monthly': ['portal', 'exports'] } }",
  automations: "automations: [defineAutomation({ name: 'vip-paid', trigger: 'billing.invoice.paid', steps: [...] })]",
};

const UPSTREAM_VARS = {
  timeoutMs: 'UPSTREAM_TIMEOUT_MS',
  retries: 'UPSTREAM_RETRIES',
  breakerVolume: 'UPSTREAM_BREAKER_VOLUME',
  breakerResetMs: 'UPSTREAM_BREAKER_RESET_MS',
  retryBudget: 'UPSTREAM_RETRY_BUDGET',
} as const;
const pairs = (o: Record<string, unknown>) =>
  Object.entries(o)
    .filter(([, v]) => v !== undefined)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join(',');

/** The example printed with a problem in the file's `key` (a dotted path). */
export function fileExample(key: string): string {
  return FILE_EXAMPLES[key.split('.')[0] as keyof PorticoConfig] ?? FILE_EXAMPLES.limits;
}

/** The keys the file model allows at `path` (for the message naming an unknown one). */
function knownKeys(path: string[]): string[] {
  type Def = { type: string; innerType?: { _zod: { def: Def } }; shape?: Record<string, { _zod: { def: Def } }> };
  const unwrap = (d: Def | undefined): Def | undefined => (d?.type === 'optional' ? unwrap(d.innerType?._zod.def) : d);
  let def = unwrap(fileModel._zod.def);
  for (const seg of path) def = unwrap(def?.shape?.[seg]?._zod.def);
  return Object.keys(def?.shape ?? {});
}

/** The file's settings as the variables' text, each with the file key it came from. */
export interface FileVars {
  env: Env;
  /** The automations the file declares (not variables: code). */
  automations: readonly AnyAutomation[];
  /** Variable name -> the file key that set it. */
  keys: Record<string, string>;
}

/** Checks the file's shape and turns it into variables; throws ConfigError naming each bad key with an example. */
export function fileVars(file: unknown, label = 'portico.config.ts'): FileVars {
  const parsed = fileModel.safeParse(file ?? {});
  if (!parsed.success)
    throw new ConfigError(
      parsed.error.issues.map((issue) => {
        const path = issue.path.map(String);
        const example = fileExample(path.join('.'));
        if (issue.code === 'unrecognized_keys') {
          const keys = issue.keys.map((k) => [...path, k].join('.'));
          const known = knownKeys(path).join(', ');
          return `${label}: unknown key ${keys.map((k) => `"${k}"`).join(', ')}${known ? `. Known: ${known}` : ''}. Example: ${example}`;
        }
        return `${label}: ${path.join('.')}: ${issue.message}. Example: ${example}`;
      }),
    );
  const f = parsed.data;
  const env: Env = {};
  const keys: Record<string, string> = {};
  const set = (name: string, key: string, value: string | undefined) => {
    if (value === undefined || value === '') return;
    env[name] = value;
    keys[name] = key;
  };
  set('CRM_VENDOR', 'vendors.crm', f.vendors?.crm);
  if (f.budgets)
    set(
      'VENDOR_BUDGETS',
      'budgets',
      Object.entries(f.budgets)
        .map(([k, b]) => `${k}=${b.limit}/${b.windowS}s`)
        .join(','),
    );
  if (f.cache?.enabled !== undefined) set('CACHE_ENABLED', 'cache.enabled', String(f.cache.enabled));
  if (f.cache?.ttl) set('CACHE_TTLS', 'cache.ttl', pairs(f.cache.ttl));
  if (f.cache?.responseTtlS !== undefined) set('RESPONSE_CACHE_TTL_S', 'cache.responseTtlS', String(f.cache.responseTtlS));
  for (const [limit, name] of Object.entries(USER_LIMIT_VARS)) {
    const value = f.limits?.user?.[limit as LimitName];
    if (value !== undefined) set(name, `limits.user.${limit}`, String(value));
  }
  if (f.limits?.partner) set('PARTNER_LIMITS', 'limits.partner', pairs(f.limits.partner));
  if (f.limits?.anonymous) set('ANONYMOUS_LIMITS', 'limits.anonymous', pairs(f.limits.anonymous));
  for (const kind of PRINCIPAL_KINDS) {
    const value = f.rateLimits?.[kind];
    if (value !== undefined) set(`${kind.toUpperCase()}_RATE_LIMIT_PER_MINUTE`, `rateLimits.${kind}`, String(value));
  }
  for (const [key, name] of Object.entries(UPSTREAM_VARS)) {
    const value = f.upstream?.[key as keyof typeof UPSTREAM_VARS];
    if (value !== undefined) set(name, `upstream.${key}`, String(value));
  }
  if (f.entitlements?.plans)
    set(
      'ENTITLEMENT_PLANS',
      'entitlements.plans',
      Object.entries(f.entitlements.plans)
        .map(([plan, features]) => `${plan}=${features.join(',')}`)
        .join(';'),
    );
  return { env, keys, automations: f.automations ?? [] };
}

/**
 * The file's variables under the environment's: a variable the environment sets (non-empty)
 * overrides the file's key.
 */
export function layered(env: Env, file: FileVars): Env {
  const out: Env = { ...env };
  for (const [name, value] of Object.entries(file.env)) if (env[name] === undefined || env[name] === '') out[name] = value;
  return out;
}

/**
 * Where the file is: PORTICO_CONFIG, or portico.config.ts at the repository root when running
 * from source (tsx), portico.config.js next to the compiled dist/src/ in production (`npm run build`
 * compiles it there).
 */
export function configFilePath(env: Env): string {
  if (env.PORTICO_CONFIG) return resolve(env.PORTICO_CONFIG);
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js';
  return fileURLToPath(new URL(`../../portico.config.${ext}`, import.meta.url));
}

/**
 * Reads the file synchronously (Node loads an ES module through require since 20.19 and 22.12;
 * tsx compiles .ts on the way), so `loadConfig` stays synchronous. Undefined when there is none.
 */
export function readConfigFile(env: Env): { path: string; config: unknown } | undefined {
  const path = configFilePath(env);
  if (!existsSync(path)) {
    if (env.PORTICO_CONFIG)
      throw new ConfigError([`PORTICO_CONFIG=${env.PORTICO_CONFIG}: no such file. Example: PORTICO_CONFIG=./portico.config.js`]);
    return undefined;
  }
  try {
    const mod = createRequire(import.meta.url)(path) as { default?: unknown };
    return { path, config: mod.default ?? mod };
  } catch (err) {
    throw new ConfigError([`${path} could not be loaded: ${(err as Error).message}`]);
  }
}
