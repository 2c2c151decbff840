// Terminate Backend and Cancel Query, run on the monitor connection. Each signal is sent by one
// statement that checks, at the moment of signalling, that the pid is still the same client backend
// (same backend_start: pids are reused) and not the backend running that very statement (the
// monitor's own; through a pooler that is whichever server connection serves this transaction). The
// same statement returns what it found, so when it signals nothing the user gets the reason, judged
// in the same transaction on the same backend.
import * as l10n from '@vscode/l10n';
import { Session } from './snapshot';
import { SqlRunner } from './snapshotQuery';
import { describeError } from './errors';
import { MONITOR_QUERY_MARK } from './transactionSettings';

/** The monitor connection as the actions need it (MonitorConnection fits). */
export interface ActionConnection extends SqlRunner {
  readonly serverVersionNum: number | undefined;
}

/** Which session to act on: the pid and the backend_start seen in the snapshot (Session fits). */
export type SessionRef = Pick<Session, 'pid' | 'backendStart'>;

export type RefusalReason = 'monitor-session' | 'not-client-backend' | 'backend-changed' | 'not-visible';
export type RoleNeeded = 'superuser' | 'pg_signal_backend';

export type SignalResult =
  /** The backend is gone from pg_stat_activity. */
  | { kind: 'terminated'; pid: number; message: string }
  /** Terminate: signalled, but still present when we stopped waiting. Cancel: the signal was sent. */
  | { kind: 'signalled'; pid: number; message: string }
  | { kind: 'already-gone'; pid: number; message: string }
  | { kind: 'not-permitted'; pid: number; roleNeeded: RoleNeeded; message: string }
  | { kind: 'refused'; pid: number; reason: RefusalReason; message: string }
  | { kind: 'failed'; pid: number; message: string };

export interface TerminateOptions {
  /** How long to wait for the backend to exit (PG14+ waits server-side). Default 2 s, at most 3 s. */
  waitMs?: number;
}

/** What the signalling statement saw of the pid ($1) it was given, whether or not it signalled. */
interface Found {
  present: boolean;
  same_start: boolean | null;
  backend_type: string | null;
  is_self: boolean | null;
}

const FOUND_COLUMNS = `a.pid IS NOT NULL AS present, a.backend_start = $2::timestamptz AS same_start, a.backend_type, a.pid = pg_backend_pid() AS is_self`;
const TARGET = `FROM (SELECT $1::int AS pid) t LEFT JOIN pg_stat_activity a ON a.pid = t.pid`;
// CASE evaluates the signal only for a row that passes every check (a volatile function is never
// evaluated ahead of its branch).
const CLIENT_BACKEND_MATCH = `a.backend_start = $2::timestamptz AND a.backend_type = 'client backend' AND a.pid <> pg_backend_pid()`;

export async function terminateBackend(conn: ActionConnection, session: SessionRef, options: TerminateOptions = {}): Promise<SignalResult> {
  const waitMs = Math.min(Math.max(options.waitMs ?? 2_000, 0), 3_000);
  const refused = precheck(session);
  if (refused) return refused;
  const supportsWait = (conn.serverVersionNum ?? 0) >= 140000;
  try {
    // With a timeout, pg_terminate_backend (PG14+) returns whether the backend exited in time.
    const signal = supportsWait ? 'pg_terminate_backend(a.pid, $3::bigint)' : 'pg_terminate_backend(a.pid)';
    const sql = `${MONITOR_QUERY_MARK} SELECT ${FOUND_COLUMNS}, CASE WHEN ${CLIENT_BACKEND_MATCH} THEN ${signal} END AS done ${TARGET}`;
    const values: unknown[] = supportsWait ? [session.pid, session.backendStart, waitMs] : [session.pid, session.backendStart];
    const result = await conn.query<Found & { done: boolean | null }>(sql, values);
    const row = result.rows[0];
    if (!row || row.done === null) return explainNoMatch(session, row);
    let gone = supportsWait && waitMs > 0 && row.done;
    if (!gone && waitMs > 0) gone = (await waitUntilGone(conn, [session], waitMs)).size === 0;
    return gone
      ? { kind: 'terminated', pid: session.pid, message: l10n.t('Backend {0} was terminated.', session.pid) }
      : {
          kind: 'signalled',
          pid: session.pid,
          message: l10n.t('Backend {0} was told to terminate but was still there after {1} ms (it may be finishing a long operation).', session.pid, waitMs),
        };
  } catch (error) {
    return await failure(conn, session, error);
  }
}

export async function cancelQuery(conn: ActionConnection, session: SessionRef): Promise<SignalResult> {
  const refused = precheck(session);
  if (refused) return refused;
  try {
    const result = await conn.query<Found & { sent: boolean | null; state: string | null }>(
      `${MONITOR_QUERY_MARK} SELECT ${FOUND_COLUMNS}, a.state, CASE WHEN ${CLIENT_BACKEND_MATCH} THEN pg_cancel_backend(a.pid) END AS sent ${TARGET}`,
      [session.pid, session.backendStart],
    );
    const row = result.rows[0];
    if (!row || row.sent === null) return explainNoMatch(session, row);
    if (!row.sent) return { kind: 'failed', pid: session.pid, message: l10n.t('The cancel request for backend {0} could not be sent.', session.pid) };
    const idle = row.state !== null && row.state !== 'active' && row.state !== 'fastpath function call';
    return {
      kind: 'signalled',
      pid: session.pid,
      message: idle
        ? l10n.t({
            message: 'Cancel sent to backend {0}; it was {1}, so there was no running query to cancel.',
            args: [session.pid, row.state ?? ''],
            comment: ['{1} is the session state as PostgreSQL names it ("idle in transaction")'],
          })
        : l10n.t('The query of backend {0} was cancelled; the session stays connected.', session.pid),
    };
  } catch (error) {
    return await failure(conn, session, error);
  }
}

export interface BulkTerminateResult {
  requested: number;
  /** Backends that are gone from pg_stat_activity. */
  terminated: number;
  results: SignalResult[];
}

/** Terminates exactly the given sessions (the ones the user ticked in the preview) and says how many went. */
export async function terminateSessions(conn: ActionConnection, sessions: readonly SessionRef[], options: TerminateOptions = {}): Promise<BulkTerminateResult> {
  const waitMs = Math.min(Math.max(options.waitMs ?? 2_000, 0), 3_000);
  // Signal everyone first without waiting, then wait for all of them at once.
  const results: SignalResult[] = [];
  for (const session of sessions) results.push(await terminateBackend(conn, session, { waitMs: 0 }));
  const signalled = sessions.filter((_, i) => results[i]?.kind === 'signalled');
  const remaining = signalled.length > 0 ? await waitUntilGone(conn, signalled, waitMs).catch(() => new Set(signalled.map((s) => s.pid))) : new Set<number>();
  for (let i = 0; i < results.length; i++) {
    const result = results[i];
    if (result?.kind === 'signalled' && !remaining.has(result.pid)) {
      results[i] = { kind: 'terminated', pid: result.pid, message: l10n.t('Backend {0} was terminated.', result.pid) };
    }
  }
  return { requested: sessions.length, terminated: results.filter((r) => r.kind === 'terminated').length, results };
}

function precheck(session: SessionRef): SignalResult | undefined {
  if (session.backendStart === null) {
    return {
      kind: 'refused',
      pid: session.pid,
      reason: 'not-visible',
      message: l10n.t(
        "The monitor's role cannot see backend {0}, so it cannot check that the pid still belongs to the same session. Grant it pg_monitor (or pg_read_all_stats).",
        session.pid,
      ),
    };
  }
  return undefined;
}

/** The signalling statement signalled nothing: say why, from what that same statement saw. */
function explainNoMatch(session: SessionRef, found: Found | undefined): SignalResult {
  const pid = session.pid;
  if (!found?.present) return { kind: 'already-gone', pid, message: l10n.t('Backend {0} had already ended.', pid) };
  if (found.is_self) return { kind: 'refused', pid, reason: 'monitor-session', message: l10n.t("Backend {0} is this extension's own monitor connection.", pid) };
  if (found.backend_type === null) {
    return { kind: 'refused', pid, reason: 'not-visible', message: l10n.t("The monitor's role cannot see backend {0}; grant it pg_monitor (or pg_read_all_stats).", pid) };
  }
  if (found.backend_type !== 'client backend') {
    return {
      kind: 'refused',
      pid,
      reason: 'not-client-backend',
      message: l10n.t({
        message: 'Backend {0} is a {1}, not a client session; only client backends can be terminated here.',
        args: [pid, found.backend_type],
        comment: ['{1} is a backend type as PostgreSQL names it ("autovacuum worker")'],
      }),
    };
  }
  if (found.same_start === false) {
    return { kind: 'refused', pid, reason: 'backend-changed', message: l10n.t('Pid {0} now belongs to a different session (it started after the one you chose); nothing was signalled.', pid) };
  }
  return { kind: 'already-gone', pid, message: l10n.t('Backend {0} had already ended.', pid) };
}

async function failure(conn: ActionConnection, session: SessionRef, error: unknown): Promise<SignalResult> {
  const described = describeError(error);
  if (described.sqlState === '42501') {
    const superuserTarget = await isSuperuserSession(conn, session.pid).catch(() => false);
    return superuserTarget
      ? {
          kind: 'not-permitted',
          pid: session.pid,
          roleNeeded: 'superuser',
          message: l10n.t('Not permitted: backend {0} belongs to a superuser, and only a superuser may signal it.', session.pid),
        }
      : {
          kind: 'not-permitted',
          pid: session.pid,
          roleNeeded: 'pg_signal_backend',
          message: l10n.t("Not permitted: signalling another role's backend needs the pg_signal_backend role (GRANT pg_signal_backend TO the monitor's role) or superuser."),
        };
  }
  return { kind: 'failed', pid: session.pid, message: described.message };
}

async function isSuperuserSession(conn: ActionConnection, pid: number): Promise<boolean> {
  // usesysid is visible to every role, even where the rest of the row is not.
  const { rows } = await conn.query<{ rolsuper: boolean }>(
    `${MONITOR_QUERY_MARK} SELECT r.rolsuper FROM pg_stat_activity a JOIN pg_roles r ON r.oid = a.usesysid WHERE a.pid = $1`,
    [pid],
  );
  return rows[0]?.rolsuper === true;
}

/** Polls until none of the sessions is in pg_stat_activity or the time is up; returns the pids still there. */
async function waitUntilGone(conn: ActionConnection, sessions: readonly SessionRef[], waitMs: number): Promise<Set<number>> {
  const deadline = Date.now() + waitMs;
  const pids = sessions.map((s) => s.pid);
  const starts = sessions.map((s) => s.backendStart);
  for (;;) {
    const { rows } = await conn.query<{ pid: number }>(
      `${MONITOR_QUERY_MARK} SELECT a.pid FROM pg_stat_activity a
         JOIN unnest($1::int[], $2::timestamptz[]) AS t(pid, backend_start) ON a.pid = t.pid AND a.backend_start = t.backend_start`,
      [pids, starts],
    );
    const remaining = new Set(rows.map((r) => r.pid));
    if (remaining.size === 0 || Date.now() >= deadline) return remaining;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}
