// The analyser's public entry points. The editor glue and the CLI import from here.
import type { Finding } from './findings';
import type { LanguageId } from './languages';
import { analyzeWorkspace, type AnalyzerOptions } from './workspace';

export type { ExtraAcquire, ExtraRelease } from './catalogue';
export { RULES, ruleDocPath, ruleDocUrl, ruleMeta } from './findings';
export type { Finding, RelatedLocation, ResourceDetails, RuleId, RuleMeta, SourceRange } from './findings';
export { languageForPath } from './languages';
export type { LanguageId } from './languages';
export { setWasmDirectory } from './treeSitter';
export { analyzeWorkspace, factsOf, MAX_FILE_CHARS } from './workspace';
export { IncrementalAnalysis } from './incremental';
export type { TreeEdit, UpdateStats } from './incremental';
export { disableNextLineComment } from './suppressions';
export { applyEdits } from './fixes/edits';
export type { Fix, TextEdit } from './fixes/edits';
export { fixesFor } from './fixes/fixes';
export type { FixOptions } from './fixes/fixes';
export { fixFiles, fixText } from './fixes/fixAll';
export type { AppliedFix, FixedFile } from './fixes/fixAll';
export type { AnalyzerOptions, FileResult, Learned, SkipReason, SourceFile } from './workspace';

/**
 * Findings for one file on its own (summaries from its own functions only). Never throws on bad input:
 * text that does not parse, is huge or binary yields no findings.
 */
export async function analyzeText(text: string, language: LanguageId, options: AnalyzerOptions = {}): Promise<Finding[]> {
  try {
    const [result] = await analyzeWorkspace([{ path: '', text, language }], options);
    return result?.findings ?? [];
  } catch {
    // A bug of ours must not take the editor or the CLI down with it: report nothing for this text.
    return [];
  }
}
