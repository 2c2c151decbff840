// Shared plumbing for the lowerings: ids, temporaries, ranges and the recursion limit.
import type { SourceRange } from '../findings';
import type { LanguageFamily } from '../languages';
import type { FileModel, FunctionModel, VarName } from '../model';
import type { SyntaxNode } from '../treeSitter';
import type { FunctionFocus } from './focus';

/** Nesting deeper than this is not real code; the file is skipped rather than risk the stack. */
export const MAX_NESTING = 200;

export class NestingTooDeep extends Error {
  constructor() {
    super('nesting too deep to analyse');
  }
}

export function rangeOf(node: SyntaxNode): SourceRange {
  return {
    startLine: node.startPosition.row,
    startColumn: node.startPosition.column,
    endLine: node.endPosition.row,
    endColumn: node.endPosition.column,
  };
}

export class LoweringContext {
  private nextId = 0;
  private nextTemp = 0;
  private depth = 0;
  /** Enclosing functions being lowered whose own body may name an API: they read their nested functions. */
  private readers = 0;
  /** The functions being lowered, outermost first (the root is not one). */
  private readonly enclosing: SyntaxNode[] = [];
  /** Every function the file defines (nested ones too), in source order of discovery. */
  readonly functions: FunctionModel[] = [];
  readonly poolNames = new Set<string>();
  /** Go: FileModel.typedCalls. */
  readonly typedCalls = new Set<string>();
  /** With a focus: text ranges where a name learned later could call for functions left unlowered, by node id (FileModel.unlowered). */
  readonly unlowered = new Map<number, [number, number]>();

  /** With `focus`, functions that cannot matter are left unlowered (see focus.ts). */
  constructor(
    readonly family: LanguageFamily,
    private readonly focus?: FunctionFocus,
  ) {}

  /**
   * A placeholder for a nested function that names no API while no enclosing function reads it, or
   * undefined when the function must be lowered. The placeholder is not analysed (not in `functions`).
   */
  unloweredFunction(node: SyntaxNode): FunctionModel | undefined {
    if (!this.focus || this.readers > 0 || this.focus.names(node)) return undefined;
    this.watch(node);
    return { family: this.family, params: [], body: [], range: rangeOf(node), isGenerator: false };
  }

  /**
   * Something left unlowered: a name learned later inside it, or in the own body of a function around
   * it (which would then read it), calls for lowering it, so the outermost function below the root
   * that holds it is watched (FileModel.unlowered).
   */
  private watch(node: SyntaxNode): void {
    const watched = this.enclosing[0] ?? node;
    this.unlowered.set(watched.id, [watched.startIndex, watched.endIndex]);
  }

  /**
   * Whether the ops lowered now can matter: without a focus always; with one, when a function being
   * lowered reads what it lowers, or `fn` (the top level without) will. Otherwise they go nowhere: the
   * function's result is empty and nothing reads its model, so only the functions inside it count.
   */
  opsMatter(fn?: SyntaxNode): boolean {
    if (!this.focus || this.readers > 0) return true;
    return fn ? this.focus.readsNested(fn) : this.focus.rootReadsNested();
  }

  /**
   * A statement whose ops go nowhere (opsMatter) and that holds no name and no function naming one:
   * nothing in it is worth lowering (the functions in it are left unlowered, and watched).
   */
  skippable(statement: SyntaxNode): boolean {
    if (this.focus === undefined || this.readers > 0 || this.focus.touches(statement)) return false;
    // Watched when it may hold a function. A top-level Python statement without `def` or `lambda` holds
    // none, and its own ops matter only once a learned acquire is named in the file, which sends the
    // whole file back anyway (analyzeWorkspace).
    if (this.family !== 'py' || this.enclosing.length > 0 || /\b(def|lambda)\b/.test(statement.text)) this.watch(statement);
    return true;
  }

  /** Lowers the top level with `lower`: it reads the file's functions when its own code may acquire. */
  inRoot<T>(lower: () => T): T {
    return this.reading(this.focus?.rootReadsNested() ?? false, lower);
  }

  /** Lowers the body of a nested function with `lower`: it reads its nested functions when its own body may name an API. */
  inFunction<T>(node: SyntaxNode, lower: () => T): T {
    this.enclosing.push(node);
    try {
      return this.reading(this.focus?.readsNested(node) ?? false, lower);
    } finally {
      this.enclosing.pop();
    }
  }

  private reading<T>(reads: boolean, lower: () => T): T {
    if (reads) this.readers++;
    try {
      return lower();
    } finally {
      if (reads) this.readers--;
    }
  }

  /** The file's model once its lowering is done: its functions, pool names and what was left unlowered. */
  fileModel(): FileModel {
    const unlowered = this.unloweredRanges();
    return {
      family: this.family,
      functions: this.functions,
      poolNames: this.poolNames,
      ...(unlowered ? { unlowered } : {}),
      ...(this.family === 'go' ? { typedCalls: [...this.typedCalls] } : {}),
    };
  }

  /** What FileModel.unlowered says. */
  unloweredRanges(): [number, number][] | undefined {
    return this.unlowered.size ? [...this.unlowered.values()] : undefined;
  }

  id(): number {
    return this.nextId++;
  }

  temp(): VarName {
    return `$t${this.nextTemp++}`;
  }

  /** Runs `fn` one level deeper; throws NestingTooDeep past the limit. */
  nested<T>(fn: () => T): T {
    if (++this.depth > MAX_NESTING) {
      this.depth--;
      throw new NestingTooDeep();
    }
    try {
      return fn();
    } finally {
      this.depth--;
    }
  }

  /**
   * The model of function `node` kept from an earlier lowering of the same document, or undefined to
   * lower it. `name` and `context` are what the model takes from outside the node (a name given by the
   * parent, a decorator). Only the incremental analyser's context (incremental.ts) keeps models.
   */
  reuse(_node: SyntaxNode, _name: SyntaxNode | null, _context: string): FunctionModel | undefined {
    return undefined;
  }

  /** A function whose syntax has errors is not analysed: a half-typed line must not produce a finding. */
  addFunction(model: FunctionModel, node: SyntaxNode): void {
    if (!node.hasError) this.functions.push(model);
  }
}

/** Strips wrappers that do not change the value: parentheses and TypeScript's `as`, `!`, `satisfies`. */
export function unwrap(node: SyntaxNode): SyntaxNode {
  let current = node;
  for (let i = 0; i < MAX_NESTING; i++) {
    switch (current.type) {
      case 'parenthesized_expression':
      case 'as_expression':
      case 'non_null_expression':
      case 'satisfies_expression':
      case 'type_assertion': {
        const inner = current.type === 'type_assertion' ? current.namedChild(1) : current.namedChild(0);
        if (!inner) return current;
        current = inner;
        break;
      }
      default:
        return current;
    }
  }
  return current;
}

export function namedChildren(node: SyntaxNode): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  for (const child of node.namedChildren) if (child && child.type !== 'comment') out.push(child);
  return out;
}

/** The last identifier of a dotted receiver: `this.db.pool` -> `pool`. */
export function lastSegment(text: string): string | undefined {
  const match = /([A-Za-z_$][\w$]*)\s*$/.exec(text);
  return match?.[1];
}
