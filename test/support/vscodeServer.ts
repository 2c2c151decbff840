// Real VS Code for tests: code-server (VS Code 1.100 from npm, installed once into .vscode-test/)
// on 127.0.0.1, and Debian's chromium driven by playwright-core. See shared/TESTING.md.
import { ChildProcess, spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as http from 'node:http';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser, chromium, Page } from 'playwright-core';
import { repoRoot, testResultsDir } from './paths';
import { freePort } from './postgresServer';
import { stopChild, stopProcessGroup } from './processes';

export const CODE_SERVER_VERSION = '4.100.3';
const installDir = path.join(repoRoot, '.vscode-test', `code-server-${CODE_SERVER_VERSION}`);
const entry = path.join(installDir, 'node_modules', 'code-server', 'out', 'node', 'entry.js');

/** Installs code-server into .vscode-test/ on first use (scripts/install-code-server.mjs). */
export function ensureCodeServer(): string {
  if (fs.existsSync(path.join(installDir, '.complete')) && fs.existsSync(entry)) return entry;
  const result = spawnSync(process.execPath, [path.join(repoRoot, 'scripts', 'install-code-server.mjs')], { stdio: 'inherit' });
  if (result.status !== 0) throw new Error('installing code-server failed (see the output above)');
  return entry;
}

export interface VsCodeServer {
  readonly port: number;
  readonly origin: string;
  readonly workspace: string;
  readonly userDataDir: string;
  readonly extensionsDir: string;
  /** The workbench URL for the workspace, optionally with a `payload` (extension development / tests). */
  workbenchUrl(payload?: [string, string][]): string;
  /** A `vscode-remote://` URI for a local path, as the payload expects. */
  remoteUri(localPath: string): string;
  /** Output code-server printed (for failure reports). */
  log(): string;
  stop(): Promise<void>;
}

export interface StartVsCodeOptions {
  workspace: string;
  /** Added to code-server's environment, which the extension host inherits. */
  env?: Record<string, string>;
  /** Written to the user's settings.json before start. */
  userSettings?: Record<string, unknown>;
  /** .vsix files installed with --install-extension before start. */
  installExtensions?: string[];
  /** Ask whether to trust the workspace, as VS Code does by default (off in tests otherwise). */
  workspaceTrust?: boolean;
  /** Called when code-server exits without stop() asking it to (killed, crashed). */
  onUnexpectedExit?: (code: number | null, signal: NodeJS.Signals | null) => void;
  /**
   * Runs code-server and everything it starts (extension host, file watcher, language servers) in a
   * process group of its own, which stop() ends as a whole: nothing outlives it even when code-server
   * itself died first. A terminal's Ctrl+C then no longer reaches it directly.
   */
  ownProcessGroup?: boolean;
}

const DEFAULT_USER_SETTINGS = {
  'workbench.startupEditor': 'none',
  'workbench.tips.enabled': false,
  'workbench.welcomePage.walkthroughs.openOnInstall': false,
  'telemetry.telemetryLevel': 'off',
  'update.mode': 'none',
  'extensions.autoCheckUpdates': false,
  'extensions.autoUpdate': false,
  'security.workspace.trust.enabled': false,
  'workbench.colorTheme': 'Default Dark Modern',
  'git.enabled': false,
  'typescript.disableAutomaticTypeAcquisition': true,
  'chat.disableAIFeatures': true,
  'window.confirmBeforeClose': 'never',
};

function waitForHttp(url: string, timeoutMs: number, proc: ChildProcess, log: () => string): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  return new Promise((resolve, reject) => {
    const attempt = (): void => {
      if (proc.exitCode !== null) return reject(new Error(`code-server exited with ${proc.exitCode}:\n${log()}`));
      const req = http.get(url, (res) => {
        res.resume();
        if (res.statusCode && res.statusCode < 500) resolve();
        else retry();
      });
      req.on('error', retry);
      req.setTimeout(2000, () => req.destroy());
    };
    const retry = (): void => {
      if (Date.now() > deadline) reject(new Error(`code-server did not answer on ${url} in ${timeoutMs} ms:\n${log()}`));
      else setTimeout(attempt, 200);
    };
    attempt();
  });
}

export async function startVsCode(options: StartVsCodeOptions): Promise<VsCodeServer> {
  const bin = ensureCodeServer();
  const base = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-vscode-'));
  const userDataDir = path.join(base, 'user-data');
  const extensionsDir = path.join(base, 'extensions');
  fs.mkdirSync(path.join(userDataDir, 'User'), { recursive: true });
  fs.mkdirSync(extensionsDir, { recursive: true });
  fs.writeFileSync(
    path.join(userDataDir, 'User', 'settings.json'),
    JSON.stringify({ ...DEFAULT_USER_SETTINGS, ...(options.workspaceTrust ? { 'security.workspace.trust.enabled': true } : {}), ...options.userSettings }, null, 2),
  );
  const commonArgs = ['--disable-telemetry', '--disable-update-check', '--user-data-dir', userDataDir, '--extensions-dir', extensionsDir];
  for (const vsix of options.installExtensions ?? []) {
    const r = spawnSync(process.execPath, [bin, ...commonArgs, '--install-extension', vsix], { encoding: 'utf8' });
    if (r.status !== 0) throw new Error(`installing ${vsix} failed: ${r.stdout}\n${r.stderr}`);
  }
  const port = await freePort();
  const output: string[] = [];
  const proc = spawn(
    process.execPath,
    [bin, '--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, ...(options.workspaceTrust ? [] : ['--disable-workspace-trust']), '--disable-getting-started-override', ...commonArgs, options.workspace],
    // EXTENSIONS_GALLERY={} turns the marketplace off: tests and the demo stay on loopback.
    { env: { ...process.env, EXTENSIONS_GALLERY: '{}', ...options.env }, stdio: ['ignore', 'pipe', 'pipe'], detached: options.ownProcessGroup === true },
  );
  const group = options.ownProcessGroup === true ? proc.pid : undefined;
  // In a group of its own, nothing ends it with this process: do it on the way out.
  const exitHook = (): void => {
    if (group !== undefined) {
      try {
        process.kill(-group, 'SIGKILL');
      } catch {
        // Gone already.
      }
    }
  };
  if (group !== undefined) process.once('exit', exitHook);
  const collect = (chunk: Buffer): void => {
    output.push(chunk.toString());
    if (output.length > 400) output.shift();
  };
  proc.stdout?.on('data', collect);
  proc.stderr?.on('data', collect);
  const log = (): string => output.join('');
  const origin = `http://127.0.0.1:${port}`;
  await waitForHttp(`${origin}/healthz`, 60_000, proc, log);
  let stopping = false;
  proc.once('exit', (code, signal) => {
    if (!stopping) options.onUnexpectedExit?.(code, signal);
  });

  const remoteUri = (localPath: string): string => `vscode-remote://127.0.0.1:${port}${localPath}`;
  return {
    port,
    origin,
    workspace: options.workspace,
    userDataDir,
    extensionsDir,
    remoteUri,
    log,
    workbenchUrl(payload) {
      // A .code-workspace file opens as a multi-root workspace, anything else as one folder.
      const params = new URLSearchParams(options.workspace.endsWith('.code-workspace') ? { workspace: options.workspace } : { folder: options.workspace });
      if (payload) params.set('payload', JSON.stringify(payload));
      return `${origin}/?${params.toString()}`;
    },
    async stop() {
      stopping = true;
      if (group !== undefined) {
        await stopProcessGroup(group, 'SIGTERM', 5_000);
        process.removeListener('exit', exitHook);
      } else {
        await stopChild(proc, 'SIGTERM', 5_000);
      }
      fs.rmSync(base, { recursive: true, force: true });
    },
  };
}

/** Debian's chromium, headless, with the flags that keep it off the network. */
export async function launchBrowser(): Promise<Browser> {
  const executablePath = process.env['CHROMIUM_PATH'] ?? '/usr/bin/chromium';
  if (!fs.existsSync(executablePath)) throw new Error(`chromium not found at ${executablePath} (apt-get install chromium)`);
  return chromium.launch({
    executablePath,
    headless: true,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
      '--disable-default-apps',
    ],
  });
}

/** Opens the workbench and waits until it has rendered. */
export async function openWorkbench(browser: Browser, url: string): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 } });
  const page = await context.newPage();
  await page.goto(url);
  await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
  return page;
}

/** The screenshots the README shows (docs/images/), retaken by the e2e suite with PG_HEALTH_README_IMAGES=1. */
export const README_IMAGES = ['sessions-tree', 'dashboard-light', 'terminate-idle-preview', 'quickfix-menu', 'fleet-expanded', 'walkthrough'];

export async function screenshot(page: Page, name: string): Promise<string> {
  fs.mkdirSync(testResultsDir, { recursive: true });
  const file = path.join(testResultsDir, `${name.replace(/[^a-z0-9-_]+/gi, '-')}.png`);
  await page.screenshot({ path: file });
  if (process.env['PG_HEALTH_README_IMAGES'] && README_IMAGES.includes(name)) {
    const images = path.join(repoRoot, 'docs', 'images');
    fs.mkdirSync(images, { recursive: true });
    fs.copyFileSync(file, path.join(images, `${name}.png`));
  }
  return file;
}
