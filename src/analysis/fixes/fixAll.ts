// Applies every available fix, re-analysing after each round: a fix moves code, so the findings of
// the next round are computed on the fixed text. Used by `pg-health fix` and the fix-all action.
import type { RuleId } from '../findings';
import type { LanguageId } from '../languages';
import { analyzeWorkspace, type AnalyzerOptions, type FileResult, type SourceFile } from '../workspace';
import { applyEdits, editsOverlap, type TextEdit } from './edits';
import { fixesFor } from './fixes';

export interface AppliedFix {
  rule: RuleId;
  /** 1-based line of the finding in the text the fix was applied to. */
  line: number;
  title: string;
}

export interface FixedFile {
  path: string;
  /** The text after all fixes (the input when nothing applied). */
  text: string;
  applied: AppliedFix[];
}

const MAX_ROUNDS = 10;

/** Fixes all files together, so summaries across files still inform each round. */
export async function fixFiles(files: readonly SourceFile[], options: AnalyzerOptions = {}): Promise<FixedFile[]> {
  const current = files.map((f) => ({ ...f }));
  const applied: AppliedFix[][] = files.map(() => []);
  let previous: { texts: string[]; applied: number[]; offered: number; misuses: number[] } | undefined;
  // Files whose fixes were undone: they keep their text from then on.
  const frozen = new Set<number>();
  for (let round = 0; round < MAX_ROUNDS; round++) {
    let results = await analyzeWorkspace(current, options);
    const misuses = results.map(misuseCount);
    const worse = previous ? misuses.flatMap((n, i) => (n > (previous?.misuses[i] ?? 0) ? [i] : [])) : [];
    if (previous && worse.length > 0) {
      // A fix must not release twice or use a released client where the code did not: undo that file's round.
      for (const i of worse) {
        (current[i] as SourceFile).text = previous.texts[i] as string;
        (applied[i] as AppliedFix[]).splice(previous.applied[i] as number);
        frozen.add(i);
      }
      results = await analyzeWorkspace(current, options);
    }
    const offered = results.reduce((n, r, i) => n + (frozen.has(i) ? 0 : r.findings.filter((f) => f.fixable && !f.suppressed).length), 0);
    if (previous && offered >= previous.offered) {
      // The last round did not resolve what it fixed: undo it rather than keep rewriting.
      previous.texts.forEach((text, i) => ((current[i] as SourceFile).text = text));
      previous.applied.forEach((n, i) => (applied[i] as AppliedFix[]).splice(n));
      break;
    }
    if (offered === 0) break;
    previous = { texts: current.map((f) => f.text), applied: applied.map((a) => a.length), offered, misuses: results.map(misuseCount) };
    let changed = false;
    for (const [i, file] of current.entries()) {
      if (frozen.has(i)) continue;
      const findings = results[i]?.findings.filter((f) => f.fixable && !f.suppressed) ?? [];
      if (findings.length === 0) continue;
      const fixes = await fixesFor(file.text, file.language, findings, { tidy: true });
      const chosen: TextEdit[] = [];
      findings.forEach((finding, j) => {
        const fix = fixes[j]?.[0];
        if (!fix || editsOverlap(chosen, fix.edits)) return;
        chosen.push(...fix.edits);
        (applied[i] as AppliedFix[]).push({ rule: finding.rule, line: finding.range.startLine + 1, title: fix.title });
      });
      if (chosen.length === 0) continue;
      const next = applyEdits(file.text, chosen);
      if (next !== file.text) {
        file.text = next;
        changed = true;
      }
    }
    if (!changed) break;
  }
  return current.map((f, i) => ({ path: f.path, text: f.text, applied: applied[i] as AppliedFix[] }));
}

/** Double releases and uses after release in a file's findings: what no fix may add. */
function misuseCount(result: FileResult): number {
  return result.findings.filter((f) => f.rule === 'double-release' || f.rule === 'use-after-release').length;
}

/** One file on its own. */
export async function fixText(text: string, language: LanguageId, options: AnalyzerOptions = {}): Promise<FixedFile> {
  const [fixed] = await fixFiles([{ path: '', text, language }], options);
  return fixed ?? { path: '', text, applied: [] };
}
