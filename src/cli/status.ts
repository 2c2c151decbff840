// `pg-health status CONNECTION_STRING [--json]`: one snapshot of a database — usage against
// max_connections and the slots ordinary users can take, sessions by state, and the longest
// idle-in-transaction sessions. Exit 0 when the snapshot was taken, 2 on usage or connection errors.
import { describeTarget, resolveConnection } from '../postgres/connectionOptions';
import { describeError } from '../postgres/errors';
import { longestIdleInTransaction } from '../postgres/idleSessions';
import { openClient } from '../postgres/openClient';
import { poolerFromBackendChange } from '../postgres/pooler';
import { Session, Snapshot } from '../postgres/snapshot';
import { takeSnapshot } from '../postgres/snapshotQuery';

const USAGE = `usage: pg-health status CONNECTION_STRING [--json]

  CONNECTION_STRING  postgresql://user@host:port/database or "host=… dbname=…"; the password comes
                     from the string, PGPASSWORD or ~/.pgpass
  --json             print the snapshot as JSON
`;

const IDLE_IN_TRANSACTION_SHOWN = 5;

export async function runStatus(argv: string[]): Promise<number> {
  const positional: string[] = [];
  let json = false;
  for (const arg of argv) {
    if (arg === '--json') json = true;
    else if (arg === '-h' || arg === '--help') {
      process.stdout.write(USAGE);
      return 0;
    } else if (arg.startsWith('-') && arg.length > 1) {
      process.stderr.write(`pg-health status: unknown option ${arg}\n${USAGE}`);
      return 2;
    } else positional.push(arg);
  }
  const connectionString = positional[0];
  if (connectionString === undefined || positional.length > 1) {
    process.stderr.write(`pg-health status: ${positional.length > 1 ? 'give one connection string' : 'a connection string is required'}\n${USAGE}`);
    return 2;
  }

  try {
    const resolved = await resolveConnection({ name: 'status', connectionString }, { warn: (message) => process.stderr.write(`pg-health status: ${message}\n`) });
    const opened = await openClient(resolved, { onError: () => undefined, onEnd: () => undefined });
    let snapshot: Snapshot;
    try {
      // application_name and statement_timeout for the snapshot's own transaction only: through a
      // pooler, anything set for the session would stay with the next application.
      snapshot = await takeSnapshot(opened.client, describeTarget(resolved.target), opened.serverVersionNum, { applicationName: 'pg-health status', statementTimeoutMs: 10_000 });
    } finally {
      await opened.client.end().catch(() => undefined);
    }
    const pooler = opened.pooler ?? poolerFromBackendChange(opened.pid, snapshot.monitorPid, opened.endpoints);
    if (pooler) snapshot = { ...snapshot, pooler };
    const idleInTransaction = longestIdleInTransaction(snapshot, IDLE_IN_TRANSACTION_SHOWN);
    process.stdout.write(
      json ? `${JSON.stringify({ ...snapshot, longestIdleInTransaction: idleInTransaction }, null, 2)}\n` : formatStatus(snapshot, idleInTransaction),
    );
    return 0;
  } catch (error) {
    process.stderr.write(`pg-health status: ${describeError(error).message}\n`);
    return 2;
  }
}

/** The text report (exported for tests). */
export function formatStatus(snapshot: Snapshot, idleInTransaction: readonly Session[]): string {
  const s = snapshot.settings;
  const lines: string[] = [];
  lines.push(`${snapshot.connection} — PostgreSQL ${s.serverVersion}`);
  if (snapshot.pooler) {
    const p = snapshot.pooler;
    lines.push(`Connected through a connection pooler (${p.evidence}): the counts are the server's, and a full server could not be seen through it.`);
    if (p.serverPort !== null && p.serverPort !== p.viaPort) {
      lines.push(`  For a direct reading, connect to port ${p.serverPort}${p.serverAddress ? ` on ${p.serverAddress}` : ''}, where PostgreSQL itself listens.`);
    }
  }
  const percent = snapshot.capacity > 0 ? Math.round((snapshot.used / snapshot.capacity) * 100) : 100;
  const reserved = [`${s.superuserReservedConnections} reserved for superusers`];
  if (s.serverVersionNum >= 160000) reserved.push(`${s.reservedConnections} reserved_connections`);
  lines.push(`Connections: ${snapshot.used} of ${snapshot.capacity} usable (${percent}%); max_connections ${s.maxConnections}, ${reserved.join(', ')}`);
  if (snapshot.used >= snapshot.capacity) lines.push('  The server is full: new connections from ordinary roles fail with "sorry, too many clients already".');
  if (s.maxConnectionsPendingRestart) lines.push('  max_connections was changed and waits for a server restart.');
  if (snapshot.hidden > 0) {
    lines.push(`  ${snapshot.hidden} session${snapshot.hidden === 1 ? '' : 's'} hidden from role ${snapshot.role.name} — grant pg_monitor to see them.`);
  }
  lines.push('Sessions by state:');
  const states = Object.entries(snapshot.byState).sort((a, b) => b[1] - a[1]);
  for (const [state, count] of states) lines.push(`  ${state.padEnd(30)} ${count}`);
  if (states.length === 0) lines.push('  (none)');
  lines.push('Longest idle in transaction:');
  if (idleInTransaction.length === 0) lines.push('  (none)');
  for (const session of idleInTransaction) {
    const who = [session.user ?? '?', session.application || '-', session.clientAddress ?? 'local'].join(' ');
    const query = (session.query ?? '').replace(/\s+/g, ' ').trim().slice(0, 80);
    lines.push(`  pid ${session.pid}  ${formatSeconds(session.stateSeconds)}  ${who}  ${query}`);
  }
  const idleTimeout = s.idleInTransactionSessionTimeout;
  if (idleInTransaction.length > 0 && idleTimeout === 0) {
    lines.push('  idle_in_transaction_session_timeout is off: such sessions hold their slot and locks until the client ends them.');
  }
  return `${lines.join('\n')}\n`;
}

function formatSeconds(seconds: number | null): string {
  if (seconds === null) return '?';
  const total = Math.floor(seconds);
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const sec = total % 60;
  if (h > 0) return `${h}h ${m}m`;
  if (m > 0) return `${m}m ${sec}s`;
  return `${sec}s`;
}
