import * as assert from 'node:assert/strict';
import { dailyPeaks, forecastDailyPeaks, UsagePoint } from '../../../src/dashboard/longForecast';

// Synthetic weeks of usage, a point a minute like the on-disk history keeps, read the way a user
// reads the dashboard's sentence under the chart.

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
const DAY = 24 * HOUR;
const END = Date.UTC(2026, 11, 3, 18, 0, 0);
const CAPACITY = 97;

/** Deterministic noise in [-1, 1]. */
function noise(i: number): number {
  const x = Math.sin(i * 12.9898) * 43758.5453;
  return (x - Math.floor(x)) * 2 - 1;
}

/** A week of minute points: `f(daysFromEnd, hourOfDay)` gives `used`. */
function week(f: (daysBeforeEnd: number, hour: number, i: number) => number, days = 7, keep: (at: number) => boolean = () => true): UsagePoint[] {
  const points: UsagePoint[] = [];
  let i = 0;
  for (let at = END - days * DAY + MINUTE; at <= END; at += MINUTE, i++) {
    if (!keep(at)) continue;
    const hour = new Date(at).getUTCHours() + new Date(at).getUTCMinutes() / 60;
    points.push({ at, used: Math.max(0, Math.round(f((END - at) / DAY, hour, i))), capacity: CAPACITY });
  }
  return points;
}

/** A working day's rhythm: 10 at night, up to 10 + amplitude at 14:00. */
const daily = (hour: number, amplitude: number): number => 10 + amplitude * Math.max(0, Math.sin(((hour - 8) / 12) * Math.PI));

describe('Time to exhaustion over days (daily peaks)', () => {
  it('flat usage gives no time to exhaustion', () => {
    const f = forecastDailyPeaks(week(() => 40));
    assert.equal(f.kind, 'flat');
    assert.equal(f.days, null);
    assert.match(f.text, /Daily peaks are not growing over the last 7 days \(highest 40 of 97\)/);
  });

  it('a daily cycle without growth gives none either, though every morning rises fast', () => {
    const f = forecastDailyPeaks(week((_d, h) => daily(h, 50)));
    assert.equal(f.kind, 'flat');
    assert.match(f.text, /not growing/);
  });

  it('noisy peaks growing 3 a day to about 61 reach 97 in about 12 days, with a range around it', () => {
    const f = forecastDailyPeaks(week((d, h, i) => daily(h, 30 + 3 * (7 - d)) + 2 * noise(i)));
    assert.equal(f.kind, 'rising');
    assert.ok(f.perDay !== null && Math.abs(f.perDay - 3) < 0.6, `perDay ${f.perDay}`);
    assert.ok(f.days !== null && f.low !== null && f.high !== null);
    assert.ok(f.low <= f.days && f.days <= f.high, `${f.low} ≤ ${f.days} ≤ ${f.high}`);
    // Peak today ≈ 10 + 30 + 3·7 = 61 → 36 left at 3 a day ≈ 12 days.
    assert.ok(f.days > 9 && f.days < 15, `days ${f.days}`);
    assert.match(f.text, /^At the current growth \(\+3(\.\d)? connections a day\), daily peaks reach capacity in ~1\d days \(likely \d+–\d+ days; from 7 daily peaks\)\.$/);
  });

  it('a seasonal week whose peaks grow says when the peaks, not the averages, hit capacity', () => {
    const growing = week((d, h) => daily(h, 40 + 4 * (7 - d)));
    const f = forecastDailyPeaks(growing);
    assert.equal(f.kind, 'rising');
    // Today's peak ≈ 10 + 40 + 28 = 78: 19 left at 4 a day ≈ 5 days. A line through all points would say otherwise.
    assert.ok(f.days !== null && f.days > 3.5 && f.days < 6.5, `days ${f.days}`);
    assert.match(f.text, /reach capacity in ~[4-6] days/);
  });

  it('noisy peaks with a slight upward drift are called too noisy, not a forecast', () => {
    const peaksByDay = [40, 70, 35, 75, 42, 72, 48];
    const f = forecastDailyPeaks(week((d, h) => (h > 13 && h < 14 ? (peaksByDay[6 - Math.floor(d)] ?? 40) : 20)));
    assert.equal(f.kind, 'noisy');
    assert.equal(f.days, null);
    assert.match(f.text, /^Daily peaks vary too much \(±\d+ around their trend over 7 days\) to tell growth from chance/);
  });

  it('two days of history are too short, and say how many days are needed', () => {
    const f = forecastDailyPeaks(week((d, h) => daily(h, 40 + 10 * (2 - d)), 2));
    assert.equal(f.kind, 'insufficient');
    assert.equal(f.text, 'A trend over days needs the daily peaks of at least 3 days, each with 4 hours of samples; the history has 2 such days.');
  });

  it('gaps: days with a few minutes of samples do not count as days', () => {
    // Every day has data, but only the last two have more than an hour of it.
    const keep = (at: number): boolean => END - at < 2 * DAY || (at % DAY) < 30 * MINUTE;
    const f = forecastDailyPeaks(week((d, h) => daily(h, 40 + 5 * (7 - d)), 7, keep));
    assert.equal(f.kind, 'insufficient');
    assert.equal(f.dailyPeaks, 2);
  });

  it('gaps: a week with two missing days still forecasts from the five it has', () => {
    const keep = (at: number): boolean => {
      const day = Math.floor((END - at) / DAY);
      return day !== 2 && day !== 4;
    };
    const samples = week((d, h) => daily(h, 40 + 4 * (7 - d)), 7, keep);
    assert.equal(dailyPeaks(samples).length, 5);
    const f = forecastDailyPeaks(samples);
    assert.equal(f.kind, 'rising');
    assert.match(f.text, /from 5 daily peaks/);
  });

  it('a peak at capacity today says so instead of forecasting', () => {
    const f = forecastDailyPeaks(week((d, h) => (d < 0.2 && h > 15 ? CAPACITY : daily(h, 40))));
    assert.equal(f.kind, 'full');
    assert.equal(f.text, "Today's peak already reached capacity (97 of 97).");
  });

  it('slow growth (one connection over the week) is forecast months away, with an open upper end', () => {
    const f = forecastDailyPeaks(week((d, h) => daily(h, 40) + 0.1 * (7 - d)));
    assert.equal(f.kind, 'rising');
    assert.match(f.text, /^At the current growth \(\+0\.2 connections a day\), daily peaks reach capacity in ~2\d\d days \(likely not before 1\d\d days; from 7 daily peaks\)\.$/);
  });
});
