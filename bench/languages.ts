// Section 7: the analyser on Go, Java and C# against each grammar's parse floor, as section 1 does for
// JS/TS/Python. Real code only: Go from Debian's Go sources (/usr/share/gocode: the pgx and lib/pq
// packages the Go oracle builds with, and their dependencies), and for every language the public
// repositories of bench/wild/repos-*.tsv that the search tool's `fetch` brought to /work/.mirror
// (or $WILD_MIRROR), read at their pinned commits. Each language's files are copied into one folder;
// `pg-health check DIR` (ours) and floorScan (tree-sitter parsing the same files on the same threads,
// nothing else) run alternately; medians. The target is ours ≤ 1.5 × the floor.
import { execFileSync, spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { languageForPath, type LanguageId } from '../src/analysis/analyzer';
import { repoRoot } from '../test/support/paths';
import { median, round } from './stats';

const LANGUAGES: { id: LanguageId; label: string }[] = [
  { id: 'go', label: 'Go' },
  { id: 'java', label: 'Java' },
  { id: 'csharp', label: 'C#' },
];

export interface LanguageRow {
  language: string;
  files: number;
  lines: number;
  bytes: number;
  sources: string[];
  oursMs: number;
  oursRunsMs: number[];
  floorMs: number;
  floorRunsMs: number[];
  oursOverFloor: number;
  findings: number;
}

export interface LanguagesResults {
  threads: number;
  repetitions: number;
  rows: LanguageRow[];
  /** Languages with no file on this machine (no Go sources, no fetched repository). */
  missing: string[];
}

const MAX_FILES = 4000;
const MAX_FILE_BYTES = 400_000;

function walk(root: string, accept: (file: string) => boolean, out: string[]): void {
  const stack = [root];
  while (stack.length && out.length < MAX_FILES * 4) {
    const dir = stack.pop() as string;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    for (const entry of entries.sort((a, b) => a.name.localeCompare(b.name))) {
      const full = path.join(dir, entry.name);
      if (entry.isDirectory() && !/^(\.git|node_modules|vendor|testdata)$/.test(entry.name)) stack.push(full);
      else if (entry.isFile() && accept(full)) out.push(full);
    }
  }
}

/** The wild repositories of one language, checked out at their pinned commits into a temp folder. */
function wildCheckouts(language: LanguageId, log: (line: string) => void): string[] {
  const mirror = process.env.WILD_MIRROR ?? '/work/.mirror';
  const wild = path.join(repoRoot, 'bench', 'wild');
  const out: string[] = [];
  for (const table of fs.readdirSync(wild).filter((f) => /^repos-.*\.tsv$/.test(f))) {
    const [head, ...rows] = fs.readFileSync(path.join(wild, table), 'utf8').split('\n').filter((l) => l.trim() && !l.startsWith('#'));
    const columns = (head ?? '').split('\t');
    for (const line of rows) {
      const cells = line.split('\t');
      const get = (name: string): string => cells[columns.indexOf(name)]?.trim() ?? '';
      if (get('language') !== language) continue;
      const repo = get('repo');
      const commit = get('commit');
      const base = path.join(mirror, repo.replace('/', '+'));
      const gitDir = fs.existsSync(path.join(base, 'repo')) ? path.join(base, 'repo') : base;
      if (!fs.existsSync(gitDir)) continue;
      const dest = path.join(os.tmpdir(), 'pg-health-bench-lang-src', repo.replace('/', '+'));
      if (!fs.existsSync(dest)) {
        try {
          fs.mkdirSync(dest, { recursive: true });
          execFileSync('sh', ['-c', `git --git-dir="${gitDir}" archive ${commit} | tar -x -C "${dest}"`], { stdio: 'ignore' });
        } catch {
          log(`  languages: could not read ${repo} at ${commit}`);
          continue;
        }
      }
      out.push(dest);
    }
  }
  return out;
}

/** One folder of this language's files, flattened (no folder named vendor, dist, build that the CLI skips). */
function corpusFor(language: LanguageId, log: (line: string) => void): { dir: string; files: number; lines: number; bytes: number; sources: string[] } {
  const roots = [...(language === 'go' && fs.existsSync('/usr/share/gocode/src') ? ['/usr/share/gocode/src'] : []), ...wildCheckouts(language, log)];
  const found: string[] = [];
  for (const root of roots) walk(root, (f) => languageForPath(f) === language, found);
  const dir = path.join(os.tmpdir(), 'pg-health-bench-lang', language);
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  let files = 0;
  let lines = 0;
  let bytes = 0;
  // A stride over everything found, so that one large repository does not make the whole sample.
  const stride = Math.max(1, Math.ceil(found.length / MAX_FILES));
  found.forEach((source, i) => {
    if (i % stride !== 0) return;
    const size = fs.statSync(source).size;
    if (size > MAX_FILE_BYTES) return;
    const text = fs.readFileSync(source, 'utf8');
    const name = `${String(files).padStart(5, '0')}__${path.basename(source)}`;
    fs.writeFileSync(path.join(dir, name), text);
    files++;
    bytes += size;
    lines += text.split('\n').length;
  });
  return { dir, files, lines, bytes, sources: roots.map((r) => (r.startsWith('/usr/') ? r : path.basename(r).replace('+', '/'))) };
}

function runProcess(args: string[]): Promise<{ wallMs: number; stdout: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'ignore'] });
    let stdout = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ wallMs: performance.now() - started, stdout, code }));
  });
}

export async function runLanguagesBench(options: { repetitions: number; threads: number; log: (line: string) => void }): Promise<LanguagesResults> {
  const { repetitions, threads, log } = options;
  const rows: LanguageRow[] = [];
  const missing: string[] = [];
  for (const { id, label } of LANGUAGES) {
    const corpus = corpusFor(id, log);
    if (corpus.files === 0) {
      missing.push(label);
      log(`  languages: no ${label} files on this machine`);
      continue;
    }
    log(`  languages: ${label}: ${corpus.files} files, ${corpus.lines} lines from ${corpus.sources.length} sources`);
    const ours: number[] = [];
    const floor: number[] = [];
    let findings = 0;
    const output = path.join(os.tmpdir(), `pg-health-bench-lang-${process.pid}.json`);
    for (let rep = 0; rep < repetitions; rep++) {
      const steps = [
        async () => {
          const r = await runProcess([path.join(repoRoot, 'dist', 'cli.js'), 'check', corpus.dir, '--format', 'json', '--output', output]);
          if (r.code !== 0 && r.code !== 1) throw new Error(`pg-health check exited ${r.code} on the ${label} corpus`);
          findings = (JSON.parse(fs.readFileSync(output, 'utf8')) as { findings: unknown[] }).findings.length;
          ours.push(r.wallMs);
        },
        async () => {
          const r = await runProcess([path.join(__dirname, 'floorScan.js'), corpus.dir, '--threads', String(threads)]);
          if (r.code !== 0) throw new Error(`floorScan exited ${r.code} on the ${label} corpus`);
          floor.push(r.wallMs);
        },
      ];
      // Alternating which runs first: the machine's load drifts over both alike.
      for (const step of rep % 2 === 0 ? steps : [...steps].reverse()) await step();
    }
    fs.rmSync(output, { force: true });
    const oursMs = median(ours);
    const floorMs = median(floor);
    rows.push({
      language: label,
      files: corpus.files,
      lines: corpus.lines,
      bytes: corpus.bytes,
      sources: corpus.sources,
      oursMs: round(oursMs, 0),
      oursRunsMs: ours.map((m) => round(m, 0)),
      floorMs: round(floorMs, 0),
      floorRunsMs: floor.map((m) => round(m, 0)),
      oursOverFloor: round(oursMs / floorMs, 2),
      findings,
    });
  }
  return { threads, repetitions, rows, missing };
}
