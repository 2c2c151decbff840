// `pg-health check` output as text (compiler style) and JSON (DESIGN.md's contract): 1-based lines and
// columns; the end column is exclusive, as in SARIF.
import type { Finding, RuleId } from '../analysis/analyzer';

export interface FileFinding {
  file: string;
  finding: Finding;
}

export interface JsonFinding {
  file: string;
  line: number;
  column: number;
  endLine: number;
  endColumn: number;
  rule: RuleId;
  severity: 'error' | 'warning';
  message: string;
  fixable: boolean;
}

export interface JsonReport {
  findings: JsonFinding[];
  filesScanned: number;
}

export function toJsonFinding({ file, finding }: FileFinding): JsonFinding {
  return {
    file,
    line: finding.range.startLine + 1,
    column: finding.range.startColumn + 1,
    endLine: finding.range.endLine + 1,
    endColumn: finding.range.endColumn + 1,
    rule: finding.rule,
    severity: finding.severity,
    message: finding.message,
    fixable: finding.fixable,
  };
}

export function formatJson(findings: readonly FileFinding[], filesScanned: number): string {
  const report: JsonReport = { findings: findings.map(toJsonFinding), filesScanned };
  return `${JSON.stringify(report, null, 2)}\n`;
}

/** `file:line:col rule message`, one finding per line, then its related locations indented. */
export function formatText(findings: readonly FileFinding[]): string {
  let out = '';
  for (const { file, finding } of findings) {
    out += `${file}:${finding.range.startLine + 1}:${finding.range.startColumn + 1} ${finding.rule} ${finding.message}\n`;
    for (const related of finding.related) {
      out += `    ${file}:${related.range.startLine + 1}:${related.range.startColumn + 1} ${related.message}\n`;
    }
  }
  return out;
}
