// The one round trip a refresh makes: three statements sent together (simple query protocol, one
// implicit transaction, so all see the same now() and run on the same backend, pooler or not): the
// transaction's own settings (transactionSettings.ts), a header row with settings, the monitor's role
// and its own pid, then one row per session. Plain rows keep the server's share small (the same
// sessions as one JSON array cost about twice the server time). Timestamps come back as text so they
// keep their microseconds: backend_start is compared exactly before a terminate, and a JS Date would
// round it to milliseconds. The transaction's DateStyle ISO and TimeZone UTC fix their shape.
import type { QueryResult, QueryResultRow } from 'pg';
import { MonitorRole, ServerSettings, Session, Snapshot } from './snapshot';
import { DEFAULT_TRANSACTION_SETTINGS, TransactionSettings, transactionSettingsSql } from './transactionSettings';

/** What the snapshot code needs from a connection: pg.Client fits, and so does the monitor. */
export interface SqlRunner {
  query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>>;
}

const SETTING_NAMES = [
  'max_connections',
  'superuser_reserved_connections',
  'reserved_connections',
  'idle_in_transaction_session_timeout',
  'idle_session_timeout',
  'statement_timeout',
];

/**
 * Which pg_stat_activity rows take one of the max_connections slots:
 * - 'client backend' rows. Since PostgreSQL 12 walsenders, autovacuum and background workers
 *   (parallel workers, logical replication) have slots of their own and never cause 53300.
 * - Rows the role may not see (backend_type is NULL without pg_read_all_stats) that belong to a role
 *   and a database. Auxiliary processes and autovacuum have no role, so they drop out. Parallel and
 *   logical replication workers of other roles cannot be told apart from sessions and are counted
 *   too: the count errs on the full side, never the empty one.
 */
const TAKES_A_SLOT = `(a.backend_type = 'client backend' OR (a.backend_type IS NULL AND a.datid IS NOT NULL AND a.usesysid IS NOT NULL))`;

/** The snapshot SQL for a server version (server_version_num): three statements, no inputs. */
export function snapshotSql(serverVersionNum: number, settings: TransactionSettings = DEFAULT_TRANSACTION_SETTINGS): string {
  // pg_use_reserved_connections exists from PostgreSQL 16 on; naming it earlier is an error.
  const reservedRole = serverVersionNum >= 160000 ? `pg_has_role('pg_use_reserved_connections', 'USAGE')` : 'false';
  // The leading comment is what users see as the monitor's query in pg_stat_activity.
  return `/* pg-health monitor snapshot */
${transactionSettingsSql(settings)};
SELECT
  pg_backend_pid() AS monitor_pid,
  now()::text AS taken_at,
  current_setting('server_version_num')::int AS server_version_num,
  current_setting('server_version') AS server_version,
  (SELECT json_object_agg(name, json_build_array(setting, reset_val, pending_restart))
     FROM pg_settings WHERE name IN (${SETTING_NAMES.map((n) => `'${n}'`).join(', ')})) AS settings,
  current_user AS role_name,
  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS is_superuser,
  pg_has_role('pg_read_all_stats', 'USAGE') AS can_read_all_stats,
  pg_has_role('pg_signal_backend', 'USAGE') AS can_signal_backend,
  ${reservedRole} AS can_use_reserved_connections;
SELECT
  a.pid,
  a.backend_start::text AS backend_start,
  a.usename,
  a.datname,
  a.application_name,
  host(a.client_addr) AS client_address,
  a.client_port,
  a.state,
  a.backend_type,
  a.query,
  a.query_start::text AS query_start,
  a.xact_start::text AS xact_start,
  a.state_change::text AS state_change,
  -- greatest() skips NULLs, so the NULL check keeps "no transaction" from becoming 0.
  CASE WHEN a.state_change IS NOT NULL THEN greatest(0, extract(epoch FROM now() - a.state_change)::float8) END AS state_seconds,
  CASE WHEN a.xact_start IS NOT NULL THEN greatest(0, extract(epoch FROM now() - a.xact_start)::float8) END AS transaction_seconds,
  a.wait_event_type,
  a.wait_event,
  -- pg_blocking_pids locks the whole lock manager; only a session waiting on a lock can be blocked.
  CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) END AS blocked_by,
  a.pid = pg_backend_pid() AS is_monitor,
  a.backend_type IS NOT NULL AS visible
FROM pg_stat_activity a
WHERE ${TAKES_A_SLOT}
ORDER BY a.pid`;
}

export interface SnapshotHeaderRow {
  monitor_pid: number;
  taken_at: string;
  server_version_num: number;
  server_version: string;
  settings: Record<string, [string, string, boolean]> | null;
  role_name: string;
  is_superuser: boolean | null;
  can_read_all_stats: boolean;
  can_signal_backend: boolean;
  can_use_reserved_connections: boolean;
}

export interface SessionRow {
  pid: number;
  backend_start: string | null;
  usename: string | null;
  datname: string | null;
  application_name: string | null;
  client_address: string | null;
  client_port?: number | null;
  state: string | null;
  backend_type: string | null;
  query: string | null;
  query_start: string | null;
  xact_start: string | null;
  state_change: string | null;
  state_seconds: number | null;
  transaction_seconds: number | null;
  wait_event_type: string | null;
  wait_event: string | null;
  blocked_by: number[] | null;
  is_monitor: boolean;
  visible: boolean;
}

/** Runs the snapshot statements in one round trip and builds the Snapshot. */
export async function takeSnapshot(runner: SqlRunner, connection: string, serverVersionNum: number, settings?: TransactionSettings): Promise<Snapshot> {
  // Several statements in one simple-protocol query: pg resolves with one result per statement.
  const results = (await runner.query(snapshotSql(serverVersionNum, settings))) as unknown;
  if (!Array.isArray(results) || results.length !== 3) throw new Error('the snapshot query did not return its three results');
  const [, header, sessions] = results as [QueryResult, QueryResult<SnapshotHeaderRow>, QueryResult<SessionRow>];
  const row = header.rows[0];
  if (!row) throw new Error('the snapshot query returned no header row');
  return buildSnapshot(connection, row, sessions.rows);
}

/** Pure: the query's row to a Snapshot (exported for tests). */
export function buildSnapshot(connection: string, row: SnapshotHeaderRow, sessionRows: readonly SessionRow[]): Snapshot {
  const settings = toSettings(row);
  const sessions = sessionRows.map(toSession);
  const role: MonitorRole = {
    name: row.role_name,
    isSuperuser: row.is_superuser === true,
    canReadAllStats: row.can_read_all_stats,
    canSignalBackend: row.can_signal_backend,
    canUseReservedConnections: row.can_use_reserved_connections,
  };
  const byState: Record<string, number> = {};
  let hidden = 0;
  for (const session of sessions) {
    if (!session.visible) hidden++;
    const key = session.visible && session.state ? session.state : 'unknown';
    byState[key] = (byState[key] ?? 0) + 1;
  }
  return {
    connection,
    takenAt: isoTimestamp(row.taken_at) ?? row.taken_at,
    settings,
    role,
    monitorPid: row.monitor_pid,
    sessions,
    used: sessions.length,
    capacity: Math.max(0, settings.maxConnections - settings.superuserReservedConnections - settings.reservedConnections),
    hidden,
    byState,
  };
}

function toSettings(row: SnapshotHeaderRow): ServerSettings {
  const all = row.settings ?? {};
  const current = (name: string): number | null => numberOrNull(all[name]?.[0]);
  // The timeouts are reported as the server hands them to new sessions (reset_val), not the values the
  // monitor set for its own transaction.
  const sessionDefault = (name: string): number | null => numberOrNull(all[name]?.[1]);
  return {
    maxConnections: current('max_connections') ?? 0,
    superuserReservedConnections: current('superuser_reserved_connections') ?? 0,
    reservedConnections: current('reserved_connections') ?? 0,
    maxConnectionsPendingRestart: all['max_connections']?.[2] === true,
    idleInTransactionSessionTimeout: sessionDefault('idle_in_transaction_session_timeout'),
    idleSessionTimeout: sessionDefault('idle_session_timeout'),
    statementTimeout: sessionDefault('statement_timeout'),
    serverVersionNum: row.server_version_num,
    serverVersion: row.server_version,
  };
}

function toSession(r: SessionRow): Session {
  return {
    pid: r.pid,
    backendStart: isoTimestamp(r.backend_start),
    user: r.usename,
    database: r.datname,
    application: r.application_name,
    clientAddress: r.client_address,
    clientPort: r.client_port ?? null,
    state: r.state,
    backendType: r.backend_type,
    query: r.query,
    queryStart: isoTimestamp(r.query_start),
    transactionStart: isoTimestamp(r.xact_start),
    stateChange: isoTimestamp(r.state_change),
    stateSeconds: r.state_seconds === null ? null : Math.round(r.state_seconds * 1000) / 1000,
    transactionSeconds: r.transaction_seconds === null ? null : Math.round(r.transaction_seconds * 1000) / 1000,
    waitEventType: r.wait_event_type,
    waitEvent: r.wait_event,
    blockedBy: r.blocked_by ?? [],
    isMonitor: r.is_monitor,
    visible: r.visible,
  };
}

/**
 * '2026-11-25 15:08:26.929531+00' (DateStyle ISO) to '2026-11-25T15:08:26.929531+00:00', which both
 * JavaScript and PostgreSQL read back exactly. Anything else is passed through unchanged.
 */
export function isoTimestamp(text: string | null): string | null {
  if (text === null) return null;
  const match = /^(\d{4,}-\d\d-\d\d) (\d\d:\d\d:\d\d(?:\.\d+)?)([+-]\d\d)(?::?(\d\d))?$/.exec(text);
  if (!match) return text;
  return `${match[1]}T${match[2]}${match[3]}:${match[4] ?? '00'}`;
}

function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
