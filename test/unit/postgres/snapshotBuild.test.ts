import * as assert from 'node:assert/strict';
import { findIdleSessions, longestIdleInTransaction } from '../../../src/postgres/idleSessions';
import { buildSnapshot, isoTimestamp, SessionRow, SnapshotHeaderRow } from '../../../src/postgres/snapshotQuery';

const header: SnapshotHeaderRow = {
  monitor_pid: 10,
  taken_at: '2026-01-02 03:04:05.123456+00',
  server_version_num: 170002,
  server_version: '17.2',
  settings: {
    max_connections: ['100', '100', true],
    superuser_reserved_connections: ['3', '3', false],
    reserved_connections: ['2', '2', false],
    idle_session_timeout: ['0', '60000', false],
    statement_timeout: ['5000', '0', false],
  },
  role_name: 'watcher',
  is_superuser: false,
  can_read_all_stats: false,
  can_signal_backend: true,
  can_use_reserved_connections: false,
};

function row(pid: number, state: string | null, seconds: number | null, extra: Partial<SessionRow> = {}): SessionRow {
  return {
    pid,
    backend_start: '2026-01-02 03:00:00.000001+00',
    usename: 'app',
    datname: 'db',
    application_name: 'app',
    client_address: '10.0.0.1',
    state,
    backend_type: state === null ? null : 'client backend',
    query: state === null ? '<insufficient privilege>' : 'SELECT 1',
    query_start: null,
    xact_start: null,
    state_change: null,
    state_seconds: seconds,
    transaction_seconds: null,
    wait_event_type: null,
    wait_event: null,
    blocked_by: null,
    is_monitor: pid === 10,
    visible: state !== null,
    ...extra,
  };
}

describe('building a snapshot', () => {
  const rows = [
    row(10, 'active', 0),
    row(11, 'idle', 120),
    row(12, 'idle', 5),
    row(13, 'idle in transaction', 300),
    row(14, 'idle in transaction (aborted)', 30),
    row(15, null, null, { backend_start: null }),
    row(16, null, null, { backend_start: null }),
  ];
  const snapshot = buildSnapshot('db', header, rows);

  it('counts hidden sessions as used and under "unknown"', () => {
    assert.equal(snapshot.used, 7);
    assert.equal(snapshot.hidden, 2);
    assert.deepEqual(snapshot.byState, { active: 1, idle: 2, 'idle in transaction': 1, 'idle in transaction (aborted)': 1, unknown: 2 });
  });

  it('takes capacity from max_connections minus both reservations and timeouts from the session defaults', () => {
    assert.equal(snapshot.capacity, 95);
    assert.equal(snapshot.settings.maxConnectionsPendingRestart, true);
    assert.equal(snapshot.settings.idleSessionTimeout, 60000);
    assert.equal(snapshot.settings.statementTimeout, 0, 'the server default, not the monitor’s own 5 s');
    assert.equal(snapshot.settings.idleInTransactionSessionTimeout, null);
    assert.equal(snapshot.takenAt, '2026-01-02T03:04:05.123456+00:00');
    assert.equal(snapshot.sessions[1]?.backendStart, '2026-01-02T03:00:00.000001+00:00');
  });

  it('offers only visible client backends in the chosen states and age, never the monitor', () => {
    const idle = findIdleSessions(snapshot, { states: ['idle'], minAgeSeconds: 60 });
    assert.deepEqual(idle.map((s) => s.pid), [11]);
    const all = findIdleSessions(snapshot, { states: ['idle', 'idle in transaction', 'idle in transaction (aborted)'], minAgeSeconds: 0 });
    assert.deepEqual(all.map((s) => s.pid), [13, 11, 14, 12]);
    assert.deepEqual(findIdleSessions(snapshot, { states: ['idle'], minAgeSeconds: 0 }).map((s) => s.pid).includes(10), false);
  });

  it('lists the longest idle-in-transaction sessions first', () => {
    assert.deepEqual(longestIdleInTransaction(snapshot, 5).map((s) => s.pid), [13, 14]);
    assert.deepEqual(longestIdleInTransaction(snapshot, 1).map((s) => s.pid), [13]);
  });

  it('writes PostgreSQL ISO timestamps as ISO 8601 and leaves other text alone', () => {
    assert.equal(isoTimestamp('2026-11-25 15:08:26+05:30'), '2026-11-25T15:08:26+05:30');
    assert.equal(isoTimestamp('2026-11-25 15:08:26.5-08'), '2026-11-25T15:08:26.5-08:00');
    assert.equal(isoTimestamp('Wed Nov 25 15:08:26 2026 UTC'), 'Wed Nov 25 15:08:26 2026 UTC');
    assert.equal(isoTimestamp(null), null);
  });
});
