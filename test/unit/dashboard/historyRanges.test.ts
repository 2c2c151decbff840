// The chart's three ranges over a week of history as the store keeps it (samples for the last hour,
// minute buckets before), with a stretch where VS Code was closed and a short spike to capacity.
import * as assert from 'node:assert/strict';
import { buildDashboardPayload } from '../../../src/dashboard/dashboardModel';
import { parseWebviewMessage } from '../../../src/dashboard/protocol';
import { DAY, HOUR, MINUTE, openWindow, poll, T0, tempDir, usage } from '../history/historyHelpers';
import { databaseState } from './snapshotFixtures';
import * as fs from 'node:fs';

const NAME = 'shop-prod';
const CLOSED_FROM = T0 + 2 * DAY + 10 * HOUR;
const CLOSED_TO = T0 + 2 * DAY + 22 * HOUR;
const SPIKE_AT = T0 + 4 * DAY + 15 * HOUR + 4_000;

describe('dashboard history ranges', function () {
  this.timeout(120_000);
  const dir = tempDir();
  const w = openWindow(dir);
  after(() => fs.rmSync(dir, { recursive: true, force: true }));

  before(() => {
    poll(w, NAME, T0, CLOSED_FROM, 10_000, () => 20);
    poll(w, NAME, CLOSED_TO, T0 + 7 * DAY - 2_000, 2_000, (at) => (at === SPIKE_AT ? 94 : 20 + Math.floor(at / HOUR) % 3));
    w.store.update(NAME, usage(25), T0 + 7 * DAY);
  });

  const payload = (range: '1h' | '24h' | '7d') => {
    const state = w.store.get(NAME);
    assert.ok(state);
    return buildDashboardPayload(databaseState(usage(25), [...state.history]), { historyRange: range, retentionDays: 7 });
  };

  it('1 h: every sample of the last hour, no gap', () => {
    const view = payload('1h').history;
    assert.equal(view.range, '1h');
    assert.equal(view.to, T0 + 7 * DAY);
    assert.equal(view.from, view.to - HOUR);
    assert.equal(view.pointCount, 1801);
    assert.ok(view.samples.length <= 360);
    assert.deepEqual(view.gaps, []);
    assert.equal(view.retentionDays, 7);
  });

  it('24 h: a day of minutes and the last hour, thinned to the chart, no gap', () => {
    const view = payload('24h').history;
    assert.equal(view.from, view.to - DAY);
    assert.ok(view.pointCount > 23 * 60 + 1800, `${view.pointCount} points`);
    assert.ok(view.samples.length <= 360 && view.samples.length >= 350, `${view.samples.length} samples`);
    assert.deepEqual(view.gaps, []);
    assert.ok(view.samples.every((s) => !s.gapBefore));
  });

  it('7 d: the whole week, the closed stretch as a gap, and the 2-second spike kept', () => {
    const view = payload('7d').history;
    assert.equal(view.from, T0, 'from the first point');
    assert.ok(view.samples.length <= 360);
    assert.equal(view.gaps.length, 1);
    const gap = view.gaps[0] as { from: number; to: number };
    // The last minute before closing ends on the next minute; the first sample after opening is on time.
    assert.ok(gap.from >= CLOSED_FROM - MINUTE && gap.from <= CLOSED_FROM, `gap from ${new Date(gap.from).toISOString()}`);
    assert.equal(gap.to, CLOSED_TO);
    assert.equal(view.samples.filter((s) => s.gapBefore).length, 1);
    assert.ok(view.samples.some((s) => s.used === 94), 'the spike to capacity is the busiest point of its stretch');
  });

  it('takes the range from the webview only when it is one of the three', () => {
    assert.deepEqual(parseWebviewMessage({ type: 'historyRange', range: '7d' }), { type: 'historyRange', range: '7d' });
    assert.equal(parseWebviewMessage({ type: 'historyRange', range: '30d' }), undefined);
    assert.equal(parseWebviewMessage({ type: 'historyRange' }), undefined);
  });
});
