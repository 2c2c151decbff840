// Python expressions -> model ops, in evaluation order (statements and functions are in python.ts).
// An expression lowers to the variable that holds its value when that value could be a connection.
import type { Block, CallOp, Condition, FunctionModel, VarName } from '../model';
import type { SyntaxNode } from '../treeSitter';
import { namedChildren, rangeOf } from './builder';
import { LoweringCore } from './core';
import { negate } from './jsExpressions';

/** Calls whose result an assignment binds as a pool name (a lowering focus keeps the functions that name them). */
export const POOL_FACTORY_NAMES = ['SimpleConnectionPool', 'ThreadedConnectionPool', 'ConnectionPool', 'AsyncConnectionPool', 'create_pool', 'create_engine', 'create_async_engine'];
const POOL_FACTORY = new RegExp(`^(await\\s+)?([\\w.]+\\.)?(${POOL_FACTORY_NAMES.join('|')})\\s*\\(`);

export interface PyScope {
  /** Names declared `global` / `nonlocal`: assigning them stores outside the function. */
  outer: Set<string>;
  /**
   * In a context manager's `__exit__` / `__aexit__`: `self.conn` is read and assigned as a variable of
   * that name, so the checker can follow the connection another method stored there.
   */
  fieldsAsVariables?: boolean;
}

/** `self.name` as written: the field's name, or undefined for any other expression. */
export function ownField(node: SyntaxNode): string | undefined {
  const bare = stripParens(node);
  if (bare.type !== 'attribute') return undefined;
  const object = bare.childForFieldName('object');
  const attribute = bare.childForFieldName('attribute');
  return object?.type === 'identifier' && object.text === 'self' && attribute ? `self.${attribute.text}` : undefined;
}

export abstract class PyExpressionLowering extends LoweringCore {
  protected scope: PyScope = { outer: new Set() };

  protected bare(node: SyntaxNode): SyntaxNode {
    return stripParens(node);
  }

  protected isCall(node: SyntaxNode): boolean {
    return node.type === 'call';
  }

  /** A nested function or lambda: analysed on its own. */
  protected abstract functionDef(node: SyntaxNode): FunctionModel;

  protected conditionOf(node: SyntaxNode): Condition {
    return conditionOf(node);
  }

  protected exprInner(node: SyntaxNode, out: Block, target: VarName | undefined): VarName | undefined {
    switch (node.type) {
      case 'identifier':
        return node.text;
      case 'attribute': {
        const field = this.scope.fieldsAsVariables ? ownField(node) : undefined;
        if (field) return field;
        for (const child of namedChildren(node)) this.expr(child, out);
        return undefined;
      }
      case 'call':
        return this.call(node, out, target ?? this.ctx.temp())?.target;
      case 'await': {
        const inner = node.namedChild(0);
        if (!inner) return undefined;
        const value = this.expr(inner, out, target);
        if (stripParens(inner).type !== 'call') out.push({ kind: 'await', range: rangeOf(node) });
        return value;
      }
      case 'assignment':
      case 'augmented_assignment':
        return this.assignment(node, out);
      case 'named_expression': {
        const name = node.childForFieldName('name');
        const value = node.childForFieldName('value');
        const v = value ? this.expr(value, out, name?.text) : undefined;
        if (name && v !== name.text) out.push({ kind: 'assign', target: name.text, ...(v ? { from: v } : {}), range: rangeOf(node) });
        return name?.text;
      }
      case 'boolean_operator': {
        const left = node.childForFieldName('left');
        const right = node.childForFieldName('right');
        const operator = node.childForFieldName('operator')?.type;
        if (!left || !right) return undefined;
        const condition = this.condition(left, out);
        const rightOps: Block = [];
        this.expr(right, rightOps);
        if (rightOps.length) {
          const and = operator === 'and';
          out.push({ kind: 'if', condition, then: and ? rightOps : [], else: and ? [] : rightOps, range: rangeOf(node) });
        }
        return undefined;
      }
      case 'conditional_expression': {
        const [consequence, test, alternative] = namedChildren(node);
        const condition = test ? this.condition(test, out) : ({ kind: 'unknown' } as const);
        const thenOps: Block = [];
        const elseOps: Block = [];
        if (consequence) this.expr(consequence, thenOps);
        if (alternative) this.expr(alternative, elseOps);
        if (thenOps.length || elseOps.length) out.push({ kind: 'if', condition, then: thenOps, else: elseOps, range: rangeOf(node) });
        return undefined;
      }
      case 'yield': {
        const inner = node.namedChild(0);
        const value = inner ? this.expr(inner, out) : undefined;
        out.push({ kind: 'yield', ...(value ? { variable: value } : {}), range: rangeOf(node) });
        return undefined;
      }
      case 'list':
      case 'tuple':
      case 'set':
      case 'dictionary':
      case 'expression_list':
        for (const child of namedChildren(node)) {
          const valueNode = child.type === 'pair' ? child.childForFieldName('value') : child;
          const v = valueNode ? this.expr(valueNode, out) : undefined;
          if (v) out.push({ kind: 'escape', variable: v, how: 'container', range: rangeOf(child) });
        }
        return undefined;
      case 'lambda':
        out.push({ kind: 'closure', fn: this.functionDef(node), range: rangeOf(node) });
        return undefined;
      case 'string':
      case 'integer':
      case 'float':
      case 'true':
      case 'false':
      case 'none':
      case 'comment':
        return undefined;
      default:
        for (const child of namedChildren(node)) this.expr(child, out);
        return undefined;
    }
  }

  protected assignment(node: SyntaxNode, out: Block): VarName | undefined {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return undefined;
    const bare = stripParens(left);
    const isName = bare.type === 'identifier' && node.type === 'assignment';
    const local = isName && !this.scope.outer.has(bare.text);
    if (isName && POOL_FACTORY.test(right.text)) this.ctx.poolNames.add(bare.text);
    const value = this.expr(right, out, local ? bare.text : undefined);
    if (isName) {
      if (!local && value) out.push({ kind: 'escape', variable: value, how: 'store', range: rangeOf(node) });
      if (value !== bare.text) out.push({ kind: 'assign', target: bare.text, ...(value ? { from: value } : {}), ...literalFact(right), range: rangeOf(node) });
      return value;
    }
    const field = node.type === 'assignment' ? ownField(bare) : undefined;
    if (field && this.scope.fieldsAsVariables) {
      // `self.conn = None` in `__exit__`: the field is a variable there.
      out.push({ kind: 'assign', target: field, ...(value ? { from: value } : {}), ...literalFact(right), range: rangeOf(node) });
      return value;
    }
    if (bare.type === 'attribute' || bare.type === 'subscript') {
      const object = bare.childForFieldName(bare.type === 'attribute' ? 'object' : 'value');
      if (object) this.expr(object, out);
      if (value) out.push({ kind: 'escape', variable: value, how: 'store', ...(field ? { field } : {}), range: rangeOf(node) });
      return value;
    }
    if ((bare.type === 'pattern_list' || bare.type === 'tuple_pattern') && stripParens(right).type === 'call') {
      // `conn, cur = get_conn()`: each name is one element of the call's result (a helper may return
      // its connection in a tuple).
      namedChildren(bare).forEach((element, index) => {
        if (element.type === 'identifier') out.push({ kind: 'assign', target: element.text, ...(value ? { from: value, index } : {}), range: rangeOf(node) });
        else for (const n of targetNames(element)) out.push({ kind: 'assign', target: n, range: rangeOf(node) });
      });
      return undefined;
    }
    for (const n of targetNames(bare)) out.push({ kind: 'assign', target: n, range: rangeOf(node) });
    return undefined;
  }

  protected call(node: SyntaxNode, out: Block, target: VarName): CallOp | undefined {
    const fnNode = node.childForFieldName('function');
    const argsNode = node.childForFieldName('arguments');
    if (!fnNode) return undefined;
    const calleeNode = stripParens(fnNode);
    let callee: CallOp['callee'];
    if (calleeNode.type === 'attribute') {
      callee = this.memberCallee(calleeNode.childForFieldName('object'), calleeNode.childForFieldName('attribute')?.text ?? '', out);
    } else if (calleeNode.type === 'identifier') {
      callee = { text: calleeNode.text, name: calleeNode.text };
    } else {
      callee = this.otherCallee(calleeNode, out);
    }
    const args: (VarName | undefined)[] = [];
    for (const arg of argsNode ? namedChildren(argsNode) : []) {
      if (arg.type === 'keyword_argument') {
        const value = arg.childForFieldName('value');
        if (value) this.expr(value, out);
        continue;
      }
      args.push(this.expr(arg, out));
    }
    return this.pushCall(node, calleeNode, callee, args, out, target);
  }
}

export function stripParens(node: SyntaxNode): SyntaxNode {
  let current = node;
  for (let i = 0; i < 200 && current.type === 'parenthesized_expression'; i++) {
    const inner = current.namedChild(0);
    if (!inner) break;
    current = inner;
  }
  return current;
}

export function conditionOf(node: SyntaxNode): Condition {
  const bare = stripParens(node);
  switch (bare.type) {
    case 'identifier':
      return { kind: 'truthy', variable: bare.text, negated: false };
    case 'true':
      return { kind: 'constant', value: true };
    case 'false':
      return { kind: 'constant', value: false };
    case 'not_operator': {
      const argument = bare.childForFieldName('argument');
      return argument ? negate(conditionOf(argument)) : { kind: 'unknown' };
    }
    case 'boolean_operator': {
      const left = bare.childForFieldName('left');
      const right = bare.childForFieldName('right');
      const operator = bare.childForFieldName('operator')?.type;
      if (!left || !right) return { kind: 'unknown' };
      return { kind: operator === 'and' ? 'and' : 'or', left: conditionOf(left), right: conditionOf(right), negated: false };
    }
    case 'comparison_operator': {
      const [left, right] = namedChildren(bare);
      const operator = bare.children.find((c) => c && !c.isNamed)?.text ?? '';
      const operators = bare.children.filter((c) => c && !c.isNamed).map((c) => c?.type);
      if (!left || !right || right.type !== 'none' || left.type !== 'identifier') return { kind: 'unknown' };
      const negatedTest = operators.includes('is not') || operator === '!=';
      const positiveTest = operators.includes('is') || operator === '==';
      if (!negatedTest && !positiveTest) return { kind: 'unknown' };
      return { kind: 'truthy', variable: left.text, negated: !negatedTest };
    }
    default:
      return { kind: 'unknown' };
  }
}

function literalFact(node: SyntaxNode): { fact?: boolean } {
  const bare = stripParens(node);
  if (bare.type === 'true') return { fact: true };
  if (bare.type === 'false' || bare.type === 'none') return { fact: false };
  return {};
}

export function targetNames(node: SyntaxNode): string[] {
  const names: string[] = [];
  const stack = [node];
  while (stack.length) {
    const current = stack.pop() as SyntaxNode;
    if (current.type === 'identifier') names.push(current.text);
    else if (current.type !== 'attribute' && current.type !== 'subscript') stack.push(...namedChildren(current));
  }
  return names;
}
