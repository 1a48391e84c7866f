/**
 * Relay-style connections over lists the connector already holds. Cursors are opaque base64url
 * strings; a malformed one is BAD_USER_INPUT, never a crash.
 */
import { BadUserInputError } from '../errors/index.js';

export interface Connection<T> {
  totalCount: number;
  nodes: T[];
  edges: { cursor: string; node: T }[];
  pageInfo: { hasNextPage: boolean; endCursor: string | null };
}

export const MAX_PAGE_SIZE = 100;

export function checkFirst(first: number | null | undefined, fallback: number): number {
  const n = first ?? fallback;
  if (!Number.isInteger(n) || n < 1 || n > MAX_PAGE_SIZE)
    throw new BadUserInputError(`"first" must be between 1 and ${MAX_PAGE_SIZE}, e.g. first: 20.`, 'first');
  return n;
}

export function encodeCursor(value: unknown): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

export function decodeCursor<T>(cursor: string, check: (v: unknown) => v is T): T {
  try {
    const v: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (check(v)) return v;
  } catch {
    // fall through to the error below
  }
  throw new BadUserInputError('"after" is not a cursor this API issued. Pass pageInfo.endCursor of the previous page.', 'after');
}

const isOffset = (v: unknown): v is { o: number } =>
  typeof v === 'object' && v !== null && Number.isInteger((v as { o: unknown }).o) && (v as { o: number }).o >= 0;

/** Index of the first item after an offset cursor (0 without one). */
export function offsetStart(after: string | null | undefined): number {
  return after ? decodeCursor(after, isOffset).o + 1 : 0;
}

export function offsetCursor(index: number): string {
  return encodeCursor({ o: index });
}

export interface PageArgs {
  size: number;
  start: number;
}

/** Validates `first`/`after` before any upstream call is made. */
export function pageArgs(first: number | null | undefined, after: string | null | undefined, fallbackFirst = 10): PageArgs {
  return { size: checkFirst(first, fallbackFirst), start: offsetStart(after) };
}

/** A page of an in-memory list; cursors are offsets. */
export function offsetPage<T>(items: readonly T[], { size, start }: PageArgs): Connection<T> {
  const slice = items.slice(start, start + size);
  const edges = slice.map((node, i) => ({ cursor: offsetCursor(start + i), node }));
  return {
    totalCount: items.length,
    nodes: slice,
    edges,
    pageInfo: { hasNextPage: start + size < items.length, endCursor: edges.at(-1)?.cursor ?? null },
  };
}

/** A page the store already cut (`nodes` from `start`, of `total` in all), as an admin list answers it: offset cursors. */
export function storedPage<T>(start: number, total: number, nodes: T[]) {
  return {
    totalCount: total,
    nodes,
    pageInfo: { hasNextPage: start + nodes.length < total, endCursor: nodes.length ? offsetCursor(start + nodes.length - 1) : null },
  };
}
