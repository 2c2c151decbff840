// The fix for a context manager whose `__exit__` returns the connection only when what runs before
// the release succeeds (`self.conn.commit()` then `pool.putconn(self.conn)`): the statements before
// the release move into `try`, the release into `finally`. What the success path does is unchanged
// (commit, then putconn, then whatever followed); a failing commit or rollback still raises, now
// after the connection went back to the pool.
import type { Finding } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import { lineIndexOf, type Fix } from './edits';
import { nodeAt, statementOfCall, stringRows } from './syntax';
import { coveredText, onlyCommentAfter } from './wrapInTryFinally';

export function finallyInExit(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const resource = finding.resource;
  // One release, made by one statement directly in `__exit__`'s body: anything else (a release in a
  // branch, two releases) has paths this fix would change.
  if (!resource?.releasedInExit || resource.releaseRanges.length !== 1) return undefined;
  const exit = nodeAt(root, resource.functionRange, (n) => n.type === 'function_definition');
  const body = exit?.childForFieldName('body');
  const release = statementOfCall(root, resource.releaseRanges[0] as Finding['range'], 'py');
  if (!exit || body?.type !== 'block' || !release || !release.parent?.equals(body)) return undefined;
  const statements = body.namedChildren.filter((n): n is SyntaxNode => n !== null && n.type !== 'comment');
  const at = statements.findIndex((n) => n.equals(release));
  // A docstring stays first, where Python reads it.
  const first = statements[0]?.type === 'expression_statement' && statements[0].namedChild(0)?.type === 'string' ? 1 : 0;
  const covered = statements.slice(first, at);
  if (covered.length === 0) return undefined;
  const index = lineIndexOf(text);
  const start = covered[0] as SyntaxNode;
  // Code sharing a line with what moves would be split: no fix.
  if (index.text.slice(index.lineStart(start.startIndex), start.startIndex).trim() !== '') return undefined;
  if (!onlyCommentAfter(index.text.slice(release.endIndex, index.lineEnd(release.endIndex)), 'py')) return undefined;
  const indent = index.indentationAt(start.startIndex);
  const header = index.indentationAt(exit.startIndex);
  const unit = indent.startsWith(header) && indent.length > header.length ? indent.slice(header.length) : '    ';
  const firstRow = start.startPosition.row;
  const lastRow = release.startPosition.row - 1;
  const moved = coveredText(index, firstRow, lastRow, unit, [], stringRows(covered));
  if (moved === undefined) return undefined;
  const from = index.lineStart(start.startIndex);
  const to = index.lineEnd(release.endIndex);
  const releaseText = index.text.slice(release.startIndex, release.endIndex);
  return {
    title: `Release in a finally in \`${exit.childForFieldName('name')?.text ?? '__exit__'}\` (${releaseText} in finally)`,
    edits: [{ range: index.range(from, to), newText: `${indent}try:${moved}\n${indent}finally:\n${indent}${unit}${releaseText}` }],
    isPreferred: true,
  };
}
