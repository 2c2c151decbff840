// What PgBouncer's admin console (the database `pgbouncer` on the pooler's port) reports, as typed
// rows, and what they mean. The console speaks only the simple query protocol and only its own
// commands: every command here is a plain `SHOW …` text without parameters; nothing else is sent (no
// SET, no SELECT — the console answers those with "invalid command").
// Pure apart from readPooler, which runs the commands on a connected pg.Client.
import type { QueryResult, QueryResultRow } from 'pg';
import { describeError, DescribedError } from './errors';
import * as l10n from '@vscode/l10n';

/** One row of SHOW POOLS: a (database, user) pair's clients and server connections. */
export interface PoolerPool {
  database: string;
  user: string;
  /** Clients linked to a server connection, or idle with none needed (cl_active). */
  clActive: number;
  /** Clients that sent a query and wait for a server connection (cl_waiting). */
  clWaiting: number;
  svActive: number;
  svIdle: number;
  svUsed: number;
  svTested: number;
  svLogin: number;
  /** How long the oldest waiting client has waited, in seconds (maxwait + maxwait_us). */
  maxwaitSeconds: number;
  poolMode: string;
}

/** One row of SHOW CLIENTS or SHOW SERVERS. */
export interface PoolerConnection {
  user: string;
  database: string;
  /** active, waiting, idle, used, tested, new, active_cancel_req, … */
  state: string;
  /** The peer: the client's address (SHOW CLIENTS), PostgreSQL's (SHOW SERVERS). */
  addr: string | null;
  port: number | null;
  /** PgBouncer's own end of the socket. */
  localAddr: string | null;
  localPort: number | null;
  connectTime: string | null;
  requestTime: string | null;
  /** Seconds a client has waited for a server connection (wait + wait_us); 0 for servers. */
  waitSeconds: number;
  /** The backend's pid (SHOW SERVERS, PgBouncer 1.12+; 0 when unknown). */
  remotePid: number;
  applicationName: string | null;
  /** A client linked to a server connection, or a server linked to a client. */
  linked: boolean;
}

/** One row of SHOW DATABASES. */
export interface PoolerDatabase {
  name: string;
  host: string | null;
  port: number | null;
  /** pool_size: default_pool_size unless the entry sets its own. */
  poolSize: number;
  reservePool: number;
  poolMode: string | null;
  /** max_db_connections for this database (0: no limit). */
  maxConnections: number;
  currentConnections: number;
  paused: boolean;
  disabled: boolean;
}

/** The settings of SHOW CONFIG that the views and the advice read. */
export interface PoolerSettings {
  defaultPoolSize: number | null;
  maxDbConnections: number | null;
  reservePoolSize: number | null;
  reservePoolTimeoutSeconds: number | null;
  maxClientConn: number | null;
  maxUserConnections: number | null;
  minPoolSize: number | null;
  poolMode: string | null;
  /** Every key/value, as the console reports it. */
  all: Record<string, string>;
}

export interface PoolerSnapshot {
  connection: string;
  /** Epoch ms when the commands were sent. */
  takenAt: number;
  /** "PgBouncer 1.18.0" */
  version: string;
  pools: PoolerPool[];
  /** Clients of the application databases (the console's own are left out). */
  clients: PoolerConnection[];
  /** Every client PgBouncer holds, the console's included: what max_client_conn counts. */
  clientCount: number;
  servers: PoolerConnection[];
  databases: PoolerDatabase[];
  /** undefined when SHOW CONFIG was refused (it needs admin_users or stats_users). */
  settings: PoolerSettings | undefined;
  /** How long the commands took together, in ms (one round trip each). */
  roundTripMs: number;
}

/** The console's own pseudo-database: not an application's pool. */
export const ADMIN_DATABASE = 'pgbouncer';

/** The commands sent on each refresh, in order; SHOW CONFIG only when `withSettings`. */
export const REFRESH_COMMANDS = ['SHOW VERSION', 'SHOW POOLS', 'SHOW CLIENTS', 'SHOW SERVERS', 'SHOW DATABASES'] as const;

/** What readPooler needs: a client that runs simple-protocol text (pg.Client#query without values). */
export interface ConsoleRunner {
  query<R extends QueryResultRow = QueryResultRow>(text: string): Promise<QueryResult<R>>;
}

/**
 * Runs the SHOW commands, one round trip each (the console takes one command per query), and returns
 * the typed snapshot. `previousSettings` is kept when SHOW CONFIG is not asked for this time.
 */
export async function readPooler(runner: ConsoleRunner, connection: string, withSettings: boolean, previousSettings?: PoolerSettings): Promise<PoolerSnapshot> {
  const started = Date.now();
  // One after the other: pg deprecates overlapping queries on one client (the round trips are the same).
  const results: QueryResult[] = [];
  for (const command of REFRESH_COMMANDS) results.push(await runner.query(command));
  const [version, pools, clients, servers, databases] = results;
  // SHOW CONFIG needs admin_users or stats_users; without it the pools are still shown.
  const settings = withSettings ? await runner.query('SHOW CONFIG').then((r) => toSettings(r.rows), () => previousSettings) : previousSettings;
  return {
    connection,
    takenAt: started,
    version: String((version?.rows[0] as Record<string, unknown> | undefined)?.['version'] ?? 'PgBouncer'),
    pools: (pools?.rows ?? []).map(toPool).filter((p) => p.database !== ADMIN_DATABASE),
    clients: (clients?.rows ?? []).map(toConnection).filter((c) => c.database !== ADMIN_DATABASE),
    clientCount: clients?.rows.length ?? 0,
    servers: (servers?.rows ?? []).map(toConnection),
    databases: (databases?.rows ?? []).map(toDatabase).filter((d) => d.name !== ADMIN_DATABASE),
    settings,
    roundTripMs: Date.now() - started,
  };
}

type Row = Record<string, unknown>;

function num(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'string' && value.trim() !== '' && Number.isFinite(Number(value))) return Number(value);
  return 0;
}

function numOrNull(value: unknown): number | null {
  if (value === null || value === undefined || value === '') return null;
  const n = Number(value);
  return Number.isFinite(n) ? n : null;
}

function str(value: unknown): string | null {
  return value === null || value === undefined || value === '' ? null : String(value);
}

export function toPool(r: Row): PoolerPool {
  return {
    database: String(r['database'] ?? ''),
    user: String(r['user'] ?? ''),
    clActive: num(r['cl_active']),
    clWaiting: num(r['cl_waiting']),
    svActive: num(r['sv_active']),
    svIdle: num(r['sv_idle']),
    svUsed: num(r['sv_used']),
    svTested: num(r['sv_tested']),
    svLogin: num(r['sv_login']),
    // maxwait is whole seconds and maxwait_us the microseconds on top of them.
    maxwaitSeconds: num(r['maxwait']) + num(r['maxwait_us']) / 1e6,
    poolMode: String(r['pool_mode'] ?? ''),
  };
}

export function toConnection(r: Row): PoolerConnection {
  return {
    user: String(r['user'] ?? ''),
    database: String(r['database'] ?? ''),
    state: String(r['state'] ?? ''),
    addr: str(r['addr']),
    port: numOrNull(r['port']),
    localAddr: str(r['local_addr']),
    localPort: numOrNull(r['local_port']),
    connectTime: str(r['connect_time']),
    requestTime: str(r['request_time']),
    waitSeconds: num(r['wait']) + num(r['wait_us']) / 1e6,
    remotePid: num(r['remote_pid']),
    applicationName: str(r['application_name']),
    linked: str(r['link']) !== null,
  };
}

export function toDatabase(r: Row): PoolerDatabase {
  return {
    name: String(r['name'] ?? ''),
    host: str(r['host']),
    port: numOrNull(r['port']),
    poolSize: num(r['pool_size']),
    reservePool: num(r['reserve_pool']),
    poolMode: str(r['pool_mode']),
    maxConnections: num(r['max_connections']),
    currentConnections: num(r['current_connections']),
    paused: num(r['paused']) !== 0,
    disabled: num(r['disabled']) !== 0,
  };
}

export function toSettings(rows: readonly Row[]): PoolerSettings {
  const all: Record<string, string> = {};
  for (const r of rows) if (typeof r['key'] === 'string') all[r['key']] = String(r['value'] ?? '');
  const n = (key: string): number | null => numOrNull(all[key]);
  return {
    defaultPoolSize: n('default_pool_size'),
    maxDbConnections: n('max_db_connections'),
    reservePoolSize: n('reserve_pool_size'),
    reservePoolTimeoutSeconds: n('reserve_pool_timeout'),
    maxClientConn: n('max_client_conn'),
    maxUserConnections: n('max_user_connections'),
    minPoolSize: n('min_pool_size'),
    poolMode: all['pool_mode'] ?? null,
    all,
  };
}

/** PgBouncer's own errors in words; everything else as for PostgreSQL (errors.ts). */
export function describePoolerError(error: unknown): DescribedError {
  const message = typeof (error as { message?: unknown })?.message === 'string' ? (error as { message: string }).message : String(error);
  const sqlState = typeof (error as { code?: unknown })?.code === 'string' ? (error as { code: string }).code : undefined;
  const make = (kind: DescribedError['kind'], text: string, permanent: boolean): DescribedError => ({ kind, message: text, permanent, ...(sqlState ? { sqlState } : {}) });
  if (/no more connections allowed/i.test(message)) {
    return make('too-many-clients', l10n.t('PgBouncer is full: {0}. Clients beyond max_client_conn are refused until others leave.', message), false);
  }
  if (/password authentication failed/i.test(message)) {
    return make('wrong-password', l10n.t('PgBouncer refused the login: wrong password, or the user is not in its auth_file (password authentication failed).'), true);
  }
  if (/^not allowed$/i.test(message.trim())) {
    return make('not-allowed', l10n.t('PgBouncer refused the admin console: this user is in neither admin_users nor stats_users (not allowed).'), true);
  }
  if (/admin access needed/i.test(message)) {
    return make('permission-denied', l10n.t('PgBouncer answered "admin access needed": this command needs a user in admin_users.'), true);
  }
  if (sqlState === '3D000') {
    // PostgreSQL itself answered: it has no database "pgbouncer".
    return make('malformed-config', l10n.t("This is not PgBouncer's admin console ({0}): PostgreSQL itself answered on this port. Point the entry at PgBouncer's listen_port.", message), true);
  }
  if (/unrecognized configuration parameter|invalid command/i.test(message)) {
    return make('malformed-config', l10n.t('This is not PgBouncer\'s admin console ({0}): connect to the database "pgbouncer" on the pooler\'s port.', message), true);
  }
  if (/does not support SSL/i.test(message)) {
    return make('tls-unsupported', l10n.t('PgBouncer does not offer TLS here: set ssl to "disable" or "prefer" for this entry.'), true);
  }
  if (/no such database/i.test(message)) {
    return make('database-missing', l10n.t('PgBouncer has no database by this name ({0}): the admin console is the database "pgbouncer".', message), true);
  }
  const described = describeError(error);
  if (described.kind === 'unreachable' && /refused/i.test(described.message)) {
    return { ...described, message: l10n.t('PgBouncer not reachable: connection refused (is it running and listening on this host and port?).') };
  }
  if (described.kind === 'unreachable' && /did not answer in time/i.test(described.message)) {
    return { ...described, message: l10n.t('PgBouncer did not answer in time (is it running, or SUSPENDed?).') };
  }
  return described;
}

export type HealthLevel = 'ok' | 'warning' | 'critical';

export type SaturationSign = 'waiting' | 'maxwaitRising' | 'noIdleServer' | 'paused' | 'clientsFull';

export interface PoolHealth {
  database: string;
  user: string;
  level: HealthLevel;
  signs: SaturationSign[];
  /** Consecutive refreshes, up to now, with clients waiting. */
  waitingStreak: number;
}

export interface PoolerHealth {
  level: HealthLevel;
  pools: PoolHealth[];
  /** Clients connected to the pooler (the console's included) and max_client_conn, when known. */
  clients: number;
  maxClientConn: number | null;
  signs: SaturationSign[];
}

/** Refreshes in a row with cl_waiting > 0 before waiting counts as saturation. */
export const WAITING_REFRESHES = 3;

/**
 * Saturation, judged over the recent snapshots (oldest first, the latest last):
 * - waiting: cl_waiting > 0 in each of the last WAITING_REFRESHES refreshes;
 * - maxwaitRising: the oldest waiting client's wait grew over the last three refreshes;
 * - noIdleServer: clients wait now and no server connection is idle;
 * - paused: the database is PAUSEd (its clients wait until RESUME);
 * - clientsFull: the pooler holds max_client_conn clients (new ones are refused).
 * A pool is critical when clients keep waiting and no server connection is free (or the wait grows);
 * any single sign is a warning.
 */
export function poolerHealth(recent: readonly PoolerSnapshot[], streaks?: ReadonlyMap<string, number>): PoolerHealth | undefined {
  const latest = recent[recent.length - 1];
  if (!latest) return undefined;
  const key = (p: { database: string; user: string }): string => `${p.database}\u0000${p.user}`;
  const paused = new Set(latest.databases.filter((d) => d.paused).map((d) => d.name));
  const pools: PoolHealth[] = latest.pools.map((pool) => {
    // The store counts the streak over every refresh (poolKey); without it, over the snapshots given.
    let streak = streaks?.get(poolKey(pool)) ?? 0;
    if (!streaks) {
      for (let i = recent.length - 1; i >= 0; i--) {
        const seen = recent[i]?.pools.find((p) => key(p) === key(pool));
        if (!seen || seen.clWaiting === 0) break;
        streak++;
      }
    }
    const waits = recent.slice(-3).map((s) => s.pools.find((p) => key(p) === key(pool))?.maxwaitSeconds ?? 0);
    const rising = waits.length === 3 && pool.maxwaitSeconds > 0 && waits.every((w, i) => i === 0 || w > (waits[i - 1] ?? 0));
    const signs: SaturationSign[] = [];
    if (streak >= WAITING_REFRESHES) signs.push('waiting');
    if (rising) signs.push('maxwaitRising');
    if (pool.clWaiting > 0 && pool.svIdle === 0) signs.push('noIdleServer');
    if (paused.has(pool.database)) signs.push('paused');
    const critical = signs.includes('waiting') && (signs.includes('noIdleServer') || signs.includes('maxwaitRising'));
    return { database: pool.database, user: pool.user, level: critical ? 'critical' : signs.length > 0 ? 'warning' : 'ok', signs, waitingStreak: streak };
  });
  const clients = latest.clientCount;
  const maxClientConn = latest.settings?.maxClientConn ?? null;
  const signs: SaturationSign[] = [];
  if (maxClientConn !== null && maxClientConn > 0 && clients >= maxClientConn) signs.push('clientsFull');
  if (paused.size > 0 && !pools.some((p) => p.signs.includes('paused'))) signs.push('paused');
  const worst = (levels: HealthLevel[]): HealthLevel => (levels.includes('critical') ? 'critical' : levels.includes('warning') ? 'warning' : 'ok');
  const level = worst([...pools.map((p) => p.level), signs.includes('clientsFull') ? 'critical' : signs.length > 0 ? 'warning' : 'ok']);
  return { level, pools, clients, maxClientConn, signs };
}

/** A pool's key: database and user. */
export function poolKey(pool: { database: string; user: string }): string {
  return `${pool.database}\u0000${pool.user}`;
}

/** The key a server connection of PgBouncer is known by on the PostgreSQL side: its local address and port. */
export function serverConnectionKey(address: string | null, port: number | null): string | undefined {
  if (address === null || port === null) return undefined;
  return `${address}:${port}`;
}
