// Turns one analyser finding into the diagnostic the Problems panel and the editor show.
import * as vscode from 'vscode';
import type { Finding, RuleId, SourceRange } from '../analysis/analyzer';
import type { RuleLevel } from './analysisSettings';

export const DIAGNOSTIC_SOURCE = 'pg-health';

export function toRange(range: SourceRange): vscode.Range {
  return new vscode.Range(range.startLine, range.startColumn, range.endLine, range.endColumn);
}

const SEVERITY: Record<Exclude<RuleLevel, 'off'>, vscode.DiagnosticSeverity> = {
  error: vscode.DiagnosticSeverity.Error,
  warning: vscode.DiagnosticSeverity.Warning,
  information: vscode.DiagnosticSeverity.Information,
  hint: vscode.DiagnosticSeverity.Hint,
};

/** `docsFor` gives the rule's page; the diagnostic's code links to it, as ESLint's do. `level`: pgHealth.analysis.rules' say. */
export function toDiagnostic(finding: Finding, uri: vscode.Uri, docsFor: (rule: RuleId) => vscode.Uri, level?: RuleLevel): vscode.Diagnostic {
  const severity = level && level !== 'off' ? SEVERITY[level] : finding.severity === 'error' ? vscode.DiagnosticSeverity.Error : vscode.DiagnosticSeverity.Warning;
  const diagnostic = new vscode.Diagnostic(toRange(finding.range), finding.message, severity);
  diagnostic.source = DIAGNOSTIC_SOURCE;
  diagnostic.code = { value: finding.rule, target: docsFor(finding.rule) };
  diagnostic.relatedInformation = finding.related.map(
    (r) => new vscode.DiagnosticRelatedInformation(new vscode.Location(uri, toRange(r.range)), r.message),
  );
  return diagnostic;
}
