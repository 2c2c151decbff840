// node-postgres' callback form, `pool.connect((err, client, done) => { … })`. There is no statement
// after an acquire to wrap, so the fixes work inside the callbacks:
// - "Release on the error path": the usual leak is an early `return` (`if (queryErr) return cb(queryErr);`)
//   in the callback that releases further down; the release is added in front of that return.
// - "Wrap the callback body in try/finally": when the callback releases in its own body (an `async`
//   callback that awaits queries), the code after the `if (err) return …` guard goes into `try`.
// - "Release in the query callback": a callback that never releases, whose last use of the client is
//   one `client.query(…, callback)`, releases first thing in that callback.
// Converting the whole function to async/await is not offered: it changes when the caller's callback
// runs and turns its exceptions into rejections, which no mechanical rewrite can promise to keep.
import type { Finding, SourceRange } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import { lineIndexOf, type Fix, type LineIndex } from './edits';
import { mentionsName, nodeAt, reassigns, removalOf, statementOfCall, stringRows, type Removal } from './syntax';
import { coveredText, onlyCommentAfter, plan, semicolon } from './wrapInTryFinally';

const FUNCTIONS = new Set(['arrow_function', 'function_expression', 'function', 'function_declaration', 'generator_function', 'method_definition']);
const EXITS = new Set(['return_statement', 'throw_statement', 'break_statement', 'continue_statement']);

interface CallbackForm {
  callback: SyntaxNode;
  body: SyntaxNode;
  /** The callback's parameter names: (err, client, done). */
  params: (string | undefined)[];
  client: string;
  /** The statements holding each release call the analyser saw. */
  releases: SyntaxNode[];
  /** What to call to release: `done()` when the file releases through the callback's third parameter. */
  release: string;
}

const named = (node: SyntaxNode | null | undefined): SyntaxNode[] => (node ? node.namedChildren.filter((c): c is SyntaxNode => c !== null && c.type !== 'comment') : []);

function paramNames(fn: SyntaxNode): (string | undefined)[] {
  const single = fn.childForFieldName('parameter');
  if (single) return [single.text];
  return named(fn.childForFieldName('parameters')).map((p) => {
    if (p.type === 'identifier') return p.text;
    const pattern = p.childForFieldName('pattern');
    return pattern?.type === 'identifier' ? pattern.text : undefined;
  });
}

function acquireCall(root: SyntaxNode, finding: Finding): SyntaxNode | undefined {
  const range = finding.resource?.acquireRange;
  return range ? nodeAt(root, range, (n) => n.type === 'call_expression') : undefined;
}

/** `pool.connect(<function>)`: the acquire call's last argument is the callback that gets the client. */
export function isCallbackForm(root: SyntaxNode, finding: Finding): boolean {
  const last = named(acquireCall(root, finding)?.childForFieldName('arguments')).at(-1);
  return last !== undefined && FUNCTIONS.has(last.type);
}

function callbackFormOf(root: SyntaxNode, finding: Finding): CallbackForm | undefined {
  const resource = finding.resource;
  const client = resource?.variable;
  if (!resource || !client || resource.handedOver) return undefined;
  const callback = named(acquireCall(root, finding)?.childForFieldName('arguments')).at(-1);
  const body = callback?.childForFieldName('body');
  if (!callback || !FUNCTIONS.has(callback.type) || body?.type !== 'statement_block') return undefined;
  const params = paramNames(callback);
  if (params[1] !== client) return undefined;
  const done = params[2];
  const releases: SyntaxNode[] = [];
  let viaDone = false;
  for (const range of resource.releaseRanges) {
    const statement = statementOfCall(root, range, 'js');
    const callee = statement?.namedChild(0)?.childForFieldName('function')?.text.replace(/\s/g, '');
    // Only the plain releases: `done(…)` / `client.release(…)` as statements of their own.
    if (!statement || (callee !== done && callee !== `${client}.release`)) return undefined;
    if (callee === done) viaDone = true;
    releases.push(statement);
  }
  // `done(err)` would name a variable of the place it sat in: the added release passes nothing.
  return { callback, body, params, client, releases, release: viaDone && done ? `${done}()` : `${client}.release()` };
}

function enclosingFunction(node: SyntaxNode): SyntaxNode | undefined {
  for (let current = node.parent; current; current = current.parent) if (FUNCTIONS.has(current.type)) return current;
  return undefined;
}

function contains(outer: SyntaxNode, inner: SyntaxNode): boolean {
  return outer.startIndex <= inner.startIndex && inner.endIndex <= outer.endIndex;
}

function hasDescendant(node: SyntaxNode, accept: (n: SyntaxNode) => boolean): boolean {
  const stack = [...named(node)];
  while (stack.length) {
    const current = stack.pop() as SyntaxNode;
    if (accept(current)) return true;
    stack.push(...named(current));
  }
  return false;
}

/** An early-return branch: `if (cond) return …;` or `if (cond) { …; return …; }`, without `else`. */
interface ReturnBranch {
  statement: SyntaxNode;
  consequence: SyntaxNode;
  returnStatement: SyntaxNode;
  /** Whether it already releases, as its first statement. */
  releases: boolean;
}

function returnBranch(statement: SyntaxNode, form: CallbackForm): ReturnBranch | undefined {
  if (statement.type !== 'if_statement' || statement.childForFieldName('alternative')) return undefined;
  const condition = statement.childForFieldName('condition');
  const consequence = statement.childForFieldName('consequence');
  // A condition that calls something may throw before any release: not a shape this fix is sure of.
  if (!condition || !consequence || hasDescendant(condition, (n) => /call_expression|new_expression|await_expression|assignment/.test(n.type))) return undefined;
  if (consequence.type === 'return_statement') return { statement, consequence, returnStatement: consequence, releases: false };
  if (consequence.type !== 'statement_block') return undefined;
  const inner = named(consequence);
  const last = inner.at(-1);
  if (last?.type !== 'return_statement') return undefined;
  const before = inner.slice(0, -1);
  if (before.some((s) => EXITS.has(s.type) || hasDescendant(s, (n) => EXITS.has(n.type) || FUNCTIONS.has(n.type)))) return undefined;
  const releasesFirst = form.releases.some((r) => inner[0]?.equals(r));
  const releasesLater = form.releases.some((r) => inner.slice(1).some((s) => contains(s, r)));
  // The release goes first, so nothing before it may need the client.
  if (releasesLater || (!releasesFirst && before.some((s) => mentionsName(s, form.client)))) return undefined;
  return { statement, consequence, returnStatement: last, releases: releasesFirst };
}

/** `if (…) { release; …; return …; }` in a block that goes on, after it, to the code holding `anchor`. */
function releasesBeforeLeaving(release: SyntaxNode, anchor: SyntaxNode, form: CallbackForm): boolean {
  const statement = release.parent?.parent;
  if (!statement) return false;
  const branch = returnBranch(statement, form);
  const block = statement.parent;
  if (!branch?.releases || block?.type !== 'statement_block') return false;
  const siblings = named(block);
  const at = siblings.findIndex((s) => s.equals(statement));
  return siblings.slice(at + 1).some((s) => contains(s, anchor));
}

/** `if (err …) return …;` / `if (err …) { …; return; }` that does not touch the client. */
function isErrorGuard(statement: SyntaxNode, form: CallbackForm): boolean {
  const err = form.params[0];
  if (!err || statement.type !== 'if_statement' || statement.childForFieldName('alternative')) return false;
  const condition = statement.childForFieldName('condition');
  const consequence = statement.childForFieldName('consequence');
  if (!condition || !consequence || !mentionsName(condition, err) || mentionsName(consequence, form.client)) return false;
  return consequence.type === 'return_statement' || (consequence.type === 'statement_block' && named(consequence).at(-1)?.type === 'return_statement');
}

/** Whether a function between `from` and the acquire's callback declares a parameter hiding `name`. */
function shadowed(from: SyntaxNode, callback: SyntaxNode, names: readonly string[]): boolean {
  for (let fn = enclosingFunction(from); fn && !fn.equals(callback); fn = enclosingFunction(fn)) {
    if (paramNames(fn).some((p) => p !== undefined && names.includes(p))) return true;
  }
  return false;
}

function unitOf(block: SyntaxNode, index: LineIndex): string {
  const first = named(block)[0];
  const outer = index.indentationAt(block.startIndex);
  const inner = first ? index.indentationAt(first.startIndex) : '';
  return inner.length > outer.length && inner.startsWith(outer) ? inner.slice(outer.length) : '  ';
}

const lineOf = (node: SyntaxNode): number => node.startPosition.row + 1;

function listLines(lines: number[]): string {
  if (lines.length === 1) return `line ${lines[0]}`;
  return `lines ${lines.slice(0, -1).join(', ')} and ${lines.at(-1)}`;
}

function within(range: SourceRange, node: SyntaxNode): boolean {
  const start = range.startLine > node.startPosition.row || (range.startLine === node.startPosition.row && range.startColumn >= node.startPosition.column);
  const end = range.endLine < node.endPosition.row || (range.endLine === node.endPosition.row && range.endColumn <= node.endPosition.column);
  return start && end;
}

/**
 * `if (queryErr) return callback(queryErr);` before the callback's release -> the release runs first.
 * Only when the release sits directly in a callback body and everything before it there is such an
 * early return (so no other path can skip it), and no other release can run before it.
 */
export function releaseOnEarlyReturns(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const form = callbackFormOf(root, finding);
  if (!form) return undefined;
  const anchors = form.releases.filter((r) => r.parent?.type === 'statement_block' && r.parent.parent !== null && FUNCTIONS.has(r.parent.parent.type));
  const anchor = anchors[0];
  if (anchors.length !== 1 || !anchor || !contains(form.body, anchor)) return undefined;
  const block = anchor.parent as SyntaxNode;
  const siblings = named(block);
  const before = siblings.slice(0, siblings.findIndex((s) => s.equals(anchor)));
  const branches: ReturnBranch[] = [];
  for (const statement of before) {
    // `if (err) return callback(err);` in the connect callback itself: connecting failed, there is
    // no client to release (`client.release()` would throw on `undefined`).
    if (block.equals(form.body) && isErrorGuard(statement, form)) continue;
    const branch = returnBranch(statement, form);
    if (!branch) return undefined;
    branches.push(branch);
  }
  // Every other release opens an early-return branch that comes before the code leading to the
  // anchor (this block or an outer callback's): no path releases there and then reaches the added ones.
  if (!form.releases.every((r) => r.equals(anchor) || releasesBeforeLeaving(r, anchor, form))) return undefined;
  const missing = branches.filter((b) => !b.releases);
  if (missing.length === 0) return undefined;
  // The added call must reach the callback's own `done`/`client`: not a nested parameter or a new value.
  const name = form.release.split(/[.(]/)[0] as string;
  if (shadowed(anchor, form.callback, [name]) || reassigns(form.callback, name)) return undefined;

  const index = lineIndexOf(text);
  const semi = semicolon(text);
  const unit = unitOf(block, index);
  const edits = [];
  for (const branch of missing) {
    const indent = index.indentationAt(branch.statement.startIndex);
    if (branch.consequence.type === 'return_statement') {
      // `if (c) return x;` on one line becomes a block with the release first.
      const single = branch.statement.startPosition.row === branch.consequence.endPosition.row;
      if (!single || !onlyCommentAfter(text.slice(branch.consequence.endIndex, index.lineEnd(branch.consequence.endIndex)), 'js')) return undefined;
      const newText = `{\n${indent}${unit}${form.release}${semi}\n${indent}${unit}${branch.consequence.text}\n${indent}}`;
      edits.push({ range: index.range(branch.consequence.startIndex, branch.consequence.endIndex), newText });
    } else {
      const first = named(branch.consequence)[0] as SyntaxNode;
      const lineStart = index.lineStart(first.startIndex);
      if (text.slice(lineStart, first.startIndex).trim() !== '') return undefined;
      const at = first.startIndex;
      edits.push({ range: index.range(at, at), newText: `${form.release}${semi}\n${index.indentationAt(at)}` });
    }
  }
  // Fully resolved when every leaking exit the analyser names inside the callback is one of these returns.
  const patched = missing.map((b) => b.statement);
  const causes = finding.related.filter((r) => !/this path skips|hand-over/.test(r.message) && within(r.range, form.callback));
  const resolves = causes.every((c) => patched.some((p) => within(c.range, p)));
  const errorPath = missing.every((b) => {
    const fn = enclosingFunction(b.statement);
    const err = fn ? paramNames(fn)[0] : undefined;
    return err !== undefined && mentionsName(b.statement.childForFieldName('condition') as SyntaxNode, err);
  });
  const lines = listLines(missing.map((b) => lineOf(b.returnStatement)));
  const plural = missing.length > 1 ? 's' : '';
  const what = errorPath ? `Release on the error path${plural}` : `Release before the early return${plural}`;
  return {
    title: `${what} (\`${form.release}\` before the \`return\`${plural} on ${lines})`,
    edits,
    isPreferred: resolves,
  };
}

/**
 * `pool.connect(async (err, client, done) => { if (err) return …; …; done(); … })` -> the code after
 * the guard in try, the release in finally. Only when every release is in the callback's own body
 * (not a nested callback that runs later) and can be removed.
 */
export function wrapCallbackBody(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const form = callbackFormOf(root, finding);
  if (!form || form.releases.length === 0) return undefined;
  if (!form.releases.every((r) => enclosingFunction(r)?.equals(form.callback))) return undefined;
  const statements = named(form.body);
  const guard = statements[0];
  // The guard returns when connecting failed; that path holds no client.
  if (!guard || !isErrorGuard(guard, form)) return undefined;
  const index = lineIndexOf(text);
  const layout = plan(guard, form.client, 'js', index);
  if (!layout) return undefined;
  const releaseName = form.release.replace(/\(\)$/, '');
  const after = statements.slice(statements.findIndex((s) => s.equals(guard)) + 1 + layout.covered.length);
  if (after.some((s) => mentionsName(s, releaseName))) return undefined;
  const removals: Removal[] = [];
  for (const release of form.releases) {
    if (release.startIndex < layout.from || release.endIndex > layout.to) return undefined;
    const removal = removalOf(release, index, 'js');
    if (!removal) return undefined;
    removals.push(removal);
  }
  const firstRow = index.position(layout.from).line + 1;
  const lastRow = index.position(layout.to).line;
  const body = coveredText(index, firstRow, lastRow, layout.unit, removals, stringRows(layout.covered));
  if (body === undefined) return undefined;
  const { indent, unit } = layout;
  const semi = semicolon(text);
  return {
    title: `Wrap the callback body in try/finally (\`${form.release}\` in finally)`,
    edits: [{ range: index.range(layout.from, layout.to), newText: `\n${indent}try {${body}\n${indent}} finally {\n${indent}${unit}${form.release}${semi}\n${indent}}` }],
    isPreferred: true,
  };
}

/**
 * `pool.connect((err, client) => { if (err) …; client.query(sql, (queryErr, result) => { … }); })`
 * that never releases -> `client.release()` first in the query callback. Only when, after the error
 * guard, that query is all the connect callback does, and the query callback never uses the client:
 * pg calls it once, when the client is free again.
 */
export function releaseInQueryCallback(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const form = callbackFormOf(root, finding);
  if (!form || form.releases.length > 0) return undefined;
  const statements = named(form.body);
  const [guard, last, ...rest] = statements;
  if (!guard || !last || rest.length > 0 || !isErrorGuard(guard, form) || last.type !== 'expression_statement') return undefined;
  const call = last.namedChild(0);
  const callee = call?.type === 'call_expression' ? call.childForFieldName('function')?.text.replace(/\s/g, '') : undefined;
  const callback = named(call?.childForFieldName('arguments')).at(-1);
  const body = callback?.childForFieldName('body');
  if (callee !== `${form.client}.query` || !callback || !FUNCTIONS.has(callback.type) || body?.type !== 'statement_block') return undefined;
  const first = named(body)[0];
  // The callback must not use the client (or get a parameter of that name), and must start on its own line.
  if (!first || mentionsName(body, form.client) || paramNames(callback).includes(form.client)) return undefined;
  const index = lineIndexOf(text);
  if (text.slice(index.lineStart(first.startIndex), first.startIndex).trim() !== '') return undefined;
  const release = `${form.client}.release()`;
  return {
    title: `Release in the query callback (\`${release}\` first in the callback on line ${lineOf(callback)})`,
    edits: [{ range: index.range(first.startIndex, first.startIndex), newText: `${release}${semicolon(text)}\n${index.indentationAt(first.startIndex)}` }],
    isPreferred: true,
  };
}
