// The one 'pg-health' DiagnosticCollection, with the findings behind each diagnostic kept beside it:
// the dashboard counts them by rule, and the quick fixes (issue 4) need their resource details.
import * as vscode from 'vscode';
import { RULES, type Finding, type RuleId } from '../analysis/findings';
import { perFolder, shownFindings, type AnalysisSettingsSource } from './analysisSettings';
import { DIAGNOSTIC_SOURCE, toDiagnostic } from './findingDiagnostic';

export class AnalysisDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection(DIAGNOSTIC_SOURCE);
  private readonly findings = new Map<string, Finding[]>();
  private readonly changed = new vscode.EventEmitter<void>();
  /** Fires once per batch of changes, not once per file. */
  readonly onDidChange = this.changed.event;

  constructor(
    private readonly docsFor: (rule: RuleId) => vscode.Uri,
    /** The settings as they are now, for each file's folder (pgHealth.analysis.rules; a change re-analyses, which sets the diagnostics again). */
    private readonly settings?: AnalysisSettingsSource,
  ) {}

  set(uri: vscode.Uri, findings: readonly Finding[]): void {
    this.setMany([[uri, findings]]);
  }

  setMany(entries: readonly (readonly [vscode.Uri, readonly Finding[]])[]): void {
    let changed = false;
    const settings = this.settings ? perFolder(this.settings) : undefined;
    for (const [uri, all] of entries) {
      const levels = settings?.(uri).rules ?? {};
      // A pg-health-disable comment silences a finding in the editor as in the CLI; so does a rule set to off.
      const findings = shownFindings(all, levels);
      const key = uri.toString();
      const had = (this.findings.get(key)?.length ?? 0) > 0;
      if (findings.length === 0) {
        this.findings.delete(key);
        this.collection.delete(uri);
      } else {
        this.findings.set(key, [...findings]);
        this.collection.set(uri, findings.map((f) => toDiagnostic(f, uri, this.docsFor, levels[f.rule])));
      }
      changed ||= had || findings.length > 0;
    }
    if (changed) this.changed.fire();
  }

  delete(uri: vscode.Uri): void {
    this.setMany([[uri, []]]);
  }

  /** Forgets `uri` and, when it was a folder, everything below it. */
  deleteUnder(uri: vscode.Uri): void {
    const prefix = uri.toString().replace(/\/*$/, '/');
    const gone = [...this.findings.keys()].filter((key) => key === uri.toString() || key.startsWith(prefix));
    this.setMany(gone.map((key) => [vscode.Uri.parse(key), []]));
  }

  clear(): void {
    const had = this.findings.size > 0;
    this.findings.clear();
    this.collection.clear();
    if (had) this.changed.fire();
  }

  /** The findings behind the diagnostics of `uri` (empty when it has none). */
  findingsFor(uri: vscode.Uri): readonly Finding[] {
    return this.findings.get(uri.toString()) ?? [];
  }

  /** How many findings are shown, and in how many files. */
  counts(): { findings: number; files: number } {
    let findings = 0;
    for (const list of this.findings.values()) findings += list.length;
    return { findings, files: this.findings.size };
  }

  /** Findings currently shown, by rule id; every rule is present, most with 0. */
  summary(): Record<string, number> {
    const counts: Record<string, number> = Object.fromEntries(RULES.map((r) => [r.id, 0]));
    for (const list of this.findings.values()) for (const f of list) counts[f.rule] = (counts[f.rule] ?? 0) + 1;
    return counts;
  }

  dispose(): void {
    this.collection.dispose();
    this.changed.dispose();
  }
}
