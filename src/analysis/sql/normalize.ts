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
    // Numbers (a sign before one is an operator token: `- ?` reads the same on both sides).
    if (/[0-9]/.test(c) || (c === '.' && /[0-9]/.test(next ?? ''))) {
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
      out.push(sql.slice(start, i).toLowerCase());
      continue;
    }
    // Operators: runs of operator characters are one token; other punctuation one character each.
    if (/[+\-*/<>=~!@#%^&|`]/.test(c)) {
      const start = i;
      while (i < n && /[+\-*/<>=~!@#%^&|`]/.test(sql[i] as string) && !(sql[i] === '-' && sql[i + 1] === '-')) i++;
      out.push(sql.slice(start, i));
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

/** Whether `sql` reads like a statement (starts with a keyword PostgreSQL runs), not any string passed to a function named query. */
export function looksLikeSql(tokens: readonly string[]): boolean {
  const first = tokens.find((t) => t !== '(' && t !== WILDCARD);
  if (first === undefined) return false;
  return STATEMENT_START.has(first);
}

const STATEMENT_START = new Set([
  'select', 'insert', 'update', 'delete', 'with', 'values', 'table', 'call', 'do', 'begin', 'commit', 'rollback', 'start', 'end',
  'savepoint', 'release', 'set', 'reset', 'show', 'lock', 'listen', 'notify', 'unlisten', 'copy', 'create', 'alter', 'drop',
  'truncate', 'grant', 'revoke', 'vacuum', 'analyze', 'explain', 'refresh', 'prepare', 'execute', 'deallocate', 'declare', 'fetch',
  'move', 'close', 'discard', 'merge', 'comment', 'cluster', 'reindex', 'checkpoint', 'abort',
]);
