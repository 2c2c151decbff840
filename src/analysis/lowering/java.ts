// Java syntax trees -> function models. Methods, constructors and lambdas are functions of their own
// (a lambda or an anonymous class's method is a closure of the function around it). Every call may
// throw (checked or unchecked); a `catch` catches everything only for `Exception` / `Throwable` (or
// clauses that together name `SQLException` and `RuntimeException`). try-with-resources lowers to
// nested try/finally blocks that call `close()` on each resource in reverse order, inside the try that
// holds the statement's own catch and finally clauses (those also see the resources' exceptions).
// A name assigned that is not a local of the method (a parameter, a declared variable) is a field:
// storing a connection there hands it over, as `this.conn = c` does.
import { JAVA_POOL_CONSTRUCTORS } from '../apis/java';
import type { Block, Callee, CallOp, Condition, FileModel, FunctionModel, VarName } from '../model';
import type { SyntaxNode } from '../treeSitter';
import { LoweringContext, namedChildren, rangeOf } from './builder';
import { LoweringCore } from './core';
import type { FunctionFocus } from './focus';
import { negate } from './jsExpressions';

/** A catch clause naming one of these catches whatever a call can throw. */
export const JAVA_CATCH_ALL = /^(java\.lang\.)?(Exception|Throwable)$/;
/** Classes whose members are lowered (methods as functions, field initialisers and initialiser blocks at the top level). */
const CLASS_LIKE = new Set(['class_declaration', 'interface_declaration', 'enum_declaration', 'record_declaration', 'annotation_type_declaration']);
const CLASS_BODIES = new Set(['class_body', 'interface_body', 'enum_body', 'enum_body_declarations', 'annotation_type_body']);
/** A JDBC URL of another database (`jdbc:mysql:…`): `DriverManager.getConnection` on it is not PostgreSQL's. */
const FOREIGN_JDBC_URL = /^"jdbc:(?!postgresql:|pgsql:|p6spy:|tc:postgresql:)[a-z0-9]+:/i;

/** With `focus`, functions that cannot matter are left unlowered (focus.ts); `ctx` is the incremental analyser's. */
export function lowerJava(root: SyntaxNode, focus?: FunctionFocus, ctx = new LoweringContext('java', focus)): FileModel {
  new JavaLowering(ctx).program(root);
  return ctx.fileModel();
}

/** One method on its own (the incremental analyser lowers again only the function an edit was in). */
export function lowerJavaFunction(node: SyntaxNode, ctx: LoweringContext): FunctionModel {
  return new JavaLowering(ctx).function(node);
}

interface JavaScope {
  /** Parameters and local variables of the function being lowered (any other name assigned is a field). */
  locals: Set<string>;
}

export function stripJava(node: SyntaxNode): SyntaxNode {
  let current = node;
  for (let i = 0; i < 200; i++) {
    if (current.type === 'parenthesized_expression') {
      const inner = current.namedChild(0);
      if (!inner) break;
      current = inner;
    } else if (current.type === 'cast_expression') {
      const inner = current.childForFieldName('value');
      if (!inner) break;
      current = inner;
    } else break;
  }
  return current;
}

class JavaLowering extends LoweringCore {
  private scope: JavaScope = { locals: new Set() };

  function(node: SyntaxNode): FunctionModel {
    return this.functionDef(node);
  }

  program(root: SyntaxNode): void {
    this.topLevel(root, 'java', (body) => {
      for (const s of namedChildren(root)) this.stmt(s, body);
    });
  }

  protected bare(node: SyntaxNode): SyntaxNode {
    return stripJava(node);
  }

  protected isCall(node: SyntaxNode): boolean {
    return node.type === 'method_invocation' || node.type === 'object_creation_expression';
  }

  private functionDef(node: SyntaxNode): FunctionModel {
    const nameNode = node.type === 'lambda_expression' ? null : node.childForFieldName('name');
    const bodyNode = node.childForFieldName('body');
    const methodOf = node.type === 'lambda_expression' ? undefined : classNameOf(node);
    return this.functionModel(node, {
      nameNode,
      reuseContext: methodOf !== undefined ? ` of ${methodOf}` : '',
      family: 'java',
      params: () => paramsOf(node),
      enter: () => {
        const outer = this.scope;
        this.scope = { locals: new Set(paramsOf(node).filter((p): p is string => p !== undefined)) };
        return () => {
          this.scope = outer;
        };
      },
      lowerBody: (body) => {
        if (!bodyNode) return;
        if (node.type === 'lambda_expression' && bodyNode.type !== 'block') {
          const value = this.expr(bodyNode, body);
          if (value) body.push({ kind: 'escape', variable: value, how: 'return', range: rangeOf(bodyNode) });
          return;
        }
        for (const s of namedChildren(bodyNode)) this.stmt(s, body);
      },
      // The program's entry point runs once per process, like a script's own code (FunctionModel.topLevel).
      extras: () => ({ ...(methodOf !== undefined ? { methodOf } : {}), ...(isEntryPoint(node) ? { topLevel: true } : {}) }),
    });
  }

  private block(node: SyntaxNode | null | undefined): Block {
    const out: Block = [];
    if (!node) return out;
    if (node.type === 'block' || node.type === 'constructor_body') for (const s of namedChildren(node)) this.stmt(s, out);
    else this.stmt(node, out);
    return out;
  }

  protected stmtInner(node: SyntaxNode, out: Block): void {
    switch (node.type) {
      case 'block':
      case 'constructor_body':
        for (const s of namedChildren(node)) this.stmt(s, out);
        return;
      case 'expression_statement':
        for (const e of namedChildren(node)) this.expr(e, out);
        return;
      case 'local_variable_declaration':
      case 'field_declaration':
      case 'constant_declaration':
        return this.declaration(node, out, node.type !== 'local_variable_declaration');
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
      case 'while_statement': {
        const head: Block = [];
        const test = node.childForFieldName('condition');
        const condition = test ? this.condition(test, head) : ({ kind: 'unknown' } as const);
        out.push({ kind: 'loop', head, condition, body: this.block(node.childForFieldName('body')), bodyFirst: false, range: rangeOf(node) });
        return;
      }
      case 'do_statement': {
        const head: Block = [];
        const test = node.childForFieldName('condition');
        const condition = test ? this.condition(test, head) : ({ kind: 'unknown' } as const);
        out.push({ kind: 'loop', head, condition, body: this.block(node.childForFieldName('body')), bodyFirst: true, range: rangeOf(node) });
        return;
      }
      case 'for_statement':
        return this.forStatement(node, out);
      case 'enhanced_for_statement': {
        const value = node.childForFieldName('value');
        if (value) this.expr(value, out);
        const body: Block = [];
        const name = node.childForFieldName('name');
        if (name) {
          this.scope.locals.add(name.text);
          body.push({ kind: 'assign', target: name.text, range: rangeOf(name) });
        }
        body.push(...this.block(node.childForFieldName('body')));
        out.push({ kind: 'loop', head: [], condition: { kind: 'unknown' }, body, bodyFirst: false, range: rangeOf(node) });
        return;
      }
      case 'labeled_statement': {
        const [labelNode, bodyNode] = namedChildren(node);
        const label = labelNode?.text ?? '';
        const inner = this.block(bodyNode);
        const only = inner.length === 1 ? inner[0] : undefined;
        if (only && (only.kind === 'loop' || only.kind === 'switch')) out.push({ ...only, label });
        else out.push({ kind: 'labeled', label, body: inner });
        return;
      }
      case 'switch_expression':
      case 'switch_statement':
        this.switchExpression(node, out);
        return;
      case 'try_statement':
        return this.tryStatement(node, [], out);
      case 'try_with_resources_statement': {
        const resources = node.childForFieldName('resources');
        return this.tryStatement(node, resources ? namedChildren(resources).filter((r) => r.type === 'resource') : [], out);
      }
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
      case 'yield_statement': {
        // The value of a switch expression: the switch ends here.
        const value = node.namedChild(0);
        if (value) this.expr(value, out);
        out.push({ kind: 'jump', jump: 'break', range: rangeOf(node) });
        return;
      }
      case 'break_statement':
      case 'continue_statement': {
        const label = node.namedChild(0)?.type === 'identifier' ? node.namedChild(0)?.text : undefined;
        out.push({ kind: 'jump', jump: node.type === 'break_statement' ? 'break' : 'continue', ...(label ? { label } : {}), range: rangeOf(node) });
        return;
      }
      case 'synchronized_statement': {
        for (const child of namedChildren(node)) {
          if (child.type === 'block') out.push(...this.block(child));
          else this.expr(child, out);
        }
        return;
      }
      case 'assert_statement': {
        for (const e of namedChildren(node)) this.expr(e, out);
        out.push({ kind: 'if', condition: { kind: 'unknown' }, then: [{ kind: 'throw', range: rangeOf(node) }], else: [], range: rangeOf(node) });
        return;
      }
      case 'explicit_constructor_invocation': {
        const ctor = node.childForFieldName('constructor');
        const argsNode = node.childForFieldName('arguments');
        if (!ctor) return;
        const args = argsNode ? namedChildren(argsNode).map((a) => this.expr(a, out)) : [];
        this.pushCall(node, ctor, { text: ctor.text, name: ctor.text }, args, out, this.ctx.temp());
        return;
      }
      case 'method_declaration':
      case 'constructor_declaration':
      case 'compact_constructor_declaration':
        if (node.childForFieldName('body')) out.push({ kind: 'closure', fn: this.functionDef(node), range: rangeOf(node) });
        return;
      case 'class_declaration':
      case 'interface_declaration':
      case 'enum_declaration':
      case 'record_declaration':
      case 'annotation_type_declaration':
      case 'local_class_declaration': {
        const body = node.childForFieldName('body') ?? namedChildren(node).find((c) => CLASS_BODIES.has(c.type));
        if (body) this.classBody(body, out);
        return;
      }
      case 'static_initializer':
        for (const child of namedChildren(node)) this.stmt(child, out);
        return;
      case 'package_declaration':
      case 'import_declaration':
      case 'module_declaration':
      case 'line_comment':
      case 'block_comment':
      case 'empty_statement':
      case 'annotation_type_element_declaration':
        return;
      default:
        for (const child of namedChildren(node)) this.expr(child, out);
    }
  }

  /** A class's members: methods are functions of their own; field initialisers and initialiser blocks run here. */
  private classBody(body: SyntaxNode, out: Block): void {
    for (const member of namedChildren(body)) {
      if (CLASS_BODIES.has(member.type)) this.classBody(member, out);
      else if (member.type === 'enum_constant') {
        const args = member.childForFieldName('arguments');
        if (args) for (const a of namedChildren(args)) this.expr(a, out);
        const inner = member.childForFieldName('body');
        if (inner) this.classBody(inner, out);
      } else this.stmt(member, out);
    }
  }

  private declaration(node: SyntaxNode, out: Block, isField: boolean): void {
    for (const declarator of namedChildren(node)) {
      if (declarator.type !== 'variable_declarator') continue;
      const nameNode = declarator.childForFieldName('name');
      const valueNode = declarator.childForFieldName('value');
      if (!nameNode) continue;
      const name = nameNode.text;
      if (valueNode && isPoolConstruction(valueNode)) this.ctx.poolNames.add(name);
      if (isField) {
        // A field initialiser: what it holds outlives any function.
        const value = valueNode ? this.expr(valueNode, out) : undefined;
        if (value) out.push({ kind: 'escape', variable: value, how: 'store', range: rangeOf(declarator) });
        continue;
      }
      this.scope.locals.add(name);
      const value = valueNode ? this.expr(valueNode, out, name) : undefined;
      if (value !== name) out.push({ kind: 'assign', target: name, ...(value ? { from: value } : {}), ...(valueNode ? literalFact(valueNode) : {}), range: rangeOf(declarator) });
    }
  }

  private forStatement(node: SyntaxNode, out: Block): void {
    const inits: SyntaxNode[] = [];
    const updates: SyntaxNode[] = [];
    for (let i = 0; i < node.childCount; i++) {
      const field = node.fieldNameForChild(i);
      const child = node.child(i);
      if (!child) continue;
      if (field === 'init') inits.push(child);
      else if (field === 'update') updates.push(child);
    }
    for (const init of inits) {
      if (init.type === 'local_variable_declaration') this.stmt(init, out);
      else this.expr(init, out);
    }
    const head: Block = [];
    const test = node.childForFieldName('condition');
    const condition = test ? this.condition(test, head) : ({ kind: 'constant', value: true } as const);
    const body = this.block(node.childForFieldName('body'));
    for (const update of updates) this.expr(update, body);
    out.push({ kind: 'loop', head, condition, body, bodyFirst: false, range: rangeOf(node) });
  }

  /** `switch` as a statement or an expression: each group or rule is a case; a rule (`->`) does not fall through. */
  private switchExpression(node: SyntaxNode, out: Block): void {
    const subject = node.childForFieldName('condition');
    if (subject) this.expr(subject, out);
    const body = node.childForFieldName('body');
    const cases: Block[] = [];
    let hasDefault = false;
    for (const clause of body ? namedChildren(body) : []) {
      const labels = namedChildren(clause).filter((c) => c.type === 'switch_label');
      if (labels.some((l) => /^default\b|\bdefault$/.test(l.text.trim()) || l.text.trim() === 'default')) hasDefault = true;
      const ops: Block = [];
      for (const part of namedChildren(clause)) {
        if (part.type === 'switch_label') continue;
        if (clause.type === 'switch_rule' && part.type === 'expression_statement') this.stmt(part, ops);
        else if (clause.type === 'switch_rule' && part.type !== 'block' && part.type !== 'throw_statement') this.expr(part, ops);
        else this.stmt(part, ops);
      }
      if (clause.type === 'switch_rule') ops.push({ kind: 'jump', jump: 'break', range: rangeOf(clause) });
      cases.push(ops);
    }
    out.push({ kind: 'switch', cases, hasDefault, range: rangeOf(node) });
  }

  /**
   * try / catch / finally; with resources, each resource is declared in order inside the statement's
   * try and closed (reverse order) by a finally of its own around what follows it.
   */
  private tryStatement(node: SyntaxNode, resources: SyntaxNode[], out: Block): void {
    const handlers: Block[] = [];
    const caught: string[] = [];
    let finalizer: Block | undefined;
    const bodyNode = node.childForFieldName('body');
    const body = this.withResources(resources, bodyNode);
    for (const clause of namedChildren(node)) {
      if (clause.type === 'catch_clause') {
        const param = namedChildren(clause).find((c) => c.type === 'catch_formal_parameter');
        const ops: Block = [];
        const name = param?.childForFieldName('name');
        const types = param ? namedChildren(param).find((c) => c.type === 'catch_type') : undefined;
        for (const t of types ? namedChildren(types) : []) caught.push(t.text.replace(/\s+/g, ''));
        if (name) {
          this.scope.locals.add(name.text);
          ops.push({ kind: 'assign', target: name.text, range: rangeOf(name) });
        }
        ops.push(...this.block(clause.childForFieldName('body')));
        handlers.push(ops);
      } else if (clause.type === 'finally_clause') {
        finalizer = this.block(namedChildren(clause).find((c) => c.type === 'block'));
      }
    }
    const catchesAll = catchesEverything(caught);
    if (resources.length > 0 && handlers.length === 0 && !finalizer) {
      out.push(...body);
      return;
    }
    out.push({ kind: 'try', body, handlers, catchesAll, ...(finalizer ? { finalizer } : {}), range: rangeOf(node) });
  }

  private withResources(resources: SyntaxNode[], bodyNode: SyntaxNode | null): Block {
    const [resource, ...rest] = resources;
    if (!resource) return this.block(bodyNode);
    const ops: Block = [];
    const nameNode = resource.childForFieldName('name');
    const valueNode = resource.childForFieldName('value');
    let variable: VarName | undefined;
    if (nameNode && valueNode) {
      const name = nameNode.text;
      this.scope.locals.add(name);
      this.at(resource, () => {
        const value = this.expr(valueNode, ops, name);
        if (value !== name) ops.push({ kind: 'assign', target: name, ...(value ? { from: value } : {}), range: rangeOf(resource) });
      });
      variable = name;
    } else {
      // `try (conn)`: an effectively final variable (or a field) declared before.
      const existing = resource.namedChild(0);
      if (existing) variable = this.at(resource, () => this.expr(existing, ops));
    }
    const inner = this.withResources(rest, bodyNode);
    if (variable === undefined) {
      ops.push(...inner);
      return ops;
    }
    const finalizer: Block = [];
    const name = variable;
    this.at(resource, () => {
      const callee: Callee = { text: `${name}.close`, name: 'close', receiver: name, receiverName: name, receiverVar: name };
      this.pushCall(resource, nameNode ?? resource, callee, [], finalizer, this.ctx.temp());
    });
    ops.push({ kind: 'try', body: inner, handlers: [], catchesAll: false, finalizer, range: rangeOf(resource) });
    return ops;
  }

  protected conditionOf(node: SyntaxNode): Condition {
    return conditionOf(node);
  }

  protected exprInner(node: SyntaxNode, out: Block, target: VarName | undefined): VarName | undefined {
    switch (node.type) {
      case 'identifier':
        return node.text;
      case 'method_invocation':
        return this.call(node, out, target ?? this.ctx.temp()).target;
      case 'object_creation_expression':
        return this.newObject(node, out, target ?? this.ctx.temp()).target;
      case 'assignment_expression':
        return this.assignment(node, out);
      case 'binary_expression': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        const operator = node.childForFieldName('operator')?.text ?? '';
        if (!left || !right) return undefined;
        if (operator !== '&&' && operator !== '||') {
          this.expr(left, out);
          this.expr(right, out);
          return undefined;
        }
        const condition = this.condition(left, out);
        const rightOps: Block = [];
        this.expr(right, rightOps);
        if (rightOps.length) {
          const and = operator === '&&';
          out.push({ kind: 'if', condition, then: and ? rightOps : [], else: and ? [] : rightOps, range: rangeOf(node) });
        }
        return undefined;
      }
      case 'ternary_expression': {
        const test = node.childForFieldName('condition');
        const consequence = node.childForFieldName('consequence');
        const alternative = node.childForFieldName('alternative');
        const condition = test ? this.condition(test, out) : ({ kind: 'unknown' } as const);
        const thenOps: Block = [];
        const elseOps: Block = [];
        const result = target ?? this.ctx.temp();
        // Either branch's value may be the connection (`return ok ? conn : null`).
        for (const [branch, ops] of [
          [consequence, thenOps],
          [alternative, elseOps],
        ] as const) {
          const v = branch ? this.expr(branch, ops) : undefined;
          if (v !== result) ops.push({ kind: 'assign', target: result, ...(v ? { from: v } : {}), ...(branch ? literalFact(branch) : {}), range: rangeOf(branch ?? node) });
        }
        out.push({ kind: 'if', condition, then: thenOps, else: elseOps, range: rangeOf(node) });
        return result;
      }
      case 'lambda_expression':
        out.push({ kind: 'closure', fn: this.functionDef(node), range: rangeOf(node) });
        return undefined;
      case 'switch_expression':
        this.switchExpression(node, out);
        return undefined;
      case 'array_initializer':
        for (const child of namedChildren(node)) {
          const v = this.expr(child, out);
          if (v) out.push({ kind: 'escape', variable: v, how: 'container', range: rangeOf(child) });
        }
        return undefined;
      case 'field_access': {
        const object = node.childForFieldName('object');
        if (object) this.expr(object, out);
        return undefined;
      }
      case 'string_literal':
      case 'character_literal':
      case 'decimal_integer_literal':
      case 'hex_integer_literal':
      case 'octal_integer_literal':
      case 'binary_integer_literal':
      case 'decimal_floating_point_literal':
      case 'hex_floating_point_literal':
      case 'true':
      case 'false':
      case 'null_literal':
      case 'this':
      case 'super':
      case 'class_literal':
      case 'method_reference':
      case 'line_comment':
      case 'block_comment':
      case 'type_identifier':
        return undefined;
      default:
        for (const child of namedChildren(node)) this.expr(child, out);
        return undefined;
    }
  }

  private assignment(node: SyntaxNode, out: Block): VarName | undefined {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const operator = node.childForFieldName('operator')?.text ?? '=';
    if (!left || !right) return undefined;
    const bare = stripJava(left);
    if (isPoolConstruction(right)) {
      const bound = bare.type === 'field_access' ? bare.childForFieldName('field') : bare.type === 'identifier' ? bare : null;
      if (bound) this.ctx.poolNames.add(bound.text);
    }
    if (operator !== '=') {
      this.expr(left, out);
      this.expr(right, out);
      return undefined;
    }
    if (bare.type === 'identifier') {
      const local = this.scope.locals.has(bare.text);
      const value = this.expr(right, out, local ? bare.text : undefined);
      if (!local) {
        // A field of the object (`conn = ds.getConnection()` in a method): the object keeps it.
        if (value) out.push({ kind: 'escape', variable: value, how: 'store', range: rangeOf(node) });
        return value;
      }
      if (value !== bare.text) out.push({ kind: 'assign', target: bare.text, ...(value ? { from: value } : {}), ...literalFact(right), range: rangeOf(node) });
      return value;
    }
    // `this.conn = c`, `holder.conn = c`, `conns[i] = c`: stored where it outlives the call.
    if (bare.type === 'field_access') {
      const object = bare.childForFieldName('object');
      if (object) this.expr(object, out);
    } else for (const child of namedChildren(bare)) this.expr(child, out);
    const value = this.expr(right, out);
    if (value) out.push({ kind: 'escape', variable: value, how: 'store', range: rangeOf(node) });
    return value;
  }

  private call(node: SyntaxNode, out: Block, target: VarName): CallOp {
    const object = node.childForFieldName('object');
    const nameNode = node.childForFieldName('name');
    const argsNode = node.childForFieldName('arguments');
    const name = nameNode?.text ?? '';
    let callee: Callee = object ? this.memberCallee(object, name, out) : { text: name, name };
    const argNodes = argsNode ? namedChildren(argsNode) : [];
    const args = argNodes.map((a) => this.expr(a, out));
    const getter = object ? this.bare(object) : undefined;
    if (name === 'getConnection' && getter?.type === 'method_invocation' && callee.receiverName === undefined) {
      // `config.getDataSource().getConnection()`: a getter's DataSource, named by the getter (`getDataSource()`).
      const getterName = getter.childForFieldName('name')?.text ?? '';
      if (!getter.childForFieldName('arguments')?.namedChildCount) callee = { ...callee, receiverName: `${getterName}()` };
    }
    if (name === 'getConnection' && argNodes[0]?.type === 'string_literal' && FOREIGN_JDBC_URL.test(argNodes[0].text)) {
      // Another database's JDBC URL: no receiver name, so no PostgreSQL row matches it.
      callee = { ...callee };
      delete callee.receiverName;
    }
    return this.pushCall(node, nameNode ?? node, callee, args, out, target);
  }

  private newObject(node: SyntaxNode, out: Block, target: VarName): CallOp {
    const typeNode = node.childForFieldName('type');
    const argsNode = node.childForFieldName('arguments');
    const outer = namedChildren(node).find((c) => c !== typeNode && c !== argsNode && c.type !== 'class_body' && c.type !== 'type_arguments');
    if (outer) this.expr(outer, out);
    const typeName = (typeNode?.text ?? '').replace(/<[\s\S]*$/, '').trim();
    const args = argsNode ? namedChildren(argsNode).map((a) => this.expr(a, out)) : [];
    const op = this.pushCall(node, typeNode ?? node, { text: typeName, name: typeName.slice(typeName.lastIndexOf('.') + 1) }, args, out, target, { isNew: true });
    // An anonymous class: its methods are closures of this function.
    const body = namedChildren(node).find((c) => c.type === 'class_body');
    if (body) this.classBody(body, out);
    return op;
  }
}

/** `new HikariDataSource(config)`: the name it is bound to is a DataSource. */
function isPoolConstruction(node: SyntaxNode): boolean {
  const bare = stripJava(node);
  if (bare.type !== 'object_creation_expression') return false;
  const type = (bare.childForFieldName('type')?.text ?? '').replace(/<[\s\S]*$/, '');
  return JAVA_POOL_CONSTRUCTORS.includes(type.slice(type.lastIndexOf('.') + 1));
}

function catchesEverything(types: string[]): boolean {
  const simple = types.map((t) => t.replace(/^.*\./, ''));
  if (types.some((t) => JAVA_CATCH_ALL.test(t))) return true;
  return simple.includes('RuntimeException') && simple.includes('SQLException');
}

/**
 * `public static void main(String[] args)` (or `String... args`): the JVM calls it once per process. A
 * connection it leaks is held until the program ends, which it does when main returns or throws.
 */
function isEntryPoint(node: SyntaxNode): boolean {
  if (node.type !== 'method_declaration' || node.childForFieldName('name')?.text !== 'main') return false;
  if (node.childForFieldName('type')?.type !== 'void_type') return false;
  const modifiers = namedChildren(node).find((c) => c.type === 'modifiers');
  if (!modifiers || !/\bstatic\b/.test(modifiers.text)) return false;
  const params = node.childForFieldName('parameters');
  const list = params ? namedChildren(params).filter((p) => p.type === 'formal_parameter' || p.type === 'spread_parameter') : [];
  return list.length === 1 && /^String\s*(\[\s*\]|\.\.\.)/.test(list[0]?.text ?? '');
}

function classNameOf(node: SyntaxNode): string | undefined {
  let parent = node.parent;
  while (parent && CLASS_BODIES.has(parent.type)) parent = parent.parent;
  return parent && CLASS_LIKE.has(parent.type) ? parent.childForFieldName('name')?.text : undefined;
}

function paramsOf(node: SyntaxNode): (VarName | undefined)[] {
  const params = node.childForFieldName('parameters');
  if (!params) return [];
  if (params.type === 'identifier') return [params.text];
  return namedChildren(params).map((p) => {
    if (p.type === 'identifier') return p.text;
    if (p.type === 'formal_parameter' || p.type === 'spread_parameter') {
      const name = p.childForFieldName('name') ?? namedChildren(p).find((c) => c.type === 'variable_declarator')?.childForFieldName('name');
      return name?.type === 'identifier' ? name.text : undefined;
    }
    return undefined;
  });
}

function conditionOf(node: SyntaxNode): Condition {
  const bare = stripJava(node);
  switch (bare.type) {
    case 'identifier':
      return { kind: 'truthy', variable: bare.text, negated: false };
    case 'true':
      return { kind: 'constant', value: true };
    case 'false':
      return { kind: 'constant', value: false };
    case 'unary_expression': {
      const operand = bare.childForFieldName('operand');
      const operator = bare.childForFieldName('operator')?.text;
      return operand && operator === '!' ? negate(conditionOf(operand)) : { kind: 'unknown' };
    }
    case 'binary_expression': {
      const left = bare.childForFieldName('left');
      const right = bare.childForFieldName('right');
      const operator = bare.childForFieldName('operator')?.text;
      if (!left || !right) return { kind: 'unknown' };
      if (operator === '&&' || operator === '||') return { kind: operator === '&&' ? 'and' : 'or', left: conditionOf(left), right: conditionOf(right), negated: false };
      if (operator !== '==' && operator !== '!=') return { kind: 'unknown' };
      const l = stripJava(left);
      const r = stripJava(right);
      const variable = l.type === 'identifier' && r.type === 'null_literal' ? l : r.type === 'identifier' && l.type === 'null_literal' ? r : undefined;
      if (!variable) return { kind: 'unknown' };
      return { kind: 'truthy', variable: variable.text, negated: operator === '==' };
    }
    default:
      return { kind: 'unknown' };
  }
}

function literalFact(node: SyntaxNode): { fact?: boolean } {
  const bare = stripJava(node);
  if (bare.type === 'true') return { fact: true };
  if (bare.type === 'false' || bare.type === 'null_literal') return { fact: false };
  return {};
}
