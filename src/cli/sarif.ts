// SARIF 2.1.0 for GitHub code scanning: one run, the five rules with help URIs, a location per finding
// and its related locations. Regions are 1-based with an exclusive end column, in UTF-16 code units.
import { RULES, ruleDocUrl, type SourceRange } from '../analysis/analyzer';
import type { FileFinding } from './checkReport';

interface SarifRegion {
  startLine: number;
  startColumn: number;
  endLine: number;
  endColumn: number;
}

function region(range: SourceRange): SarifRegion {
  return {
    startLine: range.startLine + 1,
    startColumn: range.startColumn + 1,
    endLine: range.endLine + 1,
    endColumn: range.endColumn + 1,
  };
}

function uri(file: string): string {
  // Relative paths with forward slashes resolve against the repository root in code scanning.
  return file.split('\\').join('/').replace(/^\.\//, '');
}

function ruleName(id: string): string {
  return id.replace(/(^|-)(\w)/g, (_m, _dash: string, c: string) => c.toUpperCase());
}

export function formatSarif(findings: readonly FileFinding[], toolVersion: string): string {
  const rules = RULES.map((rule) => ({
    id: rule.id,
    name: ruleName(rule.id),
    shortDescription: { text: rule.summary },
    fullDescription: { text: rule.summary },
    helpUri: ruleDocUrl(rule.id),
    help: { text: `${rule.summary} See ${ruleDocUrl(rule.id)}` },
    defaultConfiguration: { level: rule.severity },
    properties: { tags: ['reliability', 'postgresql'], precision: 'high', 'problem.severity': rule.severity },
  }));
  const results = findings.map(({ file, finding }) => {
    const artifactLocation = { uri: uri(file), uriBaseId: '%SRCROOT%' };
    return {
      ruleId: finding.rule,
      ruleIndex: RULES.findIndex((r) => r.id === finding.rule),
      level: finding.severity,
      message: { text: finding.message },
      locations: [{ physicalLocation: { artifactLocation, region: region(finding.range) } }],
      // A pg-health-disable comment: GitHub code scanning shows it as dismissed in source, not as an alert.
      ...(finding.suppressed ? { suppressions: [{ kind: 'inSource' }] } : {}),
      ...(finding.related.length
        ? {
            relatedLocations: finding.related.map((related, index) => ({
              id: index + 1,
              physicalLocation: { artifactLocation, region: region(related.range) },
              message: { text: related.message },
            })),
          }
        : {}),
    };
  });
  const log = {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: 'pg-health',
            informationUri: 'https://github.com/pg-health/pg-connection-health',
            version: toolVersion,
            rules,
          },
        },
        columnKind: 'utf16CodeUnits',
        results,
      },
    ],
  };
  return `${JSON.stringify(log, null, 2)}\n`;
}
