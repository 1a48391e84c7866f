/**
 * Schema compatibility with shipped clients: the current API schema against the released one,
 * diffed by GraphQL Inspector, each breaking change weighed against the persisted operations of
 * every supported client version. Pure functions over SDL and manifests; `scripts/schema.ts` is
 * the CLI (`npm run schema:check`, `npm run schema:release`).
 *
 * Rules:
 * - a breaking change that a supported operation uses fails (named with the operations);
 * - removing a field, argument, input field or enum value fails unless nothing uses it AND it
 *   shipped `@deprecated` for at least `minDeprecatedReleases` releases (the history says when);
 * - any other breaking change nothing uses, and every dangerous change, is a warning;
 * - a supported operation that no longer validates against the new schema fails;
 * - additive changes pass.
 */
import { ChangeType, CriticalityLevel, diff, DiffRule, type Change } from '@graphql-inspector/core';
import {
  buildSchema,
  getNamedType,
  isEnumType,
  isInputObjectType,
  isInterfaceType,
  isObjectType,
  Kind,
  parse,
  TypeInfo,
  typeFromAST,
  validate,
  visit,
  visitWithTypeInfo,
  type GraphQLInputType,
  type GraphQLNamedType,
  type GraphQLSchema,
} from 'graphql';

/** A persisted-operation manifest as the client codegen writes it: hash -> document. */
export type Manifest = Record<string, string>;

/** schema/released/history.json */
export interface ReleaseHistory {
  /** A field (argument, input field, enum value) may be removed once it shipped deprecated in this many releases. */
  minDeprecatedReleases: number;
  releases: { release: number; date: string; manifests: string[] }[];
  /** Schema coordinate (`Type.field`, `Type.field.arg`, `Enum.VALUE`) -> the first release that shipped it deprecated. */
  deprecations: Record<string, number>;
}

export interface CheckInput {
  released: string;
  current: string;
  /** Supported client versions: name (e.g. `web-1.4.0`) -> manifest. */
  manifests: Record<string, Manifest>;
  history: ReleaseHistory;
}

export interface Finding {
  level: 'breaking' | 'dangerous' | 'safe';
  /** Schema coordinate, e.g. `Billing.invoices` or `Query.customers.first`. */
  path: string;
  message: string;
  /** Why it fails or warns, and how to fix it. */
  detail?: string;
  /** `<client version>: <operation>` of the supported operations that use it. */
  usedBy: string[];
}

export interface CheckResult {
  ok: boolean;
  findings: Finding[];
  counts: { breaking: number; dangerous: number; safe: number };
}

const REMOVALS = new Set<string>([ChangeType.FieldRemoved, ChangeType.FieldArgumentRemoved, ChangeType.InputFieldRemoved, ChangeType.EnumValueRemoved]);

/** Every schema coordinate an operation touches: types, `Type.field`, `Type.field.arg` (passed). */
export function usageOf(schema: GraphQLSchema, document: string): Set<string> {
  const used = new Set<string>();
  const info = new TypeInfo(schema);
  // A variable or argument of an input type carries all of it: every nested input type and enum counts.
  const addInput = (t: GraphQLInputType | GraphQLNamedType | null | undefined, seen = new Set<string>()) => {
    const named = t ? getNamedType(t) : undefined;
    if (!named || seen.has(named.name)) return;
    seen.add(named.name);
    used.add(named.name);
    if (isInputObjectType(named)) for (const f of Object.values(named.getFields())) addInput(f.type, seen);
  };
  visit(
    parse(document),
    visitWithTypeInfo(info, {
      Field() {
        const parent = info.getParentType();
        const def = info.getFieldDef();
        if (!parent || !def || def.name.startsWith('__')) return;
        used.add(parent.name);
        used.add(`${parent.name}.${def.name}`);
        used.add(getNamedType(def.type).name);
      },
      Argument(node) {
        const parent = info.getParentType();
        const def = info.getFieldDef();
        if (parent && def) used.add(`${parent.name}.${def.name}.${node.name.value}`);
        addInput(info.getArgument()?.type);
      },
      VariableDefinition(node) {
        addInput(typeFromAST(schema, node.type as never) as GraphQLInputType | undefined);
      },
      InlineFragment(node) {
        if (node.typeCondition) used.add(node.typeCondition.name.value);
      },
      FragmentDefinition(node) {
        used.add(node.typeCondition.name.value);
      },
    }),
  );
  return used;
}

function operationName(document: string, hash: string): string {
  const op = parse(document).definitions.find((d) => d.kind === Kind.OPERATION_DEFINITION);
  return op && 'name' in op && op.name ? op.name.value : `anonymous ${hash.slice(0, 12)}`;
}

/**
 * The usage that decides whether a change at `path` reaches a client: a field's own coordinate
 * for changes on object and interface fields (an argument's only when the change removes it: a
 * newly required or retyped argument breaks every caller of the field), the type for input
 * types, enums, unions and type-level changes.
 */
function usageKey(oldSchema: GraphQLSchema, change: Change): string | undefined {
  if (!change.path) return undefined;
  const [typeName, field, arg] = change.path.split('.');
  const type = oldSchema.getType(typeName!);
  if (!type) return typeName;
  if ((isObjectType(type) || isInterfaceType(type)) && field) {
    return arg && change.type === ChangeType.FieldArgumentRemoved ? `${typeName}.${field}.${arg}` : `${typeName}.${field}`;
  }
  return typeName;
}

/** The deprecation of the coordinate a removal takes away, as the released schema has it. */
function deprecationOf(oldSchema: GraphQLSchema, path: string): string | undefined {
  const [typeName, name, arg] = path.split('.');
  const type = oldSchema.getType(typeName!);
  if (!type || !name) return undefined;
  if (isObjectType(type) || isInterfaceType(type)) {
    const f = type.getFields()[name];
    return arg ? f?.args.find((a) => a.name === arg)?.deprecationReason ?? undefined : f?.deprecationReason ?? undefined;
  }
  if (isInputObjectType(type)) return type.getFields()[name]?.deprecationReason ?? undefined;
  if (isEnumType(type)) return type.getValue(name)?.deprecationReason ?? undefined;
  return undefined;
}

/** Coordinates deprecated in a schema (fields, arguments, input fields, enum values). */
export function deprecatedCoordinates(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const type of Object.values(schema.getTypeMap())) {
    if (type.name.startsWith('__')) continue;
    if (isObjectType(type) || isInterfaceType(type)) {
      for (const f of Object.values(type.getFields())) {
        if (f.deprecationReason) out.push(`${type.name}.${f.name}`);
        for (const a of f.args) if (a.deprecationReason) out.push(`${type.name}.${f.name}.${a.name}`);
      }
    } else if (isInputObjectType(type)) {
      for (const f of Object.values(type.getFields())) if (f.deprecationReason) out.push(`${type.name}.${f.name}`);
    } else if (isEnumType(type)) {
      for (const v of type.getValues()) if (v.deprecationReason) out.push(`${type.name}.${v.name}`);
    }
  }
  return out.sort();
}

/** The history after releasing `schema`: a new release number, deprecations first seen now recorded. */
export function nextHistory(history: ReleaseHistory, schema: string, manifests: string[], date: string): ReleaseHistory {
  const release = (history.releases.at(-1)?.release ?? 0) + 1;
  const deprecated = deprecatedCoordinates(buildSchema(schema));
  // A coordinate no longer deprecated (or gone) forgets its start: deprecating it again restarts the count.
  const deprecations = Object.fromEntries(deprecated.map((c) => [c, history.deprecations[c] ?? release]));
  return { ...history, releases: [...history.releases, { release, date, manifests }], deprecations };
}

export async function checkSchema(input: CheckInput): Promise<CheckResult> {
  const oldSchema = buildSchema(input.released);
  const newSchema = buildSchema(input.current);
  const changes = await diff(oldSchema, newSchema, [DiffRule.ignoreDescriptionChanges]);
  const lastRelease = input.history.releases.at(-1)?.release ?? 0;
  const min = input.history.minDeprecatedReleases;

  // Usage per supported operation, computed against the schema it was built for (the released one).
  const operations = Object.entries(input.manifests).flatMap(([client, manifest]) =>
    Object.entries(manifest).map(([hash, doc]) => ({ label: `${client}: ${operationName(doc, hash)}`, doc, used: usageOf(oldSchema, doc) })),
  );
  const usersOf = (key: string | undefined) => (key ? operations.filter((o) => o.used.has(key)).map((o) => o.label) : operations.map((o) => o.label));

  const findings: Finding[] = changes.map((change): Finding => {
    const path = change.path ?? '';
    const base = { path, message: change.message };
    if (change.criticality.level === CriticalityLevel.NonBreaking) return { ...base, level: 'safe', usedBy: [] };
    if (change.criticality.level === CriticalityLevel.Dangerous) {
      return { ...base, level: 'dangerous', detail: change.criticality.reason, usedBy: usersOf(usageKey(oldSchema, change)) };
    }
    const usedBy = usersOf(usageKey(oldSchema, change));
    if (usedBy.length) {
      return { ...base, level: 'breaking', usedBy, detail: 'Supported clients use it: keep it (deprecate it instead) until no supported manifest does.' };
    }
    if (REMOVALS.has(change.type)) {
      const since = input.history.deprecations[path];
      if (!deprecationOf(oldSchema, path) || since === undefined) {
        return { ...base, level: 'breaking', usedBy, detail: `It was not @deprecated in a release: deprecate it, ship ${min} release(s), then remove it.` };
      }
      const shipped = lastRelease - since + 1;
      if (shipped < min) {
        return { ...base, level: 'breaking', usedBy, detail: `Deprecated in ${shipped} release(s) (since release ${since}); removal needs ${min}.` };
      }
      return { ...base, level: 'dangerous', usedBy, detail: `Deprecated since release ${since} and used by no supported client.` };
    }
    return { ...base, level: 'dangerous', usedBy, detail: `${change.criticality.reason ?? 'Breaking'} No supported operation uses it.` };
  });

  // Safety net: whatever the diff says, every supported operation must still validate.
  const reported = new Set(findings.filter((f) => f.level === 'breaking').flatMap((f) => f.usedBy));
  for (const op of operations) {
    if (reported.has(op.label)) continue;
    const errors = validate(newSchema, parse(op.doc));
    for (const e of errors) findings.push({ level: 'breaking', path: op.label, message: `No longer valid: ${e.message}`, usedBy: [op.label] });
  }

  const counts = { breaking: 0, dangerous: 0, safe: 0 };
  for (const f of findings) counts[f.level]++;
  return { ok: counts.breaking === 0, findings, counts };
}

/** The report `npm run schema:check` prints. */
export function formatReport(result: CheckResult): string {
  const lines: string[] = [];
  const mark = { breaking: '✖ BREAKING ', dangerous: '⚠ DANGEROUS', safe: '✔ SAFE     ' } as const;
  for (const level of ['breaking', 'dangerous', 'safe'] as const) {
    for (const f of result.findings.filter((x) => x.level === level)) {
      lines.push(`${mark[level]} ${f.message}${f.path && !f.message.includes(f.path) ? ` [${f.path}]` : ''}`);
      if (f.usedBy.length && level !== 'safe') lines.push(`             used by ${f.usedBy.join(', ')}`);
      if (f.detail && level !== 'safe') lines.push(`             ${f.detail}`);
    }
  }
  const { breaking, dangerous, safe } = result.counts;
  lines.push(`${breaking} breaking, ${dangerous} dangerous, ${safe} safe change(s).`);
  return lines.join('\n');
}
