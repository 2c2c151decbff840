// Go's fixes: `defer x.Release()` / `defer x.Close()` / `defer tx.Rollback(ctx)` right after the error
// check that follows the acquire, and the later release removed.
import type { Finding } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import type { Fix } from './edits';

export function goFixes(_root: SyntaxNode, _finding: Finding, _text: string): (() => Fix | undefined)[] {
  return [];
}
