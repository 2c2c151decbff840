// The history chart in a real browser (Debian's chromium) over a day with five hours where VS Code
// was closed: the stretch is a shaded gap with no area drawn across it (screenshot in test-results/),
// and the range picker asks the host for another range and remembers it across a reload of the page.
import * as assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { buildDashboardPayload } from '../../../src/dashboard/dashboardModel';
import { DashboardPayload } from '../../../src/dashboard/protocol';
import { HOUR, openWindow, poll, T0, tempDir, usage } from '../history/historyHelpers';
import { testResultsDir } from '../../support/paths';
import { databaseState } from './snapshotFixtures';
import { CHROMIUM, openWebviewHarness, WebviewHarness } from './webviewHarness';

const NAME = 'shop-prod';

/** Two hours polled, five closed, one polled again: the 24 h payload, as the panel sends it. */
function payload(): DashboardPayload {
  const dir = tempDir();
  try {
    const w = openWindow(dir);
    poll(w, NAME, T0, T0 + 2 * HOUR, 2_000, (at) => 30 + Math.floor(at / 60_000) % 4);
    poll(w, NAME, T0 + 7 * HOUR, T0 + 8 * HOUR, 2_000, () => 40);
    const history = [...(w.store.get(NAME)?.history ?? [])];
    return buildDashboardPayload(databaseState(usage(40), history), { historyRange: '24h', retentionDays: 7 });
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
}

/** The x coordinates a path's commands go through. */
function xsOf(d: string): number[] {
  return [...d.matchAll(/[ML]\s*(-?[\d.]+),/g)].map((m) => Number(m[1]));
}

describe('history chart in a browser', function () {
  this.timeout(120_000);
  let harness: WebviewHarness | undefined;

  before(function () {
    if (!fs.existsSync(CHROMIUM)) this.skip();
  });

  afterEach(async () => {
    await harness?.close();
    harness = undefined;
  });

  it('draws the hours VS Code was closed as a shaded gap that no area crosses', async () => {
    harness = await openWebviewHarness();
    const data = payload();
    assert.equal(data.history.gaps.length, 1);
    await harness.send({ type: 'state', payload: data });
    const page = harness.page;
    await page.locator('.history-chart').waitFor();
    const gap = page.locator('[data-testid="history-gap"]');
    assert.equal(await gap.count(), 1);
    const gx = Number(await gap.getAttribute('x'));
    const gw = Number(await gap.getAttribute('width'));
    // 5 of the 8 hours the window spans, in a plot 800 − 36 − 120 px wide at this viewport.
    const plot = Number(await page.locator('.history-chart').getAttribute('width')) - 156;
    assert.ok(Math.abs(gw - (plot * 5) / 8) < 2, `gap ${gw} px of ${plot}`);
    assert.match((await gap.locator('title').textContent()) ?? '', /^No data for 5 h: VS Code was closed/);
    // Each state is drawn twice, once on each side; no shape has a point inside the gap.
    const areas = await page.evaluate<string[]>("[...document.querySelectorAll('.history-chart path.area')].map((p) => p.getAttribute('d') ?? '')");
    assert.equal(areas.length, 2 * 2, 'active and idle, before and after');
    for (const d of areas) for (const x of xsOf(d)) assert.ok(x <= gx + 0.1 || x >= gx + gw - 0.1, `${x} inside the gap ${gx}..${gx + gw}`);
    // The capacity and max_connections lines stop at the gap too.
    const limits = await page.evaluate<string[]>("[...document.querySelectorAll('.history-chart polyline')].map((p) => p.getAttribute('points') ?? '')");
    assert.equal(limits.length, 2 * 2);
    for (const points of limits) {
      for (const x of points.split(' ').map((pair) => Number(pair.split(',')[0]))) assert.ok(x <= gx + 0.1 || x >= gx + gw - 0.1, `limit line at ${x} inside the gap`);
    }
    assert.match(await page.locator('.history .muted').innerText(), /over the last 8 h, kept on disk for 7 days.*Shaded: no data/s);
    assert.deepEqual(await harness.violations(), []);
    assert.deepEqual(harness.errors, []);
    fs.mkdirSync(testResultsDir, { recursive: true });
    await page.locator('.card.history').screenshot({ path: path.join(testResultsDir, 'dashboard-history-gap.png') });
  });

  it('shows the range the host drew pressed, and asks the host for the one picked', async () => {
    harness = await openWebviewHarness();
    await harness.send({ type: 'state', payload: payload() });
    const page = harness.page;
    assert.equal(await page.locator('[data-testid="history-range-24h"]').getAttribute('aria-pressed'), 'true', "the payload's range");
    await page.locator('[data-testid="history-range-7d"]').click();
    const posted = await harness.posted();
    assert.deepEqual(posted.filter((m) => m.type === 'historyRange'), [{ type: 'historyRange', range: '7d' }]);
    assert.equal(await page.locator('[data-testid="history-range-7d"]').getAttribute('aria-pressed'), 'true');
    assert.equal(await page.locator('[data-testid="history-range-24h"]').getAttribute('aria-pressed'), 'false');
    assert.equal(await page.evaluate('window.__state.historyRange'), '7d');
  });

  it('asks again for the range it had when the page comes back', async () => {
    harness = await openWebviewHarness(undefined, { connection: NAME, historyRange: '24h' });
    const posted = await harness.posted();
    assert.deepEqual(
      posted.map((m) => m.type),
      ['historyRange', 'ready'],
    );
    assert.equal(posted[0]?.['range'], '24h');
    assert.equal(await harness.page.locator('[data-testid="history-range-24h"]').getAttribute('aria-pressed'), 'true');
  });
});
