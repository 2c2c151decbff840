// `npm run bench` (scripts/bench.mjs builds, then runs this): every section in one run, the table on
// standard output, the raw numbers and the table in bench/results.json and bench/results.md.
// `--size small` runs everything small (a few hundred files, 100 sessions) and writes to bench/tmp/
// instead; `--only analysis,incremental,monitoring,extension,fleet,sqlmatch,languages,history,prometheus` picks sections, and `--merge` keeps the
// other sections from the results already written; `--render` only rewrites results.md from results.json.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { repoRoot } from '../test/support/paths';
import { runAnalysisBench } from './analysis';
import { buildCorpus, FULL_CORPUS, totals, type CorpusTargets } from './corpus';
import { runExtensionBench } from './extension';
import { runFleetBench } from './fleet';
import { runHistoryBench } from './history';
import { runIncrementalBench } from './incremental';
import { runMonitoringBench } from './monitoring';
import { runSqlMatchBench } from './sqlMatch';
import { runLanguagesBench } from './languages';
import { runPrometheusBench } from './prometheus';
import { renderMarkdown, type BenchResults } from './report';
import { busiestProcesses, describeMachine, loadSample } from './stats';

type Section = 'analysis' | 'incremental' | 'monitoring' | 'extension' | 'fleet' | 'sqlmatch' | 'languages' | 'history' | 'prometheus';
const SECTIONS: Section[] = ['analysis', 'incremental', 'monitoring', 'extension', 'fleet', 'sqlmatch', 'languages', 'history', 'prometheus'];

interface Plan {
  size: 'full' | 'small';
  corpus: CorpusTargets;
  repetitions: number;
  profileFiles: number;
  editPairs: number;
  sessionSizes: number[];
  queryRuns: number;
  extensionSessions: number;
  fleet: { servers: number; databasesPerServer: number; cycles: number };
  sqlMatch: { statements: number; sessions: number; runs: number };
  history: { sessions: number; runs: number };
  prometheus: { runs: number };
}

const PLANS: Record<'full' | 'small', Plan> = {
  full: { size: 'full', corpus: FULL_CORPUS, repetitions: 3, profileFiles: 300, editPairs: 50, sessionSizes: [1000, 3000], queryRuns: 50, extensionSessions: 1000, fleet: { servers: 5, databasesPerServer: 10, cycles: 20 }, sqlMatch: { statements: 10_000, sessions: 3_000, runs: 5 }, history: { sessions: 100, runs: 50 }, prometheus: { runs: 10 } },
  small: { size: 'small', corpus: { jsTsLines: 20_000, pyLines: 15_000 }, repetitions: 1, profileFiles: 50, editPairs: 15, sessionSizes: [100], queryRuns: 10, extensionSessions: 100, fleet: { servers: 2, databasesPerServer: 5, cycles: 5 }, sqlMatch: { statements: 1_000, sessions: 300, runs: 2 }, history: { sessions: 20, runs: 10 }, prometheus: { runs: 3 } },
};

function parseArgs(argv: string[]): { plan: Plan; only: Section[]; merge: boolean; render: boolean } {
  const value = (flag: string): string | undefined => {
    const i = argv.indexOf(flag);
    return i >= 0 ? argv[i + 1] : argv.find((a) => a.startsWith(`${flag}=`))?.slice(flag.length + 1);
  };
  const size = value('--size') ?? process.env['BENCH_SIZE'] ?? 'full';
  if (size !== 'full' && size !== 'small') throw new Error(`--size is full or small, not ${size}`);
  const only = (value('--only') ?? SECTIONS.join(',')).split(',').filter(Boolean) as Section[];
  for (const s of only) if (!SECTIONS.includes(s)) throw new Error(`unknown section ${s} (${SECTIONS.join(', ')})`);
  return { plan: PLANS[size], only, merge: argv.includes('--merge'), render: argv.includes('--render') };
}

function outputDir(plan: Plan): string {
  return plan.size === 'full' ? path.join(repoRoot, 'bench') : path.join(repoRoot, 'bench', 'tmp');
}

function write(outDir: string, results: BenchResults): string {
  fs.mkdirSync(outDir, { recursive: true });
  const markdown = renderMarkdown(results);
  fs.writeFileSync(path.join(outDir, 'results.json'), `${JSON.stringify(results, null, 2)}\n`);
  fs.writeFileSync(path.join(outDir, 'results.md'), markdown);
  return markdown;
}

async function main(): Promise<void> {
  const { plan, only, merge, render } = parseArgs(process.argv.slice(2));
  const outDir = outputDir(plan);
  const previousFile = path.join(outDir, 'results.json');
  const previous = fs.existsSync(previousFile) ? (JSON.parse(fs.readFileSync(previousFile, 'utf8')) as BenchResults) : undefined;
  if (render) {
    if (!previous) throw new Error(`no ${previousFile} to render`);
    process.stdout.write(write(outDir, previous));
    return;
  }
  const started = Date.now();
  const log = (line: string): void => {
    process.stderr.write(`[${Math.round((Date.now() - started) / 1000)} s] ${line}\n`);
  };
  const results: BenchResults = {
    startedAt: new Date(started).toISOString(),
    size: plan.size,
    machine: describeMachine(),
    load: { before: loadSample(), sections: {} },
    busiestBefore: busiestProcesses(),
  };
  const sectionLoad = (name: string): void => {
    (results.load.sections as Record<string, unknown>)[name] = loadSample();
  };

  const corpus = buildCorpus(plan.corpus, log);
  results.corpus = { dir: corpus.dir, ...totals(corpus.files) };
  log(`corpus: ${results.corpus.files} files, ${results.corpus.lines} lines, ${(results.corpus.bytes / 1e6).toFixed(1)} MB`);

  const guard = async <T>(name: Section, run: () => Promise<T>): Promise<T | undefined> => {
    if (!only.includes(name)) return undefined;
    log(`${name}: start (load ${os.loadavg().map((l) => l.toFixed(1)).join(' ')})`);
    try {
      return await run();
    } catch (error) {
      log(`${name}: failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      (results.errors ??= {})[name] = error instanceof Error ? error.message : String(error);
      return undefined;
    } finally {
      sectionLoad(name);
    }
  };

  results.analysis = await guard('analysis', () =>
    runAnalysisBench(corpus, { repetitions: plan.repetitions, threads: os.availableParallelism(), profileFiles: plan.profileFiles, log }),
  );
  results.incremental = await guard('incremental', () => runIncrementalBench({ pairs: plan.editPairs, debounceMs: 300, log }));
  results.monitoring = await guard('monitoring', () => runMonitoringBench({ sizes: plan.sessionSizes, runs: plan.queryRuns, log }));
  if (results.monitoring) results.machine.postgres = results.monitoring.postgresVersion;
  results.extension = await guard('extension', () => runExtensionBench(corpus, { sessions: plan.extensionSessions, log }));
  if (results.extension?.probe?.vscodeVersion) results.machine.vscode = `${results.extension.probe.vscodeVersion} (code-server 4.100.3)`;

  results.fleet = await guard('fleet', () => runFleetBench({ ...plan.fleet, log }));
  results.sqlmatch = await guard('sqlmatch', async () => runSqlMatchBench({ ...plan.sqlMatch, log }));
  results.languages = await guard('languages', () => runLanguagesBench({ repetitions: Math.max(3, plan.repetitions), threads: os.availableParallelism(), log }));
  results.history = await guard('history', () => runHistoryBench({ ...plan.history, log }));
  results.prometheus = await guard('prometheus', () => runPrometheusBench({ ...plan.prometheus, log }));

  results.load.after = loadSample();
  results.busiestAfter = busiestProcesses();
  results.durationSeconds = Math.round((Date.now() - started) / 1000);

  if (merge && previous) {
    // Sections not run now keep their numbers (and the load they were measured under) from the last run.
    for (const section of SECTIONS) {
      if (only.includes(section) || previous[section] === undefined) continue;
      (results as unknown as Record<string, unknown>)[section] = previous[section];
      const load = previous.load.sections[section];
      if (load) results.load.sections[`${section} (earlier run, ${previous.startedAt})`] = load;
    }
    results.machine.postgres ??= previous.machine.postgres;
    results.machine.vscode ??= previous.machine.vscode;
  }
  const markdown = write(outDir, results);
  process.stdout.write(markdown);
  log(`wrote ${path.relative(repoRoot, path.join(outDir, 'results.md'))} and results.json in ${results.durationSeconds} s`);
}

main().catch((error: unknown) => {
  process.stderr.write(`${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
  process.exitCode = 1;
});
