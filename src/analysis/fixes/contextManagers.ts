// The context-manager forms that give a connection back on every path by themselves: psycopg_pool's
// `with pool.connection() as conn:` and asyncpg's `async with pool.acquire() as conn:`. Offered next
// to "Wrap in try/finally" for `conn = pool.getconn()` … `pool.putconn(conn)` (and the asyncpg
// equivalent), and as the fix of psycopg_pool's `with pool.getconn() as conn:`.
import type { Finding } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import { lineIndexOf, type Fix } from './edits';
import { nodeAt, removalOf, statementAt, statementOfCall, stringRows, type Removal } from './syntax';
import { coveredText, plan, releasesWithEffects } from './wrapInTryFinally';

/** psycopg 3 / psycopg_pool imported (psycopg2 has no `pool.connection()`; `psycopg\b` does not match `psycopg2`). */
const PSYCOPG3_IMPORT = /^[ \t]*(?:import|from)[ \t]+(?:psycopg_pool|psycopg)\b/m;
const PSYCOPG2_IMPORT = /^[ \t]*(?:import|from)[ \t]+psycopg2\b/m;

const escapeRegExp = (text: string): string => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Whether `receiver` is a psycopg_pool pool. psycopg2's pools share `getconn`/`putconn`, so the
 * catalogue cannot tell them apart: the file has to say so, by importing psycopg 3 or by using
 * `receiver.connection()` elsewhere. A file importing psycopg2 never qualifies.
 */
export function isPsycopgPool(text: string, receiver: string): boolean {
  if (PSYCOPG2_IMPORT.test(text)) return false;
  return PSYCOPG3_IMPORT.test(text) || new RegExp(`(?:^|[^\\w.])${escapeRegExp(receiver)}\\s*\\.\\s*connection\\s*\\(`, 'm').test(text);
}

interface AcquireCall {
  receiver: SyntaxNode;
  method: SyntaxNode;
  args: SyntaxNode;
}

function acquireCallOf(call: SyntaxNode | null | undefined): AcquireCall | undefined {
  if (call?.type !== 'call') return undefined;
  const fn = call.childForFieldName('function');
  const receiver = fn?.childForFieldName('object');
  const method = fn?.childForFieldName('attribute');
  const args = call.childForFieldName('arguments');
  if (fn?.type !== 'attribute' || !receiver || !method || args?.type !== 'argument_list') return undefined;
  return { receiver, method, args };
}

/** The `with` header that replaces `conn = <acquire>`, when the driver has one. */
function headerFor(api: string, call: AcquireCall, awaited: boolean, variable: string, text: string): string | undefined {
  const receiver = call.receiver.text;
  // Both take the same keyword arguments as the call they replace (`timeout=`).
  if (api === 'asyncpg.pool.acquire' && awaited && call.method.text === 'acquire') return `async with ${receiver}.acquire${call.args.text} as ${variable}:`;
  if (api === 'psycopg.pool.getconn' && !awaited && call.method.text === 'getconn' && isPsycopgPool(text, receiver)) {
    return `with ${receiver}.connection${call.args.text} as ${variable}:`;
  }
  return undefined;
}

/** Code that closes the connection or leaves the transaction to the pool itself does not belong in `with pool.connection()`. */
function managesConnectionItself(nodes: readonly SyntaxNode[], variable: string): boolean {
  const pattern = new RegExp(`(?:^|[^\\w.])${escapeRegExp(variable)}\\s*\\.\\s*(?:close|detach)\\s*\\(`);
  return nodes.some((n) => pattern.test(n.text));
}

/**
 * `conn = pool.getconn()` … `pool.putconn(conn)` -> `with pool.connection() as conn:` with the code
 * that uses the connection as its body (asyncpg: `async with pool.acquire() as conn:`). Only when
 * that is a clean rewrite: the connection is not handed over or reassigned, the code using it is
 * the statements right after the acquire in the same suite, and every release there can go.
 */
export function contextManagerForm(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const resource = finding.resource;
  const variable = resource?.variable;
  // A helper that commits and puts the connection back (`commit(conn)`) would give it back twice.
  if (!resource || !variable || resource.handedOver || releasesWithEffects(resource)) return undefined;
  const statement = statementAt(root, resource.acquireStatementRange);
  const assignment = statement?.namedChild(0);
  if (!statement || statement.type !== 'expression_statement' || statement.namedChildCount !== 1 || assignment?.type !== 'assignment') return undefined;
  const left = assignment.childForFieldName('left');
  const right = assignment.childForFieldName('right');
  if (left?.type !== 'identifier' || left.text !== variable || assignment.childForFieldName('type') || !right) return undefined;
  const awaited = right.type === 'await';
  const call = acquireCallOf(awaited ? right.namedChild(0) : right);
  const header = call && headerFor(resource.api, call, awaited, variable, text);
  if (!header) return undefined;

  const index = lineIndexOf(text);
  const layout = plan(statement, variable, 'py', index);
  if (!layout || managesConnectionItself(layout.covered, variable)) return undefined;
  const removals: Removal[] = [];
  for (const range of resource.releaseRanges) {
    const offset = index.offset(range.startLine, range.startColumn);
    // A release outside the block (another suite, a helper) would release a second time.
    if (offset < layout.from || offset > layout.to) return undefined;
    const releaseStatement = statementOfCall(root, range, 'py');
    const removal = releaseStatement && removalOf(releaseStatement, index, 'py');
    // A release alone in its suite would leave `finally: pass` behind: not a clean rewrite.
    if (!removal || removal.kind === 'inline') return undefined;
    removals.push(removal);
  }
  const firstRow = index.position(layout.from).line + 1;
  const lastRow = index.position(layout.to).line;
  const body = coveredText(index, firstRow, lastRow, layout.unit, removals, stringRows(layout.covered));
  if (body === undefined || !/\n[ \t]*(?!#)\S/.test(body)) return undefined;
  return {
    title: `Use \`${header}\``,
    edits: [
      { range: index.range(statement.startIndex, statement.endIndex), newText: header },
      { range: index.range(layout.from, layout.to), newText: body },
    ],
    // "Wrap in try/finally" stays the preferred fix: it keeps the transaction handling as it was.
    isPreferred: false,
  };
}

/** psycopg_pool's `with pool.getconn() as conn:` -> `with pool.connection() as conn:` (same `with conn:` semantics, plus `putconn`). */
export function getconnToConnection(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const resource = finding.resource;
  if (!resource || resource.api !== 'psycopg.pool.getconn') return undefined;
  const call = acquireCallOf(nodeAt(root, resource.acquireRange, (n) => n.type === 'call'));
  const pattern = call && nodeAt(root, resource.acquireRange, (n) => n.type === 'call')?.parent;
  const item = pattern?.type === 'as_pattern' ? pattern.parent : undefined;
  const statement = item?.type === 'with_item' ? item.parent?.parent : undefined;
  if (!call || call.method.text !== 'getconn' || statement?.type !== 'with_statement') return undefined;
  // psycopg_pool's async pool would need `async with pool.connection()`; not seen in practice.
  if (statement.children.some((c) => c?.type === 'async')) return undefined;
  if (!isPsycopgPool(text, call.receiver.text)) return undefined;
  const index = lineIndexOf(text);
  const alias = pattern?.childForFieldName('alias')?.text ?? resource.variable ?? 'conn';
  return {
    title: `Use \`with ${call.receiver.text}.connection${call.args.text} as ${alias}:\``,
    edits: [{ range: index.range(call.method.startIndex, call.method.endIndex), newText: 'connection' }],
    isPreferred: true,
  };
}
