// JavaScript/TypeScript expressions -> model ops, in evaluation order. An expression lowers to the
// variable that holds its value when that value could be a client (an identifier or a temporary
// bound to a call's result), so the checker can follow the client from the acquire to its release.
import type { Block, Callee, Condition, FunctionModel, InlineCallback, Op, VarName } from '../model';
import type { SourceRange } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import { namedChildren, rangeOf, unwrap } from './builder';
import { LoweringCore } from './core';

const FUNCTION_TYPES = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
/** Calls whose callback runs later (an event, a timer), if ever: never in place. */
const LATER = new Set(['on', 'once', 'addListener', 'prependListener', 'prependOnceListener', 'addEventListener', 'subscribe', 'setTimeout', 'setInterval', 'setImmediate', 'nextTick', 'queueMicrotask', 'requestAnimationFrame']);
/** `app.get('/x', handler)`, `router.post(…)`: a route's handler runs per request, later. */
const ROUTES = new Set(['get', 'post', 'put', 'patch', 'delete', 'del', 'all', 'use', 'options', 'head']);
/** `it('…', async () => …)`, `beforeEach(…)`: a test framework runs the callback later, on its own. */
const TESTS = new Set(['describe', 'context', 'suite', 'it', 'test', 'specify', 'before', 'after', 'beforeEach', 'afterEach', 'beforeAll', 'afterAll', 'setup', 'teardown']);

/** Array methods whose synchronous callback runs during the call, zero or more times. */
const ITERATES = new Set(['map', 'forEach', 'filter', 'reduce', 'reduceRight', 'some', 'every', 'find', 'findIndex', 'flatMap']);
const PROMISE_METHODS = new Set(['then', 'catch', 'finally']);

export function isFunctionNode(node: SyntaxNode): boolean {
  return FUNCTION_TYPES.has(node.type);
}

export function isAsync(fn: SyntaxNode): boolean {
  return fn.children.some((c) => c?.type === 'async');
}

export interface FunctionScope {
  locals: Set<string>;
  params: Set<string>;
  /** > 0 while lowering a callback that runs in place: its `return` does not hand a value to our caller. */
  inlineDepth: number;
  isGenerator: boolean;
  /** While lowering a `.then` callback whose chain's value is used: what its `return` becomes (the chain's value). */
  returnInto?: VarName;
  /** In a class method that gives back what another method keeps in `this.<field>`: those fields are variables here (`this.client`). */
  fieldsAsVariables?: ReadonlySet<string>;
}

/** `this.<name>` as the variable a method that releases it sees (`this.client`), when `node` is one. */
export function thisField(node: SyntaxNode): string | undefined {
  const bare = unwrap(node);
  if (bare.type !== 'member_expression') return undefined;
  const object = bare.childForFieldName('object');
  const property = bare.childForFieldName('property');
  return object?.type === 'this' && property?.type === 'property_identifier' ? `this.${property.text}` : undefined;
}

export abstract class JsExpressionLowering extends LoweringCore {
  protected scope: FunctionScope = { locals: new Set(), params: new Set(), inlineDepth: 0, isGenerator: false };

  protected bare(node: SyntaxNode): SyntaxNode {
    return unwrap(node);
  }

  protected isCall(node: SyntaxNode): boolean {
    return node.type === 'call_expression';
  }

  /** A nested function that is not run in place: analysed on its own. */
  protected abstract closure(node: SyntaxNode): FunctionModel;
  /** The body of a callback that runs in place, its parameters bound by the caller; `returnInto` takes what its `return` gives (a `.then` chain's value). */
  protected abstract inlineBody(fn: SyntaxNode, returnInto?: VarName): Block;
  protected abstract paramsOf(fn: SyntaxNode): (VarName | undefined)[];

  /** `req.client` when `node` is a field of one of the function's own parameters (Express's `req`, Koa's `ctx`). */
  private paramField(node: SyntaxNode): string | undefined {
    if (node.type !== 'member_expression') return undefined;
    const object = node.childForFieldName('object');
    const property = node.childForFieldName('property');
    return object?.type === 'identifier' && this.scope.params.has(object.text) && property?.type === 'property_identifier' ? `${object.text}.${property.text}` : undefined;
  }

  protected isLocal(name: string): boolean {
    return this.scope.locals.has(name) || this.scope.params.has(name);
  }

  /**
   * An expression whose value nobody uses (a statement, a comma operand). A function written there is
   * never called, passed or kept: `client.query(sql), (err) => done(err);` hands nothing over.
   */
  dropped(node: SyntaxNode, out: Block): void {
    const bare = unwrap(node);
    if (isFunctionNode(bare)) return;
    if (bare.type === 'sequence_expression') {
      for (const child of namedChildren(bare)) this.dropped(child, out);
      return;
    }
    this.expr(node, out);
  }

  protected exprInner(node: SyntaxNode, out: Block, target: VarName | undefined): VarName | undefined {
    switch (node.type) {
      case 'identifier':
        return node.text === 'undefined' ? undefined : node.text;
      case 'await_expression': {
        const inner = node.namedChild(0);
        if (!inner) return undefined;
        const value = this.expr(inner, out, target);
        // A call already may throw; awaiting a plain value adds the rejection.
        const bare = unwrap(inner);
        if (bare.type !== 'call_expression' && bare.type !== 'new_expression') out.push({ kind: 'await', range: rangeOf(node) });
        else markAwaited(out, bare);
        return value;
      }
      case 'call_expression':
        return this.call(node, out, target, false);
      case 'member_expression': {
        const field = this.scope.fieldsAsVariables ? thisField(node) : undefined;
        if (field && this.scope.fieldsAsVariables?.has(field)) return field;
        for (const child of namedChildren(node)) this.expr(child, out);
        return undefined;
      }
      case 'new_expression':
        return this.call(node, out, target, true);
      case 'assignment_expression':
        return this.assignment(node, out);
      case 'binary_expression':
        return this.binary(node, out);
      case 'ternary_expression': {
        const test = node.childForFieldName('condition');
        const condition = test ? this.condition(test, out) : { kind: 'unknown' as const };
        const thenOps: Block = [];
        const elseOps: Block = [];
        const consequence = node.childForFieldName('consequence');
        const alternative = node.childForFieldName('alternative');
        if (consequence) this.expr(consequence, thenOps);
        if (alternative) this.expr(alternative, elseOps);
        if (thenOps.length || elseOps.length) out.push({ kind: 'if', condition, then: thenOps, else: elseOps, range: rangeOf(node) });
        return undefined;
      }
      case 'object':
      case 'array':
        return this.container(node, out);
      case 'yield_expression': {
        const inner = node.namedChild(0);
        const value = inner ? this.expr(inner, out) : undefined;
        out.push({ kind: 'yield', ...(value ? { variable: value } : {}), range: rangeOf(node) });
        return undefined;
      }
      case 'arrow_function':
      case 'function_expression':
      case 'function':
      case 'generator_function':
        out.push({ kind: 'closure', fn: this.closure(node), range: rangeOf(node) });
        return undefined;
      case 'sequence_expression': {
        // `a, b`: the value is the last operand's.
        const operands = namedChildren(node);
        const last = operands.pop();
        for (const operand of operands) this.dropped(operand, out);
        return last ? this.expr(last, out, target) : undefined;
      }
      case 'class':
        this.classBody(node);
        return undefined;
      case 'string':
      case 'number':
      case 'true':
      case 'false':
      case 'null':
      case 'this':
      case 'regex':
      case 'property_identifier':
      case 'type_arguments':
      case 'type_annotation':
        return undefined;
      default:
        for (const child of namedChildren(node)) this.expr(child, out);
        return undefined;
    }
  }

  /** Methods of a class are analysed on their own; the class itself does nothing at run time here. */
  protected classBody(node: SyntaxNode): void {
    const body = node.childForFieldName('body');
    if (!body) return;
    for (const member of namedChildren(body)) {
      if (member.type === 'method_definition') this.closure(member);
      else {
        // Field initialisers with arrow functions are methods too.
        const value = member.childForFieldName('value');
        if (value && isFunctionNode(unwrap(value))) this.closure(unwrap(value));
      }
    }
  }

  private container(node: SyntaxNode, out: Block): undefined {
    // `{ transaction: t }` written as a call's argument: Sequelize's and knex's query options lend the
    // transaction to that call (`User.create(values, { transaction: t })`); it stays the caller's to end.
    const options = node.type === 'object' && node.parent?.type === 'arguments';
    for (const child of namedChildren(node)) {
      let valueNode: SyntaxNode | null = child;
      if (child.type === 'pair') valueNode = child.childForFieldName('value');
      else if (child.type === 'method_definition') {
        this.closure(child);
        continue;
      }
      if (!valueNode) continue;
      const value = child.type === 'shorthand_property_identifier' ? child.text : this.expr(valueNode, out);
      const key = child.type === 'pair' ? child.childForFieldName('key')?.text : child.text;
      if (options && key === 'transaction') continue;
      if (value) out.push({ kind: 'escape', variable: value, how: 'container', range: rangeOf(child) });
    }
    return undefined;
  }

  private assignment(node: SyntaxNode, out: Block): VarName | undefined {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    if (!left || !right) return undefined;
    const leftBare = unwrap(left);
    const isName = leftBare.type === 'identifier';
    const local = isName && this.isLocal(leftBare.text);
    const value = this.expr(right, out, local ? leftBare.text : undefined);
    if (isName) {
      if (!local && value) out.push({ kind: 'escape', variable: value, how: 'store', range: rangeOf(node) });
      if (value !== leftBare.text) out.push(this.assignOp(leftBare.text, value, right, node));
      return value;
    }
    const field = thisField(leftBare) ?? this.paramField(leftBare);
    if (field && this.scope.fieldsAsVariables?.has(field)) {
      // `this.client = null` in the method that gives it back: the field is a variable there.
      out.push(this.assignOp(field, value, right, node));
      return value;
    }
    if (leftBare.type === 'member_expression' || leftBare.type === 'subscript_expression') {
      const object = leftBare.childForFieldName('object');
      if (object) this.expr(object, out);
      if (value) out.push({ kind: 'escape', variable: value, how: 'store', ...(field ? { field } : {}), range: rangeOf(node) });
      return value;
    }
    // Destructuring assignment: every name gets some other value.
    for (const name of patternNames(leftBare)) out.push({ kind: 'assign', target: name, range: rangeOf(node) });
    return undefined;
  }

  protected assignOp(target: VarName, from: VarName | undefined, valueNode: SyntaxNode | undefined, node: SyntaxNode): Block[number] {
    const fact = valueNode ? literalTruthiness(unwrap(valueNode)) : false;
    return {
      kind: 'assign',
      target,
      ...(from !== undefined ? { from } : {}),
      ...(fact !== undefined ? { fact } : {}),
      range: rangeOf(node),
    };
  }

  private binary(node: SyntaxNode, out: Block): undefined {
    const left = node.childForFieldName('left');
    const right = node.childForFieldName('right');
    const operator = node.childForFieldName('operator')?.type ?? '';
    if (!left || !right) return undefined;
    if (operator === '&&' || operator === '||' || operator === '??') {
      // `client && client.release()`: the right side runs only on some paths.
      const condition = this.condition(left, out);
      const rightOps: Block = [];
      this.expr(right, rightOps);
      if (rightOps.length) {
        const runsWhenTrue = operator === '&&';
        out.push({
          kind: 'if',
          condition,
          then: runsWhenTrue ? rightOps : [],
          else: runsWhenTrue ? [] : rightOps,
          range: rangeOf(node),
        });
      }
      return undefined;
    }
    this.expr(left, out);
    this.expr(right, out);
    return undefined;
  }

  protected conditionOf(node: SyntaxNode): Condition {
    return conditionOf(node);
  }

  private call(node: SyntaxNode, out: Block, target: VarName | undefined, isNew: boolean): VarName | undefined {
    const calleeNode = node.childForFieldName(isNew ? 'constructor' : 'function');
    const argsNode = node.childForFieldName('arguments');
    if (!calleeNode) return undefined;
    let callee = unwrap(calleeNode);
    // TypeScript parses `await a.b<T>(x)` with the await inside the callee.
    const awaitedCallee = callee.type === 'await_expression' && callee.namedChild(0) !== null;
    if (awaitedCallee) callee = unwrap(callee.namedChild(0) as SyntaxNode);
    if (callee.type === 'member_expression') {
      const property = callee.childForFieldName('property')?.text ?? '';
      const object = callee.childForFieldName('object');
      if (object && PROMISE_METHODS.has(property) && !isNew) return this.promiseChain(node, object, property, argsNode, out);
    }
    const info = this.calleeInfo(callee, out);
    const argNodes = argsNode ? namedChildren(argsNode) : [];
    const args: (VarName | undefined)[] = [];
    let callback: InlineCallback | undefined;
    const iterates = info.receiver !== undefined && ITERATES.has(info.name);
    // Listeners and timers run later, or never: their callback is a closure, not a continuation.
    // A constructor keeps a function it is given (`new Strategy(options, verify)`) to call later.
    const later =
      isNew ||
      LATER.has(info.name) ||
      (info.receiver !== undefined && ROUTES.has(info.name)) ||
      TESTS.has(info.receiver === undefined ? info.name : (/^(\w+)\.(only|skip|each)$/.exec(info.text)?.[1] ?? ''));
    argNodes.forEach((arg, index) => {
      const bare = unwrap(arg);
      if (isFunctionNode(bare)) {
        args.push(undefined);
        const isLast = index === argNodes.length - 1;
        if (iterates && !isAsync(bare)) {
          // A synchronous iteration callback runs in place, any number of times.
          out.push({
            kind: 'loop',
            head: [],
            condition: { kind: 'unknown' },
            body: [{ kind: 'inline', body: this.inlineBody(bare) }],
            bodyFirst: false,
            range: rangeOf(bare),
          });
        } else if (isLast && !iterates && !later) {
          callback = { params: this.paramsOf(bare), body: this.inlineBody(bare), range: rangeOf(bare) };
        } else {
          out.push({ kind: 'closure', fn: this.closure(bare), range: rangeOf(bare) });
        }
        return;
      }
      args.push(this.expr(arg, out));
    });
    const op = this.pushCall(node, callee, info, args, out, target ?? this.ctx.temp(), {
      isNew,
      ...(callback ? { callback } : {}),
      ...(awaitedCallee ? { awaited: true } : {}),
    });
    if (info.receiver === 'Promise' && RACES.has(info.name)) markRaced(out, argNodes[0], { range: op.range, by: info.text });
    return op.target;
  }

  private calleeInfo(callee: SyntaxNode, out: Block): Callee {
    if (callee.type === 'member_expression') return this.memberCallee(callee.childForFieldName('object'), callee.childForFieldName('property')?.text ?? '', out);
    if (callee.type === 'identifier') return { text: callee.text, name: callee.text };
    return this.otherCallee(callee, out);
  }

  /** `X.then(f, g)` runs like `try { v = await X } catch (e) { g(e) } else { f(v) }`. */
  private promiseChain(
    node: SyntaxNode,
    object: SyntaxNode,
    method: string,
    argsNode: SyntaxNode | null,
    out: Block,
  ): VarName | undefined {
    const argNodes = argsNode ? namedChildren(argsNode).map(unwrap) : [];
    const body: Block = [];
    const value = this.expr(object, body);
    // `X.then(f)` waits for X as `await X` would: X's rejection is what the handlers see.
    markAwaited(body, unwrap(object));
    const inline = (fn: SyntaxNode | undefined, bound: VarName | undefined, returnInto?: VarName): Block => {
      if (!fn || !isFunctionNode(fn)) return [];
      const [first] = this.paramsOf(fn);
      const ops: Block = [];
      if (first) ops.push({ kind: 'assign', target: first, ...(bound ? { from: bound } : {}), range: rangeOf(fn) });
      ops.push({ kind: 'inline', body: this.inlineBody(fn, returnInto) });
      return ops;
    };
    const range = rangeOf(node);
    if (method === 'then') {
      // The chain's value is what the callback returns: `return connection` hands the client to
      // whoever takes the chain (`promise: pool.connect().then(async (c) => { …; return c; })`).
      const used = node.parent?.type !== 'expression_statement';
      const chainValue = used ? this.ctx.temp() : undefined;
      const onFulfilled = inline(argNodes[0], value, chainValue);
      if (argNodes.length < 2) {
        out.push(...body, ...onFulfilled);
      } else {
        out.push({ kind: 'try', body, handlers: [inline(argNodes[1], undefined)], catchesAll: true, orelse: onFulfilled, range });
      }
      return chainValue;
    }
    if (method === 'catch') {
      out.push({ kind: 'try', body, handlers: [inline(argNodes[0], undefined)], catchesAll: true, range });
      return value;
    }
    out.push({ kind: 'try', body, handlers: [], catchesAll: true, finalizer: inline(argNodes[0], undefined), range });
    return value;
  }
}

/** `Promise.all` and the combinators that reject (or settle) with the first rejection and drop the other values. */
const RACES = new Set(['all', 'race', 'any']);

/** The calls written as elements of `array` (`Promise.all([pool.connect(), pool.connect()])`), among those just lowered into `out`: raced. */
function markRaced(out: Block, array: SyntaxNode | undefined, combinator: { range: SourceRange; by: string }): void {
  const bare = array ? unwrap(array) : undefined;
  if (bare?.type !== 'array') return;
  const elements = namedChildren(bare).filter((n) => n.type !== 'comment');
  if (elements.length < 2) return;
  const starts = new Set(elements.map((e) => unwrap(e)).filter((e) => e.type === 'call_expression').map((e) => `${e.startPosition.row}:${e.startPosition.column}`));
  for (const op of out) {
    if (op.kind === 'call' && starts.has(`${op.range.startLine}:${op.range.startColumn}`)) op.racedIn = combinator;
  }
}

/** Marks the call `node` lowered into `out` as awaited (it was pushed after its arguments' calls). */
function markAwaited(out: Block, node: SyntaxNode): void {
  if (node.type !== 'call_expression') return;
  const range = rangeOf(node);
  for (let i = out.length - 1; i >= 0; i--) {
    const op = out[i] as Op;
    if (op.kind !== 'call' || op.range.startLine !== range.startLine || op.range.startColumn !== range.startColumn) continue;
    op.awaited = true;
    return;
  }
}

/** What a condition tests, when it is a variable's truthiness (`client`, `!err`, `x != null`). */
export function conditionOf(node: SyntaxNode): Condition {
  const bare = unwrap(node);
  switch (bare.type) {
    case 'identifier':
      return { kind: 'truthy', variable: bare.text, negated: false };
    case 'member_expression': {
      // `if (this.client)`: only a variable where the method's fields are (fieldsAsVariables).
      const field = thisField(bare);
      return field ? { kind: 'truthy', variable: field, negated: false } : { kind: 'unknown' };
    }
    case 'true':
      return { kind: 'constant', value: true };
    case 'false':
      return { kind: 'constant', value: false };
    case 'unary_expression': {
      const operator = bare.childForFieldName('operator')?.type;
      const argument = bare.childForFieldName('argument');
      if (operator !== '!' || !argument) return { kind: 'unknown' };
      return negate(conditionOf(argument));
    }
    case 'binary_expression': {
      const operator = bare.childForFieldName('operator')?.type ?? '';
      const left = bare.childForFieldName('left');
      const right = bare.childForFieldName('right');
      if (left && right && (operator === '&&' || operator === '||')) {
        return { kind: operator === '&&' ? 'and' : 'or', left: conditionOf(left), right: conditionOf(right), negated: false };
      }
      if (!left || !right || !['==', '===', '!=', '!=='].includes(operator)) return { kind: 'unknown' };
      const isNothing = (n: SyntaxNode): boolean => n.type === 'null' || (n.type === 'identifier' && n.text === 'undefined');
      const variable = isNothing(unwrap(right)) ? unwrap(left) : isNothing(unwrap(left)) ? unwrap(right) : undefined;
      const name = variable?.type === 'identifier' ? variable.text : variable ? thisField(variable) : undefined;
      if (name === undefined) return { kind: 'unknown' };
      return { kind: 'truthy', variable: name, negated: operator.startsWith('=') };
    }
    default:
      return { kind: 'unknown' };
  }
}

export function negate(condition: Condition): Condition {
  switch (condition.kind) {
    case 'truthy':
    case 'and':
    case 'or':
      return { ...condition, negated: !condition.negated };
    case 'constant':
      return { kind: 'constant', value: !condition.value };
    default:
      return condition;
  }
}

function literalTruthiness(node: SyntaxNode): boolean | undefined {
  switch (node.type) {
    case 'true':
      return true;
    case 'false':
    case 'null':
      return false;
    case 'identifier':
      return node.text === 'undefined' ? false : undefined;
    default:
      return undefined;
  }
}

/** Names a destructuring pattern binds. Iterative: patterns can nest arbitrarily. */
export function patternNames(node: SyntaxNode): string[] {
  const names: string[] = [];
  const stack: SyntaxNode[] = [node];
  while (stack.length) {
    const current = stack.pop() as SyntaxNode;
    if (current.type === 'identifier' || current.type === 'shorthand_property_identifier_pattern') {
      names.push(current.text);
      continue;
    }
    if (current.type === 'pair_pattern') {
      const value = current.childForFieldName('value');
      if (value) stack.push(value);
      continue;
    }
    if (current.type === 'assignment_pattern' || current.type === 'object_assignment_pattern') {
      const left = current.childForFieldName('left');
      if (left) stack.push(left);
      continue;
    }
    for (const child of namedChildren(current)) stack.push(child);
  }
  return names;
}
