// C# syntax trees -> function models. Methods, constructors, local functions, lambdas and anonymous
// methods each get a model; `using` (declaration or block) lowers to try { … } finally { x.Dispose() }
// (`DisposeAsync` for `await using`) on the resource variable. A name the method did not declare
// (a field: `_conn = c`) and a member (`this.conn = c`) are stores: the value leaves the method's hands.
import { INSTANCE } from '../drivers';
import type { Block, CallOp, Callee, Condition, FileModel, FunctionModel, VarName } from '../model';
import type { SyntaxNode } from '../treeSitter';
import { BORROWS_CONNECTION, CSHARP } from '../apis/csharp';
import { LoweringContext, namedChildren, rangeOf } from './builder';
import { LoweringCore } from './core';
import type { FunctionFocus } from './focus';
import { negate } from './jsExpressions';

/** Calls whose result the file binds as a data source (a pool): `NpgsqlDataSource.Create(…)`, a builder's `Build()`. */
export const CS_POOL_CONSTRUCTORS = ['Create', 'Build', 'BuildMultiHost', 'NpgsqlDataSource', 'NpgsqlMultiHostDataSource'];
const POOL_CONSTRUCTOR = /^(await\s+)?(new\s+)?([\w.]*\bNpgsql(MultiHost)?DataSource(Builder\([^]*\))?)(\.(Create|Build|BuildMultiHost)|\s*\()/;
/** Types of fields, properties and parameters that hold a data source. */
const DATA_SOURCE_TYPE = /^(Npgsql\.)?Npgsql(MultiHost)?DataSource$/;
/** The class whose instance `Open()` / `OpenAsync()` gives a pooled connection (catalogue onInstance). */
export const CONNECTION_CLASS = 'NpgsqlConnection';
/** An exception type that catches whatever a call can throw. */
const CATCH_ALL = /^(System\.)?Exception$/;
const TYPE_DECLARATIONS = new Set([
  'class_declaration',
  'struct_declaration',
  'record_declaration',
  'record_struct_declaration',
  'interface_declaration',
  'namespace_declaration',
  'file_scoped_namespace_declaration',
]);

export function lowerCSharp(root: SyntaxNode, focus?: FunctionFocus, ctx = new LoweringContext('cs', focus)): FileModel {
  new CsLowering(ctx).file(root);
  return ctx.fileModel();
}

/** One function on its own (the incremental analyser lowers again only the one an edit was in). */
export function lowerCSharpFunction(node: SyntaxNode, ctx: LoweringContext): FunctionModel {
  return new CsLowering(ctx).functionDef(node);
}

/** Strips what does not change a value: parentheses, casts, `as`, the null-forgiving `!`. */
export function csBare(node: SyntaxNode): SyntaxNode {
  let current = node;
  for (let i = 0; i < 200; i++) {
    let inner: SyntaxNode | null = null;
    if (current.type === 'parenthesized_expression') inner = current.namedChild(0);
    else if (current.type === 'cast_expression') inner = current.childForFieldName('value');
    else if (current.type === 'as_expression') inner = current.childForFieldName('left');
    else if (current.type === 'postfix_unary_expression' && current.text.endsWith('!')) inner = current.namedChild(0);
    if (!inner) return current;
    current = inner;
  }
  return current;
}

/** `using var x = …;` / `await using var x = …;`: 'await' for the latter, undefined for other statements. */
export function usingDeclaration(node: SyntaxNode): 'sync' | 'await' | undefined {
  if (node.type !== 'local_declaration_statement') return undefined;
  let kind: 'sync' | 'await' | undefined;
  let awaited = false;
  for (const c of node.children) {
    if (!c || c.isNamed) continue;
    if (c.type === 'await') awaited = true;
    if (c.type === 'using') kind = awaited ? 'await' : 'sync';
  }
  return kind;
}

/** `await using (…)`: whether a using block is the asynchronous one. */
export function awaitsUsing(node: SyntaxNode): boolean {
  return node.children.some((c) => c?.type === 'await');
}

/** The declared name and initializer of each declarator of a `variable_declaration`. */
export function declarators(declaration: SyntaxNode): { name: SyntaxNode; value: SyntaxNode | undefined; node: SyntaxNode }[] {
  const out: { name: SyntaxNode; value: SyntaxNode | undefined; node: SyntaxNode }[] = [];
  for (const d of namedChildren(declaration)) {
    if (d.type !== 'variable_declarator') continue;
    const name = d.childForFieldName('name');
    if (!name) continue;
    const value = namedChildren(d).find((c) => c.id !== name.id && c.type !== 'bracketed_argument_list');
    out.push({ name, value, node: d });
  }
  return out;
}

class CsLowering extends LoweringCore {
  /** Names the function being lowered declares (parameters and locals): assigning another name stores a field. */
  private locals = new Set<string>();
  private foreignFile: boolean | undefined;

  file(root: SyntaxNode): void {
    this.topLevel(root, 'cs', (body) => this.members(namedChildren(root), body));
  }

  /** What a compilation unit, namespace or type declares: types and members; top-level statements run as the file's code. */
  private members(nodes: SyntaxNode[], out: Block): void {
    const statements: SyntaxNode[] = [];
    for (const node of nodes) {
      if (node.type === 'global_statement') {
        const inner = node.namedChild(0);
        if (inner) statements.push(inner);
        continue;
      }
      this.member(node, out);
    }
    if (statements.length) this.statements(statements, out);
  }

  private member(node: SyntaxNode, out: Block): void {
    if (TYPE_DECLARATIONS.has(node.type)) {
      const body = node.childForFieldName('body') ?? namedChildren(node).find((c) => c.type === 'declaration_list');
      if (body) this.markOpenedPerMethod(body);
      if (body) this.members(namedChildren(body), out);
      else if (node.type === 'file_scoped_namespace_declaration') this.members(namedChildren(node).filter((c) => c.type !== 'identifier' && c.type !== 'qualified_name'), out);
      return;
    }
    switch (node.type) {
      case 'method_declaration':
      case 'constructor_declaration':
      case 'destructor_declaration':
      case 'operator_declaration':
      case 'conversion_operator_declaration':
        if (node.type === 'method_declaration' || node.type === 'constructor_declaration') this.functionDef(node);
        return;
      case 'field_declaration':
      case 'event_field_declaration': {
        const declaration = namedChildren(node).find((c) => c.type === 'variable_declaration');
        if (declaration) this.at(node, () => this.declaration(declaration, out, false));
        return;
      }
      case 'property_declaration': {
        const type = node.childForFieldName('type');
        const name = node.childForFieldName('name');
        if (type && name && DATA_SOURCE_TYPE.test(type.text)) this.ctx.poolNames.add(name.text);
        const value = node.childForFieldName('value');
        if (value && value.type !== 'arrow_expression_clause') this.at(node, () => this.expr(value, out));
        return;
      }
      default:
        return;
    }
  }

  functionDef(node: SyntaxNode): FunctionModel {
    const nameNode = node.type === 'lambda_expression' || node.type === 'anonymous_method_expression' ? null : node.childForFieldName('name');
    const bodyNode = node.childForFieldName('body') ?? namedChildren(node).find((c) => c.type === 'block' || c.type === 'arrow_expression_clause') ?? null;
    const paramsNode = node.childForFieldName('parameters') ?? namedChildren(node).find((c) => c.type === 'parameter_list') ?? null;
    return this.functionModel(node, {
      nameNode,
      reuseContext: '',
      family: 'cs',
      params: () => this.paramsOf(node, paramsNode),
      enter: () => {
        const outer = this.locals;
        // A `ref` / `out` parameter is the caller's variable: what is assigned to it goes to the caller.
        const byRef = new Set(paramsNode ? namedChildren(paramsNode).filter((p) => p.children.some((c) => c?.type === 'modifier' && /^(ref|out)$/.test(c.text))).map((p) => p.childForFieldName('name')?.text) : []);
        this.locals = new Set(this.paramsOf(node, paramsNode).filter((p): p is string => p !== undefined && !byRef.has(p)));
        return () => {
          this.locals = outer;
        };
      },
      lowerBody: (body) => {
        if (!bodyNode) return;
        if (bodyNode.type === 'block') {
          this.statements(namedChildren(bodyNode), body);
          return;
        }
        // `=> expression`: its value is returned.
        const expression = bodyNode.type === 'arrow_expression_clause' ? bodyNode.namedChild(0) : bodyNode;
        if (!expression) return;
        this.at(expression, () => {
          const value = this.expr(expression, body);
          if (value) body.push({ kind: 'escape', variable: value, how: 'return', range: rangeOf(expression) });
        });
      },
      // The program's entry point runs once per process, like top-level statements (FunctionModel.topLevel).
      extras: () => ({ isGenerator: bodyNode?.type === 'block' && /\byield\b/.test(bodyNode.text), ...(isEntryPoint(node) ? { topLevel: true } : {}) }),
    });
  }

  private paramsOf(node: SyntaxNode, list: SyntaxNode | null): (VarName | undefined)[] {
    if (node.type === 'lambda_expression' && !list) {
      // `x => …`: a lone identifier parameter.
      const p = node.childForFieldName('parameters') ?? node.namedChild(0);
      return p?.type === 'identifier' ? [p.text] : [];
    }
    if (!list) return [];
    // `params T[] rest` is not wrapped in a parameter node: its type is no parameter of its own.
    return namedChildren(list).filter((param) => param.type === 'parameter' || param.type === 'identifier').map((param) => {
      const name = param.childForFieldName('name') ?? (param.type === 'identifier' ? param : null);
      const type = param.childForFieldName('type');
      if (name && type && DATA_SOURCE_TYPE.test(type.text)) this.ctx.poolNames.add(name.text);
      return name?.text;
    });
  }

  /** A list of statements: a `using` declaration holds its resource until the list ends. */
  private statements(nodes: SyntaxNode[], out: Block): void {
    for (let i = 0; i < nodes.length; i++) {
      const node = nodes[i] as SyntaxNode;
      const using = usingDeclaration(node);
      if (!using) {
        this.stmt(node, out);
        continue;
      }
      this.stmt(node, out);
      const rest: Block = [];
      this.statements(nodes.slice(i + 1), rest);
      const declaration = namedChildren(node).find((c) => c.type === 'variable_declaration');
      const finalizer: Block = [];
      // Disposed in reverse order of declaration.
      for (const d of declaration ? declarators(declaration).reverse() : []) if (!borrowsConnection(d.value)) finalizer.push(this.disposeOp(d.name.text, d.node, node, using));
      out.push({ kind: 'try', body: rest, handlers: [], catchesAll: false, finalizer, range: rangeOf(node) });
      return;
    }
  }

  /** The synthetic `x.Dispose()` (or `DisposeAsync()`) that ends a `using`. */
  private disposeOp(variable: VarName, at: SyntaxNode, statement: SyntaxNode, using: 'sync' | 'await'): CallOp {
    const name = using === 'await' ? 'DisposeAsync' : 'Dispose';
    const callee: Callee = { text: `${variable}.${name}`, name, receiver: variable, receiverName: variable, receiverVar: variable };
    return { kind: 'call', id: this.ctx.id(), callee, args: [], isNew: false, implicit: true, range: rangeOf(at), calleeRange: rangeOf(at), statementRange: rangeOf(statement) };
  }

  private block(node: SyntaxNode | null): Block {
    const out: Block = [];
    if (!node) return out;
    if (node.type === 'block') this.statements(namedChildren(node), out);
    else this.stmt(node, out);
    return out;
  }

  protected bare(node: SyntaxNode): SyntaxNode {
    return csBare(node);
  }

  protected isCall(node: SyntaxNode): boolean {
    return node.type === 'invocation_expression' || node.type === 'object_creation_expression' || node.type === 'implicit_object_creation_expression';
  }

  protected stmtInner(node: SyntaxNode, out: Block): void {
    switch (node.type) {
      case 'block':
        this.statements(namedChildren(node), out);
        return;
      case 'expression_statement':
        for (const e of namedChildren(node)) this.expr(e, out);
        return;
      case 'local_declaration_statement': {
        const declaration = namedChildren(node).find((c) => c.type === 'variable_declaration');
        if (declaration) this.declaration(declaration, out, true);
        return;
      }
      case 'using_statement':
        return this.usingStatement(node, out);
      case 'if_statement': {
        const test = node.childForFieldName('condition');
        const condition = test ? this.condition(test, out) : ({ kind: 'unknown' } as const);
        out.push({
          kind: 'if',
          condition,
          then: this.block(node.childForFieldName('consequence')),
          else: this.block(node.childForFieldName('alternative')),
          range: rangeOf(node),
        });
        return;
      }
      case 'while_statement':
      case 'do_statement': {
        const head: Block = [];
        const test = node.childForFieldName('condition');
        const condition = test ? this.condition(test, head) : ({ kind: 'unknown' } as const);
        out.push({ kind: 'loop', head, condition, body: this.block(node.childForFieldName('body')), bodyFirst: node.type === 'do_statement', range: rangeOf(node) });
        return;
      }
      case 'for_statement':
        return this.forStatement(node, out);
      case 'foreach_statement': {
        const right = node.childForFieldName('right');
        if (right) this.expr(right, out);
        const head: Block = [];
        if (node.children.some((c) => c?.type === 'await')) head.push({ kind: 'await', range: rangeOf(node) });
        const body: Block = [];
        const left = node.childForFieldName('left');
        if (left) for (const n of declaredNames(left)) body.push(this.declare(n, rangeOf(left)));
        body.push(...this.block(node.childForFieldName('body')));
        out.push({ kind: 'loop', head, condition: { kind: 'unknown' }, body, bodyFirst: false, range: rangeOf(node) });
        return;
      }
      case 'try_statement':
        return this.tryStatement(node, out);
      case 'switch_statement':
        return this.switchStatement(node, out);
      case 'return_statement': {
        const value = node.namedChild(0);
        this.returnOps(value ? this.expr(value, out) : undefined, node, out);
        return;
      }
      case 'throw_statement': {
        const value = node.namedChild(0);
        if (value) this.expr(value, out);
        out.push({ kind: 'throw', range: rangeOf(node) });
        return;
      }
      case 'break_statement':
      case 'continue_statement':
        out.push({ kind: 'jump', jump: node.type === 'break_statement' ? 'break' : 'continue', range: rangeOf(node) });
        return;
      case 'yield_statement': {
        const value = node.namedChild(0);
        if (!value) {
          // `yield break`: the iterator ends.
          out.push({ kind: 'return', range: rangeOf(node) });
          return;
        }
        const v = this.expr(value, out);
        out.push({ kind: 'yield', ...(v ? { variable: v } : {}), range: rangeOf(node) });
        return;
      }
      case 'labeled_statement': {
        // Labels are `goto` targets in C#, not `break` ones.
        for (const c of namedChildren(node)) if (c.type !== 'identifier') this.stmt(c, out);
        return;
      }
      case 'local_function_statement':
        out.push({ kind: 'closure', fn: this.functionDef(node), range: rangeOf(node) });
        return;
      case 'lock_statement':
      case 'checked_statement':
      case 'unsafe_statement':
      case 'fixed_statement':
        for (const c of namedChildren(node)) {
          if (c.type === 'block' || c.type.endsWith('_statement')) this.stmt(c, out);
          else if (c.type === 'variable_declaration') this.declaration(c, out, true);
          else this.expr(c, out);
        }
        return;
      case 'goto_statement':
      case 'empty_statement':
      case 'comment':
        return;
      default:
        if (TYPE_DECLARATIONS.has(node.type)) return;
        for (const child of namedChildren(node)) this.expr(child, out);
    }
  }

  private declare(name: VarName, range: ReturnType<typeof rangeOf>): Block[number] {
    this.locals.add(name);
    return { kind: 'assign', target: name, range };
  }

  /** `T a = x, b = y;` (locals, or fields when `local` is false). */
  private declaration(declaration: SyntaxNode, out: Block, local: boolean): void {
    const type = declaration.childForFieldName('type');
    for (const { name, value, node } of declarators(declaration)) {
      if (local) this.locals.add(name.text);
      if (!local && type && DATA_SOURCE_TYPE.test(type.text)) this.ctx.poolNames.add(name.text);
      if (!value) {
        if (local) out.push({ kind: 'assign', target: name.text, fact: false, range: rangeOf(node) });
        continue;
      }
      this.markValue(name.text, value, type, local);
      const v = this.expr(value, out, local ? name.text : undefined);
      if (!local) {
        if (v) out.push({ kind: 'escape', variable: v, how: 'store', range: rangeOf(node) });
        continue;
      }
      if (v !== name.text) out.push({ kind: 'assign', target: name.text, ...(v ? { from: v } : {}), ...literalFact(value), range: rangeOf(node) });
    }
  }

  /**
   * What `name = value` says of `name`: a data source (`NpgsqlDataSource.Create(…)`) is a pool name;
   * a connection not yet open (`new NpgsqlConnection(cs)`, `dataSource.CreateConnection()`) is an
   * instance whose `Open()` takes a pooled connection (catalogue onInstance rows), when `name` is a
   * local: one kept in a field lives with its object (opening it is like storing an open one there).
   */
  private markValue(name: string, value: SyntaxNode, type: SyntaxNode | null, local: boolean): void {
    const bare = csBare(value);
    if (POOL_CONSTRUCTOR.test(bare.text) || (type && DATA_SOURCE_TYPE.test(type.text))) {
      this.ctx.poolNames.add(name);
      return;
    }
    if (!local) return;
    let created: string | undefined;
    if (bare.type === 'object_creation_expression') created = lastName(bare.childForFieldName('type')?.text ?? '');
    else if (bare.type === 'implicit_object_creation_expression' && type) created = lastName(type.text);
    else if (bare.type === 'invocation_expression') {
      const fn = bare.childForFieldName('function');
      if (fn?.type === 'member_access_expression' && fn.childForFieldName('name')?.text === 'CreateConnection' && !this.isForeignFile(value)) created = CONNECTION_CLASS;
    }
    if (created === CONNECTION_CLASS) this.ctx.poolNames.add(`${INSTANCE}${name}=${CONNECTION_CLASS}`);
  }

  /**
   * A field created as `new NpgsqlConnection(cs)` that each method opening it also closes or disposes
   * itself (a form's `con`: `con.Open(); … con.Close();` per button): those methods hold a pooled
   * connection from `Open()` to `Close()`, as with a local. A field some method opens and leaves open
   * (a connection kept for the object's life, closed by another method) is not marked.
   */
  private markOpenedPerMethod(body: SyntaxNode): void {
    const fields: string[] = [];
    for (const member of namedChildren(body)) {
      if (member.type !== 'field_declaration') continue;
      const declaration = namedChildren(member).find((c) => c.type === 'variable_declaration');
      if (!declaration) continue;
      for (const { name, value } of declarators(declaration)) {
        const bare = value ? csBare(value) : undefined;
        if (bare?.type === 'object_creation_expression' && lastName(bare.childForFieldName('type')?.text ?? '') === CONNECTION_CLASS) fields.push(name.text);
      }
    }
    if (fields.length === 0) return;
    const methods = namedChildren(body).filter((m) => m.type === 'method_declaration');
    for (const field of fields) {
      const opens = new RegExp(`(?<![\\w.])${field}\\s*\\.\\s*Open(Async)?\\s*\\(`);
      const closes = new RegExp(`(?<![\\w.])${field}\\s*\\.\\s*(Close|Dispose)(Async)?\\s*\\(`);
      const opening = methods.filter((m) => opens.test(m.text));
      if (opening.length > 0 && opening.every((m) => closes.test(m.text))) this.ctx.poolNames.add(`${INSTANCE}${field}=${CONNECTION_CLASS}`);
    }
  }

  /** Whether the file only uses another database's client (its `CreateConnection()` is not Npgsql's). */
  private isForeignFile(node: SyntaxNode): boolean {
    if (this.foreignFile === undefined) {
      const imports = CSHARP.imports?.(node.tree.rootNode.text);
      this.foreignFile = imports ? imports.foreign && !imports.postgres : false;
    }
    return this.foreignFile;
  }

  private usingStatement(node: SyntaxNode, out: Block): void {
    const using = awaitsUsing(node) ? 'await' : 'sync';
    const body = node.childForFieldName('body');
    const finalizer: Block = [];
    for (const c of namedChildren(node)) {
      if (body && c.id === body.id) continue;
      if (c.type === 'variable_declaration') {
        this.declaration(c, out, true);
        for (const d of declarators(c).reverse()) if (!borrowsConnection(d.value)) finalizer.unshift(this.disposeOp(d.name.text, d.node, node, using));
      } else {
        // `using (expression)`: what it evaluates to is disposed.
        const target = this.ctx.temp();
        const v = this.expr(c, out, target) ?? target;
        finalizer.push(this.disposeOp(v, c, node, using));
      }
    }
    out.push({ kind: 'try', body: this.block(body), handlers: [], catchesAll: false, finalizer: finalizer.reverse(), range: rangeOf(node) });
  }

  private forStatement(node: SyntaxNode, out: Block): void {
    const update: SyntaxNode[] = [];
    for (let i = 0; i < node.childCount; i++) {
      const c = node.child(i);
      const field = node.fieldNameForChild(i);
      if (!c) continue;
      if (field === 'initializer') {
        if (c.type === 'variable_declaration') this.declaration(c, out, true);
        else this.expr(c, out);
      } else if (field === 'update') update.push(c);
    }
    const head: Block = [];
    const test = node.childForFieldName('condition');
    const condition: Condition = test ? this.condition(test, head) : { kind: 'constant', value: true };
    const body = this.block(node.childForFieldName('body'));
    for (const c of update) this.expr(c, body);
    out.push({ kind: 'loop', head, condition, body, bodyFirst: false, range: rangeOf(node) });
  }

  private tryStatement(node: SyntaxNode, out: Block): void {
    const body = this.block(node.childForFieldName('body'));
    const handlers: Block[] = [];
    let catchesAll = false;
    let finalizer: Block | undefined;
    for (const clause of namedChildren(node)) {
      if (clause.type === 'catch_clause') {
        const ops: Block = [];
        const declaration = namedChildren(clause).find((c) => c.type === 'catch_declaration');
        const filter = namedChildren(clause).find((c) => c.type === 'catch_filter_clause');
        const type = declaration?.childForFieldName('type')?.text.replace(/\s+/g, '');
        const name = declaration?.childForFieldName('name');
        if (name) ops.push(this.declare(name.text, rangeOf(name)));
        if (filter) for (const e of namedChildren(filter)) this.expr(e, ops);
        // `catch`, `catch (Exception)`: everything; a `when` filter may let it pass.
        if ((type === undefined || CATCH_ALL.test(type)) && !filter) catchesAll = true;
        ops.push(...this.block(clause.childForFieldName('body') ?? namedChildren(clause).find((c) => c.type === 'block') ?? null));
        handlers.push(ops);
      } else if (clause.type === 'finally_clause') {
        finalizer = this.block(namedChildren(clause).find((c) => c.type === 'block') ?? null);
      }
    }
    out.push({ kind: 'try', body, handlers, catchesAll, ...(finalizer ? { finalizer } : {}), range: rangeOf(node) });
  }

  private switchStatement(node: SyntaxNode, out: Block): void {
    const value = node.childForFieldName('value');
    if (value) this.expr(value, out);
    const body = node.childForFieldName('body');
    const cases: Block[] = [];
    let hasDefault = false;
    for (const section of body ? namedChildren(body) : []) {
      if (section.type !== 'switch_section') continue;
      if (section.children.some((c) => c?.type === 'default') || namedChildren(section).some((c) => c.type === 'discard')) hasDefault = true;
      const statements = namedChildren(section).filter((c) => c.type === 'block' || c.type.endsWith('_statement'));
      const ops: Block = [];
      for (const label of namedChildren(section)) if (label.type === 'when_clause') for (const e of namedChildren(label)) this.expr(e, ops);
      this.statements(statements, ops);
      cases.push(ops);
    }
    out.push({ kind: 'switch', cases, hasDefault, range: rangeOf(node) });
  }

  protected conditionOf(node: SyntaxNode): Condition {
    return conditionOf(node);
  }

  protected exprInner(node: SyntaxNode, out: Block, target: VarName | undefined): VarName | undefined {
    switch (node.type) {
      case 'identifier':
        return node.text;
      case 'invocation_expression':
        return this.invocation(node, out, target ?? this.ctx.temp()).target;
      case 'object_creation_expression':
      case 'implicit_object_creation_expression':
        return this.creation(node, out, target ?? this.ctx.temp()).target;
      case 'await_expression': {
        const inner = node.namedChild(0);
        if (!inner) return undefined;
        const value = this.expr(inner, out, target);
        if (!this.isCall(csBare(inner))) out.push({ kind: 'await', range: rangeOf(node) });
        return value;
      }
      case 'assignment_expression':
        return this.assignment(node, out);
      case 'conditional_expression': {
        const test = node.childForFieldName('condition');
        const condition = test ? this.condition(test, out) : ({ kind: 'unknown' } as const);
        const thenOps: Block = [];
        const elseOps: Block = [];
        const consequence = node.childForFieldName('consequence');
        const alternative = node.childForFieldName('alternative');
        if (consequence) this.expr(consequence, thenOps);
        if (alternative) this.expr(alternative, elseOps);
        if (thenOps.length || elseOps.length) out.push({ kind: 'if', condition, then: thenOps, else: elseOps, range: rangeOf(node) });
        return undefined;
      }
      case 'binary_expression': {
        const operator = node.childForFieldName('operator')?.type;
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        if (!left || !right) return undefined;
        if (operator === '&&' || operator === '||' || operator === '??') {
          // The right side runs only sometimes.
          const condition: Condition = operator === '??' ? { kind: 'unknown' } : this.condition(left, out);
          if (operator === '??') this.expr(left, out);
          const rightOps: Block = [];
          this.expr(right, rightOps);
          if (rightOps.length) out.push({ kind: 'if', condition, then: operator === '||' ? [] : rightOps, else: operator === '||' ? rightOps : [], range: rangeOf(node) });
          return undefined;
        }
        this.expr(left, out);
        this.expr(right, out);
        return undefined;
      }
      case 'throw_expression': {
        const value = node.namedChild(0);
        if (value) this.expr(value, out);
        out.push({ kind: 'throw', range: rangeOf(node) });
        return undefined;
      }
      case 'member_access_expression': {
        const object = node.childForFieldName('expression');
        if (object) this.expr(object, out);
        return undefined;
      }
      case 'conditional_access_expression': {
        const object = node.childForFieldName('condition');
        if (object) this.expr(object, out);
        return undefined;
      }
      case 'lambda_expression':
      case 'anonymous_method_expression':
        out.push({ kind: 'closure', fn: this.functionDef(node), range: rangeOf(node) });
        return undefined;
      case 'declaration_expression': {
        const name = node.childForFieldName('name');
        if (name) out.push(this.declare(name.text, rangeOf(node)));
        return name?.text;
      }
      case 'initializer_expression':
      case 'array_creation_expression':
      case 'implicit_array_creation_expression':
      case 'collection_expression':
      case 'tuple_expression':
      case 'anonymous_object_creation_expression':
        for (const child of namedChildren(node)) {
          const valueNode = child.type === 'assignment_expression' || child.type === 'name_equals' ? child.childForFieldName('right') ?? child.namedChild(child.namedChildCount - 1) : child.type === 'argument' ? child.namedChild(child.namedChildCount - 1) : child;
          const v = valueNode ? this.expr(valueNode, out) : undefined;
          if (v) out.push({ kind: 'escape', variable: v, how: 'container', range: rangeOf(child) });
        }
        return undefined;
      case 'is_pattern_expression': {
        const expression = node.childForFieldName('expression');
        if (expression) this.expr(expression, out);
        const pattern = node.childForFieldName('pattern');
        if (pattern) for (const n of declaredNames(pattern)) out.push(this.declare(n, rangeOf(pattern)));
        return undefined;
      }
      case 'string_literal':
      case 'verbatim_string_literal':
      case 'raw_string_literal':
      case 'integer_literal':
      case 'real_literal':
      case 'boolean_literal':
      case 'null_literal':
      case 'character_literal':
      case 'this_expression':
      case 'base_expression':
      case 'predefined_type':
      case 'typeof_expression':
      case 'sizeof_expression':
      case 'default_expression':
      case 'comment':
        return undefined;
      default:
        for (const child of namedChildren(node)) this.expr(child, out);
        return undefined;
    }
  }

  private assignment(node: SyntaxNode, out: Block): VarName | undefined {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return undefined;
    const operator = node.childForFieldName('operator')?.type ?? '=';
    const bare = csBare(left);
    if (operator !== '=' && operator !== '??=') {
      this.expr(left, out);
      this.expr(right, out);
      return undefined;
    }
    if (bare.type === 'identifier' && this.locals.has(bare.text)) {
      this.markValue(bare.text, right, null, true);
      const ops: Block = operator === '??=' ? [] : out;
      const value = this.expr(right, ops, bare.text);
      if (value !== bare.text) ops.push({ kind: 'assign', target: bare.text, ...(value ? { from: value } : {}), ...literalFact(right), range: rangeOf(node) });
      if (operator === '??=' && ops.length) out.push({ kind: 'if', condition: { kind: 'truthy', variable: bare.text, negated: true }, then: ops, else: [], range: rangeOf(node) });
      return value;
    }
    // A field, a property, an element, a captured variable: the value is stored beyond this call.
    if (bare.type === 'identifier') this.markValue(bare.text, right, null, false);
    if (bare.type === 'member_access_expression') {
      const object = bare.childForFieldName('expression');
      if (object) this.expr(object, out);
    } else if (bare.type === 'element_access_expression') {
      for (const c of namedChildren(bare)) this.expr(c, out);
    }
    const value = this.expr(right, out);
    if (value) out.push({ kind: 'escape', variable: value, how: 'store', range: rangeOf(node) });
    return value;
  }

  private invocation(node: SyntaxNode, out: Block, target: VarName): CallOp {
    const fn = node.childForFieldName('function');
    const calleeNode = fn ? csBare(fn) : node;
    let callee: Callee;
    if (calleeNode.type === 'member_access_expression') {
      callee = this.memberCallee(calleeNode.childForFieldName('expression'), simpleName(calleeNode.childForFieldName('name')), out);
    } else if (calleeNode.type === 'conditional_access_expression') {
      // `conn?.Dispose()`: a call on the value when it is not null.
      const binding = namedChildren(calleeNode).find((c) => c.type === 'member_binding_expression');
      const object = calleeNode.childForFieldName('condition');
      if (binding && object) callee = this.memberCallee(object, simpleName(binding.childForFieldName('name')), out);
      else callee = this.otherCallee(calleeNode, out);
    } else if (calleeNode.type === 'identifier' || calleeNode.type === 'generic_name') {
      const name = simpleName(calleeNode);
      callee = { text: name, name };
    } else {
      callee = this.otherCallee(calleeNode, out);
    }
    const args = this.arguments(node.childForFieldName('arguments'), out);
    return this.pushCall(node, calleeNode, callee, args, out, target);
  }

  /** `new T(args) { … }`: a call of T's constructor; what the initializer puts in the object is stored there. */
  private creation(node: SyntaxNode, out: Block, target: VarName): CallOp {
    const type = node.childForFieldName('type');
    const name = type ? lastName(type.text) : '';
    const args = this.arguments(node.childForFieldName('arguments') ?? namedChildren(node).find((c) => c.type === 'argument_list') ?? null, out);
    const initializer = node.childForFieldName('initializer') ?? namedChildren(node).find((c) => c.type === 'initializer_expression');
    if (initializer) this.expr(initializer, out);
    // A constructor keeps what it is given (a wrapper takes the connection over), except a command's:
    // `new NpgsqlCommand(sql, conn)` only borrows the connection, which its owner still disposes.
    if (BORROWS_CONNECTION.test(name)) {
      // It cannot fail (the catalogue's nonThrowing: it only keeps its arguments), but it is a use of the
      // connection it is given (`new NpgsqlCommand(sql, conn)`, `new NpgsqlBatch(conn)`): after a release, one.
      const connection = args.length >= 2 ? args[1] : args[0];
      const callee: Callee = { text: type?.text ?? 'new', name, ...(connection !== undefined ? { receiverVar: connection } : {}) };
      return this.pushCall(node, type ?? node, callee, args, out, target, { isNew: false });
    }
    return this.pushCall(node, type ?? node, { text: type?.text ?? 'new', name }, args, out, target, { isNew: true });
  }

  private arguments(list: SyntaxNode | null, out: Block): (VarName | undefined)[] {
    const args: (VarName | undefined)[] = [];
    for (const arg of list ? namedChildren(list) : []) {
      const value = arg.type === 'argument' ? namedChildren(arg).filter((c) => c.id !== arg.childForFieldName('name')?.id).pop() : arg;
      args.push(value ? this.expr(value, out) : undefined);
    }
    return args;
  }
}

/**
 * `new NpgsqlCommand(sql, conn)` (a command, batch or adapter, BORROWS_CONNECTION): disposing it at the
 * end of its `using` releases no connection and does not fail (it frees client-side state), so that
 * Dispose is left out of the model rather than named as a call that can skip the connection's release.
 */
function borrowsConnection(value: SyntaxNode | undefined): boolean {
  const bare = value ? csBare(value) : undefined;
  return bare?.type === 'object_creation_expression' && BORROWS_CONNECTION.test(lastName(bare.childForFieldName('type')?.text ?? ''));
}

/** `static void Main(…)` / `static async Task<int> Main(…)`: the runtime calls it once per process. */
function isEntryPoint(node: SyntaxNode): boolean {
  if (node.type !== 'method_declaration' || node.childForFieldName('name')?.text !== 'Main') return false;
  return namedChildren(node).some((c) => c.type === 'modifier' && c.text === 'static');
}

function simpleName(node: SyntaxNode | null): string {
  if (!node) return '';
  if (node.type === 'generic_name') return node.namedChild(0)?.text ?? '';
  return node.text;
}

/** `Npgsql.NpgsqlConnection` → NpgsqlConnection; `List<int>` → List. */
function lastName(text: string): string {
  const plain = text.replace(/<[^]*$/, '').trim();
  return plain.slice(plain.lastIndexOf('.') + 1);
}

/** The names a pattern or foreach target declares (`var (a, b)`, `Foo f`). */
function declaredNames(node: SyntaxNode): string[] {
  if (node.type === 'identifier') return [node.text];
  const names: string[] = [];
  const stack = [node];
  while (stack.length) {
    const current = stack.pop() as SyntaxNode;
    const name = current.childForFieldName('name');
    if ((current.type === 'declaration_pattern' || current.type === 'var_pattern' || current.type === 'recursive_pattern') && name?.type === 'identifier') names.push(name.text);
    else if (current.type === 'single_variable_designation' || (current.type === 'identifier' && current.parent?.type === 'parenthesized_variable_designation')) names.push(current.text);
    stack.push(...namedChildren(current));
  }
  return names;
}

function literalFact(node: SyntaxNode): { fact?: boolean } {
  const bare = csBare(node);
  if (bare.type === 'null_literal') return { fact: false };
  if (bare.type === 'boolean_literal') return { fact: bare.text === 'true' };
  return {};
}

export function conditionOf(node: SyntaxNode): Condition {
  const bare = csBare(node);
  switch (bare.type) {
    case 'identifier':
      return { kind: 'truthy', variable: bare.text, negated: false };
    case 'boolean_literal':
      return { kind: 'constant', value: bare.text === 'true' };
    case 'prefix_unary_expression': {
      const argument = bare.namedChild(0);
      return bare.text.startsWith('!') && argument ? negate(conditionOf(argument)) : { kind: 'unknown' };
    }
    case 'binary_expression': {
      const operator = bare.childForFieldName('operator')?.type;
      const left = bare.childForFieldName('left');
      const right = bare.childForFieldName('right');
      if (!left || !right) return { kind: 'unknown' };
      if (operator === '&&' || operator === '||') return { kind: operator === '&&' ? 'and' : 'or', left: conditionOf(left), right: conditionOf(right), negated: false };
      if (operator === '!=' || operator === '==') {
        // `conn != null`, `null == conn`.
        const [value, other] = csBare(right).type === 'null_literal' ? [csBare(left), right] : csBare(left).type === 'null_literal' ? [csBare(right), left] : [undefined, undefined];
        if (value?.type !== 'identifier' || !other) return { kind: 'unknown' };
        return { kind: 'truthy', variable: value.text, negated: operator === '==' };
      }
      return { kind: 'unknown' };
    }
    case 'is_pattern_expression': {
      // `conn is null`, `conn is not null`.
      const expression = bare.childForFieldName('expression');
      const pattern = bare.childForFieldName('pattern');
      if (expression?.type !== 'identifier' || !pattern) return { kind: 'unknown' };
      if (pattern.type === 'constant_pattern' && pattern.text === 'null') return { kind: 'truthy', variable: expression.text, negated: true };
      if (pattern.type === 'negated_pattern' && /^not\s+null$/.test(pattern.text)) return { kind: 'truthy', variable: expression.text, negated: false };
      return { kind: 'unknown' };
    }
    default:
      return { kind: 'unknown' };
  }
}

