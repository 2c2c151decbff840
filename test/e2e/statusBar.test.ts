import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { Locator, Page } from 'playwright-core';
import { PgServer, startPostgres } from '../support/postgresServer';
import { screenshot } from '../support/vscodeServer';
import { environment } from './environment';
import { addConnections, dismissLeftovers, openSessions, RestoreSettings, TestSessions } from './sessionsHelpers';
import { escapeRegex, eventually } from './workbench';

interface StatusBarText {
  text: string;
  label: string;
  classes: string;
}

/** The extension's status bar entry (its accessible label starts with "PostgreSQL "). */
function statusItem(page: Page): Locator {
  return page.locator('.statusbar-item').filter({ has: page.locator('[aria-label^="PostgreSQL "]') });
}

async function readStatus(page: Page): Promise<StatusBarText> {
  const item = statusItem(page).first();
  if ((await item.count()) === 0) return { text: '', label: '', classes: '' };
  return {
    // Codicons render as empty glyphs: "$(database) 5/37 $(error) 2 down" reads "5/37 2 down".
    text: ((await item.locator('.statusbar-item-label').first().textContent()) ?? '').replace(/\s+/g, ' ').trim(),
    label: (await item.locator('[aria-label^="PostgreSQL "]').first().getAttribute('aria-label')) ?? '',
    classes: (await item.getAttribute('class')) ?? '',
  };
}

/**
 * used/capacity as the server counts them. The status bar holds a monitor connection per server and
 * role (test-db's, and any other role's an earlier test configured on this server), so every client
 * backend counts, the monitors' included, as in the snapshot the number comes from.
 */
async function serverUsage(client: Client): Promise<string> {
  const { rows } = await client.query<{ used: number; capacity: number }>(`
    SELECT (SELECT count(*)::int FROM pg_stat_activity WHERE backend_type = 'client backend') AS used,
           current_setting('max_connections')::int - current_setting('superuser_reserved_connections')::int
             - coalesce(current_setting('reserved_connections', true)::int, 0) AS capacity`);
  return `${rows[0]?.used}/${rows[0]?.capacity}`;
}

/** Clicks the status bar item until the dashboard tab `title` is the active one (a click can land as the item re-renders). */
async function clickUntilOpen(page: Page, title: string): Promise<void> {
  for (let attempt = 1; ; attempt++) {
    await statusItem(page).first().locator('[aria-label^="PostgreSQL "]').first().click();
    try {
      await eventually(async () => editorTab(page, title).first().getAttribute('aria-selected', { timeout: 1_000 }), (v) => v === 'true', 15_000, `the "${title}" tab to open`);
      return;
    } catch (err) {
      if (attempt >= 3) throw err;
    }
  }
}

function editorTab(page: Page, title: string): Locator {
  return page.locator('.tabs-container .tab').filter({ has: page.locator('.label-name', { hasText: new RegExp(`^${escapeRegex(title)}$`) }) });
}

async function closeTab(tab: Locator): Promise<void> {
  await tab.first().hover();
  await tab.first().locator('.tab-actions .action-label').first().click();
  await tab.first().waitFor({ state: 'detached', timeout: 10_000 });
}

describe('Status bar', () => {
  before(async () => dismissLeftovers((await environment()).page));

  let probe: Client | undefined;
  let sessions: TestSessions | undefined;
  let small: PgServer | undefined;
  const smallClients: Client[] = [];
  let restoreSettings: RestoreSettings | undefined;

  after(async () => {
    await restoreSettings?.();
    await sessions?.close();
    await probe?.end().catch(() => undefined);
    await Promise.all(smallClients.map((c) => c.end().catch(() => undefined)));
    await small?.stop();
  });

  it('shows used/capacity of test-db as the server counts them, and a click opens its dashboard', async () => {
    const { pg, page } = await environment();
    probe = await pg.connect();
    sessions = await openSessions(pg, 'e2e-statusbar', ['idle', 'idle', 'active']);
    const seen = await eventually(
      async () => ({ ...(await readStatus(page)), expected: await serverUsage(probe as Client) }),
      (v) => v.text.split(' ')[0] === v.expected,
      60_000,
      'the status bar to show the server\'s used/capacity',
    );
    // The other two configured databases are a closed port and a wrong password: counted as down.
    assert.match(seen.text, /^\d+\/37 2 down$/);
    // test-db, or another entry on the same server an earlier test left configured: the same numbers.
    assert.match(seen.label, new RegExp(`^PostgreSQL [\\w-]+: ${escapeRegex(seen.text.split(' ')[0] ?? '')} connections in use; 2 databases down$`));

    // A click opens the dashboard of the database the item names.
    const title = `PostgreSQL Health: ${/^PostgreSQL ([\w-]+):/.exec(seen.label)?.[1] ?? 'test-db'}`;
    const wasOpen = (await editorTab(page, title).count()) > 0;
    await clickUntilOpen(page, title);
    await screenshot(page, 'status-bar-dashboard');
    if (!wasOpen) await closeTab(editorTab(page, title));
  });

  it('shows the most loaded database, in the error colour when it is full, and opens that one', async () => {
    const { page, workspace } = await environment();
    // A second server with three ordinary slots (max_connections 6 - 3 reserved for superusers).
    small = await startPostgres({ maxConnections: 6 });
    restoreSettings = addConnections(workspace, [{ name: 'small-db', host: small.host, port: small.port, user: small.user, database: small.database }]);
    for (let i = 0; i < 2; i++) smallClients.push(await small.connect());
    const smallProbe = await small.connect();
    smallClients.push(smallProbe);
    const seen = await eventually(
      async () => ({ ...(await readStatus(page)), expected: await serverUsage(smallProbe) }),
      (v) => v.label.startsWith('PostgreSQL small-db:') && v.text.split(' ')[0] === v.expected,
      60_000,
      'the status bar to show small-db, the most loaded database',
    );
    assert.match(seen.text, /^[34]\/3 critical 2 down$/, 'the two clients, the probe and (on that server) the monitor; the level in words');
    assert.match(seen.classes, /error-kind/, `the item has the error background: ${seen.classes}`);

    const title = 'PostgreSQL Health: small-db';
    await clickUntilOpen(page, title);
    await screenshot(page, 'status-bar-most-loaded');
    await closeTab(editorTab(page, title));

    // Back to test-db once small-db is no longer configured.
    await restoreSettings(async () => !(await readStatus(page)).label.startsWith('PostgreSQL small-db:'));
    restoreSettings = undefined;
  });
});
