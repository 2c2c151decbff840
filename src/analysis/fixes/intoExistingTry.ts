// The common shape "a statement that may throw sits between the acquire and the try that releases":
// move those statements to the start of that try instead of wrapping it in another one. Nothing is
// added or removed, so the success path runs exactly as before; only a throw from the moved code now
// reaches the release that the try already makes.
import type { ResourceDetails, SourceRange } from '../findings';
import type { LanguageFamily } from '../languages';
import type { SyntaxNode } from '../treeSitter';
import type { Fix, LineIndex } from './edits';
import { assignedNames, declaredNames, mentionsName, statementOfCall, stringRows } from './syntax';
import { coveredText, type Plan } from './wrapInTryFinally';

const named = (node: SyntaxNode | null | undefined): SyntaxNode[] => (node ? node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type !== 'comment') : []);

/** The first statement of a clause's block (`finally { … }`, `catch (e) { … }`, `except …:`). */
function firstStatement(clause: SyntaxNode): SyntaxNode | undefined {
  const block = clause.childForFieldName('body') ?? clause.namedChildren.find((c) => c?.type === 'block' || c?.type === 'statement_block');
  return named(block)[0];
}

const PY_CATCH_ALL = /^(Exception|BaseException)$/;

/** `except:` / `except Exception:` / `except BaseException as e:`. */
function pyCatchesAll(clause: SyntaxNode): boolean {
  const typeNode = clause.namedChildren.find((c) => c !== null && c.type !== 'block' && c.type !== 'comment');
  if (!typeNode) return true;
  const type = typeNode.type === 'as_pattern' ? typeNode.namedChild(0) : typeNode;
  return PY_CATCH_ALL.test(type?.text.trim() ?? '');
}

function inside(range: SourceRange, index: LineIndex, start: number, end: number): boolean {
  const from = index.offset(range.startLine, range.startColumn);
  return from >= start && index.offset(range.endLine, range.endColumn) <= end;
}

export interface IntoTryOptions {
  /**
   * Also when it is the try's handler that releases first (`catch (e) { await rollback(client); … }`):
   * for code whose releases go through helpers that also commit or roll back, where no `finally` can
   * be added. The moved code may then only throw, not return: a `return` does not pass the handler.
   */
  viaHandler: boolean;
}

export function moveIntoExistingTry(layout: Plan, resource: ResourceDetails, root: SyntaxNode, family: LanguageFamily, index: LineIndex, options: IntoTryOptions): Fix | undefined {
  const tryNode = layout.covered[layout.covered.length - 1];
  if (!tryNode || tryNode.type !== 'try_statement' || layout.covered.length < 2) return undefined;
  const header = index.text.slice(tryNode.startIndex, index.lineEnd(tryNode.startIndex)).trim();
  if (header !== (family === 'py' ? 'try:' : 'try {')) return undefined;
  const releases = resource.releaseRanges;
  const isRelease = (statement: SyntaxNode | undefined): boolean =>
    statement !== undefined && releases.some((r) => statementOfCall(root, r, family)?.equals(statement) === true);
  const clauses = tryNode.namedChildren.filter((c): c is SyntaxNode => c !== null);
  const finalizer = clauses.find((c) => c.type === 'finally_clause');
  const handlers = clauses.filter((c) => c.type === 'catch_clause' || c.type === 'except_clause' || c.type === 'except_group_clause');
  const releasesInTry = releases.filter((r) => inside(r, index, tryNode.startIndex, tryNode.endIndex)).length;
  // The finally releases before anything else can throw, and it is the only release in the try.
  const viaFinally = finalizer !== undefined && isRelease(firstStatement(finalizer)) && releasesInTry === 1;
  // Or every handler releases first, and one of them catches everything.
  const viaHandler =
    options.viaHandler &&
    handlers.length > 0 &&
    handlers.every((h) => isRelease(firstStatement(h))) &&
    (family === 'js' || handlers.some(pyCatchesAll));
  if (!viaFinally && !viaHandler) return undefined;

  const moved = layout.covered.slice(0, -1);
  const movedStart = index.offset(index.position(layout.from).line + 1, 0);
  const movedEnd = tryNode.startIndex;
  // The moved code releases nothing: its paths reach the try's release holding the client.
  if (releases.some((r) => inside(r, index, layout.from, movedEnd))) return undefined;
  // Every leaking path starts in the moved code (and, through a handler, by throwing): then none is left.
  const fixable = viaFinally ? () => true : (how: string) => how === 'call' || how === 'await' || how === 'throw';
  if (!resource.leakPaths.every((p) => fixable(p.how) && inside(p.range, index, movedStart, movedEnd))) return undefined;
  // A name the moved code declares or assigns, read by a handler or the finally, would be out of
  // scope (JavaScript) or unset (Python) there once the code moved into the try.
  const names = moved.flatMap((n) => [...declaredNames(n), ...assignedNames(n)]);
  if (names.some((name) => [...handlers, ...(finalizer ? [finalizer] : [])].some((c) => mentionsName(c, name)))) return undefined;

  const firstRow = index.position(layout.from).line + 1;
  const lastRow = tryNode.startPosition.row - 1;
  const movedText = coveredText(index, firstRow, lastRow, layout.unit, [], stringRows(moved));
  if (movedText === undefined) return undefined;
  const insertAt = index.lineEnd(tryNode.startIndex);
  return {
    title: 'Wrap in try/finally (move the code before the existing try into it)',
    edits: [
      { range: index.range(layout.from, index.lineEnd(index.offset(lastRow, 0))), newText: '' },
      { range: index.range(insertAt, insertAt), newText: movedText },
    ],
    isPreferred: true,
  };
}
