import * as assert from 'node:assert/strict';
import { buildDashboardPayload, historyView, stateBucket } from '../../../src/dashboard/dashboardModel';
import { STATE_BUCKETS } from '../../../src/dashboard/protocol';
import { databaseState, MONITOR_ONLY, point, session, sessions, snapshot, TAKEN_AT } from './snapshotFixtures';

const T = Date.parse(TAKEN_AT);

describe('dashboard model', () => {
  const mixed = [
    ...sessions(7, { state: 'active' }),
    ...sessions(20, { state: 'idle' }),
    ...sessions(3, { state: 'idle in transaction', stateSeconds: 40 }),
    session({ pid: 901, state: 'idle in transaction', stateSeconds: 900, application: '<script>alert(1)</script>' }),
    session({ pid: 902, state: 'idle in transaction (aborted)', stateSeconds: 120 }),
    session({ state: 'fastpath function call' }),
    session({ state: null, visible: false, user: 'other', application: null, clientAddress: null }),
    session({ pid: 3999, state: 'active', isMonitor: true, application: 'pg-health' }),
  ];

  it('shows used, capacity and max_connections with the reserved slots', () => {
    const payload = buildDashboardPayload(databaseState(snapshot(mixed)));
    const usage = payload.live?.usage;
    assert.deepEqual(usage, {
      used: 35,
      capacity: 95,
      maxConnections: 100,
      superuserReserved: 3,
      reserved: 2,
      hidden: 1,
      level: 'ok',
    });
  });

  it('breaks the sessions down by state, and the buckets add up to the session count', () => {
    const states = buildDashboardPayload(databaseState(snapshot(mixed))).live?.states;
    assert.deepEqual(states, { active: 8, idle: 20, idleInTransaction: 4, aborted: 1, other: 2 });
    const total = STATE_BUCKETS.reduce((sum, bucket) => sum + (states?.[bucket] ?? 0), 0);
    assert.equal(total, mixed.length);
  });

  it('puts every state pg_stat_activity reports into one bucket', () => {
    assert.equal(stateBucket('disabled'), 'other');
    assert.equal(stateBucket('unknown'), 'other');
    assert.equal(stateBucket(null), 'other');
    assert.equal(stateBucket('idle in transaction (aborted)'), 'aborted');
  });

  it('ranks applications by sessions, with the longest-connected session of each', () => {
    const snap = snapshot([
      session({ pid: 1, application: 'worker', backendStart: new Date(T - 3_600_000).toISOString() }),
      session({ pid: 2, application: 'worker', backendStart: new Date(T - 60_000).toISOString() }),
      session({ pid: 3, application: '' }),
      ...sessions(3, { application: 'web' }),
    ]);
    const groups = buildDashboardPayload(databaseState(snap)).live?.groups;
    assert.deepEqual(groups?.application, [
      { label: 'web', count: 3, oldestPid: groups?.application[0]?.oldestPid, oldestSeconds: 600 },
      { label: 'worker', count: 2, oldestPid: 1, oldestSeconds: 3600 },
      { label: '(empty)', count: 1, oldestPid: 3, oldestSeconds: 600 },
    ]);
    assert.deepEqual(groups?.database.map((g) => [g.label, g.count]), [['shop', 6]]);
  });

  it('labels what the role may not see', () => {
    const groups = buildDashboardPayload(databaseState(snapshot(mixed))).live?.groups;
    assert.ok(groups?.clientAddress.some((g) => g.label === '(insufficient privilege)' && g.count === 1));
  });

  it('lists idle-in-transaction sessions longest first, hostile names kept as plain data', () => {
    const live = buildDashboardPayload(databaseState(snapshot(mixed))).live;
    const rows = live?.idleInTransaction ?? [];
    assert.deepEqual(rows.map((r) => r.pid).slice(0, 2), [901, 902]);
    assert.equal(rows.length, 5);
    assert.equal(rows[0]?.application, '<script>alert(1)</script>');
    assert.equal(rows[1]?.aborted, true);
    assert.ok(rows.every((r) => r.cannotTerminate === null));
  });

  it('does not offer Terminate on other users\' sessions without pg_signal_backend', () => {
    const snap = snapshot([session({ state: 'idle in transaction', user: 'app' }), session({ state: 'idle in transaction', user: 'watcher' })], {
      role: MONITOR_ONLY,
    });
    const live = buildDashboardPayload(databaseState(snap)).live;
    const byUser = new Map(live?.idleInTransaction.map((r) => [r.user, r.cannotTerminate]));
    assert.match(byUser.get('app') ?? '', /pg_signal_backend/);
    assert.equal(byUser.get('watcher'), null);
    assert.ok(live?.notes.some((n) => n.includes('only its own sessions')));
  });

  it('marks usage as warning and critical against capacity', () => {
    assert.equal(buildDashboardPayload(databaseState(snapshot(sessions(80)))).live?.usage.level, 'warning');
    assert.equal(buildDashboardPayload(databaseState(snapshot(sessions(95)))).live?.usage.level, 'critical');
  });

  it('keeps the last hour of history and counts its points', () => {
    const history = [];
    for (let i = 0; i <= 90; i++) history.push(point(T - (90 - i) * 60_000, 10 + i, { active: 1, idle: 9 + i }));
    const payload = buildDashboardPayload(databaseState(snapshot(sessions(100 - 5)), history));
    assert.equal(payload.history.pointCount, 61);
    assert.equal(payload.history.samples.length, 61);
    assert.equal(payload.history.to, T);
    assert.equal(payload.history.from, T - 3_600_000);
    assert.deepEqual(payload.history.samples[0]?.byState, { active: 1, idle: 39, idleInTransaction: 0, aborted: 0, other: 0 });
  });

  it('thins a long history without losing a spike', () => {
    const history = [];
    for (let i = 0; i < 1800; i++) history.push(point(T - (1800 - i) * 2_000, i === 1234 ? 95 : 20));
    const view = historyView(history, 3_600_000, 360);
    assert.equal(view.pointCount, 1800);
    assert.equal(view.samples.length, 360);
    assert.ok(view.samples.some((s) => s.used === 95));
  });

  it('sizes PgBouncer from the busiest moment in the history', () => {
    const history = [point(T - 60_000, 50, { active: 30, idle: 20 }), point(T, 20, { active: 2, idle: 18 })];
    const payload = buildDashboardPayload(databaseState(snapshot(sessions(20)), history, 50));
    assert.equal(payload.peak, 50);
    assert.equal(payload.live?.pgbouncer.peakBusy, 30);
    assert.equal(payload.live?.pgbouncer.maxClientConn, 100);
  });

  it('passes the workspace findings and the retry snippets through', () => {
    const payload = buildDashboardPayload(databaseState(snapshot(sessions(1))), { findings: { 'unreleased-client': 2 } });
    assert.deepEqual(payload.application.findings, { 'unreleased-client': 2 });
    assert.match(payload.application.nodePostgresRetry, /'53300'/);
    assert.match(payload.application.psycopgRetry, /53300/);
  });

  it('has no live view before the first snapshot', () => {
    const payload = buildDashboardPayload(databaseState(undefined));
    assert.equal(payload.live, undefined);
    assert.equal(payload.forecast.kind, 'insufficient');
    assert.equal(payload.history.pointCount, 0);
  });
});

describe('dashboard history window', () => {
  it('spans only the samples there are when the history is younger than the window', () => {
    const history = [point(T - 600_000, 10), point(T - 300_000, 12), point(T, 14)];
    const view = historyView(history, 3_600_000, 360);
    assert.equal(view.from, T - 600_000);
    assert.equal(view.to, T);
  });

  it('is at least a minute wide', () => {
    const view = historyView([point(T, 14)], 3_600_000, 360);
    assert.equal(view.from, T - 60_000);
  });
});
