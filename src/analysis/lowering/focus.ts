// Which functions of a file are worth lowering when only some call names can matter. A function's
// findings and summary come from calls in its own body whose last name is an acquire or release API
// (the top level has no parameters, so only acquires count there), and an enclosing function reads a
// nested one only when it has such a call itself (a closure that releases a held client, a callback
// run in place). So a function whose text names no API, nested only in functions whose own bodies name
// none, has an empty result whatever its body says and nobody looks into it: it can be left unlowered.
// analyzeWorkspace lowers with a focus on the names in force (the many files read only for helper
// summaries have few functions that name one) and lowers a file again when a learned name calls for it.
import type { LanguageFamily } from '../languages';
import type { SyntaxNode } from '../treeSitter';

const JS_DECLARED = new Set(['function_declaration', 'generator_function_declaration', 'method_definition']);
const JS_EXPRESSIONS = new Set(['arrow_function', 'function_expression', 'function', 'generator_function']);
/** The node types that are functions (with a model of their own), per language. */
const FUNCTIONS: Record<LanguageFamily, ReadonlySet<string>> = {
  js: new Set([...JS_DECLARED, ...JS_EXPRESSIONS]),
  py: new Set(['function_definition', 'lambda']),
  go: new Set(['function_declaration', 'method_declaration', 'func_literal']),
  java: new Set(['method_declaration', 'constructor_declaration', 'compact_constructor_declaration', 'lambda_expression']),
  cs: new Set(['method_declaration', 'constructor_declaration', 'local_function_statement', 'lambda_expression', 'anonymous_method_expression']),
};
/** Wrappers the JavaScript lowering strips before it looks at an argument (builder.ts `unwrap`). */
const JS_WRAPPERS = new Set(['parenthesized_expression', 'as_expression', 'non_null_expression', 'satisfies_expression', 'type_assertion']);
/** Nodes whose text is never code: a name inside them is not a call. */
const NOT_CODE = new Set(['comment', 'string', 'string_content', 'string_fragment', 'template_string']);

/** The names a focus keeps functions for; `other` are release APIs and names whose call binds a pool. */
export interface FocusNames {
  acquire: readonly string[];
  other: readonly string[];
  /** Also read the file's SQL (FileModel.sql) from the same tree. */
  sql?: boolean;
}

export class FunctionFocus {
  /** Functions (node ids) whose text names an API. */
  private readonly named = new Set<number>();
  /** Functions (node ids) whose own body may name one: what they lower, they may read. */
  private readonly ownBodyNames = new Set<number>();
  /** The top level's own code may name an acquire API. */
  private rootAcquires = false;
  /** Sorted offsets of every name in code and of every function that names one: a statement without any holds nothing worth lowering. */
  private readonly positions: number[] = [];

  /** `text` is the text `root` was parsed from (tree-sitter indexes it by UTF-16 code unit, as JavaScript strings do). */
  constructor(
    root: SyntaxNode,
    text: string,
    names: FocusNames,
    private readonly family: LanguageFamily,
  ) {
    for (const [list, acquire] of [
      [names.acquire, true],
      [names.other, false],
    ] as const) {
      for (const match of text.matchAll(namesPattern(list))) {
        const at = root.descendantForIndex(match.index ?? 0);
        if (!at || NOT_CODE.has(at.type)) continue;
        this.positions.push(match.index ?? 0);
        this.mark(at, root, acquire, match.index ?? 0);
      }
    }
    this.positions.sort((a, b) => a - b);
  }

  /** From a name's position upwards: every enclosing function names it; the innermost, and the callbacks that may run in place inside their parent, hold it in their own body. */
  private mark(at: SyntaxNode, root: SyntaxNode, acquire: boolean, index: number): void {
    const path = pathTo(root, at, index);
    let own = true;
    for (let i = path.length - 1; i >= 1; i--) {
      const node = path[i] as SyntaxNode;
      if (!this.isFunction(node)) continue;
      if (!this.named.has(node.id)) this.positions.push(node.startIndex);
      this.named.add(node.id);
      if (own) this.ownBodyNames.add(node.id);
      own &&= this.mayRunInPlace(path, i);
    }
    if (own && acquire) this.rootAcquires = true;
  }

  private isFunction(node: SyntaxNode): boolean {
    return FUNCTIONS[this.family].has(node.type);
  }

  /** A JavaScript function expression (`path[i]`) passed as an argument may be lowered inline (iteration callbacks, node-style callbacks, promise handlers). */
  private mayRunInPlace(path: readonly SyntaxNode[], i: number): boolean {
    if (this.family !== 'js' || !JS_EXPRESSIONS.has((path[i] as SyntaxNode).type)) return false;
    let up = i - 1;
    while (up >= 0 && JS_WRAPPERS.has((path[up] as SyntaxNode).type)) up--;
    return path[up]?.type === 'arguments';
  }

  /** Whether the function's text names an API. */
  names(fn: SyntaxNode): boolean {
    return this.named.has(fn.id);
  }

  /** Whether the function's own body may name an API, so that it reads its nested functions. */
  readsNested(fn: SyntaxNode): boolean {
    return this.ownBodyNames.has(fn.id);
  }

  /** Whether a name in code or a function that names one starts inside the node. */
  touches(node: SyntaxNode): boolean {
    const start = node.startIndex;
    let low = 0;
    let high = this.positions.length;
    while (low < high) {
      const mid = (low + high) >> 1;
      if ((this.positions[mid] as number) < start) low = mid + 1;
      else high = mid;
    }
    return low < this.positions.length && (this.positions[low] as number) < node.endIndex;
  }

  /** Whether the top level's own code may acquire, so that it reads the functions it defines. */
  rootReadsNested(): boolean {
    return this.rootAcquires;
  }
}

/**
 * The nodes from `root` down to `at` (the smallest node at `index`), found from the top: tree-sitter's
 * `parent` searches down from the root each time, so walking up through `parent` costs the square of
 * the depth (10,000 nested blocks took 28 s of CPU in this walk alone); this costs the depth.
 */
function pathTo(root: SyntaxNode, at: SyntaxNode, index: number): SyntaxNode[] {
  const path: SyntaxNode[] = [root];
  for (let node = root; node.id !== at.id; ) {
    const child = node.firstChildForIndex(index);
    if (!child || child.startIndex > index || child.id === node.id) break;
    path.push(child);
    node = child;
  }
  if ((path.at(-1) as SyntaxNode).id === at.id) return path;
  // Not reached from the top (a zero-width node, say): the slow way up.
  const up: SyntaxNode[] = [];
  for (let node: SyntaxNode | null = at; node && node.id !== root.id; node = node.parent) up.push(node);
  return [root, ...up.reverse()];
}

/** `names` as whole identifiers (`$` is an identifier character in JavaScript), with the `g` flag. */
function namesPattern(names: readonly string[]): RegExp {
  if (names.length === 0) return /(?!)/g;
  const escaped = names.map((n) => n.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`(?<![\\w$])(?:${escaped.join('|')})(?![\\w$])`, 'g');
}
