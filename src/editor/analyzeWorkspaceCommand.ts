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
      void vscode.window.showInformationMessage('PostgreSQL Health: analysis is turned off (setting pgHealth.analysis.enable).');
      return undefined;
    }
    if (!vscode.workspace.workspaceFolders?.length) {
      void vscode.window.showInformationMessage('PostgreSQL Health: open a folder to analyse its files.');
      return undefined;
    }
    const outcome = await scanner.run(settings, true);
    void showSummary(outcome);
    return outcome;
  } catch (err) {
    log.error('Analyze Workspace failed', err);
    void vscode.window.showErrorMessage(`PostgreSQL Health: Analyze Workspace failed: ${err instanceof Error ? err.message : String(err)}. See the log for details.`);
    return undefined;
  }
}

export function summaryMessage(outcome: ScanOutcome): string {
  const found =
    outcome.findings === 0
      ? 'No leaks found'
      : `Found ${plural(outcome.findings, 'leak')} in ${plural(outcome.filesWithFindings, 'file')}`;
  const skipped = Object.values(outcome.skipped).reduce((a, b) => a + b, 0);
  const scanned = `${plural(outcome.filesScanned, 'file')} scanned${skipped ? `, ${skipped} skipped` : ''}`;
  return outcome.cancelled ? `Analysis cancelled. ${found} so far (${scanned}).` : `${found} (${scanned}).`;
}

async function showSummary(outcome: ScanOutcome): Promise<void> {
  const showProblems = 'Show Problems';
  const choice = await vscode.window.showInformationMessage(`PostgreSQL Health: ${summaryMessage(outcome)}`, ...(outcome.findings ? [showProblems] : []));
  if (choice === showProblems) await vscode.commands.executeCommand('workbench.actions.view.problems');
}

function plural(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
