import * as assert from 'node:assert/strict';
import { idleAdvice, maxConnectionsAdvice, pgBouncerAdvice } from '../../../src/dashboard/advice';
import { session, sessions, settings, snapshot } from './snapshotFixtures';

describe('dashboard advice: max_connections', () => {
  it('suggests a value a quarter above the peak plus the reserved slots, and says it needs a restart', () => {
    // Peak 90 of 95 ordinary slots; 90 * 1.25 = 112.5 -> 113, plus 3 + 2 reserved = 118 -> 120.
    const advice = maxConnectionsAdvice(snapshot(sessions(90)), 90);
    assert.equal(advice.needed, true);
    assert.equal(advice.suggested, 120);
    assert.equal(advice.statement, 'ALTER SYSTEM SET max_connections = 120;');
    assert.ok(advice.text.some((t) => t.includes('restart')));
    assert.ok(advice.text.some((t) => t.includes('work_mem') && t.includes('shared_buffers')));
    assert.ok(advice.text.some((t) => t.includes('reserved_connections (2)')));
  });

  it('follows the peak since opening, not only the current count', () => {
    const advice = maxConnectionsAdvice(snapshot(sessions(10)), 94);
    assert.equal(advice.needed, true);
    assert.ok(advice.suggested > 100);
  });

  it('does not ask to raise (or lower) the limit when the peak is far below capacity', () => {
    const advice = maxConnectionsAdvice(snapshot(sessions(12)), 12);
    assert.equal(advice.needed, false);
    assert.equal(advice.suggested, 100);
  });

  it('shows a value waiting for a restart', () => {
    const advice = maxConnectionsAdvice(snapshot(sessions(3), { settings: settings({ maxConnectionsPendingRestart: true }) }), 3);
    assert.equal(advice.pendingRestart, true);
    assert.ok(advice.text.some((t) => t.includes('pending_restart')));
  });

  it('leaves reserved_connections out of the arithmetic before PostgreSQL 16', () => {
    const snap = snapshot(sessions(95), { settings: settings({ serverVersionNum: 150008, reservedConnections: 0 }) });
    const advice = maxConnectionsAdvice(snap, 95);
    assert.ok(!advice.text.some((t) => /[^_]reserved_connections \(/.test(t)));
  });
});

describe('dashboard advice: idle sessions', () => {
  const snap = snapshot([
    ...sessions(4, { state: 'idle', stateSeconds: 3600 }),
    ...sessions(2, { state: 'idle', stateSeconds: 30 }),
    ...sessions(3, { state: 'idle in transaction', stateSeconds: 400 }),
    session({ state: 'idle in transaction (aborted)', stateSeconds: 90 }),
    session({ state: 'idle in transaction', stateSeconds: 10 }),
    session({ state: 'idle', stateSeconds: 99999, isMonitor: true }),
  ]);

  it('counts idle and idle-in-transaction sessions beyond the thresholds, never the monitor', () => {
    const advice = idleAdvice(snap, { idleSeconds: 600, idleInTransactionSeconds: 60 });
    assert.equal(advice.idleBeyond, 4);
    assert.equal(advice.idleInTransactionBeyond, 4);
  });

  it('suggests both timeouts on PostgreSQL 14+ when they are disabled', () => {
    const advice = idleAdvice(snap, { idleSeconds: 600, idleInTransactionSeconds: 60 });
    assert.deepEqual(
      advice.timeouts.map((t) => t.statement),
      [
        "ALTER SYSTEM SET idle_in_transaction_session_timeout = '5min';\nSELECT pg_reload_conf();",
        "ALTER SYSTEM SET idle_session_timeout = '30min';\nSELECT pg_reload_conf();",
      ],
    );
  });

  it('does not suggest idle_session_timeout before PostgreSQL 14, nor a timeout already set', () => {
    const old = snapshot(sessions(1), {
      settings: settings({ serverVersionNum: 130015, idleSessionTimeout: null, idleInTransactionSessionTimeout: 120_000 }),
    });
    const advice = idleAdvice(old);
    assert.equal(advice.timeouts.length, 1);
    assert.equal(advice.timeouts[0]?.statement, null);
    assert.match(advice.timeouts[0]?.text ?? '', /is 2min/);
  });
});

describe('dashboard advice: PgBouncer', () => {
  it('sizes the pools from the observed peak and the server capacity', () => {
    // 60 connections at the peak, 12 busy at once, all as app@shop: one pool.
    const snap = snapshot([...sessions(48), ...sessions(12, { state: 'active' })]);
    const advice = pgBouncerAdvice(snap, { peak: 60, peakBusy: 12 });
    assert.equal(advice.pools, 1);
    assert.equal(advice.maxClientConn, 120);
    assert.equal(advice.defaultPoolSize, 18);
    assert.equal(advice.reservePoolSize, 5);
    assert.equal(advice.serverBudget, 76);
    assert.match(advice.config, /^pool_mode = transaction$/m);
    assert.match(advice.config, /^max_client_conn = 120$/m);
    assert.match(advice.config, /^default_pool_size = 18$/m);
    assert.match(advice.config, /^reserve_pool_size = 5$/m);
  });

  it('grows with the peak', () => {
    const small = pgBouncerAdvice(snapshot(sessions(10)), { peak: 10, peakBusy: 4 });
    const large = pgBouncerAdvice(snapshot(sessions(10)), { peak: 40, peakBusy: 30 });
    assert.ok(large.maxClientConn > small.maxClientConn);
    assert.ok(large.defaultPoolSize > small.defaultPoolSize);
  });

  it('keeps every pool together inside the server budget', () => {
    const many = [];
    for (let i = 0; i < 8; i++) many.push(...sessions(10, { user: `svc${i}`, state: 'active' }));
    const advice = pgBouncerAdvice(snapshot(many), { peak: 80, peakBusy: 80 });
    assert.equal(advice.pools, 8);
    assert.ok(advice.pools * (advice.defaultPoolSize + advice.reservePoolSize) <= advice.serverBudget);
  });

  it('names the caveats of transaction mode', () => {
    const caveats = pgBouncerAdvice(snapshot(sessions(3)), { peak: 3, peakBusy: 1 }).caveats.join(' ');
    for (const word of ['SET', 'Prepared statements', '1.21', 'LISTEN', 'advisory']) assert.ok(caveats.includes(word), word);
  });
});
