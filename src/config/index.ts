/**
 * The only reader of process.env and portico.config.ts. Each concern declares its variables once
 * (src/config/<concern>.ts; each vendor in src/vendors/<vendor>/config.ts): zod schema with its
 * default, example, doc and flags (secret, development value production refuses, required in
 * production). `loadConfig` parses them all, reports every problem with the variable's name and
 * an example, and returns one frozen, typed config that is passed down. The production checks and
 * the secret list come from the flags.
 */
import { audit, type AuditConfig } from './audit.js';
import { auth, type AuthConfig } from './auth.js';
import { automations, type AutomationsConfig } from './automations.js';
import { cache, type CacheConfig } from './cache.js';
import { entitlements, type EntitlementsConfig } from './entitlements.js';
import { events, type EventsConfig } from './events.js';
import { fileExample, fileVars, layered, readConfigFile, type PorticoConfig } from './file.js';
import { guards, type GuardsConfig } from './guards.js';
import { notifications, type NotificationsConfig } from './notifications.js';
import { realtime, type RealtimeConfig } from './realtime.js';
import { redis, type RedisConfig } from './redis.js';
import { server, type ServerConfig } from './server.js';
import { simulators, type SimulatorsConfig } from './simulators.js';
import { subgraphs, type SubgraphsConfig } from './subgraphs.js';
import { tracing, type TracingConfig } from './tracing.js';
import { upstream, type UpstreamConfig } from './upstream.js';
import {
  ConfigError,
  declaredDefault,
  fallback,
  parseVar,
  productionProblems,
  secretValues,
  type BuildContext,
  type Env,
  type Section,
  type VarSpec,
} from './vars.js';
import { choice, inUse, vendorSections, type ChoiceConfig, type VendorConfigs } from './vendors.js';

export { DEV_AUDIT_HMAC_KEY, loadAuditHmacKey } from './audit.js';
export { DEV_JWT_SECRET, DEV_PARTNER_SECRET } from './auth.js';
export { CACHE_TTL_DEFAULTS, type CacheType } from './cache.js';
export type { PorticoConfig } from './file.js';
export { LIMIT_NAMES, USER_LIMIT_VARS, type LimitName, type Limits } from './guards.js';
export { DEV_SUBGRAPH_SECRET, type SubgraphName } from './subgraphs.js';
export { ConfigError, type VarSpec } from './vars.js';
export type { VendorConfigs } from './vendors.js';

export interface Config
  extends
    ServerConfig,
    AuthConfig,
    SimulatorsConfig,
    ChoiceConfig,
    UpstreamConfig,
    SubgraphsConfig,
    GuardsConfig,
    RedisConfig,
    CacheConfig,
    EventsConfig,
    TracingConfig,
    AuditConfig,
    AutomationsConfig,
    EntitlementsConfig,
    NotificationsConfig,
    RealtimeConfig,
    VendorConfigs {
  /** Every secret value configured (the variables flagged `secret`): never in a log line. */
  secrets: readonly string[];
}

/** The concerns, in the order of the docs table, each with the file that declares it. */
const CONCERNS: readonly { title: string; file: string; section: Section }[] = [
  { title: 'Server', file: 'src/config/server.ts', section: server },
  { title: 'Authentication', file: 'src/config/auth.ts', section: auth },
  { title: 'Simulators', file: 'src/config/simulators.ts', section: simulators },
  { title: 'Vendors per domain', file: 'src/config/vendors.ts', section: choice },
  { title: 'Upstream calls and budgets', file: 'src/config/upstream.ts', section: upstream },
  { title: 'Remote subgraphs', file: 'src/config/subgraphs.ts', section: subgraphs },
  { title: 'Redis', file: 'src/config/redis.ts', section: redis },
  { title: 'Cache', file: 'src/config/cache.ts', section: cache },
  { title: 'Guards and limits per principal kind', file: 'src/config/guards.ts', section: guards },
  { title: 'Webhooks and events', file: 'src/config/events.ts', section: events },
  { title: 'Automations', file: 'src/config/automations.ts', section: automations },
  { title: 'Entitlements', file: 'src/config/entitlements.ts', section: entitlements },
  { title: 'Notifications', file: 'src/config/notifications.ts', section: notifications },
  { title: 'Real time', file: 'src/config/realtime.ts', section: realtime },
  { title: 'Tracing', file: 'src/config/tracing.ts', section: tracing },
  { title: 'Audit and idempotency', file: 'src/config/audit.ts', section: audit },
];

/** Every variable by name: the concerns', then each vendor's (from the registry). */
export const VARS: Readonly<Record<string, VarSpec>> = (() => {
  const out: Record<string, VarSpec> = {};
  const sections = [...CONCERNS.map((c) => c.section), ...vendorSections().map((v) => v.settings)];
  for (const s of sections)
    for (const [name, spec] of Object.entries(s.vars)) {
      if (out[name]) throw new Error(`${name} is declared twice`);
      out[name] = spec;
    }
  return out;
})();

/** Values the simulators supply when SIMULATORS=true; app.ts fills them in after starting them. */
const SIM_PLACEHOLDER = 'simulator';

const isSet = (value: string | undefined) => value !== undefined && value !== '';

/**
 * Parses and checks the whole configuration. Throws ConfigError listing every problem.
 * Without arguments: process.env over portico.config.ts (if there is one). With `env` (tests,
 * scripts): that environment over `file`, if given.
 */
export function loadConfig(env?: Env, file?: PorticoConfig): Readonly<Config> {
  const base = env ?? process.env;
  const fromFile = fileVars(file ?? (env === undefined ? readConfigFile(base)?.config : undefined));
  const e = layered(base, fromFile);
  const problems: string[] = [];
  const all: Record<string, unknown> = {};
  const failed = new Set<string>();
  for (const [name, spec] of Object.entries(VARS)) {
    const r = parseVar(name, spec, e);
    if (r.problem === undefined) {
      if (r.value !== undefined) all[name] = r.value;
      continue;
    }
    failed.add(name);
    const key = isSet(base[name]) ? undefined : fromFile.keys[name];
    problems.push(key ? `portico.config.ts: ${key}: ${r.issue} (as ${name}). Example: ${fileExample(key)}` : r.problem);
    // The default stands in, so the sections can still be built and every other problem found.
    const text = fallback(spec, e);
    const parsed = text === undefined ? undefined : spec.schema.safeParse(text);
    if (parsed?.success) all[name] = parsed.data;
  }

  const prod = all.NODE_ENV === 'production';
  const sims = all.SIMULATORS === true;
  const ctx: BuildContext = {
    env: e,
    prod,
    sims,
    all,
    problem: (message) => problems.push(message),
    need: (name, value, why) => {
      if (value === undefined) problems.push(`${name} is required ${why}. Example: ${name}=${VARS[name]?.example}`);
      return value as never;
    },
  };
  const checkProduction = (vars: Record<string, VarSpec>) => {
    if (!prod) return;
    for (const [name, spec] of Object.entries(vars)) if (!failed.has(name)) problems.push(...productionProblems(name, spec, all[name]));
  };
  const valuesOf = (vars: Record<string, VarSpec>) => Object.fromEntries(Object.keys(vars).map((n) => [n, all[n]]));
  const build = (s: Section, values: Record<string, unknown>) => {
    try {
      return s.build(values, ctx) as object;
    } catch (err) {
      // A section may trip on a value already reported; otherwise it is a bug, not a configuration problem.
      if (problems.length === 0) throw err;
      return {};
    }
  };

  const parts: object[] = [];
  for (const { section } of CONCERNS) {
    checkProduction(section.vars);
    parts.push(build(section, valuesOf(section.vars)));
  }
  const picked = { crm: all.CRM_VENDOR as string };
  const vendors: Record<string, object> = {};
  for (const { vendor, settings } of vendorSections()) {
    const used = inUse(vendor, picked);
    // A vendor not in use needs nothing and has nothing refused.
    if (used) checkProduction(settings.vars);
    const values = valuesOf(settings.vars);
    for (const [name, spec] of Object.entries(settings.vars)) {
      if (!spec.credential) continue;
      const value = values[name] as string | undefined;
      values[name] = !used ? (value ?? '') : sims ? (value ?? SIM_PLACEHOLDER) : ctx.need(name, value, 'unless SIMULATORS=true');
    }
    vendors[vendor.name] = build(settings, values);
  }
  const secrets = Object.entries(VARS).flatMap(([name, spec]) => secretValues(spec, all[name]));

  if (problems.length > 0) throw new ConfigError(problems);
  const config = Object.assign({}, ...parts, vendors, { secrets }) as Config;
  config.automations = { ...config.automations, declared: fromFile.automations };
  return deepFreeze(config);
}

/**
 * For process entries (`src/main.ts`, `src/worker.ts`): the configuration, or every problem
 * printed with the pointer to the configuration page and exit code 1.
 */
export function loadConfigOrExit(): Readonly<Config> {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(`${err.message}\nSee docs/configuration.md.`);
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

/** The Default cell of a variable's row. */
function defaultCell(spec: VarSpec): string {
  if (spec.derive) return '(derived)';
  const d = declaredDefault(spec);
  if (spec.dev === undefined) return d === undefined ? '' : `\`${d}\``;
  const dev = spec.devRefused ? 'built in' : `\`${spec.dev}\``;
  return d === undefined ? `development: ${dev}` : `\`${d}\`; development: ${dev}`;
}

/** What the flags say, after the doc. */
function flagNotes(spec: VarSpec): string {
  const notes = [
    spec.secret ? 'Secret: never logged.' : '',
    spec.requiredInProduction ? 'Required in production.' : '',
    spec.devRefused ? `Production refuses the development ${spec.devRefused}.` : '',
    spec.credential ? 'Needed when the vendor is in use, unless SIMULATORS=true.' : '',
  ].filter(Boolean);
  return notes.length ? ` ${notes.map((n) => `*${n}*`).join(' ')}` : '';
}

/** Markdown tables of every variable, one per concern and one per vendor (docs/configuration.md). */
export function configTableMarkdown(): string {
  const table = (vars: Record<string, VarSpec>) => [
    '| Variable | Default | What it does | Example |',
    '|---|---|---|---|',
    ...Object.entries(vars).map(
      ([name, spec]) => `| \`${name}\` | ${defaultCell(spec)} | ${spec.doc}${flagNotes(spec)} | \`${spec.example}\` |`,
    ),
  ];
  const blocks = [
    ...CONCERNS.map((c) => ({ title: `${c.title} (\`${c.file}\`)`, vars: c.section.vars })),
    ...vendorSections().map(({ vendor, settings }) => ({
      title: `Vendor \`${vendor.name}\` (\`src/vendors/${vendor.name}/config.ts\`)`,
      vars: settings.vars,
    })),
  ];
  return blocks.flatMap((b, i) => [...(i > 0 ? [''] : []), `### ${b.title}`, '', ...table(b.vars)]).join('\n');
}
