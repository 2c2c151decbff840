// Advice from the live numbers, one function per way out of too_many_connections. Pure: the
// numbers come from the snapshot and the history, so the advice is testable and can be explained.
// The prose goes through @vscode/l10n; statements and configuration files stay as the server reads them.
import * as l10n from '@vscode/l10n';
import { Session, Snapshot } from '../postgres/snapshot';
import { IdleAdvice, MaxConnectionsAdvice, PgBouncerAdvice, TimeoutSuggestion } from './protocol';

/** Headroom above the observed peak when sizing max_connections. */
const MAX_CONNECTIONS_HEADROOM = 1.25;
/** Share of capacity PgBouncer's pools may take: the rest stays free for admin work, migrations, monitoring. */
const POOLER_SHARE_OF_CAPACITY = 0.8;

function roundUp(value: number, step: number): number {
  return Math.ceil(value / step) * step;
}

function plural(count: number, one: string): string {
  return `${count} ${count === 1 ? one : `${one}s`}`;
}

export function maxConnectionsAdvice(snapshot: Snapshot, peak: number): MaxConnectionsAdvice {
  const s = snapshot.settings;
  const reservedTotal = s.superuserReservedConnections + s.reservedConnections;
  const observed = Math.max(peak, snapshot.used);
  // Enough ordinary slots for the peak plus a quarter, plus the reserved slots that come off the top.
  const wantedCapacity = Math.max(observed + 5, Math.ceil(observed * MAX_CONNECTIONS_HEADROOM));
  const needed = observed >= snapshot.capacity * 0.8;
  // Never suggest lowering it: fewer slots than today would only move the failure elsewhere.
  const suggested = Math.max(roundUp(wantedCapacity + reservedTotal, 10), needed ? s.maxConnections + 10 : s.maxConnections);
  const text: string[] = [];
  if (needed) {
    text.push(
      l10n.t(
        'The peak so far is {0} of {1} slots for ordinary users. max_connections = {2} leaves about a quarter above that peak.',
        observed,
        snapshot.capacity,
        suggested,
      ),
    );
  } else {
    text.push(l10n.t('The peak so far is {0} of {1} slots for ordinary users: raising max_connections is not needed now.', observed, snapshot.capacity));
  }
  text.push(
    s.serverVersionNum >= 160000
      ? l10n.t(
          'Capacity = max_connections ({0}) − superuser_reserved_connections ({1}) − reserved_connections ({2}) = {3}. The reserved slots stay free for superusers and roles with pg_use_reserved_connections, so an administrator can still connect when the server is full.',
          s.maxConnections,
          s.superuserReservedConnections,
          s.reservedConnections,
          snapshot.capacity,
        )
      : l10n.t(
          'Capacity = max_connections ({0}) − superuser_reserved_connections ({1}) = {2}. The reserved slots stay free for superusers, so an administrator can still connect when the server is full.',
          s.maxConnections,
          s.superuserReservedConnections,
          snapshot.capacity,
        ),
  );
  text.push(l10n.t('max_connections takes effect only after a server restart; SELECT pg_reload_conf() is not enough. Standbys need a max_connections at least as high as the primary.'));
  if (s.maxConnectionsPendingRestart) {
    text.push(l10n.t('A new max_connections value is already set and waits for a restart (pg_settings.pending_restart = true).'));
  }
  text.push(
    l10n.t(
      "Each connection is a server process with its own memory: a few MB at rest, plus up to work_mem for every sort or hash of a running query (several per query, times hash_mem_multiplier). shared_buffers is shared and does not grow, but the lock table and other shared memory scale with max_connections. Check shared_buffers + max_connections × work_mem against the machine's RAM before raising it; many connections also compete for CPU — a pooler is often the better fix.",
    ),
  );
  return {
    needed,
    current: s.maxConnections,
    suggested,
    statement: `ALTER SYSTEM SET max_connections = ${suggested};`,
    pendingRestart: s.maxConnectionsPendingRestart,
    text,
  };
}

export interface IdleThresholds {
  /** Idle sessions older than this count as "beyond the threshold". */
  idleSeconds: number;
  idleInTransactionSeconds: number;
}

export const DEFAULT_IDLE_THRESHOLDS: IdleThresholds = { idleSeconds: 600, idleInTransactionSeconds: 60 };

function isClientSession(session: Session): boolean {
  return session.backendType === null || session.backendType === 'client backend';
}

function formatSeconds(seconds: number): string {
  if (seconds % 3600 === 0) return `${seconds / 3600}h`;
  if (seconds % 60 === 0) return `${seconds / 60}min`;
  return `${seconds}s`;
}

export function idleAdvice(snapshot: Snapshot, thresholds: IdleThresholds = DEFAULT_IDLE_THRESHOLDS): IdleAdvice {
  let idleBeyond = 0;
  let idleInTransactionBeyond = 0;
  for (const session of snapshot.sessions) {
    if (session.isMonitor || !isClientSession(session)) continue;
    const seconds = session.stateSeconds ?? 0;
    if (session.state === 'idle' && seconds > thresholds.idleSeconds) idleBeyond++;
    if (session.state?.startsWith('idle in transaction') && seconds > thresholds.idleInTransactionSeconds) {
      idleInTransactionBeyond++;
    }
  }
  const s = snapshot.settings;
  const timeouts: TimeoutSuggestion[] = [];
  // Long enough for a human at a psql prompt to finish a thought, short enough that a leaked
  // transaction does not hold its slot and its locks (and block vacuum) for hours.
  const inTransactionSuggestion = Math.max(300, roundUp(thresholds.idleInTransactionSeconds * 5, 60));
  timeouts.push(
    timeoutSuggestion('idle_in_transaction_session_timeout', s.idleInTransactionSessionTimeout, inTransactionSuggestion, {
      current: (setting, value) =>
        l10n.t({
          message: '{0} is {1}: it ends sessions that stay idle inside a transaction; a leaked transaction also holds locks and blocks vacuum.',
          args: [setting, value],
          comment: ['{0} is the setting idle_in_transaction_session_timeout, {1} its value ("5min")'],
        }),
      disabled: (setting, value) =>
        l10n.t({
          message:
            "{0} is disabled. '{1}' ends sessions that stay idle inside a transaction; a leaked transaction also holds locks and blocks vacuum. A reload is enough; ALTER ROLE … SET {0} limits it to one application's role.",
          args: [setting, value],
          comment: ['{0} is the setting idle_in_transaction_session_timeout, {1} the suggested value ("5min")'],
        }),
    }),
  );
  if (s.serverVersionNum >= 140000) {
    // Above the pools' own idle timeouts (node-postgres idleTimeoutMillis, SQLAlchemy pool_recycle), so
    // the server only ends connections a pool has forgotten.
    const idleSuggestion = Math.max(1800, roundUp(thresholds.idleSeconds * 3, 600));
    timeouts.push(
      timeoutSuggestion('idle_session_timeout', s.idleSessionTimeout, idleSuggestion, {
        current: (setting, value) =>
          l10n.t({
            message:
              '{0} is {1}: it ends sessions idle outside a transaction; pools must cope with closed connections (most validate or reconnect). Not for connections through PgBouncer in transaction mode.',
            args: [setting, value],
            comment: ['{0} is the setting idle_session_timeout, {1} its value ("30min")'],
          }),
        disabled: (setting, value) =>
          l10n.t({
            message:
              "{0} is disabled. '{1}' ends sessions idle outside a transaction; pools must cope with closed connections (most validate or reconnect). Not for connections through PgBouncer in transaction mode. A reload is enough; ALTER ROLE … SET {0} limits it to one application's role.",
            args: [setting, value],
            comment: ['{0} is the setting idle_session_timeout, {1} the suggested value ("30min")'],
          }),
      }),
    );
  }
  return {
    idleThresholdSeconds: thresholds.idleSeconds,
    idleInTransactionThresholdSeconds: thresholds.idleInTransactionSeconds,
    idleBeyond,
    idleInTransactionBeyond,
    timeouts,
  };
}

/** What a timeout does, said of its current value and of the value suggested while it is disabled. */
interface TimeoutTexts {
  current(setting: string, value: string): string;
  disabled(setting: string, value: string): string;
}

function timeoutSuggestion(setting: TimeoutSuggestion['setting'], currentMs: number | null, suggestedSeconds: number, texts: TimeoutTexts): TimeoutSuggestion {
  // Values in PostgreSQL's units ('5min'), as the statement sets them.
  const value = formatSeconds(suggestedSeconds);
  if (currentMs !== null && currentMs > 0) {
    return { setting, currentMs, statement: null, text: texts.current(setting, formatSeconds(Math.round(currentMs / 1000))) };
  }
  return {
    setting,
    currentMs,
    statement: `ALTER SYSTEM SET ${setting} = '${value}';\nSELECT pg_reload_conf();`,
    text: texts.disabled(setting, value),
  };
}

export interface PeakInput {
  /** Highest `used` seen. */
  peak: number;
  /** Highest count of active + idle-in-transaction sessions seen in the history. */
  peakBusy: number;
}

export interface PgBouncerSizingInput {
  /** Highest `used` seen. */
  peak: number;
  /** Highest count of sessions holding a transaction at once. */
  peakBusy: number;
  /** Distinct (user, database) pairs. */
  pools: number;
  /** Slots ordinary users can take. */
  capacity: number;
}

export type PgBouncerSizing = Pick<PgBouncerAdvice, 'peak' | 'peakBusy' | 'pools' | 'serverBudget' | 'maxClientConn' | 'defaultPoolSize' | 'reservePoolSize'>;

/**
 * PgBouncer's numbers from what the server has seen: clients are cheap in PgBouncer, so it accepts
 * twice the peak; the server side only needs the connections that were busy at once.
 */
export function pgBouncerSizing(input: PgBouncerSizingInput): PgBouncerSizing {
  const peak = input.peak;
  const peakBusy = Math.max(1, input.peakBusy);
  const pools = Math.max(1, input.pools);
  const serverBudget = Math.max(1, Math.floor(input.capacity * POOLER_SHARE_OF_CAPACITY));
  const perPoolCap = Math.max(1, Math.floor(serverBudget / pools));
  // Busy sessions spread over the pools, with half again for bursts; never more than the budget allows.
  const defaultPoolSize = Math.min(perPoolCap, Math.max(5, Math.ceil((peakBusy * 1.5) / pools)));
  const reservePoolSize = Math.max(0, Math.min(Math.ceil(defaultPoolSize / 4), perPoolCap - defaultPoolSize));
  const maxClientConn = Math.max(20, roundUp(peak * 2, 10));
  return { peak, peakBusy, pools, serverBudget, maxClientConn, defaultPoolSize, reservePoolSize };
}

/** A PgBouncer configuration sized by `pgBouncerSizing` from the snapshot and the peaks. */
export function pgBouncerAdvice(snapshot: Snapshot, input: PeakInput): PgBouncerAdvice {
  const pairs = new Set<string>();
  for (const session of snapshot.sessions) {
    if (session.isMonitor || !isClientSession(session) || session.user === null || session.database === null) continue;
    pairs.add(`${session.user}\u0000${session.database}`);
  }
  const sizing = pgBouncerSizing({ peak: Math.max(input.peak, snapshot.used), peakBusy: input.peakBusy, pools: pairs.size, capacity: snapshot.capacity });
  const { peak, peakBusy, pools, serverBudget, maxClientConn, defaultPoolSize, reservePoolSize } = sizing;
  const serverConnections = pools * (defaultPoolSize + reservePoolSize);
  const config = [
    '[databases]',
    '; every database on the server; replace the host and port with the server\'s',
    '* = host=127.0.0.1 port=5432',
    '',
    '[pgbouncer]',
    'listen_addr = 127.0.0.1',
    'listen_port = 6432',
    'auth_type = scram-sha-256',
    'auth_file = /etc/pgbouncer/userlist.txt',
    'pool_mode = transaction',
    `; clients: twice the observed peak of ${plural(peak, 'connection')}`,
    `max_client_conn = ${maxClientConn}`,
    `; server connections per (user, database) pool: peak of ${plural(peakBusy, 'busy session')} over ${plural(pools, 'pool')}, plus half again`,
    `default_pool_size = ${defaultPoolSize}`,
    `reserve_pool_size = ${reservePoolSize}`,
    'reserve_pool_timeout = 3',
    `; at most ${serverConnections} server connections of the ${snapshot.capacity} available (budget ${serverBudget})`,
    `max_db_connections = ${serverBudget}`,
    '; PgBouncer 1.21+: protocol-level prepared statements work in transaction mode',
    'max_prepared_statements = 200',
    'server_idle_timeout = 600',
    '',
  ].join('\n');
  return {
    ...sizing,
    config,
    caveats: [
      l10n.t('Transaction mode hands a server connection to a client for one transaction only: session state does not survive between transactions.'),
      l10n.t(
        'SET (without LOCAL), temporary tables, WITH HOLD cursors and session-level settings leak to, or vanish for, the next client; use SET LOCAL inside the transaction or set them per role.',
      ),
      l10n.t('Prepared statements: protocol-level ones need PgBouncer 1.21+ with max_prepared_statements > 0; SQL PREPARE/EXECUTE does not work in transaction mode.'),
      l10n.t('LISTEN/NOTIFY does not work through transaction mode: keep a direct connection for listeners.'),
      l10n.t('Session-level advisory locks (pg_advisory_lock) are tied to a server connection: use pg_advisory_xact_lock or a direct connection.'),
      l10n.t("Point the application's pool at PgBouncer (port 6432) and keep its own pool small; migrations and admin tools can connect directly."),
    ],
  };
}
