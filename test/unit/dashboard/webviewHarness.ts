// Serves the dashboard webview the way the panel does — the same HTML shell and CSP, the bundle built
// from webview/dashboard/main.ts, media/dashboard.css — on loopback, with a stub of VS Code's
// acquireVsCodeApi that records what the webview posts, and opens it in Debian's chromium.
import * as fs from 'node:fs';
import * as http from 'node:http';
import { AddressInfo } from 'node:net';
import * as path from 'node:path';
import * as esbuild from 'esbuild';
import { Browser, chromium, Page } from 'playwright-core';
import { dashboardHtml } from '../../../src/dashboard/dashboardHtml';
import { HostToWebview } from '../../../src/dashboard/protocol';
import { repoRoot } from '../../support/paths';
import { THEMES } from './webviewThemes';

export const CHROMIUM = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
const NONCE = 'dGVzdG5vbmNlMTIzNDU2';
const STYLE_NONCE = 'c3R5bGVub25jZTEyMzQ1';

export interface Posted {
  type: string;
  [key: string]: unknown;
}

export interface WebviewHarness {
  page: Page;
  /** Uncaught errors and console errors of the page. */
  errors: string[];
  send(message: HostToWebview): Promise<void>;
  posted(): Promise<Posted[]>;
  /** CSP violations the page reported. */
  violations(): Promise<string[]>;
  /** Switches the theme variables and body class, as VS Code does on a theme change. */
  setTheme(name: keyof typeof THEMES): Promise<void>;
  close(): Promise<void>;
}

async function bundle(): Promise<string> {
  const result = await esbuild.build({
    entryPoints: [path.join(repoRoot, 'webview', 'dashboard', 'main.ts')],
    bundle: true,
    write: false,
    platform: 'browser',
    format: 'iife',
    target: 'es2022',
    logLevel: 'silent',
  });
  return result.outputFiles[0]?.text ?? '';
}

/** The panel's HTML with the stub in front of the bundle (allowed by the same nonce). */
function pageHtml(origin: string, initialState: unknown, translations: Translations | undefined): string {
  const html = dashboardHtml({
    cspSource: origin,
    nonce: NONCE,
    styleNonce: STYLE_NONCE,
    scriptUri: `${origin}/dashboard.js`,
    styleUri: `${origin}/dashboard.css`,
    title: 'PostgreSQL Health',
    l10nBundle: translations?.bundle,
    language: translations?.language,
  });
  const stub = `<link rel="stylesheet" href="${origin}/theme.css?dark"><script nonce="${NONCE}">
    window.__posted = []; window.__violations = []; window.__state = ${JSON.stringify(initialState ?? null)} ?? undefined;
    document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' at ' + e.sourceFile + ':' + e.lineNumber));
    window.acquireVsCodeApi = () => ({ postMessage: (m) => window.__posted.push(m), getState: () => window.__state, setState: (s) => { window.__state = s; } });
  </script>`;
  return html.replace('</head>', `${stub}\n</head>`).replace('<body>', '<body class="vscode-dark">');
}

/** What the panel puts in the page for a display language other than English (vscode.l10n.bundle as JSON). */
export interface Translations {
  bundle: string;
  language: string;
}

/**
 * @param initialState what getState() returns at load, as VS Code hands a panel its saved state when it is shown again.
 * @param translations the display language's bundle, as the panel hands it over; none: English.
 */
export async function openWebviewHarness(viewport = { width: 1200, height: 1800 }, initialState?: unknown, translations?: Translations): Promise<WebviewHarness> {
  const script = await bundle();
  const css = fs.readFileSync(path.join(repoRoot, 'media', 'dashboard.css'), 'utf8');
  const server = http.createServer((req, res) => {
    const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    const url = req.url ?? '/';
    const [type, body] =
      url === '/dashboard.js'
        ? ['text/javascript', script]
        : url === '/dashboard.css'
          ? ['text/css', css]
          : url.startsWith('/theme.css?')
            ? ['text/css', THEMES[url.slice('/theme.css?'.length)] ?? '']
            : ['text/html', pageHtml(origin, initialState, translations)];
    res.writeHead(200, { 'content-type': type });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  let browser: Browser | undefined;
  try {
    browser = await chromium.launch({
      executablePath: CHROMIUM,
      headless: true,
      args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage', '--no-first-run', '--disable-background-networking'],
    });
    const page = await (await browser.newContext({ viewport })).newPage();
    const errors: string[] = [];
    page.on('pageerror', (e) => errors.push(e.message));
    page.on('console', (m) => {
      if (m.type() === 'error') errors.push(m.text());
    });
    await page.goto(`http://127.0.0.1:${(server.address() as AddressInfo).port}/`);
    // Page-side code is passed as strings: the test project has no DOM types.
    await page.waitForFunction("window.__posted.some((m) => m.type === 'ready')");
    const opened = browser;
    return {
      page,
      errors,
      send: async (message) => {
        await page.evaluate(`window.postMessage(${JSON.stringify(message)}, '*')`);
      },
      posted: () => page.evaluate<Posted[]>('window.__posted'),
      violations: () => page.evaluate<string[]>('window.__violations'),
      setTheme: async (name) => {
        const bodyClass = name === 'high-contrast' ? 'vscode-high-contrast' : `vscode-${name}`;
        await page.evaluate(`new Promise((resolve) => {
          const link = document.querySelector('link[href*="theme.css"]');
          // The toolkit re-reads the variables when the body class changes: switch it once they are in.
          link.onload = () => {
            document.body.className = '${bodyClass}';
            requestAnimationFrame(() => resolve());
          };
          link.href = '/theme.css?${name}';
        })`);
      },
      close: async () => {
        await opened.close();
        server.close();
      },
    };
  } catch (err) {
    await browser?.close();
    server.close();
    throw err;
  }
}
