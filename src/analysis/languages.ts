// The languages the analyser reads, named like VS Code's language ids.

export type LanguageId = 'javascript' | 'javascriptreact' | 'typescript' | 'typescriptreact' | 'python' | 'go' | 'java' | 'csharp';

/** One lowering each: every JS dialect shares one; Python, Go, Java and C# have their own. */
export type LanguageFamily = 'js' | 'py' | 'go' | 'java' | 'cs';

export const LANGUAGE_FAMILIES: readonly LanguageFamily[] = ['js', 'py', 'go', 'java', 'cs'];

const BY_EXTENSION: Record<string, LanguageId> = {
  '.js': 'javascript',
  '.mjs': 'javascript',
  '.cjs': 'javascript',
  '.jsx': 'javascriptreact',
  '.ts': 'typescript',
  '.mts': 'typescript',
  '.cts': 'typescript',
  '.tsx': 'typescriptreact',
  '.py': 'python',
  '.pyw': 'python',
  '.go': 'go',
  '.java': 'java',
  '.cs': 'csharp',
};

/** The languages files map to: what the editor analyses and the CLI reads. */
export const ANALYSED_LANGUAGE_IDS: readonly LanguageId[] = [...new Set(Object.values(BY_EXTENSION))];

/** The file name endings, without the dot (`js`, `py`), for globs. */
export const SOURCE_EXTENSIONS: readonly string[] = Object.keys(BY_EXTENSION).map((e) => e.slice(1));

export function languageForPath(path: string): LanguageId | undefined {
  if (/\.d\.[cm]?ts$/i.test(path)) return undefined; // declarations hold no code paths
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/') || dot < path.lastIndexOf('\\')) return undefined;
  return BY_EXTENSION[path.slice(dot).toLowerCase()];
}

const FAMILY: Record<LanguageId, LanguageFamily> = {
  javascript: 'js',
  javascriptreact: 'js',
  typescript: 'js',
  typescriptreact: 'js',
  python: 'py',
  go: 'go',
  java: 'java',
  csharp: 'cs',
};

export function familyOf(language: LanguageId): LanguageFamily {
  return FAMILY[language];
}

/** The families whose comments start with `//` (all but Python's `#`). */
export function slashComments(family: LanguageFamily): boolean {
  return family !== 'py';
}

export function isLanguageId(value: string): value is LanguageId {
  return (Object.values(BY_EXTENSION) as string[]).includes(value);
}

/** Files above this size are generated or minified code, not something a person fixes by hand. */
export const MAX_FILE_CHARS = 2_000_000;
