// `pg-health fix [PATH...] [--dry-run]`: applies every available fix in place and prints what it
// changed; `--dry-run` prints a unified diff instead. Exit 0 when it ran (changes or not), 2 on a usage
// or internal error.
import * as fs from 'node:fs';
import { fixFiles, type SourceFile } from '../analysis/analyzer';
import { scanPaths, ScanError } from './fileScan';
import { unifiedDiff } from './unifiedDiff';

const USAGE = `usage: pg-health fix [PATH...] [--dry-run]

  PATH       files or folders to fix (default: the current folder); folders skip node_modules,
             build output and what .gitignore ignores
  --dry-run  print a unified diff of the fixes instead of writing them
`;

export async function runFix(argv: string[]): Promise<number> {
  const paths: string[] = [];
  let dryRun = false;
  for (const arg of argv) {
    if (arg === '--help' || arg === '-h') {
      process.stdout.write(USAGE);
      return 0;
    }
    if (arg === '--dry-run' || arg === '-n') dryRun = true;
    else if (arg.startsWith('-')) {
      process.stderr.write(`pg-health fix: unknown option '${arg}'\n\n${USAGE}`);
      return 2;
    } else paths.push(arg);
  }
  let scanned;
  try {
    scanned = scanPaths(paths.length ? paths : ['.']);
  } catch (error) {
    if (!(error instanceof ScanError)) throw error;
    process.stderr.write(`pg-health fix: ${error.message}\n`);
    return 2;
  }
  const sources: SourceFile[] = scanned.map((f) => ({ path: f.display, text: fs.readFileSync(f.absolute, 'utf8'), language: f.language }));
  const fixed = await fixFiles(sources);
  let changedFiles = 0;
  let appliedFixes = 0;
  fixed.forEach((result, i) => {
    const source = sources[i] as SourceFile;
    const file = scanned[i];
    if (!file || result.text === source.text) return;
    changedFiles++;
    appliedFixes += result.applied.length;
    if (dryRun) {
      process.stdout.write(unifiedDiff(result.path, source.text, result.text));
      return;
    }
    fs.writeFileSync(file.absolute, result.text);
    for (const a of result.applied) process.stdout.write(`${result.path}:${a.line} ${a.rule}: ${a.title}\n`);
  });
  process.stderr.write(
    `${dryRun ? 'would apply' : 'applied'} ${appliedFixes} fix${appliedFixes === 1 ? '' : 'es'} in ${changedFiles} file${changedFiles === 1 ? '' : 's'}, ${sources.length} scanned\n`,
  );
  return 0;
}
