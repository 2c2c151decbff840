// Go syntax trees -> function models, on the shared core (core.ts). What Go adds:
// - results with an error: `conn, err := pool.Acquire(ctx)` binds the call to `conn` and its error to
//   `err` (CallOp.errorTarget), so `if err != nil { return err }` is the path where nothing was acquired;
// - `defer`: the function's body becomes `try { body } finally { deferred calls, last first }`, each
//   deferred call guarded by a flag set where its `defer` ran (a `defer` after an early return does not
//   run on that return) and its receiver and arguments taken where the `defer` ran, as Go evaluates them;
// - block scopes: a `:=` that declares a name again inside a block (`if _, err := tx.Exec(…); err != nil`)
//   is another variable, renamed (`err#1`), so a deferred `if err != nil { tx.Rollback() }` reads the
//   outer `err`, as Go does;
// - calls do not throw (errors are results; the catalogue says so), `panic(…)` does.
import type { Block, Callee, Condition, FileModel, FunctionModel, VarName } from '../model';
import type { SyntaxNode } from '../treeSitter';
import { LoweringContext, namedChildren, rangeOf } from './builder';
import { LoweringCore } from './core';
import type { FunctionFocus } from './focus';
import { negate } from './jsExpressions';
import { GO_RESOURCE_METHODS } from '../apis/go';
import { GO_ACQUIRE_METHODS, GO_LIBRARY_PACKAGES, goCodeOnly, goImportName, goImportSpecs, namedType } from '../apis/goTypes';

/** Calls whose result a declaration binds as a pool name (a lowering focus keeps the functions that name them). */
export const GO_POOL_CONSTRUCTORS = ['Connect', 'ConnectConfig', 'New', 'NewWithConfig', 'Open', 'OpenDB'];
const POOL_CONSTRUCTOR = /^(?:pgxpool|sql|sqlx|stdlib)\.(?:Connect|ConnectConfig|New|NewWithConfig|Open|OpenDB)\s*\(/;

/** A call on a test double: `mockPool.Begin`, `s.fakeDB.Query` (a receiver part named mock…, fake…, stub…). */
const TEST_DOUBLE = /(?:^|\.)(?:mock|fake|stub)\w*\.\w+$/i;

/** Go's constructors by name: `New`, `NewStore`, `WithConnection`, `WrapConn`, `FromConn`. */
const CONSTRUCTOR = /^(?:New|With|Wrap|From)(?:[A-Z]\w*)?$/;
/** A name that holds an error (`err`, `qErr`, `txErr`): compared with a sentinel, it is not nil. */
const ERROR_NAME = /^(?:err|\w*Err|\w*Error)$/;
/** A release passed as a method value (`tx.Rollback`, not called): whoever is given it calls it. */
const RELEASE_VALUE = /^(?:Close|Release|Rollback)$/;
/** The same without an error result, exported or not (`newRowsWithDuration`, `wrapTx`): never fails. */
const WRAPPER = /^(?:[Nn]ew|[Ww]ith|[Ww]rap|[Ff]rom)[A-Z]\w*$/;
const MOCK_IMPORT = /"github\.com\/(?:pashagolub\/pgxmock|DATA-DOG\/go-sqlmock)/;
const REAL_OPEN = /\b(?:pgxpool\.(?:New|NewWithConfig|Connect|ConnectConfig)|pgx\.(?:Connect|ConnectConfig)|sqlx?\.(?:Open|OpenDB|Connect))\s*\(/;

const LITERALS = new Set([
  'interpreted_string_literal',
  'raw_string_literal',
  'rune_literal',
  'int_literal',
  'float_literal',
  'imaginary_literal',
  'true',
  'false',
  'nil',
  'iota',
  'comment',
]);

const FUNCTION_NODES = new Set(['function_declaration', 'method_declaration', 'func_literal']);

interface Deferred {
  flag: VarName;
  ops: Block;
}

interface GoScope {
  /** Block scopes, innermost last: a declared name and the variable it is in the model. */
  blocks: Map<string, VarName>[];
  /** The first of `blocks` that is the function's own: a function literal's enclosing blocks come before it. */
  ownFrom: number;
  /** Variables bound to a struct literal of this function's, which holds what it was given. */
  holders: Set<VarName>;
  /** Every name declared in the function (to rename one declared again in an inner block). */
  declared: Map<string, number>;
  /** Named results (`(n int, err error)`): `return x, y` assigns them, and deferred code reads them. */
  results: VarName[];
  deferred: Deferred[];
  /** The last result is an `error`: a return hands the others over only when it is nil. */
  errorLast: boolean;
  /** The function's text without comments and literals, and what it says of names (notTheResource). */
  text: string;
  data: Map<string, boolean>;
  /** What each variable's type is, as far as the function tells it (a type reference: apis/goTypes.ts). */
  types: Map<VarName, string>;
}

/**
 * With `focus`, functions that cannot matter for its names are left unlowered (focus.ts). `ctx` is the
 * incremental analyser's when it lowers a document again (it keeps unchanged functions).
 */
export function lowerGo(root: SyntaxNode, focus?: FunctionFocus, ctx = new LoweringContext('go', focus)): FileModel {
  new GoLowering(ctx).file(root);
  return ctx.fileModel();
}

/** One function on its own (the incremental analyser lowers again only the top-level function an edit was in). */
export function lowerGoFunction(node: SyntaxNode, ctx: LoweringContext): FunctionModel {
  return new GoLowering(ctx).function(node);
}

function emptyScope(): GoScope {
  return { blocks: [new Map()], declared: new Map(), results: [], deferred: [], errorLast: false, text: '', data: new Map(), types: new Map(), ownFrom: 0, holders: new Set() };
}

/** The statements of a block (`{ … }` holds a statement_list in this grammar; older ones list them directly). */
function statementsOf(node: SyntaxNode | null): SyntaxNode[] {
  if (!node) return [];
  const out: SyntaxNode[] = [];
  for (const child of namedChildren(node)) {
    if (child.type === 'statement_list') out.push(...namedChildren(child));
    else out.push(child);
  }
  return out;
}

class GoLowering extends LoweringCore {
  private scope: GoScope = emptyScope();

  protected bare(node: SyntaxNode): SyntaxNode {
    let current = node;
    for (let i = 0; i < 200 && current.type === 'parenthesized_expression'; i++) {
      const inner = current.namedChild(0);
      if (!inner) break;
      current = inner;
    }
    return current;
  }

  protected isCall(node: SyntaxNode): boolean {
    return node.type === 'call_expression';
  }

  file(root: SyntaxNode): void {
    this.topLevel(root, 'go', (body) => {
      for (const s of namedChildren(root)) this.stmt(s, body);
    });
  }

  function(node: SyntaxNode): FunctionModel {
    return this.functionDef(node);
  }

  // --- names and scopes ---------------------------------------------------------------------------

  /** The variable a name refers to here (a renamed one when an inner block declared it again). */
  private resolve(name: string): VarName {
    for (let i = this.scope.blocks.length - 1; i >= 0; i--) {
      const found = this.scope.blocks[i]?.get(name);
      if (found !== undefined) return found;
    }
    return name;
  }

  /**
   * Declared in this function itself, not captured from around a function literal: assigning a captured
   * variable (`conn, err = db.Conn(ctx)` in a retry closure) stores into the enclosing function's.
   */
  private isOwn(name: string): boolean {
    for (let i = this.scope.blocks.length - 1; i >= 0; i--) if (this.scope.blocks[i]?.has(name)) return i >= this.scope.ownFrom;
    return false;
  }

  /** Declared in this function (a parameter, a result, a local): not a package variable. */
  private isDeclared(name: string): boolean {
    return this.scope.blocks.some((b) => b.has(name));
  }

  /** Declares `name` in the innermost block: a name already declared in the function becomes another variable. */
  private declare(name: string): VarName {
    if (name === '_') return '_';
    const innermost = this.scope.blocks[this.scope.blocks.length - 1] as Map<string, VarName>;
    const existing = innermost.get(name);
    if (existing !== undefined) return existing;
    const count = this.scope.declared.get(name) ?? 0;
    this.scope.declared.set(name, count + 1);
    const variable = count === 0 ? name : `${name}#${count}`;
    innermost.set(name, variable);
    return variable;
  }

  private inBlock<T>(lower: () => T): T {
    this.scope.blocks.push(new Map());
    try {
      return lower();
    } finally {
      this.scope.blocks.pop();
    }
  }

  private block(node: SyntaxNode | null): Block {
    const out: Block = [];
    this.inBlock(() => {
      for (const s of statementsOf(node)) this.stmt(s, out);
    });
    return out;
  }

  // --- functions ----------------------------------------------------------------------------------

  private functionDef(node: SyntaxNode): FunctionModel {
    const nameNode = node.type === 'func_literal' ? null : node.childForFieldName('name');
    const methodOf = node.type === 'method_declaration' ? receiverType(node) : undefined;
    return this.functionModel(node, {
      nameNode,
      reuseContext: methodOf !== undefined ? ` of ${methodOf}` : '',
      family: 'go',
      params: () => parameterNames(node.childForFieldName('parameters')),
      enter: () => {
        const outer = this.scope;
        // A function literal sees the names around it (a closure captures variables, not values).
        this.scope = node.type === 'func_literal' ? { ...emptyScope(), blocks: [...outer.blocks.map((b) => new Map(b)), new Map()], declared: new Map(outer.declared), types: new Map(outer.types), ownFrom: outer.blocks.length } : emptyScope();
        this.scope.text = goCodeOnly(node.childForFieldName('body')?.text ?? '');
        for (const list of [node.childForFieldName('receiver'), node.childForFieldName('parameters')]) {
          for (const [name, type] of typedParameters(list)) {
            const variable = this.declare(name);
            if (type !== undefined) this.scope.types.set(variable, `T:${type}`);
          }
        }
        const result = node.childForFieldName('result');
        if (result?.type === 'parameter_list') this.scope.results = parameterNames(result).map((n) => (n ? this.declare(n) : '_'));
        const lastResult = result?.type === 'parameter_list' ? namedChildren(result).at(-1) : undefined;
        this.scope.errorLast = (lastResult?.childForFieldName('type')?.text ?? '') === 'error' && namedChildren(result as SyntaxNode).length >= 2;
        return () => {
          this.scope = outer;
        };
      },
      lowerBody: (body) => this.functionBody(node, body),
      extras: () => (methodOf !== undefined ? { methodOf } : {}),
    });
  }

  /** The body, and around it the `finally` that runs what `defer` deferred, last first. */
  private functionBody(node: SyntaxNode, out: Block): void {
    const bodyNode = node.childForFieldName('body');
    const body: Block = [];
    for (const s of statementsOf(bodyNode)) this.stmt(s, body);
    const deferred = this.scope.deferred;
    if (deferred.length === 0) {
      out.push(...body);
      return;
    }
    const range = rangeOf(bodyNode ?? node);
    for (const d of deferred) out.push({ kind: 'assign', target: d.flag, fact: false, range });
    const finalizer: Block = [];
    for (const d of [...deferred].reverse()) {
      finalizer.push({ kind: 'if', condition: { kind: 'truthy', variable: d.flag, negated: false }, then: d.ops, else: [], range });
    }
    out.push({ kind: 'try', body, handlers: [], catchesAll: false, finalizer, range });
  }

  // --- statements ---------------------------------------------------------------------------------

  protected stmtInner(node: SyntaxNode, out: Block): void {
    switch (node.type) {
      case 'block':
        out.push(...this.block(node));
        return;
      case 'statement_list':
        for (const s of namedChildren(node)) this.stmt(s, out);
        return;
      case 'expression_statement':
        for (const e of namedChildren(node)) this.expr(e, out);
        return;
      case 'short_var_declaration':
        return this.assignment(node, out, true);
      case 'assignment_statement':
        return this.assignment(node, out, false);
      case 'var_declaration':
        for (const spec of namedChildren(node)) {
          if (spec.type === 'var_spec') this.varSpec(spec, out);
          else if (spec.type === 'var_spec_list') for (const s of namedChildren(spec)) if (s.type === 'var_spec') this.varSpec(s, out);
        }
        return;
      case 'inc_statement':
      case 'dec_statement':
        for (const e of namedChildren(node)) this.expr(e, out);
        return;
      case 'if_statement':
        out.push(...this.inBlock(() => this.ifStatement(node)));
        return;
      case 'for_statement':
        out.push(...this.inBlock(() => this.forStatement(node)));
        return;
      case 'expression_switch_statement':
      case 'type_switch_statement':
      case 'select_statement':
        out.push(...this.inBlock(() => this.switchStatement(node)));
        return;
      case 'return_statement':
        return this.returnStatement(node, out);
      case 'defer_statement':
        return this.deferStatement(node, out);
      case 'go_statement':
        return this.goStatement(node, out);
      case 'break_statement':
      case 'continue_statement': {
        const label = namedChildren(node).find((c) => c.type === 'label_name')?.text;
        out.push({ kind: 'jump', jump: node.type === 'break_statement' ? 'break' : 'continue', ...(label ? { label } : {}), range: rangeOf(node) });
        return;
      }
      case 'labeled_statement': {
        const label = node.childForFieldName('label')?.text ?? namedChildren(node)[0]?.text ?? '';
        const inner: Block = [];
        for (const s of namedChildren(node)) if (s.type !== 'label_name') this.stmt(s, inner);
        const only = inner.length === 1 ? inner[0] : undefined;
        if (only && (only.kind === 'loop' || only.kind === 'switch')) out.push({ ...only, label });
        else out.push({ kind: 'labeled', label, body: inner });
        return;
      }
      case 'send_statement': {
        // `ch <- conn`: another goroutine takes it.
        const value = node.childForFieldName('value');
        const channel = node.childForFieldName('channel');
        if (channel) this.expr(channel, out);
        const v = value ? this.expr(value, out) : undefined;
        if (v) out.push({ kind: 'escape', variable: v, how: 'container', range: rangeOf(node) });
        return;
      }
      case 'function_declaration':
      case 'method_declaration':
        out.push({ kind: 'closure', fn: this.functionDef(node), range: rangeOf(node) });
        return;
      case 'package_clause':
      case 'import_declaration':
      case 'type_declaration':
      case 'const_declaration':
      case 'empty_statement':
      case 'fallthrough_statement':
      case 'goto_statement':
      case 'comment':
        return;
      default:
        for (const child of namedChildren(node)) this.expr(child, out);
    }
  }

  private varSpec(spec: SyntaxNode, out: Block): void {
    const names = namedChildren(spec).filter((c) => c.type === 'identifier');
    const values = spec.childForFieldName('value');
    this.bind(names, values ? namedChildren(values) : [], out, true, spec);
    // `var db *sql.DB`: the declared type, whatever the value.
    const type = spec.childForFieldName('type');
    const named = type ? namedType(type.text) : undefined;
    if (named !== undefined) for (const n of names) if (n.text !== '_') this.scope.types.set(this.resolve(n.text), `T:${named}`);
  }

  // --- types --------------------------------------------------------------------------------------

  private importNames: Set<string> | undefined;

  /** The names the file's imports bind (`pgxpool`, `sql`, an alias): a call on one is a package's function. */
  private imports(node: SyntaxNode): Set<string> {
    if (this.importNames) return this.importNames;
    const names = new Set<string>();
    for (const spec of goImportSpecs(node.tree.rootNode.text)) {
      const name = goImportName(spec);
      if (name !== undefined) names.add(name);
    }
    this.importNames = names;
    return names;
  }

  /** The type reference of an expression used as a receiver (`s.db`, `testClient`, `DB(c)`), when the code tells it. */
  private typeRef(node: SyntaxNode): string | undefined {
    const bare = this.bare(node);
    switch (bare.type) {
      case 'identifier': {
        const name = bare.text;
        if (this.isDeclared(name)) return this.scope.types.get(this.resolve(name));
        return this.imports(bare).has(name) ? undefined : `v:${name}`;
      }
      case 'selector_expression': {
        const operand = bare.childForFieldName('operand');
        const field = bare.childForFieldName('field')?.text;
        const base = operand ? this.typeRef(operand) : undefined;
        return base !== undefined && field ? `${base}>${field}` : undefined;
      }
      case 'unary_expression': {
        const operand = bare.childForFieldName('operand');
        return operand ? this.typeRef(operand) : undefined;
      }
      default:
        return this.valueType(bare);
    }
  }

  /** The type reference of a value assigned to a name: a literal's type, a function's result, another name's. */
  private valueType(node: SyntaxNode): string | undefined {
    const bare = this.bare(node);
    switch (bare.type) {
      case 'composite_literal': {
        const named = namedType(bare.childForFieldName('type')?.text ?? '');
        return named !== undefined ? `T:${named}` : undefined;
      }
      case 'unary_expression': {
        const operand = bare.childForFieldName('operand');
        return operand && bare.text.startsWith('&') ? this.valueType(operand) : undefined;
      }
      case 'type_assertion_expression': {
        const named = namedType(bare.childForFieldName('type')?.text ?? '');
        return named !== undefined ? `T:${named}` : undefined;
      }
      case 'call_expression': {
        const fn = this.bare(bare.childForFieldName('function') ?? bare);
        if (fn.type === 'identifier') {
          if (fn.text === 'new') {
            const arg = bare.childForFieldName('arguments')?.namedChild(0);
            const named = arg ? namedType(arg.text) : undefined;
            return named !== undefined ? `T:${named}` : undefined;
          }
          return `r:${fn.text}`;
        }
        if (fn.type !== 'selector_expression') return undefined;
        const operand = fn.childForFieldName('operand');
        const name = fn.childForFieldName('field')?.text;
        // `qr.RemoteReadQuerier(ctx)`: the result of a method of a typed value.
        if (operand && name && !(operand.type === 'identifier' && !this.isDeclared(operand.text) && this.imports(operand).has(operand.text))) {
          const base = this.typeRef(operand);
          if (base !== undefined) return `${base}>${name}()`;
          // `br := conn.SendBatch(ctx, b)` on a value the code does not type: pgx's batch results.
          return name === 'SendBatch' ? 'T:pgx.BatchResults' : undefined;
        }
        // `client.NewFromUrl(…)`: another package's function (a driver's constructor is the driver's type).
        if (operand?.type !== 'identifier' || !name || this.isDeclared(operand.text) || !this.imports(operand).has(operand.text)) return undefined;
        return GO_LIBRARY_PACKAGES.has(operand.text) ? undefined : `r:${name}`;
      }
      case 'identifier':
      case 'selector_expression':
        return this.typeRef(bare);
      default:
        return undefined;
    }
  }

  private typed(variable: VarName, type: string | undefined): void {
    if (variable === '_') return;
    if (type === undefined) this.scope.types.delete(variable);
    else this.scope.types.set(variable, type);
  }

  /** After `name = value` / `name := value` is bound: the variable it is now has the value's type. */
  private typedAfter(name: string, declares: boolean, type: string | undefined): void {
    if (!declares && !this.isDeclared(name)) return;
    this.typed(this.resolve(name), type);
  }

  private assignment(node: SyntaxNode, out: Block, declares: boolean): void {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const operator = node.childForFieldName('operator')?.text ?? node.children.find((c) => c && !c.isNamed && /=$/.test(c.text))?.text ?? '=';
    const targets = left ? (left.type === 'expression_list' ? namedChildren(left) : [left]) : [];
    const values = right ? (right.type === 'expression_list' ? namedChildren(right) : [right]) : [];
    if (operator !== '=' && operator !== ':=') {
      // `n += f()`: the value is a number, never a connection.
      for (const v of values) this.expr(v, out);
      for (const t of targets) this.expr(t, out);
      return;
    }
    this.bind(targets, values, out, declares, node);
  }

  /**
   * `a, b := f()` binds the call's first result to `a` and, with two or more names, its last to the
   * error (CallOp.errorTarget); `a, b := x, y` binds pairwise. A name declared here is new in this
   * block; a field, an element or a name outside the function is a store.
   */
  private bind(targets: SyntaxNode[], values: SyntaxNode[], out: Block, declares: boolean, node: SyntaxNode): void {
    const range = rangeOf(node);
    const only = values.length === 1 ? this.bare(values[0] as SyntaxNode) : undefined;
    if (targets.length >= 2 && only?.type === 'call_expression') {
      const first = targets[0] as SyntaxNode;
      const last = targets[targets.length - 1] as SyntaxNode;
      // The call runs before any name is bound.
      const firstName = first.type === 'identifier' ? first.text : undefined;
      const target = firstName !== undefined && firstName !== '_' ? this.nameFor(firstName, declares) : this.ctx.temp();
      const errorTarget = last.type === 'identifier' ? (last.text === '_' ? '_' : this.nameFor(last.text, declares)) : undefined;
      const calleeText = this.bare(only.childForFieldName('function') ?? only).text;
      if (firstName !== undefined && firstName !== '_') this.typed(target, this.valueType(only));
      const method = /(\w+)$/.exec(calleeText)?.[1] ?? '';
      if ((firstName !== undefined && this.notTheResource(firstName, method)) || TEST_DOUBLE.test(calleeText) || this.mockOnly(only)) {
        // `res, err := client.Query(q)` whose `res.Rows` or `range res` is read: a struct or a slice
        // (the workspace's own `Query`), not rows, a transaction or a connection: no acquire. Nor
        // one from a test double (`mockPool.Begin(ctx)`; any in a file whose database is pgxmock's or
        // sqlmock's and that opens no pool of its own), which holds no connection.
        this.call(only, out, target, undefined);
        if (errorTarget !== undefined && errorTarget !== '_') out.push({ kind: 'assign', target: errorTarget, range });
      } else {
        this.call(only, out, target, errorTarget);
        const op = out[out.length - 1];
        if (op?.kind === 'call' && errorTarget !== undefined && errorTarget !== '_' && CONSTRUCTOR.test(op.callee.name)) {
          // `px, err := WithConnection(ctx, conn, cfg)`: a constructor keeps what it is given when it
          // succeeds (Go's `New…`/`With…` functions); when it fails, the caller still has it.
          const kept: Block = op.args.filter((a): a is VarName => a !== undefined).map((a) => ({ kind: 'escape', variable: a, how: 'container', range }));
          if (kept.length > 0) out.push({ kind: 'if', condition: { kind: 'truthy', variable: errorTarget, negated: false }, then: [], else: kept, range });
        }
      }
      for (const t of targets.slice(1, -1)) this.assignTo(t, undefined, out, declares, range);
      if (first.type !== 'identifier') this.assignTo(first, target, out, declares, range);
      else if (firstName !== undefined && firstName !== '_' && !declares && !this.isOwn(firstName)) out.push({ kind: 'escape', variable: target, how: 'store', range });
      return;
    }
    const valueTypes = values.map((v) => this.valueType(v));
    targets.forEach((t, i) => {
      const valueNode = values[i];
      if (t.type === 'identifier' && t.text !== '_' && valueNode) this.typedAfter(t.text, declares, valueTypes[i]);
      if (!valueNode) {
        // `var conn *pgxpool.Conn`: the zero value.
        if (t.type === 'identifier') out.push({ kind: 'assign', target: this.nameFor(t.text, declares), fact: false, range });
        return;
      }
      const bareValue = this.bare(valueNode);
      if (t.type === 'identifier' && POOL_CONSTRUCTOR.test(bareValue.text)) this.ctx.poolNames.add(t.text);
      const literal = bareValue.type === 'unary_expression' && bareValue.text.startsWith('&') ? bareValue.childForFieldName('operand') : bareValue;
      if (t.type === 'identifier' && t.text !== '_' && literal?.type === 'composite_literal' && (declares || this.isOwn(t.text))) {
        // `px := &Postgres{conn: conn}`: a struct of this function's that holds what it is given.
        // Returning it hands the connection over; an error return that drops it drops the connection.
        const values = this.literalValues(literal, out);
        const variable = this.nameFor(t.text, declares);
        this.scope.holders.add(variable);
        out.push({ kind: 'assign', target: variable, fact: true, range });
        for (const [v] of values) out.push({ kind: 'assign', target: variable, from: v, holds: true, range });
        return;
      }
      const direct = t.type === 'identifier' && t.text !== '_' && bareValue.type === 'call_expression' ? this.nameFor(t.text, declares) : undefined;
      const value = this.expr(valueNode, out, direct);
      if (direct !== undefined && value === direct) {
        if (!declares && !this.isOwn(t.text)) out.push({ kind: 'escape', variable: direct, how: 'store', range });
        return;
      }
      this.assignTo(t, value, out, declares, range, bareValue);
    });
    for (const v of values.slice(targets.length)) this.expr(v, out);
  }

  /**
   * Whether the function uses `name` as something other than what the library's `method` returns: a
   * struct or a slice (a field read without a call, `res.Rows`; `range res`, `len(res)`, `res[0]`:
   * pgx's and database/sql's rows, transactions and connections have no fields and are neither ranged
   * over nor indexed), or a value with a method the library's type lacks (`t.DeleteRevision(ctx)`,
   * `result.CSV()`: the workspace's own type; apis/go.ts GO_RESOURCE_METHODS).
   */
  private mockFile: boolean | undefined;

  /** The file imports pgxmock or go-sqlmock and opens no real pool or connection itself. */
  private mockOnly(node: SyntaxNode): boolean {
    if (this.mockFile === undefined) {
      const text = node.tree.rootNode.text;
      this.mockFile = MOCK_IMPORT.test(text) && !REAL_OPEN.test(text);
    }
    return this.mockFile;
  }

  private notTheResource(name: string, method: string): boolean {
    const key = `${name}\u0000${method}`;
    const known = this.scope.data.get(key);
    if (known !== undefined) return known;
    const n = name.replace(/[^\w]/g, '');
    const text = this.scope.text;
    const methods = GO_RESOURCE_METHODS[method];
    const data =
      methods !== undefined &&
      n !== '' &&
      (new RegExp(`(?<![\\w.])${n}\\.[A-Za-z_]\\w*(?![\\w(]|\\s*\\()`).test(text) ||
        new RegExp(`\\brange\\s+${n}\\b(?!\\s*[.(\\[])`).test(text) ||
        new RegExp(`\\b(?:len|cap)\\(\\s*${n}\\s*\\)`).test(text) ||
        new RegExp(`(?<![\\w.])${n}\\[`).test(text) ||
        ([...text.matchAll(new RegExp(`(?<![\\w.])${n}\\.([A-Za-z_]\\w*)\\s*\\(`, 'g'))].some((m) => !methods.test(m[1] ?? ''))));
    this.scope.data.set(key, data);
    return data;
  }

  /** The variable a name on the left of `=` / `:=` is: a new one for `:=` (unless this block has it). */
  private nameFor(name: string, declares: boolean): VarName {
    if (name === '_') return '_';
    if (declares) {
      const innermost = this.scope.blocks[this.scope.blocks.length - 1] as Map<string, VarName>;
      return innermost.get(name) ?? this.declare(name);
    }
    return this.resolve(name);
  }

  private assignTo(target: SyntaxNode, value: VarName | undefined, out: Block, declares: boolean, range: ReturnType<typeof rangeOf>, valueNode?: SyntaxNode): void {
    const bare = this.bare(target);
    if (bare.type === 'identifier') {
      if (bare.text === '_') return;
      const local = declares || this.isOwn(bare.text);
      const variable = this.nameFor(bare.text, declares);
      if (!local && value) out.push({ kind: 'escape', variable: value, how: 'store', range });
      if (value !== variable) out.push({ kind: 'assign', target: variable, ...(value ? { from: value } : {}), ...literalFact(valueNode), range });
      return;
    }
    // `s.conn = conn`, `conns[i] = conn`, `*p = conn`: stored where the function's caller can reach it.
    for (const child of namedChildren(bare)) if (child.type !== 'field_identifier') this.expr(child, out);
    if (value) out.push({ kind: 'escape', variable: value, how: 'store', range });
  }

  private ifStatement(node: SyntaxNode): Block {
    const out: Block = [];
    const initializer = node.childForFieldName('initializer');
    if (initializer) this.stmt(initializer, out);
    const test = node.childForFieldName('condition');
    const condition = test ? this.condition(test, out) : ({ kind: 'unknown' } as const);
    // `if !rows.Next() { … }` / `if rows.Next() { … }`: a false Next() has closed the rows.
    const next = test ? this.nextCall(test) : undefined;
    if (test && next) out.push({ kind: 'if', condition: next.negated ? condition : negate(condition), then: [this.closedByNext(next.rows, test)], else: [], range: rangeOf(test) });
    const then = this.block(node.childForFieldName('consequence'));
    const alternative = node.childForFieldName('alternative');
    let otherwise: Block = [];
    if (alternative?.type === 'if_statement') otherwise = this.inBlock(() => this.ifStatement(alternative));
    else if (alternative) otherwise = this.block(alternative);
    out.push({ kind: 'if', condition, then, else: otherwise, range: rangeOf(node) });
    return out;
  }

  private forStatement(node: SyntaxNode): Block {
    const out: Block = [];
    const clause = namedChildren(node).find((c) => c.type === 'for_clause' || c.type === 'range_clause');
    const bodyNode = node.childForFieldName('body');
    const head: Block = [];
    let condition: Condition = { kind: 'constant', value: true };
    const body: Block = [];
    if (clause?.type === 'for_clause') {
      const initializer = clause.childForFieldName('initializer');
      if (initializer) this.stmt(initializer, out);
      const test = clause.childForFieldName('condition');
      if (test) condition = this.condition(test, head);
      body.push(...this.block(bodyNode));
      const update = clause.childForFieldName('update');
      if (update) this.stmt(update, body);
    } else if (clause?.type === 'range_clause') {
      const right = clause.childForFieldName('right');
      if (right) this.expr(right, out);
      condition = { kind: 'unknown' };
      const left = clause.childForFieldName('left');
      const declares = clause.children.some((c) => c?.type === ':=');
      for (const t of left ? (left.type === 'expression_list' ? namedChildren(left) : [left]) : []) {
        if (t.type === 'identifier' && t.text !== '_') body.push({ kind: 'assign', target: this.nameFor(t.text, declares), range: rangeOf(t) });
      }
      body.push(...this.block(bodyNode));
    } else {
      // `for cond { … }` or `for { … }`.
      const test = namedChildren(node).find((c) => c.type !== 'block' && !(bodyNode && c.equals(bodyNode)));
      const next = test ? this.nextCall(test) : undefined;
      if (test && next) {
        // `for rows.Next() { … }`: when Next() returns false the rows close themselves (database/sql and
        // pgx alike); a `break` or `return` out of the body leaves them open.
        const ops: Block = [];
        const more = this.condition(test, ops);
        body.push(...ops, { kind: 'if', condition: negate(more), then: [...(next.negated ? [] : [this.closedByNext(next.rows, test)]), { kind: 'jump', jump: 'break', range: rangeOf(test) }], else: [], range: rangeOf(test) });
        body.push(...this.block(bodyNode));
      } else {
        if (test) condition = this.condition(test, head);
        body.push(...this.block(bodyNode));
      }
    }
    out.push({ kind: 'loop', head, condition, body, bodyFirst: false, range: rangeOf(node) });
    return out;
  }

  private switchStatement(node: SyntaxNode): Block {
    const out: Block = [];
    const initializer = node.childForFieldName('initializer');
    if (initializer) this.stmt(initializer, out);
    const value = node.childForFieldName('value');
    if (value) this.expr(value, out);
    const cases: Block[] = [];
    let hasDefault = false;
    for (const clause of namedChildren(node)) {
      if (!/_case$/.test(clause.type)) continue;
      if (clause.type === 'default_case') hasDefault = true;
      const ops: Block = [];
      this.inBlock(() => {
        for (const part of namedChildren(clause)) {
          if (part.type === 'statement_list') for (const s of namedChildren(part)) this.stmt(s, ops);
          else if (clause.type === 'communication_case' && part.equals(namedChildren(clause)[0] as SyntaxNode)) this.stmt(part, ops);
          else if (part.type === 'expression_list' && clause.type === 'expression_case') for (const e of namedChildren(part)) this.expr(e, ops);
          else if (!/type|expression_list|identifier/.test(part.type)) this.stmt(part, ops);
        }
      });
      cases.push(ops);
    }
    // `select {}` with no default waits; a switch without default may match nothing.
    out.push({ kind: 'switch', cases, hasDefault: hasDefault || node.type === 'select_statement', range: rangeOf(node) });
    return out;
  }

  private returnStatement(node: SyntaxNode, out: Block): void {
    const list = namedChildren(node)[0];
    const values = list ? (list.type === 'expression_list' ? namedChildren(list) : [list]) : [];
    const range = rangeOf(node);
    if (values.length === 1 && this.bare(values[0] as SyntaxNode).type === 'call_expression' && this.scope.results.length !== 1) {
      // `return pool.Acquire(ctx)`: the call's results are the function's.
      const v = this.expr(values[0] as SyntaxNode, out);
      this.returnOps(v, node, out);
      return;
    }
    const escapes: Block = [];
    let error: VarName | undefined;
    let errorKnownNil = false;
    if (values.length === 0) {
      // A bare `return` returns the named results as they are.
      this.scope.results.forEach((result, index) => {
        if (result !== '_') escapes.push({ kind: 'escape', variable: result, how: 'return', ...(index > 0 ? { index } : {}), range });
      });
      if (this.scope.errorLast) error = this.scope.results[this.scope.results.length - 1];
    }
    values.forEach((valueNode, index) => {
      const v = this.expr(valueNode, out);
      const result = this.scope.results[index];
      // Named results are what deferred code reads after the return.
      if (result !== undefined && result !== '_' && v !== result) out.push({ kind: 'assign', target: result, ...(v ? { from: v } : {}), ...literalFact(this.bare(valueNode)), range });
      // The first result is the value a caller binds (`conn, err := getConn()`); others go at their place.
      // A struct of this function's that holds the connection is handed over, not a connection returned
      // (the function is no acquire of its own for its callers: `WithInstance` returns a driver).
      if (v) escapes.push({ kind: 'escape', variable: v, how: this.scope.holders.has(v) ? 'container' : 'return', ...(index > 0 ? { index } : {}), range });
      if (this.scope.errorLast && index === values.length - 1 && values.length === this.scope.results.length) {
        error = v;
        errorKnownNil = this.bare(valueNode).type === 'nil';
      }
    });
    const errorIndex = this.scope.results.length - 1;
    if (error !== undefined && error !== '_' && !errorKnownNil && escapes.some((e) => e.kind === 'escape' && (e.index ?? 0) !== errorIndex)) {
      // `return tx, err`: with a non-nil error the caller drops the other results (Go's convention), so
      // what they hold is handed over only when the error is nil.
      const own = escapes.filter((e) => e.kind === 'escape' && (e.index ?? 0) === errorIndex);
      out.push({ kind: 'if', condition: { kind: 'truthy', variable: error, negated: false }, then: own, else: escapes, range });
    } else out.push(...escapes);
    out.push({ kind: 'return', range });
  }

  /**
   * `defer x.Close()`: the receiver and arguments are taken now, the call runs when the function ends
   * (its `finally`), only if this statement ran. `defer func() { … }()`: its body runs then, reading the
   * variables as they are then.
   */
  private deferStatement(node: SyntaxNode, out: Block): void {
    const call = namedChildren(node).find((c) => this.bare(c).type === 'call_expression');
    if (!call) return;
    const bareCall = this.bare(call);
    const flag = `$defer${this.ctx.temp().slice(2)}`;
    const ops: Block = [];
    const fn = bareCall.childForFieldName('function');
    const argsNode = bareCall.childForFieldName('arguments');
    const argNodes = argsNode ? namedChildren(argsNode) : [];
    if (fn && this.bare(fn).type === 'func_literal') {
      // Its arguments are taken now; its body runs at the end.
      for (const a of argNodes) this.expr(a, out);
      this.inBlock(() => {
        for (const s of statementsOf(this.bare(fn).childForFieldName('body'))) this.stmt(s, ops);
      });
      // A `return` in the deferred function ends only it.
      this.scope.deferred.push({ flag, ops: [{ kind: 'inline', body: ops }] });
      out.push({ kind: 'assign', target: flag, fact: true, range: rangeOf(node) });
      return;
    }
    // Receiver and arguments now, into temporaries the deferred call reads.
    const now: Block = [];
    const calleeNode = fn ? this.bare(fn) : undefined;
    let callee: Callee;
    if (calleeNode?.type === 'selector_expression') {
      const operand = calleeNode.childForFieldName('operand');
      callee = this.memberCallee(operand, calleeNode.childForFieldName('field')?.text ?? '', now);
      if (callee.receiverVar !== undefined) {
        const captured = this.ctx.temp();
        now.push({ kind: 'assign', target: captured, from: callee.receiverVar, range: rangeOf(node) });
        callee = { ...callee, receiverVar: captured };
      }
    } else if (calleeNode?.type === 'identifier') {
      callee = { text: calleeNode.text, name: calleeNode.text };
    } else {
      callee = calleeNode ? this.otherCallee(calleeNode, now) : { text: '', name: '' };
    }
    const args = argNodes.map((a) => {
      const v = this.expr(a, now);
      if (v === undefined) return undefined;
      const captured = this.ctx.temp();
      now.push({ kind: 'assign', target: captured, from: v, range: rangeOf(a) });
      return captured;
    });
    out.push(...now);
    this.at(node, () => this.pushCall(bareCall, calleeNode ?? bareCall, callee, args, ops, this.ctx.temp()));
    this.scope.deferred.push({ flag, ops });
    out.push({ kind: 'assign', target: flag, fact: true, range: rangeOf(node) });
  }

  /** `go f(x)`: runs concurrently; what it is given is its own from here. `go func() { … }()` is a closure. */
  private goStatement(node: SyntaxNode, out: Block): void {
    const call = namedChildren(node).find((c) => this.bare(c).type === 'call_expression');
    if (!call) return;
    const bareCall = this.bare(call);
    const fn = bareCall.childForFieldName('function');
    const argsNode = bareCall.childForFieldName('arguments');
    for (const a of argsNode ? namedChildren(argsNode) : []) {
      const v = this.expr(a, out);
      if (v) out.push({ kind: 'escape', variable: v, how: 'argument', range: rangeOf(a) });
    }
    if (fn && this.bare(fn).type === 'func_literal') out.push({ kind: 'closure', fn: this.functionDef(this.bare(fn)), range: rangeOf(fn) });
    else if (fn?.type === 'selector_expression') {
      const operand = fn.childForFieldName('operand');
      const v = operand ? this.expr(operand, out) : undefined;
      if (v) out.push({ kind: 'escape', variable: v, how: 'argument', range: rangeOf(fn) });
    }
  }

  /** `rows.Next()` (or `!rows.Next()`) as a whole condition: the rows' variable, and whether it is negated. */
  private nextCall(test: SyntaxNode): { rows: VarName; negated: boolean } | undefined {
    let bare = this.bare(test);
    let negated = false;
    if (bare.type === 'unary_expression' && (bare.childForFieldName('operator')?.text ?? bare.children[0]?.text) === '!') {
      bare = this.bare(bare.childForFieldName('operand') ?? bare);
      negated = true;
    }
    if (bare.type !== 'call_expression' || (bare.childForFieldName('arguments')?.namedChildCount ?? 0) > 0) return undefined;
    const fn = bare.childForFieldName('function');
    if (fn?.type !== 'selector_expression' || fn.childForFieldName('field')?.text !== 'Next') return undefined;
    const operand = fn.childForFieldName('operand');
    if (operand?.type !== 'identifier') return undefined;
    // Rows with several result sets stay open when Next() ends one (NextResultSet() moves to the next).
    let owner: SyntaxNode | null = test;
    while (owner && !FUNCTION_NODES.has(owner.type)) owner = owner.parent;
    if (owner?.text.includes(`${operand.text}.NextResultSet(`)) return undefined;
    return { rows: this.resolve(operand.text), negated };
  }

  /** The close a false `Next()` makes, as an implicit call (never a double release). */
  private closedByNext(rows: VarName, test: SyntaxNode): Block[number] {
    const range = rangeOf(test);
    return {
      kind: 'call',
      id: this.ctx.id(),
      callee: { text: `${rows}.Close`, name: 'Close', receiver: rows, receiverName: rows, receiverVar: rows },
      args: [],
      target: this.ctx.temp(),
      isNew: false,
      implicit: true,
      range,
      calleeRange: range,
      statementRange: rangeOf(this.statement ?? test),
    };
  }

  // --- expressions --------------------------------------------------------------------------------

  override condition(node: SyntaxNode, out: Block): Condition {
    const bare = this.bare(node);
    const operator = bare.type === 'unary_expression' ? (bare.childForFieldName('operator')?.text ?? bare.children[0]?.text) : undefined;
    const operand = bare.childForFieldName('operand');
    if (operator === '!' && operand) return negate(this.condition(operand, out));
    if (bare.type === 'call_expression') {
      // `errors.Is(err, …)` says something of `err` (conditionOf); of `rows.Next()`, `ok()`, the result is what is tested.
      const value = this.expr(bare, out);
      const known = this.conditionOf(bare);
      if (known.kind !== 'unknown') return known;
      return value ? { kind: 'truthy', variable: value, negated: false } : { kind: 'unknown' };
    }
    return super.condition(bare, out);
  }

  /** True only when `error` is not nil, and then for reasons not modelled. */
  private nonNilAnd(error: string): Condition {
    return { kind: 'and', left: { kind: 'truthy', variable: this.resolve(error), negated: false }, right: { kind: 'unknown' }, negated: false };
  }

  protected conditionOf(node: SyntaxNode): Condition {
    const bare = this.bare(node);
    switch (bare.type) {
      case 'identifier':
        return { kind: 'truthy', variable: this.resolve(bare.text), negated: false };
      case 'true':
        return { kind: 'constant', value: true };
      case 'false':
        return { kind: 'constant', value: false };
      case 'unary_expression': {
        const operand = bare.childForFieldName('operand');
        const operator = bare.childForFieldName('operator')?.text ?? bare.children[0]?.text;
        return operator === '!' && operand ? negate(this.conditionOf(operand)) : { kind: 'unknown' };
      }
      case 'binary_expression': {
        const left = bare.childForFieldName('left');
        const right = bare.childForFieldName('right');
        const operator = bare.childForFieldName('operator')?.text ?? '';
        if (!left || !right) return { kind: 'unknown' };
        if (operator === '&&' || operator === '||') return { kind: operator === '&&' ? 'and' : 'or', left: this.conditionOf(left), right: this.conditionOf(right), negated: false };
        if (operator !== '!=' && operator !== '==') return { kind: 'unknown' };
        // `err != nil`, `nil == conn`.
        const [name, other] = this.bare(right).type === 'nil' ? [this.bare(left), right] : [this.bare(right), left];
        if (this.bare(other).type !== 'nil') {
          // `err == context.Canceled`: only a non-nil error equals a sentinel.
          const error = [this.bare(left), this.bare(right)].find((n) => n.type === 'identifier' && ERROR_NAME.test(n.text));
          return operator === '==' && error ? this.nonNilAnd(error.text) : { kind: 'unknown' };
        }
        if (name.type !== 'identifier') return { kind: 'unknown' };
        return { kind: 'truthy', variable: this.resolve(name.text), negated: operator === '==' };
      }
      case 'call_expression': {
        // `errors.Is(err, context.Canceled)`, `errors.As(err, &pgErr)`: true only for a non-nil error.
        const fn = this.bare(bare.childForFieldName('function') ?? bare);
        const first = bare.childForFieldName('arguments')?.namedChild(0);
        const error = first ? this.bare(first) : undefined;
        if (/^errors\.(?:Is|As)$/.test(fn.text) && error?.type === 'identifier') return this.nonNilAnd(error.text);
        return { kind: 'unknown' };
      }
      default:
        return { kind: 'unknown' };
    }
  }

  protected exprInner(node: SyntaxNode, out: Block, target: VarName | undefined): VarName | undefined {
    switch (node.type) {
      case 'identifier':
        return node.text === '_' ? undefined : this.resolve(node.text);
      case 'call_expression':
        return this.call(node, out, target ?? this.ctx.temp(), undefined);
      case 'selector_expression': {
        // `px.conn`: a field of a struct of this function's is what the struct holds (`px.conn.Close()`).
        const operand = node.childForFieldName('operand');
        const v = operand ? this.expr(operand, out) : undefined;
        return operand?.type === 'identifier' && this.isOwn(operand.text) ? v : undefined;
      }
      case 'unary_expression': {
        const operand = node.childForFieldName('operand');
        const operator = node.childForFieldName('operator')?.text ?? node.children[0]?.text;
        const v = operand ? this.expr(operand, out) : undefined;
        // `&Store{…}`, `&conn`: the same value, by reference.
        return operator === '&' || operator === '*' ? v : undefined;
      }
      case 'binary_expression': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        const operator = node.childForFieldName('operator')?.text ?? '';
        if (!left || !right) return undefined;
        if (operator === '&&' || operator === '||') {
          const condition = this.condition(left, out);
          const rightOps: Block = [];
          this.expr(right, rightOps);
          if (rightOps.length) out.push({ kind: 'if', condition, then: operator === '&&' ? rightOps : [], else: operator === '&&' ? [] : rightOps, range: rangeOf(node) });
          return undefined;
        }
        this.expr(left, out);
        this.expr(right, out);
        return undefined;
      }
      case 'composite_literal': {
        // `Store{conn: c}`, `[]*Conn{c}`: the values are kept in the new value.
        for (const [v, at] of this.literalValues(node, out)) out.push({ kind: 'escape', variable: v, how: 'container', range: rangeOf(at) });
        return undefined;
      }
      case 'func_literal':
        out.push({ kind: 'closure', fn: this.functionDef(node), range: rangeOf(node) });
        return undefined;
      case 'type_assertion_expression':
      case 'type_conversion_expression': {
        const operand = node.childForFieldName('operand');
        return operand ? this.expr(operand, out, target) : undefined;
      }
      case 'literal_value':
      case 'expression_list':
        for (const child of namedChildren(node)) {
          const v = this.expr(child, out);
          if (v) out.push({ kind: 'escape', variable: v, how: 'container', range: rangeOf(child) });
        }
        return undefined;
      default:
        if (LITERALS.has(node.type) || /type|identifier$/.test(node.type)) return undefined;
        for (const child of namedChildren(node)) this.expr(child, out);
        return undefined;
    }
  }

  /** The variables a composite literal's elements are, each with its element, lowered in order. */
  private literalValues(node: SyntaxNode, out: Block): [VarName, SyntaxNode][] {
    const values: [VarName, SyntaxNode][] = [];
    const body = node.childForFieldName('body');
    const stack = body ? [body] : [];
    while (stack.length) {
      const current = stack.pop() as SyntaxNode;
      for (const child of namedChildren(current)) {
        if (child.type === 'literal_value' || child.type === 'keyed_element' || child.type === 'literal_element') {
          if (child.type === 'keyed_element') {
            const parts = namedChildren(child);
            const valueNode = parts[parts.length - 1];
            const v = valueNode ? this.expr(valueNode.type === 'literal_element' ? (valueNode.namedChild(0) ?? valueNode) : valueNode, out) : undefined;
            if (v) values.push([v, child]);
          } else if (child.type === 'literal_element') {
            const inner = child.namedChild(0);
            const v = inner ? this.expr(inner, out) : undefined;
            if (v) values.push([v, child]);
          } else stack.push(child);
        } else {
          const v = this.expr(child, out);
          if (v) values.push([v, child]);
        }
      }
    }
    return values;
  }

  private call(node: SyntaxNode, out: Block, target: VarName, errorTarget: VarName | undefined): VarName | undefined {
    const fnNode = node.childForFieldName('function');
    const argsNode = node.childForFieldName('arguments');
    if (!fnNode) return undefined;
    let calleeNode = this.bare(fnNode);
    // `pgx.CollectRows[Source](rows, …)`: a generic function with its type arguments (parsed as an index).
    const typeArgument = calleeNode.type === 'index_expression' ? calleeNode.childForFieldName('index') : null;
    const operand = calleeNode.type === 'index_expression' ? calleeNode.childForFieldName('operand') : null;
    const typeLike =
      typeArgument !== null &&
      (/_type$/.test(typeArgument.type) ||
        /^(?:[A-Z]|(?:any|bool|byte|rune|string|error|u?int\d*|float\d+)$)/.test(typeArgument.text) ||
        // `pgx.CollectRows[item]`: a package's function indexed by a name is instantiated, not looked up.
        (operand?.type === 'selector_expression' && operand.childForFieldName('operand')?.type === 'identifier' && /^(?:type_)?identifier$/.test(typeArgument.type)));
    if (operand && typeLike) calleeNode = this.bare(operand);
    else if (calleeNode.type === 'generic_type') calleeNode = this.bare(calleeNode.childForFieldName('type') ?? calleeNode);
    let callee: Callee;
    const argNodes = argsNode ? namedChildren(argsNode) : [];
    if (fnNode.type === 'parenthesized_expression' && /^\(\s*[*[]/.test(fnNode.text) && argNodes.length === 1) {
      // `(*connRow)(rows)`: a conversion, the same value under another type.
      return this.expr(argNodes[0] as SyntaxNode, out, target);
    }
    if (calleeNode.type === 'func_literal') {
      // `func() { … }()`: runs here.
      for (const a of argsNode ? namedChildren(argsNode) : []) this.expr(a, out);
      const body: Block = [];
      this.inBlock(() => {
        for (const s of statementsOf(calleeNode.childForFieldName('body'))) this.stmt(s, body);
      });
      out.push({ kind: 'inline', body });
      return undefined;
    }
    if (calleeNode.type === 'selector_expression') {
      const operand = calleeNode.childForFieldName('operand');
      callee = this.memberCallee(operand, calleeNode.childForFieldName('field')?.text ?? '', out);
      const receiverType = operand && GO_ACQUIRE_METHODS.has(callee.name) ? this.typeRef(operand) : undefined;
      if (receiverType !== undefined) {
        callee.receiverType = receiverType;
        this.ctx.typedCalls.add(`${receiverType}\u0000${callee.name}`);
      }
    } else if (calleeNode.type === 'identifier') {
      callee = { text: calleeNode.text, name: calleeNode.text };
    } else {
      callee = this.otherCallee(calleeNode, out);
    }
    const args: (VarName | undefined)[] = [];
    const released: SyntaxNode[] = [];
    for (const arg of argsNode ? namedChildren(argsNode) : []) {
      if (arg.type === 'type_arguments' || /_type$/.test(arg.type)) continue;
      if (arg.type === 'selector_expression' && RELEASE_VALUE.test(arg.childForFieldName('field')?.text ?? '')) released.push(arg);
      args.push(this.expr(arg, out));
    }
    // `WithTimeout(ctx, d, "rollback", tx.Rollback)`, `DeferRollback(ctx, l, tx.Rollback)`: the release
    // itself is handed to the function, which calls it (a timeout wrapper, a deferral, a retry).
    for (const value of released) {
      const operand = value.childForFieldName('operand');
      this.pushCall(value, value, this.memberCallee(operand, value.childForFieldName('field')?.text ?? '', out), [], out, this.ctx.temp(), {});
    }
    if (callee.receiver === undefined && callee.name === 'panic') {
      out.push({ kind: 'throw', range: rangeOf(node) });
      return undefined;
    }
    this.pushCall(node, calleeNode, callee, args, out, target, {});
    if (errorTarget !== undefined) {
      const op = out[out.length - 1];
      if (op?.kind === 'call') op.errorTarget = errorTarget;
    } else if (WRAPPER.test(callee.name) && (callee.receiver === undefined || this.imports(node).has(callee.receiver))) {
      // `return newRowsWithDuration(rows, start), nil`: a constructor without an error result wraps
      // what it is given; the new value holds it from here.
      const range = rangeOf(node);
      for (const a of args) if (a !== undefined) out.push({ kind: 'escape', variable: a, how: 'container', range });
    }
    return target;
  }
}


function literalFact(node: SyntaxNode | undefined): { fact?: boolean } {
  if (!node) return {};
  if (node.type === 'true') return { fact: true };
  if (node.type === 'false' || node.type === 'nil') return { fact: false };
  return {};
}

/** `(ctx context.Context, id int)` -> ['ctx', 'id']; `(a, b int)` -> ['a', 'b']; an unnamed one is undefined. */
function parameterNames(list: SyntaxNode | null): (VarName | undefined)[] {
  if (!list || list.type !== 'parameter_list') return [];
  const names: (VarName | undefined)[] = [];
  for (const param of namedChildren(list)) {
    if (param.type !== 'parameter_declaration' && param.type !== 'variadic_parameter_declaration') continue;
    const ids = namedChildren(param).filter((c) => c.type === 'identifier');
    if (ids.length === 0) names.push(undefined);
    else for (const id of ids) names.push(id.text);
  }
  return names;
}

/** `(ctx context.Context, db *sql.DB)` -> [['ctx', 'context.Context'], ['db', 'sql.DB']] (the type a name, if it is one). */
function typedParameters(list: SyntaxNode | null): [VarName, string | undefined][] {
  if (!list || list.type !== 'parameter_list') return [];
  const out: [VarName, string | undefined][] = [];
  for (const param of namedChildren(list)) {
    if (param.type !== 'parameter_declaration' && param.type !== 'variadic_parameter_declaration') continue;
    const type = param.type === 'parameter_declaration' ? namedType(param.childForFieldName('type')?.text ?? '') : undefined;
    for (const id of namedChildren(param)) if (id.type === 'identifier') out.push([id.text, type]);
  }
  return out;
}

/** `func (s *Store) Get(…)`: `Store`. */
function receiverType(node: SyntaxNode): string | undefined {
  const receiver = node.childForFieldName('receiver');
  const param = receiver ? namedChildren(receiver)[0] : undefined;
  const type = param?.childForFieldName('type');
  if (!type) return undefined;
  const match = /(\w+)\s*(?:\[[^\]]*\])?\s*$/.exec(type.text);
  return match?.[1];
}
