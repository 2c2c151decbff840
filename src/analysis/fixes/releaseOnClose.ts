// The fix for a middleware that keeps the client on the request and releases it when the response
// emits 'finish' (or 'end'): Node emits 'close' after 'finish' for every response that completes, and
// 'close' alone for one the client aborts. Listening for 'close' instead releases the client once in
// both cases; nothing else changes. A client left to a later handler gets no fix: releasing it here
// too would release it twice whenever that handler runs.
import type { Finding } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import { lineIndexOf, type Fix } from './edits';
import { nodeAt } from './syntax';

export function releaseOnClose(root: SyntaxNode, finding: Finding, text: string): Fix | undefined {
  const kept = finding.resource?.keptOnRequest;
  if (!kept || kept.releasedOn === 'later' || !finding.resource) return undefined;
  const fn = nodeAt(root, finding.resource.functionRange, (n) => /function|arrow|method/.test(n.type));
  if (!fn) return undefined;
  const events: SyntaxNode[] = [];
  const stack: SyntaxNode[] = [fn];
  while (stack.length) {
    const node = stack.pop() as SyntaxNode;
    if (node.type === 'call_expression') {
      const callee = node.childForFieldName('function');
      const args = (node.childForFieldName('arguments')?.namedChildren ?? []).filter((n): n is SyntaxNode => n !== null && n.type !== 'comment');
      const method = callee?.type === 'member_expression' ? callee.childForFieldName('property')?.text : undefined;
      const event = args[0];
      if (method && /^(on|once|addListener|prependListener)$/.test(method) && event?.type === 'string' && event.text.slice(1, -1) === kept.releasedOn && args[1]?.text.includes(`${kept.field}`)) {
        events.push(event);
      }
    }
    for (const child of node.namedChildren) if (child) stack.push(child);
  }
  // One listener that releases it: two would be two releases after the change.
  const [event] = events;
  if (events.length !== 1 || !event) return undefined;
  const index = lineIndexOf(text);
  const quote = event.text[0] ?? "'";
  return {
    title: `Release on 'close' instead of '${kept.releasedOn}' (every response emits 'close', an aborted one only that)`,
    edits: [{ range: index.range(event.startIndex, event.endIndex), newText: `${quote}close${quote}` }],
    isPreferred: true,
  };
}
