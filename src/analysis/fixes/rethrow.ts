// A fix that takes the release out of `catch (e) { client.release(); throw e; }` (or
// `except Exception: pool.putconn(conn); raise`) leaves a handler that only rethrows: it changes
// nothing and reads as if something were handled. Such handlers go, and a `try` left with nothing
// else is unwrapped — only where that means exactly the same.
import type { LanguageFamily, LanguageId } from '../languages';
import { parseText, type SyntaxNode, type SyntaxTree } from '../treeSitter';
import { applyEdits, LineIndex, lineIndexOf, type Fix, type TextEdit } from './edits';
import { declaredNames, mentionsName, stringRows } from './syntax';

const JS_RETHROW = /catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{\s*throw\s+\1\s*;?\s*\}/g;
const PY_RETHROW = /\n[ \t]*except\b[^\n:]*:[ \t]*\n[ \t]*raise[ \t]*(?=\n|$)/g;

const count = (text: string, pattern: RegExp): number => (text.match(pattern) ?? []).length;

interface OffsetEdit {
  start: number;
  end: number;
  text: string;
}

const named = (node: SyntaxNode | null | undefined): SyntaxNode[] => (node ? node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type !== 'comment') : []);

/** The body rows of a `try`, one level less indented; undefined when a row does not have that indentation. */
function dedentedBody(body: SyntaxNode, tryNode: SyntaxNode, index: LineIndex): string | undefined {
  const statements = named(body);
  const first = statements[0];
  const last = statements.at(-1);
  if (!first || !last) return undefined;
  const outer = index.indentationAt(tryNode.startIndex);
  const inner = index.indentationAt(first.startIndex);
  if (inner.length <= outer.length || !inner.startsWith(outer)) return undefined;
  const strings = stringRows(statements);
  const rows: string[] = [];
  for (let row = first.startPosition.row; row <= last.endPosition.row; row++) {
    const start = index.offset(row, 0);
    const line = index.text.slice(start, index.lineEnd(start));
    if (strings.has(row) || line.trim() === '') rows.push(line);
    else if (line.startsWith(inner)) rows.push(outer + line.slice(inner.length));
    else return undefined;
  }
  return rows.join('\n');
}

/** Replaces the whole rows of `tryNode` with its body, when it starts and ends its rows. */
function unwrap(tryNode: SyntaxNode, body: SyntaxNode, header: RegExp, index: LineIndex): OffsetEdit | undefined {
  const start = index.lineStart(tryNode.startIndex);
  const end = index.lineEnd(tryNode.endIndex);
  if (index.text.slice(start, tryNode.startIndex).trim() !== '' || index.text.slice(tryNode.endIndex, end).trim() !== '') return undefined;
  if (!header.test(index.text.slice(tryNode.startIndex, index.lineEnd(tryNode.startIndex)))) return undefined;
  const text = dedentedBody(body, tryNode, index);
  return text === undefined ? undefined : { start, end, text };
}

function jsCleanup(tryNode: SyntaxNode, index: LineIndex): OffsetEdit | undefined {
  const body = tryNode.childForFieldName('body');
  const handler = tryNode.childForFieldName('handler');
  const finalizer = tryNode.childForFieldName('finalizer');
  if (!body || !handler) return undefined;
  const between = index.text.slice(body.endIndex, finalizer ? finalizer.startIndex : tryNode.endIndex);
  // Only `catch (e) { throw e; }` with nothing else, not even a comment.
  if (!/^\s*catch\s*\(\s*([A-Za-z_$][\w$]*)\s*\)\s*\{\s*throw\s+\1\s*;?\s*\}\s*$/.test(between)) return undefined;
  if (finalizer) return { start: body.endIndex, end: finalizer.startIndex, text: ' ' };
  // Unwrapping moves the body's declarations into the enclosing block: only when nothing there uses those names.
  const block = tryNode.parent;
  if (block?.type !== 'statement_block' && block?.type !== 'program') return undefined;
  const names = named(body).flatMap((s) => declaredNames(s));
  const others = named(block).filter((s) => !s.equals(tryNode));
  if (names.some((name) => others.some((s) => mentionsName(s, name)))) return undefined;
  return unwrap(tryNode, body, /^try\s*\{\s*$/, index);
}

function pyCleanup(tryNode: SyntaxNode, index: LineIndex): OffsetEdit | undefined {
  const children = named(tryNode);
  const handlers = children.filter((c) => c.type === 'except_clause' || c.type === 'except_group_clause');
  // The last handler only: an earlier one would let through what a later one catches. `else:` needs an `except`.
  const last = handlers.at(-1);
  if (!last || children.some((c) => c.type === 'else_clause')) return undefined;
  if (!/^except\b[^\n:]*:\s*raise\s*$/.test(last.text)) return undefined;
  const hasFinally = children.some((c) => c.type === 'finally_clause');
  if (handlers.length > 1 || hasFinally) {
    const start = index.lineStart(last.startIndex);
    if (index.text.slice(start, last.startIndex).trim() !== '') return undefined;
    return { start: start - 1, end: index.lineEnd(last.endIndex), text: '' };
  }
  const body = children.find((c) => c.type === 'block');
  return body ? unwrap(tryNode, body, /^try\s*:\s*$/, index) : undefined;
}

/** The `try` statements overlapping [start, end): around the smallest node spanning it and inside it (not the whole file). */
function tryStatements(root: SyntaxNode, start: number, end: number): SyntaxNode[] {
  const around = root.descendantForIndex(start, Math.max(start, end - 1)) ?? root;
  const out: SyntaxNode[] = [];
  for (let node = around.parent; node; node = node.parent) if (node.type === 'try_statement') out.push(node);
  const stack = [around];
  while (stack.length) {
    const node = stack.pop() as SyntaxNode;
    if (node.type === 'try_statement') out.push(node);
    stack.push(...named(node));
  }
  return out;
}

/** The single edit turning `before` (the file's text) into `after`: their common prefix and suffix stay. */
function minimalEdit(before: string, after: string): TextEdit {
  let start = 0;
  while (start < before.length && start < after.length && before[start] === after[start]) start++;
  let end = 0;
  while (end < before.length - start && end < after.length - start && before[before.length - 1 - end] === after[after.length - 1 - end]) end++;
  return { range: lineIndexOf(before).range(start, before.length - end), newText: after.slice(start, after.length - end) };
}

/** The edits' span in `text`, widened by a margin, with and without the edits (for a cheap first look). */
function window(text: string, edits: readonly TextEdit[], index: LineIndex): { before: string; after: string } {
  const offsets = offsetsOf(edits, index);
  const from = Math.max(0, Math.min(...offsets.map((o) => o.start)) - 400);
  const to = Math.min(text.length, Math.max(...offsets.map((o) => o.end)) + 400);
  let after = text.slice(from, to);
  for (const o of [...offsets].sort((a, b) => b.start - a.start)) after = after.slice(0, o.start - from) + o.text + after.slice(o.end - from);
  return { before: text.slice(from, to), after };
}

/**
 * Parses `after` = `before` with `edits` applied, reusing `tree` (the tree of `before`): tree-sitter
 * reparses only around the edits, a fraction of a full parse of a long file.
 */
async function reparse(tree: SyntaxTree, index: LineIndex, edits: readonly OffsetEdit[], after: string, language: LanguageId): Promise<SyntaxTree | undefined> {
  const copy = tree.copy();
  try {
    // Last edit first: the positions of the earlier ones are still those of `before`.
    for (const edit of [...edits].sort((a, b) => b.start - a.start)) {
      const start = index.position(edit.start);
      const oldEnd = index.position(edit.end);
      const lines = edit.text.split('\n');
      const last = lines.at(-1) as string;
      copy.edit({
        startIndex: edit.start,
        oldEndIndex: edit.end,
        newEndIndex: edit.start + edit.text.length,
        startPosition: { row: start.line, column: start.column },
        oldEndPosition: { row: oldEnd.line, column: oldEnd.column },
        newEndPosition: lines.length === 1 ? { row: start.line, column: start.column + last.length } : { row: start.line + lines.length - 1, column: last.length },
      });
    }
    return await parseText(after, language, copy);
  } finally {
    copy.delete();
  }
}

/** The fix's edits as offsets into `text`. */
function offsetsOf(edits: readonly TextEdit[], index: LineIndex): OffsetEdit[] {
  return edits.map((e) => ({ start: index.offset(e.range.startLine, e.range.startColumn), end: index.offset(e.range.endLine, e.range.endColumn), text: e.newText }));
}

/** The fix, with the rethrow-only handlers it leaves behind removed (the fix itself when it leaves none). */
export async function withoutRethrowClutter(fix: Fix, text: string, tree: SyntaxTree, language: LanguageId, family: LanguageFamily): Promise<Fix> {
  const pattern = family === 'py' ? PY_RETHROW : JS_RETHROW;
  if (fix.edits.length === 0) return fix;
  // Cheap check first, around the edits: parse again only when the fix made a new rethrow-only handler.
  const near = window(text, fix.edits, lineIndexOf(text));
  if (count(near.after, pattern) <= count(near.before, pattern)) return fix;
  const fixed = applyEdits(text, fix.edits);
  const changed = minimalEdit(text, fixed);
  const fixedIndex = new LineIndex(fixed);
  const changedStart = fixedIndex.offset(changed.range.startLine, changed.range.startColumn);
  const changedEnd = changedStart + changed.newText.length;
  const fixedTree = await reparse(tree, lineIndexOf(text), offsetsOf(fix.edits, lineIndexOf(text)), fixed, language);
  if (!fixedTree) return fix;
  try {
    // Only handlers this fix touched: other code is not its business.
    const cleanups = tryStatements(fixedTree.rootNode, changedStart, changedEnd)
      .map((t) => (family === 'py' ? pyCleanup(t, fixedIndex) : jsCleanup(t, fixedIndex)))
      .filter((e): e is OffsetEdit => e !== undefined)
      .sort((a, b) => b.start - a.start);
    const applied: OffsetEdit[] = [];
    let cleaned = fixed;
    let limit = Infinity;
    for (const edit of cleanups) {
      // Nested candidates: the inner one goes, the outer one waits for the next fix round.
      if (edit.end > limit) continue;
      cleaned = cleaned.slice(0, edit.start) + edit.text + cleaned.slice(edit.end);
      limit = edit.start;
      applied.push(edit);
    }
    if (applied.length === 0) return fix;
    const check = await reparse(fixedTree, fixedIndex, applied, cleaned, language);
    const parses = check !== undefined && !check.rootNode.hasError;
    check?.delete();
    return parses ? { ...fix, edits: [minimalEdit(text, cleaned)] } : fix;
  } finally {
    fixedTree.delete();
  }
}
