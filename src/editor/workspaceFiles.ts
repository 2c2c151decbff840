// Finds the files "Analyze Workspace" reads, folder by folder: every file of an analysed language except
// dependencies, build output, files.exclude, the root .gitignore and the folder's own
// `pgHealth.analysis.exclude`; none of a folder that turns analysis off.
import * as vscode from 'vscode';
import type { AnalysisSettingsSource } from './analysisSettings';
import { languageForPath, SOURCE_EXTENSIONS } from '../analysis/languages';
import { DEPENDENCY_EXCLUDES, GENERATED_EXCLUDES } from './analysisScope';
import { excludeGroup, gitignoreGlobs } from './globPatterns';

/** The files the scan lists (before its excludes); the closed-file watcher watches the same. */
export const SOURCE_FILES_GLOB = `**/*.{${SOURCE_EXTENSIONS.join(',')}}`;
/** Beyond this many files per folder the scan stops listing; the log says so. */
export const MAX_FILES_PER_FOLDER = 50_000;

export interface FoundFiles {
  uris: vscode.Uri[];
  /** Folders whose listing hit MAX_FILES_PER_FOLDER. */
  truncated: string[];
}

export async function findWorkspaceFiles(settings: AnalysisSettingsSource, token: vscode.CancellationToken): Promise<FoundFiles> {
  const seen = new Set<string>();
  const uris: vscode.Uri[] = [];
  const truncated: string[] = [];
  for (const folder of vscode.workspace.workspaceFolders ?? []) {
    if (token.isCancellationRequested) break;
    const { enable, exclude: userExcludes } = settings(folder.uri);
    if (!enable) continue;
    // Passing our own exclude turns off findFiles' files.exclude handling, so it is folded in here.
    const exclude = excludeGroup([
      ...DEPENDENCY_EXCLUDES,
      ...GENERATED_EXCLUDES,
      ...filesExcludeGlobs(folder),
      ...(await rootGitignoreGlobs(folder)),
      ...userExcludes,
    ]);
    const found = await vscode.workspace.findFiles(new vscode.RelativePattern(folder, SOURCE_FILES_GLOB), exclude ?? null, MAX_FILES_PER_FOLDER, token);
    if (found.length >= MAX_FILES_PER_FOLDER) truncated.push(folder.name);
    for (const uri of found) {
      const key = uri.toString();
      // languageForPath also drops declaration files (.d.ts), which hold no code paths.
      if (seen.has(key) || !languageForPath(uri.path)) continue;
      seen.add(key);
      uris.push(uri);
    }
  }
  // Neighbouring files land in the same analysis chunk, so a folder's helpers sit with their callers.
  uris.sort((a, b) => (a.toString() < b.toString() ? -1 : a.toString() > b.toString() ? 1 : 0));
  return { uris, truncated };
}

/** files.exclude entries that are simply on; `{ "when": … }` entries depend on siblings and are not expressible here. */
function filesExcludeGlobs(folder: vscode.WorkspaceFolder): string[] {
  const setting = vscode.workspace.getConfiguration('files', folder.uri).get<Record<string, unknown>>('exclude') ?? {};
  return Object.entries(setting)
    .filter(([, on]) => on === true)
    .map(([glob]) => glob);
}

async function rootGitignoreGlobs(folder: vscode.WorkspaceFolder): Promise<string[]> {
  try {
    const bytes = await vscode.workspace.fs.readFile(vscode.Uri.joinPath(folder.uri, '.gitignore'));
    return gitignoreGlobs(new TextDecoder('utf-8').decode(bytes));
  } catch {
    return []; // no .gitignore
  }
}
