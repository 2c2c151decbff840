// The analyser in the editor: diagnostics for open JS/TS/Python documents, the "Analyze Workspace"
// command, and the findings count the dashboard shows. extension.ts calls registerAnalysisFeature once.
import * as vscode from 'vscode';
import type { RuleId } from '../analysis/analyzer';
import { setAnalyzerWasmDirectory } from './analyzerModule';
import { AnalysisDiagnostics } from './analysisDiagnostics';
import { AnalysisStatus } from './analysisStatus';
import { affectsAnalysisSettings, analysisEnabledAnywhere, readAnalysisSettings } from './analysisSettings';
import { ANALYZE_WORKSPACE_COMMAND, analyzeWorkspaceCommand } from './analyzeWorkspaceCommand';
import { ClosedFileWatcher } from './closedFileWatcher';
import type { FeatureLog } from './featureLog';
import { OpenDocumentAnalysis } from './openDocumentAnalysis';
import { PgHealthCodeActionProvider, QUICK_FIX_APPLIED_COMMAND, QUICK_FIX_SELECTOR } from './quickFixes';
import { WorkspaceScanner } from './workspaceScan';
import { goToCode } from './goToCode';
import { LeakSessionsHover, SessionCodeLinks } from './sessionCodeLinks';
import type { DatabaseState } from '../postgres/store';
import type { PoolSite } from '../analysis/sql/pools';
import type { Session } from '../postgres/snapshot';

export interface AnalysisFeature {
  dispose(): void;
  /** Findings currently in the Problems panel, by rule id (every rule present, most often 0). */
  findingsSummary(): Record<string, number>;
  /** Fires when findingsSummary() may have changed. */
  onDidChangeFindings: vscode.Event<void>;
  /** Go to Code for a session: the workspace's places that sent its last query or set its application_name. */
  goToCode(session: Session, database: string): Promise<unknown>;
  /** Sessions whose last query comes from a function with a leak finding. */
  codeLinks: SessionCodeLinks;
  /** The pools the scanned files construct (file as a URI string). */
  pools(): { file: string; pool: PoolSite }[];
  /** Fires when the SQL index or the pools changed. */
  onDidChangeCode: vscode.Event<void>;
}

/** Not in the command palette: what the latest updates after changes on disk cost (tests, troubleshooting). */
export const CLOSED_FILE_UPDATES_COMMAND = 'pgHealth.analysis.closedFileUpdates';

/** How long after the last save of a file its helpers are learned again. */
const RELEARN_DELAY_MS = 1500;

/** @param databases the monitored databases as the store has them now (for the sessions a leak's hover counts). */
export function registerAnalysisFeature(context: vscode.ExtensionContext, log: FeatureLog, databases: () => readonly DatabaseState[] = () => []): AnalysisFeature {
  // Only a path is recorded here; tree-sitter and the grammars load on the first analysis.
  setAnalyzerWasmDirectory(vscode.Uri.joinPath(context.extensionUri, 'dist', 'wasm').fsPath);
  const docsFor = (rule: RuleId): vscode.Uri => vscode.Uri.joinPath(context.extensionUri, 'docs', 'rules', `${rule}.md`);
  const diagnostics = new AnalysisDiagnostics(docsFor, readAnalysisSettings);
  const scanner = new WorkspaceScanner(diagnostics, log);
  const documents = new OpenDocumentAnalysis(
    diagnostics,
    readAnalysisSettings,
    (uri) => scanner.isScanned(uri),
    log,
    (uri) => scanner.summariesFor(uri),
  );
  // A saved file, or an open one whose file changed on disk, may define a helper other files call: its
  // summaries are learned again once the saves stop for a moment (with auto save, every pause in typing
  // saves), and the closed files that call a changed helper are analysed again.
  const relearnTimers = new Map<string, ReturnType<typeof setTimeout>>();
  const relearnSoon = (d: vscode.TextDocument): void => {
    const key = d.uri.toString();
    clearTimeout(relearnTimers.get(key));
    relearnTimers.set(
      key,
      setTimeout(() => {
        relearnTimers.delete(key);
        const settings = readAnalysisSettings(d.uri);
        if (!settings.enable || d.isClosed) return;
        scanner.relearn(d, settings).then(
          (names) => closedFiles.helpersChanged(names),
          (err: unknown) => log.error(`Learning ${d.uri.fsPath}'s helpers again failed`, err),
        );
      }, RELEARN_DELAY_MS),
    );
  };
  // After a scan, closed files' diagnostics follow changes on disk and in the explorer.
  const closedFiles = new ClosedFileWatcher(scanner, readAnalysisSettings, log, relearnSoon);
  const codeActions = new PgHealthCodeActionProvider(log, (uri) => scanner.summariesFor(uri), docsFor);

  const settingsChanged = (): void => {
    codeActions.reset();
    if (!analysisEnabledAnywhere(readAnalysisSettings)) {
      scanner.reset();
      closedFiles.clearPending();
      documents.cancelPending();
      diagnostics.clear();
      return;
    }
    documents.restart();
    // Findings of files that are not open were computed with the old catalogue or excludes.
    if (scanner.hasScanned) {
      scanner.run(readAnalysisSettings, false).then(undefined, (err: unknown) => log.error('Re-analysing the workspace failed', err));
    }
  };

  const status = new AnalysisStatus(() => diagnostics.counts());
  const codeLinks = new SessionCodeLinks(scanner, diagnostics);
  const disposables: vscode.Disposable[] = [
    codeLinks,
    vscode.languages.registerHoverProvider(QUICK_FIX_SELECTOR, new LeakSessionsHover(codeLinks, diagnostics, databases)),
    diagnostics,
    scanner,
    closedFiles,
    documents,
    status,
    diagnostics.onDidChange(() => status.render()),
    vscode.commands.registerCommand(QUICK_FIX_APPLIED_COMMAND, () => vscode.commands.executeCommand('setContext', 'pgHealth.quickFixApplied', true)),
    vscode.commands.registerCommand(ANALYZE_WORKSPACE_COMMAND, () =>
      status.scan(async () => {
        const outcome = await analyzeWorkspaceCommand(scanner, readAnalysisSettings, log);
        if (scanner.hasScanned) closedFiles.start();
        return outcome;
      }),
    ),
    vscode.commands.registerCommand(CLOSED_FILE_UPDATES_COMMAND, () => closedFiles.closedFileUpdates()),
    vscode.workspace.onDidOpenTextDocument((d) => documents.schedule(d, 0)),
    vscode.workspace.onDidSaveTextDocument(relearnSoon),
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
    // Through the explorer: at once for what is gone, then as any change on disk (what is scanned, what helpers teach).
    vscode.workspace.onDidDeleteFiles((e) => {
      for (const uri of e.files) {
        diagnostics.deleteUnder(uri);
        closedFiles.touched(uri);
      }
    }),
    vscode.workspace.onDidRenameFiles((e) => {
      for (const { oldUri, newUri } of e.files) {
        diagnostics.deleteUnder(oldUri);
        closedFiles.touched(oldUri);
        closedFiles.touched(newUri);
      }
    }),
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
    goToCode: (session, database) => goToCode(session, database, scanner),
    codeLinks,
    pools: () => scanner.pools(),
    onDidChangeCode: scanner.onDidChangeSql,
  };
}
