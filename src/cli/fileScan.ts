// Finds the files `pg-health check` reads: the files named on the command line, and every JS/TS/Python
// file under the named folders except dependencies, build output and what .gitignore ignores.
import * as fs from 'node:fs';
import * as path from 'node:path';
import { languageForPath, type LanguageId } from '../analysis/analyzer';
import { isIgnored, readIgnoreFile, type IgnoreFile } from './gitignore';

/** Folders that hold dependencies, caches or build output, never code to check. */
const SKIPPED_DIRECTORIES = new Set([
  'node_modules',
  'bower_components',
  'vendor',
  '.git',
  '.hg',
  '.svn',
  'dist',
  'out',
  'build',
  'coverage',
  '.next',
  '.nuxt',
  '.turbo',
  '.cache',
  '.vscode-test',
  '__pycache__',
  '.venv',
  'venv',
  '.tox',
  '.mypy_cache',
  '.pytest_cache',
  'site-packages',
]);

export interface ScannedFile {
  /** As reported: the command-line path joined with the path below it. */
  display: string;
  absolute: string;
  language: LanguageId;
}

export class ScanError extends Error {}

/** The .gitignore files from the repository root (the nearest folder with .git) down to `dir`. */
function ancestorIgnoreFiles(dir: string): IgnoreFile[] {
  const chain: string[] = [];
  for (let current = dir; ; current = path.dirname(current)) {
    chain.unshift(current);
    if (fs.existsSync(path.join(current, '.git')) || path.dirname(current) === current) break;
  }
  // The folder itself is read again by the walk; only its ancestors are needed here.
  chain.pop();
  return chain.map(readIgnoreFile).filter((f): f is IgnoreFile => f !== undefined);
}

export function scanPaths(inputs: readonly string[]): ScannedFile[] {
  const files: ScannedFile[] = [];
  const seen = new Set<string>();
  const add = (display: string, absolute: string, language: LanguageId): void => {
    if (seen.has(absolute)) return;
    seen.add(absolute);
    files.push({ display, absolute, language });
  };
  for (const input of inputs) {
    const absolute = path.resolve(input);
    let stat: fs.Stats;
    try {
      stat = fs.statSync(absolute);
    } catch {
      throw new ScanError(`no such file or directory: ${input}`);
    }
    if (stat.isFile()) {
      const language = languageForPath(absolute);
      if (language) add(input, absolute, language);
      continue;
    }
    if (!stat.isDirectory()) continue;
    walk(input, absolute, ancestorIgnoreFiles(absolute), add);
  }
  return files;
}

function walk(
  displayRoot: string,
  root: string,
  inherited: IgnoreFile[],
  add: (display: string, absolute: string, language: LanguageId) => void,
): void {
  // Explicit stack: deep folder trees must not grow the call stack.
  const stack: { dir: string; ignores: IgnoreFile[] }[] = [{ dir: root, ignores: inherited }];
  while (stack.length) {
    const { dir, ignores: outer } = stack.pop() as { dir: string; ignores: IgnoreFile[] };
    const own = readIgnoreFile(dir);
    const ignores = own ? [...outer, own] : outer;
    let entries: fs.Dirent[];
    try {
      entries = fs.readdirSync(dir, { withFileTypes: true });
    } catch {
      continue;
    }
    entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    const subdirs: string[] = [];
    for (const entry of entries) {
      const absolute = path.join(dir, entry.name);
      if (entry.isDirectory()) {
        if (SKIPPED_DIRECTORIES.has(entry.name) || isIgnored(absolute, true, ignores)) continue;
        subdirs.push(absolute);
      } else if (entry.isFile()) {
        const language = languageForPath(entry.name);
        if (!language || isIgnored(absolute, false, ignores)) continue;
        add(path.join(displayRoot, path.relative(root, absolute)), absolute, language);
      }
    }
    for (const sub of subdirs.reverse()) stack.push({ dir: sub, ignores });
  }
}
