// Go's fix: the guaranteed release is `defer` right after the error check that follows the acquire
// (`conn, err := pool.Acquire(ctx)` / `if err != nil { return err }` / `defer conn.Release()`), and
// the releases the code made by hand on some paths go (they would run twice). A transaction gets
// `defer tx.Rollback(ctx)`, a no-op once committed, and keeps its commits and rollbacks: each is also a
// decision. No fix where a `defer` would hold the connection longer than the code does (the acquire is
// in a loop: every iteration's would wait for the function's end) or release what the function hands
// over (returns, stores, passes on).
import type { Finding } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import { lineIndexOf, type Fix, type TextEdit } from './edits';
import { nodeAt } from './syntax';

const ASSIGNMENTS = new Set(['short_var_declaration', 'assignment_statement', 'var_declaration']);
const FUNCTIONS = new Set(['function_declaration', 'method_declaration', 'func_literal']);
const LOOPS = new Set(['for_statement']);

export function goFixes(root: SyntaxNode, finding: Finding, text: string): (() => Fix | undefined)[] {
  if (finding.rule !== 'unreleased-client' && finding.rule !== 'release-not-guaranteed') return [];
  return [() => deferRelease(root, finding, text)];
}

/** The `defer` line for this API and variable: mirrors the code's own transaction calls for their arguments. */
function deferredCall(api: string, variable: string, fn: SyntaxNode, acquire: SyntaxNode, text: string): string | undefined {
  switch (api) {
    case 'go.pgxpool.acquire':
      return `${variable}.Release()`;
    case 'go.sql.conn':
    case 'go.rows.query':
    case 'go.rows.querycontext':
    case 'go.pgx.sendbatch':
      return `${variable}.Close()`;
    case 'go.tx.begin':
    case 'go.tx.begintx': {
      // `tx.Commit(ctx)` in the code says Rollback takes the context too (pgx); `tx.Commit()` says not (database/sql).
      // Its arguments may hold one level of calls: `tx.Commit(context.Background())`.
      const own = new RegExp(`\\b${variable}\\.(?:Commit|Rollback)\\(((?:[^()]|\\([^()]*\\))*)\\)`).exec(fn.text);
      if (own) return `${variable}.Rollback(${own[1]})`;
      const pgx = /"github\.com\/jackc\/pgx/.test(text);
      const sql = /"database\/sql"/.test(text);
      if (pgx === sql) return undefined;
      if (sql) return `${variable}.Rollback()`;
      const ctx = acquire.childForFieldName('arguments')?.namedChild(0)?.text;
      return ctx ? `${variable}.Rollback(${ctx})` : undefined;
    }
    default:
      return undefined;
  }
}

function deferRelease(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const resource = finding.resource;
  const variable = resource?.variable;
  if (!resource || !variable || variable.includes('#') || resource.handedOver || resource.helperReleases.length > 0) return undefined;
  const acquire = nodeAt(root, resource.acquireRange, (n) => n.type === 'call_expression');
  const statement = nodeAt(root, resource.acquireStatementRange, (n) => ASSIGNMENTS.has(n.type));
  if (!acquire || !statement) return undefined;
  const list = statement.parent;
  if (!list || (list.type !== 'statement_list' && list.type !== 'block')) return undefined;
  // The function the acquire runs in, and no loop between them.
  let fn: SyntaxNode | null = list;
  for (; fn && !FUNCTIONS.has(fn.type); fn = fn.parent) if (LOOPS.has(fn.type)) return undefined;
  if (!fn) return undefined;
  const call = deferredCall(resource.api, variable, fn, acquire, text);
  if (!call) return undefined;
  // Bound once: `conn` assigned again would leave the deferred call with the other value.
  const rest = fn.text.slice(statement.endIndex - fn.startIndex);
  // (A list of names before it, not any text: `r.update(tx, md); err != nil` assigns nothing.)
  if (new RegExp(`(^|[^\\w.])${variable}(\\s*,\\s*[\\w.]+)*\\s*(:=|=[^=])`, 'm').test(rest)) return undefined;
  // After the error check when one follows (`if err != nil { … }` on the acquire's error), else right after the acquire.
  const siblings = list.namedChildren.filter((n): n is SyntaxNode => n !== null && n.type !== 'comment');
  const at = siblings.findIndex((n) => n.equals(statement));
  const errorName = errorNameOf(statement);
  const next = siblings[at + 1];
  const check = errorName && next?.type === 'if_statement' && !next.childForFieldName('initializer') && testsError(next, errorName) ? next : undefined;
  // An error result nobody checks next: when the acquire failed the value is nil (pgxpool's conn,
  // database/sql's rows), and a deferred `Release()`/`Close()` on it would panic. No fix.
  if (!check && errorResultOf(statement)) return undefined;
  const after = check ?? statement;
  const index = lineIndexOf(text);
  const indent = index.indentationAt(statement.startIndex);
  const insertAt = index.lineEnd(after.endIndex);
  const edits: TextEdit[] = [{ range: index.range(insertAt, insertAt), newText: `\n${indent}defer ${call}` }];
  // The hand-made releases that are statements of their own go; `return conn.Close()` and the
  // transaction's commits and rollbacks stay (a second release is harmless in both libraries).
  if (!resource.api.startsWith('go.tx.')) {
    for (const range of resource.releaseRanges) {
      const releaseCall = nodeAt(root, range, (n) => n.type === 'call_expression');
      const own = releaseCall?.parent;
      if (!releaseCall || (own?.type !== 'expression_statement' && own?.type !== 'defer_statement') || !releaseCall.text.startsWith(`${variable}.`)) continue;
      if (releaseCall.startIndex < after.endIndex) continue;
      // The whole line when the statement has it to itself (a comment after it goes too), else just the statement.
      const lineStart = index.lineStart(own.startIndex);
      const lineEnd = index.lineEnd(own.endIndex);
      const rest = text.slice(own.endIndex, lineEnd).trim();
      const alone = text.slice(lineStart, own.startIndex).trim() === '' && (rest === '' || rest.startsWith('//'));
      edits.push(alone ? { range: index.range(lineStart, Math.min(lineEnd + 1, text.length)), newText: '' } : { range: index.range(own.startIndex, own.endIndex), newText: '' });
    }
  }
  return { title: `Add \`defer ${call}\` after the error check`, edits, isPreferred: true };
}

/** `conn, err := …`: the last name on the left, the error the next statement checks. */
function errorNameOf(statement: SyntaxNode): string | undefined {
  const left = statement.childForFieldName('left');
  if (!left) return undefined;
  const names = left.type === 'expression_list' ? left.namedChildren.filter((n): n is SyntaxNode => n !== null) : [left];
  const last = names[names.length - 1];
  return names.length >= 2 && last?.type === 'identifier' && last.text !== '_' ? last.text : undefined;
}

/** `x, err := …` or `x, _ := …`: the call reports failure in a result. */
function errorResultOf(statement: SyntaxNode): boolean {
  const left = statement.childForFieldName('left');
  return left?.type === 'expression_list' && left.namedChildCount >= 2;
}

/** `if err != nil { … }` (or `err == nil`, on its own). */
function testsError(statement: SyntaxNode, name: string): boolean {
  const condition = statement.childForFieldName('condition');
  return condition !== null && new RegExp(`^\\(?\\s*(${name}\\s*[!=]=\\s*nil|nil\\s*[!=]=\\s*${name})\\s*\\)?$`).test(condition.text);
}
