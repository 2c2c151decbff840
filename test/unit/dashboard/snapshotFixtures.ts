// Realistic snapshots for the dashboard's unit tests: a PostgreSQL 16 server with 100
// max_connections, 3 superuser-reserved and 2 reserved slots, and a web application's pool.
import { MonitorRole, ServerSettings, Session, Snapshot } from '../../../src/postgres/snapshot';
import { DatabaseState, HistoryPoint } from '../../../src/postgres/store';

export const TAKEN_AT = '2025-03-04T10:00:00.000Z';
const TAKEN_MS = Date.parse(TAKEN_AT);

let nextPid = 4000;

export function session(overrides: Partial<Session> = {}): Session {
  const pid = overrides.pid ?? nextPid++;
  return {
    pid,
    backendStart: new Date(TAKEN_MS - 600_000).toISOString(),
    user: 'app',
    database: 'shop',
    application: 'web',
    clientAddress: '10.0.0.5',
    state: 'idle',
    backendType: 'client backend',
    query: 'SELECT 1',
    queryStart: new Date(TAKEN_MS - 5_000).toISOString(),
    transactionStart: null,
    stateChange: new Date(TAKEN_MS - 5_000).toISOString(),
    stateSeconds: 5,
    transactionSeconds: null,
    waitEventType: 'Client',
    waitEvent: 'ClientRead',
    blockedBy: [],
    isMonitor: false,
    visible: true,
    ...overrides,
  };
}

export function settings(overrides: Partial<ServerSettings> = {}): ServerSettings {
  return {
    maxConnections: 100,
    superuserReservedConnections: 3,
    reservedConnections: 2,
    maxConnectionsPendingRestart: false,
    idleInTransactionSessionTimeout: 0,
    idleSessionTimeout: 0,
    statementTimeout: 0,
    serverVersionNum: 160004,
    serverVersion: '16.4',
    ...overrides,
  };
}

export const SUPERUSER: MonitorRole = { name: 'postgres', isSuperuser: true, canReadAllStats: true, canSignalBackend: true };
export const MONITOR_ONLY: MonitorRole = { name: 'watcher', isSuperuser: false, canReadAllStats: true, canSignalBackend: false };

/** A snapshot whose counts are derived from its sessions, the way the monitor computes them. */
export function snapshot(sessions: Session[], overrides: Partial<Snapshot> = {}): Snapshot {
  const s = overrides.settings ?? settings();
  const byState: Record<string, number> = {};
  for (const x of sessions) {
    const key = x.visible ? (x.state ?? 'unknown') : 'unknown';
    byState[key] = (byState[key] ?? 0) + 1;
  }
  return {
    connection: 'shop-prod',
    takenAt: TAKEN_AT,
    settings: s,
    role: SUPERUSER,
    monitorPid: 3999,
    sessions,
    used: sessions.length,
    capacity: s.maxConnections - s.superuserReservedConnections - s.reservedConnections,
    hidden: sessions.filter((x) => !x.visible).length,
    byState,
    ...overrides,
  };
}

/** `count` sessions in `state`. */
export function sessions(count: number, overrides: Partial<Session> = {}): Session[] {
  return Array.from({ length: count }, () => session(overrides));
}

export function point(at: number, used: number, byState: Record<string, number> = { idle: used }): HistoryPoint {
  return { at, used, capacity: 95, maxConnections: 100, byState };
}

export function databaseState(snap: Snapshot | undefined, history: HistoryPoint[] = [], peak?: number): DatabaseState {
  return {
    name: 'shop-prod',
    status: snap ? { kind: 'live' } : { kind: 'connecting' },
    snapshot: snap,
    overview: undefined,
    history,
    peak: peak ?? snap?.used ?? 0,
  };
}
