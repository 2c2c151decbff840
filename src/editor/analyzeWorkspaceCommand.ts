// The "PostgreSQL Health: Analyze Workspace" command: runs the scan and tells the user what it found.
// It never throws: failures go to the log and one error message.
import * as vscode from 'vscode';
import { analysisEnabledAnywhere, type AnalysisSettingsSource } from './analysisSettings';
import type { FeatureLog } from './featureLog';
import type { ScanOutcome, WorkspaceScanner } from './workspaceScan';

export const ANALYZE_WORKSPACE_COMMAND = 'pgHealth.analyzeWorkspace';

/** Resolves with the scan's outcome (tests and the dashboard await it), or undefined when nothing ran. */
export async function analyzeWorkspaceCommand(scanner: WorkspaceScanner, settings: AnalysisSettingsSource, log: FeatureLog): Promise<ScanOutcome | undefined> {
  try {
    if (!analysisEnabledAnywhere(settings)) {
      void vscode.window.showInformationMessage(vscode.l10n.t('PostgreSQL Health: analysis is turned off (setting pgHealth.analysis.enable).'));
      return undefined;
    }
    if (!vscode.workspace.workspaceFolders?.length) {
      void vscode.window.showInformationMessage(vscode.l10n.t('PostgreSQL Health: open a folder to analyse its files.'));
      return undefined;
    }
    const outcome = await scanner.run(settings, true);
    void showSummary(outcome);
    return outcome;
  } catch (err) {
    log.error('Analyze Workspace failed', err);
    void vscode.window.showErrorMessage(vscode.l10n.t('PostgreSQL Health: Analyze Workspace failed: {0}. See the log for details.', err instanceof Error ? err.message : String(err)));
    return undefined;
  }
}

export function summaryMessage(outcome: ScanOutcome): string {
  const leaks = outcome.findings === 1 ? vscode.l10n.t('1 leak') : vscode.l10n.t('{0} leaks', outcome.findings);
  const inFiles = outcome.filesWithFindings === 1 ? vscode.l10n.t('1 file') : vscode.l10n.t('{0} files', outcome.filesWithFindings);
  const skipped = Object.values(outcome.skipped).reduce((a, b) => a + b, 0);
  const files = outcome.filesScanned === 1 ? vscode.l10n.t('1 file') : vscode.l10n.t('{0} files', outcome.filesScanned);
  const scanned = skipped ? vscode.l10n.t('{0} scanned, {1} skipped', files, skipped) : vscode.l10n.t('{0} scanned', files);
  if (outcome.cancelled) {
    return outcome.findings === 0
      ? vscode.l10n.t('Analysis cancelled. No leaks found so far ({0}).', scanned)
      : vscode.l10n.t({ message: 'Analysis cancelled. Found {0} in {1} so far ({2}).', args: [leaks, inFiles, scanned], comment: ['{0} is "3 leaks", {1} "2 files", {2} "10 files scanned"'] });
  }
  return outcome.findings === 0
    ? vscode.l10n.t('No leaks found ({0}).', scanned)
    : vscode.l10n.t({ message: 'Found {0} in {1} ({2}).', args: [leaks, inFiles, scanned], comment: ['{0} is "3 leaks", {1} "2 files", {2} "10 files scanned"'] });
}

async function showSummary(outcome: ScanOutcome): Promise<void> {
  const showProblems = vscode.l10n.t('Show Problems');
  const choice = await vscode.window.showInformationMessage(vscode.l10n.t('PostgreSQL Health: {0}', summaryMessage(outcome)), ...(outcome.findings ? [showProblems] : []));
  if (choice === showProblems) await vscode.commands.executeCommand('workbench.actions.view.problems');
}
