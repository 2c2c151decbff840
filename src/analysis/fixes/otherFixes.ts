// The smaller fixes: drop a redundant release (`double-release`) and turn psycopg's
// `with pool.getconn() as conn:` into a `with conn:` transaction inside try/finally that gives the
// connection back (`with-does-not-release`).
import type { Finding, SourceRange } from '../findings';
import type { LanguageFamily } from '../languages';
import type { SyntaxNode } from '../treeSitter';
import { lineIndexOf, type Fix, type LineIndex, type TextEdit } from './edits';
import { removalOf, statementAt, statementOfCall, stringRows, type Removal } from './syntax';

export function removalToEdit(removal: Removal, index: LineIndex): TextEdit {
  if (removal.kind === 'inline') return { range: index.range(removal.start, removal.end), newText: removal.text };
  const start = index.offset(removal.first, 0);
  const next = index.offset(removal.last + 1, 0);
  const end = Math.min(next, index.text.length);
  // Without a following line, take the newline before instead so no blank line is left behind.
  return end > index.lineEnd(start) ? { range: index.range(start, end), newText: '' } : { range: index.range(Math.max(0, start - 1), end), newText: '' };
}

const FUNCTION = /function|method|lambda|arrow|class/;
const BLOCKS = new Set(['statement_block', 'program', 'block', 'module']);

/** The `try` whose `finally` holds `node` (in the same function), if any. */
function finallyOwner(node: SyntaxNode): SyntaxNode | undefined {
  for (let current: SyntaxNode | null = node.parent; current; current = current.parent) {
    if (current.type === 'finally_clause') return current.parent ?? undefined;
    if (FUNCTION.test(current.type)) return undefined;
  }
  return undefined;
}

/** Whether `node` sits in `tryNode`'s body or a handler (not its finally), in the same function. */
function inTryOrHandler(node: SyntaxNode, tryNode: SyntaxNode): boolean {
  for (let current: SyntaxNode | null = node.parent; current; current = current.parent) {
    if (current.equals(tryNode)) return true;
    if (current.type === 'finally_clause' || FUNCTION.test(current.type)) return false;
  }
  return false;
}

/** Whether every path to `later` passes `earlier`: `earlier` is a statement of a block that holds `later` further down, in the same function. */
function dominates(earlier: SyntaxNode, later: SyntaxNode): boolean {
  const block = earlier.parent;
  if (!block || !BLOCKS.has(block.type)) return false;
  for (let current: SyntaxNode = later; current.parent; current = current.parent) {
    if (current.parent.equals(block)) return current.startIndex > earlier.endIndex;
    if (FUNCTION.test(current.parent.type)) return false;
  }
  return false;
}

/**
 * Removes the release that the other one makes redundant on every path: one before the `finally`
 * that releases anyway, or one that a release earlier in the same block always precedes. Never a
 * helper that also commits or rolls back (`rollback(client)`): removing it would change what the
 * path does. Where neither release can go, no fix.
 */
export function removeRedundantRelease(root: SyntaxNode, finding: Finding, family: LanguageFamily, text: string): Fix | undefined {
  const first = finding.related[0];
  if (!first) return undefined;
  const second = statementOfCall(root, finding.range, family);
  const earlier = statementOfCall(root, first.range, family);
  if (!second || !earlier || second.equals(earlier)) return undefined;
  const owner = finallyOwner(second);
  let target: { node: SyntaxNode; range: SourceRange } | undefined;
  if (owner && inTryOrHandler(earlier, owner)) target = { node: earlier, range: first.range };
  else if (dominates(earlier, second)) target = { node: second, range: finding.range };
  if (!target) return undefined;
  const goes = target.range;
  const helper = finding.resource?.helperReleases.find((h) => h.range.startLine === goes.startLine && h.range.startColumn === goes.startColumn);
  if (helper && !helper.onlyReleases) return undefined;
  const index = lineIndexOf(text);
  const removal = removalOf(target.node, index, family);
  if (!removal) return undefined;
  return { title: 'Remove the redundant release', edits: [removalToEdit(removal, index)], isPreferred: true };
}

/** `with pool.getconn() as conn:` -> `conn = pool.getconn()` / `try:` / `with conn:` / `finally: pool.putconn(conn)`. */
export function withInTryFinally(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const resource = finding.resource;
  const variable = resource?.variable;
  const release = resource?.releaseCall;
  if (!resource || !variable || !release) return undefined;
  const statement = statementAt(root, resource.acquireStatementRange);
  if (statement?.type !== 'with_statement' || statement.children.some((c) => c?.type === 'async')) return undefined;
  const clause = statement.namedChildren.find((c) => c?.type === 'with_clause');
  const items = clause?.namedChildren.filter((c): c is SyntaxNode => c !== null) ?? [];
  const item = items[0];
  const pattern = item?.namedChild(0);
  const call = pattern?.type === 'as_pattern' ? pattern.namedChild(0) : undefined;
  if (items.length !== 1 || !item || !call || call.type !== 'call') return undefined;
  const index = lineIndexOf(text);
  const indent = index.indentationAt(statement.startIndex);
  const body = statement.childForFieldName('body') ?? statement.namedChildren.find((c) => c?.type === 'block');
  const unit = body ? index.indentationAt(body.startIndex).slice(indent.length) || '    ' : '    ';
  const header = text.slice(statement.startIndex, item.startIndex) + variable + text.slice(item.endIndex, index.lineEnd(item.endIndex));
  const strings = stringRows([statement]);
  const rows: string[] = [];
  for (let row = statement.startPosition.row + 1; row <= statement.endPosition.row; row++) {
    const start = index.offset(row, 0);
    const line = text.slice(start, row === statement.endPosition.row ? statement.endIndex : index.lineEnd(start));
    rows.push(line.trim() === '' || strings.has(row) ? line : unit + line);
  }
  const newText =
    `${variable} = ${call.text}\n${indent}try:\n${indent}${unit}${header}` +
    rows.map((r) => `\n${r}`).join('') +
    `\n${indent}finally:\n${indent}${unit}${release}`;
  return {
    title: `Wrap in try/finally (${release} in finally, \`with ${variable}:\` keeps the transaction)`,
    edits: [{ range: index.range(statement.startIndex, statement.endIndex), newText }],
    isPreferred: true,
  };
}
