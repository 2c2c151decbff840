// Which fix answers which finding. Parses the text once for all findings of a file.
import type { Finding } from '../findings';
import { familyOf, type LanguageFamily, type LanguageId } from '../languages';
import { parseText, type SyntaxNode } from '../treeSitter';
import type { Fix } from './edits';
import { isCallbackForm, releaseInQueryCallback, releaseOnEarlyReturns, wrapCallbackBody } from './callbackFixes';
import { contextManagerForm, getconnToConnection } from './contextManagers';
import { finallyInExit } from './exitFinally';
import { withoutRethrowClutter } from './rethrow';
import { removeRedundantRelease, withInTryFinally } from './otherFixes';
import { releaseOnClose } from './releaseOnClose';
import { releaseInFinallyCallback } from './thenFinally';
import { wrapInTryFinally } from './wrapInTryFinally';
import { csharpFixes } from './csharp';
import { goFixes } from './go';
import { javaFixes } from './java';

/** The fixes of the languages that have their own (Go's `defer`, Java's try-with-resources, C#'s `using`), best first. */
const LANGUAGE_FIXES: Partial<Record<LanguageFamily, (root: SyntaxNode, finding: Finding, text: string) => (() => Fix | undefined)[]>> = {
  go: goFixes,
  java: javaFixes,
  cs: csharpFixes,
};

/** The fixes for one finding, best first: the first is what fix-all applies. */
function fixFor(root: SyntaxNode, finding: Finding, language: LanguageId, text: string): (() => Fix | undefined)[] {
  const family = familyOf(language);
  if (family !== 'js' && family !== 'py') return LANGUAGE_FIXES[family]?.(root, finding, text) ?? [];
  switch (finding.rule) {
    case 'unreleased-client':
    case 'release-not-guaranteed':
      // A middleware's client lives on the request: where it is released is the fix, not around the acquire.
      if (finding.resource?.keptOnRequest) return [() => releaseOnClose(root, finding, text)];
      // The leak is in the class's `__exit__` (or a JavaScript class's one releasing method), not around the acquire.
      if (finding.resource?.releasedInExit) return [() => finallyInExit(root, finding, family, text)];
      if (finding.resource?.api === 'pg.pool.connect' && isCallbackForm(root, finding)) {
        return [() => releaseOnEarlyReturns(root, finding, text), () => wrapCallbackBody(root, finding, text), () => releaseInQueryCallback(root, finding, text)];
      }
      return [
        () => wrapInTryFinally(root, finding, family, text),
        () => (family === 'py' ? contextManagerForm(root, finding, text) : releaseInFinallyCallback(root, finding, text)),
      ];
    case 'with-does-not-release':
      if (family !== 'py') return [];
      // psycopg_pool has the context manager that gives the connection back; psycopg2 has none.
      return [
        () => getconnToConnection(root, finding, text),
        () => withInTryFinally(root, finding, text) ?? wrapInTryFinally(root, finding, family, text),
        () => contextManagerForm(root, finding, text),
      ];
    case 'double-release':
      return [() => removeRedundantRelease(root, finding, family, text)];
    case 'use-after-release':
      return [];
  }
}

export interface FixOptions {
  /**
   * Also drop the handlers a fix leaves only rethrowing (`catch (e) { throw e; }`). That parses the
   * fixed text again, so it is for fixes about to be shown or applied, not for deciding `fixable`
   * on every analysis.
   */
  tidy?: boolean;
}

/** `fixesFor` without tidying, from the tree of `text` already parsed (the incremental analyser keeps one per document). */
export function fixesForTree(root: SyntaxNode, text: string, language: LanguageId, findings: readonly Finding[]): Fix[][] {
  return findings.map((finding) => {
    const list: Fix[] = [];
    let candidates: (() => Fix | undefined)[] = [];
    try {
      candidates = fixFor(root, finding, language, text);
    } catch {
      // A fix we cannot compute is a missing fix, not a broken analysis.
    }
    for (const compute of candidates) {
      try {
        const fix = compute();
        // One preferred fix per finding: the editor applies it on its own (auto-fix).
        if (fix) list.push(list.some((f) => f.isPreferred) ? { ...fix, isPreferred: false } : fix);
      } catch {
        // A fix we cannot compute is a missing fix, not a broken analysis.
      }
    }
    return list;
  });
}

/** The fixes for each finding, in the order of `findings` (an empty list when there is none). */
export async function fixesFor(text: string, language: LanguageId, findings: readonly Finding[], options: FixOptions = {}): Promise<Fix[][]> {
  if (findings.length === 0) return [];
  const tree = await parseText(text, language);
  if (!tree) return findings.map(() => []);
  try {
    const fixes = fixesForTree(tree.rootNode, text, language, findings);
    if (!options.tidy) return fixes;
    const family = familyOf(language);
    if (family !== 'js' && family !== 'py') return fixes;
    for (const list of fixes) {
      for (const [i, fix] of list.entries()) {
        // One at a time: the cleanup parses the fixed text with the shared parser.
        list[i] = await withoutRethrowClutter(fix, text, tree, language, family).catch(() => fix);
      }
    }
    return fixes;
  } finally {
    tree.delete();
  }
}
