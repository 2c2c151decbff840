// The data every view renders from. One Snapshot is produced per refresh of one database by its
// monitor connection (one round trip); the store keeps the latest and a bounded history.
// Plain JSON-serialisable data: the webview receives it as is.
import type { PoolerInfo } from './pooler';

/** One row of pg_stat_activity that takes a connection slot. Fields the role may not read are null. */
export interface Session {
  pid: number;
  /** ISO timestamp; with pid it identifies a backend (pids are reused). */
  backendStart: string | null;
  user: string | null;
  database: string | null;
  application: string | null;
  clientAddress: string | null;
  /**
   * The client's TCP port (null over a Unix socket or when hidden). With clientAddress it names the
   * other end of the connection: for a backend PgBouncer opened, PgBouncer's end (SHOW SERVERS local_port).
   */
  clientPort?: number | null;
  /** 'active' | 'idle' | 'idle in transaction' | 'idle in transaction (aborted)' | 'fastpath function call' | 'disabled' | null */
  state: string | null;
  /** 'client backend', 'autovacuum worker', 'walsender', … (PG10+). */
  backendType: string | null;
  /** The query text; '<insufficient privilege>' when the role cannot see it. */
  query: string | null;
  queryStart: string | null;
  transactionStart: string | null;
  stateChange: string | null;
  /** Seconds in the current state, measured by the server (now() - state_change). */
  stateSeconds: number | null;
  /** Seconds since the transaction began, when one is open. */
  transactionSeconds: number | null;
  waitEventType: string | null;
  waitEvent: string | null;
  blockedBy: number[];
  /** True for the monitor's own backend: it is never a candidate for terminate. */
  isMonitor: boolean;
  /** False when the role may not see this session's details (other users without pg_read_all_stats). */
  visible: boolean;
}

/** The database the monitor's own session is connected to (the connection's database as the server names it). */
export function connectedDatabase(snapshot: Snapshot): string | undefined {
  return snapshot.sessions.find((s) => s.isMonitor)?.database ?? undefined;
}

export interface ServerSettings {
  maxConnections: number;
  superuserReservedConnections: number;
  /** PG16+; 0 before. */
  reservedConnections: number;
  /** A new max_connections is set and waits for a restart (pg_settings.pending_restart). */
  maxConnectionsPendingRestart: boolean;
  /** In milliseconds; 0 = disabled; null where the server does not have the setting. */
  idleInTransactionSessionTimeout: number | null;
  idleSessionTimeout: number | null;
  statementTimeout: number | null;
  /** e.g. 160004 */
  serverVersionNum: number;
  serverVersion: string;
}

export interface MonitorRole {
  name: string;
  isSuperuser: boolean;
  /** Member of pg_read_all_stats (directly or through pg_monitor): sees everyone's sessions. */
  canReadAllStats: boolean;
  /** Member of pg_signal_backend: may terminate other non-superusers' sessions. */
  canSignalBackend: boolean;
  /** PG16+: member of pg_use_reserved_connections, so it can still connect when only reserved slots are left. */
  canUseReservedConnections?: boolean;
}

export interface Snapshot {
  /** The connection's name from pgHealth.connections. */
  connection: string;
  /** ISO timestamp of the server's clock when the snapshot was taken. */
  takenAt: string;
  settings: ServerSettings;
  role: MonitorRole;
  monitorPid: number;
  sessions: Session[];
  /** Every backend that takes a connection slot (client backends of all users, including hidden ones). */
  used: number;
  /** max_connections - superuser_reserved_connections - reserved_connections. */
  capacity: number;
  /** Sessions counted in `used` whose details the role may not see. */
  hidden: number;
  /** Counts by state over client backends, hidden ones under 'unknown'. */
  byState: Record<string, number>;
  /** Set when the monitor reaches the server through a connection pooler (see pooler.ts). */
  pooler?: PoolerInfo;
}

/** Connection state of one database as the views show it. */
export type MonitorStatus =
  | { kind: 'idle' }
  | { kind: 'connecting' }
  | { kind: 'live' }
  | { kind: 'reconnecting'; lastError: string; attempt: number; nextRetryMs: number }
  | { kind: 'failed'; reason: string };
