import * as assert from 'node:assert/strict';
import { fitLine, forecastCapacity, formatMinutes, UsageSample } from '../../../src/dashboard/forecast';

const T0 = Date.parse('2025-03-04T10:00:00Z');

/** One sample every `stepMs` for `minutes`, used = f(minutes since start). */
function series(minutes: number, stepMs: number, used: (minute: number) => number, capacity = 95): UsageSample[] {
  const samples: UsageSample[] = [];
  for (let t = 0; t <= minutes * 60_000; t += stepMs) samples.push({ at: T0 + t, used: used(t / 60_000), capacity });
  return samples;
}

describe('dashboard forecast', () => {
  it('fits a straight line exactly', () => {
    const fit = fitLine(series(10, 2_000, (m) => 20 + 3 * m));
    assert.ok(fit);
    assert.ok(Math.abs(fit.slope * 60_000 - 3) < 1e-9);
    assert.ok(Math.abs(fit.intercept - 20) < 1e-9);
  });

  it('has no fit when every sample has the same time', () => {
    assert.equal(fitLine([{ at: T0, used: 1, capacity: 5 }, { at: T0, used: 3, capacity: 5 }]), undefined);
  });

  it('says when capacity is reached at the last 10 minutes\' rate', () => {
    // 2 connections a minute, at 67 after 10 minutes: 28 slots left is 14 minutes away.
    const forecast = forecastCapacity(series(10, 2_000, (m) => 47 + 2 * m));
    assert.equal(forecast.kind, 'rising');
    assert.ok(Math.abs((forecast.slopePerMinute ?? 0) - 2) < 1e-9);
    assert.ok(Math.abs((forecast.minutesToCapacity ?? 0) - 14) < 1e-6);
    assert.equal(forecast.text, "At the last 10 minutes' rate, capacity is reached in about 14 min.");
  });

  it('fits only the last 10 minutes', () => {
    // Falling for 50 minutes, then rising 1 a minute for the last 10.
    const old = series(50, 10_000, (m) => 90 - m);
    const recent = series(10, 10_000, (m) => 40 + m).map((s) => ({ ...s, at: s.at + 50 * 60_000 + 10_000 }));
    const forecast = forecastCapacity([...old, ...recent]);
    assert.equal(forecast.kind, 'rising');
    assert.ok(Math.abs((forecast.slopePerMinute ?? 0) - 1) < 0.05);
  });

  it('calls noise around a level stable', () => {
    const forecast = forecastCapacity(series(10, 2_000, (m) => 40 + (Math.round(m * 30) % 2)));
    assert.equal(forecast.kind, 'stable');
    assert.equal(forecast.text, "Stable at the last 10 minutes' rate.");
  });

  it('reports a falling usage', () => {
    const forecast = forecastCapacity(series(10, 2_000, (m) => 80 - 3 * m));
    assert.equal(forecast.kind, 'falling');
    assert.match(forecast.text, /^Falling: about 3\.0 fewer connections per minute over the last 10 minutes\.$/);
  });

  it('says the server is full when used reaches capacity', () => {
    const forecast = forecastCapacity(series(10, 2_000, () => 95));
    assert.equal(forecast.kind, 'full');
    assert.equal(forecast.minutesToCapacity, 0);
  });

  it('waits for enough samples', () => {
    assert.equal(forecastCapacity([]).kind, 'insufficient');
    assert.equal(forecastCapacity(series(0.2, 2_000, (m) => 10 + m)).kind, 'insufficient');
  });

  it('names a shorter window when the history is younger than 10 minutes', () => {
    const forecast = forecastCapacity(series(3, 2_000, (m) => 10 + 5 * m));
    assert.equal(forecast.kind, 'rising');
    assert.match(forecast.text, /^At the last 3 minutes' rate/);
  });

  it('formats durations for people', () => {
    assert.equal(formatMinutes(0.3), 'less than a minute');
    assert.equal(formatMinutes(14.2), 'about 14 min');
    assert.equal(formatMinutes(180), 'about 3 h');
    assert.equal(formatMinutes(60 * 24 * 5), 'about 5 days');
  });
});
