// JavaScript/TypeScript syntax trees -> function models: functions and statements (expressions are in
// jsExpressions.ts).
import { INSTANCE } from '../drivers';
import type { Block, FileModel, FunctionModel, Op, VarName } from '../model';
import type { SyntaxNode } from '../treeSitter';
import { LoweringContext, namedChildren, rangeOf, unwrap } from './builder';
import type { FunctionFocus } from './focus';
import { isFunctionNode, JsExpressionLowering, patternNames } from './jsExpressions';

/** Constructors and factories whose result a declaration binds as a pool name (a lowering focus keeps the functions that name them). */
export const POOL_CONSTRUCTOR_NAMES = ['Pool', 'createPool'];
const POOL_CONSTRUCTOR = new RegExp(`^(await\\s+)?(new\\s+)?([\\w$]+\\.)*(${POOL_CONSTRUCTOR_NAMES.join('|')})\\s*[(<]`);
const NESTED_SCOPE = new Set([
  'function_declaration',
  'generator_function_declaration',
  'function_expression',
  'function',
  'generator_function',
  'arrow_function',
  'method_definition',
  'class_declaration',
  'class',
]);

/**
 * With `focus`, functions that cannot matter for its names are left unlowered (focus.ts). `ctx` is the
 * incremental analyser's when it lowers a document again (it keeps unchanged functions).
 */
export function lowerJavaScript(root: SyntaxNode, focus?: FunctionFocus, ctx = new LoweringContext('js', focus)): FileModel {
  new JsLowering(ctx).program(root);
  return ctx.fileModel();
}

/** One function on its own (the incremental analyser lowers again only the top-level function an edit was in). */
export function lowerJavaScriptFunction(node: SyntaxNode, ctx: LoweringContext): FunctionModel {
  return new JsLowering(ctx).function(node);
}

class JsLowering extends JsExpressionLowering {
  function(node: SyntaxNode): FunctionModel {
    return this.closure(node);
  }

  program(root: SyntaxNode): void {
    // Locals decide ops; where the ops go nowhere, the walk over the whole file for them is saved.
    this.scope = { locals: this.ctx.opsMatter() ? collectLocals(root) : new Set(), params: new Set(), inlineDepth: 0, isGenerator: false };
    this.topLevel(root, 'js', (body) => {
      for (const statement of namedChildren(root)) this.stmt(statement, body);
    });
  }

  protected override closure(node: SyntaxNode): FunctionModel {
    const nameNode = node.childForFieldName('name') ?? nameFromParent(node);
    const methodOf = classOfMethod(node);
    let fields: Set<string> | undefined;
    return this.functionModel(node, {
      nameNode,
      reuseContext: methodOf !== undefined ? ` of ${methodOf}` : '',
      family: 'js',
      params: () => this.paramsOf(node),
      enter: () => {
        fields = methodOf !== undefined ? releasedFields(node) : undefined;
        const outer = this.scope;
        const bodyNode = node.childForFieldName('body');
        this.scope = {
          locals: bodyNode && this.ctx.opsMatter(node) ? collectLocals(bodyNode) : new Set(),
          params: new Set(this.paramsOf(node).filter((p): p is string => p !== undefined)),
          inlineDepth: 0,
          isGenerator: this.scopeWasGenerator(node),
          ...(fields && fields.size > 0 ? { fieldsAsVariables: fields } : {}),
        };
        for (const name of this.destructuredParams(node)) this.scope.locals.add(name);
        return () => {
          this.scope = outer;
        };
      },
      lowerBody: (body) => this.functionBody(node, body),
      extras: () => ({
        isGenerator: this.scopeWasGenerator(node),
        ...(methodOf !== undefined ? { methodOf } : {}),
        ...(fields && fields.size > 0 ? { releasesFields: [...fields].sort() } : {}),
        ...responseReleases(node),
      }),
    });
  }

  private scopeWasGenerator(node: SyntaxNode): boolean {
    return node.type.startsWith('generator') || node.children.some((c) => c?.type === '*');
  }

  protected override inlineBody(fn: SyntaxNode, returnInto?: VarName): Block {
    // Runs in place: its names join the enclosing function's, its `return` ends only the callback.
    const bodyNode = fn.childForFieldName('body');
    if (bodyNode) for (const name of collectLocals(bodyNode)) this.scope.locals.add(name);
    for (const p of this.paramsOf(fn)) if (p) this.scope.locals.add(p);
    for (const name of this.destructuredParams(fn)) this.scope.locals.add(name);
    this.scope.inlineDepth++;
    const outerReturnInto = this.scope.returnInto;
    this.scope.returnInto = returnInto;
    const body: Block = [];
    try {
      this.functionBody(fn, body);
    } finally {
      this.scope.inlineDepth--;
      this.scope.returnInto = outerReturnInto;
    }
    return body;
  }

  private functionBody(fn: SyntaxNode, out: Block): void {
    const bodyNode = fn.childForFieldName('body');
    if (!bodyNode) return;
    if (bodyNode.type === 'statement_block') {
      for (const statement of namedChildren(bodyNode)) this.stmt(statement, out);
      return;
    }
    // Expression-bodied arrow: `(c) => c.query(...)` returns the expression.
    const value = this.at(bodyNode, () => this.expr(bodyNode, out));
    if (value && this.scope.inlineDepth === 0) out.push({ kind: 'escape', variable: value, how: 'return', range: rangeOf(bodyNode) });
    else if (value && this.scope.returnInto) out.push({ kind: 'assign', target: this.scope.returnInto, from: value, range: rangeOf(bodyNode) });
    out.push({ kind: 'return', range: rangeOf(bodyNode) });
  }

  protected override paramsOf(fn: SyntaxNode): (VarName | undefined)[] {
    const single = fn.childForFieldName('parameter');
    if (single) return [single.type === 'identifier' ? single.text : undefined];
    const list = fn.childForFieldName('parameters');
    if (!list) return [];
    return namedChildren(list).map((param) => {
      let node: SyntaxNode | null = param;
      if (param.type === 'required_parameter' || param.type === 'optional_parameter') node = param.childForFieldName('pattern');
      if (node?.type === 'assignment_pattern') node = node.childForFieldName('left');
      return node?.type === 'identifier' ? node.text : undefined;
    });
  }

  private destructuredParams(fn: SyntaxNode): string[] {
    const list = fn.childForFieldName('parameters');
    if (!list) return [];
    return namedChildren(list).flatMap((p) => (p.type === 'identifier' ? [] : patternNames(p)));
  }

  private block(node: SyntaxNode | null): Block {
    const out: Block = [];
    if (!node) return out;
    if (node.type === 'statement_block') for (const s of namedChildren(node)) this.stmt(s, out);
    else this.stmt(node, out);
    return out;
  }

  protected stmtInner(node: SyntaxNode, out: Block): void {
    switch (node.type) {
      case 'statement_block':
        for (const s of namedChildren(node)) this.stmt(s, out);
        return;
      case 'expression_statement':
        for (const e of namedChildren(node)) this.dropped(e, out);
        return;
      case 'lexical_declaration':
      case 'variable_declaration':
        for (const declarator of namedChildren(node)) if (declarator.type === 'variable_declarator') this.declarator(declarator, out);
        return;
      case 'if_statement': {
        const test = node.childForFieldName('condition');
        const condition = test ? this.condition(test, out) : { kind: 'unknown' as const };
        const alternative = node.childForFieldName('alternative');
        const elseNode = alternative?.type === 'else_clause' ? alternative.namedChild(0) : alternative;
        out.push({
          kind: 'if',
          condition,
          then: this.block(node.childForFieldName('consequence')),
          else: this.block(elseNode ?? null),
          range: rangeOf(node),
        });
        return;
      }
      case 'for_statement':
        return this.forStatement(node, out);
      case 'for_in_statement':
        return this.forIn(node, out);
      case 'while_statement':
      case 'do_statement': {
        const head: Block = [];
        const test = node.childForFieldName('condition');
        const condition = test ? this.condition(test, head) : { kind: 'unknown' as const };
        out.push({
          kind: 'loop',
          head,
          condition,
          body: this.block(node.childForFieldName('body')),
          bodyFirst: node.type === 'do_statement',
          range: rangeOf(node),
        });
        return;
      }
      case 'try_statement':
        return this.tryStatement(node, out);
      case 'return_statement': {
        const value = node.namedChild(0);
        const v = value ? this.expr(value, out) : undefined;
        if (v && this.scope.inlineDepth === 0) out.push({ kind: 'escape', variable: v, how: 'return', range: rangeOf(node) });
        else if (v && this.scope.returnInto) out.push({ kind: 'assign', target: this.scope.returnInto, from: v, range: rangeOf(node) });
        out.push({ kind: 'return', range: rangeOf(node) });
        return;
      }
      case 'throw_statement': {
        const value = node.namedChild(0);
        if (value) this.expr(value, out);
        out.push({ kind: 'throw', range: rangeOf(node) });
        return;
      }
      case 'break_statement':
      case 'continue_statement': {
        const label = node.childForFieldName('label')?.text ?? node.namedChild(0)?.text;
        out.push({
          kind: 'jump',
          jump: node.type === 'break_statement' ? 'break' : 'continue',
          ...(label ? { label } : {}),
          range: rangeOf(node),
        });
        return;
      }
      case 'switch_statement':
        return this.switchStatement(node, out);
      case 'labeled_statement': {
        const label = node.childForFieldName('label')?.text ?? '';
        const body = node.childForFieldName('body');
        const inner = this.block(body);
        const only = inner.length === 1 ? inner[0] : undefined;
        if (only && (only.kind === 'loop' || only.kind === 'switch')) out.push({ ...only, label });
        else out.push({ kind: 'labeled', label, body: inner });
        return;
      }
      case 'function_declaration':
      case 'generator_function_declaration':
        out.push({ kind: 'closure', fn: this.closure(node), range: rangeOf(node) });
        return;
      case 'class_declaration':
        this.classBody(node);
        return;
      case 'export_statement': {
        const declaration = node.childForFieldName('declaration') ?? node.childForFieldName('value');
        if (declaration) this.stmt(declaration, out);
        return;
      }
      case 'import_statement':
      case 'empty_statement':
      case 'debugger_statement':
      case 'comment':
      case 'type_alias_declaration':
      case 'interface_declaration':
      case 'enum_declaration':
      case 'ambient_declaration':
      case 'abstract_class_declaration':
      case 'module':
      case 'internal_module':
      case 'function_signature':
        return;
      default:
        this.expr(node, out);
    }
  }

  private declarator(declarator: SyntaxNode, out: Block): void {
    const name = declarator.childForFieldName('name');
    const value = declarator.childForFieldName('value');
    if (!name) return;
    if (name.type !== 'identifier') {
      if (value) this.expr(value, out);
      for (const n of patternNames(name)) out.push({ kind: 'assign', target: n, range: rangeOf(declarator) });
      return;
    }
    if (!value) {
      out.push({ kind: 'assign', target: name.text, fact: false, range: rangeOf(declarator) });
      return;
    }
    if (POOL_CONSTRUCTOR.test(unwrap(value).text)) this.ctx.poolNames.add(name.text);
    else if (unwrap(value).type === 'new_expression') for (const marker of instanceMarkers(name.text, unwrap(value))) this.ctx.poolNames.add(marker);
    const v = this.expr(value, out, name.text);
    if (v !== name.text) out.push(this.assignOp(name.text, v, value, declarator));
  }

  private forStatement(node: SyntaxNode, out: Block): void {
    const initializer = node.childForFieldName('initializer');
    if (initializer && initializer.type !== 'empty_statement') this.stmt(initializer, out);
    const head: Block = [];
    const test = node.childForFieldName('condition');
    const conditionNode = test?.type === 'expression_statement' ? test.namedChild(0) : test;
    const condition =
      conditionNode && conditionNode.type !== 'empty_statement' ? this.condition(conditionNode, head) : { kind: 'constant' as const, value: true };
    const body = this.block(node.childForFieldName('body'));
    const increment = node.childForFieldName('increment');
    if (increment) this.expr(increment, body);
    out.push({ kind: 'loop', head, condition, body, bodyFirst: false, range: rangeOf(node) });
  }

  private forIn(node: SyntaxNode, out: Block): void {
    const right = node.childForFieldName('right');
    if (right) this.expr(right, out);
    const head: Block = [];
    if (node.children.some((c) => c?.type === 'await')) head.push({ kind: 'await', range: rangeOf(node) });
    const body: Block = [];
    const left = node.childForFieldName('left');
    if (left) for (const n of patternNames(left)) body.push({ kind: 'assign', target: n, range: rangeOf(left) });
    body.push(...this.block(node.childForFieldName('body')));
    out.push({ kind: 'loop', head, condition: { kind: 'unknown' }, body, bodyFirst: false, range: rangeOf(node) });
  }

  private tryStatement(node: SyntaxNode, out: Block): void {
    const body = this.block(node.childForFieldName('body'));
    const handlers: Block[] = [];
    const handler = node.childForFieldName('handler');
    if (handler) {
      const ops: Block = [];
      const param = handler.childForFieldName('parameter');
      if (param) for (const n of patternNames(param)) ops.push({ kind: 'assign', target: n, range: rangeOf(param) });
      ops.push(...this.block(handler.childForFieldName('body')));
      handlers.push(ops);
    }
    const finalizerNode = node.childForFieldName('finalizer');
    const finalizer = finalizerNode ? this.block(finalizerNode.childForFieldName('body') ?? finalizerNode.namedChild(0)) : undefined;
    const op: Op = { kind: 'try', body, handlers, catchesAll: true, ...(finalizer ? { finalizer } : {}), range: rangeOf(node) };
    out.push(op);
  }

  private switchStatement(node: SyntaxNode, out: Block): void {
    const value = node.childForFieldName('value');
    if (value) this.expr(value, out);
    const body = node.childForFieldName('body');
    const cases: Block[] = [];
    let hasDefault = false;
    for (const clause of body ? namedChildren(body) : []) {
      if (clause.type === 'switch_default') hasDefault = true;
      const test = clause.childForFieldName('value');
      const ops: Block = [];
      for (const s of namedChildren(clause)) if (!test || !s.equals(test)) this.stmt(s, ops);
      if (clause.type === 'switch_default' || test) cases.push(ops);
    }
    out.push({ kind: 'switch', cases, hasDefault, range: rangeOf(node) });
  }
}

/**
 * A class's method (`async commit() { … }`, or a field holding an arrow function): its class's name
 * (`const Session = class { … }` names one too). Not its position, which every edit above it moves:
 * the editor keeps the method's model across such edits.
 */
function classOfMethod(fn: SyntaxNode): string | undefined {
  const member = fn.type === 'method_definition' ? fn : fn.parent?.type === 'public_field_definition' || fn.parent?.type === 'field_definition' ? fn.parent : undefined;
  const body = member?.parent;
  const cls = body?.type === 'class_body' ? body.parent : undefined;
  if (!cls) return undefined;
  return (cls.childForFieldName('name') ?? nameFromParent(cls))?.text ?? 'class';
}

/**
 * The fields a method gives back to the pool, `this.client.release()`, and does not set to a new
 * client itself (`this.client = null` it may): there the field is a variable whose paths the checker
 * follows, as `__exit__`'s `self.conn` in Python (functionAnalysis.ts releaseFindings).
 */
function releasedFields(fn: SyntaxNode): Set<string> {
  const fields = new Set<string>();
  const text = fn.text;
  if (!text.includes('.release(')) return fields;
  // `this.client.release()`, `this.client?.release()`, `(await this.client).release()` (a field that holds the promise).
  for (const match of text.matchAll(/\bthis\.(\w+)\??\.release\(|\(\s*await\s+this\.(\w+)\s*\)\??\.release\(/g)) {
    const name = (match[1] ?? match[2]) as string;
    // Set to anything but nothing here: the method acquires it too, and is judged as its own.
    if (new RegExp(`\\bthis\\.${name}\\s*=(?!=)(?!\\s*(?:null|undefined)\\b)`).test(text)) continue;
    fields.add(`this.${name}`);
  }
  return fields;
}

/**
 * What `name = new X(…)` says of `name` (drivers.ts INSTANCE): an instance of class `X`, and, when
 * `X` is bound to a module of the workspace (`const Postgres = require('../lib/postgresql')`), of
 * whatever that module exports (`module:postgresql`). A wrapper class's methods match on either.
 */
function instanceMarkers(name: string, value: SyntaxNode): string[] {
  const constructor = unwrap(value.childForFieldName('constructor') ?? value);
  const className = constructor.type === 'identifier' ? constructor.text : constructor.type === 'member_expression' ? constructor.childForFieldName('property')?.text : undefined;
  if (!className) return [];
  const markers = [`${INSTANCE}${name}=${className}`];
  const module = constructor.type === 'identifier' ? relativeModules(value).get(className) : undefined;
  if (module !== undefined) markers.push(`${INSTANCE}${name}=module:${module}`);
  return markers;
}

const RELATIVE_MODULES = new WeakMap<object, Map<string, string>>();

/** Names the file binds to its own modules, with each module's file name: `postgresql` for `require('../lib/postgresql')`. */
function relativeModules(node: SyntaxNode): Map<string, string> {
  const tree = node.tree;
  let found = RELATIVE_MODULES.get(tree);
  if (!found) {
    found = new Map();
    const text = tree.rootNode.text;
    const patterns = [/\b(?:const|let|var)\s+([\w$]+)\s*=\s*require\(\s*['"](\.[^'"]*)['"]\s*\)/g, /\bimport\s+([\w$]+)\s*(?:,\s*\{[^}]*\}\s*)?from\s*['"](\.[^'"]*)['"]/g];
    for (const pattern of patterns) for (const m of text.matchAll(pattern)) found.set(m[1] as string, moduleName(m[2] as string));
    RELATIVE_MODULES.set(tree, found);
  }
  return found;
}

/** A module's file name without folders and extension: `postgresql` for `../lib/postgresql.js`. */
export function moduleName(path: string): string {
  return (path.split(/[\\/]/).pop() ?? path).replace(/\.(?:[cm]?[jt]sx?)$/, '');
}

const RESPONSE_EVENT = /\.(?:on|once|addListener|prependListener)\(\s*['"](finish|close|end)['"]/;

/**
 * What a middleware gives back when its response ends: `res.on('finish', () => req.client.release())`
 * releases `req.client` on 'finish'. Read from the listeners this function adds itself.
 */
function responseReleases(fn: SyntaxNode): { releasedOnResponse?: { event: string; field: string }[] } {
  const text = fn.text;
  if (!text.includes('.release')) return {};
  const out: { event: string; field: string }[] = [];
  const listens = RESPONSE_EVENT.test(text);
  const stack: SyntaxNode[] = [...namedChildren(fn.childForFieldName('body') ?? fn)];
  while (stack.length) {
    const node = stack.pop() as SyntaxNode;
    if (isFunctionNode(node)) continue;
    // Released by this function itself (Koa: `try { await next(); } finally { ctx.client.release(); }`).
    if (node.type === 'expression_statement') {
      const m = /^(?:await\s+)?([\w$]+\.[\w$]+)\??\.release\??\.?\(/.exec(node.text);
      if (m) out.push({ event: 'self', field: m[1] as string });
    }
    if (!listens) {
      stack.push(...namedChildren(node));
      continue;
    }
    if (node.type === 'call_expression') {
      const callee = node.childForFieldName('function');
      const args = namedChildren(node.childForFieldName('arguments') ?? node).filter((n) => n.type !== 'comment');
      const method = callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text : undefined;
      const event = args[0]?.type === 'string' ? args[0].text.slice(1, -1) : undefined;
      const listener = args[1] ? unwrap(args[1]) : undefined;
      if (method && /^(on|once|addListener|prependListener)$/.test(method) && event && /^(finish|close|end)$/.test(event) && listener && isFunctionNode(listener)) {
        for (const m of listener.text.matchAll(/\b([\w$]+\.[\w$]+)\??\.release\??\.?\(/g)) out.push({ event, field: m[1] as string });
      }
    }
    stack.push(...namedChildren(node));
  }
  return out.length > 0 ? { releasedOnResponse: out } : {};
}

/** `const getClient = async () => …`, `getClient: async () => …`, `exports.getClient = …`. */
function nameFromParent(fn: SyntaxNode): SyntaxNode | null {
  const parent = fn.parent;
  if (!parent) return null;
  if (parent.type === 'variable_declarator') return parent.childForFieldName('name');
  if (parent.type === 'pair') return parent.childForFieldName('key');
  if (parent.type === 'public_field_definition' || parent.type === 'field_definition') return parent.childForFieldName('name') ?? parent.childForFieldName('property');
  if (parent.type === 'assignment_expression') {
    const left = parent.childForFieldName('left');
    return left?.type === 'member_expression' ? left.childForFieldName('property') : left;
  }
  return null;
}

/** Names declared directly in a function body (not in nested functions): let/const/var, functions, classes, catch and loop variables. */
function collectLocals(body: SyntaxNode): Set<string> {
  const locals = new Set<string>();
  const stack: SyntaxNode[] = [...namedChildren(body)];
  while (stack.length) {
    const node = stack.pop() as SyntaxNode;
    switch (node.type) {
      case 'variable_declarator': {
        const name = node.childForFieldName('name');
        if (name) for (const n of patternNames(name)) locals.add(n);
        const value = node.childForFieldName('value');
        if (value) stack.push(value);
        continue;
      }
      case 'function_declaration':
      case 'generator_function_declaration':
      case 'class_declaration': {
        const name = node.childForFieldName('name');
        if (name) locals.add(name.text);
        continue;
      }
      case 'catch_clause': {
        const param = node.childForFieldName('parameter');
        if (param) for (const n of patternNames(param)) locals.add(n);
        break;
      }
      case 'for_in_statement': {
        const left = node.childForFieldName('left');
        if (left && node.children.some((c) => c?.type === 'const' || c?.type === 'let' || c?.type === 'var')) {
          for (const n of patternNames(left)) locals.add(n);
        }
        break;
      }
    }
    if (NESTED_SCOPE.has(node.type) || isFunctionNode(node)) continue;
    for (const child of namedChildren(node)) stack.push(child);
  }
  return locals;
}

