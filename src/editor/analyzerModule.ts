// The analyser (tree-sitter glue, lowering, checker, fixes) is a bundle of its own, dist/analyzer.js,
// loaded on the first analysis: the extension's own bundle stays small, so activation does not pay for
// parsing code that a user who never opens a JS/TS/Python file never runs (esbuild.mjs makes the
// import below external). Only types are imported from '../analysis/analyzer' elsewhere in src/editor;
// small pure pieces (rule list, languages) come from their own modules.
import type * as Analyzer from '../analysis/analyzer';

export type AnalyzerModule = typeof Analyzer;

let loading: Promise<AnalyzerModule> | undefined;
let wasmDirectory: string | undefined;

/** Where the tree-sitter wasm files are; applied when the analyser loads. */
export function setAnalyzerWasmDirectory(dir: string): void {
  wasmDirectory = dir;
}

/** The analyser, loaded once; a failed load is tried again on the next call. */
export function loadAnalyzer(): Promise<AnalyzerModule> {
  loading ??= import('../analysis/analyzer').then(
    (analyzer) => {
      if (wasmDirectory) analyzer.setWasmDirectory(wasmDirectory);
      return analyzer;
    },
    (error: unknown) => {
      loading = undefined;
      throw error;
    },
  );
  return loading;
}
