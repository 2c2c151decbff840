// Analyses many files together so that functions in one file that return an acquired client (or
// release one passed to them) become acquire (release) APIs for callers in every file.
import { Catalogue, type AcquireApi, type CatalogueOptions, type ReleaseSpec } from './catalogue';
import type { Finding } from './findings';
import { analyzeFunction, learnedAcquire, learnedRelease, type FunctionResult } from './functionAnalysis';
import { familyOf, type LanguageFamily, type LanguageId } from './languages';
import { NestingTooDeep } from './lowering/builder';
import { lowerJavaScript } from './lowering/javascript';
import { lowerPython } from './lowering/python';
import type { FileModel } from './model';
import { parseText } from './treeSitter';

export interface SourceFile {
  path: string;
  text: string;
  language: LanguageId;
}

export type SkipReason = 'too-large' | 'binary' | 'unparsable' | 'too-deep';

export interface FileResult {
  path: string;
  findings: Finding[];
  /** Why the file produced no findings without being analysed. */
  skipped?: SkipReason;
}

export type AnalyzerOptions = CatalogueOptions;

/** Files above this size are generated or minified code, not something a person fixes by hand. */
export const MAX_FILE_CHARS = 2_000_000;
const MAX_SUMMARY_ROUNDS = 4;

export function looksBinary(text: string): boolean {
  return text.slice(0, 8000).includes('\u0000');
}

/** Parses and lowers one file; the reason when it cannot be analysed. */
export async function modelFile(file: SourceFile): Promise<FileModel | SkipReason> {
  if (file.text.length > MAX_FILE_CHARS) return 'too-large';
  if (looksBinary(file.text)) return 'binary';
  let tree;
  try {
    tree = await parseText(file.text, file.language);
  } catch {
    return 'unparsable';
  }
  if (!tree) return 'unparsable';
  try {
    return familyOf(file.language) === 'py' ? lowerPython(tree.rootNode) : lowerJavaScript(tree.rootNode);
  } catch (error) {
    if (error instanceof NestingTooDeep) return 'too-deep';
    throw error;
  } finally {
    tree.delete();
  }
}

interface Learned {
  acquires: AcquireApi[];
  releases: ReleaseSpec[];
}

/** Analyses `files` with summaries across all of them. Results are in the order of `files`. */
export async function analyzeWorkspace(files: readonly SourceFile[], options: AnalyzerOptions = {}): Promise<FileResult[]> {
  const models: (FileModel | SkipReason)[] = [];
  for (const file of files) models.push(await modelFile(file));
  const families: LanguageFamily[] = ['js', 'py'];
  const resultsByFile = models.map((m) => (typeof m === 'string' ? undefined : new Array<FunctionResult>(m.functions.length)));
  for (const family of families) {
    const learned: Learned = { acquires: [], releases: [] };
    const known = new Set<string>();
    for (let round = 0; round < MAX_SUMMARY_ROUNDS; round++) {
      const catalogue = new Catalogue(family, options, learned);
      let learnedSomething = false;
      models.forEach((model, fileIndex) => {
        if (typeof model === 'string' || model.family !== family) return;
        model.functions.forEach((fn, fnIndex) => {
          const result = analyzeFunction(fn, catalogue, model.poolNames);
          (resultsByFile[fileIndex] as FunctionResult[])[fnIndex] = result;
          if (result.returnsAcquired) {
            const api = learnedAcquire(fn, result.returnsAcquired);
            if (api && !known.has(api.id)) {
              known.add(api.id);
              learned.acquires.push(api);
              learnedSomething = true;
            }
          }
          for (const index of result.releasedParams) {
            const spec = learnedRelease(fn, index);
            const id = `release:${fn.name}:${index}`;
            if (spec && !known.has(id)) {
              known.add(id);
              learned.releases.push(spec);
              learnedSomething = true;
            }
          }
        });
      });
      // Results computed with the final catalogue stand; otherwise go round with what was learned.
      if (!learnedSomething) break;
    }
  }
  return files.map((file, index) => {
    const model = models[index];
    if (typeof model === 'string') return { path: file.path, findings: [], skipped: model };
    const results = resultsByFile[index] ?? [];
    return { path: file.path, findings: uniqueSorted(results.flatMap((r) => r?.findings ?? [])) };
  });
}

function uniqueSorted(findings: Finding[]): Finding[] {
  const seen = new Set<string>();
  const out: Finding[] = [];
  for (const f of findings) {
    const key = `${f.rule}:${f.range.startLine}:${f.range.startColumn}:${f.range.endLine}:${f.range.endColumn}`;
    if (seen.has(key)) continue;
    seen.add(key);
    out.push(f);
  }
  return out.sort((a, b) => a.range.startLine - b.range.startLine || a.range.startColumn - b.range.startColumn);
}
