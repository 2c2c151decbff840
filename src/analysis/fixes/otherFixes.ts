// The smaller fixes: drop a redundant release (`double-release`) and turn psycopg's
// `with pool.getconn() as conn:` into a `with conn:` transaction inside try/finally that gives the
// connection back (`with-does-not-release`).
import type { Finding } from '../findings';
import type { LanguageFamily } from '../languages';
import type { SyntaxNode } from '../treeSitter';
import { lineIndexOf, type Fix, type LineIndex, type TextEdit } from './edits';
import { removalOf, statementAt, statementOfCall, stringRows, type Removal } from './syntax';

function removalToEdit(removal: Removal, index: LineIndex): TextEdit {
  if (removal.kind === 'inline') return { range: index.range(removal.start, removal.end), newText: removal.text };
  const start = index.offset(removal.first, 0);
  const next = index.offset(removal.last + 1, 0);
  const end = Math.min(next, index.text.length);
  // Without a following line, take the newline before instead so no blank line is left behind.
  return end > index.lineEnd(start) ? { range: index.range(start, end), newText: '' } : { range: index.range(Math.max(0, start - 1), end), newText: '' };
}

function insideFinally(node: SyntaxNode): boolean {
  for (let current: SyntaxNode | null = node.parent; current; current = current.parent) {
    if (current.type === 'finally_clause') return true;
    if (/function|method|lambda|arrow/.test(current.type)) return false;
  }
  return false;
}

/** Keeps the release in `finally` (it runs on every path) and removes the other one. */
export function removeRedundantRelease(root: SyntaxNode, finding: Finding, family: LanguageFamily, text: string): Fix | undefined {
  const first = finding.related[0];
  if (!first) return undefined;
  const second = statementOfCall(root, finding.range, family);
  const earlier = statementOfCall(root, first.range, family);
  if (!second || !earlier) return undefined;
  const index = lineIndexOf(text);
  const target = insideFinally(second) && !insideFinally(earlier) ? earlier : second;
  const removal = removalOf(target, index, family);
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
