// The languages the analyser reads, named like VS Code's language ids.

export type LanguageId = 'javascript' | 'javascriptreact' | 'typescript' | 'typescriptreact' | 'python';

/** The two lowerings: every JS dialect shares one, Python has its own. */
export type LanguageFamily = 'js' | 'py';

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
};

export function languageForPath(path: string): LanguageId | undefined {
  if (/\.d\.[cm]?ts$/i.test(path)) return undefined; // declarations hold no code paths
  const dot = path.lastIndexOf('.');
  if (dot < 0 || dot < path.lastIndexOf('/') || dot < path.lastIndexOf('\\')) return undefined;
  return BY_EXTENSION[path.slice(dot).toLowerCase()];
}

export function familyOf(language: LanguageId): LanguageFamily {
  return language === 'python' ? 'py' : 'js';
}

export function isLanguageId(value: string): value is LanguageId {
  return (Object.values(BY_EXTENSION) as string[]).includes(value);
}

/** Files above this size are generated or minified code, not something a person fixes by hand. */
export const MAX_FILE_CHARS = 2_000_000;
