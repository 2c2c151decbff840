// Python syntax trees -> function models: functions and statements (expressions are in
// pyExpressions.ts). Python's locals are the names a function assigns (unless declared
// global/nonlocal), so storing a connection in an outer name or an attribute is a hand-over.
import type { Block, FileModel, FunctionModel, VarName } from '../model';
import type { SyntaxNode } from '../treeSitter';
import { LoweringContext, namedChildren, rangeOf } from './builder';
import type { FunctionFocus } from './focus';
import { PyExpressionLowering, stripParens, targetNames } from './pyExpressions';

/** An `except` of one of these types catches everything a call can raise. */
export const CATCH_ALL = /^(Exception|BaseException)$/;
/** A context manager's exit: what its other methods stored in `self` is released here, or not. */
export const EXIT_METHODS = new Set(['__exit__', '__aexit__']);

/** The name of the class whose body defines `node` (a method), if any. */
export function classOf(node: SyntaxNode): string | undefined {
  let parent = node.parent;
  if (parent?.type === 'decorated_definition') parent = parent.parent;
  if (parent?.type !== 'block') return undefined;
  const owner = parent.parent;
  return owner?.type === 'class_definition' ? owner.childForFieldName('name')?.text : undefined;
}
const NESTED_SCOPE = new Set(['function_definition', 'class_definition', 'lambda']);

/**
 * With `focus`, functions that cannot matter for its names are left unlowered (focus.ts). `ctx` is the
 * incremental analyser's when it lowers a document again (it keeps unchanged functions).
 */
export function lowerPython(root: SyntaxNode, focus?: FunctionFocus, ctx = new LoweringContext('py', focus)): FileModel {
  new PyLowering(ctx).module(root);
  return ctx.fileModel();
}

/** One function on its own (the incremental analyser lowers again only the top-level function an edit was in). */
export function lowerPythonFunction(node: SyntaxNode, ctx: LoweringContext): FunctionModel {
  return new PyLowering(ctx).function(node);
}

class PyLowering extends PyExpressionLowering {
  function(node: SyntaxNode): FunctionModel {
    return this.functionDef(node);
  }

  module(root: SyntaxNode): void {
    this.topLevel(root, 'py', (body) => {
      for (const s of namedChildren(root)) this.stmt(s, body);
    });
  }

  protected override functionDef(node: SyntaxNode): FunctionModel {
    const contextManager = isContextManager(node);
    const methodOf = classOf(node);
    const nameNode = node.childForFieldName('name');
    const bodyNode = node.childForFieldName('body');
    return this.functionModel(node, {
      nameNode,
      reuseContext: `${contextManager ? 'contextmanager' : ''}${methodOf !== undefined ? ` of ${methodOf}` : ''}`,
      family: 'py',
      params: () => paramsOf(node.childForFieldName('parameters')),
      enter: () => {
        const outer = this.scope;
        this.scope = { outer: new Set(), ...(methodOf !== undefined && EXIT_METHODS.has(nameNode?.text ?? '') ? { fieldsAsVariables: true } : {}) };
        return () => {
          this.scope = outer;
        };
      },
      lowerBody: (body) => {
        if (node.type === 'lambda') {
          const value = bodyNode ? this.expr(bodyNode, body) : undefined;
          if (value) body.push({ kind: 'escape', variable: value, how: 'return', range: rangeOf(node) });
        } else if (bodyNode) {
          for (const s of namedChildren(bodyNode)) this.stmt(s, body);
        }
      },
      extras: () => ({
        isGenerator: bodyNode ? containsYield(bodyNode) : false,
        ...(contextManager ? { contextManager: true } : {}),
        ...(methodOf !== undefined ? { methodOf } : {}),
      }),
    });
  }

  private block(node: SyntaxNode | null): Block {
    const out: Block = [];
    if (node) for (const s of namedChildren(node)) this.stmt(s, out);
    return out;
  }

  protected stmtInner(node: SyntaxNode, out: Block): void {
    switch (node.type) {
      case 'expression_statement':
        for (const e of namedChildren(node)) this.expr(e, out);
        return;
      case 'if_statement':
        out.push(this.ifChain(node, namedChildren(node).filter((c) => c.type === 'elif_clause' || c.type === 'else_clause'), out));
        return;
      case 'for_statement': {
        const right = node.childForFieldName('right');
        if (right) this.expr(right, out);
        const head: Block = [];
        if (node.children.some((c) => c?.type === 'async')) head.push({ kind: 'await', range: rangeOf(node) });
        const body: Block = [];
        const left = node.childForFieldName('left');
        if (left) for (const n of targetNames(left)) body.push({ kind: 'assign', target: n, range: rangeOf(left) });
        body.push(...this.block(node.childForFieldName('body')));
        const alternative = node.childForFieldName('alternative');
        out.push({
          kind: 'loop',
          head,
          condition: { kind: 'unknown' },
          body,
          ...(alternative ? { orelse: this.block(alternative.childForFieldName('body')) } : {}),
          bodyFirst: false,
          range: rangeOf(node),
        });
        return;
      }
      case 'while_statement': {
        const head: Block = [];
        const test = node.childForFieldName('condition');
        const condition = test ? this.condition(test, head) : ({ kind: 'unknown' } as const);
        const alternative = node.childForFieldName('alternative');
        out.push({
          kind: 'loop',
          head,
          condition,
          body: this.block(node.childForFieldName('body')),
          ...(alternative ? { orelse: this.block(alternative.childForFieldName('body')) } : {}),
          bodyFirst: false,
          range: rangeOf(node),
        });
        return;
      }
      case 'try_statement':
        return this.tryStatement(node, out);
      case 'with_statement':
        return this.withStatement(node, out);
      case 'return_statement': {
        const value = node.namedChild(0);
        const bare = value ? stripParens(value) : undefined;
        if (bare && (bare.type === 'expression_list' || bare.type === 'tuple')) {
          // `return conn, cur`: each element goes to the caller, at its place in the tuple.
          namedChildren(bare).forEach((element, index) => {
            const v = this.expr(element, out);
            if (v) out.push({ kind: 'escape', variable: v, how: 'return', index, range: rangeOf(node) });
          });
          out.push({ kind: 'return', range: rangeOf(node) });
          return;
        }
        this.returnOps(value ? this.expr(value, out) : undefined, node, out);
        return;
      }
      case 'raise_statement':
        for (const e of namedChildren(node)) this.expr(e, out);
        out.push({ kind: 'throw', range: rangeOf(node) });
        return;
      case 'assert_statement': {
        for (const e of namedChildren(node)) this.expr(e, out);
        out.push({ kind: 'if', condition: { kind: 'unknown' }, then: [{ kind: 'throw', range: rangeOf(node) }], else: [], range: rangeOf(node) });
        return;
      }
      case 'break_statement':
      case 'continue_statement':
        out.push({ kind: 'jump', jump: node.type === 'break_statement' ? 'break' : 'continue', range: rangeOf(node) });
        return;
      case 'function_definition':
        out.push({ kind: 'closure', fn: this.functionDef(node), range: rangeOf(node) });
        return;
      case 'decorated_definition': {
        const definition = node.childForFieldName('definition');
        if (definition) this.stmt(definition, out);
        return;
      }
      case 'class_definition': {
        const body = node.childForFieldName('body');
        // Methods are analysed on their own; the class body's other statements run once, here.
        if (body) for (const s of namedChildren(body)) this.stmt(s, out);
        return;
      }
      case 'global_statement':
      case 'nonlocal_statement':
        for (const name of namedChildren(node)) this.scope.outer.add(name.text);
        return;
      case 'match_statement':
        return this.matchStatement(node, out);
      case 'pass_statement':
      case 'import_statement':
      case 'import_from_statement':
      case 'future_import_statement':
      case 'comment':
        return;
      case 'delete_statement':
        return;
      default:
        for (const child of namedChildren(node)) this.expr(child, out);
    }
  }

  private ifChain(node: SyntaxNode, rest: SyntaxNode[], out: Block): Block[number] {
    const test = node.childForFieldName('condition');
    const condition = test ? this.condition(test, out) : ({ kind: 'unknown' } as const);
    const then = this.block(node.childForFieldName('consequence'));
    const [next, ...others] = rest;
    let otherwise: Block = [];
    if (next?.type === 'else_clause') otherwise = this.block(next.childForFieldName('body'));
    else if (next) {
      // elif: its condition's calls run only when the earlier tests failed.
      otherwise = [];
      otherwise.push(this.ifChain(next, others, otherwise));
    }
    return { kind: 'if', condition, then, else: otherwise, range: rangeOf(node) };
  }

  private tryStatement(node: SyntaxNode, out: Block): void {
    const body = this.block(node.childForFieldName('body'));
    const handlers: Block[] = [];
    let catchesAll = false;
    let orelse: Block | undefined;
    let finalizer: Block | undefined;
    for (const clause of namedChildren(node)) {
      if (clause.type === 'except_clause' || clause.type === 'except_group_clause') {
        const parts = namedChildren(clause);
        const blockNode = parts.find((p) => p.type === 'block');
        const typeNode = parts.find((p) => p.type !== 'block');
        const ops: Block = [];
        let typeText = typeNode?.text ?? '';
        if (typeNode?.type === 'as_pattern') {
          const alias = typeNode.childForFieldName('alias');
          typeText = typeNode.namedChild(0)?.text ?? '';
          if (alias) for (const n of targetNames(alias)) ops.push({ kind: 'assign', target: n, range: rangeOf(alias) });
        }
        if (!typeNode || CATCH_ALL.test(typeText.trim())) catchesAll = true;
        ops.push(...this.block(blockNode ?? null));
        handlers.push(ops);
      } else if (clause.type === 'else_clause') {
        orelse = this.block(clause.childForFieldName('body'));
      } else if (clause.type === 'finally_clause') {
        finalizer = this.block(namedChildren(clause).find((c) => c.type === 'block') ?? null);
      }
    }
    out.push({
      kind: 'try',
      body,
      handlers,
      catchesAll,
      ...(orelse ? { orelse } : {}),
      ...(finalizer ? { finalizer } : {}),
      range: rangeOf(node),
    });
  }

  private withStatement(node: SyntaxNode, out: Block): void {
    const isAsync = node.children.some((c) => c?.type === 'async');
    const clause = namedChildren(node).find((c) => c.type === 'with_clause');
    for (const item of clause ? namedChildren(clause) : []) {
      const inner = item.type === 'with_item' ? item.childForFieldName('value') ?? item.namedChild(0) : item;
      if (!inner) continue;
      let valueNode: SyntaxNode = inner;
      let alias: string | undefined;
      if (inner.type === 'as_pattern') {
        valueNode = inner.namedChild(0) ?? inner;
        const target = inner.childForFieldName('alias');
        alias = target ? targetNames(target)[0] : undefined;
      }
      const bare = stripParens(valueNode);
      if (bare.type === 'call') {
        const target = alias ?? this.ctx.temp();
        const op = this.call(bare, out, target);
        if (op) op.context = isAsync ? 'async-with' : 'with';
      } else {
        const v = this.expr(bare, out);
        if (v) out.push({ kind: 'with', variable: v, range: rangeOf(item) });
        if (alias) out.push({ kind: 'assign', target: alias, ...(v ? { from: v } : {}), range: rangeOf(item) });
      }
    }
    out.push(...this.block(node.childForFieldName('body') ?? namedChildren(node).find((c) => c.type === 'block') ?? null));
  }

  private matchStatement(node: SyntaxNode, out: Block): void {
    const subject = node.childForFieldName('subject') ?? node.namedChild(0);
    if (subject) this.expr(subject, out);
    const body = node.childForFieldName('body') ?? namedChildren(node).find((c) => c.type === 'block');
    const cases = body ? namedChildren(body).filter((c) => c.type === 'case_clause') : [];
    // Each case is one branch; no case may match.
    let chain: Block = [];
    for (const clause of [...cases].reverse()) {
      const consequence = clause.childForFieldName('consequence') ?? namedChildren(clause).find((c) => c.type === 'block') ?? null;
      chain = [{ kind: 'if', condition: { kind: 'unknown' }, then: this.block(consequence), else: chain, range: rangeOf(clause) }];
    }
    out.push(...chain);
  }
}

function paramsOf(list: SyntaxNode | null): (VarName | undefined)[] {
  if (!list) return [];
  return namedChildren(list).map((param) => {
    if (param.type === 'identifier') return param.text;
    const name = param.childForFieldName('name') ?? param.namedChild(0);
    return name?.type === 'identifier' ? name.text : undefined;
  });
}

/** Decorated with `@contextmanager` / `@asynccontextmanager` (possibly `contextlib.`-qualified). */
function isContextManager(fn: SyntaxNode): boolean {
  const parent = fn.parent;
  if (parent?.type !== 'decorated_definition') return false;
  return namedChildren(parent).some((d) => d.type === 'decorator' && /\b(async)?contextmanager\b/.test(d.text));
}

function containsYield(body: SyntaxNode): boolean {
  // Most functions are not generators: the text says so without a walk over every node.
  if (!body.text.includes('yield')) return false;
  const stack = [body];
  while (stack.length) {
    const node = stack.pop() as SyntaxNode;
    if (node.type === 'yield') return true;
    if (NESTED_SCOPE.has(node.type)) continue;
    stack.push(...namedChildren(node));
  }
  return false;
}
