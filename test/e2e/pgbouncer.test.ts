// PgBouncer watched through its admin console, in the real VS Code UI: Debian's PgBouncer 1.18 in
// transaction mode with default_pool_size = 1 in front of the e2e PostgreSQL; one application
// transaction holds the only server connection and two more clients wait. The tree shows the pool
// saturated (coloured and in words), the backend PgBouncer opened is marked as the pooler's under the
// PostgreSQL entry, Terminate Backend on it says what PgBouncer's client will see, and once it is
// terminated the waiting clients get through and the saturation clears.
import * as assert from 'node:assert/strict';
import { Client } from 'pg';
import { isPgBouncerAvailable, PgBouncer, startPgBouncer } from '../support/pgBouncer';
import { screenshot } from '../support/vscodeServer';
import { closeDashboard, dashboardTab, dashboardView } from './dashboardHelpers';
import { environment } from './environment';
import {
  acceptQuickInput,
  addConnections,
  chooseForDialog,
  chooseUntilOpened,
  closeMenus,
  collapse,
  dismissLeftovers,
  exactRow,
  expand,
  openQuickInputTitle,
  readQuickPick,
  RestoreSettings,
  serverSessions,
  sessionRow,
  typeIntoQuickInput,
  waitForQuickInput,
} from './sessionsHelpers';
import { clickDialogButton, eventually, openDatabasesView, treeRow } from './workbench';

const POOLER = 'orders-bouncer';
const APP = { user: 'e2e_pool_app', password: 'e2e-pool-app-pw' };

describe('PgBouncer in the Databases view', function () {
  let bouncer: PgBouncer | undefined;
  let restore: RestoreSettings | undefined;
  const clients: Client[] = [];

  before(async function () {
    if (!isPgBouncerAvailable()) this.skip();
    const { pg, page } = await environment();
    await dismissLeftovers(page);
    const admin = await pg.connect();
    await admin.query(`DROP ROLE IF EXISTS ${APP.user}`);
    await admin.query(`CREATE ROLE ${APP.user} LOGIN PASSWORD '${APP.password}'`);
    await admin.end();
    bouncer = await startPgBouncer(pg, { poolMode: 'transaction', defaultPoolSize: 1, users: { [APP.user]: APP.password } });
    // The console's password is the superuser's: PGPASSWORD in the VS Code server's environment.
    restore = addConnections((await environment()).workspace, [
      { name: POOLER, kind: 'pgbouncer', host: '127.0.0.1', port: bouncer.port, user: pg.user, database: 'pgbouncer', ssl: 'disable' },
      // A console that is not there: its row says so, and nothing else is disturbed.
      { name: 'bouncer-down', kind: 'pgbouncer', host: '127.0.0.1', port: 1, user: pg.user, database: 'pgbouncer', ssl: 'disable' },
    ]);
  });

  after(async () => {
    await Promise.all(clients.map((c) => c.end().catch(() => undefined)));
    const { page } = await environment();
    await closeMenus(page).catch(() => undefined);
    const tree = await openDatabasesView(page);
    await collapse(exactRow(tree, 'test-db', 1)).catch(() => undefined);
    await restore?.(async () => (await treeRow(await openDatabasesView(page), POOLER).count()) === 0);
    await bouncer?.stop();
  });

  async function appClient(): Promise<Client> {
    const { pg } = await environment();
    const client = new Client({ connectionString: (bouncer as PgBouncer).connectionString(APP.user, APP.password, pg.database) });
    client.on('error', () => undefined);
    await client.connect();
    clients.push(client);
    return client;
  }

  it('says on the row of a PgBouncer whose console is down that it is not reachable', async () => {
    const { page } = await environment();
    const tree = await openDatabasesView(page);
    const row = treeRow(tree, 'bouncer-down');
    const text = await eventually(
      async () => (await row.first().locator('.label-description').textContent())?.trim() ?? '',
      (t) => t.startsWith('PgBouncer not reachable'),
      60_000,
      'the bouncer-down row to say the console is not reachable',
    );
    assert.equal(text, 'PgBouncer not reachable: connection refused (is it running and listening on this host and port?).');
    assert.equal((await row.first().getAttribute('aria-label')) ?? '', `PgBouncer bouncer-down: ${text}`);
  });

  it('shows the pool saturated, marks the backend PgBouncer opened, and warns before terminating it', async () => {
    const { pg, page } = await environment();
    const tree = await openDatabasesView(page);
    const poolerRow = treeRow(tree, POOLER);
    await poolerRow.first().waitFor({ timeout: 60_000 });
    await eventually(
      async () => (await poolerRow.first().locator('.label-description').textContent())?.trim() ?? '',
      (t) => /^PgBouncer · \d+ pools · 0 waiting · 0 server connections$/.test(t),
      60_000,
      'the pooler row to show PgBouncer with nobody waiting',
    );

    // One transaction holds the only server connection; two clients wait for it.
    const holder = await appClient();
    await holder.query('BEGIN');
    await holder.query("SELECT 'holding the only server connection'");
    const waiters = [await appClient(), await appClient()];
    const waited = waiters.map((c) =>
      c.query('SELECT 1 AS done').then(
        () => 'done',
        (err: unknown) => String(err),
      ),
    );

    // Waiting for three refreshes in a row, with no idle server connection: critical, in colour and in words.
    const description = await eventually(
      async () => (await poolerRow.first().locator('.label-description').textContent())?.trim() ?? '',
      (t) => /· 2 waiting · 1 server connections · maxwait [\d.]+ s · critical$/.test(t),
      60_000,
      'the pooler row to say 2 clients wait and the pool is critical',
    );
    assert.match(description, /^PgBouncer · 1 pools · 2 waiting/);
    const aria = (await poolerRow.first().getAttribute('aria-label')) ?? '';
    assert.match(aria, new RegExp(`^PgBouncer ${POOLER}: 1 pools, 2 clients waiting, 1 server connections, critical: .*clients waiting for \\d+ refreshes`));
    assert.match(aria, /no idle server connection/);
    // The icon takes the critical colour (charts.red), like a full database's.
    const iconStyle = (await poolerRow.first().locator('.codicon-server-process').first().getAttribute('style')) ?? '';
    const [red, green] = (/rgb\((\d+), (\d+), (\d+)\)/.exec(iconStyle) ?? []).slice(1).map(Number);
    assert.ok((red ?? 0) > 180 && (green ?? 255) < 100, `a red icon, got ${iconStyle}`);

    // The status bar says it too, in words as well as colour.
    const statusLabel = await eventually(
      async () => (await page.locator('.statusbar-item [aria-label^="PostgreSQL "]').first().getAttribute('aria-label')) ?? '',
      (l) => l.includes(`PgBouncer ${POOLER}: 2 clients waiting`),
      30_000,
      'the status bar to name the waiting clients',
    );
    assert.match(statusLabel, new RegExp(`PgBouncer ${POOLER}: 2 clients waiting, longest wait [\\d.]+ s, critical$`));

    // The dashboard of the server behind it: waiting clients and maxwait over time, the server
    // connections against capacity, and sizing advice from the live numbers.
    // From the database row's inline action: a dashboard left open by another test takes the focus
    // back from a quick pick, so the palette's "Which database?" could close as it opens.
    const dbRow = treeRow(await openDatabasesView(page), 'test-db');
    await dbRow.hover();
    await dbRow.locator('.action-label[aria-label="Open Dashboard"]').click();
    await dashboardTab(page, 'test-db').waitFor({ timeout: 30_000 });
    const view = dashboardView(page);
    await view.locator('[data-testid=usage-used]').waitFor({ timeout: 60_000 });
    const summary = await eventually(
      async () => (await view.locator('[data-testid=pooler-summary]').first().textContent({ timeout: 2_000 })) ?? '',
      (t) => t.startsWith('Critical: '),
      60_000,
      'the dashboard to show the pooler in front',
    );
    assert.match(summary, new RegExp(`^Critical: ${pg.database}/${APP.user}: clients waiting for \\d+ refreshes`));
    const serversText = (await view.locator('[data-testid=pooler-servers]').first().textContent()) ?? '';
    assert.match(serversText, /^2 clients waiting now \(maxwait [\d.]+ s\); \d+ clients of max_client_conn 500\. PgBouncer holds 1 server connections, 1 of them on this server, which has \d+ of 37 slots in use\.$/);
    assert.equal((await view.locator('[data-testid=pooler-suggest-default_pool_size]').textContent())?.trim(), 'default_pool_size = 3');
    assert.match((await view.locator('[data-testid=pooler-chart]').getAttribute('aria-label')) ?? '', new RegExp(`^PgBouncer ${POOLER} over the last .*: now 2 clients waiting`));
    await screenshot(page, 'pgbouncer-dashboard');
    await closeDashboard(page, 'test-db');

    await expand(poolerRow);
    const poolRow = exactRow(tree, `${pg.database}/${APP.user}`, 2);
    const poolText = await eventually(
      async () => (await poolRow.first().locator('.label-description').textContent())?.trim() ?? '',
      (t) => /^1 active, 2 waiting, maxwait [\d.]+ s, transaction · critical: clients waiting for \d+ refreshes, (maxwait rising, )?no idle server connection$/.test(t),
      30_000,
      'the pool row to show its numbers and why it is critical',
    );
    assert.match(poolText, /transaction · critical/);
    await expand(poolRow);
    const servers = await (bouncer as PgBouncer).admin('SHOW SERVERS');
    const pooled = servers.find((s) => s['user'] === APP.user);
    assert.ok(pooled, 'PgBouncer holds one server connection for the pool');
    const backend = Number(pooled['remote_pid']);
    await exactRow(tree, `server ${String(pooled['local_addr'])}:${String(pooled['local_port'])} · backend ${backend}`, 3).first().waitFor({ timeout: 30_000 });
    const waitingClients = tree.locator('.monaco-list-row[aria-level="3"]').filter({ has: page.locator('.label-description', { hasText: /^waiting · waiting [\d.]+ s/ }) });
    await eventually(async () => waitingClients.count(), (n) => n === 2, 30_000, 'two waiting clients under the pool');
    await screenshot(page, 'pgbouncer-saturated');
    await collapse(poolerRow);

    // Under the PostgreSQL entry, the backend PgBouncer opened says it is the pooler's.
    await expand(exactRow(tree, 'test-db', 1));
    const group = exactRow(tree, 'idle in transaction', 2);
    await group.first().waitFor({ state: 'visible', timeout: 60_000 });
    await expand(group);
    const row = sessionRow(tree, backend);
    const sessionText = await eventually(
      async () => (await row.first().locator('.label-description').textContent())?.trim() ?? '',
      (t) => t.startsWith(`PgBouncer ${POOLER} · idle in transaction`),
      30_000,
      'the pooled backend to be marked as the pooler\'s',
    );
    assert.match(sessionText, /^PgBouncer orders-bouncer · idle in transaction/);
    await screenshot(page, 'pgbouncer-session-marked');

    const { dialog } = await chooseForDialog(page, row, 'Terminate Backend');
    assert.match(dialog, new RegExp(`Terminate backend ${backend} on test-db\\? It belongs to PgBouncer ${POOLER}\\.`));
    assert.match(dialog, /in use by a PgBouncer client now/);
    assert.match(dialog, /"terminating connection due to administrator command", its current transaction fails/);
    assert.match(dialog, /PgBouncer opens a new server connection/);
    await screenshot(page, 'pgbouncer-terminate-warning');
    await clickDialogButton(page, 'Terminate Backend');

    // What the server and the clients see afterwards: the backend is gone, the holder's transaction
    // failed, the waiting clients got a new server connection.
    const probe = await pg.connect();
    try {
      await eventually(async () => (await serverSessions(probe, [backend])).length, (n) => n === 0, 30_000, 'the backend to leave pg_stat_activity');
    } finally {
      await probe.end();
    }
    const holderOutcome = await holder.query('SELECT 1').then(
      () => 'still in its transaction',
      (err: unknown) => String(err),
    );
    assert.notEqual(holderOutcome, 'still in its transaction');
    assert.deepEqual(await Promise.all(waited), ['done', 'done']);
    await eventually(
      async () => (await poolerRow.first().locator('.label-description').textContent())?.trim() ?? '',
      (t) => /· 0 waiting · /.test(t) && !/critical|warning/.test(t),
      60_000,
      'the saturation to clear on the pooler row',
    );
    await page.keyboard.press('Escape');
  });

  it("offers PgBouncer's idle server connection in Terminate Idle Sessions… unticked, saying whose it is", async () => {
    const { page } = await environment();
    // After the test above, PgBouncer holds a new server connection for the pool, idle now.
    await appClient().then((c) => c.query('SELECT 1'));
    const pooled = await eventually(
      async () => ((await (bouncer as PgBouncer).admin('SHOW SERVERS')).find((s) => s['user'] === APP.user && s['state'] === 'idle') ?? null),
      (s) => s !== null,
      30_000,
      'an idle server connection of the pool',
    );
    const backend = Number(pooled?.['remote_pid']);
    const tree = await openDatabasesView(page);
    await expand(exactRow(tree, 'test-db', 1));
    const group = exactRow(tree, 'idle', 2);
    await group.first().waitFor({ state: 'visible', timeout: 60_000 });
    await expand(group);
    await eventually(
      async () => (await sessionRow(tree, backend).first().locator('.label-description').textContent({ timeout: 2_000 }))?.trim() ?? '',
      (t) => t.startsWith(`PgBouncer ${POOLER} · idle`),
      30_000,
      'the idle pooled backend to be marked',
    );
    await chooseUntilOpened(page, exactRow(tree, 'test-db', 1), 'Terminate Idle Sessions…', () => openQuickInputTitle(page));
    await waitForQuickInput(page, '(1/3)');
    await acceptQuickInput(page);
    await waitForQuickInput(page, '(2/3)');
    await typeIntoQuickInput(page, '0');
    await acceptQuickInput(page);
    await waitForQuickInput(page, '(3/3)');
    const title = (await openQuickInputTitle(page)) ?? '';
    assert.match(title, /of PgBouncer left unticked\)$/);
    const rows = await eventually(async () => readQuickPick(page), (r) => r.some((x) => x.label.startsWith(`${backend} `)), 10_000, 'the pooled backend in the preview');
    const row = rows.find((x) => x.label.startsWith(`${backend} `));
    assert.equal(row?.checked, false, 'left unticked');
    assert.match(row?.description ?? '', new RegExp(`^PgBouncer ${POOLER} · idle \\d+s · unticked: a server connection of the pooler$`));
    await screenshot(page, 'pgbouncer-terminate-idle');
    await page.keyboard.press('Escape');
    await collapse(exactRow(tree, 'test-db', 1)).catch(() => undefined);
  });
});
