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
    this.item.name = 'PostgreSQL Health analyser';
    this.item.command = { title: 'Analyze Workspace', command: ANALYZE_WORKSPACE_COMMAND, tooltip: 'Find pool clients without a guaranteed release in every file' };
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
    this.item.text = findings === 0 ? '$(database) No pg-health leaks' : `$(database) ${findings} pg-health leak${findings === 1 ? '' : 's'}`;
    const where = findings === 0 ? '' : `in ${files} file${files === 1 ? '' : 's'} · `;
    this.item.detail =
      this.scanning > 0
        ? 'analysing the workspace…'
        : this.lastScan === undefined
          ? `${where}open files only`
          : `${where}workspace analysed ${minutesAgo(this.lastScan)}`;
    this.item.severity = findings > 0 ? vscode.LanguageStatusSeverity.Warning : vscode.LanguageStatusSeverity.Information;
    this.item.accessibilityInformation = { label: `PostgreSQL Health analyser: ${this.item.text.replace('$(database) ', '')}, ${this.item.detail}` };
  }

  dispose(): void {
    if (this.timer !== undefined) clearInterval(this.timer);
    this.item.dispose();
  }
}

function minutesAgo(at: number): string {
  const minutes = Math.floor((Date.now() - at) / 60_000);
  if (minutes < 1) return 'just now';
  if (minutes < 60) return `${minutes} min ago`;
  return `${Math.floor(minutes / 60)} h ago`;
}
