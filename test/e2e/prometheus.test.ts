// The dashboard with pgHealth.prometheus.url in real VS Code: Debian's Prometheus scraping Debian's
// postgres_exporter on loopback in front of the e2e server and of a second server nobody configured.
// The chart and the Fleet read Prometheus; the Fleet's number is the server's own count; the second
// server is offered as a connection; a Prometheus that went away leaves a sentence and the live
// numbers. pgHealth.prometheus.url is an application setting (user settings only), so this suite
// starts a VS Code of its own with it in the user settings.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { Client } from 'pg';
import { Browser, FrameLocator, Page } from 'playwright-core';
import { repoRoot } from '../support/paths';
import { PgServer, startPostgres } from '../support/postgresServer';
import { Exporter, prometheusAvailable, PrometheusServer, startExporter, startPrometheus, waitForSeries } from '../support/prometheus';
import { launchBrowser, openWorkbench, screenshot, startVsCode, VsCodeServer } from '../support/vscodeServer';
import { numberOf, openDashboard, readDashboard } from './dashboardHelpers';
import { environment } from './environment';
import { dismissLeftovers, quickInput, waitForQuickInput } from './sessionsHelpers';
import { eventually } from './workbench';

interface FleetRowText {
  label: string;
  used: string;
  headroom: string;
  action: string;
}

async function fleetRows(view: FrameLocator): Promise<FleetRowText[]> {
  return view.locator('[data-testid=dashboard]').evaluate((root) =>
    [...root.querySelectorAll('[data-testid=fleet-row]')].map((row) => {
      const text = (id: string): string => (row.querySelector(`[data-testid=${id}]`)?.textContent ?? '').trim();
      const cells = row.querySelectorAll('vscode-data-grid-cell');
      return { label: text('fleet-label'), used: text('fleet-used'), headroom: text('fleet-headroom'), action: (cells[cells.length - 1]?.textContent ?? '').trim() };
    }),
  );
}

/** Sessions on a database, as postgres_exporter counts them. */
async function serverCount(client: Client): Promise<number> {
  const { rows } = await client.query<{ n: number }>('SELECT count(*)::int AS n FROM pg_stat_activity WHERE datname IS NOT NULL');
  return (rows[0] as { n: number }).n;
}

describe('Dashboard with Prometheus', function () {
  let other: PgServer;
  let exporters: Exporter[] = [];
  let prom: PrometheusServer | undefined;
  let probe: Client;
  const held: Client[] = [];
  let server: VsCodeServer | undefined;
  let browser: Browser | undefined;
  let workspace: string | undefined;
  let page: Page;
  let view: FrameLocator;

  before(async function () {
    this.timeout(300_000);
    if (!prometheusAvailable()) throw new Error('apt-get install --no-install-recommends prometheus prometheus-postgres-exporter');
    const { pg } = await environment();
    other = await startPostgres({ maxConnections: 20 });
    exporters = await Promise.all([startExporter(pg.connectionString), startExporter(other.connectionString)]);
    prom = await startPrometheus({ targets: exporters.map((e) => e.address), scrapeIntervalSeconds: 2 });
    await waitForSeries(prom.url, 'pg_settings_max_connections', 2, 60_000);
    probe = await pg.connect();
    for (let i = 0; i < 6; i++) held.push(await pg.connect());
    workspace = fs.mkdtempSync(path.join(os.tmpdir(), 'pg-health-prom-ws-'));
    server = await startVsCode({
      workspace,
      env: { PGPASSWORD: pg.password },
      userSettings: {
        'pgHealth.connections': [{ name: 'test-db', host: pg.host, port: pg.port, user: pg.user, database: pg.database }],
        'pgHealth.refreshInterval': 1,
        'pgHealth.prometheus.url': prom.url,
      },
    });
    browser = await launchBrowser();
    page = await openWorkbench(browser, server.workbenchUrl([['extensionDevelopmentPath', server.remoteUri(repoRoot)]]));
    view = await openDashboard(page, 'test-db');
  });

  after(async function () {
    this.timeout(120_000);
    await browser?.close().catch(() => undefined);
    await server?.stop().catch(() => undefined);
    if (workspace) fs.rmSync(workspace, { recursive: true, force: true });
    await Promise.all(held.map((c) => c.end().catch(() => undefined)));
    await probe?.end().catch(() => undefined);
    await prom?.stop();
    await Promise.all(exporters.map((e) => e.stop()));
    await other?.stop();
  });

  it("reads the chart and the Fleet from Prometheus, and the Fleet's number for this server is the server's own count", async function () {
    this.timeout(120_000);
    const { pg } = await environment();
    const url = prom?.url ?? '';
    const status = await eventually(
      async () => (await readDashboard(view))['prometheus-status'] ?? '',
      (t) => t.startsWith('From Prometheus'),
      60_000,
      'the status line to say the chart is from Prometheus',
    );
    assert.match(status, new RegExp(`^From Prometheus at ${url}, series \\{server="127.0.0.1:${pg.port}"\\}, a point every 10 s\\.$`));
    // The Fleet: both servers, this one named as this dashboard, its sessions now the server's count at that moment.
    const compared = await eventually(
      async () => {
        const before = await serverCount(probe);
        const rows = await fleetRows(view);
        const after = await serverCount(probe);
        return { rows, before, after };
      },
      ({ rows, before, after }) => before === after && rows.find((r) => r.label === `127.0.0.1:${pg.port}`)?.used === `${before}/37`,
      60_000,
      "the Fleet's row for the e2e server to show the server's count",
    );
    const mine = compared.rows.find((r) => r.label === `127.0.0.1:${pg.port}`);
    assert.ok(mine);
    assert.equal(mine.action, 'this dashboard');
    assert.equal(mine.headroom, String(37 - compared.before));
    assert.ok(compared.rows.some((r) => r.label === `127.0.0.1:${other.port}`), JSON.stringify(compared.rows));
    // A point every 10 s: a Prometheus that started a moment ago may have one so far.
    const points = await eventually(
      async () => numberOf(await readDashboard(view), 'history-point-count'),
      (n) => n >= 2,
      60_000,
      'the chart from Prometheus to have two points',
    );
    assert.ok(points >= 2);
    await screenshot(page, 'prometheus-fleet');
  });

  it('offers an instance nobody configured as a connection, and Add Connection opens with its host and port', async function () {
    this.timeout(120_000);
    const label = `127.0.0.1:${other.port}`;
    const rows = await eventually(() => fleetRows(view), (r) => r.find((x) => x.label === label)?.action === 'Add Connection', 60_000, 'Add Connection on the other server');
    // Least headroom first.
    const headrooms = rows.map((r) => Number(r.headroom));
    assert.deepEqual([...headrooms].sort((a, b) => a - b), headrooms, `sorted by headroom: ${JSON.stringify(rows)}`);
    await view.locator('[data-testid=fleet-row]', { hasText: label }).locator('[data-testid=fleet-add]').click();
    await waitForQuickInput(page, 'PostgreSQL Health: Add Connection');
    const input = quickInput(page).locator('.quick-input-box input').first();
    assert.equal(await input.inputValue(), label);
    await dismissLeftovers(page);
  });

  it('Prometheus gone: the dashboard says so and keeps the live numbers and its own chart', async function () {
    this.timeout(120_000);
    const url = prom?.url ?? '';
    await prom?.stop();
    prom = undefined;
    const values = await eventually(
      () => readDashboard(view),
      (v) => (v['prometheus-status'] ?? '').startsWith('Cannot reach') && (v['fleet-error'] ?? '').startsWith('Cannot reach'),
      90_000,
      'the status line and the Fleet to say Prometheus cannot be reached',
    );
    assert.equal(values['prometheus-status'], `Cannot reach Prometheus at ${url} (ECONNREFUSED). The chart shows this editor's own samples.`);
    assert.equal(values['fleet-error'], `Cannot reach Prometheus at ${url} (ECONNREFUSED).`);
    assert.ok(numberOf(values, 'usage-used') >= 7);
    assert.equal(numberOf(values, 'usage-capacity'), 37);
    assert.match(values['history-point-count'] ?? '', /^\d+$/);
  });
});
