// Shared plumbing for the lowerings: ids, temporaries, ranges and the recursion limit.
import type { SourceRange } from '../findings';
import type { LanguageFamily } from '../languages';
import type { FunctionModel, VarName } from '../model';
import type { SyntaxNode } from '../treeSitter';

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
  /** Every function the file defines (nested ones too), in source order of discovery. */
  readonly functions: FunctionModel[] = [];
  readonly poolNames = new Set<string>();

  constructor(readonly family: LanguageFamily) {}

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
