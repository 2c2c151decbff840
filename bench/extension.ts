// Section 4: the extension itself. Packages it (`vsce package` after a production build, in a staging
// copy so the shared dist/ is left alone), reports the .vsix and bundle sizes, then runs the packaged
// extension in code-server with the corpus as the workspace and a database with 1,000 sessions
// configured: vscodeProbe.ts measures activation and the extension host's heap, the launcher opens the
// Databases tree in chromium and expands every group, and the probe runs Analyze Workspace.
import { execFileSync, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import type { Browser, Locator, Page } from 'playwright-core';
import { repoRoot } from '../test/support/paths';
import { startPostgres } from '../test/support/postgresServer';
import { launchBrowser, openWorkbench, screenshot, startVsCode, type VsCodeServer } from '../test/support/vscodeServer';
import type { Corpus } from './corpus';
import { SessionFarm } from './monitoring';
import type { ActivationSample, ProbeResults } from './vscodeProbe';

export interface PackageSizes {
  vsixBytes: number;
  extensionJsBytes: number;
  /** The bundles the extension loads when first needed (0 in runs before they were split off). */
  analyzerJsBytes?: number;
  pgJsBytes?: number;
  cliJsBytes: number;
  webviewBytes: number;
  wasmBytes: number;
  files: number;
}

export interface ExtensionResults {
  package: PackageSizes;
  sessions?: number;
  probe?: ProbeResults;
  /** Activation timed in fresh extension hosts (one workbench window each), before the main run. */
  activations?: ActivationSample[];
  treeRowsSeen?: number;
  error?: string;
}

const STAGED = ['package.json', 'README.md', 'LICENSE', 'CHANGELOG.md', '.vscodeignore', 'esbuild.mjs', 'tsconfig.json', 'src', 'webview', 'media', 'docs'];

function dirBytes(dir: string): number {
  if (!fs.existsSync(dir)) return 0;
  return fs.readdirSync(dir, { recursive: true, encoding: 'utf8' }).reduce((n, f) => {
    const stat = fs.statSync(path.join(dir, f));
    return n + (stat.isFile() ? stat.size : 0);
  }, 0);
}

/** Production build and `vsce package` in a copy of the repository; the .vsix unpacked next to it. */
export function packageExtension(log: (line: string) => void): { sizes: PackageSizes; extensionDir: string; stage: string } {
  const stage = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-bench-package-'));
  for (const entry of STAGED) {
    const from = path.join(repoRoot, entry);
    if (fs.existsSync(from)) fs.cpSync(from, path.join(stage, entry), { recursive: true });
  }
  fs.symlinkSync(path.join(repoRoot, 'node_modules'), path.join(stage, 'node_modules'));
  execFileSync(process.execPath, ['esbuild.mjs', '--production'], { cwd: stage, stdio: 'pipe' });
  const vsix = path.join(stage, 'pg-connection-health.vsix');
  const vsce = path.join(repoRoot, 'node_modules', '@vscode', 'vsce', 'vsce');
  const packed = spawnSync(process.execPath, [vsce, 'package', '--no-dependencies', '-o', vsix], { cwd: stage, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  if (packed.status !== 0) throw new Error(`vsce package failed: ${packed.stdout}\n${packed.stderr}`);
  const unpacked = path.join(stage, 'unpacked');
  execFileSync('unzip', ['-q', vsix, '-d', unpacked]);
  const extensionDir = path.join(unpacked, 'extension');
  const size = (rel: string): number => (fs.existsSync(path.join(extensionDir, rel)) ? fs.statSync(path.join(extensionDir, rel)).size : 0);
  const sizes: PackageSizes = {
    vsixBytes: fs.statSync(vsix).size,
    extensionJsBytes: size('dist/extension.js'),
    analyzerJsBytes: size('dist/analyzer.js'),
    pgJsBytes: size('dist/pg.js'),
    cliJsBytes: size('dist/cli.js'),
    webviewBytes: dirBytes(path.join(extensionDir, 'dist', 'webview')),
    wasmBytes: dirBytes(path.join(extensionDir, 'dist', 'wasm')),
    files: fs.readdirSync(extensionDir, { recursive: true }).length,
  };
  log(`  package: .vsix ${sizes.vsixBytes} bytes, extension.js ${sizes.extensionJsBytes}, webview ${sizes.webviewBytes}`);
  return { sizes, extensionDir, stage };
}

const ACTIVATION_RUNS = 7;

/**
 * Opens the workbench `runs` times, one window after the other: each window has an extension host of
 * its own, where the probe times one activation and reports it. One activation is too noisy on busy
 * cores to judge a 50 ms target; the report gives the median and every run.
 */
async function timeActivations(browser: Browser, url: string, control: string, runs: number, log: (line: string) => void): Promise<ActivationSample[]> {
  const flag = path.join(control, 'mode-activation');
  fs.writeFileSync(flag, '');
  const samples = (): string[] => fs.readdirSync(control).filter((f) => /^activation-\d+\.json$/.test(f));
  try {
    for (let run = 1; run <= runs; run++) {
      const page = await openWorkbench(browser, url);
      const deadline = Date.now() + 120_000;
      while (samples().length < run && Date.now() < deadline) await new Promise((r) => setTimeout(r, 250));
      await page.context().close();
      if (samples().length < run) throw new Error(`activation run ${run} did not report within 2 minutes`);
    }
  } finally {
    fs.rmSync(flag, { force: true });
  }
  const out = samples().map((f) => JSON.parse(fs.readFileSync(path.join(control, f), 'utf8')) as ActivationSample);
  log(`  extension: ${out.length} activations, code load + activate() ${out.map((s) => (s.codeLoadMs ?? 0) + (s.activateCallMs ?? 0)).join(', ')} ms`);
  return out;
}

async function waitForFile(file: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!fs.existsSync(file)) {
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 250));
  }
  return true;
}

/** Opens the Databases view, expands the database and every group under it; the rows VS Code shows. */
async function openTree(page: Page, database: string): Promise<number> {
  const tree: Locator = page.locator('[id="workbench.view.extension.pgHealth"] .monaco-list').first();
  if (!(await tree.isVisible().catch(() => false))) await page.locator('.activitybar [aria-label^="PostgreSQL Health"]').first().click();
  await tree.waitFor({ state: 'visible', timeout: 60_000 });
  const row = (label: string): Locator => tree.locator('.monaco-list-row').filter({ has: page.locator('.label-name', { hasText: label }) }).first();
  const dbRow = row(database);
  await dbRow.waitFor({ state: 'visible', timeout: 60_000 });
  if ((await dbRow.getAttribute('aria-expanded')) !== 'true') await dbRow.click();
  // Groups are labelled by state; expand each one that is collapsed.
  for (const label of ['active', 'idle in transaction (aborted)', 'idle in transaction', 'idle']) {
    const group = tree.locator('.monaco-list-row[aria-level="2"][aria-expanded="false"]').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${label.replace(/[()]/g, '\\$&')}$`) }) }).first();
    if (await group.isVisible({ timeout: 15_000 }).catch(() => false)) {
      await group.click();
      await page.waitForTimeout(500);
    }
  }
  await page.waitForTimeout(5000); // two refreshes at the default 2 s interval
  return tree.locator('.monaco-list-row').count();
}

export async function runExtensionBench(corpus: Corpus, options: { sessions: number; log: (line: string) => void }): Promise<ExtensionResults> {
  const { log } = options;
  const packaged = packageExtension(log);
  const results: ExtensionResults = { package: packaged.sizes, sessions: options.sessions };
  const server = await startPostgres({ maxConnections: options.sessions + 100 });
  const farm = new SessionFarm(server);
  const control = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-bench-control-'));
  const settingsDir = path.join(corpus.dir, '.vscode');
  let vscodeServer: VsCodeServer | undefined;
  let browser: Browser | undefined;
  try {
    await farm.grow(options.sessions, log);
    fs.mkdirSync(settingsDir, { recursive: true });
    fs.writeFileSync(
      path.join(settingsDir, 'settings.json'),
      JSON.stringify({ 'pgHealth.connections': [{ name: 'bench-db', host: server.host, port: server.port, user: server.user, database: server.database, ssl: 'disable' }] }, null, 2),
    );
    vscodeServer = await startVsCode({ workspace: corpus.dir, env: { PGPASSWORD: server.password, PG_HEALTH_BENCH_CONTROL: control } });
    browser = await launchBrowser();
    const url = vscodeServer.workbenchUrl([
      ['extensionDevelopmentPath', vscodeServer.remoteUri(packaged.extensionDir)],
      ['extensionTestsPath', vscodeServer.remoteUri(path.join(__dirname, 'vscodeProbe'))],
    ]);
    results.activations = await timeActivations(browser, url, control, ACTIVATION_RUNS, log);
    const page = await openWorkbench(browser, url);
    if (!(await waitForFile(path.join(control, 'activated'), 180_000))) throw new Error(`the probe did not report activation\n${vscodeServer.log().slice(-3000)}`);
    log('  extension: activated; opening the tree');
    results.treeRowsSeen = await openTree(page, 'bench-db').catch(async (error: unknown) => {
      await screenshot(page, 'bench-tree');
      log(`  extension: opening the tree failed: ${String(error)}`);
      return 0;
    });
    fs.writeFileSync(path.join(control, 'tree-open'), '');
    log('  extension: tree open; analysing the workspace');
    if (!(await waitForFile(path.join(control, 'results.json'), 600_000))) throw new Error('the probe did not finish in 10 minutes');
    results.probe = JSON.parse(fs.readFileSync(path.join(control, 'results.json'), 'utf8')) as ProbeResults;
    if (results.probe.error) results.error = results.probe.error;
  } catch (error) {
    results.error = error instanceof Error ? error.message : String(error);
  } finally {
    await browser?.close().catch(() => undefined);
    await vscodeServer?.stop().catch(() => undefined);
    await farm.close().catch(() => undefined);
    await server.stop().catch(() => undefined);
    fs.rmSync(settingsDir, { recursive: true, force: true });
    fs.rmSync(control, { recursive: true, force: true });
    fs.rmSync(packaged.stage, { recursive: true, force: true });
  }
  return results;
}
