// The dashboard webview in a real browser (Debian's chromium), under the exact CSP the panel sends,
// fed a payload built by the model: the numbers it shows, hostile text staying text, and the messages
// its buttons send. VS Code is replaced by a stub acquireVsCodeApi (see webviewHarness.ts); the panel
// glue is tested end to end elsewhere. Saves screenshots in light, dark and high-contrast colours under
// test-results/.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDashboardPayload } from '../../../src/dashboard/dashboardModel';
import { DashboardPayload } from '../../../src/dashboard/protocol';
import { HistoryPoint } from '../../../src/postgres/store';
import { testResultsDir } from '../../support/paths';
import { databaseState, session, sessions, snapshot, TAKEN_AT } from './snapshotFixtures';
import { CHROMIUM, openWebviewHarness, WebviewHarness } from './webviewHarness';
import { THEMES } from './webviewThemes';

const HOSTILE = '<img src=x onerror="window.__pwned=1"><script>window.__pwned=2</script>';

function payload(): DashboardPayload {
  const t = Date.parse(TAKEN_AT);
  const history: HistoryPoint[] = [];
  for (let i = 0; i <= 300; i++) {
    const used = 30 + Math.round(i / 10);
    history.push({ at: t - (300 - i) * 2_000, used, capacity: 95, maxConnections: 100, byState: { active: 8, idle: used - 12, 'idle in transaction': 4 } });
  }
  const snap = snapshot([
    ...sessions(8, { state: 'active' }),
    ...sessions(46, { state: 'idle', stateSeconds: 1200 }),
    session({ pid: 777, state: 'idle in transaction', stateSeconds: 905, application: HOSTILE, query: `UPDATE t SET x = '${HOSTILE}'` }),
    ...sessions(3, { state: 'idle in transaction', stateSeconds: 70, application: 'worker' }),
    session({ pid: 3999, isMonitor: true, state: 'active', application: 'pg-health' }),
  ]);
  return buildDashboardPayload(databaseState(snap, history, 62), { findings: { 'release-not-guaranteed': 3, 'unreleased-client': 1 } });
}

describe('dashboard webview in a browser', function () {
  this.timeout(60_000);
  let harness: WebviewHarness;
  let view: WebviewHarness['page'];
  const data = payload();

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    harness = await openWebviewHarness();
    view = harness.page;
    await harness.send({ type: 'state', payload: data });
    await view.locator('[data-testid=usage-used]').waitFor();
  });

  after(async () => {
    await harness?.close();
  });

  const text = (testId: string): Promise<string> => view.locator(`[data-testid="${testId}"]`).first().innerText();
  const posted = (): ReturnType<WebviewHarness['posted']> => harness.posted();
  const violations = (): Promise<string[]> => harness.violations();

  it('shows the usage numbers of the payload', async () => {
    const usage = data.live?.usage;
    assert.equal(await text('usage-used'), String(usage?.used));
    assert.equal(await text('usage-capacity'), '95');
    assert.equal(await text('usage-max-connections'), '100');
    assert.equal(await text('usage-superuser-reserved'), '3');
    assert.equal(await text('usage-reserved'), '2');
    assert.equal(await text('usage-peak'), '62');
  });

  it('shows the count of every state, the history and the forecast', async () => {
    assert.equal(await text('state-count-active'), '9');
    assert.equal(await text('state-count-idle'), '46');
    assert.equal(await text('state-count-idle-in-transaction'), '4');
    assert.equal(await text('state-count-aborted'), '0');
    assert.equal(await text('history-point-count'), '301');
    assert.equal(await text('forecast'), data.forecast.text);
    assert.equal(await view.locator('.history-chart path.area').count(), 3);
  });

  it('shows the PgBouncer configuration with the numbers sized from the peak', async () => {
    const advice = data.live?.pgbouncer;
    assert.equal(await text('pgbouncer-max-client-conn'), String(advice?.maxClientConn));
    assert.equal(await text('pgbouncer-default-pool-size'), String(advice?.defaultPoolSize));
    assert.equal((await text('pgbouncer-snippet')).trimEnd(), advice?.config.trimEnd());
  });

  it('keeps hostile application names and queries as text', async () => {
    const row = view.locator('[data-testid=idle-in-transaction-row][data-pid="777"]');
    assert.ok((await row.innerText()).includes(HOSTILE));
    assert.equal(await view.locator('img').count(), 0);
    assert.equal(await view.evaluate('window.__pwned'), undefined);
    assert.ok((await view.locator('[data-testid=group-label]').allInnerTexts()).includes(HOSTILE));
  });

  it('lists idle-in-transaction sessions longest first and asks the host to terminate one', async () => {
    const pids = await view.locator('[data-testid=idle-in-transaction-row]').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-pid')));
    assert.equal(pids[0], '777');
    assert.equal(pids.length, 4);
    await view.locator('[data-testid=idle-in-transaction-row][data-pid="777"] [data-testid=terminate-button]').click();
    const terminate = (await posted()).find((m) => m.type === 'terminate');
    assert.deepEqual(terminate, { type: 'terminate', pid: 777, backendStart: data.live?.idleInTransaction[0]?.backendStart });
  });

  it('sends copy, export and the workspace commands to the host', async () => {
    await view.locator('[data-testid=copy-pgbouncer-snippet]').click();
    await view.locator('[data-testid=export-csv]').click();
    await view.locator('[data-testid=open-terminate-idle]').click();
    await view.locator('[data-testid=run-analyze-workspace]').click();
    await view.locator('[data-testid=open-problems]').click();
    const messages = await posted();
    assert.equal(messages.find((m) => m.type === 'copy')?.['text'], data.live?.pgbouncer.config);
    assert.ok(messages.some((m) => m.type === 'export' && m['format'] === 'csv'));
    for (const type of ['openTerminateIdlePreview', 'runAnalyzeWorkspace', 'openProblems']) assert.ok(messages.some((m) => m.type === type), type);
  });

  it('keeps only the connection name, and where the user left the page, in the webview state', async () => {
    // The clicks above scroll buttons into view, so a scroll position may be saved too (after 150 ms):
    // nothing else, and no session, query or setting, is ever kept.
    const state = (await view.evaluate('window.__state')) as Record<string, unknown>;
    assert.equal(state['connection'], 'shop-prod');
    for (const [key, value] of Object.entries(state)) {
      assert.ok(['connection', 'tab', 'scrollY'].includes(key), `unexpected key ${key} in the webview state`);
      if (key === 'scrollY') assert.equal(typeof value, 'number');
      if (key === 'tab') assert.equal(typeof value, 'string');
    }
  });

  it('says when the monitor goes through a connection pooler, and where to point it instead', async () => {
    assert.equal(await view.locator('[data-testid=pooler]').isVisible(), false, 'no pooler note for a direct connection');
    const snap = snapshot([session({ pid: 41, state: 'idle' })], {
      pooler: { evidence: 'the connection announced process -1719, but the server runs it as backend 41', serverAddress: '127.0.0.1', serverPort: 5432, viaPort: 6432 },
    });
    const pooled = buildDashboardPayload(databaseState(snap, [], 1));
    await harness.send({ type: 'state', payload: pooled });
    const note = view.locator('[data-testid=pooler]');
    await note.waitFor({ state: 'visible' });
    const text = await note.innerText();
    assert.match(text, /Connected through a connection pooler \(the connection announced process -1719/);
    assert.match(text, /cannot keep a slot of its own/);
    assert.match(text, /"port": 5432/);
    assert.match(await view.locator('.meta').innerText(), /through a connection pooler/);
    await harness.send({ type: 'state', payload: data });
    await note.waitFor({ state: 'hidden' });
  });

  it('runs under the strict CSP without violations or errors', async () => {
    assert.equal(await view.evaluate("customElements.get('vscode-data-grid') !== undefined"), true);
    assert.deepEqual(await violations(), []);
    assert.deepEqual(harness.errors, []);
  });

  it('says when the monitor is reconnecting, and recovers after the connection was removed and added back', async () => {
    const waiting = buildDashboardPayload({
      name: 'shop-prod',
      status: { kind: 'reconnecting', lastError: 'connection refused', attempt: 3, nextRetryMs: 4000 },
      snapshot: undefined,
      overview: undefined,
      history: [],
      peak: 0,
    });
    await harness.send({ type: 'state', payload: waiting });
    assert.equal(await view.locator('.status').getAttribute('data-status'), 'reconnecting');
    assert.match(await view.locator('.banner').innerText(), /connection refused/);
    await harness.send({ type: 'removed', name: 'shop-prod' });
    assert.match(await text('removed'), /no longer configured/);
    await harness.send({ type: 'state', payload: data });
    assert.equal(await text('usage-used'), String(data.live?.usage.used));
    assert.equal(await view.locator('.banner').isVisible(), false);
  });

  it('reads in light, dark and high-contrast themes (screenshots in test-results/)', async () => {
    fs.mkdirSync(testResultsDir, { recursive: true });
    for (const name of Object.keys(THEMES)) {
      await harness.setTheme(name);
      await view.screenshot({ path: path.join(testResultsDir, `dashboard-webview-${name}.png`), fullPage: true });
    }
    assert.deepEqual(await violations(), []);
  });
});
