// The analyser in the editor: diagnostics for open JS/TS/Python documents, the "Analyze Workspace"
// command, and the findings count the dashboard shows. extension.ts calls registerAnalysisFeature once.
import * as vscode from 'vscode';
import type { RuleId } from '../analysis/analyzer';
import { setAnalyzerWasmDirectory } from './analyzerModule';
import { AnalysisDiagnostics } from './analysisDiagnostics';
import { AnalysisStatus } from './analysisStatus';
import { affectsAnalysisSettings, readAnalysisSettings } from './analysisSettings';
import { ANALYZE_WORKSPACE_COMMAND, analyzeWorkspaceCommand } from './analyzeWorkspaceCommand';
import type { FeatureLog } from './featureLog';
import { OpenDocumentAnalysis } from './openDocumentAnalysis';
import { PgHealthCodeActionProvider, QUICK_FIX_APPLIED_COMMAND, QUICK_FIX_SELECTOR } from './quickFixes';
import { WorkspaceScanner } from './workspaceScan';

export interface AnalysisFeature {
  dispose(): void;
  /** Findings currently in the Problems panel, by rule id (every rule present, most often 0). */
  findingsSummary(): Record<string, number>;
  /** Fires when findingsSummary() may have changed. */
  onDidChangeFindings: vscode.Event<void>;
}

/** How long after the last save of a file its helpers are learned again. */
const RELEARN_DELAY_MS = 1500;

export function registerAnalysisFeature(context: vscode.ExtensionContext, log: FeatureLog): AnalysisFeature {
  // Only a path is recorded here; tree-sitter and the grammars load on the first analysis.
  setAnalyzerWasmDirectory(vscode.Uri.joinPath(context.extensionUri, 'dist', 'wasm').fsPath);
  const docsFor = (rule: RuleId): vscode.Uri => vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules', `${rule}.md`);
  const diagnostics = new AnalysisDiagnostics(docsFor, () => readAnalysisSettings().rules);
  const scanner = new WorkspaceScanner(diagnostics, log);
  const documents = new OpenDocumentAnalysis(
    diagnostics,
    readAnalysisSettings,
    (uri) => scanner.isScanned(uri),
    log,
    (uri) => scanner.summariesFor(uri),
  );
  const codeActions = new PgHealthCodeActionProvider(log, (uri) => scanner.summariesFor(uri), docsFor);

  const settingsChanged = (): void => {
    codeActions.reset();
    const settings = readAnalysisSettings();
    if (!settings.enable) {
      scanner.reset();
      documents.cancelPending();
      diagnostics.clear();
      return;
    }
    documents.restart();
    // Findings of files that are not open were computed with the old catalogue or excludes.
    if (scanner.hasScanned) {
      scanner.run(settings, false).then(undefined, (err: unknown) => log.error('Re-analysing the workspace failed', err));
    }
  };

  const relearnTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const status = new AnalysisStatus(() => diagnostics.counts());
  const disposables: vscode.Disposable[] = [
    diagnostics,
    scanner,
    documents,
    status,
    diagnostics.onDidChange(() => status.render()),
    vscode.commands.registerCommand(QUICK_FIX_APPLIED_COMMAND, () => vscode.commands.executeCommand('setContext', 'pgHealth.quickFixApplied', true)),
    vscode.commands.registerCommand(ANALYZE_WORKSPACE_COMMAND, () => status.scan(() => analyzeWorkspaceCommand(scanner, readAnalysisSettings(), log))),
    vscode.workspace.onDidOpenTextDocument((d) => documents.schedule(d, 0)),
    // A saved file may define a helper other files call: its summaries are learned again, once the
    // saves stop for a moment (with auto save, every pause in typing saves).
    vscode.workspace.onDidSaveTextDocument((d) => {
      const key = d.uri.toString();
      clearTimeout(relearnTimers.get(key));
      relearnTimers.set(
        key,
        setTimeout(() => {
          relearnTimers.delete(key);
          const settings = readAnalysisSettings();
          if (settings.enable && !d.isClosed) scanner.relearn(d, settings).catch((err: unknown) => log.error(`Learning ${d.uri.fsPath}'s helpers again failed`, err));
        }, RELEARN_DELAY_MS),
      );
    }),
    { dispose: () => relearnTimers.forEach((timer) => clearTimeout(timer)) },
    // A scan learned other helpers: open documents are analysed again with them.
    scanner.onDidChangeSummaries(() => {
      codeActions.reset();
      documents.restart();
    }),
    vscode.workspace.onDidChangeTextDocument((e) => {
      if (e.contentChanges.length > 0) documents.schedule(e.document);
    }),
    vscode.languages.registerCodeActionsProvider(QUICK_FIX_SELECTOR, codeActions, PgHealthCodeActionProvider.metadata),
    vscode.workspace.onDidCloseTextDocument((d) => {
      documents.closed(d);
      codeActions.forget(d);
    }),
    vscode.workspace.onDidDeleteFiles((e) => e.files.forEach((uri) => diagnostics.deleteUnder(uri))),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (affectsAnalysisSettings(e)) settingsChanged();
    }),
    // Trust makes the workspace's own acquire/release settings count.
    vscode.workspace.onDidGrantWorkspaceTrust(settingsChanged),
  ];
  // Documents already open when the extension activates; scheduled, so activation itself stays light.
  for (const document of vscode.workspace.textDocuments) documents.schedule(document, 0);

  return {
    dispose: () => {
      for (const d of disposables.reverse()) d.dispose();
    },
    findingsSummary: () => diagnostics.summary(),
    onDidChangeFindings: diagnostics.onDidChange,
  };
}
