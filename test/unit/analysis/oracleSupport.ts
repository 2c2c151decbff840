// Shared by the oracle tests: which fixture functions the analyser says leak, and how to compare
// that with what the runs against PostgreSQL left behind.
import { analyzeWorkspace } from '../../../src/analysis/analyzer';
import type { FunctionReport } from '../../oracle/faults';
import { LEAK_RULES, isFixture, type FixtureFile } from './corpus';

export const SKIP_FILE = /(?:\/\/|#)\s*oracle:\s*skip-file\s*\(([^)]+)\)/;

/** Function name -> whether the analyser reports a leak in it (or, per `oracle:` override, in code it calls). */
export async function analyserVerdicts(file: FixtureFile): Promise<Map<string, boolean>> {
  const [result] = await analyzeWorkspace([{ path: file.relative, text: file.text, language: file.language }]);
  const leakLines = (result?.findings ?? []).filter((f) => LEAK_RULES.includes(f.rule)).map((f) => f.range.startLine + 1);
  const verdicts = new Map<string, boolean>();
  for (const fn of file.functions.filter(isFixture)) {
    const inside = leakLines.some((line) => line >= fn.startLine && line <= fn.endLine);
    verdicts.set(fn.name, fn.oracleOverride ? fn.oracleOverride === 'leak' : inside);
  }
  return verdicts;
}

/** Human-readable disagreements between the analyser and the runs; empty when they agree. */
export function disagreements(reports: FunctionReport[], verdicts: Map<string, boolean>): string[] {
  const out: string[] = [];
  for (const [name, analyserLeak] of verdicts) {
    const report = reports.find((r) => r.name === name);
    if (!report) {
      out.push(`${name}: not run`);
      continue;
    }
    const leaking = report.runs.filter((r) => r.checkedOut > 0);
    if (analyserLeak && leaking.length === 0) {
      out.push(`${name}: the analyser reports a leak but no run left a connection checked out (${report.runs.length} runs)`);
    } else if (!analyserLeak && leaking.length > 0) {
      const shown = leaking.slice(0, 3).map((r) => `${r.fault}: ${r.checkedOut} left${r.error ? ` (${r.error})` : ''}`);
      out.push(`${name}: the analyser says safe but runs leaked: ${shown.join('; ')}`);
    }
  }
  return out;
}
