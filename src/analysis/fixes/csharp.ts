// C#'s fixes: a `using` / `await using` declaration for the connection.
import type { Finding } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import type { Fix } from './edits';

export function csharpFixes(_root: SyntaxNode, _finding: Finding, _text: string): (() => Fix | undefined)[] {
  return [];
}
