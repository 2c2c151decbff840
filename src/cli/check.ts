// `pg-health check [PATH...] [--format text|json|sarif] [--output FILE]`: exit 0 without findings,
// 1 with findings, 2 on a usage or internal error.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { analyzeWorkspace, type SourceFile } from '../analysis/analyzer';
import { formatJson, formatText, summaryLine, type FileFinding } from './checkReport';
import { scanPaths, ScanError } from './fileScan';
import { startModelWorkers } from './modelWorkers';
import { formatSarif } from './sarif';

const USAGE = `usage: pg-health check [PATH...] [--format text|json|sarif] [--output FILE]

  PATH             files or folders to check (default: the current folder); folders skip
                   node_modules, build output and what .gitignore ignores
  --format FORMAT  text (default), json or sarif (SARIF 2.1.0 for GitHub code scanning)
  --output FILE    write the report to FILE instead of standard output

Exit status: 0 no findings, 1 findings, 2 usage or internal error.
`;

type Format = 'text' | 'json' | 'sarif';

interface CheckArgs {
  paths: string[];
  format: Format;
  output?: string;
}

class UsageError extends Error {}

function parseArgs(argv: readonly string[]): CheckArgs | 'help' {
  const paths: string[] = [];
  let format: Format = 'text';
  let output: string | undefined;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i] as string;
    const [flag, inline] = arg.startsWith('--') && arg.includes('=') ? [arg.slice(0, arg.indexOf('=')), arg.slice(arg.indexOf('=') + 1)] : [arg, undefined];
    const value = (): string => {
      const v = inline ?? argv[++i];
      if (v === undefined || v === '') throw new UsageError(`${flag} needs a value`);
      return v;
    };
    if (flag === '--help' || flag === '-h') return 'help';
    else if (flag === '--format' || flag === '-f') {
      const v = value();
      if (v !== 'text' && v !== 'json' && v !== 'sarif') throw new UsageError(`unknown format '${v}' (text, json or sarif)`);
      format = v;
    } else if (flag === '--output' || flag === '-o') output = value();
    else if (flag === '--') {
      paths.push(...argv.slice(i + 1));
      break;
    } else if (flag.startsWith('-') && flag !== '-') throw new UsageError(`unknown option '${flag}'`);
    else paths.push(arg);
  }
  return { paths: paths.length ? paths : ['.'], format, ...(output ? { output } : {}) };
}

/** The version in the package.json next to the bundle (dist/..) or the sources (src/cli/../..). */
function toolVersion(): string {
  for (let dir = __dirname; dir !== path.dirname(dir); dir = path.dirname(dir)) {
    try {
      const manifest = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as { name?: string; version?: string };
      if (manifest.name === 'pg-connection-health' && manifest.version) return manifest.version;
    } catch {
      // keep looking upwards
    }
  }
  return '0.0.0';
}

export async function runCheck(argv: string[]): Promise<number> {
  let args: CheckArgs | 'help';
  try {
    args = parseArgs(argv);
  } catch (error) {
    if (!(error instanceof UsageError)) throw error;
    process.stderr.write(`pg-health check: ${error.message}\n\n${USAGE}`);
    return 2;
  }
  if (args === 'help') {
    process.stdout.write(USAGE);
    return 0;
  }
  let scanned;
  try {
    scanned = scanPaths(args.paths);
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    process.stderr.write(`pg-health check: ${error.message}\n`);
    return 2;
  }
  const sources: SourceFile[] = [];
  for (const file of scanned) {
    try {
      sources.push({ path: file.display, text: fs.readFileSync(file.absolute, 'utf8'), language: file.language });
    } catch (error) {
      process.stderr.write(`pg-health check: cannot read ${file.display}: ${error instanceof Error ? error.message : String(error)}\n`);
      return 2;
    }
  }
  const workers = startModelWorkers();
  let results;
  try {
    results = await analyzeWorkspace(sources, {}, workers.modeller);
  } finally {
    await workers.close();
  }
  const all: FileFinding[] = results.flatMap((r) => r.findings.map((finding) => ({ file: r.path, finding })));
  // Suppressed findings count for nothing but SARIF, which reports them as suppressed.
  const findings = all.filter((f) => !f.finding.suppressed);
  const suppressed = all.length - findings.length;
  const skipped: Record<string, number> = {};
  for (const r of results) if (r.skipped) skipped[r.skipped] = (skipped[r.skipped] ?? 0) + 1;
  const scannedCount = sources.length - Object.values(skipped).reduce((a, b) => a + b, 0);
  const report =
    args.format === 'json'
      ? formatJson(findings, scannedCount, skipped, suppressed)
      : args.format === 'sarif'
        ? formatSarif(all, toolVersion())
        : formatText(findings);
  if (args.output) fs.writeFileSync(args.output, report);
  else process.stdout.write(report);
  if (args.format === 'text' || args.output) process.stderr.write(summaryLine(findings, scannedCount, skipped, suppressed));
  return findings.length > 0 ? 1 : 0;
}
