// Reliability scenario 7 in real VS Code: a password typed into Add Connection (inside a connection
// string) is used to test the connection and then kept in secret storage only: neither the user nor
// the workspace settings.json, nor the copies local history keeps of them, nor any log file VS Code
// wrote (the "PostgreSQL Health" output channel included) holds the password or an 8-character piece
// of it. (The saved connection is not shown in the tree here: the workspace's own pgHealth.connections
// shadows the user setting Add Connection writes to — reported, not this test's subject.)
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { runCommand } from './dashboardHelpers';
import { environment } from './environment';
import { clickDialogButton, clickMenuItem, eventually, openDatabasesView, treeRow } from './workbench';

const ROLE = 'e2e_secret_role';
const PASSWORD = 'e2e-RELSECRET-7Hq2:w@x';
const NAME = 'secret-check';

function pieces(secret: string): string[] {
  const out = new Set<string>([secret, encodeURIComponent(secret)]);
  for (const s of [...out]) for (let i = 0; i + 8 <= s.length; i++) out.add(s.slice(i, i + 8));
  return [...out];
}

function filesUnder(dir: string): string[] {
  if (!fs.existsSync(dir)) return [];
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? filesUnder(path.join(dir, e.name)) : e.isFile() ? [path.join(dir, e.name)] : []));
}

describe('reliability: secrets in real VS Code', () => {
  const restore: Array<[string, string | undefined]> = [];

  after(async () => {
    // code-server does not reload user settings edited on disk, so take the connection away the
    // way a user would; the tests after this one expect only the environment's connections.
    try {
      const { page } = await environment();
      const tree = await openDatabasesView(page);
      const row = treeRow(tree, NAME);
      if ((await row.count()) > 0) {
        await row.first().click({ button: 'right' });
        await clickMenuItem(page, 'Remove Connection');
        await clickDialogButton(page, 'Remove');
        await eventually(() => row.count(), (n) => n === 0, 30_000, `${NAME} to leave the tree`);
      }
    } catch (err) {
      console.error(`could not remove the ${NAME} connection:`, err);
    }
    for (const [file, content] of restore) {
      if (content === undefined) fs.rmSync(file, { force: true });
      else fs.writeFileSync(file, content);
    }
  });

  it('Add Connection tests with the typed password, then keeps it out of settings, their history and every log', async () => {
    const { pg, page, vscode, workspace } = await environment();
    const admin = await pg.connect();
    try {
      await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD ${admin.escapeLiteral(PASSWORD)}`);
    } finally {
      await admin.end();
    }
    const userSettings = path.join(vscode.userDataDir, 'User', 'settings.json');
    const workspaceSettings = path.join(workspace, '.vscode', 'settings.json');
    for (const file of [userSettings, workspaceSettings]) restore.push([file, fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : undefined]);

    const tree = await openDatabasesView(page);
    await treeRow(tree, 'test-db').waitFor({ timeout: 60_000 });
    await runCommand(page, 'PostgreSQL Health: Add Connection');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10_000 });
    await input.fill(NAME);
    await input.press('Enter');
    await page.locator('.quick-input-widget', { hasText: 'A connection string' }).waitFor({ timeout: 10_000 });
    await input.fill(`postgresql://${ROLE}:${encodeURIComponent(PASSWORD)}@${pg.host}:${pg.port}/postgres?sslmode=disable`);
    await input.press('Enter');

    // Add Connection tests the connection before saving and asks "Save Anyway" when it fails: saved
    // without asking means the password taken from the string worked.
    const logDir = path.join(vscode.userDataDir, 'logs');
    await eventually(async () => filesUnder(logDir).some((f) => fs.readFileSync(f, 'utf8').includes(`saved connection ${NAME}`)), (v) => v, 60_000, 'the connection saved');
    assert.equal(await page.locator('.monaco-dialog-box').count(), 0, 'no "Could not connect" dialog');
    const saved = fs.readFileSync(userSettings, 'utf8');
    assert.ok(saved.includes(`postgresql://${ROLE}@${pg.host}:${pg.port}/postgres?sslmode=disable`), `the connection string is saved without its password:\n${saved}`);

    // Settings, the copies VS Code's local history keeps of them, and every log VS Code wrote.
    const files = [userSettings, workspaceSettings, ...filesUnder(path.join(vscode.userDataDir, 'User', 'History')), ...filesUnder(logDir)].filter((f) => fs.existsSync(f));
    assert.ok(files.some((f) => f.endsWith('PostgreSQL Health.log')), 'the output channel log was read');
    const leaked = files.filter((f) => {
      const text = fs.readFileSync(f, 'utf8');
      return pieces(PASSWORD).some((p) => text.includes(p));
    });
    assert.deepEqual(leaked, []);
  });
});
