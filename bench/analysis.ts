// Section 1: whole-workspace analysis on the corpus. Three tools, each a fresh process timed from
// spawn to exit (start-up, finding files and reading them included, as a user or CI pays it), run in
// rotating order so the machine's load drifts over all of them alike:
// - ours: `node dist/cli.js check DIR --format json` (all cores);
// - floor: tree-sitter parsing the same files on as many threads, nothing else (floorScan.ts);
// - peer: ESLint 9 with one CallExpression rule on the JS/TS part (eslintPeer.ts).
import { spawn } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { analyzeWorkspace, languageForPath, type SourceFile } from '../src/analysis/analyzer';
import { Catalogue } from '../src/analysis/catalogue';
import { familyOf, LANGUAGE_FAMILIES, type LanguageFamily } from '../src/analysis/languages';
import type { FileModel } from '../src/analysis/model';
import { apiNames, focusNames, mayAcquire, mentionsAny, modelFile, modellerInTurn, TreeCache, type FileModeller } from '../src/analysis/workspace';
import type { FocusNames } from '../src/analysis/lowering/focus';
import { parseText } from '../src/analysis/treeSitter';
import { fixturesDir, repoRoot } from '../test/support/paths';
import { totals, type Corpus, type CorpusFile, type CorpusTotals } from './corpus';
import type { EslintReport } from './eslintPeer';
import type { FloorReport } from './floorScan';
import { median, round } from './stats';

export type ToolName = 'ours' | 'floor' | 'eslint';
export type Part = 'all' | 'jsTs' | 'allWithApp';

interface Run {
  tool: ToolName;
  part: Part;
  wallMs: number;
  /** What the tool says it did. */
  detail: Record<string, number>;
}

export interface ToolSummary {
  tool: ToolName;
  part: Part;
  runsMs: number[];
  medianMs: number;
  filesPerSecond: number;
  mbPerSecond: number;
  linesPerSecond: number;
  detail: Record<string, number>;
}

export interface AnalysisResults {
  threads: number;
  repetitions: number;
  corpus: { all: CorpusTotals; jsTs: CorpusTotals; py: CorpusTotals; js: CorpusTotals; ts: CorpusTotals };
  tools: ToolSummary[];
  /** Ours over the floor (time): the target is at most 1.5. */
  oursOverFloor: { all: number; jsTs: number; allWithApp: number };
  /** ESLint over ours on the JS/TS part (time): the target is at least 3. */
  eslintOverOurs: number;
  /** Single-thread, in-process breakdown on a sample, for the explanation. */
  profile: ProfileResult;
  /** Corpus files that could acquire (parsed first), and that name any acquire or release API (parsed once something acquires). */
  filesMayAcquire: { js: number; py: number };
  filesMentioningApis: { js: number; py: number };
}

function runProcess(args: string[], cwd: string): Promise<{ wallMs: number; stdout: string; stderr: string; code: number | null }> {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    const child = spawn(process.execPath, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ wallMs: performance.now() - started, stdout, stderr, code }));
  });
}

async function runOurs(dirs: string[], part: Part): Promise<Run> {
  const output = path.join(os.tmpdir(), `pg-health-bench-ours-${process.pid}.json`);
  const r = await runProcess([path.join(repoRoot, 'dist', 'cli.js'), 'check', ...dirs, '--format', 'json', '--output', output], repoRoot);
  if (r.code !== 0 && r.code !== 1) throw new Error(`pg-health check exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(fs.readFileSync(output, 'utf8')) as { findings: unknown[]; filesScanned: number };
  fs.rmSync(output, { force: true });
  return { tool: 'ours', part, wallMs: r.wallMs, detail: { filesScanned: report.filesScanned, findings: report.findings.length } };
}

async function runFloor(dir: string, part: Part, threads: number): Promise<Run> {
  const r = await runProcess([path.join(__dirname, 'floorScan.js'), dir, '--threads', String(threads)], repoRoot);
  if (r.code !== 0) throw new Error(`floorScan exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(r.stdout) as FloorReport;
  return { tool: 'floor', part, wallMs: r.wallMs, detail: { filesParsed: report.files, treesWithErrors: report.errorTrees, parseFailures: report.failed } };
}

async function runEslint(dir: string, threads: number): Promise<Run> {
  const r = await runProcess([path.join(__dirname, 'eslintPeer.js'), dir, '--threads', String(threads)], repoRoot);
  if (r.code !== 0) throw new Error(`eslintPeer exited ${r.code}: ${r.stderr.slice(-2000)}`);
  const report = JSON.parse(r.stdout) as EslintReport;
  return {
    tool: 'eslint',
    part: 'jsTs',
    wallMs: r.wallMs,
    detail: { filesLinted: report.files, ruleReports: report.ruleReports, callExpressions: report.calls, parseErrors: report.parseErrors, ignored: report.ignored },
  };
}

/**
 * A tiny application that does use pools (two fixture files, one JS, one Python), checked together
 * with the corpus: with an acquire in sight, the analyser must also read every file that releases
 * something, for the helpers the application might call.
 */
function applicationFolder(): string {
  const dir = path.join(os.tmpdir(), 'pg-health-bench-app');
  fs.rmSync(dir, { recursive: true, force: true });
  fs.mkdirSync(dir, { recursive: true });
  fs.copyFileSync(path.join(fixturesDir, 'analysis', 'js', 'basic.js'), path.join(dir, 'db.js'));
  fs.copyFileSync(path.join(fixturesDir, 'analysis', 'py', 'psycopg2_basic.py'), path.join(dir, 'db.py'));
  return dir;
}

function summarise(runs: Run[], tool: ToolName, part: Part, size: CorpusTotals): ToolSummary {
  const mine = runs.filter((r) => r.tool === tool && r.part === part);
  const runsMs = mine.map((r) => round(r.wallMs, 0));
  const ms = median(mine.map((r) => r.wallMs));
  return {
    tool,
    part,
    runsMs,
    medianMs: round(ms, 0),
    filesPerSecond: round((size.files * 1000) / ms, 0),
    mbPerSecond: round(size.bytes / 1e6 / (ms / 1000), 2),
    linesPerSecond: round((size.lines * 1000) / ms, 0),
    detail: mine[mine.length - 1]?.detail ?? {},
  };
}

export async function runAnalysisBench(corpus: Corpus, options: { repetitions: number; threads: number; profileFiles: number; log: (line: string) => void }): Promise<AnalysisResults> {
  const { repetitions, threads, log } = options;
  const jsTsFiles = corpus.files.filter((f) => f.group !== 'py');
  const size = {
    all: totals(corpus.files),
    jsTs: totals(jsTsFiles),
    py: totals(corpus.files.filter((f) => f.group === 'py')),
    js: totals(corpus.files.filter((f) => f.group === 'js')),
    ts: totals(corpus.files.filter((f) => f.group === 'ts')),
  };
  const app = applicationFolder();
  const steps: (() => Promise<Run>)[] = [
    () => runOurs([corpus.dir], 'all'),
    () => runOurs([corpus.dir, app], 'allWithApp'),
    () => runFloor(corpus.dir, 'all', threads),
    () => runOurs([corpus.jsTsDir], 'jsTs'),
    () => runFloor(corpus.jsTsDir, 'jsTs', threads),
    () => runEslint(corpus.jsTsDir, threads),
  ];
  const runs: Run[] = [];
  for (let rep = 0; rep < repetitions; rep++) {
    for (let i = 0; i < steps.length; i++) {
      const run = await (steps[(i + rep) % steps.length] as () => Promise<Run>)();
      log(`  analysis rep ${rep + 1}/${repetitions}: ${run.tool} ${run.part} ${round(run.wallMs, 0)} ms ${JSON.stringify(run.detail)}`);
      runs.push(run);
    }
  }
  const tools = [
    summarise(runs, 'ours', 'all', size.all),
    summarise(runs, 'ours', 'allWithApp', size.all),
    summarise(runs, 'floor', 'all', size.all),
    summarise(runs, 'ours', 'jsTs', size.jsTs),
    summarise(runs, 'floor', 'jsTs', size.jsTs),
    summarise(runs, 'eslint', 'jsTs', size.jsTs),
  ];
  const ms = (tool: ToolName, part: Part): number => tools.find((t) => t.tool === tool && t.part === part)?.medianMs ?? Number.NaN;
  const profile = await profileSample(corpus, options.profileFiles, app);
  const mentions = { js: mentionsAny(apiNames(new Catalogue('js'))), py: mentionsAny(apiNames(new Catalogue('py'))) };
  const acquiring = { js: mayAcquire(new Catalogue('js')), py: mayAcquire(new Catalogue('py')) };
  const filesMentioningApis = { js: 0, py: 0 };
  const filesMayAcquire = { js: 0, py: 0 };
  for (const f of corpus.files) {
    const family = f.group === 'py' ? 'py' : 'js';
    const text = fs.readFileSync(path.join(corpus.dir, f.rel), 'utf8');
    if (mentions[family](text)) filesMentioningApis[family]++;
    if (acquiring[family](text)) filesMayAcquire[family]++;
  }
  return {
    threads,
    repetitions,
    corpus: size,
    tools,
    oursOverFloor: {
      all: round(ms('ours', 'all') / ms('floor', 'all'), 2),
      jsTs: round(ms('ours', 'jsTs') / ms('floor', 'jsTs'), 2),
      allWithApp: round(ms('ours', 'allWithApp') / ms('floor', 'all'), 2),
    },
    eslintOverOurs: round(ms('eslint', 'jsTs') / ms('ours', 'jsTs'), 2),
    profile,
    filesMayAcquire,
    filesMentioningApis,
  };
}

export interface ProfileResult {
  files: number;
  bytes: number;
  /** Milliseconds on one thread, in this process. */
  parseMs: number;
  /** Parse and lower every file (what analysing costs without the text pre-filter). */
  parseAndLowerMs: number;
  /** Parse every file and lower only the functions that name a built-in API (lowering/focus.ts). */
  parseAndFocusedLowerMs: number;
  /** analyzeWorkspace over the sample as the CLI runs it. */
  analyzeWorkspaceMs: number;
  /** analyzeWorkspace over the sample and the pool-using app (the gate open), with what it did. */
  withApp: { ms: number; findings: number; filesModelled: number; filesLoweredAgain: number; functionsLowered: number; functionsLeftUnlowered: number };
}

/** The in-process modeller, counting what it does. */
function countingModeller(cache: TreeCache): { modeller: FileModeller; counts: ProfileResult['withApp'] } {
  const inner = modellerInTurn(cache);
  const seen = new Set<string>();
  const counts = { ms: 0, findings: 0, filesModelled: 0, filesLoweredAgain: 0, functionsLowered: 0, functionsLeftUnlowered: 0 };
  const modeller: FileModeller = async (files, names) => {
    const models = await inner(files, names);
    files.forEach((file, i) => {
      if (seen.has(file.path)) counts.filesLoweredAgain++;
      else counts.filesModelled++;
      seen.add(file.path);
      const model = models[i] as FileModel | string;
      if (typeof model === 'string') return;
      counts.functionsLowered += model.functions.length;
      counts.functionsLeftUnlowered += model.unlowered?.length ?? 0;
    });
    return models;
  };
  return { modeller, counts };
}

/** Every n-th corpus file, read into memory: where the time goes without processes and threads in the way. */
async function profileSample(corpus: Corpus, count: number, app: string): Promise<ProfileResult> {
  const stride = Math.max(1, Math.floor(corpus.files.length / Math.max(1, count)));
  const picked: CorpusFile[] = corpus.files.filter((_, i) => i % stride === 0).slice(0, count);
  const sources: SourceFile[] = picked.map((f) => {
    const absolute = path.join(corpus.dir, f.rel);
    return { path: absolute, text: fs.readFileSync(absolute, 'utf8'), language: languageForPath(absolute) ?? 'javascript' };
  });
  // Warm up: grammars loaded, JIT settled on a few files.
  for (const s of sources.slice(0, 5)) (await parseText(s.text, s.language))?.delete();
  await analyzeWorkspace(sources.slice(0, 5));
  const names = Object.fromEntries(LANGUAGE_FAMILIES.map((family) => [family, focusNames(new Catalogue(family))])) as Record<LanguageFamily, FocusNames>;
  // The three passes over the sample, three times in rotating order, medians: the load of the shared
  // machine drifts over all of them alike.
  const passes: (() => Promise<unknown>)[] = [
    async () => {
      for (const s of sources) (await parseText(s.text, s.language))?.delete();
    },
    async () => {
      for (const s of sources) await modelFile(s);
    },
    async () => {
      for (const s of sources) await modelFile(s, names[familyOf(s.language)]);
    },
  ];
  const passMs: number[][] = passes.map(() => []);
  for (let rep = 0; rep < 3; rep++) {
    for (let i = 0; i < passes.length; i++) {
      const pass = (i + rep) % passes.length;
      const started = performance.now();
      await (passes[pass] as () => Promise<unknown>)();
      (passMs[pass] as number[]).push(performance.now() - started);
    }
  }
  const [parseMs, parseAndLowerMs, parseAndFocusedLowerMs] = passMs.map(median) as [number, number, number];
  let t = performance.now();
  await analyzeWorkspace(sources);
  const analyzeWorkspaceMs = performance.now() - t;
  const appSources: SourceFile[] = fs.readdirSync(app).map((f) => {
    const absolute = path.join(app, f);
    return { path: absolute, text: fs.readFileSync(absolute, 'utf8'), language: languageForPath(absolute) ?? 'javascript' };
  });
  const cache = new TreeCache();
  const { modeller, counts } = countingModeller(cache);
  t = performance.now();
  try {
    const results = await analyzeWorkspace([...sources, ...appSources], {}, modeller);
    counts.ms = round(performance.now() - t, 0);
    counts.findings = results.reduce((n, r) => n + r.findings.length, 0);
  } finally {
    cache.clear();
  }
  return {
    files: sources.length,
    bytes: sources.reduce((n, s) => n + Buffer.byteLength(s.text), 0),
    parseMs: round(parseMs, 0),
    parseAndLowerMs: round(parseAndLowerMs, 0),
    parseAndFocusedLowerMs: round(parseAndFocusedLowerMs, 0),
    analyzeWorkspaceMs: round(analyzeWorkspaceMs, 0),
    withApp: counts,
  };
}
