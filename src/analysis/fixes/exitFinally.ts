// The fix for a class whose one way back to the pool returns the connection only when what runs
// before the release succeeds: Python's `__exit__` (`self.conn.commit()` then `pool.putconn(self.conn)`),
// a JavaScript class's `close()` (`await this.client.query('COMMIT')` then `this.client.release()`).
// The statements before the release move into `try`, the release into `finally`. What the success
// path does is unchanged (commit, then the release, then whatever followed); a failing commit or
// rollback still raises, now after the connection went back to the pool.
import type { Finding } from '../findings';
import type { LanguageFamily } from '../languages';
import type { SyntaxNode } from '../treeSitter';
import { lineIndexOf, type Fix } from './edits';
import { declaredNames, nodeAt, statementOfCall, stringRows } from './syntax';
import { coveredText, onlyCommentAfter } from './wrapInTryFinally';

const METHOD: Partial<Record<LanguageFamily, string>> = { py: 'function_definition', js: 'method_definition' };
const BODY: Partial<Record<LanguageFamily, string>> = { py: 'block', js: 'statement_block' };

export function finallyInExit(root: SyntaxNode, finding: Finding, family: LanguageFamily, text: string): Fix | undefined {
  const resource = finding.resource;
  // One release, made by one statement directly in the method's body: anything else (a release in a
  // branch, two releases) has paths this fix would change.
  if (!resource?.releasedInExit || resource.releaseRanges.length !== 1) return undefined;
  const method = METHOD[family];
  if (method === undefined) return undefined;
  const exit = nodeAt(root, resource.functionRange, (n) => n.type === method);
  const body = exit?.childForFieldName('body');
  const release = statementOfCall(root, resource.releaseRanges[0] as Finding['range'], family);
  if (!exit || !body || body.type !== BODY[family] || !release || !release.parent?.equals(body)) return undefined;
  const statements = body.namedChildren.filter((n): n is SyntaxNode => n !== null && n.type !== 'comment');
  const at = statements.findIndex((n) => n.equals(release));
  // A docstring stays first, where Python reads it.
  const first = family === 'py' && statements[0]?.type === 'expression_statement' && statements[0].namedChild(0)?.type === 'string' ? 1 : 0;
  const covered = statements.slice(first, at);
  if (covered.length === 0) return undefined;
  // In JavaScript a `const` moved into `try` is out of sight after it, and a `return` there would now
  // release on a path that did not: neither has a fix that keeps the method as it was.
  if (family === 'js' && covered.some((n) => declaredNames(n).length > 0 || n.type === 'variable_declaration' || /\breturn\b/.test(n.text))) return undefined;
  const index = lineIndexOf(text);
  const start = covered[0] as SyntaxNode;
  // Code sharing a line with what moves would be split: no fix.
  if (index.text.slice(index.lineStart(start.startIndex), start.startIndex).trim() !== '') return undefined;
  if (!onlyCommentAfter(index.text.slice(release.endIndex, index.lineEnd(release.endIndex)), family)) return undefined;
  const indent = index.indentationAt(start.startIndex);
  const header = index.indentationAt(exit.startIndex);
  const unit = indent.startsWith(header) && indent.length > header.length ? indent.slice(header.length) : family === 'py' ? '    ' : '  ';
  const firstRow = start.startPosition.row;
  const lastRow = release.startPosition.row - 1;
  const moved = coveredText(index, firstRow, lastRow, unit, [], stringRows(covered));
  if (moved === undefined) return undefined;
  const from = index.lineStart(start.startIndex);
  const to = index.lineEnd(release.endIndex);
  const releaseText = index.text.slice(release.startIndex, release.endIndex);
  const name = exit.childForFieldName('name')?.text ?? '__exit__';
  const newText =
    family === 'py'
      ? `${indent}try:${moved}\n${indent}finally:\n${indent}${unit}${releaseText}`
      : `${indent}try {${moved}\n${indent}} finally {\n${indent}${unit}${releaseText}\n${indent}}`;
  return { title: `Release in a finally in \`${name}\` (${releaseText.replace(/;$/, '')} in finally)`, edits: [{ range: index.range(from, to), newText }], isPreferred: true };
}
