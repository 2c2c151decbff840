// User-visible sentences built below the VS Code layer (src/postgres, src/dashboard) go through a
// Translate function: the extension passes vscode.l10n.t, tests and the CLI the English original.
export type Translate = (message: string, ...args: Array<string | number>) => string;

/** English with {0}-style placeholders filled in (what vscode.l10n.t does without a bundle). */
export const plainTranslate: Translate = (message, ...args) => message.replace(/\{(\d+)\}/g, (_, i: string) => String(args[Number(i)] ?? ''));
