// Section 2: analysis as the user types. A 3,000-line TypeScript file built from the analyser's own
// fixtures (real acquire/release shapes, so the checker has work in every function), then one-character
// edits at seeded random places: each types an `x`, the next deletes it again. Latency is from the edit
// to the findings, measured two ways on the same edits:
// - full: analyzeText on the new text (a full parse, every function lowered and checked);
// - incremental: what the editor does (src/editor/openDocumentAnalysis.ts), one IncrementalAnalysis for
//   the document, `update(newText)`: tree-sitter's incremental reparse, only the functions whose lines
//   changed lowered and checked again (src/analysis/incremental.ts).
// A second series types and deletes a line break at a line start: every function below it moves, so
// the kept models are copied with shifted rows and those with findings are checked again.
// The editor also waits CHANGE_DEBOUNCE_MS after the last keystroke; that wait is not included.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Edit, Point } from '@vscode/tree-sitter-wasm';
import { analyzeText, type Finding } from '../src/analysis/analyzer';
import { IncrementalAnalysis, type UpdateStats } from '../src/analysis/incremental';
import { parseText, type SyntaxTree } from '../src/analysis/treeSitter';
import { fixturesDir } from '../test/support/paths';
import { percentile, round } from './stats';

export interface LatencyStats {
  p50: number;
  p95: number;
  max: number;
}

export interface IncrementalResults {
  lines: number;
  bytes: number;
  functions: number;
  findings: number;
  edits: number;
  /** Edit to findings, analyzeText (full parse, lower and check everything). */
  full: LatencyStats;
  /** Edit to findings, IncrementalAnalysis.update as the editor calls it. */
  incremental: LatencyStats;
  /** Edits that add or remove a line break (every later function moves): count and latency of both paths. */
  lineEdits?: number;
  lineFull?: LatencyStats;
  lineIncremental?: LatencyStats;
  /** Per one-character edit, medians: functions lowered again, kept from before, checked again, and ms per phase. */
  work?: { lowered: number; kept: number; checked: number; ms: UpdateStats['ms']; onlyEditedFunction?: number };
  /** The parse alone. */
  fullParse: LatencyStats;
  incrementalParse: LatencyStats;
  /** Edits (of both series) after which the two paths reported different findings, compared whole (must be 0). */
  mismatches: number;
  debounceMs: number;
}

const TARGET_LINES = 3000;

/** The TS and JS fixtures, copies renamed apart, cut at a blank line and padded to exactly 3,000 lines. */
export function buildLargeTypeScript(): string {
  const dir = path.join(fixturesDir, 'analysis');
  const sources = ['ts', 'js'].flatMap((sub) =>
    fs
      .readdirSync(path.join(dir, sub))
      .sort()
      .map((f) => fs.readFileSync(path.join(dir, sub, f), 'utf8')),
  );
  const header = "import { Pool, PoolClient } from 'pg';\n\nexport const pool = new Pool({ max: 20 });\n\n";
  const lines = header.split('\n');
  for (let copy = 0; lines.length < TARGET_LINES; copy++) {
    for (const source of sources) {
      const renamed = source.replace(/\b(function\*?\s+)([A-Za-z_$][\w$]*)/g, `$1$2_${copy}`);
      lines.push(...renamed.split('\n'));
    }
  }
  let cut = TARGET_LINES;
  while (cut > 0 && lines[cut - 1]?.trim() !== '') cut--;
  const kept = lines.slice(0, cut);
  while (kept.length < TARGET_LINES) kept.push(`// padding ${kept.length}`);
  return kept.join('\n');
}

function pointAt(text: string, index: number): Point {
  let row = 0;
  let lineStart = 0;
  for (let i = text.indexOf('\n'); i !== -1 && i < index; i = text.indexOf('\n', i + 1)) {
    row++;
    lineStart = i + 1;
  }
  return { row, column: index - lineStart };
}

interface OneEdit {
  text: string;
  edit: Edit;
}

function insertAt(text: string, at: number, typed: string): OneEdit[] {
  const start = pointAt(text, at);
  const end = typed === '\n' ? { row: start.row + 1, column: 0 } : { row: start.row, column: start.column + typed.length };
  const edited = `${text.slice(0, at)}${typed}${text.slice(at)}`;
  return [
    { text: edited, edit: { startIndex: at, oldEndIndex: at, newEndIndex: at + typed.length, startPosition: start, oldEndPosition: start, newEndPosition: end } },
    { text, edit: { startIndex: at, oldEndIndex: at + typed.length, newEndIndex: at, startPosition: start, oldEndPosition: end, newEndPosition: start } },
  ];
}

/** Pairs of edits: type `x` at a random identifier character, then delete it. */
function makeEdits(text: string, pairs: number, random: () => number): OneEdit[] {
  const edits: OneEdit[] = [];
  for (let i = 0; i < pairs; i++) {
    let at = Math.floor(random() * text.length);
    while (at < text.length && !/[A-Za-z]/.test(text[at] as string)) at++;
    edits.push(...insertAt(text, at, 'x'));
  }
  return edits;
}

/** Pairs of edits: a line break typed at the start of a random line, then deleted. */
function makeLineEdits(text: string, pairs: number, random: () => number): OneEdit[] {
  const edits: OneEdit[] = [];
  for (let i = 0; i < pairs; i++) {
    const at = text.lastIndexOf('\n', Math.floor(random() * text.length)) + 1;
    edits.push(...insertAt(text, at, '\n'));
  }
  return edits;
}

function stats(values: number[]): LatencyStats {
  return { p50: round(percentile(values, 50), 2), p95: round(percentile(values, 95), 2), max: round(Math.max(...values), 2) };
}


export async function runIncrementalBench(options: { pairs: number; debounceMs: number; log: (line: string) => void }): Promise<IncrementalResults> {
  const text = buildLargeTypeScript();
  let seed = 12345;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const edits = makeEdits(text, options.pairs, random);
  const lineEdits = makeLineEdits(text, Math.max(5, Math.round(options.pairs / 5)), random);

  // Warm-up: the JIT and the grammar, outside the measurements.
  for (let i = 0; i < 5; i++) await analyzeText(text, 'typescript');
  const baseline = await analyzeText(text, 'typescript');
  const functions = (text.match(/\bfunction\b/g) ?? []).length;
  // The editor's analyser for this document: created when it opens (first analysis not measured).
  const document = new IncrementalAnalysis('typescript');
  for (let i = 0; i < 3; i++) {
    await document.update(`${text}\n`);
    await document.update(text);
  }

  let mismatches = 0;
  const measure = async (series: OneEdit[]): Promise<{ full: number[]; incremental: number[]; work: IncrementalAnalysis['lastUpdate'][] }> => {
    const full: number[] = [];
    const incremental: number[] = [];
    const work: IncrementalAnalysis['lastUpdate'][] = [];
    for (const [i, { text: edited }] of series.entries()) {
      // Alternate which path goes first so neither always runs on a warmer cache.
      const runFull = async (): Promise<Finding[]> => {
        const started = performance.now();
        const findings = await analyzeText(edited, 'typescript');
        full.push(performance.now() - started);
        return findings;
      };
      const runIncremental = async (): Promise<Finding[]> => {
        const started = performance.now();
        const findings = await document.update(edited);
        incremental.push(performance.now() - started);
        work.push(document.lastUpdate);
        return findings;
      };
      const [a, b] = i % 2 === 0 ? [await runFull(), await runIncremental()] : [await runIncremental(), await runFull()].reverse();
      if (JSON.stringify(a) !== JSON.stringify(b)) mismatches++;
    }
    return { full, incremental, work };
  };
  const chars = await measure(edits);
  const lines = await measure(lineEdits);
  document.dispose();

  // The parse alone, both ways, on the same edits (the incremental one keeps its own tree).
  const fullParse: number[] = [];
  const incrementalParse: number[] = [];
  let tree: SyntaxTree | undefined = await parseText(text, 'typescript');
  for (const { text: edited, edit } of edits) {
    let started = performance.now();
    (await parseText(edited, 'typescript'))?.delete();
    fullParse.push(performance.now() - started);
    tree?.edit(edit);
    started = performance.now();
    const next = await parseText(edited, 'typescript', tree);
    incrementalParse.push(performance.now() - started);
    tree?.delete();
    tree = next;
  }
  tree?.delete();
  const medianOf = (key: 'lowered' | 'kept' | 'checked'): number => percentile(chars.work.map((w) => w[key]), 50);
  const phase = (key: keyof UpdateStats['ms']): number => round(percentile(chars.work.map((w) => w.ms[key]), 50), 2);
  const result: IncrementalResults = {
    lines: text.split('\n').length,
    bytes: Buffer.byteLength(text),
    functions,
    findings: baseline.length,
    edits: edits.length,
    full: stats(chars.full),
    incremental: stats(chars.incremental),
    lineEdits: lineEdits.length,
    lineFull: stats(lines.full),
    lineIncremental: stats(lines.incremental),
    work: {
      lowered: medianOf('lowered'),
      kept: medianOf('kept'),
      checked: medianOf('checked'),
      ms: { parse: phase('parse'), lower: phase('lower'), check: phase('check'), fixes: phase('fixes') },
      onlyEditedFunction: chars.work.filter((w) => w.onlyEditedFunction).length,
    },
    fullParse: stats(fullParse),
    incrementalParse: stats(incrementalParse),
    mismatches,
    debounceMs: options.debounceMs,
  };
  options.log(
    `  incremental: full p50 ${result.full.p50} p95 ${result.full.p95} ms; incremental p50 ${result.incremental.p50} p95 ${result.incremental.p95} ms; ` +
      `line edits full p95 ${result.lineFull?.p95}, incremental p95 ${result.lineIncremental?.p95} ms; mismatches ${mismatches}`,
  );
  return result;
}
