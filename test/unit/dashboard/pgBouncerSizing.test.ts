import * as assert from 'node:assert/strict';
import { pgBouncerAdvice, pgBouncerSizing } from '../../../src/dashboard/advice';
import { sessions, snapshot } from './snapshotFixtures';

describe('dashboard advice: PgBouncer sizing from the numbers the dashboard shows', () => {
  it('gives the advice its numbers, so the shown peak, busy peak, pools and capacity reproduce them', () => {
    const snap = snapshot([...sessions(30), ...sessions(12, { state: 'active' })]);
    const advice = pgBouncerAdvice(snap, { peak: 50, peakBusy: 14 });
    const { peak, peakBusy, pools, serverBudget, maxClientConn, defaultPoolSize, reservePoolSize } = advice;
    assert.deepEqual(pgBouncerSizing({ peak, peakBusy, pools, capacity: snap.capacity }), {
      peak,
      peakBusy,
      pools,
      serverBudget,
      maxClientConn,
      defaultPoolSize,
      reservePoolSize,
    });
  });

  it('caps the pool at the server budget and leaves no reserve beyond it', () => {
    // 37 slots: budget 29; 20 busy sessions * 1.5 = 30 wanted, 29 allowed.
    assert.deepEqual(pgBouncerSizing({ peak: 22, peakBusy: 20, pools: 1, capacity: 37 }), {
      peak: 22,
      peakBusy: 20,
      pools: 1,
      serverBudget: 29,
      maxClientConn: 50,
      defaultPoolSize: 29,
      reservePoolSize: 0,
    });
  });

  it('counts at least one pool and one busy session', () => {
    const sizing = pgBouncerSizing({ peak: 0, peakBusy: 0, pools: 0, capacity: 37 });
    assert.equal(sizing.pools, 1);
    assert.equal(sizing.peakBusy, 1);
    assert.equal(sizing.maxClientConn, 20);
    assert.equal(sizing.defaultPoolSize, 5);
  });

  it('writes singular and plural right in the configuration comments', () => {
    const config = pgBouncerAdvice(snapshot(sessions(1)), { peak: 1, peakBusy: 1 }).config;
    assert.match(config, /observed peak of 1 connection$/m);
    assert.match(config, /peak of 1 busy session over 1 pool,/);
  });
});
