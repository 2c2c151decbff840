// The dashboard's HTML shell. Everything it shows is drawn by the bundled script from messages;
// the shell holds no data, so nothing from PostgreSQL is ever parsed as HTML.
import * as l10n from '@vscode/l10n';
import { randomBytes } from 'node:crypto';
import { L10N_META_NAME } from './protocol';

export interface DashboardHtmlInput {
  /** webview.cspSource */
  cspSource: string;
  /** A fresh nonce per render (see `createNonce`). */
  nonce: string;
  /** Another fresh nonce, for the one <style> element the toolkit adds to test :focus-visible support. */
  styleNonce: string;
  scriptUri: string;
  styleUri: string;
  title: string;
  /**
   * The translations VS Code loaded for the display language (JSON of `vscode.l10n.bundle`), for the
   * script's own words; undefined in English. Handed over in the page, as data, so the script reads
   * it before it draws anything and the CSP needs no connect-src.
   */
  l10nBundle?: string | undefined;
  /** The display language (vscode.env.language), for screen readers and hyphenation. */
  language?: string | undefined;
}


export function createNonce(): string {
  return randomBytes(18).toString('base64');
}

/**
 * Scripts only by nonce; styles from the extension's files plus the toolkit's own <style> probe by a
 * separate nonce (its FAST base reads it from meta[property=csp-nonce]). No 'unsafe-inline' anywhere:
 * inline style attributes stay blocked.
 */
export function contentSecurityPolicy(cspSource: string, nonce: string, styleNonce: string): string {
  return [
    "default-src 'none'",
    `script-src 'nonce-${nonce}'`,
    `style-src ${cspSource} 'nonce-${styleNonce}'`,
    `img-src ${cspSource} data:`,
    `font-src ${cspSource}`,
  ].join('; ');
}

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function dashboardHtml(input: DashboardHtmlInput): string {
  const csp = escapeHtml(contentSecurityPolicy(input.cspSource, input.nonce, input.styleNonce));
  const nonce = escapeHtml(input.nonce);
  const bundle = input.l10nBundle === undefined ? '' : `\n  <meta name="${L10N_META_NAME}" content="${escapeHtml(input.l10nBundle)}">`;
  return `<!DOCTYPE html>
<html lang="${escapeHtml(input.language ?? 'en')}">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <meta property="csp-nonce" content="${escapeHtml(input.styleNonce)}">${bundle}
  <link rel="stylesheet" href="${escapeHtml(input.styleUri)}">
  <title>${escapeHtml(input.title)}</title>
</head>
<body>
  <main id="app" data-testid="dashboard"><p class="placeholder">${escapeHtml(l10n.t('Loading…'))}</p></main>
  <script nonce="${nonce}" src="${escapeHtml(input.scriptUri)}"></script>
</body>
</html>
`;
}
