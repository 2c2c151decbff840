// The analyser's language status item, next to the language indicator of JavaScript, TypeScript and
// Python files (as vscode-eslint has): how many leaks the Problems panel holds and in how many files,
// whether the whole workspace has been analysed and when; busy while Analyze Workspace runs. Its
// command runs Analyze Workspace.
import * as vscode from 'vscode';
import { ANALYZE_WORKSPACE_COMMAND } from './analyzeWorkspaceCommand';
import { QUICK_FIX_SELECTOR } from './quickFixes';

export interface AnalysisCounts {
  findings: number;
  files: number;
}

export class AnalysisStatus implements vscode.Disposable {
  private readonly item = vscode.languages.createLanguageStatusItem('pgHealth.analysis', QUICK_FIX_SELECTOR);
  private lastScan: number | undefined;
  private scanning = 0;
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(private readonly counts: () => AnalysisCounts) {
    this.item.name = vscode.l10n.t('PostgreSQL Health analyser');
    this.item.command = {
      title: vscode.l10n.t({ message: 'Analyze Workspace', comment: ['As the command is named (package.nls.json: command.analyzeWorkspace.title)'] }),
      command: ANALYZE_WORKSPACE_COMMAND,
      tooltip: vscode.l10n.t('Find pool clients without a guaranteed release in every file'),
    };
    // "analysed 3 min ago" ages while nothing else changes.
    this.timer = setInterval(() => this.render(), 60_000);
    this.render();
  }

  /** Wraps an Analyze Workspace run: busy while it runs, its time remembered when it ends. */
  async scan<T>(run: () => Promise<T>): Promise<T> {
    this.scanning++;
    this.render();
    try {
      const result = await run();
      if (result !== undefined) this.lastScan = Date.now();
      return result;
    } finally {
      this.scanning--;
      this.render();
    }
  }

  render(): void {
    const { findings, files } = this.counts();
    this.item.busy = this.scanning > 0;
    const leaks = findings === 0 ? vscode.l10n.t('No pg-health leaks') : findings === 1 ? vscode.l10n.t('1 pg-health leak') : vscode.l10n.t('{0} pg-health leaks', findings);
    this.item.text = `$(database) ${leaks}`;
    const scope =
      this.scanning > 0
        ? undefined
        : this.lastScan === undefined
          ? vscode.l10n.t('open files only')
          : vscode.l10n.t({ message: 'workspace analysed {0}', args: [minutesAgo(this.lastScan)], comment: ['{0} is "just now", "5 min ago" or "2 h ago"'] });
    const where = findings === 0 ? '' : files === 1 ? vscode.l10n.t('in 1 file') : vscode.l10n.t('in {0} files', files);
    this.item.detail = scope === undefined ? vscode.l10n.t('analysing the workspace…') : [where, scope].filter((p) => p !== '').join(' · ');
    this.item.severity = findings > 0 ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
    this.item.accessibilityInformation = { label: vscode.l10n.t('PostgreSQL Health analyser: {0}, {1}', leaks, this.item.detail) };
  }

  dispose(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.item.dispose();
  }
}

function minutesAgo(at: number): string {
  const minutes = Math.floor((Date.now() - at) / 60_000);
  if (minutes < 1) return vscode.l10n.t('just now');
  if (minutes < 60) return vscode.l10n.t('{0} min ago', minutes);
  return vscode.l10n.t('{0} h ago', Math.floor(minutes / 60));
}
