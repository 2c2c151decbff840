// Which fix answers which finding. Parses the text once for all findings of a file.
import type { Finding } from '../findings';
import { familyOf, type LanguageId } from '../languages';
import { parseText, type SyntaxNode } from '../treeSitter';
import type { Fix } from './edits';
import { removeRedundantRelease, withInTryFinally } from './otherFixes';
import { wrapInTryFinally } from './wrapInTryFinally';

function fixFor(root: SyntaxNode, finding: Finding, language: LanguageId, text: string): Fix | undefined {
  const family = familyOf(language);
  switch (finding.rule) {
    case 'unreleased-client':
    case 'release-not-guaranteed':
      return wrapInTryFinally(root, finding, family, text);
    case 'with-does-not-release':
      return family === 'py' ? (withInTryFinally(root, finding, text) ?? wrapInTryFinally(root, finding, family, text)) : undefined;
    case 'double-release':
      return removeRedundantRelease(root, finding, family, text);
    case 'use-after-release':
      return undefined;
  }
}

/** The fixes for each finding, in the order of `findings` (an empty list when there is none). */
export async function fixesFor(text: string, language: LanguageId, findings: readonly Finding[]): Promise<Fix[][]> {
  if (findings.length === 0) return [];
  const tree = await parseText(text, language);
  if (!tree) return findings.map(() => []);
  try {
    return findings.map((finding) => {
      try {
        const fix = fixFor(tree.rootNode, finding, language, text);
        return fix ? [fix] : [];
      } catch {
        // A fix we cannot compute is a missing fix, not a broken analysis.
        return [];
      }
    });
  } finally {
    tree.delete();
  }
}
