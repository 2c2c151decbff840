// Reads the fixture corpus under test/fixtures/analysis: each file's top-level functions, their
// `expect: RULE` lines and `safe` markers. Deliberately independent of the analyser (plain text
// scanning), so the labels are checked against the analyser rather than derived from it.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { LanguageId, RuleId } from '../../../src/analysis/analyzer';
import { languageForPath } from '../../../src/analysis/analyzer';
import { familyOf, type LanguageFamily } from '../../../src/analysis/languages';
import { fixturesDir } from '../../support/paths';

export const corpusDir = path.join(fixturesDir, 'analysis');

export const LEAK_RULES: readonly RuleId[] = ['unreleased-client', 'release-not-guaranteed', 'with-does-not-release'];

export interface Expectation {
  /** 1-based. */
  line: number;
  rule: RuleId;
}

export interface FixtureFunction {
  name: string;
  /** 1-based, inclusive: decorators and the header through the last line of the body. */
  startLine: number;
  endLine: number;
  safe: boolean;
  expectations: Expectation[];
  /** `// oracle: leak` / `# oracle: no-leak`: the leak happens (or not) in code this function calls. */
  oracleOverride?: 'leak' | 'no-leak';
  isAsync: boolean;
}

export interface FixtureFile {
  absolute: string;
  /** Relative to the corpus folder, e.g. `js/basic.js`. */
  relative: string;
  language: LanguageId;
  text: string;
  expectations: Expectation[];
  functions: FixtureFunction[];
}

const EXPECT = /(?:\/\/|#)\s*expect:\s*([a-z-]+(?:\s*,\s*[a-z-]+)*)/;
const SAFE = /(?:\/\/|#)\s*safe\b/;
const ORACLE = /(?:\/\/|#)\s*oracle:\s*(leak|no-leak)\b/;
const JS_FUNCTION = /^(?:export\s+)?(async\s+)?function\*?\s+([A-Za-z_$][\w$]*)/;
const PY_FUNCTION = /^(async\s+)?def\s+([A-Za-z_]\w*)/;
/** `func name(` and `func (s *Store) name(`. */
const GO_FUNCTION = /^func\s+(?:\([^)]*\)\s*)?()([A-Za-z_]\w*)\s*[([]/;
/** A method or constructor of a fixture class (indented four spaces): `    static async Task Name(`, `    public NpgsqlConnection Name(`, `    public Fixtures(`. */
const CS_FUNCTION = /^ {4}(?:(?:public|private|protected|internal|static|virtual|override|sealed|unsafe)\s+)*(async\s+)?(?:[\w.]+(?:<[\w.<>, ]*>)?\??\s+)?([A-Za-z_]\w*)\s*\(/;
/**
 * A fixture function's header line, by language family. Group 1 is set for an async one, group 2 is
 * its name. Brace languages end a function at the first later line that is its header's indent and `}`
 * (Java's and C#'s methods are indented in their class: Java's fixture methods by four spaces).
 */
const FUNCTION_HEADER: Record<LanguageFamily, RegExp> = {
  js: JS_FUNCTION,
  py: PY_FUNCTION,
  go: GO_FUNCTION,
  java: /^ {4}(?=[\w<@])(?!(?:return|throw|new|else|if|for|while|switch|try|catch|do)\b)(?:(?:public|protected|private|static|final|synchronized|abstract)\s+)*()(?:<[^>]*>\s+)?[\w<>[\],.? ]+?\s+(\w+)\s*\(/,
  cs: CS_FUNCTION,
};

function listFiles(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...listFiles(full));
    else if (languageForPath(full)) out.push(full);
  }
  return out.sort();
}

function topLevelFunctions(lines: string[], family: LanguageFamily): Omit<FixtureFunction, 'expectations' | 'safe' | 'oracleOverride'>[] {
  const found: Omit<FixtureFunction, 'expectations' | 'safe' | 'oracleOverride'>[] = [];
  const python = family === 'py';
  for (let i = 0; i < lines.length; i++) {
    const match = FUNCTION_HEADER[family].exec(lines[i] as string);
    if (!match) continue;
    let start = i;
    while (python && start > 0 && (lines[start - 1] as string).startsWith('@')) start--;
    let end = i + 1;
    if (python) {
      while (end < lines.length && (/^\s/.test(lines[end] as string) || (lines[end] as string).trim() === '')) end++;
      while (end - 1 > i && (lines[end - 1] as string).trim() === '') end--;
      end--; // last body line, 0-based
    } else {
      const indent = /^\s*/.exec(lines[i] as string)?.[0] ?? '';
      while (end < lines.length && !(lines[end] as string).startsWith(`${indent}}`)) end++;
    }
    found.push({ name: match[2] as string, startLine: start + 1, endLine: end + 1, isAsync: Boolean(match[1]) });
  }
  return found;
}

export function loadCorpus(): FixtureFile[] {
  return listFiles(corpusDir).map((absolute) =>
    fixtureFromText(absolute, path.relative(corpusDir, absolute).split(path.sep).join('/'), fs.readFileSync(absolute, 'utf8')),
  );
}

/** Reads a fixture's functions and labels from its text (also used for fixed copies of fixtures). */
export function fixtureFromText(absolute: string, relative: string, text: string): FixtureFile {
  {
    const language = languageForPath(absolute) as LanguageId;
    const lines = text.split('\n');
    const expectations: Expectation[] = [];
    lines.forEach((lineText, index) => {
      const match = EXPECT.exec(lineText);
      if (!match) return;
      for (const rule of (match[1] as string).split(',')) expectations.push({ line: index + 1, rule: rule.trim() as RuleId });
    });
    const family = familyOf(language);
    const functions = topLevelFunctions(lines, family).map((fn) => {
      const header = lines.slice(fn.startLine - 1, fn.endLine).find((l) => FUNCTION_HEADER[family].test(l)) ?? '';
      const body = lines.slice(fn.startLine - 1, fn.endLine).join('\n');
      const oracle = ORACLE.exec(body)?.[1] as 'leak' | 'no-leak' | undefined;
      return {
        ...fn,
        safe: SAFE.test(header),
        expectations: expectations.filter((e) => e.line >= fn.startLine && e.line <= fn.endLine),
        ...(oracle ? { oracleOverride: oracle } : {}),
      };
    });
    return { absolute, relative, language, text, expectations, functions };
  }
}

/** Fixtures are the functions that take a pool; `_helpers` are analysed but not counted or run. */
export function isFixture(fn: FixtureFunction): boolean {
  return !fn.name.startsWith('_');
}

export function expectsLeak(fn: FixtureFunction): boolean {
  if (fn.oracleOverride) return fn.oracleOverride === 'leak';
  return fn.expectations.some((e) => LEAK_RULES.includes(e.rule));
}
