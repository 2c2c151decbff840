// The one query a refresh runs: sessions, settings, the monitor's role and its own pid in a single
// round trip. Sessions come back as one JSON array so that timestamps keep their microseconds
// (backend_start is compared exactly before a terminate; a JS Date would round it to milliseconds).
import type { QueryResult, QueryResultRow } from 'pg';
import { MonitorRole, ServerSettings, Session, Snapshot } from './snapshot';

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

/** The snapshot SQL for a server version (server_version_num). It has no inputs. */
export function snapshotSql(serverVersionNum: number): string {
  // pg_use_reserved_connections exists from PostgreSQL 16 on; naming it earlier is an error.
  const reservedRole = serverVersionNum >= 160000 ? `pg_has_role('pg_use_reserved_connections', 'USAGE')` : 'false';
  // The leading comment is what users see as the monitor's query in pg_stat_activity.
  return `/* pg-health monitor snapshot */
SELECT
  pg_backend_pid() AS monitor_pid,
  to_json(now()) #>> '{}' AS taken_at,
  current_setting('server_version_num')::int AS server_version_num,
  current_setting('server_version') AS server_version,
  (SELECT json_object_agg(name, json_build_array(setting, reset_val, pending_restart))
     FROM pg_settings WHERE name IN (${SETTING_NAMES.map((n) => `'${n}'`).join(', ')})) AS settings,
  current_user AS role_name,
  (SELECT rolsuper FROM pg_roles WHERE rolname = current_user) AS is_superuser,
  pg_has_role('pg_read_all_stats', 'USAGE') AS can_read_all_stats,
  pg_has_role('pg_signal_backend', 'USAGE') AS can_signal_backend,
  ${reservedRole} AS can_use_reserved_connections,
  (SELECT coalesce(json_agg(s), '[]'::json) FROM (
     SELECT
       a.pid,
       a.backend_start,
       a.usename AS user,
       a.datname AS database,
       a.application_name AS application,
       host(a.client_addr) AS client_address,
       a.state,
       a.backend_type,
       a.query,
       a.query_start,
       a.xact_start,
       a.state_change,
       -- greatest() skips NULLs, so the NULL check keeps "no transaction" from becoming 0.
       CASE WHEN a.state_change IS NOT NULL THEN greatest(0, round(extract(epoch FROM now() - a.state_change)::numeric, 3)) END AS state_seconds,
       CASE WHEN a.xact_start IS NOT NULL THEN greatest(0, round(extract(epoch FROM now() - a.xact_start)::numeric, 3)) END AS transaction_seconds,
       a.wait_event_type,
       a.wait_event,
       -- pg_blocking_pids locks the whole lock manager; only a session waiting on a lock can be blocked.
       CASE WHEN a.wait_event_type = 'Lock' THEN pg_blocking_pids(a.pid) ELSE '{}'::int[] END AS blocked_by,
       a.pid = pg_backend_pid() AS is_monitor,
       a.backend_type IS NOT NULL AS visible
     FROM pg_stat_activity a
     WHERE ${TAKES_A_SLOT}
     ORDER BY a.pid
  ) s) AS sessions`;
}

interface SnapshotRow {
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
  sessions: unknown[];
}

/** Runs the snapshot query once and builds the Snapshot. */
export async function takeSnapshot(runner: SqlRunner, connection: string, serverVersionNum: number): Promise<Snapshot> {
  const result = await runner.query<SnapshotRow>(snapshotSql(serverVersionNum));
  const row = result.rows[0];
  if (!row) throw new Error('the snapshot query returned no row');
  return buildSnapshot(connection, row);
}

/** Pure: the query's row to a Snapshot (exported for tests). */
export function buildSnapshot(connection: string, row: SnapshotRow): Snapshot {
  const settings = toSettings(row);
  const sessions = row.sessions.map(toSession);
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
    takenAt: row.taken_at,
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

function toSettings(row: SnapshotRow): ServerSettings {
  const all = row.settings ?? {};
  const current = (name: string): number | null => numberOrNull(all[name]?.[0]);
  // The timeouts are reported as the server hands them to new sessions (reset_val), not the values the
  // monitor set for itself.
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

function toSession(value: unknown): Session {
  const r = (typeof value === 'object' && value !== null ? value : {}) as Record<string, unknown>;
  const blockedBy = Array.isArray(r.blocked_by) ? (r.blocked_by as unknown[]).filter((p): p is number => typeof p === 'number') : [];
  return {
    pid: typeof r.pid === 'number' ? r.pid : 0,
    backendStart: stringOrNull(r.backend_start),
    user: stringOrNull(r.user),
    database: stringOrNull(r.database),
    application: stringOrNull(r.application),
    clientAddress: stringOrNull(r.client_address),
    state: stringOrNull(r.state),
    backendType: stringOrNull(r.backend_type),
    query: stringOrNull(r.query),
    queryStart: stringOrNull(r.query_start),
    transactionStart: stringOrNull(r.xact_start),
    stateChange: stringOrNull(r.state_change),
    stateSeconds: numberOrNull(r.state_seconds),
    transactionSeconds: numberOrNull(r.transaction_seconds),
    waitEventType: stringOrNull(r.wait_event_type),
    waitEvent: stringOrNull(r.wait_event),
    blockedBy,
    isMonitor: r.is_monitor === true,
    visible: r.visible === true,
  };
}

function stringOrNull(value: unknown): string | null {
  return typeof value === 'string' ? value : null;
}

function numberOrNull(value: unknown): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (typeof value === 'string' && value.trim() !== '') {
    const n = Number(value);
    return Number.isFinite(n) ? n : null;
  }
  return null;
}
