// Which files the analyser looks at: the languages it reads, and the folders it leaves alone.
import * as vscode from 'vscode';
import { ANALYSED_LANGUAGE_IDS, type LanguageId } from '../analysis/languages';

const ANALYSED_LANGUAGES: ReadonlySet<string> = new Set<string>(ANALYSED_LANGUAGE_IDS);

/** Diff views (git:), output channels and the like hold copies or logs, not the code being edited. */
const ANALYSED_SCHEMES: ReadonlySet<string> = new Set(['file', 'untitled', 'vscode-remote']);

/** Dependencies are never the user's code, open or not. */
export const DEPENDENCY_EXCLUDES: readonly string[] = ['**/node_modules/**', '**/bower_components/**', '**/site-packages/**', '**/vendor/**'];

/**
 * Build output, virtual environments and caches: scanning them would report the same defect again in
 * generated copies. Open documents are still analysed when they sit here (a `build/` folder can hold
 * hand-written scripts), the workspace scan skips them.
 */
export const GENERATED_EXCLUDES: readonly string[] = [
  '**/.git/**',
  '**/dist/**',
  '**/out/**',
  '**/build/**',
  '**/coverage/**',
  '**/.next/**',
  '**/.nuxt/**',
  '**/.turbo/**',
  '**/.cache/**',
  '**/.vscode-test/**',
  '**/__pycache__/**',
  '**/.venv/**',
  '**/venv/**',
  '**/.tox/**',
  '**/.mypy_cache/**',
  '**/.pytest_cache/**',
];

export function analysedLanguage(document: vscode.TextDocument): LanguageId | undefined {
  if (!ANALYSED_SCHEMES.has(document.uri.scheme) || !ANALYSED_LANGUAGES.has(document.languageId)) return undefined;
  return document.languageId as LanguageId;
}

/** True when one of `globs` (relative to the document's workspace folder) matches it. */
export function matchesAnyGlob(document: vscode.TextDocument, globs: readonly string[]): boolean {
  const folder = vscode.workspace.getWorkspaceFolder(document.uri);
  return globs.some((glob) => vscode.languages.match({ pattern: folder ? new vscode.RelativePattern(folder, glob) : glob }, document) > 0);
}
