/**
 * Enforces the authorization declared in each subgraph's SDL, inside the subgraph (so it still
 * holds when a subgraph runs as its own service). The directives are Federation's own
 * `@authenticated` and `@requiresScopes`, so Apollo Router enforces the same supergraph the same way.
 *
 * Deny by default: a root field (Query/Mutation) without a declared policy is denied at run time,
 * and `undeclaredRootFields` lets a test fail the build when one exists.
 */
import {
  defaultFieldResolver,
  isObjectType,
  Kind,
  type ConstDirectiveNode,
  type DocumentNode,
  type GraphQLField,
  type GraphQLFieldResolver,
  type GraphQLSchema,
  type ValueNode,
} from 'graphql';
import { ForbiddenError, UnauthenticatedError } from '../errors/index.js';
import { hasScopes, type Principal } from './principal.js';

export interface Policy {
  authenticated: boolean;
  /** OR of ANDs, as in @requiresScopes(scopes: [[a, b], [c]]). Empty = no scope requirement. */
  scopes: string[][];
}

const FEDERATION_INTERNAL = new Set(['_service', '_entities']);

function valueToJs(v: ValueNode): unknown {
  switch (v.kind) {
    case Kind.LIST:
      return v.values.map(valueToJs);
    case Kind.STRING:
    case Kind.ENUM:
      return v.value;
    default:
      return undefined;
  }
}

function readPolicy(directives: readonly ConstDirectiveNode[] | undefined): Policy | undefined {
  let policy: Policy | undefined;
  for (const d of directives ?? []) {
    if (d.name.value === 'authenticated') policy = { authenticated: true, scopes: policy?.scopes ?? [] };
    if (d.name.value === 'requiresScopes') {
      const arg = d.arguments?.find((a) => a.name.value === 'scopes');
      const scopes = (arg ? valueToJs(arg.value) : []) as string[][];
      policy = { authenticated: true, scopes: [...(policy?.scopes ?? []), ...scopes] };
    }
  }
  return policy;
}

export function fieldPolicy(
  typeDirectives: readonly ConstDirectiveNode[] | undefined,
  field: GraphQLField<unknown, unknown>,
): Policy | undefined {
  const onType = readPolicy(typeDirectives);
  const onField = readPolicy(field.astNode?.directives);
  if (!onType) return onField;
  if (!onField) return onType;
  // Both apply: scopes of the type AND of the field (Router semantics: every directive must pass).
  const scopes =
    onType.scopes.length === 0
      ? onField.scopes
      : onField.scopes.length === 0
        ? onType.scopes
        : onType.scopes.flatMap((a) => onField.scopes.map((b) => [...a, ...b]));
  return { authenticated: true, scopes };
}

export function checkPolicy(policy: Policy, principal: Principal): void {
  if (policy.authenticated && principal.kind === 'anonymous') throw new UnauthenticatedError();
  if (policy.scopes.length > 0 && !hasScopes(principal, policy.scopes)) throw new ForbiddenError();
}

export interface PolicyContext {
  principal: Principal;
}

/** Root fields that would be exposed without a policy. Must be empty (a test asserts it). */
export function undeclaredRootFields(schema: GraphQLSchema): string[] {
  const out: string[] = [];
  for (const root of [schema.getQueryType(), schema.getMutationType()]) {
    if (!root) continue;
    for (const field of Object.values(root.getFields())) {
      if (!FEDERATION_INTERNAL.has(field.name) && !fieldPolicy(root.astNode?.directives, field)) out.push(`${root.name}.${field.name}`);
    }
  }
  return out;
}

/** Wraps every field that declares a policy (and denies undeclared root fields). Mutates and returns the schema. */
export function enforcePolicies(schema: GraphQLSchema): GraphQLSchema {
  const roots = new Set([schema.getQueryType()?.name, schema.getMutationType()?.name]);
  for (const type of Object.values(schema.getTypeMap())) {
    if (!isObjectType(type) || type.name.startsWith('__')) continue;
    const typeDirectives = [...(type.astNode?.directives ?? []), ...(type.extensionASTNodes ?? []).flatMap((n) => n.directives ?? [])];
    for (const field of Object.values(type.getFields())) {
      if (FEDERATION_INTERNAL.has(field.name)) continue;
      const policy = fieldPolicy(typeDirectives, field);
      const resolve: GraphQLFieldResolver<unknown, PolicyContext> = field.resolve ?? defaultFieldResolver;
      if (policy) {
        field.resolve = (src, args, ctx: PolicyContext, info) => {
          checkPolicy(policy, ctx.principal);
          return resolve(src, args, ctx, info);
        };
      } else if (roots.has(type.name)) {
        field.resolve = () => {
          throw new ForbiddenError(`${type.name}.${field.name} declares no authorization policy and is denied.`);
        };
      }
    }
  }
  return schema;
}

/**
 * Policies of every `Type.field` declared in a set of subgraph SDLs (type-level directives apply
 * to each of the type's fields). Used to show each principal only the schema it can reach.
 */
export function policiesOf(docs: readonly DocumentNode[]): Map<string, Policy> {
  const out = new Map<string, Policy>();
  for (const doc of docs) {
    for (const def of doc.definitions) {
      if (def.kind !== Kind.OBJECT_TYPE_DEFINITION && def.kind !== Kind.OBJECT_TYPE_EXTENSION) continue;
      const onType = readPolicy(def.directives);
      for (const f of def.fields ?? []) {
        const onField = readPolicy(f.directives);
        const policy =
          onType && onField
            ? {
                authenticated: true,
                scopes:
                  onType.scopes.length === 0
                    ? onField.scopes
                    : onField.scopes.length === 0
                      ? onType.scopes
                      : onType.scopes.flatMap((a) => onField.scopes.map((b) => [...a, ...b])),
              }
            : (onField ?? onType);
        if (policy) out.set(`${def.name.value}.${f.name.value}`, policy);
      }
    }
  }
  return out;
}

/** Whether a principal could ever pass a policy (ownership aside). */
export function canPass(policy: Policy, principal: Principal): boolean {
  if (policy.authenticated && principal.kind === 'anonymous') return false;
  return policy.scopes.length === 0 || hasScopes(principal, policy.scopes);
}
