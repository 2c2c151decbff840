// Shared by the oracle tests: which fixture functions the analyser says leak, and how to compare
// that with what the runs against PostgreSQL left behind.
import { execFile } from 'node:child_process';
import * as path from 'node:path';
import { promisify } from 'node:util';
import { analyzeWorkspace } from '../../../src/analysis/analyzer';
import type { FunctionReport } from '../../oracle/faults';
import { repoRoot } from '../../support/paths';
import { LEAK_RULES, isFixture, type FixtureFile } from './corpus';
import { runGoFixtures } from './goOracle';

const run = promisify(execFile);
const jsRunner = path.join(__dirname, '..', '..', 'oracle', 'jsRunner.js');
const pyRunner = path.join(repoRoot, 'test', 'oracle', 'py_runner.py');
export const PYTHON = '/usr/bin/python3';

/** The driver a Python fixture file is written for, from its name: `psycopg2_basic.py` -> psycopg2. */
export function driverOf(file: string): string | undefined {
  const name = path.basename(file);
  return ['psycopg_pool', 'psycopg2', 'asyncpg'].find((d) => name.startsWith(`${d}_`));
}

/** Runs a fixture file's functions for real (see test/oracle) and returns what each run left behind. */
export async function runFixtures(file: FixtureFile, connectionString: string): Promise<FunctionReport[]> {
  if (file.language === 'go') return runGoFixtures(file.text, file.functions.filter(isFixture).map((f) => f.name), connectionString);
  const names = JSON.stringify(file.functions.filter(isFixture).map((f) => f.name));
  const options = { maxBuffer: 64 * 1024 * 1024, timeout: 240_000 };
  const { stdout } =
    file.language === 'python'
      ? await run(PYTHON, [pyRunner, file.absolute, connectionString, names, driverOf(file.absolute) as string], options)
      : await run(process.execPath, [jsRunner, file.absolute, connectionString, names], options);
  return JSON.parse(stdout) as FunctionReport[];
}

export const SKIP_FILE = /(?:\/\/|#)\s*oracle:\s*skip-file\s*\(([^)]+)\)/;

/** Function name -> whether the analyser reports a leak in it (or, per `oracle:` override, in code it calls). */
export async function analyserVerdicts(file: FixtureFile): Promise<Map<string, boolean>> {
  const [result] = await analyzeWorkspace([{ path: file.relative, text: file.text, language: file.language }]);
  const leakLines = (result?.findings ?? []).filter((f) => LEAK_RULES.includes(f.rule)).map((f) => f.range.startLine + 1);
  const fixtures = file.functions.filter(isFixture);
  const inFixture = (line: number): boolean => fixtures.some((fn) => line >= fn.startLine && line <= fn.endLine);
  // `oracle: leak` points at a leak in code the function calls; it holds only while there is one.
  const leakElsewhere = leakLines.some((line) => !inFixture(line));
  const verdicts = new Map<string, boolean>();
  for (const fn of fixtures) {
    const inside = leakLines.some((line) => line >= fn.startLine && line <= fn.endLine);
    verdicts.set(fn.name, fn.oracleOverride ? fn.oracleOverride === 'leak' && leakElsewhere : inside);
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
