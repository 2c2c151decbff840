// What a Go workspace declares of its own types, read off the text of each file, and what that says of
// a call `x.Query(…)`: whether `x` is pgx's or database/sql's (or a wrapper that returns their rows,
// transactions or connections), or the workspace's own type whose `Query` returns a struct, a slice or
// nothing live at all (pgweb's `Client.Query` returns a `*Result` it read and closed itself; pgwatch's
// `BlockingPool.Query` test double returns `nil, ctx.Err()`).
//
// Each file states facts (fileFacts in drivers.ts, `go:` strings); the lowering writes each call's
// receiver as a type reference (Callee.receiverType); ownTypeMarkers joins the two and puts the calls
// that are not acquires into the file's poolNames, which the catalogue reads (and the incremental
// analyser's result cache keys on).
//
// Facts (types without `*` and type arguments; `T` a type's name, `M` a method's):
//   go:m:T.M:R    T (a struct's method or an interface's) has acquire-named M whose first result is R
//                 (`-`: none, a builtin such as `error`, a slice or a map; `?`: unread)
//   go:mr:T.M:R   any method M of T whose first result is the named type R
//   go:nil:T.M    every `return` of that method gives first `nil` (a test double) or a field of its
//                 receiver (a getter: `return l.conn, nil` lends what the owner holds and releases)
//   go:c:T        T has Close, Release, Commit or Rollback: it holds something (a wrapper)
//   go:f:T.f:F    field f of struct T has type F
//   go:e:T:E      T embeds E (its methods are T's), or is an alias of E
//   go:v:x:X      package variable x has type X (`=F` for the result of function F)
//   go:r:F:R      function F's first result is R
// A type reference (Callee.receiverType) is a base, `T:<type>`, `v:<package variable>` or
// `r:<function>`, then `>field` for each field read off it and `>Method()` for each method called on
// it: `v:server>db>pool`, `v:qr>RemoteReadQuerier()`.
import type { FileModel } from '../model';
import { visitCalls } from '../checker/functionContext';

/** The methods the Go catalogue acquires by (apis/go.ts). */
export const GO_ACQUIRE_METHODS = new Set(['Acquire', 'Conn', 'Query', 'QueryContext', 'Begin', 'BeginTx', 'SendBatch']);
const CLOSER_METHODS = new Set(['Close', 'Release', 'Commit', 'Rollback']);
/** The packages whose types are the drivers' own (pgx v4/v5, pgxpool, pgconn, database/sql, sqlx, pgx's stdlib). */
export const GO_LIBRARY_PACKAGES = new Set(['pgx', 'pgxpool', 'pgconn', 'sql', 'sqlx', 'stdlib']);
/** Standard packages whose types never hold a database connection: not worth a fact. */
const NEVER = new Set(['time', 'context', 'sync', 'http', 'log', 'slog', 'zap', 'logrus', 'atomic', 'url', 'os', 'io', 'bytes', 'strings', 'json', 'regexp', 'testing', 'errors', 'fmt', 'big', 'rand', 'tls', 'net']);
const BUILTIN = /^(?:bool|byte|rune|string|error|any|u?int(?:8|16|32|64)?|float(?:32|64)|complex(?:64|128)|uintptr|interface|struct)$/;

export const GO_OWN = 'go-own:';

/** `*pgxpool.Pool` -> `pgxpool.Pool`; `Store[T]` -> `Store`; a slice, map, channel, function or builtin type -> undefined. */
export function namedType(text: string): string | undefined {
  const t = text.trim().replace(/^\*+\s*/, '');
  const match = /^([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)?)\s*(?:\[[^\]]*\])?$/.exec(t);
  const name = match?.[1];
  if (name === undefined || BUILTIN.test(name)) return undefined;
  const pkg = name.includes('.') ? name.slice(0, name.indexOf('.')) : undefined;
  if (pkg !== undefined && NEVER.has(pkg)) return undefined;
  return name;
}

function bareName(type: string): string {
  return type.slice(type.lastIndexOf('.') + 1);
}

function qualifier(type: string): string | undefined {
  const dot = type.indexOf('.');
  return dot > 0 ? type.slice(0, dot) : undefined;
}

/** `import "x"`, `import alias "x"` and each line of `import ( … )`: the path and its alias, if any. */
export function goImportSpecs(text: string): { alias: string | undefined; path: string }[] {
  return [...text.matchAll(/^\s*(?:import\s+)?(?:([\w.]+)\s+)?"([^"\n]+)"/gm)].map((m) => ({ alias: m[1], path: m[2] ?? '' }));
}

/** The name a file uses for an import: its alias, else the path's last segment (`github.com/jackc/pgx/v5` is pgx). */
export function goImportName(spec: { alias: string | undefined; path: string }): string | undefined {
  if (spec.alias !== undefined) return spec.alias === '_' || spec.alias === '.' || spec.alias === 'import' ? undefined : spec.alias;
  const segments = spec.path.split('/');
  let last = segments.pop() ?? '';
  if (/^v\d+$/.test(last)) last = segments.pop() ?? last;
  return last.replace(/^go-/, '').replace(/[.-]go$/, '').replace(/\W/g, '');
}

/** Go text with comments and string, rune and raw string literals blanked out (same length). */
export function goCodeOnly(text: string): string {
  return text.replace(/\/\/[^\n]*|\/\*[\s\S]*?\*\/|"(?:[^"\\\n]|\\.)*"|`[^`]*`|'(?:[^'\\\n]|\\.)*'/g, blank);
}

/** Spaces for a match, its line breaks kept (most matches have none: a comment, a string). */
function blank(m: string): string {
  return m.includes('\n') ? m.replace(/[^\n]/g, ' ') : ' '.repeat(m.length);
}

/** The index of the bracket that closes the one at `open` (`(`, `[` or `{`), or -1. */
function closing(code: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  for (let i = open; i < code.length; i++) {
    const ch = code[i] as string;
    if (ch in pairs) stack.push(pairs[ch] as string);
    else if (ch === ')' || ch === ']' || ch === '}') {
      if (stack.pop() !== ch) return -1;
      if (stack.length === 0) return i;
    }
  }
  return -1;
}

/**
 * The lines of a bracketed body that start at its own depth (not inside a nested struct, call or
 * literal), each with its offset in `body`.
 */
function outerLines(body: string): [line: string, offset: number][] {
  const out: [string, number][] = [];
  let depth = 0;
  let offset = 0;
  for (const line of body.split('\n')) {
    if (depth === 0) out.push([line, offset]);
    depth += (line.match(/[{([]/g)?.length ?? 0) - (line.match(/[})\]]/g)?.length ?? 0);
    offset += line.length + 1;
  }
  return out;
}

/** A first result that is no type of the workspace's or a driver's: nothing, a builtin (`error`), a slice, a map, a channel or a function. */
export const NO_TYPE = '-';

/**
 * The first result type of a signature's results text (`(pgx.Rows, error)`, `*Result`): a named type,
 * NO_TYPE (`(err error)`, `([]User, error)`, none), or undefined when it cannot be read.
 */
function firstResult(results: string): string | undefined {
  let r = results.trim();
  if (r === '') return NO_TYPE;
  if (r.startsWith('(')) {
    r = r.slice(1, r.endsWith(')') ? -1 : undefined);
    // `(rows pgx.Rows, err error)`: named results.
    const first = splitTopLevel(r)[0]?.trim() ?? '';
    const parts = first.split(/\s+/);
    r = parts.length >= 2 && /^\w+$/.test(parts[0] as string) ? parts.slice(1).join(' ') : first;
  }
  if (/^(?:\[|map\[|chan\b|<-|func\b)/.test(r) || BUILTIN.test(r)) return NO_TYPE;
  return namedType(r);
}

function splitTopLevel(text: string): string[] {
  const out: string[] = [];
  let depth = 0;
  let start = 0;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(' || ch === '[' || ch === '{') depth++;
    else if (ch === ')' || ch === ']' || ch === '}') depth--;
    else if (ch === ',' && depth === 0) {
      out.push(text.slice(start, i));
      start = i + 1;
    }
  }
  out.push(text.slice(start));
  return out;
}

/**
 * Every `return` in `body` gives first `nil` or what the receiver already holds (`return l.conn, nil`):
 * a test double, or a getter that lends its owner's connection (the owner releases it). There is one.
 */
function lendsOnly(body: string, receiver: string | undefined): boolean {
  const returns = [...body.matchAll(/\breturn\b([^\n;}]*)/g)];
  const held = receiver !== undefined && receiver !== '_' ? new RegExp(`^\\s*${receiver}(?:\\.\\w+)+\\s*(?:,|$)`) : undefined;
  return returns.length > 0 && returns.every((m) => /^\s*nil\s*(?:,|$)/.test(m[1] ?? '') || (held?.test(m[1] ?? '') ?? false));
}

/** The `go:` facts of one Go file (see the top of this file). */
export function goTypeFacts(text: string): string[] {
  if (!/^(?:type|func|var)\b/m.test(text)) return [];
  const code = goCodeOnly(text);
  const facts = new Set<string>();
  const decl = /^(type|func|var)\b[ \t]*/gm;
  for (let m = decl.exec(code); m; m = decl.exec(code)) {
    const at = m.index + m[0].length;
    if (m[1] === 'type') typeDeclaration(code, at, facts);
    else if (m[1] === 'func') funcDeclaration(code, at, facts);
    else varDeclaration(code, at, facts);
  }
  return [...facts].sort();
}

function typeDeclaration(code: string, at: number, facts: Set<string>): void {
  if (code[at] !== '(') {
    typeSpec(code, at, facts);
    return;
  }
  // `type ( A struct { … }; B = C )`: each spec starts a line at the group's own depth.
  const end = closing(code, at);
  for (const [line, offset] of outerLines(code.slice(at + 1, end < 0 ? undefined : end))) {
    const spec = /^\s*(?=\w)/.exec(line);
    if (spec) typeSpec(code, at + 1 + offset + spec[0].length, facts);
  }
}

function typeSpec(code: string, at: number, facts: Set<string>): void {
  const head = /^(\w+)\s*(?:\[[^\]\n]*\]\s*)?(=\s*)?/.exec(code.slice(at, at + 400));
  if (!head) return;
  const name = head[1] as string;
  const rest = at + head[0].length;
  const kind = /^(struct|interface)\s*\{/.exec(code.slice(rest, rest + 20));
  if (!kind) {
    // `type DB = pgxpool.Pool`, `type Pool pgxpool.Pool`: its methods (an alias's) are the other type's.
    const other = /^(\*?[\w.]+)[ \t]*(?:\n|$)/.exec(code.slice(rest, rest + 200));
    const type = other && head[2] !== undefined ? namedType(other[1] as string) : undefined;
    if (type) facts.add(`go:e:${name}:${type}`);
    return;
  }
  const open = code.indexOf('{', rest);
  const end = closing(code, open);
  for (const [line] of outerLines(code.slice(open + 1, end < 0 ? undefined : end))) {
    const t = line.trim();
    if (t === '') continue;
    if (kind[1] === 'interface') {
      const method = /^(\w+)\s*\(/.exec(t);
      if (method) {
        const methodName = method[1] as string;
        if (CLOSER_METHODS.has(methodName)) facts.add(`go:c:${name}`);
        const paramsEnd = closing(t, t.indexOf('('));
        const result = paramsEnd > 0 ? firstResult(t.slice(paramsEnd + 1)) : undefined;
        if (result !== undefined && result !== NO_TYPE) facts.add(`go:mr:${name}.${methodName}:${result}`);
        if (GO_ACQUIRE_METHODS.has(methodName)) facts.add(`go:m:${name}.${methodName}:${result ?? '?'}`);
        continue;
      }
      const embedded = /^(\*?[\w.]+)$/.exec(t);
      const type = embedded ? namedType(embedded[1] as string) : undefined;
      if (type) facts.add(`go:e:${name}:${type}`);
      continue;
    }
    const field = /^(\w+(?:\s*,\s*\w+)*)\s+([^`\s][^`]*?)\s*(?:`.*)?$/.exec(t);
    if (field) {
      const type = namedType(field[2] as string);
      if (type) for (const f of (field[1] as string).split(/\s*,\s*/)) facts.add(`go:f:${name}.${f}:${type}`);
      continue;
    }
    const embedded = /^(\*?[\w.]+)\s*(?:`.*)?$/.exec(t);
    const type = embedded ? namedType(embedded[1] as string) : undefined;
    if (type) facts.add(`go:e:${name}:${type}`);
  }
}

function funcDeclaration(code: string, at: number, facts: Set<string>): void {
  let i = at;
  let receiver: string | undefined;
  let receiverName: string | undefined;
  if (code[i] === '(') {
    const end = closing(code, i);
    if (end < 0) return;
    const param = code.slice(i + 1, end).trim();
    const type = /(\w+)\s*(?:\[[^\]]*\])?\s*$/.exec(param);
    receiver = type?.[1];
    receiverName = /^(\w+)\s+\S/.exec(param)?.[1];
    i = end + 1;
  }
  const head = /^\s*(\w+)\s*(?:\[[^\]\n]*\]\s*)?\(/.exec(code.slice(i, i + 300));
  if (!head) return;
  const name = head[1] as string;
  const paramsOpen = i + head[0].length - 1;
  const paramsEnd = closing(code, paramsOpen);
  if (paramsEnd < 0) return;
  const bodyOpen = bodyStart(code, paramsEnd + 1);
  const results = code.slice(paramsEnd + 1, bodyOpen < 0 ? paramsEnd + 200 : bodyOpen);
  const result = firstResult(results);
  if (receiver === undefined) {
    if (result !== undefined && result !== NO_TYPE) facts.add(`go:r:${name}:${result}`);
    return;
  }
  if (CLOSER_METHODS.has(name)) facts.add(`go:c:${receiver}`);
  if (result !== undefined && result !== NO_TYPE) facts.add(`go:mr:${receiver}.${name}:${result}`);
  if (!GO_ACQUIRE_METHODS.has(name)) return;
  facts.add(`go:m:${receiver}.${name}:${result ?? '?'}`);
  const bodyEnd = bodyOpen < 0 ? -1 : closing(code, bodyOpen);
  if (bodyEnd > 0 && lendsOnly(code.slice(bodyOpen + 1, bodyEnd), receiverName)) facts.add(`go:nil:${receiver}.${name}`);
}

/** Where a function's body opens: the first `{` after the results at bracket depth 0 (`interface{}` results skipped). */
function bodyStart(code: string, from: number): number {
  for (let i = from; i < code.length && i < from + 2000; i++) {
    const ch = code[i];
    if (ch === '\n' && /^\s*$/.test(code.slice(from, i)) === false && code[i - 1] !== ',' && code[i - 1] !== '(') {
      // A declaration without a body (assembly) ends at its line.
      if (!code.slice(from, i).includes('{')) return -1;
    }
    if (ch === '(' || ch === '[') {
      const end = closing(code, i);
      if (end < 0) return -1;
      i = end;
      continue;
    }
    if (ch === '{') {
      // `interface{}` / `struct{}` in a result type.
      if (/(?:interface|struct)\s*$/.test(code.slice(Math.max(from, i - 12), i))) {
        const end = closing(code, i);
        if (end < 0) return -1;
        i = end;
        continue;
      }
      return i;
    }
  }
  return -1;
}

function varDeclaration(code: string, at: number, facts: Set<string>): void {
  if (code[at] === '(') {
    const end = closing(code, at);
    for (const [line] of outerLines(code.slice(at + 1, end < 0 ? undefined : end))) varSpec(line.trim(), facts);
    return;
  }
  varSpec(code.slice(at, code.indexOf('\n', at) < 0 ? undefined : code.indexOf('\n', at)).trim(), facts);
}

function varSpec(spec: string, facts: Set<string>): void {
  const typed = /^(\w+(?:\s*,\s*\w+)*)\s+([*\w.[\]]+)\s*(?:=|$)/.exec(spec);
  if (typed && !typed[2]?.startsWith('=')) {
    const type = namedType(typed[2] as string);
    if (type) for (const v of (typed[1] as string).split(/\s*,\s*/)) facts.add(`go:v:${v}:${type}`);
    return;
  }
  const literal = /^(\w+)\s*=\s*&?([\w.]+)\s*\{/.exec(spec);
  if (literal) {
    const type = namedType(literal[2] as string);
    if (type) facts.add(`go:v:${literal[1]}:${type}`);
    return;
  }
  const call = /^(\w+)(?:\s*,\s*\w+)*\s*=\s*([\w.]+)\s*\(/.exec(spec);
  if (call) facts.add(`go:v:${call[1]}:=${bareName(call[2] as string)}`);
}

/** The workspace's facts, indexed. */
export class GoTypes {
  private readonly index = new Map<string, string[]>();

  constructor(facts: Iterable<string>) {
    for (const fact of facts) {
      if (!fact.startsWith('go:')) continue;
      const second = fact.indexOf(':', 3);
      const kind = fact.slice(3, second);
      const rest = fact.slice(second + 1);
      // go:c:T and go:nil:T.M have no value; the others end in `:value`.
      const split = kind === 'c' || kind === 'nil' ? rest.length : rest.lastIndexOf(':');
      const key = `${kind}:${rest.slice(0, split)}`;
      const value = rest.slice(split + 1);
      const list = this.index.get(key);
      if (list) {
        if (!list.includes(value)) list.push(value);
      } else this.index.set(key, [value]);
    }
  }

  private one(key: string): string | undefined {
    const values = this.index.get(key);
    return values?.length === 1 ? values[0] : undefined;
  }

  /** The type a reference (`v:testClient>db`) resolves to, when the facts say one thing. */
  typeOf(ref: string, depth = 0): string | undefined {
    if (depth > 4) return undefined;
    const [base = '', ...fields] = ref.split('>');
    let type: string | undefined;
    if (base.startsWith('T:')) type = namedType(base.slice(2));
    else if (base.startsWith('v:')) {
      const value = this.one(`v:${base.slice(2)}`);
      type = value?.startsWith('=') ? this.one(`r:${value.slice(1)}`) : value;
    } else if (base.startsWith('r:')) type = this.one(`r:${base.slice(2)}`);
    for (const step of fields) {
      if (type === undefined) return undefined;
      type = step.endsWith('()') ? this.resultOf(type, step.slice(0, -2)) : this.member(type, 'f', step);
    }
    return type;
  }

  /** The first result of `type`'s method `method` (its own or an embedded type's). */
  private resultOf(type: string, method: string): string | undefined {
    const pkg = qualifier(type);
    if (pkg !== undefined && GO_LIBRARY_PACKAGES.has(pkg)) return method === 'SendBatch' ? 'pgx.BatchResults' : undefined;
    return this.member(type, 'mr', method);
  }

  /** `type`'s member of this kind (`f` a field, `mr` a method's result), its own or an embedded type's. */
  private member(type: string, kind: 'f' | 'mr', name: string, depth = 0): string | undefined {
    const owner = bareName(type);
    const direct = this.one(`${kind}:${owner}.${name}`);
    if (direct !== undefined || depth > 2) return direct;
    for (const embedded of this.index.get(`e:${owner}`) ?? []) {
      // An embedded type's name is also a field: `s.Pool` for `struct{ *pgxpool.Pool }`.
      if (kind === 'f' && bareName(embedded) === name) return embedded;
      const found = this.member(embedded, kind, name, depth + 1);
      if (found !== undefined) return found;
    }
    return undefined;
  }

  /**
   * Whether `method` on a value of reference `ref` acquires: 'no' when the type is the workspace's
   * own and every method of that name it has returns no driver value and no wrapper of one (or only
   * ever `nil`); 'yes' for the drivers' own types and wrappers; undefined when the facts do not say.
   */
  acquires(ref: string, method: string): 'yes' | 'no' | undefined {
    const type = this.typeOf(ref);
    return type === undefined ? undefined : this.typeAcquires(type, method, 0);
  }

  private typeAcquires(type: string, method: string, depth: number): 'yes' | 'no' | undefined {
    // Rows of a batch: the batch holds the connection, and its Close() reads what is left and gives it back.
    if (type === 'pgx.BatchResults' && method === 'Query') return 'no';
    const pkg = qualifier(type);
    if (pkg !== undefined && GO_LIBRARY_PACKAGES.has(pkg)) return 'yes';
    const name = bareName(type);
    const results = this.index.get(`m:${name}.${method}`);
    if (results !== undefined) {
      if (results.includes('?')) return undefined;
      if (results.length === 1 && this.index.has(`nil:${name}.${method}`)) return 'no';
      return results.some((r) => this.holds(r, 0)) ? 'yes' : 'no';
    }
    if (depth > 2) return undefined;
    // A method promoted from an embedded type.
    let verdict: 'yes' | 'no' | undefined;
    for (const embedded of this.index.get(`e:${name}`) ?? []) {
      const found = this.typeAcquires(embedded, method, depth + 1);
      if (found === 'yes') return 'yes';
      if (found === undefined) return undefined;
      verdict = found;
    }
    return verdict;
  }

  /** Whether a value of `type` holds a connection: a driver's type, or one of the workspace's with a Close/Release/Commit/Rollback. */
  private holds(type: string, depth: number): boolean {
    if (type === NO_TYPE) return false;
    const pkg = qualifier(type);
    if (pkg !== undefined && GO_LIBRARY_PACKAGES.has(pkg)) return true;
    const name = bareName(type);
    if (this.index.has(`c:${name}`)) return true;
    if (depth > 2) return false;
    return (this.index.get(`e:${name}`) ?? []).some((e) => this.holds(e, depth + 1));
  }
}

const cache = new WeakMap<readonly string[], GoTypes>();

/** The GoTypes of a facts list, kept while the list lives. */
export function goTypesOf(facts: readonly string[]): GoTypes {
  let types = cache.get(facts);
  if (!types) {
    types = new GoTypes(facts);
    cache.set(facts, types);
  }
  return types;
}

/**
 * The poolNames markers of the calls in `model` that the facts show are the workspace's own methods
 * and not acquires: GO_OWN + receiver reference + `.` + method. `walk`: read the calls off the model
 * (the incremental analyser's models keep functions lowered earlier, whose calls its typedCalls lack).
 */
export function ownTypeMarkers(model: FileModel, types: GoTypes, walk = false): string[] {
  const out = new Set<string>();
  if (model.typedCalls && !walk) {
    // What the lowering noted: no walk over the model (a whole workspace's files are marked this way).
    for (const call of model.typedCalls) {
      const [ref = '', method = ''] = call.split('\u0000');
      if (types.acquires(ref, method) === 'no') out.add(`${GO_OWN}${ref}.${method}`);
    }
    return [...out];
  }
  if (model.family !== 'go') return [];
  for (const fn of model.functions) {
    visitCalls(fn.body, (call) => {
      const ref = call.callee.receiverType;
      if (ref === undefined || !GO_ACQUIRE_METHODS.has(call.callee.name)) return;
      const key = `${GO_OWN}${ref}.${call.callee.name}`;
      if (!out.has(key) && types.acquires(ref, call.callee.name) === 'no') out.add(key);
    });
  }
  return [...out];
}
