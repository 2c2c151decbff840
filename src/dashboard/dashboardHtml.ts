// The dashboard's HTML shell. Everything it shows is drawn by the bundled script from messages;
// the shell holds no data, so nothing from PostgreSQL is ever parsed as HTML.
import { randomBytes } from 'node:crypto';

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
  return `<!DOCTYPE html>
<html lang="en">
<head>
  <meta charset="UTF-8">
  <meta http-equiv="Content-Security-Policy" content="${csp}">
  <meta name="viewport" content="width=device-width, initial-scale=1.0">
  <meta property="csp-nonce" content="${escapeHtml(input.styleNonce)}">
  <link rel="stylesheet" href="${escapeHtml(input.styleUri)}">
  <title>${escapeHtml(input.title)}</title>
</head>
<body>
  <main id="app" data-testid="dashboard"><p class="placeholder">Loading…</p></main>
  <script nonce="${nonce}" src="${escapeHtml(input.scriptUri)}"></script>
</body>
</html>
`;
}
