// Analyses open documents as the user types: debounced per document, the latest text wins, and a
// result computed for an older version (or older settings) is dropped instead of shown. Each open
// document has an IncrementalAnalysis that keeps its syntax tree and per-function results between
// edits, so an edit costs about the functions it touched; it is dropped (its tree freed) when the
// document closes, stops being analysed, or the settings change.
import * as vscode from 'vscode';
import type { AnalyzerOptions, IncrementalAnalysis, LanguageId } from '../analysis/analyzer';
import { loadAnalyzer, type AnalyzerModule } from './analyzerModule';
import type { AnalysisDiagnostics } from './analysisDiagnostics';
import { analysedLanguage, DEPENDENCY_EXCLUDES, matchesAnyGlob } from './analysisScope';
import type { AnalysisSettings, AnalysisSettingsSource } from './analysisSettings';
import type { FeatureLog } from './featureLog';

/** Long enough that a burst of keystrokes is analysed once, short enough to feel live. */
export const CHANGE_DEBOUNCE_MS = 300;

export class OpenDocumentAnalysis implements vscode.Disposable {
  private readonly timers = new Map<string, ReturnType<typeof setTimeout>>();
  /** One analyser per open document, made under the settings of `generation`. */
  private readonly analysers = new Map<string, { analysis: IncrementalAnalysis; generation: number }>();
  /** Bumped when settings change, so that analyses started under the old ones are dropped. */
  private generation = 0;

  constructor(
    private readonly diagnostics: AnalysisDiagnostics,
    private readonly settings: AnalysisSettingsSource,
    /** Files a workspace scan reported on keep their diagnostics when closed. */
    private readonly keepWhenClosed: (uri: vscode.Uri) => boolean,
    private readonly log: FeatureLog,
    /** What other files' functions teach this one (from the last workspace scan); restart() when it changes. */
    private readonly summariesFor: (uri: vscode.Uri) => AnalyzerOptions['summaries'] = () => undefined,
  ) {}

  /** Analyses `document` after `delayMs`, replacing any analysis already scheduled for it. */
  schedule(document: vscode.TextDocument, delayMs = CHANGE_DEBOUNCE_MS): void {
    const key = document.uri.toString();
    const pending = this.timers.get(key);
    if (pending !== undefined) clearTimeout(pending);
    const settings = this.settings(document.uri);
    const language = analysedLanguage(document);
    if (!settings.enable || !language) {
      this.timers.delete(key);
      this.drop(key);
      return;
    }
    if (matchesAnyGlob(document, [...DEPENDENCY_EXCLUDES, ...settings.exclude])) {
      this.timers.delete(key);
      this.drop(key);
      this.diagnostics.delete(document.uri);
      return;
    }
    this.timers.set(
      key,
      setTimeout(() => {
        this.timers.delete(key);
        void this.analyze(document, settings);
      }, delayMs),
    );
  }

  closed(document: vscode.TextDocument): void {
    const key = document.uri.toString();
    const pending = this.timers.get(key);
    if (pending !== undefined) clearTimeout(pending);
    this.timers.delete(key);
    this.drop(key);
    if (!this.keepWhenClosed(document.uri)) this.diagnostics.delete(document.uri);
  }

  /** Settings changed: drop what is in flight and analyse every open document again. */
  restart(): void {
    this.generation++;
    this.cancelPending();
    this.dropAll();
    for (const document of vscode.workspace.textDocuments) this.schedule(document, 0);
  }

  cancelPending(): void {
    for (const timer of this.timers.values()) clearTimeout(timer);
    this.timers.clear();
  }

  private async analyze(document: vscode.TextDocument, settings: AnalysisSettings): Promise<void> {
    const language = analysedLanguage(document);
    if (!language || document.isClosed) return;
    const version = document.version;
    const generation = this.generation;
    const started = Date.now();
    try {
      // The first call loads tree-sitter and the grammar: only now, never at activation.
      const analyzer = await loadAnalyzer();
      if (document.isClosed || generation !== this.generation) return;
      const findings = await this.analyserFor(analyzer, document.uri, language, settings).update(document.getText());
      if (document.isClosed || document.version !== version || generation !== this.generation) return;
      this.diagnostics.set(document.uri, findings);
      const elapsed = Date.now() - started;
      if (elapsed > 1000) this.log.info(`Analysing ${document.uri.fsPath} took ${elapsed} ms`);
    } catch (err) {
      this.log.error(`Analysing ${document.uri.fsPath} failed`, err);
    }
  }

  /** The document's analyser; a new one when it has none yet, or its language or the settings changed. */
  private analyserFor(analyzer: AnalyzerModule, uri: vscode.Uri, language: LanguageId, settings: AnalysisSettings): IncrementalAnalysis {
    const key = uri.toString();
    const current = this.analysers.get(key);
    if (current && current.generation === this.generation && current.analysis.language === language) return current.analysis;
    current?.analysis.dispose();
    const summaries = this.summariesFor(uri);
    const analysis = new analyzer.IncrementalAnalysis(language, summaries ? { ...settings.options, summaries } : settings.options);
    this.analysers.set(key, { analysis, generation: this.generation });
    return analysis;
  }

  private drop(key: string): void {
    this.analysers.get(key)?.analysis.dispose();
    this.analysers.delete(key);
  }

  private dropAll(): void {
    for (const { analysis } of this.analysers.values()) analysis.dispose();
    this.analysers.clear();
  }

  dispose(): void {
    this.cancelPending();
    this.dropAll();
  }
}
