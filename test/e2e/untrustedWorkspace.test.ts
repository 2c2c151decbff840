// A workspace the user does not trust must not make the extension connect anywhere: its
// `pgHealth.connections` are ignored (restrictedConfigurations in package.json), the user's own
// connections still work, and trusting the folder brings the workspace's connections in without a
// reload. Its own code-server, with workspace trust on as VS Code ships it. Two layers hold this:
// VS Code hides restricted settings' workspace values, and readConnections() checks isTrusted too;
// the test fails only when both are gone (tried), so either alone keeps the user safe.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Browser } from 'playwright-core';
import type { Client as PgClient } from 'pg';
import { repoRoot } from '../support/paths';
import { launchBrowser, openWorkbench, screenshot, startVsCode, VsCodeServer } from '../support/vscodeServer';
import { runCommand } from './dashboardHelpers';
import { environment } from './environment';
import { expand } from './sessionsHelpers';
import { clickDialogButton, eventually, openDatabasesView, treeRow } from './workbench';

const DATABASE = 'untrusted_ws';

/** Backends of the workspace's database: only the extension would open one. */
async function sessionsOn(admin: PgClient, database: string): Promise<number> {
  const { rows } = await admin.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname = $1', [database]);
  return rows[0]?.n ?? 0;
}

describe('Untrusted workspace', () => {
  let server: VsCodeServer | undefined;
  let browser: Browser | undefined;
  let admin: PgClient | undefined;
  let workspace: string | undefined;

  after(async () => {
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (admin) {
      await admin.query(`DROP DATABASE IF EXISTS ${DATABASE} WITH (FORCE)`).catch(() => undefined);
      await admin.end().catch(() => undefined);
    }
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
  });

  it('ignores the workspace\'s connections until the folder is trusted, keeps the user\'s, then connects once trusted', async () => {
    const { pg } = await environment();
    admin = await pg.connect();
    await admin.query(`CREATE DATABASE ${DATABASE}`);
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-untrusted-ws-'));
    fs.mkdirSync(path.join(workspace, '.vscode'));
    fs.writeFileSync(
      path.join(workspace, '.vscode', 'settings.json'),
      JSON.stringify({ 'pgHealth.connections': [{ name: 'workspace-db', host: pg.host, port: pg.port, user: pg.user, database: DATABASE }] }, null, 2),
    );
    server = await startVsCode({
      workspace,
      workspaceTrust: true,
      env: { PGPASSWORD: pg.password },
      userSettings: {
        'pgHealth.connections': [{ name: 'user-db', host: pg.host, port: pg.port, user: pg.user, database: pg.database }],
        'pgHealth.refreshInterval': 1,
      },
    });
    browser = await launchBrowser();
    const page = await openWorkbench(browser, server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(repoRoot)]]));

    // VS Code asks first; the user answers as for a repository they just cloned.
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ state: 'visible', timeout: 60_000 });
    assert.match(await dialog.innerText(), /trust the authors/i);
    await clickDialogButton(page, "No, I don't trust the authors");
    await dialog.waitFor({ state: 'hidden', timeout: 10_000 });

    const tree = await openDatabasesView(page);
    const userRow = treeRow(tree, 'user-db');
    await eventually(async () => (await userRow.locator('.label-description').textContent())?.trim() ?? '', (t) => /^\d+\/\d+$/.test(t), 60_000, 'user-db to show used/capacity');
    // The user's database is monitored; for a few refreshes more the workspace's is neither shown nor connected to.
    for (let i = 0; i < 8; i++) {
      assert.equal(await treeRow(tree, 'workspace-db').count(), 0, 'no workspace-db row in Restricted Mode');
      assert.equal(await sessionsOn(admin, DATABASE), 0, `no connection to ${DATABASE} in Restricted Mode`);
      await page.waitForTimeout(500);
    }
    // The view says why the workspace's database is missing, and where to change it.
    const message = page.locator('[id="workbench.view.extension.pgHealth"] .message').first();
    await eventually(async () => ((await message.textContent().catch(() => '')) ?? '').trim(), (t) => /^Restricted Mode: this workspace's connections are ignored until you trust its folder/.test(t), 30_000, 'the Restricted Mode message above the tree');
    await screenshot(page, 'untrusted-workspace');

    // Trusting the folder (Workspaces: Manage Workspace Trust → Trust) applies its settings at once.
    await runCommand(page, 'Workspaces: Manage Workspace Trust');
    const trust = page.locator('.workspace-trust-editor .monaco-button', { hasText: /^Trust$/ }).first();
    await trust.waitFor({ state: 'visible', timeout: 30_000 });
    await trust.click();
    // Two databases of one server now: they sit under the server's row, which has the server's
    // used/capacity; each row has its own sessions, workspace-db's read off user-db's held connection.
    const workspaceRow = treeRow(tree, 'workspace-db');
    const serverRow = treeRow(tree, `127.0.0.1:${pg.port}`);
    await eventually(async () => (await workspaceRow.locator('.label-description').textContent().catch(() => ''))?.trim() ?? '', (t) => /^\d+ sessions?$/.test(t), 60_000, 'workspace-db to show its sessions once trusted');
    await eventually(async () => (await serverRow.locator('.label-description').textContent().catch(() => ''))?.trim() ?? '', (t) => /^\d+\/\d+$/.test(t), 60_000, 'the server row to show used/capacity');
    assert.equal(await userRow.count(), 1, 'user-db is still there');
    assert.equal(((await message.textContent().catch(() => '')) ?? '').trim(), '', 'no Restricted Mode message once trusted');
    // Expanded, workspace-db gets a monitor connection of its own: to its database, once trusted.
    await expand(workspaceRow);
    await eventually(() => sessionsOn(admin as PgClient, DATABASE), (n) => n === 1, 30_000, `the monitor's one connection to ${DATABASE}`);
    await screenshot(page, 'trusted-workspace');
  });
});
