/**
 * The SOQL subset Portico sends, parsed as Salesforce does: SELECT fields (with one level of
 * parent relationship, `Account.Name`) FROM one object, WHERE with =, !=, <, <=, >, >=, IN,
 * NOT IN, LIKE, NOT and parentheses (AND and OR may not be mixed without parentheses, as in
 * SOQL), ORDER BY one field [ASC|DESC] [NULLS FIRST|LAST], LIMIT, OFFSET (at most 2000).
 * String literals take SOQL's backslash escapes; a quote can only end a literal, never the query.
 * Errors are Salesforce's codes and message layout (`ERROR at Row:1:Column:N`).
 */

export type FieldType = 'id' | 'string' | 'datetime' | 'boolean';
export type Value = string | number | boolean | null;

export interface ObjectSchema {
  name: string;
  /** Canonical field names ('Account.Name' for a parent field) and their types. */
  fields: Record<string, FieldType>;
}

export class SoqlError extends Error {
  constructor(
    readonly errorCode: string,
    message: string,
  ) {
    super(message);
  }
}

type Tok = { t: 'word' | 'str' | 'num' | 'dt' | 'op' | 'eof'; v: string; pos: number };
export type Expr =
  | { k: 'and' | 'or'; items: Expr[] }
  | { k: 'not'; e: Expr }
  | { k: 'cmp'; field: string; op: string; value: Value }
  | { k: 'in'; field: string; values: Value[]; not: boolean }
  | { k: 'like'; field: string; re: RegExp };

export interface Query {
  fields: string[];
  where?: Expr;
  orderBy?: { field: string; desc: boolean; nullsLast: boolean };
  limit?: number;
  offset?: number;
}

const RESERVED = new Set('SELECT FROM WHERE AND OR NOT IN LIKE ORDER BY ASC DESC NULLS LIMIT OFFSET NULL TRUE FALSE'.split(' '));
const ESCAPES: Record<string, string> = { n: '\n', r: '\r', t: '\t', b: '\b', f: '\f', '"': '"', "'": "'", '\\': '\\' };
const LEXEMES: [Tok['t'], RegExp][] = [
  ['dt', /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,3})?(Z|[+-]\d{2}:?\d{2})/],
  ['num', /^-?\d+(\.\d+)?(?![\w-])/],
  ['word', /^[A-Za-z_]\w*(\.[A-Za-z_]\w*)?/],
  ['op', /^(!=|<>|<=|>=|=|<|>|\(|\)|,)/],
];

/** Tokens with their offsets (for the error caret); string literals stay raw, escapes checked. */
function tokenize(q: string, fail: (pos: number, msg: string) => never): Tok[] {
  const toks: Tok[] = [];
  let i = 0;
  while (i < q.length) {
    const rest = q.slice(i);
    const ws = /^\s+/.exec(rest);
    if (ws) {
      i += ws[0].length;
      continue;
    }
    if (rest[0] === "'") {
      // Kept raw (escapes undecoded) so LIKE can tell `\%` from `%`; validated here.
      let j = i + 1;
      for (; j < q.length && q[j] !== "'"; j++) {
        if (q[j] !== '\\') continue;
        j++;
        if (j >= q.length || !(q[j] in ESCAPES || q[j] === '%' || q[j] === '_'))
          fail(i, `Invalid string literal '${q.slice(i + 1, j + 1)}'. Illegal character sequence '\\${q[j] ?? ''}' in string literal.`);
      }
      if (j >= q.length) fail(i, `line 1:${i} mismatched character '<EOF>' expecting '''`);
      toks.push({ t: 'str', v: q.slice(i + 1, j), pos: i });
      i = j + 1;
      continue;
    }
    const m = LEXEMES.map(([t, re]) => ({ t, m: re.exec(rest) })).find((x) => x.m) as { t: Tok['t']; m: RegExpExecArray } | undefined;
    if (!m) fail(i, `unexpected token: '${rest[0]}'`);
    toks.push({ t: m.t, v: m.m[0], pos: i });
    i += m.m[0].length;
  }
  toks.push({ t: 'eof', v: '<EOF>', pos: q.length });
  return toks;
}

/** Decodes a raw literal for equality: every escape stands for its character. */
export function decode(raw: string): string {
  return raw.replace(/\\(.)/g, (_m, c: string) => ESCAPES[c] ?? c);
}

/** LIKE: % and _ are wildcards unless escaped; case-insensitive as in Salesforce. */
function likeRegex(raw: string): RegExp {
  const literal = (s: string) => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
  let re = '';
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i];
    if (c === '\\') {
      re += literal(decode(raw.slice(i, i + 2)));
      i++;
    } else if (c === '%') re += '[\\s\\S]*';
    else if (c === '_') re += '[\\s\\S]';
    else re += literal(c);
  }
  return new RegExp(`^${re}$`, 'i');
}

export function parseSoql(q: string, schema: ObjectSchema): Query {
  const fail = (pos: number, msg: string, code = 'MALFORMED_QUERY'): never => {
    const before = q.slice(0, pos);
    const row = before.split('\n').length;
    const col = pos - before.lastIndexOf('\n');
    const line = q.split('\n')[row - 1];
    throw new SoqlError(code, `\n${line}\n${' '.repeat(col - 1)}^\nERROR at Row:${row}:Column:${col}\n${msg}`);
  };
  const toks = tokenize(q, fail);
  let p = 0;
  const peek = () => toks[p];
  const isWord = (w: string, t = peek()) => t.t === 'word' && t.v.toUpperCase() === w;
  const unexpected = (t = peek()): never => fail(t.pos, `unexpected token: '${t.v}'`);
  const expectWord = (w: string) => (isWord(w) ? toks[p++] : unexpected());
  const expectOp = (o: string) => (peek().t === 'op' && peek().v === o ? toks[p++] : unexpected());
  const byLower = new Map(Object.keys(schema.fields).map((f) => [f.toLowerCase(), f]));
  const field = (): string => {
    const t = peek();
    if (t.t !== 'word' || RESERVED.has(t.v.toUpperCase())) return unexpected();
    p++;
    return (
      byLower.get(t.v.toLowerCase()) ??
      fail(
        t.pos,
        `No such column '${t.v}' on entity '${schema.name}'. If you are attempting to use a custom field, be sure to append the '__c' after the custom field name. Please reference your WSDL or the describe call for the appropriate names.`,
        'INVALID_FIELD',
      )
    );
  };
  /** A literal of the field's type: strings quoted, datetimes not, as Salesforce insists. */
  const value = (f: string): Value => {
    const t = toks[p++];
    if (isWord('NULL', t)) return null;
    const type = schema.fields[f];
    if (type === 'boolean' && (isWord('TRUE', t) || isWord('FALSE', t))) return t.v.toUpperCase() === 'TRUE';
    if (type === 'datetime' && t.t === 'dt') return Date.parse(t.v.replace(/([+-]\d{2})(\d{2})$/, '$1:$2'));
    if ((type === 'string' || type === 'id') && t.t === 'str') return decode(t.v);
    if (t.t === 'eof' || (t.t === 'op' && t.v !== '(')) return unexpected(t);
    const want = type === 'datetime' ? 'dateTime and should not be enclosed in quotes' : `${type} and should be enclosed in quotes`;
    return fail(t.pos, `value of filter criterion for field '${f}' must be of type ${want}`, 'INVALID_FIELD');
  };
  const term = (): Expr => {
    if (peek().t === 'op' && peek().v === '(') {
      p++;
      const e = cond();
      expectOp(')');
      return e;
    }
    if (isWord('NOT')) {
      p++;
      return { k: 'not', e: term() };
    }
    const f = field();
    const t = peek();
    if (t.t === 'op' && ['=', '!=', '<>', '<', '<=', '>', '>='].includes(t.v)) {
      p++;
      return { k: 'cmp', field: f, op: t.v === '<>' ? '!=' : t.v, value: value(f) };
    }
    const not = isWord('NOT') && isWord('IN', toks[p + 1]);
    if (not) p++;
    if (isWord('IN')) {
      p++;
      expectOp('(');
      const values = [value(f)];
      while (peek().t === 'op' && peek().v === ',') {
        p++;
        values.push(value(f));
      }
      expectOp(')');
      return { k: 'in', field: f, values, not };
    }
    if (isWord('LIKE')) {
      p++;
      const s = toks[p++];
      if (s.t !== 'str') return unexpected(s);
      if (schema.fields[f] !== 'string') fail(t.pos, `invalid operator on ${schema.fields[f]} field: LIKE`, 'INVALID_FIELD');
      return { k: 'like', field: f, re: likeRegex(s.v) };
    }
    return unexpected();
  };
  const cond = (): Expr => {
    const first = term();
    const op = isWord('AND') ? 'and' : isWord('OR') ? 'or' : undefined;
    if (!op) return first;
    const items = [first];
    // SOQL refuses `a AND b OR c`: mixing needs parentheses.
    while (isWord(op.toUpperCase())) {
      p++;
      items.push(term());
    }
    if (isWord('AND') || isWord('OR')) unexpected();
    return { k: op, items };
  };
  const int = (what: string): number => {
    const t = toks[p++];
    if (t.t !== 'num' || !/^\d+$/.test(t.v)) return unexpected(t);
    const n = Number(t.v);
    if (what === 'OFFSET' && n > 2000) throw new SoqlError('NUMBER_OUTSIDE_VALID_RANGE', 'Maximum SOQL offset allowed is 2000');
    return n;
  };

  expectWord('SELECT');
  const fields = [field()];
  while (peek().t === 'op' && peek().v === ',') {
    p++;
    const pos = peek().pos;
    const f = field();
    if (fields.includes(f)) fail(pos, `duplicate field selected: ${f}`);
    fields.push(f);
  }
  expectWord('FROM');
  const obj = toks[p++];
  if (obj.t !== 'word') unexpected(obj);
  if (obj.v.toLowerCase() !== schema.name.toLowerCase())
    fail(
      obj.pos,
      `sObject type '${obj.v}' is not supported. If you are attempting to use a custom object, be sure to append the '__c' after the entity name. Please reference your WSDL or the describe call for the appropriate names.`,
      'INVALID_TYPE',
    );
  const out: Query = { fields };
  const clause = (w: string) => isWord(w) && ++p > 0;
  if (clause('WHERE')) out.where = cond();
  if (isWord('ORDER')) {
    p++;
    expectWord('BY');
    const f = field();
    const desc = isWord('DESC');
    if (desc || isWord('ASC')) p++;
    let nullsLast = desc;
    if (isWord('NULLS')) {
      p++;
      nullsLast = isWord('LAST');
      if (!nullsLast) expectWord('FIRST');
      else p++;
    }
    out.orderBy = { field: f, desc, nullsLast };
  }
  if (clause('LIMIT')) out.limit = int('LIMIT');
  if (clause('OFFSET')) out.offset = int('OFFSET');
  if (peek().t !== 'eof') unexpected();
  return out;
}

const norm = (v: Value) => (typeof v === 'string' ? v.toLowerCase() : v);
/** Ids compare case-sensitively, a 15-character id equal to its 18-character form; strings ignore case. */
const key = (v: Value, type: FieldType | undefined) => (type === 'id' && typeof v === 'string' ? v.slice(0, 15) : norm(v));

/** Evaluates a WHERE clause as SOQL does: null only equals null and fails every ordering. */
export function matches(e: Expr, get: (field: string) => Value, types: Record<string, FieldType>): boolean {
  switch (e.k) {
    case 'and':
      return e.items.every((x) => matches(x, get, types));
    case 'or':
      return e.items.some((x) => matches(x, get, types));
    case 'not':
      return !matches(e.e, get, types);
    case 'like': {
      const v = get(e.field);
      return typeof v === 'string' && e.re.test(v);
    }
    case 'in': {
      const v = key(get(e.field), types[e.field]);
      return e.values.some((x) => key(x, types[e.field]) === v) !== e.not;
    }
    case 'cmp': {
      const a = key(get(e.field), types[e.field]);
      const b = key(e.value, types[e.field]);
      if (e.op === '=') return a === b;
      if (e.op === '!=') return a !== b;
      if (a === null || b === null) return false;
      return e.op === '<' ? a < b : e.op === '<=' ? a <= b : e.op === '>' ? a > b : a >= b;
    }
  }
}

/** ORDER BY: ascending puts nulls first, descending last, unless NULLS says otherwise. */
export function compareBy(o: NonNullable<Query['orderBy']>, a: Value, b: Value): number {
  if (a === null || b === null) return a === b ? 0 : (a === null) === o.nullsLast ? 1 : -1;
  const x = norm(a)!;
  const y = norm(b)!;
  const c = x < y ? -1 : x > y ? 1 : 0;
  return o.desc ? -c : c;
}
