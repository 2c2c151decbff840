// "Wrap in try/finally": the statements after the acquire, through the last one that uses the client
// (or a name declared among them), move into `try`, the release moves into `finally`, and the other
// releases of that client on those paths go (pg throws on a second release). Indentation, quotes and
// semicolons follow the file.
import type { Finding, ResourceDetails, SourceRange } from '../findings';
import { moveIntoExistingTry } from './intoExistingTry';
import type { LanguageFamily } from '../languages';
import type { SyntaxNode } from '../treeSitter';
import { lineIndexOf, type Fix, type LineIndex } from './edits';
import { assignedNames, blockOf, declaredNames, indentUnit, mentionsName, statementAt, reassigns, removalOf, statementOfCall, stringRows, type Removal } from './syntax';

export interface Plan {
  /** Offset where `try` starts (end of the acquire statement's line). */
  from: number;
  /** Offset where the covered code ends (end of the last covered statement's line). */
  to: number;
  indent: string;
  unit: string;
  covered: SyntaxNode[];
}

export function plan(statement: SyntaxNode, variable: string, family: LanguageFamily, index: LineIndex): Plan | undefined {
  const block = blockOf(statement, family);
  if (!block) return undefined;
  const siblings = block.namedChildren.filter((n): n is SyntaxNode => n !== null);
  const at = siblings.findIndex((n) => n.equals(statement));
  if (at < 0) return undefined;
  const following = siblings.slice(at + 1);
  let end = -1;
  following.forEach((node, i) => {
    if (mentionsName(node, variable)) end = i;
  });
  if (end < 0) return undefined;
  {
    // A `const` declared inside the new `try` and read after it must stay visible, and a value
    // derived from the client (a cursor, its rows) must not be used after the release: cover the
    // statements that read names assigned inside too.
    for (let changed = true; changed; ) {
      changed = false;
      const names = following.slice(0, end + 1).flatMap((n) => [...declaredNames(n), ...assignedNames(n)]);
      for (let i = following.length - 1; i > end; i--) {
        if (names.some((name) => mentionsName(following[i] as SyntaxNode, name))) {
          end = i;
          changed = true;
          break;
        }
      }
    }
  }
  // A client variable that gets a new value inside would make `finally` release the wrong one.
  if (following.slice(0, end + 1).some((node) => reassigns(node, variable))) return undefined;
  const last = following[end] as SyntaxNode;
  const from = index.lineEnd(statement.endIndex);
  const to = index.lineEnd(last.endIndex);
  // Code sharing a line with the acquire or the last covered statement would be split: no fix.
  if (!onlyCommentAfter(index.text.slice(statement.endIndex, from), family)) return undefined;
  if (!onlyCommentAfter(index.text.slice(last.endIndex, to), family)) return undefined;
  const indent = index.indentationAt(statement.startIndex);
  return { from, to, indent, unit: indentUnit(index, block, statement, family), covered: following.slice(0, end + 1) };
}

export function onlyCommentAfter(rest: string, family: LanguageFamily): boolean {
  const trimmed = rest.trim();
  return trimmed === '' || trimmed.startsWith(family === 'py' ? '#' : '//');
}

/**
 * The release for `finally`: the driver's own release this code already makes (`client.release()`,
 * `await pool.release(conn)`), else its call of a helper that only releases, exactly as written with
 * its `await`, else the API's release (`pool.putconn(conn)`). Never a helper that does more.
 */
function releaseText(resource: ResourceDetails, variable: string, index: LineIndex): string | undefined {
  const helpers = resource.helperReleases;
  const isHelper = (r: SourceRange): boolean => helpers.some((h) => sameRange(h.range, r));
  const own = resource.releaseRanges.find((r) => !isHelper(r)) ?? resource.releaseRanges.find((r) => helpers.some((h) => h.onlyReleases && sameRange(h.range, r)));
  if (!own) return resource.releaseCall;
  const start = index.offset(own.startLine, own.startColumn);
  const text = index.text.slice(start, index.offset(own.endLine, own.endColumn));
  const awaited = /\bawait\s+$/.test(index.text.slice(Math.max(0, start - 16), start)) ? 'await ' : '';
  // `release(err)` names a variable of the catch it sat in; in `finally` the plain release is right.
  if (new RegExp(`^${variable}\\s*\\??\\.\\s*release\\s*\\(`).test(text)) return `${awaited}${variable}.release()`;
  return `${awaited}${text}`;
}

const sameRange = (a: SourceRange, b: SourceRange): boolean =>
  a.startLine === b.startLine && a.startColumn === b.startColumn && a.endLine === b.endLine && a.endColumn === b.endColumn;

/** Statements in `nodes` (outside nested functions) that make one of this resource's releases but are not among the analyser's. */
function sameReleasesElsewhere(nodes: readonly SyntaxNode[], resource: ResourceDetails, release: string, index: LineIndex, family: LanguageFamily): SyntaxNode[] {
  const squash = (t: string): string => t.replace(/\s+/g, '').replace(/^await/, '');
  const offsetOf = (r: SourceRange): number => index.offset(r.startLine, r.startColumn);
  const texts = new Set([release, ...resource.releaseRanges.map((r) => index.text.slice(offsetOf(r), index.offset(r.endLine, r.endColumn)))].map(squash));
  const seen = new Set(resource.releaseRanges.map(offsetOf));
  const found: SyntaxNode[] = [];
  const stack = [...nodes];
  while (stack.length) {
    const node = stack.pop() as SyntaxNode;
    if (/function|lambda|arrow|method|class/.test(node.type)) continue;
    if (node.type === 'expression_statement' && (family === 'py' || node.namedChildren.length === 1)) {
      let call = node.namedChild(0);
      while (call && (call.type === 'await_expression' || call.type === 'await')) call = call.namedChild(0);
      if (call && (call.type === 'call' || call.type === 'call_expression') && texts.has(squash(call.text)) && !seen.has(call.startIndex)) found.push(node);
    }
    for (const child of node.namedChildren) if (child) stack.push(child);
  }
  return found;
}

/** Some release goes through a helper that also commits or rolls back: it must stay, and nothing may release on its paths. */
export function releasesWithEffects(resource: ResourceDetails): boolean {
  return resource.helperReleases.some((h) => !h.onlyReleases);
}

/** The covered rows, one level deeper, without the old releases; undefined when a release cannot be removed cleanly. */
export function coveredText(index: LineIndex, firstRow: number, lastRow: number, unit: string, removals: Removal[], strings: Set<number>): string | undefined {
  const removedRows = new Set<number>();
  const inline = new Map<number, Extract<Removal, { kind: 'inline' }>[]>();
  for (const r of removals) {
    if (r.kind === 'rows') for (let row = r.first; row <= r.last; row++) removedRows.add(row);
    else inline.set(r.row, [...(inline.get(r.row) ?? []), r]);
  }
  const lines: string[] = [];
  for (let row = firstRow; row <= lastRow; row++) {
    if (removedRows.has(row)) continue;
    const start = index.offset(row, 0);
    let line = index.text.slice(start, index.lineEnd(start));
    for (const r of (inline.get(row) ?? []).sort((a, b) => b.start - a.start)) {
      line = line.slice(0, r.start - start) + r.text + line.slice(r.end - start);
    }
    lines.push(line.trim() === '' || strings.has(row) ? line : unit + line);
  }
  return lines.map((l) => `\n${l}`).join('');
}

export function wrapInTryFinally(root: SyntaxNode, finding: Finding, family: LanguageFamily, text: string): Fix | undefined {
  const resource = finding.resource;
  const variable = resource?.variable;
  if (!resource || !variable) return undefined;
  const index = lineIndexOf(text);
  const statement = statementAt(root, resource.acquireStatementRange);
  if (!statement || !isAcquireStatement(statement, resource.acquireRange, variable, family)) return undefined;
  const layout = plan(statement, variable, family, index);
  if (!layout) return undefined;
  // A helper like `commit(client)` releases on its own path: a `finally` would release a second time
  // there, and moving the helper would change what the working path does. Only moving code into a
  // try that already releases stays possible.
  if (releasesWithEffects(resource)) return resource.handedOver ? undefined : moveIntoExistingTry(layout, resource, root, family, index, { viaHandler: true });
  const release = releaseText(resource, variable, index);
  if (!release) return undefined;

  const removals: Removal[] = [];
  for (const range of resource.releaseRanges) {
    const offset = index.offset(range.startLine, range.startColumn);
    if (offset < layout.from || offset > layout.to) continue;
    const statementNode = statementOfCall(root, range, family);
    // A release inside an expression (`x ? client.release() : …`) cannot simply go: no fix.
    if (!statementNode) return undefined;
    const removal = removalOf(statementNode, index, family);
    if (!removal) return undefined;
    removals.push(removal);
  }
  // The same release where the analyser saw no path reach it (a handler for a call it takes not to
  // fail, `except Exception: pool.putconn(conn)` around `conn.cursor()`) still runs when that call
  // fails: it goes too, or `finally` would release a second time there.
  const unseen = sameReleasesElsewhere(layout.covered, resource, release, index, family);
  for (const statementNode of unseen) {
    const removal = removalOf(statementNode, index, family);
    if (!removal) return undefined;
    removals.push(removal);
  }
  // A function that hands the client over (returns or stores it) must release it only when it throws.
  if (resource.handedOver && removals.length > 0) return undefined;
  // `return client.query(…).then(…)` moved into `try`: `finally` would release before the query
  // settles. In an async function it becomes `return await …`; in any other, no fix keeps the order.
  if (family === 'js' && !resource.handedOver) {
    const pending = returnsPending(layout.covered, variable);
    if (pending.length > 0 && !isAsyncFunction(statement)) return undefined;
    for (const argument of pending) {
      const row = argument.startPosition.row;
      removals.push({ kind: 'inline', row, start: argument.startIndex, end: argument.startIndex, text: 'await ' });
    }
  }
  const merged = unseen.length > 0 ? undefined : moveIntoExistingTry(layout, resource, root, family, index, { viaHandler: false });
  if (merged) return merged;
  const firstRow = index.position(layout.from).line + 1;
  const lastRow = index.position(layout.to).line;
  const body = coveredText(index, firstRow, lastRow, layout.unit, removals, stringRows(layout.covered));
  if (body === undefined) return undefined;
  const { indent, unit } = layout;
  if (resource.handedOver) {
    const error = freshName(text, 'error');
    const onError =
      family === 'py'
        ? `\n${indent}try:${body}\n${indent}except BaseException:\n${indent}${unit}${release}\n${indent}${unit}raise`
        : `\n${indent}try {${body}\n${indent}} catch (${error}) {\n${indent}${unit}${release}${semicolon(text)}\n${indent}${unit}throw ${error}${semicolon(text)}\n${indent}}`;
    return {
      title: `Wrap in try/${family === 'py' ? 'except' : 'catch'} (release \`${variable}\` when the code before the hand-over throws)`,
      edits: [{ range: index.range(layout.from, layout.to), newText: onError }],
      isPreferred: true,
    };
  }
  const wrapped =
    family === 'py'
      ? `\n${indent}try:${body}\n${indent}finally:\n${indent}${unit}${release}`
      : `\n${indent}try {${body}\n${indent}} finally {\n${indent}${unit}${release}${semicolon(text)}\n${indent}}`;
  return {
    title: family === 'py' ? `Wrap in try/finally (${release} in finally)` : `Wrap in try/finally (release \`${variable}\` in finally)`,
    edits: [{ range: index.range(layout.from, layout.to), newText: wrapped }],
    isPreferred: true,
  };
}

const NESTED_FUNCTIONS = new Set(['arrow_function', 'function_expression', 'function', 'function_declaration', 'generator_function', 'generator_function_declaration', 'method_definition', 'class_declaration', 'class']);

/** The values of `return` statements among `nodes` (not in nested functions) that may still be using `variable` when returned: a call, not awaited, that names it. */
function returnsPending(nodes: readonly SyntaxNode[], variable: string): SyntaxNode[] {
  const out: SyntaxNode[] = [];
  const stack = [...nodes];
  while (stack.length) {
    const node = stack.pop() as SyntaxNode;
    if (NESTED_FUNCTIONS.has(node.type)) continue;
    if (node.type === 'return_statement') {
      const argument = node.namedChildren.find((n) => n !== null && n.type !== 'comment');
      let bare = argument ?? undefined;
      while (bare?.type === 'parenthesized_expression') bare = bare.namedChild(0) ?? undefined;
      if (argument && bare && bare.type !== 'await_expression' && containsCall(bare) && mentionsName(bare, variable)) out.push(argument);
      continue;
    }
    for (const child of node.namedChildren) if (child) stack.push(child);
  }
  return out;
}

function containsCall(node: SyntaxNode): boolean {
  if (node.type === 'call_expression') return true;
  if (NESTED_FUNCTIONS.has(node.type)) return false;
  return node.namedChildren.some((child) => child !== null && containsCall(child));
}

function isAsyncFunction(statement: SyntaxNode): boolean {
  for (let node: SyntaxNode | null = statement.parent; node; node = node.parent) {
    if (NESTED_FUNCTIONS.has(node.type)) return node.children.some((c) => c?.type === 'async');
  }
  return false;
}

/** `const client = await pool.connect();` / `conn = pool.getconn()` directly in a block. */
function isAcquireStatement(statement: SyntaxNode, acquire: SourceRange, variable: string, family: LanguageFamily): boolean {
  const text = statement.text;
  if (family === 'js') {
    if (statement.type !== 'lexical_declaration' && statement.type !== 'variable_declaration' && statement.type !== 'expression_statement') return false;
    if (statement.namedChildren.length !== 1) return false;
    // `await pg.connect();`: a wrapper's instance that holds the client itself (catalogue onInstance).
    return new RegExp(`^((const|let|var)?\\s*${variable}\\b|await\\s+${variable}\\.[\\w$]+\\(\\s*\\)\\s*;?$)`).test(text) && statement.startPosition.row <= acquire.startLine;
  }
  return statement.type === 'expression_statement' && new RegExp(`^${variable}\\s*(:[^=]+)?=`).test(text);
}

let lastStyle: { text: string; semicolon: string } | undefined;

/** `error`, or `error2`… when the file already uses the name. */
function freshName(text: string, base: string): string {
  for (let i = 1; ; i++) {
    const name = i === 1 ? base : `${base}${i}`;
    if (!new RegExp(`\\b${name}\\b`).test(text)) return name;
  }
}

/** Whether the file ends statements with semicolons (most of its lines that end a statement do). */
export function semicolon(text: string): string {
  // Asked once per finding; counting walks the whole text, so one file's findings share the answer.
  if (lastStyle?.text === text) return lastStyle.semicolon;
  const withSemicolon = (text.match(/;\s*$/gm) ?? []).length;
  const statementLines = (text.match(/[)\w'"`\]]\s*$/gm) ?? []).length;
  lastStyle = { text, semicolon: withSemicolon >= statementLines / 2 ? ';' : '' };
  return lastStyle.semicolon;
}
