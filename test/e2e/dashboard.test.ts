// The dashboard in real VS Code (code-server in chromium) against embedded PostgreSQL: what it shows
// is what pg_stat_activity says, its advice follows the observed peak, Terminate goes through VS
// Code's modal confirmation, client-supplied text stays text, it reads in light, dark and high
// contrast, and it comes back after a reload with the history from before it.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { Client } from 'pg';
import { ConsoleMessage, FrameLocator } from 'playwright-core';
import { pgBouncerSizing } from '../../src/dashboard/advice';
import { historyFileName } from '../../src/history/diskHistory';
import { pointLine } from '../../src/history/historyFile';
import { connectAs, FixtureSessions, openSessionsInEveryState, waitFor } from '../support/pgSessions';
import { screenshot } from '../support/vscodeServer';
import {
  closeDashboard,
  currentThemeLabel,
  dashboardAgreesWithServer,
  dashboardTab,
  dashboardView,
  numberOf,
  openDashboard,
  readDashboard,
  runCommand,
  serverView,
  pickColorTheme,
  setColorTheme,
  THEMES,
} from './dashboardHelpers';
import { environment } from './environment';
import { clickDialogButton, eventually, openDatabasesView, treeRow } from './workbench';

const DATABASE = 'test-db';
/** 63 bytes: application_name keeps at most NAMEDATALEN - 1. */
const HOSTILE_APPLICATION = '<script>window.__pw=1</script><img src=x onerror=window.__pw=2>';
const HOSTILE_QUERY = `SELECT '<img src=x onerror="window.__pw=3"><script>window.__pw=4</script>' AS hostile`;

describe('Dashboard', function () {
  const clients: Client[] = [];
  let fixture: FixtureSessions | undefined;
  let probe: Client;
  let view: FrameLocator;
  const cspMessages: string[] = [];
  const onConsole = (message: ConsoleMessage): void => {
    if (/Content Security Policy|Refused to (execute|load|apply)/i.test(message.text())) cspMessages.push(message.text());
  };

  /** Opens a session of our own; `after` ends it. */
  async function session(applicationName: string): Promise<{ client: Client; pid: number }> {
    const { pg } = await environment();
    const client = await connectAs(pg, undefined, applicationName);
    clients.push(client);
    const { rows } = await client.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const pid = rows[0]?.pid;
    assert.ok(pid);
    return { client, pid };
  }

  /** Ends our sessions (a pg_sleep would outlive a closed socket) and waits until the server forgot them. */
  async function endSessions(list: readonly Client[]): Promise<void> {
    const pids = list.map((c) => (c as unknown as { processID: number | null }).processID).filter((p): p is number => typeof p === 'number');
    if (pids.length > 0) {
      await probe.query('SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
      await waitFor('our sessions to end', async () => {
        const { rows } = await probe.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = ANY($1::int[])', [pids]);
        return rows[0]?.n === 0;
      });
    }
    await Promise.all(list.map((c) => c.end().catch(() => undefined)));
  }

  before(async () => {
    const { pg, page } = await environment();
    page.on('console', onConsole);
    probe = await connectAs(pg, undefined, 'e2e-dashboard-probe');
    // Idle, active (pg_sleep), idle in transaction, aborted, a lock holder (idle in transaction) and its waiter (active).
    fixture = await openSessionsInEveryState(pg, { prefix: 'e2e_dashboard' });
    view = await openDashboard(page, DATABASE);
  });

  after(async () => {
    const { page } = await environment();
    page.off('console', onConsole);
    // Leave the workbench as the other tests found it: no dashboard open.
    await closeDashboard(page, DATABASE).catch(() => undefined);
    await fixture?.close();
    await endSessions(clients.splice(0));
    await probe?.end();
  });

  it("shows used, capacity, max_connections and sessions by state as the server counts them", async () => {
    const { dashboard, server } = await dashboardAgreesWithServer(view, probe);
    console.log(`      dashboard = server: ${JSON.stringify(dashboard)}`);
    assert.equal(server.maxConnections, 40);
    assert.equal(server.capacity, 37, 'max_connections 40 - superuser_reserved_connections 3 - reserved_connections 0');
    // Our own sessions are among them: active + waiter, idle in transaction + lock holder, aborted, idle.
    assert.ok(server.byState.active >= 2 && server.byState.idleInTransaction >= 2 && server.byState.aborted >= 1 && server.byState.idle >= 1);
    // Who holds them: one row per fixture application, one session each.
    const grid = view.locator('[data-testid=top-application]');
    for (const name of Object.values(fixture?.applicationNames ?? {})) {
      const row = grid.locator('[data-testid=group-row]', { has: view.locator('[data-testid=group-label]', { hasText: new RegExp(`^${name}$`) }) });
      assert.equal(await row.locator('[data-testid=group-count]').textContent(), '1', `${name} holds one connection`);
    }
    // The idle-in-transaction list has both fixture sessions holding a transaction, the longest first.
    const iit = fixture?.pids;
    assert.ok(iit);
    for (const pid of [iit.idleInTransaction, iit.holder, iit.aborted]) {
      await view.locator(`[data-testid=idle-in-transaction-row][data-pid="${pid}"]`).waitFor({ timeout: 10_000 });
    }
  });

  it('gains history points as time passes', async () => {
    const before = numberOf(await readDashboard(view), 'history-point-count');
    const after = await eventually(
      async () => numberOf(await readDashboard(view), 'history-point-count'),
      (n) => n >= before + 3,
      30_000,
      'three more history points',
    );
    console.log(`      history points: ${before} -> ${after}`);
    assert.ok((await view.locator('.history-chart path.area').count()) >= 3, 'the chart draws an area per state in use');
  });

  it("sizes the PgBouncer snippet from the observed peak and follows it when the peak rises", async () => {
    const sizingShown = (values: Record<string, string>): ReturnType<typeof pgBouncerSizing> => ({
      peak: numberOf(values, 'pgbouncer-peak'),
      peakBusy: numberOf(values, 'pgbouncer-peak-busy'),
      pools: numberOf(values, 'pgbouncer-pools'),
      serverBudget: numberOf(values, 'pgbouncer-server-budget'),
      maxClientConn: numberOf(values, 'pgbouncer-max-client-conn'),
      defaultPoolSize: numberOf(values, 'pgbouncer-default-pool-size'),
      reservePoolSize: numberOf(values, 'pgbouncer-reserve-pool-size'),
    });
    const expected = (shown: ReturnType<typeof pgBouncerSizing>, capacity: number): ReturnType<typeof pgBouncerSizing> =>
      pgBouncerSizing({ peak: shown.peak, peakBusy: shown.peakBusy, pools: shown.pools, capacity });
    const beforeValues = await readDashboard(view);
    const before = sizingShown(beforeValues);
    assert.deepEqual(before, expected(before, numberOf(beforeValues, 'usage-capacity')));

    // A burst: 14 more sessions, all busy, all as the same user and database (one pool).
    const burst: Client[] = [];
    for (let i = 0; i < 14; i++) {
      const { client } = await session('e2e-dashboard-burst');
      burst.push(client);
      void client.query('SELECT pg_sleep(600)').catch(() => undefined);
    }
    const during = await eventually(
      () => serverView(probe),
      (s) => s.byState.active >= 14 + 2,
      30_000,
      'the burst sessions to be active',
    );
    const risen = await eventually(
      async () => {
        const values = await readDashboard(view);
        return { values, shown: sizingShown(values) };
      },
      ({ shown }) => shown.peak >= during.used && shown.peakBusy >= during.byState.active,
      30_000,
      `the dashboard's peak to reach the server's ${during.used} connections`,
    );
    const after = risen.shown;
    console.log(`      PgBouncer before: ${JSON.stringify(before)}\n      PgBouncer after:  ${JSON.stringify(after)}`);
    assert.deepEqual(after, expected(after, numberOf(risen.values, 'usage-capacity')));
    assert.ok(after.maxClientConn > before.maxClientConn, 'max_client_conn grows with the peak');
    assert.ok(after.defaultPoolSize > before.defaultPoolSize, 'default_pool_size grows with the busy peak');
    const config = risen.values['pgbouncer-snippet'] ?? '';
    assert.match(config, new RegExp(`^max_client_conn = ${after.maxClientConn}$`, 'm'));
    assert.match(config, new RegExp(`^default_pool_size = ${after.defaultPoolSize}$`, 'm'));
    assert.match(config, new RegExp(`^reserve_pool_size = ${after.reservePoolSize}$`, 'm'));
    assert.match(config, new RegExp(`^max_db_connections = ${after.serverBudget}$`, 'm'));

    // The burst ends; the peak since opening stays, and so does the advice sized from it.
    await endSessions(burst);
    clients.splice(0, clients.length, ...clients.filter((c) => !burst.includes(c)));
    await dashboardAgreesWithServer(view, probe);
    const later = sizingShown(await readDashboard(view));
    assert.ok(later.peak >= after.peak, `the peak since opening stays (${later.peak} >= ${after.peak})`);
  });

  it('terminates a session from the idle-in-transaction list after the modal confirmation', async () => {
    const { page } = await environment();
    const { client, pid } = await session('e2e-dashboard-terminate');
    client.on('error', () => undefined);
    await client.query('BEGIN');
    await client.query('SELECT 1');
    const row = view.locator(`[data-testid=idle-in-transaction-row][data-pid="${pid}"]`);
    await row.waitFor({ timeout: 30_000 });
    // Pressed and released the way a person clicks, with a refresh of the dashboard in between
    // (a refresh every second makes that common): the click must still count.
    const button = row.locator('[data-testid=terminate-button]');
    await button.scrollIntoViewIfNeeded();
    const box = await button.boundingBox();
    assert.ok(box, 'the Terminate button is on screen');
    const points = numberOf(await readDashboard(view), 'history-point-count');
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await eventually(async () => numberOf(await readDashboard(view), 'history-point-count'), (n) => n > points, 15_000, 'a refresh while the button is held');
    await page.mouse.up();
    const dialog = page.locator('.monaco-dialog-box');
    await dialog.waitFor({ timeout: 15_000 });
    assert.match((await dialog.textContent()) ?? '', new RegExp(`Terminate backend ${pid} on ${DATABASE}\\?`));
    assert.match((await dialog.textContent()) ?? '', /application: e2e-dashboard-terminate/);
    await clickDialogButton(page, 'Terminate Backend');
    await eventually(
      async () => (await probe.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE pid = $1', [pid])).rows[0]?.n,
      (n) => n === 0,
      30_000,
      `backend ${pid} to leave pg_stat_activity`,
    );
    await row.waitFor({ state: 'detached', timeout: 30_000 });
    // Only that one: the fixture's idle-in-transaction session is still listed.
    await view.locator(`[data-testid=idle-in-transaction-row][data-pid="${fixture?.pids.idleInTransaction}"]`).waitFor({ timeout: 10_000 });
  });

  it("shows an application_name and a query made of HTML as text, and runs none of it", async () => {
    assert.equal(Buffer.byteLength(HOSTILE_APPLICATION), 63);
    const { client, pid } = await session(HOSTILE_APPLICATION);
    await client.query('BEGIN');
    await client.query(HOSTILE_QUERY);
    const label = view.locator('[data-testid=top-application] [data-testid=group-label]', { hasText: HOSTILE_APPLICATION });
    await label.waitFor({ state: 'attached', timeout: 30_000 });
    assert.equal(await label.textContent(), HOSTILE_APPLICATION);
    const row = view.locator(`[data-testid=idle-in-transaction-row][data-pid="${pid}"]`);
    await row.waitFor({ timeout: 30_000 });
    const rowText = (await row.textContent()) ?? '';
    assert.ok(rowText.includes(HOSTILE_APPLICATION), `the row shows the application name as text: ${rowText}`);
    assert.ok(rowText.includes(HOSTILE_QUERY), 'the row shows the query as text');
    // Nothing ran and nothing was parsed as markup: no flag, no <img>, no script but the bundle.
    // (VS Code adds a script of its own to every webview; none may carry the payload.)
    const dom = await view.locator('html').evaluate((html) => ({
      flag: (globalThis as unknown as Record<string, unknown>)['__pw'] ?? null,
      images: html.querySelectorAll('img').length,
      payloadScripts: [...html.querySelectorAll('script')].filter((s) => s.outerHTML.includes('__pw')).length,
      handlers: html.querySelectorAll('[onerror]').length,
    }));
    assert.deepEqual(dom, { flag: null, images: 0, payloadScripts: 0, handlers: 0 });
    assert.deepEqual(cspMessages, [], 'no Content Security Policy violation was reported');
    // The check above can see a violation: an image from outside cspSource is refused and reported.
    await view.locator('html').evaluate((html) => {
      const probeImage = html.ownerDocument.createElement('img');
      probeImage.src = 'http://127.0.0.1:9/csp-probe.png';
      html.ownerDocument.body.appendChild(probeImage);
      probeImage.remove();
    });
    await eventually(async () => cspMessages.length, (n) => n > 0, 10_000, 'the CSP probe to be reported');
    assert.match(cspMessages.join('\n'), /csp-probe/);
    cspMessages.splice(0);
    await client.query('ROLLBACK');
  });

  it('opens from the Databases view and from the status bar too', async () => {
    const { page } = await environment();
    const tab = dashboardTab(page, DATABASE);
    const close = (): Promise<void> => closeDashboard(page, DATABASE);
    await close();
    // The database node's inline action.
    const tree = await openDatabasesView(page);
    const node = treeRow(tree, DATABASE);
    await node.hover();
    await node.locator('.action-label[aria-label="Open Dashboard"]').click();
    await tab.waitFor({ timeout: 30_000 });
    await dashboardAgreesWithServer(view, probe);
    await close();
    // The status bar item ("used/capacity" of the busiest database).
    await page.locator(`.statusbar [aria-label^="PostgreSQL ${DATABASE}:"]`).first().click();
    await tab.waitFor({ timeout: 30_000 });
    await dashboardAgreesWithServer(view, probe);
  });

  it('comes back after a reload with its numbers and the history from before it', async () => {
    const { page, vscode } = await environment();
    const pointsBefore = numberOf(await readDashboard(view), 'history-point-count');
    assert.ok(pointsBefore >= 10, `${pointsBefore} history points before the reload`);
    // The extension's history file in the global storage, named by a hash of the connection's name.
    const file = path.join(vscode.userDataDir, 'User', 'globalStorage', 'pg-health.pg-connection-health', 'history', historyFileName(DATABASE));
    await eventually(async () => fs.existsSync(file), (exists) => exists, 30_000, `the history file ${file}`);
    // A sample from 50 minutes ago that only the file has: after the reload the chart must reach back to
    // it, with the time between as a gap — which only a history read back from disk can show.
    const used = numberOf(await readDashboard(view), 'usage-used');
    fs.appendFileSync(file, pointLine({ at: Date.now() - 50 * 60_000, used, capacity: 37, maxConnections: 40, byState: { idle: used } }));
    await page.reload();
    await page.locator('.monaco-workbench').waitFor({ timeout: 90_000 });
    view = dashboardView(page);
    // The tab is restored first and its webview filled once the extension is active again; a failure
    // says which of the two did not happen.
    await eventually(
      async () => ({
        tabs: await dashboardTab(page, DATABASE).count(),
        numbers: await view.locator('[data-testid=usage-used]').count().catch(() => 0),
      }),
      (v) => v.tabs === 1 && v.numbers === 1,
      120_000,
      'the dashboard tab and its numbers after the reload',
    );
    const { dashboard } = await dashboardAgreesWithServer(view, probe, 90_000);
    assert.equal(dashboard.maxConnections, 40);
    assert.equal((await readDashboard(view))['status'], 'live');
    // The new extension host read the samples of the one before back from the global storage.
    const pointsAfter = numberOf(await readDashboard(view), 'history-point-count');
    const gaps = await view.locator('[data-testid=history-gap]').count();
    console.log(`      history points: ${pointsBefore} before the reload, ${pointsAfter} after; ${gaps} gap(s) drawn`);
    assert.ok(pointsAfter > pointsBefore, `${pointsAfter} points after the reload, ${pointsBefore} before`);
    assert.ok(gaps >= 1, 'the 50 minutes between the sample only the file had and the others are a gap');
  });

  it('reads in light, dark and high-contrast themes (screenshots under test-results/)', async () => {
    const { page } = await environment();
    const original = await currentThemeLabel(page);
    const viewport = page.viewportSize();
    // The toasts of the tests before (e.g. "Backend … was terminated") would cover part of the pictures.
    await runCommand(page, 'Notifications: Clear All Notifications');
    try {
      for (const theme of THEMES) {
        await setColorTheme(page, theme);
        await dashboardAgreesWithServer(view, probe);
        // What a user sees first, in the test's window, and the whole dashboard in a window as tall as the page.
        const height = await view.locator('html').evaluate((html) => {
          html.scrollTop = 0;
          return html.scrollHeight as number;
        });
        await page.waitForTimeout(500); // let the toolkit's components repaint in the new colours
        console.log(`      ${await screenshot(page, `dashboard-${theme.kind}`)}`);
        await page.setViewportSize({ width: 1400, height: Math.min(8000, height + 120) });
        await page.waitForTimeout(500); // and the chart redraw at its new width
        const file = await screenshot(page, `dashboard-${theme.kind}-full`);
        if (viewport) await page.setViewportSize(viewport);
        console.log(`      ${file}`);
      }
    } finally {
      if (viewport) await page.setViewportSize(viewport);
      // Put the theme back (and wait until it is applied) for the tests that follow in this workbench.
      if (original) {
        await pickColorTheme(page, original);
        await eventually(() => currentThemeLabel(page), (label) => label === original, 30_000, `the ${original} theme again`);
      }
    }
  });
});
