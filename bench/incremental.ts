// Section 2: analysis as the user types. A 3,000-line TypeScript file built from the analyser's own
// fixtures (real acquire/release shapes, so the checker has work in every function), then one-character
// edits at seeded random places: each types an `x`, the next deletes it again. Latency is from the edit
// to the findings, measured two ways on the same edits:
// - full: what the editor does today, analyzeText on the new text (a full parse);
// - incremental: the previous tree `edit()`ed and handed to tree-sitter, which reuses unchanged
//   subtrees; lowering and checking as before (analyzeWorkspace's modeller hook).
// The editor also waits CHANGE_DEBOUNCE_MS after the last keystroke; that wait is not included.
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Edit, Point } from '@vscode/tree-sitter-wasm';
import { analyzeText, analyzeWorkspace, type Finding } from '../src/analysis/analyzer';
import { lowerJavaScript } from '../src/analysis/lowering/javascript';
import { parseText, type SyntaxTree } from '../src/analysis/treeSitter';
import type { FileModeller } from '../src/analysis/workspace';
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
  /** Edit to findings, full reparse (today's editor path). */
  full: LatencyStats;
  /** Edit to findings with tree-sitter's incremental reparse. */
  incremental: LatencyStats;
  /** The parse alone. */
  fullParse: LatencyStats;
  incrementalParse: LatencyStats;
  /** Edits after which the two paths reported different findings (must be 0). */
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

/** Pairs of edits: type `x` at a random identifier character, then delete it. */
function makeEdits(text: string, pairs: number): OneEdit[] {
  let seed = 12345;
  const random = (): number => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
  const edits: OneEdit[] = [];
  let current = text;
  for (let i = 0; i < pairs; i++) {
    let at = Math.floor(random() * current.length);
    while (at < current.length && !/[A-Za-z]/.test(current[at] as string)) at++;
    const start = pointAt(current, at);
    const typed = `${current.slice(0, at)}x${current.slice(at)}`;
    edits.push({ text: typed, edit: { startIndex: at, oldEndIndex: at, newEndIndex: at + 1, startPosition: start, oldEndPosition: start, newEndPosition: { row: start.row, column: start.column + 1 } } });
    edits.push({ text: current, edit: { startIndex: at, oldEndIndex: at + 1, newEndIndex: at, startPosition: start, oldEndPosition: { row: start.row, column: start.column + 1 }, newEndPosition: start } });
    current = text;
  }
  return edits;
}

function stats(values: number[]): LatencyStats {
  return { p50: round(percentile(values, 50), 2), p95: round(percentile(values, 95), 2), max: round(Math.max(...values), 2) };
}

function key(findings: readonly Finding[]): string {
  return findings.map((f) => `${f.rule}@${f.range.startLine}:${f.range.startColumn}`).join(',');
}

export async function runIncrementalBench(options: { pairs: number; debounceMs: number; log: (line: string) => void }): Promise<IncrementalResults> {
  const text = buildLargeTypeScript();
  const edits = makeEdits(text, options.pairs);

  // Keeps the document's last tree, as an editor integration would per open document.
  let tree: SyntaxTree | undefined = await parseText(text, 'typescript');
  let pendingEdit: Edit | undefined;
  let lastParseMs = 0;
  const incrementalModeller: FileModeller = async (files) => {
    const file = files[0];
    if (!file || files.length !== 1 || !tree || !pendingEdit) throw new Error('one edited document at a time');
    tree.edit(pendingEdit);
    const started = performance.now();
    const next = await parseText(file.text, file.language, tree);
    lastParseMs = performance.now() - started;
    tree.delete();
    tree = next;
    if (!next) return ['unparsable'];
    return [lowerJavaScript(next.rootNode)];
  };

  // Warm-up: the JIT and the grammar, outside the measurements.
  for (let i = 0; i < 5; i++) await analyzeText(text, 'typescript');
  const baseline = await analyzeText(text, 'typescript');
  const functions = (text.match(/\bfunction\b/g) ?? []).length;

  const full: number[] = [];
  const incremental: number[] = [];
  const fullParse: number[] = [];
  const incrementalParse: number[] = [];
  let mismatches = 0;
  for (const [i, { text: edited, edit }] of edits.entries()) {
    // Alternate which path goes first so neither always runs on a warmer cache.
    const runFull = async (): Promise<Finding[]> => {
      const started = performance.now();
      const findings = await analyzeText(edited, 'typescript');
      full.push(performance.now() - started);
      return findings;
    };
    const runIncremental = async (): Promise<Finding[]> => {
      pendingEdit = edit;
      const started = performance.now();
      const [result] = await analyzeWorkspace([{ path: 'large.ts', text: edited, language: 'typescript' }], {}, incrementalModeller);
      incremental.push(performance.now() - started);
      incrementalParse.push(lastParseMs);
      return result?.findings ?? [];
    };
    const [a, b] = i % 2 === 0 ? [await runFull(), await runIncremental()] : [await runIncremental(), await runFull()].reverse();
    if (key(a as Finding[]) !== key(b as Finding[])) mismatches++;
    const started = performance.now();
    (await parseText(edited, 'typescript'))?.delete();
    fullParse.push(performance.now() - started);
  }
  tree?.delete();
  const result: IncrementalResults = {
    lines: text.split('\n').length,
    bytes: Buffer.byteLength(text),
    functions,
    findings: baseline.length,
    edits: edits.length,
    full: stats(full),
    incremental: stats(incremental),
    fullParse: stats(fullParse),
    incrementalParse: stats(incrementalParse),
    mismatches,
    debounceMs: options.debounceMs,
  };
  options.log(`  incremental: full p50 ${result.full.p50} p95 ${result.full.p95} ms; incremental p50 ${result.incremental.p50} p95 ${result.incremental.p95} ms; mismatches ${mismatches}`);
  return result;
}
