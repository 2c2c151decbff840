// The language-neutral model of one function that every lowering produces and the path checker reads.
// It keeps only what decides whether a client is released on every path: calls (any of which may
// throw), the flow of the client's value between variables, and structured control flow. Whether a
// call acquires or releases is decided later by the catalogue, so cross-file summaries can add APIs
// without lowering again.
import type { SourceRange } from './findings';
import type { LanguageFamily } from './languages';
import type { SqlSite } from './sql/sites';
import type { PoolSite } from './sql/pools';

/** A local variable, or a temporary (`$t3`) the lowering made for an intermediate value. */
export type VarName = string;

export interface Callee {
  /** Source text of the callee, e.g. `client.query`, `this.pool.connect`, `done`. */
  text: string;
  /** Last segment: `query`, `connect`, `done`. */
  name: string;
  /** Receiver text for member calls (`this.pool`); undefined for plain calls. */
  receiver?: string;
  /** Last segment of the receiver (`pool`). */
  receiverName?: string;
  /** The receiver as a variable, when it is a plain identifier or a temporary. */
  receiverVar?: VarName;
  /**
   * Go: the receiver's type as far as the function tells it (apis/goTypes.ts): `T:pgxpool.Pool` from a
   * declaration, `v:db` for a package variable, `r:NewStore` for a function's result, `>field` for
   * each field read off it. The workspace's facts finish it.
   */
  receiverType?: string;
}

export interface InlineCallback {
  /** Parameter names (undefined for destructuring or missing ones). */
  params: (VarName | undefined)[];
  body: Block;
  range: SourceRange;
}

export interface CallOp {
  kind: 'call';
  /** Unique within the file; identifies acquire sites. */
  id: number;
  callee: Callee;
  /** Argument i refers to this variable (identifier or temporary), if any. */
  args: (VarName | undefined)[];
  /** The result is bound to this variable (Go: the first of its results). */
  target?: VarName;
  /**
   * Go: the call's last result is an error, bound to this variable (`_` when discarded): `conn, err :=
   * pool.Acquire(ctx)`. When it is non-nil nothing was acquired, which `if err != nil` tells apart.
   */
  errorTarget?: VarName;
  isNew: boolean;
  /** Python `with X as y:` / `async with` (the result is the context manager's value). */
  context?: 'with' | 'async-with';
  /** A function passed as the last argument that runs as the call's continuation (node-style callbacks). */
  callback?: InlineCallback;
  /**
   * A release the language adds, not one the code writes: the `Dispose()` ending C#'s `using` (Java's
   * try-with-resources' `close()`). Disposing what the code already closed is no error, so it is never
   * reported as a second release.
   */
  implicit?: boolean;
  /** JavaScript: the call is the operand of `await` (its promise's rejection is thrown here). */
  awaited?: boolean;
  /**
   * JavaScript: the call's promise is one element of `Promise.all([…])` (or `race`/`any`) with others
   * beside it: when another rejects first, that combinator rejects and nobody gets this one's value.
   */
  racedIn?: { range: SourceRange; by: string };
  range: SourceRange;
  /** Just the callee (`pool.connect`), for calls that span several lines. */
  calleeRange: SourceRange;
  statementRange: SourceRange;
}

export type Condition =
  | { kind: 'truthy'; variable: VarName; negated: boolean }
  | { kind: 'unknown' }
  | { kind: 'constant'; value: boolean }
  /** `a && b`, `a || b` (and Python's `and` / `or`); `negated` for `!(a && b)`. */
  | { kind: 'and' | 'or'; left: Condition; right: Condition; negated: boolean };

export type Op =
  | CallOp
  /** `target = from` (alias) or `target = <something else>`; `fact` when a literal's truthiness is known. */
  /** `index`: `target` is element `index` of `from` (`conn, cur = get_conn()`). */
  /** `holds`: `target` keeps what it had and now also holds `from` (Go: `px := &Store{conn: conn}`). */
  | { kind: 'assign'; target: VarName; from?: VarName; index?: number; fact?: boolean; holds?: boolean; range: SourceRange }
  /** The value of `variable` leaves the function's hands: returned, stored in a field, put in a container. `index`: as element `index` of a returned tuple. */
  /** `field`: stored in a field of the method's own object (`self.conn = …`), which its class's `__exit__` may release. */
  | { kind: 'escape'; variable: VarName; how: EscapeHow; index?: number; field?: string; range: SourceRange }
  /** Awaiting something that is not a call (the promise may reject). */
  | { kind: 'await'; range: SourceRange }
  | { kind: 'if'; condition: Condition; then: Block; else: Block; range: SourceRange }
  | {
      kind: 'loop';
      /** Runs before every iteration (the condition and its calls). */
      head: Block;
      condition: Condition;
      body: Block;
      /** Python's `for ... else`: runs when the loop ends without `break`. */
      orelse?: Block;
      bodyFirst: boolean;
      label?: string;
      range: SourceRange;
    }
  | { kind: 'switch'; cases: Block[]; hasDefault: boolean; label?: string; range: SourceRange }
  | {
      kind: 'try';
      body: Block;
      handlers: Block[];
      /** False for Python `except SomeError:` clauses only: other exceptions pass through. */
      catchesAll: boolean;
      orelse?: Block;
      finalizer?: Block;
      range: SourceRange;
    }
  | { kind: 'return'; range: SourceRange }
  | { kind: 'throw'; range: SourceRange }
  | { kind: 'jump'; jump: 'break' | 'continue'; label?: string; range: SourceRange }
  | { kind: 'labeled'; label: string; body: Block }
  /** A callback body run in place: its `return` ends the block, not the function. */
  | { kind: 'inline'; body: Block }
  /** `yield value`: the consumer takes over; a @contextmanager's caller may throw into it here. */
  | { kind: 'yield'; variable?: VarName; range: SourceRange }
  /** `with conn:` on an existing value (Python). */
  | { kind: 'with'; variable: VarName; range: SourceRange }
  /** A nested function created here that is not run in place; it may release captured clients later. */
  | { kind: 'closure'; fn: FunctionModel; range: SourceRange };

export type EscapeHow = 'return' | 'store' | 'container' | 'argument';

export type Block = Op[];

export interface FunctionModel {
  /** Declared or assigned name (`getClient`, method `connect`), used by cross-file summaries. */
  name?: string;
  family: LanguageFamily;
  params: (VarName | undefined)[];
  body: Block;
  /** The whole function (or the file for top-level code). */
  range: SourceRange;
  nameRange?: SourceRange;
  isGenerator: boolean;
  /** Python `@contextmanager` / `@asynccontextmanager`: the `with` that uses it releases nothing it yields. */
  contextManager?: boolean;
  /** A method defined in a class body: the class's name (its `__exit__` may release what another method stores). */
  methodOf?: string;
  /** JavaScript: the `this.<field>`s this method gives back that another method of its class keeps a client in (`this.client.release()`). */
  releasesFields?: string[];
  /**
   * JavaScript middleware: the fields (`req.client`) released in a listener this function adds for
   * a response event (`res.on('finish', () => req.client.release())`), by event; `self` when this
   * function releases the field itself.
   */
  releasedOnResponse?: { event: string; field: string }[];
  /**
   * The module's own code (outside any function). It runs once per process: a connection it never
   * releases is held for the life of the process (a global the functions use), and an exception out
   * of it ends the program (or the import) with the connection. Neither grows; only acquiring again
   * in a loop while one is held does.
   */
  topLevel?: boolean;
}

export interface FileModel {
  family: LanguageFamily;
  /** The statements the file sends (sql/sites.ts), when asked for (FocusNames.sql). */
  sql?: SqlSite[];
  /** The pools the file constructs (sql/pools.ts), with FocusNames.sql. */
  pools?: PoolSite[];
  functions: FunctionModel[];
  /** Names the file binds to a pool constructor (`const db = new Pool()`), so `db.connect()` acquires. */
  poolNames: Set<string>;
  /**
   * Set when functions were left unlowered because they named none of the APIs the file was lowered for
   * (lowering/focus.ts): the text ranges (start, end offsets) of those functions, or of the outermost
   * function below the top level around them. A release API learned later calls for lowering the file
   * again only when it is named inside one of them; an acquire API, when it is named anywhere.
   */
  unlowered?: [number, number][];
  /** Go: each typed receiver and acquire-named method the file calls (`ref` + NUL + method), so the workspace's types are matched without walking the model. */
  typedCalls?: string[];
}
