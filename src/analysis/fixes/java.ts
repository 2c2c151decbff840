// Java's fixes: the acquire turned into a try-with-resources statement.
import type { Finding } from '../findings';
import type { SyntaxNode } from '../treeSitter';
import type { Fix } from './edits';

export function javaFixes(_root: SyntaxNode, _finding: Finding, _text: string): (() => Fix | undefined)[] {
  return [];
}
