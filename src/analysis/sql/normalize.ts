// SQL text reduced to what identifies a statement, the way pg_stat_statements groups queries: the
// constants and the parameters become one placeholder, comments go, whitespace and keyword case stop
// mattering, a trailing semicolon is dropped. Both sides of a match go through it: the text a
// session last sent (pg_stat_activity.query: `$1` from node-postgres and asyncpg, constants spliced
// in by psycopg2) and the text in the source (`$1`, `%s`, `%(name)s`, `:name`, `?`).
//
// The source may also hold text the program fills in (`${table}`, an f-string's `{where}`, `+ sql +`):
// that becomes a WILDCARD token, which a match lets stand for any run of tokens.

/** One placeholder for every constant and parameter. */
export const PARAM = '?';
/** A part of the source text known only when the program runs. */
export const WILDCARD = '\u0000*';

export interface NormalizedSql {
  /** The tokens, space-joined: equal keys mean the same statement. */
  key: string;
  tokens: string[];
}

const IDENT_START = /[A-Za-z_\u0080-\uffff]/;
const IDENT_PART = /[A-Za-z0-9_$\u0080-\uffff]/;

/** Tokens of `sql` with constants and parameters as PARAM; WILDCARD in the text (it never occurs in SQL) stays one token. */
export function sqlTokens(sql: string): string[] {
  const out: string[] = [];
  const n = sql.length;
  let i = 0;
  while (i < n) {
    const c = sql[i] as string;
    const next = sql[i + 1];
    if (c === '\u0000' && next === '*') {
      if (out[out.length - 1] !== WILDCARD) out.push(WILDCARD);
      i += 2;
      continue;
    }
    if (/\s/.test(c)) {
      i++;
      continue;
    }
    // Comments: -- to the end of the line, /* … */ (nested in PostgreSQL).
    if (c === '-' && next === '-') {
      while (i < n && sql[i] !== '\n') i++;
      continue;
    }
    if (c === '/' && next === '*') {
      let depth = 1;
      i += 2;
      while (i < n && depth > 0) {
        if (sql[i] === '/' && sql[i + 1] === '*') {
          depth++;
          i += 2;
        } else if (sql[i] === '*' && sql[i + 1] === '/') {
          depth--;
          i += 2;
        } else i++;
      }
      continue;
    }
    // String constants: '…' with '' inside, E'…' with backslash escapes, B'…', X'…', N'…'.
    if (c === "'" || (/[eEbBxXnN]/.test(c) && next === "'" && !IDENT_PART.test(sql[i - 1] ?? ' '))) {
      const escapes = c === 'e' || c === 'E';
      i += c === "'" ? 1 : 2;
      while (i < n) {
        if (escapes && sql[i] === '\\') i += 2;
        else if (sql[i] === "'" && sql[i + 1] === "'") i += 2;
        else if (sql[i] === "'") break;
        else i++;
      }
      i++;
      out.push(PARAM);
      continue;
    }
    // Dollar-quoted constants: $$…$$, $tag$…$tag$.
    if (c === '$' && /[$A-Za-z_]/.test(next ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i, i + 64));
      if (tag) {
        const end = sql.indexOf(tag[0], i + tag[0].length);
        i = end < 0 ? n : end + tag[0].length;
        out.push(PARAM);
        continue;
      }
    }
    // Parameters: $1, ?, %s, %(name)s, :name (not the :: of a cast).
    if (c === '$' && /[0-9]/.test(next ?? '')) {
      i++;
      while (i < n && /[0-9]/.test(sql[i] as string)) i++;
      out.push(PARAM);
      continue;
    }
    if (c === '%' && (next === 's' || next === 'b' || next === 't')) {
      i += 2;
      out.push(PARAM);
      continue;
    }
    if (c === '%' && next === '(') {
      const close = sql.indexOf(')', i);
      if (close > 0 && /[sbt]/.test(sql[close + 1] ?? '')) {
        i = close + 2;
        out.push(PARAM);
        continue;
      }
    }
    if (c === ':' && next !== ':' && sql[i - 1] !== ':' && IDENT_START.test(next ?? '')) {
      i++;
      while (i < n && IDENT_PART.test(sql[i] as string)) i++;
      out.push(PARAM);
      continue;
    }
    if (c === '?') {
      i++;
      out.push(PARAM);
      continue;
    }
    // A minus right before a number where no operand precedes it is the number's sign, part of the
    // constant: psycopg2 splices -20 in as ` -20` where the source says `%s` (and pg_stat_statements
    // reads `-20` as one constant). After an operand (`a -1`, `$1 -1`, `) -1`) it is an operator.
    if (c === '-' && startsNumber(sql, i + 1) && !isOperand(out[out.length - 1])) {
      i++;
      continue;
    }
    // Numbers.
    if (startsNumber(sql, i)) {
      while (i < n && /[0-9a-zA-Z_.]/.test(sql[i] as string)) {
        if ((sql[i] === 'e' || sql[i] === 'E') && /[+-]/.test(sql[i + 1] ?? '')) i++;
        i++;
      }
      out.push(PARAM);
      continue;
    }
    // Quoted identifiers keep their case; others fold to lower case, as PostgreSQL folds them.
    if (c === '"') {
      const start = i;
      i++;
      while (i < n) {
        if (sql[i] === '"' && sql[i + 1] === '"') i += 2;
        else if (sql[i] === '"') break;
        else i++;
      }
      i++;
      out.push(sql.slice(start, i));
      continue;
    }
    if (IDENT_START.test(c)) {
      const start = i;
      while (i < n && IDENT_PART.test(sql[i] as string)) i++;
      const word = sql.slice(start, i).toLowerCase();
      // TRUE, FALSE and NULL are constants (psycopg2 sends a bool or None as one where the source says
      // `%s`), except the NULL of `IS [NOT] NULL`.
      if (word === 'true' || word === 'false' || (word === 'null' && !isNullTest(out))) out.push(PARAM);
      else out.push(word);
      continue;
    }
    // Operators: runs of operator characters are one token; other punctuation one character each.
    if (/[+\-*/<>=~!@#%^&|`]/.test(c)) {
      const start = i;
      while (i < n && /[+\-*/<>=~!@#%^&|`]/.test(sql[i] as string) && !(sql[i] === '-' && sql[i + 1] === '-')) i++;
      // psycopg2 source writes the % operator as %% (it sends one).
      out.push(sql.slice(start, i).replaceAll('%%', '%'));
      continue;
    }
    if (c === ':' && next === ':') {
      out.push('::');
      i += 2;
      continue;
    }
    out.push(c);
    i++;
  }
  while (out[out.length - 1] === ';') out.pop();
  return collapseLists(out);
}

/**
 * Lists of placeholders read as one: `IN (?, ?, ?)` (psycopg2 spells a tuple out), `VALUES (?, ?), (?, ?)`,
 * `ARRAY[?, ?]` become `IN ?`, `VALUES ?`, `ARRAY ?`, so a list of any length matches `IN %s`.
 */
function collapseLists(tokens: string[]): string[] {
  let changed = true;
  let current = tokens;
  while (changed) {
    changed = false;
    const out: string[] = [];
    for (let i = 0; i < current.length; i++) {
      const t = current[i] as string;
      // ? :: type  →  ?  (psycopg2 sends a date as '2026-12-03'::date, a timedelta as '…'::interval, bytes
      // as '…'::bytea where the source says `%s`; a cast of a parameter is dropped on both sides alike)
      if (t === '::' && out[out.length - 1] === PARAM && /^[a-z_"]/.test(current[i + 1] ?? '')) {
        i++;
        while (current[i + 1] === '[' && current[i + 2] === ']') i += 2;
        changed = true;
        continue;
      }
      // ARRAY ?  →  ?  (psycopg2 sends a list as ARRAY[1,2,3] where the source says `%s`)
      if (t === PARAM && out[out.length - 1] === 'array') {
        out[out.length - 1] = PARAM;
        changed = true;
        continue;
      }
      // ? , ?  →  ?
      if (t === ',' && out[out.length - 1] === PARAM && current[i + 1] === PARAM) {
        i++;
        changed = true;
        continue;
      }
      // ( ? ) and [ ? ] → ?  (not a call's parentheses: `f(?)` keeps them, only a list after a keyword or operator)
      if ((t === '(' || t === '[') && current[i + 1] === PARAM && current[i + 2] === (t === '(' ? ')' : ']') && !isCallee(out[out.length - 1])) {
        out.push(PARAM);
        i += 2;
        changed = true;
        continue;
      }
      out.push(t);
    }
    current = out;
  }
  return current;
}

function startsNumber(sql: string, i: number): boolean {
  const c = sql[i] ?? '';
  return /[0-9]/.test(c) || (c === '.' && /[0-9]/.test(sql[i + 1] ?? ''));
}

/** Keywords after which a minus is a sign (`SELECT -1`, `THEN -1`, `IN (-1)`); other words are operands. */
const BEFORE_OPERAND = new Set(['select', 'where', 'and', 'or', 'not', 'then', 'else', 'when', 'case', 'values', 'in', 'between', 'like', 'by', 'limit', 'offset', 'is', 'set', 'return', 'returning', 'on', 'having', 'distinct', 'all', 'any', 'some', 'array']);

/** Whether a token ends an operand (a minus after it is subtraction). */
function isOperand(previous: string | undefined): boolean {
  if (previous === undefined) return false;
  if (previous === PARAM || previous === ')' || previous === ']' || previous === WILDCARD) return true;
  if (previous.startsWith('"')) return true;
  return /^[a-z_\u0080-\uffff]/.test(previous) && !BEFORE_OPERAND.has(previous);
}

/** Whether the NULL being read ends `IS NULL` or `IS NOT NULL`. */
function isNullTest(out: readonly string[]): boolean {
  const last = out[out.length - 1];
  return last === 'is' || (last === 'not' && out[out.length - 2] === 'is');
}

const LIST_KEYWORDS = new Set(['in', 'values', 'array', 'any', 'all', 'some', 'by', 'and', 'or', 'not', 'select', 'where', 'set', 'then', 'else', 'when', 'on', 'from', 'returning', 'as']);

function isCallee(previous: string | undefined): boolean {
  if (previous === undefined) return false;
  if (LIST_KEYWORDS.has(previous)) return false;
  return /^[a-z_"]/.test(previous);
}

export function normalizeSql(sql: string): NormalizedSql {
  const tokens = sqlTokens(sql);
  return { key: tokens.join(' '), tokens };
}

/**
 * Whether the tokens read as a statement an application sends, not a sentence passed to a function
 * (`'Select a database'`, `'update the cache'`): the statement's own shape, not only its first word.
 */
export function looksLikeSql(tokens: readonly string[]): boolean {
  const at = tokens.findIndex((t) => t !== '(' && t !== WILDCARD);
  if (at < 0) return false;
  const rest = tokens.slice(at);
  const [first, second] = rest;
  switch (first) {
    case 'select':
      return rest.includes('from') || second === PARAM || second === '*' || second === WILDCARD || rest.includes('(');
    case 'insert':
    case 'merge':
      return second === 'into';
    case 'update':
      return rest.slice(2, 7).includes('set');
    case 'delete':
      return second === 'from';
    case 'with': {
      const as = rest.indexOf('as');
      return as > 0 && as < 12 && (rest[as + 1] === '(' || rest[as + 2] === '(');
    }
    case 'create':
    case 'alter':
    case 'drop':
      return second !== undefined && DDL_OBJECTS.has(second);
    default:
      return first !== undefined && OTHER_STATEMENTS.has(first) && rest.length >= 2;
  }
}

const DDL_OBJECTS = new Set([
  'table', 'index', 'view', 'schema', 'sequence', 'function', 'procedure', 'type', 'extension', 'materialized', 'unique', 'or',
  'temp', 'temporary', 'unlogged', 'trigger', 'role', 'user', 'database', 'policy', 'domain', 'publication', 'subscription',
]);

const OTHER_STATEMENTS = new Set(['truncate', 'vacuum', 'analyze', 'lock', 'copy', 'refresh', 'listen', 'notify', 'call', 'explain', 'grant', 'revoke', 'savepoint', 'prepare', 'declare', 'reindex', 'cluster']);
