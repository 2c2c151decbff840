// Facts about one function that every acquire site's check shares: where each op sits in the
// function's top-level sequence and the last top-level statement that mentions each variable. They
// let a check start at the statement holding its acquire (everything before runs the same for every
// site) and stop following a path once nothing later can mention the client, which keeps a function
// with many acquires close to linear instead of quadratic.
import type { Block, CallOp, Condition, FunctionModel, Op } from '../model';
import type { World } from './world';

function conditionVariables(condition: Condition, into: Set<string>): void {
  if (condition.kind === 'truthy') into.add(condition.variable);
  else if (condition.kind !== 'unknown' && condition.kind !== 'constant') {
    conditionVariables(condition.left, into);
    conditionVariables(condition.right, into);
  }
}

/** Child blocks of an op; closures' bodies only when `intoClosures`. */
export function childBlocks(op: Op, intoClosures: boolean): Block[] {
  switch (op.kind) {
    case 'call':
      return op.callback ? [op.callback.body] : [];
    case 'if':
      return [op.then, op.else];
    case 'loop':
      return [op.head, op.body, op.orelse ?? []];
    case 'switch':
      return op.cases;
    case 'try':
      return [op.body, ...op.handlers, op.orelse ?? [], op.finalizer ?? []];
    case 'labeled':
    case 'inline':
      return [op.body];
    case 'closure':
      return intoClosures ? [op.fn.body] : [];
    default:
      return [];
  }
}

/** Variables an op itself mentions (not its children). */
function mentions(op: Op, into: Set<string>): void {
  switch (op.kind) {
    case 'call':
      if (op.callee.receiverVar) into.add(op.callee.receiverVar);
      if (op.callee.receiver === undefined) into.add(op.callee.name);
      for (const a of op.args) if (a) into.add(a);
      if (op.target) into.add(op.target);
      if (op.errorTarget) into.add(op.errorTarget);
      for (const p of op.callback?.params ?? []) if (p) into.add(p);
      break;
    case 'assign':
      into.add(op.target);
      if (op.from) into.add(op.from);
      break;
    case 'escape':
    case 'with':
      into.add(op.variable);
      break;
    case 'yield':
      if (op.variable) into.add(op.variable);
      break;
    case 'if':
    case 'loop':
      conditionVariables(op.condition, into);
      break;
    default:
      break;
  }
}

export class FunctionContext {
  /** Top-level index of the statement each op belongs to. */
  private readonly topIndex = new Map<Op, number>();
  /** Pre-order position of each op, which follows execution order except for loops' back edges. */
  private readonly position = new Map<Op, number>();
  /** Where later paths through an op can reach: its position, or the start of the outermost loop around it. */
  private readonly horizonOf = new Map<Op, number>();
  /** Last position (closures included) that mentions the variable. */
  private readonly lastReference = new Map<string, number>();
  readonly conditionVars = new Set<string>();
  /**
   * Plain variables an `if` tests more than once (`if own: conn = pool.getconn()` … `finally: if own:
   * pool.putconn(conn)`): a path remembers which way it went at the first test. Only these, so that
   * paths split by one-off conditions still merge.
   */
  readonly flagVars = new Set<string>();
  /** Last position inside each op's subtree. */
  private readonly subtreeEnd = new Map<Op, number>();
  /**
   * Paths through a block before any acquire has run are the same for every site: states after each
   * op, per block and entry state, filled by whichever check gets there first.
   */
  private readonly prefixes = new Map<Block, Map<string, World[][]>>();

  constructor(readonly body: Block) {
    const testedOnce = new Set<string>();
    let counter = 0;
    const preorder: Op[] = [];
    body.forEach((top, index) => {
      const stack: { op: Op; floor: number | undefined }[] = [{ op: top, floor: undefined }];
      while (stack.length) {
        const { op, floor } = stack.pop() as { op: Op; floor: number | undefined };
        const pos = counter++;
        preorder.push(op);
        this.topIndex.set(op, index);
        this.position.set(op, pos);
        this.horizonOf.set(op, floor ?? pos);
        const names = new Set<string>();
        mentions(op, names);
        for (const name of names) this.lastReference.set(name, pos);
        if (op.kind === 'if' || op.kind === 'loop') conditionVariables(op.condition, this.conditionVars);
        if (op.kind === 'if' && op.condition.kind === 'truthy') {
          if (testedOnce.has(op.condition.variable)) this.flagVars.add(op.condition.variable);
          testedOnce.add(op.condition.variable);
        }
        const childFloor = floor ?? (op.kind === 'loop' || op.kind === 'closure' ? pos : undefined);
        const children = childBlocks(op, true).flat();
        for (let i = children.length - 1; i >= 0; i--) stack.push({ op: children[i] as Op, floor: childFloor });
      }
    });
    // A variable copied into one a condition tests (Go: `return err` into the named result a deferred
    // function reads) keeps the way its own test went, so the copy knows it too.
    for (const op of preorder) if (op.kind === 'assign' && op.from !== undefined && this.conditionVars.has(op.target) && this.conditionVars.has(op.from)) this.flagVars.add(op.from);
    for (let i = preorder.length - 1; i >= 0; i--) {
      const op = preorder[i] as Op;
      let end = this.position.get(op) ?? 0;
      for (const child of childBlocks(op, true).flat()) end = Math.max(end, this.subtreeEnd.get(child) ?? 0);
      this.subtreeEnd.set(op, end);
    }
  }

  contains(op: Op, position: number): boolean {
    return (this.position.get(op) ?? 0) <= position && position <= (this.subtreeEnd.get(op) ?? -1);
  }

  /** The shared state list for `block` entered in the state with key `entry` (index 0 is the entry). */
  prefixStates(block: Block, entry: string, initial: World[]): World[][] {
    let perBlock = this.prefixes.get(block);
    if (!perBlock) {
      perBlock = new Map();
      this.prefixes.set(block, perBlock);
    }
    let states = perBlock.get(entry);
    if (!states) {
      states = [initial];
      perBlock.set(entry, states);
    }
    return states;
  }

  topIndexOf(op: Op): number {
    return this.topIndex.get(op) ?? 0;
  }

  positionOf(op: Op): number {
    return this.position.get(op) ?? 0;
  }

  horizon(op: Op): number {
    return this.horizonOf.get(op) ?? 0;
  }

  /** Nothing at or after `position` mentions any of the names. */
  unmentionedFrom(names: readonly string[], position: number): boolean {
    return names.every((n) => (this.lastReference.get(n) ?? -1) < position);
  }
}

/** Calls in a block, including nested blocks and inline callbacks; nested closures only when asked. Iterative. */
export function visitCalls(block: Block, visit: (call: CallOp) => void, intoClosures = true): void {
  const stack: Op[] = [...block].reverse();
  while (stack.length) {
    const op = stack.pop() as Op;
    if (op.kind === 'call') visit(op);
    const children = childBlocks(op, intoClosures).flat();
    for (let i = children.length - 1; i >= 0; i--) stack.push(children[i] as Op);
  }
}

const calleeNames = new WeakMap<FunctionModel, Set<string>>();

/**
 * The names `fn` calls, its closures' calls included, built from
 * each closure's own set: a kept closure's set is computed once, the top level's is cheap to rebuild.
 */
function calleeNamesOf(fn: FunctionModel): Set<string> {
  let names = calleeNames.get(fn);
  if (names) return names;
  const collected = new Set<string>();
  visitCalls(fn.body, (call) => collected.add(call.callee.name), false);
  visitClosures(fn.body, (closure) => {
    for (const name of calleeNamesOf(closure)) collected.add(name);
  });
  calleeNames.set(fn, collected);
  names = collected;
  return names;
}

/** The closures created directly in `block` (not those nested in them), inline callbacks included. */
export function visitClosures(block: Block, visit: (fn: FunctionModel) => void): void {
  const stack: Op[] = [...block];
  while (stack.length) {
    const op = stack.pop() as Op;
    if (op.kind === 'closure') {
      visit(op.fn);
      continue;
    }
    for (const child of childBlocks(op, false)) stack.push(...child);
  }
}

/** Whether `fn` (or a closure in it) calls one of `names`: a function that calls no learned API keeps its result. */
export function callsAny(fn: FunctionModel, names: ReadonlySet<string>): boolean {
  if (names.size === 0) return false;
  const mine = calleeNamesOf(fn);
  for (const name of names) if (mine.has(name)) return true;
  return false;
}
