// Java's fixes: the acquire turned into a try-with-resources statement.
// - `Connection c = ds.getConnection();` and the rest of its block become
//   `try (Connection c = ds.getConnection()) { … }`, the now redundant `c.close()` calls removed. Only
//   when sure: the declaration declares `c` alone, nothing assigns `c` again, no path hands it over
//   (returns or stores it), every release is a plain `c.close();` statement (or `if (c != null)
//   c.close();`) in that rest of the block and not in a lambda or class of its own, and no text block
//   (whose lines must not be re-indented) is in the moved code.
// - A connection chained into a resource (`try (PreparedStatement ps = ds.getConnection().prepareStatement(sql))`)
//   becomes a resource of its own before it: `try (Connection conn = ds.getConnection(); PreparedStatement ps = conn.prepareStatement(sql))`.
import type { Finding, SourceRange } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import { LineIndex, type Fix, type TextEdit } from './edits';
import { mentionsName, nodeAt, reassigns } from './syntax';

const BLOCKS = new Set(['block', 'constructor_body']);
const OWN_SCOPE = new Set(['lambda_expression', 'class_body', 'method_declaration', 'constructor_declaration']);

export function javaFixes(root: SyntaxNode, finding: Finding, text: string): (() => Fix | undefined)[] {
  if (finding.rule !== 'unreleased-client' && finding.rule !== 'release-not-guaranteed') return [];
  return [() => tryWithResources(root, finding, text), () => chainedResource(root, finding, text)];
}

function tryWithResources(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const resource = finding.resource;
  if (!resource || resource.variable === undefined || resource.handedOver || resource.helperReleases.length > 0) return undefined;
  const name = resource.variable;
  const statement = nodeAt(root, resource.acquireStatementRange, (n) => n.type === 'local_variable_declaration');
  const block = statement?.parent;
  if (!statement || !block || !BLOCKS.has(block.type)) return undefined;
  const declarators = statement.namedChildren.filter((n) => n?.type === 'variable_declarator');
  const declarator = declarators[0];
  const value = declarator?.childForFieldName('value');
  if (declarators.length !== 1 || !declarator || declarator.childForFieldName('name')?.text !== name || !value) return undefined;
  if (!sameRange(value, resource.acquireRange) && !contains(value, resource.acquireRange)) return undefined;
  if (!text.slice(statement.startIndex, statement.endIndex).endsWith(';')) return undefined;
  // The rest of the block: every statement after the declaration (comments too).
  const after = block.namedChildren.filter((n): n is SyntaxNode => n !== null && n.startIndex >= statement.endIndex);
  for (const node of after) if (reassigns(node, name) || node.hasError) return undefined;
  const closing = block.lastChild;
  if (!closing || closing.type !== '}') return undefined;
  const index = new LineIndex(text);
  const restStart = statement.endIndex;
  const restEnd = closing.startIndex;
  const rest = text.slice(restStart, restEnd);
  if (rest.includes('"""')) return undefined;
  const firstBreak = rest.indexOf('\n');
  const lastBreak = rest.lastIndexOf('\n');
  if (firstBreak < 0 || rest.slice(lastBreak).trim() !== '') return undefined;
  // Every release goes: each must be a removable `c.close();` in the moved code.
  const bodyStart = restStart + firstBreak + 1;
  const bodyEnd = restStart + lastBreak;
  const removals: [number, number][] = [];
  for (const range of resource.releaseRanges) {
    const removal = releaseRemoval(root, range, name, index, block);
    if (!removal || removal[0] < bodyStart || removal[1] > bodyEnd + 1) return undefined;
    if (!removals.some((r) => r[0] === removal[0])) removals.push(removal);
  }
  removals.sort((a, b) => b[0] - a[0]);
  let body = rest.slice(firstBreak + 1, lastBreak);
  for (const [from, to] of removals) body = body.slice(0, from - bodyStart) + body.slice(Math.min(to, bodyEnd) - bodyStart);
  body = body.replace(/(\n[ \t]*)+$/, '');
  const indent = index.indentationAt(statement.startIndex);
  const unit = indentUnitOf(index, block, indent);
  const indented = body
    .split('\n')
    .map((line) => (line.trim() === '' ? '' : unit + line))
    .join('\n');
  const declaration = text.slice(statement.startIndex, statement.endIndex - 1).trimEnd();
  const trailing = rest.slice(0, firstBreak).trimEnd();
  const newText = `try (${declaration}) {${trailing}\n${indented}\n${indent}}`;
  const edit: TextEdit = { range: index.range(statement.startIndex, restStart + lastBreak), newText };
  return { title: `Use try-with-resources for \`${name}\``, edits: [edit], isPreferred: true };
}

/** The text span that removing release `range` (`c.close();`, or `if (c != null) c.close();`) deletes: whole lines when alone on them. */
function releaseRemoval(root: SyntaxNode, range: SourceRange, name: string, index: LineIndex, block: SyntaxNode): [number, number] | undefined {
  const call = nodeAt(root, range, (n) => n.type === 'method_invocation');
  if (!call || call.childForFieldName('object')?.text !== name || call.childForFieldName('name')?.text !== 'close') return undefined;
  let statement = call.parent;
  if (statement?.type !== 'expression_statement') return undefined;
  const parent = statement.parent;
  if (parent?.type === 'if_statement') {
    // `if (c != null) c.close();`: the whole test goes.
    const condition = parent.childForFieldName('condition')?.text.replace(/[\s()]/g, '');
    if (parent.childForFieldName('alternative') || (condition !== `${name}!=null` && condition !== `null!=${name}`)) return undefined;
    statement = parent;
  } else if (!parent || !BLOCKS.has(parent.type)) return undefined;
  // Not inside a lambda or class of its own: that code runs elsewhere.
  for (let up = statement.parent; up && up.id !== block.id; up = up.parent) if (OWN_SCOPE.has(up.type)) return undefined;
  const lineStart = index.lineStart(statement.startIndex);
  const lineEnd = index.lineEnd(statement.endIndex);
  const before = index.text.slice(lineStart, statement.startIndex);
  const afterText = index.text.slice(statement.endIndex, lineEnd).trim();
  if (before.trim() === '' && (afterText === '' || afterText.startsWith('//'))) return [lineStart, Math.min(lineEnd + 1, index.text.length)];
  return [statement.startIndex, statement.endIndex];
}

function indentUnitOf(index: LineIndex, block: SyntaxNode, inner: string): string {
  const outer = index.indentationAt(block.startIndex);
  if (inner.length > outer.length && inner.startsWith(outer)) return inner.slice(outer.length);
  return inner.startsWith('\t') ? '\t' : '    ';
}

/** `try (PreparedStatement ps = ds.getConnection().prepareStatement(sql))`: the connection as a resource of its own. */
function chainedResource(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const resource = finding.resource;
  if (!resource || resource.variable !== undefined || resource.handedOver || resource.releaseRanges.length > 0) return undefined;
  const call = nodeAt(root, resource.acquireRange, (n) => n.type === 'method_invocation');
  const user = call?.parent;
  if (!call || user?.type !== 'method_invocation' || user.childForFieldName('object')?.id !== call.id) return undefined;
  let holder: SyntaxNode | null = user;
  while (holder && holder.type !== 'resource') {
    if (OWN_SCOPE.has(holder.type) || holder.type.endsWith('statement')) return undefined;
    holder = holder.parent;
  }
  if (!holder) return undefined;
  let fn: SyntaxNode | null = holder;
  while (fn && !OWN_SCOPE.has(fn.type)) fn = fn.parent;
  let name = 'conn';
  for (let i = 2; fn && mentionsName(fn, name); i++) name = `conn${i}`;
  const type = /^[ \t]*import[ \t]+java\.sql\.(?:Connection|\*)[ \t]*;/m.test(text) ? 'Connection' : 'java.sql.Connection';
  const index = new LineIndex(text);
  const edits: TextEdit[] = [
    { range: index.range(holder.startIndex, holder.startIndex), newText: `${type} ${name} = ${call.text}; ` },
    { range: index.range(call.startIndex, call.endIndex), newText: name },
  ];
  return { title: `Declare the connection as a resource of its own (\`${name}\`)`, edits, isPreferred: true };
}

function sameRange(node: SyntaxNode, range: SourceRange): boolean {
  return (
    node.startPosition.row === range.startLine &&
    node.startPosition.column === range.startColumn &&
    node.endPosition.row === range.endLine &&
    node.endPosition.column === range.endColumn
  );
}

function contains(node: SyntaxNode, range: SourceRange): boolean {
  const startsBefore = node.startPosition.row < range.startLine || (node.startPosition.row === range.startLine && node.startPosition.column <= range.startColumn);
  const endsAfter = node.endPosition.row > range.endLine || (node.endPosition.row === range.endLine && node.endPosition.column >= range.endColumn);
  return startsBefore && endsAfter;
}
