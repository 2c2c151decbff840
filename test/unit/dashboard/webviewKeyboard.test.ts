// The dashboard for someone who does not use a mouse: Tab reaches every control, table and chart,
// each with a name a screen reader reads, and the arrow keys move inside the tabs and the tables.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import { buildDashboardPayload } from '../../../src/dashboard/dashboardModel';
import { DashboardPayload } from '../../../src/dashboard/protocol';
import { HistoryPoint } from '../../../src/postgres/store';
import { databaseState, session, sessions, snapshot, TAKEN_AT } from './snapshotFixtures';
import { CHROMIUM, openWebviewHarness, WebviewHarness } from './webviewHarness';

function payload(): DashboardPayload {
  const t = Date.parse(TAKEN_AT);
  const history: HistoryPoint[] = [];
  for (let i = 0; i <= 120; i++) {
    const used = 30 + Math.round(i / 4);
    history.push({ at: t - (120 - i) * 2_000, used, capacity: 95, maxConnections: 100, byState: { active: 8, idle: used - 12, 'idle in transaction': 4 } });
  }
  const snap = snapshot([
    ...sessions(8, { state: 'active' }),
    ...sessions(40, { state: 'idle', stateSeconds: 1200 }),
    session({ pid: 777, state: 'idle in transaction', stateSeconds: 905, application: 'billing' }),
    ...sessions(3, { state: 'idle in transaction', stateSeconds: 70, application: 'worker' }),
  ]);
  return buildDashboardPayload(databaseState(snap, history, 62), { findings: { 'release-not-guaranteed': 3 } });
}

interface Stop {
  /** Tag, id or data-testid of the focused element, through shadow roots. */
  what: string;
  /** What a screen reader announces as its name: aria-label, aria-labelledby's text, or its text. */
  name: string;
  role: string;
}

// Page-side code as a string: the test project has no DOM types.
const FOCUSED = `(() => {
  let el = document.activeElement;
  while (el && el.shadowRoot && el.shadowRoot.activeElement) el = el.shadowRoot.activeElement;
  if (!el || el === document.body) return null;
  let host = el;
  while (host && !host.getAttribute('data-testid') && !host.id && host.parentElement) host = host.parentElement;
  const nameOf = (e) => {
    const labelled = e.getAttribute('aria-labelledby');
    const root = e.getRootNode();
    return e.getAttribute('aria-label')
      || (labelled ? labelled.split(' ').map((id) => (root.getElementById ? root.getElementById(id) || document.getElementById(id) : document.getElementById(id) || {}).textContent || '').join(' ') : '')
      || (e.textContent || '').trim().replace(/\\s+/g, ' ').slice(0, 80);
  };
  // An element inside a toolkit component's shadow root takes its name from the component (slotted text).
  const shadowHost = el.getRootNode().host;
  const name = nameOf(el) || (shadowHost ? nameOf(shadowHost) : '');
  return { what: el.tagName.toLowerCase() + (host && (host.getAttribute('data-testid') || host.id) ? '#' + (host.getAttribute('data-testid') || host.id) : ''), name, role: el.getAttribute('role') || '' };
})()`;

async function tabStops(h: WebviewHarness, max = 80): Promise<Stop[]> {
  const stops: Stop[] = [];
  await h.page.evaluate('document.activeElement && document.activeElement.blur && document.activeElement.blur()');
  for (let i = 0; i < max; i++) {
    await h.page.keyboard.press('Tab');
    const stop = (await h.page.evaluate(FOCUSED)) as Stop | null;
    if (!stop) { stops.push({ what: 'body', name: '', role: '' }); continue; }
    if (stops.length > 0 && stop.what === stops[0]?.what && stop.name === stops[0]?.name) break;
    stops.push(stop);
  }
  return stops;
}

describe('dashboard webview by keyboard', function () {
  this.timeout(60_000);
  let h: WebviewHarness;

  before(async function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
    h = await openWebviewHarness({ width: 1200, height: 1800 });
    await h.send({ type: 'state', payload: payload() });
    await h.page.locator('[data-testid="history-point-count"]').waitFor();
  });

  after(async () => {
    await h?.close();
  });

  it('Tab reaches every control, table and chart, each with a name of its own', async () => {
    const stops = await tabStops(h);
    const at = (what: RegExp): Stop | undefined => stops.find((s) => what.test(s.what));
    // The tables: one stop each, on the header (the arrow keys move inside, as in VS Code's own grids).
    assert.equal(at(/#top-application$/)?.role, 'columnheader', 'the busiest-applications table');
    assert.equal(at(/#idle-in-transaction-grid$/)?.role, 'columnheader', 'the idle-in-transaction table');
    // The tabs of Who holds the connections: one stop.
    assert.deepEqual(stops.filter((s) => s.role === 'tab').map((s) => s.name), ['Applications']);
    // The charts, with the numbers they draw in words.
    const charts = stops.filter((s) => s.role === 'img').map((s) => s.name);
    assert.equal(charts.length, 2, `the usage bar and the history chart: ${charts.join(' | ')}`);
    assert.match(charts[0] ?? '', /^52 of 95 connections in use; max_connections 100$/);
    assert.match(
      charts[1] ?? '',
      /^Connections by state over the last 4 min: now 60 of 95 \(8 active, 48 idle, 4 idle in transaction\); highest 60, now; capacity 95, max_connections 100$/,
    );
    // Every button, and no two named alike ("Copy" five times tells a screen reader user nothing).
    const buttons = stops.filter((s) => s.what === 'button').map((s) => s.name);
    for (const name of ['Export JSON', 'Export CSV', 'Terminate Idle Sessions…', 'Analyze Workspace', 'Open Problems', 'Copy the PgBouncer settings']) {
      assert.ok(buttons.includes(name), `${name} in ${buttons.join(', ')}`);
    }
    assert.equal(new Set(buttons).size, buttons.length, `distinct names: ${buttons.join(', ')}`);
    const nameless = stops.filter((s) => s.name.trim() === '' && s.what !== 'body');
    assert.deepEqual(nameless, [], 'every stop has a name');
  });

  it('the arrow keys choose a tab and move through a table', async () => {
    await h.page.locator('vscode-panel-tab#tab-application').focus();
    await h.page.keyboard.press('ArrowRight');
    const tab = (await h.page.evaluate(FOCUSED)) as Stop;
    assert.equal(tab.role, 'tab');
    assert.notEqual(tab.name, 'Applications', 'the next tab has the focus');
    assert.equal(await h.page.locator('vscode-panel-tab[aria-selected="true"]').textContent(), tab.name, 'and is shown');
    await h.page.locator('[data-testid="idle-in-transaction-grid"] vscode-data-grid-cell[role="columnheader"]').first().focus();
    await h.page.keyboard.press('ArrowDown');
    const cell = (await h.page.evaluate(FOCUSED)) as Stop;
    assert.equal(cell.role, 'gridcell');
    assert.equal(cell.name, '777', 'the first row, the longest idle in transaction');
    await h.page.keyboard.press('ArrowDown');
    assert.notEqual(((await h.page.evaluate(FOCUSED)) as Stop).name, '777', 'the next row');
  });
});
