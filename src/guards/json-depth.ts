/**
 * The nesting depth of the JSON a request carries besides its document (`variables`,
 * `extensions`), bounded in the HTTP layer before anything else reads it. JSON.parse takes any
 * depth, but every recursive walk after it (JSON.stringify in the response-cache key and the
 * idempotency fingerprint, variable coercion, log serializers) overflows the stack at a few
 * thousand levels: a 10 KB body was a 500 and a stack trace per request. Both walks here are
 * iterative and stop at the first level over the limit.
 */
import type { FastifyRequest } from 'fastify';

/** True when `value` nests objects/arrays more than `max` levels (`{}` is 1, `{"a":{}}` is 2). */
export function deeperThan(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [v, above] = stack.pop()!;
    if (v === null || typeof v !== 'object') continue;
    const depth = above + 1;
    if (depth > max) return true;
    for (const child of Array.isArray(v) ? v : Object.values(v))
      if (child !== null && typeof child === 'object') stack.push([child, depth]);
  }
  return false;
}

/** The same for JSON text not parsed yet (a GET's `variables`): brackets outside strings. Malformed text is the parser's to report. */
export function textDeeperThan(text: string, max: number): boolean {
  let depth = 0;
  let inString = false;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c)
        i++; // backslash: skip the escaped character
      else if (c === 0x22) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b || c === 0x5b) {
      if (++depth > max) return true;
    } else if (c === 0x7d || c === 0x5d) depth--;
  }
  return false;
}

/**
 * The first part of a /graphql request nested deeper than `max`, named as the client wrote it
 * (`variables`, `extensions`, `[2].variables` in a batch), or undefined. Every member of the body
 * is checked, not only those two: nothing later walks an unchecked one.
 */
export function tooDeepPart(req: Pick<FastifyRequest, 'method' | 'query' | 'body'>, max: number): string | undefined {
  if (req.method === 'GET') {
    // The only JSON members of a GET (`query` and `operationName` are plain strings).
    const query = (req.query ?? {}) as Record<string, unknown>;
    for (const name of ['variables', 'extensions']) {
      const value = query[name];
      const texts: unknown[] = Array.isArray(value) ? value : [value];
      if (texts.some((v) => typeof v === 'string' && textDeeperThan(v, max))) return name;
    }
    return undefined;
  }
  const body = req.body;
  const members = (request: unknown, prefix: string): string | undefined => {
    if (request === null || typeof request !== 'object' || Array.isArray(request)) return deeperThan(request, max) ? prefix : undefined;
    for (const [name, value] of Object.entries(request)) if (deeperThan(value, max)) return `${prefix}${prefix ? '.' : ''}${name}`;
    return undefined;
  };
  if (Array.isArray(body)) {
    for (let i = 0; i < body.length; i++) {
      const part = members(body[i], `[${i}]`);
      if (part) return part;
    }
    return undefined;
  }
  return body && typeof body === 'object' ? members(body, '') : undefined;
}
