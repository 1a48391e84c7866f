import { GraphQLError, GraphQLScalarType, Kind } from 'graphql';

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function toIso(value: unknown): string {
  if (value instanceof Date) return value.toISOString();
  if (typeof value === 'string' && ISO.test(value)) return new Date(value).toISOString();
  throw new GraphQLError('DateTime must be an ISO-8601 date-time, e.g. 2026-11-22T18:00:00Z.');
}

/** ISO-8601 date-time, always serialized in UTC. */
export const DateTimeScalar = new GraphQLScalarType({
  name: 'DateTime',
  description: 'An ISO-8601 date-time in UTC, e.g. `2026-11-22T18:00:00Z`.',
  serialize: toIso,
  parseValue: toIso,
  parseLiteral: (ast) => (ast.kind === Kind.STRING ? toIso(ast.value) : toIso(undefined)),
});
