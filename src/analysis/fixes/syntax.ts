// Syntax-tree questions the fixes ask: which node a range names, where a statement's block is,
// which names a statement declares or mentions, how the file indents.
import type { SourceRange } from '../findings';
import type { LanguageFamily } from '../languages';
import type { SyntaxNode } from '../treeSitter';
import type { LineIndex } from './edits';

/** The innermost node whose range is exactly `range` and that `accept`s (several nodes can share a range). */
export function nodeAt(root: SyntaxNode, range: SourceRange, accept: (node: SyntaxNode) => boolean = () => true): SyntaxNode | undefined {
  let node: SyntaxNode | null = root.namedDescendantForPosition(
    { row: range.startLine, column: range.startColumn },
    { row: range.endLine, column: range.endColumn },
  );
  for (; node; node = node.parent) {
    const same =
      node.startPosition.row === range.startLine &&
      node.startPosition.column === range.startColumn &&
      node.endPosition.row === range.endLine &&
      node.endPosition.column === range.endColumn;
    if (same && accept(node)) return node;
    if (node.startPosition.row < range.startLine || node.endPosition.row > range.endLine) return undefined;
  }
  return undefined;
}

const STATEMENTS = new Set(['lexical_declaration', 'variable_declaration', 'expression_statement', 'with_statement']);

/** The statement at `range` (not a block or expression that happens to share its range). */
export function statementAt(root: SyntaxNode, range: SourceRange): SyntaxNode | undefined {
  return nodeAt(root, range, (n) => STATEMENTS.has(n.type));
}

/** The block a statement sits in directly, when statements can be added around it. */
export function blockOf(statement: SyntaxNode, family: LanguageFamily): SyntaxNode | undefined {
  const parent = statement.parent;
  if (!parent) return undefined;
  const ok = family === 'py' ? ['block', 'module'] : ['statement_block', 'program'];
  return ok.includes(parent.type) ? parent : undefined;
}

/** Whether an identifier `name` occurs in the node (nested functions included: closures read it too). */
export function mentionsName(node: SyntaxNode, name: string): boolean {
  const stack = [node];
  while (stack.length) {
    const current = stack.pop() as SyntaxNode;
    if ((current.type === 'identifier' || current.type === 'shorthand_property_identifier') && current.text === name) return true;
    for (const child of current.namedChildren) if (child) stack.push(child);
  }
  return false;
}

/** Whether the node assigns `name` again (`name = …`, `name += …`, a walrus), nested functions included. */
export function reassigns(node: SyntaxNode, name: string): boolean {
  const stack = [node];
  while (stack.length) {
    const current = stack.pop() as SyntaxNode;
    if (['assignment_expression', 'augmented_assignment_expression', 'assignment', 'augmented_assignment', 'named_expression'].includes(current.type)) {
      const left = current.childForFieldName('left') ?? current.childForFieldName('name');
      if (left?.type === 'identifier' && left.text === name) return true;
    }
    for (const child of current.namedChildren) if (child) stack.push(child);
  }
  return false;
}

/** Names a statement assigns anywhere inside (declarations, assignments, loop and `as` targets), closures excluded. */
export function assignedNames(node: SyntaxNode): string[] {
  const names: string[] = [];
  const stack = [node];
  const collect = (target: SyntaxNode | null): void => {
    const inner = [target];
    while (inner.length) {
      const current = inner.pop();
      if (!current) continue;
      if (current.type === 'identifier' || current.type === 'shorthand_property_identifier_pattern') names.push(current.text);
      else if (current.type !== 'member_expression' && current.type !== 'attribute' && current.type !== 'subscript' && current.type !== 'subscript_expression') inner.push(...current.namedChildren);
    }
  };
  while (stack.length) {
    const current = stack.pop() as SyntaxNode;
    switch (current.type) {
      case 'variable_declarator':
        collect(current.childForFieldName('name'));
        break;
      case 'assignment_expression':
      case 'augmented_assignment_expression':
      case 'assignment':
      case 'augmented_assignment':
      case 'for_in_statement':
      case 'for_statement':
        collect(current.childForFieldName('left'));
        break;
      case 'named_expression':
        collect(current.childForFieldName('name'));
        break;
      case 'as_pattern':
        collect(current.childForFieldName('alias'));
        break;
      default:
        break;
    }
    if (/function|lambda|arrow|method|class/.test(current.type) && current !== node) continue;
    for (const child of current.namedChildren) if (child) stack.push(child);
  }
  return names;
}

/** Block-scoped names a JS statement declares at its own level. */
export function declaredNames(statement: SyntaxNode): string[] {
  if (statement.type === 'lexical_declaration' || statement.type === 'class_declaration' || statement.type === 'function_declaration') {
    const names: string[] = [];
    const stack: SyntaxNode[] = [];
    if (statement.type === 'lexical_declaration') {
      for (const d of statement.namedChildren) {
        const name = d?.childForFieldName('name');
        if (name) stack.push(name);
      }
    } else {
      const name = statement.childForFieldName('name');
      if (name) names.push(name.text);
    }
    while (stack.length) {
      const current = stack.pop() as SyntaxNode;
      if (current.type === 'identifier' || current.type === 'shorthand_property_identifier_pattern') names.push(current.text);
      else for (const child of current.namedChildren) if (child) stack.push(child);
    }
    return names;
  }
  return [];
}

/** The statement that consists of the call at `range` (possibly awaited), outside nested functions. */
export function statementOfCall(root: SyntaxNode, range: SourceRange, family: LanguageFamily): SyntaxNode | undefined {
  const call = nodeAt(root, range, (n) => n.type === 'call' || n.type === 'call_expression');
  if (!call) return undefined;
  let node: SyntaxNode = call;
  while (node.parent && (node.parent.type === 'await_expression' || node.parent.type === 'await')) node = node.parent;
  const statement = node.parent;
  if (statement?.type !== 'expression_statement') return undefined;
  if (family === 'js' && statement.namedChildren.length !== 1) return undefined;
  return statement;
}

export type Removal =
  /** Delete these whole rows. */
  | { kind: 'rows'; first: number; last: number }
  /** Replace text within one row (offsets into the file). */
  | { kind: 'inline'; row: number; start: number; end: number; text: string };

/** How to remove a statement: its rows when it is alone there; `{}`/`pass` where a statement is required. */
export function removalOf(statement: SyntaxNode, index: LineIndex, family: LanguageFamily): Removal | undefined {
  const parent = statement.parent;
  const siblings = parent ? parent.namedChildren.filter((n) => n && n.type !== 'comment') : [];
  const required = family === 'py' ? siblings.length === 1 : !parent || !['statement_block', 'program', 'switch_case', 'switch_default'].includes(parent.type);
  const row = statement.startPosition.row;
  const singleRow = statement.endPosition.row === row;
  if (required) return singleRow ? { kind: 'inline', row, start: statement.startIndex, end: statement.endIndex, text: family === 'py' ? 'pass' : '{}' } : undefined;
  const lineStart = index.lineStart(statement.startIndex);
  const lineEnd = index.lineEnd(statement.endIndex);
  // A comment after the statement describes it and goes with it.
  const rest = index.text.slice(statement.endIndex, lineEnd).trim();
  const aloneOnLine = index.text.slice(lineStart, statement.startIndex).trim() === '' && (rest === '' || rest.startsWith(family === 'py' ? '#' : '//'));
  if (aloneOnLine) return { kind: 'rows', first: row, last: statement.endPosition.row };
  return singleRow ? { kind: 'inline', row, start: statement.startIndex, end: statement.endIndex, text: '' } : undefined;
}

/** The file's indentation step: the statement's indentation minus its block's, or the first indented line's. */
export function indentUnit(index: LineIndex, block: SyntaxNode, statement: SyntaxNode, family: LanguageFamily): string {
  const inner = index.indentationAt(statement.startIndex);
  const header = block.type === 'block' ? (block.parent ?? block) : block;
  const outer = block.type === 'program' || block.type === 'module' ? '' : index.indentationAt(header.startIndex);
  if (inner.length > outer.length && inner.startsWith(outer)) return inner.slice(outer.length);
  const first = /^([ \t]+)\S/m.exec(index.text);
  return first?.[1] ?? (family === 'py' ? '    ' : '  ');
}

/** Rows inside multi-line strings and templates, whose text must not be re-indented. */
export function stringRows(nodes: readonly SyntaxNode[]): Set<number> {
  const rows = new Set<number>();
  const stack = [...nodes];
  while (stack.length) {
    const node = stack.pop() as SyntaxNode;
    if ((node.type === 'template_string' || node.type === 'string') && node.endPosition.row > node.startPosition.row) {
      for (let row = node.startPosition.row + 1; row <= node.endPosition.row; row++) rows.add(row);
      continue;
    }
    for (const child of node.namedChildren) if (child) stack.push(child);
  }
  return rows;
}
