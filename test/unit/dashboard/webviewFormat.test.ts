import * as assert from 'node:assert/strict';
import { agoLabel, formatDuration } from '../../../webview/dashboard/format';

describe('dashboard webview: how durations read', () => {
  it('leaves out a zero remainder and never shows 60 s or 60 min', () => {
    assert.equal(formatDuration(null), '—');
    assert.equal(formatDuration(42.4), '42 s');
    assert.equal(formatDuration(59.6), '1 min');
    assert.equal(formatDuration(600), '10 min');
    assert.equal(formatDuration(119.6), '2 min');
    assert.equal(formatDuration(905), '15 min 5 s');
    assert.equal(formatDuration(3600), '1 h');
    assert.equal(formatDuration(3660), '1 h 1 min');
    assert.equal(formatDuration(48 * 3600), '2 d');
    assert.equal(formatDuration(49 * 3600), '2 d 1 h');
  });

  it('labels the history axis in seconds while the history is younger than a minute', () => {
    assert.equal(agoLabel(0), 'now');
    assert.equal(agoLabel(30_000), '−30 s');
    assert.equal(agoLabel(60_000), '−1 min');
    assert.equal(agoLabel(30 * 60_000), '−30 min');
    assert.equal(agoLabel(60 * 60_000), '−1 h');
    assert.equal(agoLabel(90 * 60_000), '−1 h 30 min');
  });
});
