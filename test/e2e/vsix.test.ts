import * as assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Browser } from 'playwright-core';
import { repoRoot } from '../support/paths';
import { launchBrowser, openWorkbench, screenshot, startVsCode, VsCodeServer } from '../support/vscodeServer';
import { environment } from './environment';
import { runFromPalette } from './sessionsHelpers';
import { eventually, openDatabasesView, problemRows, treeRow } from './workbench';

const VSIX = path.join(repoRoot, 'dist', 'pg-connection-health.vsix');

describe('packaged extension', () => {
  let server: VsCodeServer | undefined;
  let browser: Browser | undefined;

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
  });

  it('npm run package builds a .vsix under 5 MB with only the bundles, assets and docs', () => {
    fs.rmSync(VSIX, { force: true });
    const r = spawnSync('npm', ['run', 'package'], { cwd: repoRoot, encoding: 'utf8' });
    assert.equal(r.status, 0, r.stdout + r.stderr);
    const size = fs.statSync(VSIX).size;
    assert.ok(size < 5 * 1024 * 1024, `the .vsix is ${size} bytes`);
    const listing = spawnSync('unzip', ['-l', VSIX], { encoding: 'utf8' }).stdout;
    for (const expected of ['extension/dist/extension.js', 'extension/dist/analyzer.js', 'extension/dist/pg.js', 'extension/dist/cli.js', 'extension/dist/wasm/tree-sitter-python.wasm', 'extension/dist/webview/dashboard.js', 'extension/media/icon.png', 'extension/docs/rules/release-not-guaranteed.md']) {
      assert.ok(listing.includes(expected), `${expected} is in the package`);
    }
    for (const unexpected of ['extension/src/', 'extension/node_modules/', '.map', 'extension/test/']) {
      assert.ok(!listing.includes(unexpected), `${unexpected} is not in the package`);
    }
  });

  it('installs into VS Code with --install-extension, shows the databases and analyses the workspace', async () => {
    assert.ok(fs.existsSync(VSIX), 'the previous test built the .vsix');
    const env = await environment();
    server = await startVsCode({ workspace: env.workspace, env: { PGPASSWORD: env.pg.password }, installExtensions: [VSIX] });
    const installed = fs.readdirSync(server.extensionsDir);
    assert.ok(installed.some((d) => d.startsWith('pg-health.pg-connection-health-')), `installed: ${installed.join(', ')}`);
    browser = await launchBrowser();
    const page = await openWorkbench(browser, server.workbenchUrl());
    const tree = await openDatabasesView(page);
    const row = treeRow(tree, 'test-db');
    await row.waitFor({ timeout: 60_000 });
    // The installed extension connected: the node shows used/capacity.
    await eventually(async () => (await row.locator('.label-description').textContent())?.trim() ?? '', (t) => /^\d+\/37$/.test(t), 60_000, 'test-db to show used/capacity');
    await screenshot(page, 'vsix-installed');
    // The analyser is a bundle of its own, loaded on the first analysis: it is in the package and runs.
    await runFromPalette(page, 'PostgreSQL Health: Analyze Workspace');
    await eventually(() => problemRows(page), (rows) => rows.some((r) => /pg-health\W*release-not-guaranteed/.test(r) && r.includes('getClient()')), 120_000, "users.js's finding through getClient() in the Problems panel");
  });
});
