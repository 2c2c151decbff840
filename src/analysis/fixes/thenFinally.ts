// The fix for a promise chain that releases only in one of its callbacks: `client.query(sql)
// .then((result) => { client.release(); return result.rows; })` keeps the client when the query
// rejects. The release moves out of the callback into a `.finally(() => client.release())` chained
// right after it, which runs on both outcomes and passes the value (or the rejection) through: what
// the success path does is unchanged, the failure path now gives the client back.
import type { Finding } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import { lineIndexOf, type Fix } from './edits';
import { removalToEdit } from './otherFixes';
import { removalOf, statementOfCall } from './syntax';

const CALLBACKS = new Set(['arrow_function', 'function_expression', 'function']);

export function releaseInFinallyCallback(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const resource = finding.resource;
  const variable = resource?.variable;
  // One release, by the driver itself (a helper's COMMIT or ROLLBACK must stay where it runs).
  if (!resource || resource.releaseRanges.length !== 1 || resource.helperReleases.length > 0) return undefined;
  const release = statementOfCall(root, resource.releaseRanges[0] as Finding['range'], 'js');
  if (!release || /^await\b/.test(release.text)) return undefined;
  // Directly in the body of the one callback of a `.then(…)` or `.catch(…)`.
  const body = release.parent;
  const callback = body?.parent;
  const args = callback?.parent;
  const chained = args?.parent;
  if (body?.type !== 'statement_block' || !callback || !CALLBACKS.has(callback.type) || args?.type !== 'arguments' || chained?.type !== 'call_expression') return undefined;
  if (args.namedChildren.filter((n) => n !== null && n.type !== 'comment').length !== 1) return undefined;
  const method = chained.childForFieldName('function');
  const name = method?.type === 'member_expression' ? method.childForFieldName('property')?.text : undefined;
  if (name !== 'then' && name !== 'catch') return undefined;
  // The released name must be the caller's, not the callback's own (`(client) => client.release()`).
  const released = /^([\w$]+)(?:\.[\w$]+)?\s*\(/.exec(release.text)?.[1];
  if (released === undefined || (variable !== undefined && released !== variable && released !== 'done')) return undefined;
  const params = callback.childForFieldName('parameters') ?? callback.childForFieldName('parameter');
  if (params && new RegExp(`\\b${released.replace(/\$/g, '\\$')}\\b`).test(params.text)) return undefined;
  if (new RegExp(`\\b(const|let|var|function)\\s+${released.replace(/\$/g, '\\$')}\\b`).test(body.text)) return undefined;
  const index = lineIndexOf(text);
  const removal = removalOf(release, index, 'js');
  if (!removal) return undefined;
  const call = release.text.replace(/;\s*$/, '');
  return {
    title: `Release in .finally (\`${call}\` after the \`.${name}\` on line ${chained.startPosition.row + 1})`,
    edits: [removalToEdit(removal, index), { range: index.range(chained.endIndex, chained.endIndex), newText: `.finally(() => ${call})` }],
    isPreferred: true,
  };
}
