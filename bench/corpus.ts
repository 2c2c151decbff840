// The corpus for the whole-workspace benchmark: real JavaScript/TypeScript from this repository's
// node_modules and real Python from the machine's /usr/lib/python3*, copied into one folder under the
// system temp dir. Copying matters: every tool reads the same bytes from the same place, and neither
// our CLI (which skips node_modules and site-packages) nor ESLint (which ignores node_modules) has a
// reason to skip any of it. Paths are flattened (`eslint/lib/linter.js` -> `eslint__lib__linter.js`)
// so no folder is named node_modules, dist or build.
import { createHash } from 'node:crypto';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { languageForPath } from '../src/analysis/analyzer';
import { quickSkip } from '../src/analysis/workspace';
import { repoRoot } from '../test/support/paths';

export type CorpusGroup = 'js' | 'ts' | 'py';

export interface CorpusFile {
  /** Path inside the corpus folder, e.g. `js/0003/eslint__lib__linter__linter.js`. */
  rel: string;
  /** Where it was copied from. */
  source: string;
  group: CorpusGroup;
  bytes: number;
  lines: number;
}

export interface Corpus {
  dir: string;
  /** Folder with the JavaScript and TypeScript files only (what the ESLint peer lints). */
  jsTsDir: string;
  pyDir: string;
  files: CorpusFile[];
}

export interface CorpusTargets {
  /** Lines of JS/TS to take from node_modules. */
  jsTsLines: number;
  /** Lines of Python to take from /usr/lib/python3*. */
  pyLines: number;
}

// Python weighs more than JS/TS: ESLint, the slowest tool, reads only the JS/TS part, and the run must stay near 15 minutes.
export const FULL_CORPUS: CorpusTargets = { jsTsLines: 420_000, pyLines: 600_000 };

/** Packages a user of this extension certainly has; taken whole before the stride sample fills up the rest. */
const NAMED_PACKAGES = /^(pg|pg-[^/]+|pgpass|eslint|@eslint\/[^/]+|espree|acorn|@typescript-eslint\/[^/]+|typescript-eslint|typescript|mocha)\//;

const FILES_PER_FOLDER = 250;

function walk(root: string, accept: (file: string) => boolean): string[] {
  const out: string[] = [];
  const stack = [root];
  while (stack.length) {
    const dir = stack.pop() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory()) stack.push(full);
      else if (entry.isFile() && accept(full)) out.push(full);
    }
  }
  return out.sort();
}

interface Candidate {
  source: string;
  /** Relative to its root (node_modules or /usr/lib). */
  rel: string;
  group: CorpusGroup;
  bytes: number;
  lines: number;
}

function candidate(root: string, source: string): Candidate | undefined {
  const language = languageForPath(source);
  if (!language) return undefined;
  const text = fs.readFileSync(source, 'utf8');
  // Files the analyser would skip (too large, binary, minified, generated) would flatter it: they are left out for everyone.
  if (quickSkip({ path: source, text, language })) return undefined;
  let lines = 0;
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) lines++;
  if (!text.endsWith('\n') && text.length > 0) lines++;
  const group: CorpusGroup = language === 'python' ? 'py' : language === 'typescript' ? 'ts' : 'js';
  return { source, rel: path.relative(root, source), group, bytes: Buffer.byteLength(text), lines };
}

/**
 * Up to `lines` of the candidates, spread evenly (every k-th file) so the sample spans all packages;
 * `preferred` files get up to `preferredShare` of the budget before the rest fill it.
 */
function sample(all: Candidate[], lines: number, preferred: (c: Candidate) => boolean, preferredShare: number): Candidate[] {
  const first = spread(all.filter(preferred), lines * preferredShare);
  const have = first.reduce((n, c) => n + c.lines, 0);
  const taken = new Set(first);
  const rest = spread(all.filter((c) => !taken.has(c)), lines - have);
  return [...first, ...rest].sort((a, b) => (a.source < b.source ? -1 : 1));
}

function spread(candidates: Candidate[], lines: number): Candidate[] {
  const available = candidates.reduce((n, c) => n + c.lines, 0);
  if (available <= lines) return candidates;
  // Every k-th line's file, then, if big files made that fall short, the next unpicked files in order.
  const stride = available / Math.max(1, lines);
  const chosen = new Set<Candidate>();
  let have = 0;
  let next = 0;
  let seen = 0;
  for (const c of candidates) {
    if (have >= lines) break;
    if (seen >= next) {
      chosen.add(c);
      have += c.lines;
      next += stride * c.lines;
    }
    seen += c.lines;
  }
  for (const c of candidates) {
    if (have >= lines) break;
    if (chosen.has(c)) continue;
    chosen.add(c);
    have += c.lines;
  }
  return [...chosen];
}

function selectJsTs(targetLines: number): Candidate[] {
  const root = path.join(repoRoot, 'node_modules');
  const sources = walk(root, (f) => /\.(js|mjs|cjs|ts)$/.test(f) && !/\.d\.[cm]?ts$/.test(f));
  const all = sources.map((s) => candidate(root, s)).filter((c): c is Candidate => c !== undefined);
  // TypeScript sources are rare in node_modules: prefer them so the TS parser has real work too.
  return sample(all, targetLines, (c) => c.group === 'ts' || NAMED_PACKAGES.test(c.rel), 0.6);
}

function selectPython(targetLines: number): Candidate[] {
  const root = '/usr/lib';
  const dirs = fs
    .readdirSync(root)
    .filter((d) => /^python3(\.\d+)?$/.test(d))
    .map((d) => path.join(root, d));
  // The versioned folder is the standard library proper: most of the budget, the rest from dist-packages.
  const all = dirs.flatMap((d) => walk(d, (f) => f.endsWith('.py'))).map((s) => candidate(root, s)).filter((c): c is Candidate => c !== undefined);
  return sample(all, targetLines, (c) => /^python3\.\d+\//.test(c.rel), 0.75);
}

function flatName(rel: string): string {
  const flat = rel.split(path.sep).join('__');
  // File names stop at 255 bytes; deep package paths can pass that once flattened.
  return flat.length <= 200 ? flat : `${createHash('sha1').update(rel).digest('hex').slice(0, 12)}__${flat.slice(-180)}`;
}

/** Builds (or reuses, when the same selection is already there) the corpus folder. */
export function buildCorpus(targets: CorpusTargets, log: (line: string) => void = () => undefined): Corpus {
  const dir = path.join(os.tmpdir(), `pg-health-bench-corpus-${targets.jsTsLines}-${targets.pyLines}`);
  const manifestPath = path.join(dir, 'manifest.json');
  if (fs.existsSync(manifestPath)) {
    const corpus = JSON.parse(fs.readFileSync(manifestPath, 'utf8')) as Corpus;
    if (corpus.files.every((f) => fs.existsSync(path.join(dir, f.rel)))) {
      log(`corpus: reusing ${dir}`);
      return corpus;
    }
  }
  fs.rmSync(dir, { recursive: true, force: true });
  const chosen = [...selectJsTs(targets.jsTsLines), ...selectPython(targets.pyLines)];
  const files: CorpusFile[] = [];
  const counters = { js: 0, py: 0 };
  for (const c of chosen) {
    const top = c.group === 'py' ? 'py' : 'js';
    const index = counters[top]++;
    const rel = path.join(top, String(Math.floor(index / FILES_PER_FOLDER)).padStart(4, '0'), flatName(c.rel));
    fs.mkdirSync(path.dirname(path.join(dir, rel)), { recursive: true });
    fs.copyFileSync(c.source, path.join(dir, rel));
    files.push({ rel, source: c.source, group: c.group, bytes: c.bytes, lines: c.lines });
  }
  const corpus: Corpus = { dir, jsTsDir: path.join(dir, 'js'), pyDir: path.join(dir, 'py'), files };
  fs.writeFileSync(manifestPath, JSON.stringify(corpus));
  log(`corpus: ${files.length} files copied to ${dir}`);
  return corpus;
}

export interface CorpusTotals {
  files: number;
  bytes: number;
  lines: number;
}

export function totals(files: readonly CorpusFile[]): CorpusTotals {
  return { files: files.length, bytes: files.reduce((n, f) => n + f.bytes, 0), lines: files.reduce((n, f) => n + f.lines, 0) };
}
