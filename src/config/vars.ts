/**
 * How a configuration variable is declared: once, with everything the loader, the production
 * checks, the secret redaction list, the docs table and portico.config.ts need to know about it.
 * Concern files (src/config/*.ts) and vendor modules (src/vendors/<vendor>/config.ts) declare
 * their variables with `section()`; src/config/index.ts composes them.
 */
import { z } from 'zod';

export type Env = Record<string, string | undefined>;

/**
 * Callbacks on a parsed value take `never` here so a declaration can type its own parameter
 * (`when: (on: boolean) => on`); the loader passes the value the schema parsed.
 */
export interface VarSpec<S extends z.ZodType = z.ZodType> {
  /** Parses the variable's text. Its `.prefault(text)` is the default, parsed like a given value. */
  schema: S;
  /** A good value, printed with every problem and in the docs. */
  example: string;
  doc: string;
  /** The value is a credential, never in a log line (`configSecrets`); or the secret parts of it. */
  secret?: true | ((value: never) => (string | undefined)[]);
  /** The default outside production, e.g. a development secret (production uses the schema's default, if any). */
  dev?: string;
  /** Production refuses the `dev` value (it is public: this repository holds it); the word for it in the message. */
  devRefused?: 'secret' | 'key';
  /** Production needs a value; why (the message reads `<NAME> is required <why>. Example: ...`). */
  requiredInProduction?: string;
  /** Production refuses a value `when` accepts; `message` says why and how to fix. */
  refusedInProduction?: { when: (value: never) => boolean; message: string | (() => string) };
  /** A default computed from other variables (the docs show "(derived)"). */
  derive?: (env: Env) => string | undefined;
  /** A vendor credential: needed when its vendor is in use and SIMULATORS is off; the simulators supply it otherwise. */
  credential?: boolean;
  /** Setting it means a real vendor is configured: SIMULATORS then defaults to false. */
  selectsRealVendor?: boolean;
}

export type Vars = Record<string, VarSpec>;

/** The parsed value each variable's section sees: defaulted ones and credentials are always there. */
export type Values<V extends Vars> = {
  [K in keyof V]: V[K] extends { credential: true }
    ? string
    : V[K]['schema'] extends z.ZodPrefault
      ? z.output<V[K]['schema']>
      : z.output<V[K]['schema']> | undefined;
};

/** What a section's `build` may ask of the whole load. */
export interface BuildContext {
  env: Env;
  prod: boolean;
  /** SIMULATORS, after its default. */
  sims: boolean;
  /** Every parsed variable, by name (for the few settings that depend on another concern's variable). */
  all: Readonly<Record<string, unknown>>;
  /** Records a problem; `loadConfig` throws them all at once. */
  problem: (message: string) => void;
  /** The value, or a problem `<NAME> is required <why>. Example: ...` (and undefined cast to T). */
  need: <T>(name: string, value: T | undefined, why: string) => T;
}

/** One concern: its variables and the part of `Config` they build. */
export interface Section<V extends Vars = Vars, C = unknown> {
  vars: V;
  // A method, so a vendor's section is assignable to the registry's `Section` (bivariant parameter).
  build(v: Values<V>, ctx: BuildContext): C;
}

/** Declares a section; the identity, there for type inference. */
export function section<const V extends Vars, C>(s: { vars: V; build: (v: Values<V>, ctx: BuildContext) => C }): Section<V, C> {
  return s;
}

/** The `Config` part a section builds. */
export type SectionConfig<S> = S extends Section<Vars, infer C> ? C : never;

export const bool = z.enum(['true', 'false', '1', '0', 'yes', 'no']).transform((v) => v === 'true' || v === '1' || v === 'yes');
export const int = (min: number, max: number) => z.coerce.number().int().min(min).max(max);
export const list = z.string().transform((s) =>
  s
    .split(',')
    .map((x) => x.trim())
    .filter(Boolean),
);

export const isDev = (env: Env) => (env.NODE_ENV ?? 'development') !== 'production';

/** The schema's declared default (`.prefault(text)`), if any. */
export function declaredDefault(spec: VarSpec): string | undefined {
  const def = spec.schema._zod.def as { type: string; defaultValue?: unknown };
  return def.type === 'prefault' ? String(def.defaultValue) : undefined;
}

/** The text a variable takes when the environment does not give it. */
export function fallback(spec: VarSpec, env: Env): string | undefined {
  if (spec.derive) return spec.derive(env);
  if (spec.dev !== undefined && isDev(env)) return spec.dev;
  return declaredDefault(spec);
}

/** Parses one variable from the environment: its value, or the problem naming it with an example. */
export function parseVar(name: string, spec: VarSpec, env: Env): { value?: unknown; problem?: string; issue?: string } {
  const given = env[name];
  const text = given === undefined || given === '' ? fallback(spec, env) : given;
  if (text === undefined) return {};
  // The default is applied above (it may depend on NODE_ENV); the schema parses the text.
  const parsed = spec.schema.safeParse(text);
  if (parsed.success) return { value: parsed.data };
  const issue = parsed.error.issues[0]?.message ?? 'invalid';
  // A secret's value (or a value with a secret part, as a URL's password) is never echoed.
  const shown = spec.secret ? name : `${name}=${JSON.stringify(given ?? text)}`;
  return { issue, problem: `${shown}: ${issue}. Example: ${name}=${spec.example}` };
}

/** What production refuses of this variable's value (flags `devRefused`, `requiredInProduction`, `refusedInProduction`). */
export function productionProblems(name: string, spec: VarSpec, value: unknown): string[] {
  const example = `Example: ${name}=${spec.example}`;
  if (value === undefined) return spec.requiredInProduction ? [`${name} is required ${spec.requiredInProduction}. ${example}`] : [];
  const out: string[] = [];
  if (spec.devRefused && spec.dev !== undefined) {
    const dev = spec.schema.parse(spec.dev);
    const isDevValue = Array.isArray(value) ? (Array.isArray(dev) ? dev.some((d) => value.includes(d)) : false) : value === dev;
    if (isDevValue)
      out.push(
        `${name} ${Array.isArray(value) ? 'contains' : 'is'} the development ${spec.devRefused}; production needs its own. ${example}`,
      );
  }
  const r = spec.refusedInProduction;
  if (r && r.when(value as never)) out.push(typeof r.message === 'function' ? r.message() : r.message);
  return out;
}

/** The secret strings of a variable's parsed value, by its `secret` flag (a list's elements, or the value). */
export function secretValues(spec: VarSpec, value: unknown): string[] {
  if (!spec.secret || value === undefined) return [];
  try {
    const parts: unknown[] = spec.secret === true ? (Array.isArray(value) ? value : [value]) : spec.secret(value as never);
    return parts.filter((x): x is string => typeof x === 'string' && x !== '');
  } catch {
    return []; // a value the part extractor cannot read (a URL that is not one) holds no part to find
  }
}

export class ConfigError extends Error {
  constructor(readonly problems: string[]) {
    super(`Invalid configuration:\n${problems.map((p) => `  - ${p}`).join('\n')}`);
    this.name = 'ConfigError';
  }
}
