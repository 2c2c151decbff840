import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { Page } from 'playwright-core';
import { screenshot } from '../support/vscodeServer';
import { environment } from './environment';
import { addConnections, chooseForDialog, chooseUntilOpened, dismissLeftovers, exactRow, openQuickInputTitle, quickInput, RestoreSettings, runFromPalette } from './sessionsHelpers';
import { clickDialogButton, eventually, openDatabasesView } from './workbench';

const ROLE = 'e2e_secret';
const PASSWORD = 'only-in-secret-storage';

interface ConnectionEntry {
  name: string;
  [key: string]: unknown;
}

function userSettingsFile(userDataDir: string): string {
  return path.join(userDataDir, 'User', 'settings.json');
}

function userConnections(userDataDir: string): ConnectionEntry[] {
  const settings = JSON.parse(fs.readFileSync(userSettingsFile(userDataDir), 'utf8')) as Record<string, unknown>;
  return (settings['pgHealth.connections'] as ConnectionEntry[] | undefined) ?? [];
}

/** Answers the input box whose prompt contains `prompt`; `value` undefined keeps what it offers. */
async function answer(page: Page, prompt: string, value: string | undefined): Promise<void> {
  await eventually(
    async () => ((await quickInput(page).isVisible()) ? ((await quickInput(page).innerText()) ?? '') : ''),
    (text) => text.includes(prompt),
    30_000,
    `an input box asking "${prompt}"`,
  );
  const input = quickInput(page).locator('.quick-input-box input').first();
  if (value !== undefined) await input.fill(value);
  await input.press('Enter');
}

describe('Connections: add, edit and remove from the Databases view', () => {
  before(async () => dismissLeftovers((await environment()).page));

  let admin: Client | undefined;
  let restoreSettings: RestoreSettings | undefined;

  after(async () => {
    await restoreSettings?.();
    await admin?.end().catch(() => undefined);
  });

  it('Add stores the password in secret storage, Edit keeps it across a rename and keeps the TLS setting, Remove takes the row away', async () => {
    const { pg, page, vscode, workspace } = await environment();
    admin = await pg.connect();
    // A password PGPASSWORD does not have: the monitor only gets in with the one in secret storage.
    await admin.query(`CREATE ROLE ${ROLE} LOGIN PASSWORD '${PASSWORD}'`);
    const tree = await openDatabasesView(page);

    await runFromPalette(page, 'PostgreSQL Health: Add Connection');
    await answer(page, 'A name for this database', 'secret-db');
    await answer(page, 'A connection string', pg.host);
    await answer(page, 'Port', String(pg.port));
    // One input with the step count and Back: back to the port, which kept its answer.
    await eventually(async () => ((await quickInput(page).innerText()) ?? '').includes('Database'), (v) => v, 30_000, 'the Database step');
    assert.match(await quickInput(page).innerText(), /4\s*\/\s*7/, 'the step count');
    await quickInput(page).locator('.quick-input-left-action-bar .action-label, .codicon-quick-input-back').first().click();
    await eventually(async () => quickInput(page).locator('.quick-input-box input').first().inputValue(), (v) => v === String(pg.port), 10_000, 'the Port step again, with its answer');
    await answer(page, 'Port', undefined);
    await answer(page, 'Database', pg.database);
    await answer(page, 'User', ROLE);
    await answer(page, 'TLS when the server offers it', undefined);
    await answer(page, 'Leave empty to use ~/.pgpass or PGPASSWORD', PASSWORD);
    const row = exactRow(tree, 'secret-db', 1);
    await eventually(async () => (await row.count()) > 0 ? ((await row.first().locator('.label-description').textContent()) ?? '') : '', (d) => /^\d+\/37$/.test(d), 60_000, 'secret-db to connect');
    assert.ok(!JSON.stringify(userConnections(vscode.userDataDir)).includes(PASSWORD), 'the password is not in the settings');

    await chooseUntilOpened(page, row, 'Edit Connection', () => openQuickInputTitle(page));
    await answer(page, 'A name for this database', 'secret-db-renamed');
    await answer(page, 'A connection string', undefined);
    await answer(page, 'Port', undefined);
    await answer(page, 'Database', undefined);
    await answer(page, 'User', undefined);
    await answer(page, 'TLS when the server offers it', undefined);
    await answer(page, 'Leave empty to keep the stored one', '');
    const renamed = exactRow(tree, 'secret-db-renamed', 1);
    const seen = await eventually(
      async () => ({
        description: (await renamed.count()) > 0 ? ((await renamed.first().locator('.label-description').textContent()) ?? '') : '',
        dialog: await page.locator('.monaco-dialog-box').isVisible(),
      }),
      (v) => v.dialog || /^\d+\/37$/.test(v.description),
      60_000,
      'secret-db-renamed to connect with the stored password',
    );
    if (seen.dialog) await screenshot(page, 'connection-edit-dialog');
    assert.equal(seen.dialog, false, `no "Could not connect" question: ${seen.dialog ? await page.locator('.monaco-dialog-box').innerText() : ''}`);
    assert.deepEqual(
      userConnections(vscode.userDataDir).filter((c) => c.name.startsWith('secret-db')),
      [{ name: 'secret-db-renamed', host: pg.host, port: pg.port, database: pg.database, user: ROLE }],
    );
    assert.equal(await row.count(), 0, 'the old name is gone from the tree');

    // A workspace connection that asks for TLS, which this server does not offer: the node says so.
    restoreSettings = addConnections(workspace, [{ name: 'tls-db', host: pg.host, port: pg.port, user: pg.user, database: pg.database, ssl: 'require' }]);
    const tls = exactRow(tree, 'tls-db', 1);
    const tlsError = await eventually(
      async () => ((await tls.count()) > 0 ? ((await tls.first().locator('.label-description').textContent()) ?? '') : '').trim(),
      (d) => d !== '' && !/^\d+\/37$/.test(d),
      60_000,
      'tls-db to report that TLS is not available',
    );
    // Editing it with every answer kept keeps ssl (the steps do not ask about it): the connection test fails the same way.
    await chooseUntilOpened(page, tls, 'Edit Connection', () => openQuickInputTitle(page));
    await answer(page, 'A name for this database', undefined);
    await answer(page, 'A connection string', undefined);
    await answer(page, 'Port', undefined);
    await answer(page, 'Database', undefined);
    await answer(page, 'User', undefined);
    // The TLS step offers the entry's own mode first (require), then asks for its CA file.
    await answer(page, 'TLS when the server offers it', undefined);
    await answer(page, 'CA file', undefined);
    await answer(page, 'Leave empty to use ~/.pgpass or PGPASSWORD', '');
    const dialog = await eventually(async () => ((await page.locator('.monaco-dialog-box').isVisible()) ? await page.locator('.monaco-dialog-box').innerText() : ''), (t) => t !== '', 60_000, 'the connection test to fail');
    assert.match(dialog, /Could not connect to tls-db/, `the node said: ${tlsError}`);
    await clickDialogButton(page, 'Save Anyway');
    await eventually(
      async () => (JSON.parse(fs.readFileSync(path.join(workspace, '.vscode', 'settings.json'), 'utf8'))['pgHealth.connections'] as ConnectionEntry[]).find((c) => c.name === 'tls-db'),
      (c) => c?.['ssl'] === 'require' && c['user'] === pg.user,
      10_000,
      'the saved workspace entry to keep ssl',
    );
    await restoreSettings(async () => (await tls.count()) === 0);
    restoreSettings = undefined;

    await chooseForDialog(page, renamed, 'Remove Connection');
    await clickDialogButton(page, 'Remove');
    await eventually(async () => renamed.count(), (n) => n === 0, 30_000, 'the removed connection to leave the tree');
    assert.deepEqual(userConnections(vscode.userDataDir).filter((c) => c.name.startsWith('secret-db')), []);
  });
});
