// What every lowering does the same way, whatever the grammar: a statement at a time (skipped when the
// focus says nothing in it can matter, nested no deeper than the limit, its calls pointing at it), the
// callee of a call as the model names it, the call op itself, `return value`, and the life of one
// function's model (left unlowered, kept from the last lowering, its own scope, added to the file).
// A language is a subclass: its grammar's node types, and its own constructs (Python's `with`, Go's
// `defer`, Java's try-with-resources, C#'s `using`), each lowered to the same model (model.ts).
import type { Block, Callee, CallOp, Condition, FunctionModel, VarName } from '../model';
import type { SyntaxNode } from '../treeSitter';
import { lastSegment, LoweringContext, rangeOf } from './builder';

export abstract class LoweringCore {
  /** The statement being lowered, for `statementRange` of calls. */
  protected statement: SyntaxNode | undefined;

  constructor(protected readonly ctx: LoweringContext) {}

  /** Lowers an expression's calls into `out`; the variable holding its value when that could be a connection. */
  expr(node: SyntaxNode, out: Block, target?: VarName): VarName | undefined {
    return this.ctx.nested(() => this.exprInner(this.bare(node), out, target));
  }

  /** One expression of the language, already bare (called through `expr`, which counts the nesting). */
  protected abstract exprInner(node: SyntaxNode, out: Block, target: VarName | undefined): VarName | undefined;

  /** Lowers a condition's calls into `out` and says what it tests, when that is simple. */
  condition(node: SyntaxNode, out: Block): Condition {
    const bare = this.bare(node);
    if (bare.type !== 'identifier') this.expr(bare, out);
    return this.conditionOf(bare);
  }

  /** What a (bare) condition tests, in the language's own syntax. */
  protected abstract conditionOf(node: SyntaxNode): Condition;

  /** One statement of the language (called through `stmt`, which does what every statement needs). */
  protected abstract stmtInner(node: SyntaxNode, out: Block): void;

  /** Strips what does not change a value (parentheses; TypeScript's `as` and `!`). */
  protected abstract bare(node: SyntaxNode): SyntaxNode;

  /** Whether `node` (bare) is a call: a receiver that is a call's result has no name to match. */
  protected abstract isCall(node: SyntaxNode): boolean;

  /** One statement, skipped when nothing in it can matter (LoweringContext.skippable). */
  protected stmt(node: SyntaxNode, out: Block): void {
    if (this.ctx.skippable(node)) return;
    this.ctx.nested(() => this.at(node, () => this.stmtInner(node, out)));
  }

  /** Runs `lower` with `node` as the statement its calls belong to. */
  protected at<T>(node: SyntaxNode, lower: () => T): T {
    const saved = this.statement;
    this.statement = node;
    try {
      return lower();
    } finally {
      this.statement = saved;
    }
  }

  /** The callee `object.name(…)`: the object is lowered first (it may be a call whose result is the receiver). */
  protected memberCallee(object: SyntaxNode | null, name: string, out: Block): Callee {
    const receiverVar = object ? this.expr(object, out) : undefined;
    const receiver = object ? this.bare(object).text : '';
    const receiverName = object && !this.isCall(this.bare(object)) ? lastSegment(receiver) : undefined;
    return {
      text: `${receiver}.${name}`,
      name,
      receiver,
      ...(receiverName !== undefined ? { receiverName } : {}),
      ...(receiverVar !== undefined ? { receiverVar } : {}),
    };
  }

  /** A callee that is neither a name nor a member (`(a || b)(x)`, `fns[0]()`): lowered, and nameless. */
  protected otherCallee(node: SyntaxNode, out: Block): Callee {
    this.expr(node, out);
    return { text: node.text.slice(0, 60), name: '' };
  }

  /** The call op for `node`, pushed to `out` after whatever its callee and arguments lowered. */
  protected pushCall(
    node: SyntaxNode,
    calleeNode: SyntaxNode,
    callee: Callee,
    args: (VarName | undefined)[],
    out: Block,
    target: VarName,
    more: Partial<Pick<CallOp, 'isNew' | 'callback' | 'awaited' | 'context'>> = {},
  ): CallOp {
    const op: CallOp = {
      kind: 'call',
      id: this.ctx.id(),
      callee,
      args,
      target,
      isNew: false,
      ...more,
      range: rangeOf(node),
      calleeRange: rangeOf(calleeNode),
      statementRange: rangeOf(this.statement ?? node),
    };
    out.push(op);
    return op;
  }

  /** `return value`: the value goes to the caller, then the function ends. */
  protected returnOps(value: VarName | undefined, node: SyntaxNode, out: Block): void {
    if (value) out.push({ kind: 'escape', variable: value, how: 'return', range: rangeOf(node) });
    out.push({ kind: 'return', range: rangeOf(node) });
  }

  /**
   * The model of function `node`, lowered once: left unlowered when the focus says it cannot matter,
   * kept from the document's last lowering when unchanged (`reuseContext`: what the model takes from
   * outside the node), otherwise lowered by `lowerBody` inside `enter()`'s scope (the returned function
   * restores the outer one) and added to the file's functions.
   */
  protected functionModel(
    node: SyntaxNode,
    parts: {
      nameNode: SyntaxNode | null;
      reuseContext: string;
      family: FunctionModel['family'];
      params: () => (VarName | undefined)[];
      enter: () => () => void;
      lowerBody: (out: Block) => void;
      /** What else the model says (generator, class, …), read after the body is lowered. */
      extras: () => Partial<FunctionModel>;
    },
  ): FunctionModel {
    const unlowered = this.ctx.unloweredFunction(node);
    if (unlowered) return unlowered;
    const kept = this.ctx.reuse(node, parts.nameNode, parts.reuseContext);
    if (kept) return kept;
    const params = parts.params();
    const outerStatement = this.statement;
    const restore = parts.enter();
    const body: Block = [];
    try {
      this.ctx.inFunction(node, () => parts.lowerBody(body));
    } finally {
      restore();
      this.statement = outerStatement;
    }
    const { nameNode } = parts;
    const model: FunctionModel = {
      ...(nameNode ? { name: nameNode.text, nameRange: rangeOf(nameNode) } : {}),
      family: parts.family,
      params,
      body,
      range: rangeOf(node),
      isGenerator: false,
      ...parts.extras(),
    };
    this.ctx.addFunction(model, node);
    return model;
  }

  /** The file's own code, outside any function: one model, run once per process. */
  protected topLevel(root: SyntaxNode, family: FunctionModel['family'], lower: (out: Block) => void): void {
    const body: Block = [];
    this.ctx.inRoot(() => lower(body));
    this.ctx.addFunction({ family, params: [], body, range: rangeOf(root), isGenerator: false, topLevel: true }, root);
  }
}
