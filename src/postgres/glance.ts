// What one configured database shows at a glance — the tree's database row, the server row and the
// status bar all read it — from its state in the store: the held monitor's live snapshot when
// someone looks at it closely, else the overview poller's number (overview.ts), else its error.
// Pure; capacity is the server's (every database of a server shares max_connections).
import * as l10n from '@vscode/l10n';
import type { PoolerInfo } from './pooler';
import { DatabaseState } from './store';

export type Glance =
  | {
      kind: 'usage';
      /** The server's used/capacity. */
      used: number;
      capacity: number;
      /** Client backends on this database, when known (undefined for a held snapshot of a single database). */
      databaseSessions: number | undefined;
      /** Epoch ms the number was taken. */
      at: number;
      /** True when a monitor connection of its own is held and polled every refresh interval. */
      held: boolean;
      /** For a number read off another database's held connection (refreshed with it): that database. */
      heldBy?: string;
      /** Set when the number was read through a connection pooler. */
      pooler?: PoolerInfo;
      /** A held monitor lost its connection and is reconnecting; the number is its last one. */
      reconnecting?: string;
    }
  | { kind: 'error'; message: string; at: number; retrying: boolean }
  | { kind: 'pending' };

/**
 * @param database the database the entry connects to (its sessions are counted from a held snapshot).
 */
export function glanceOf(state: DatabaseState | undefined, database: string | undefined): Glance {
  if (!state) return { kind: 'pending' };
  const { status, snapshot, overview } = state;
  const snapshotAt = state.history[state.history.length - 1]?.at ?? 0;
  const fromSnapshot = (held: boolean, reconnecting?: string): Glance => {
    const s = snapshot;
    if (!s) return { kind: 'pending' };
    const databaseSessions = database === undefined ? undefined : s.sessions.filter((x) => x.database === database).length;
    return {
      kind: 'usage',
      used: s.used,
      capacity: s.capacity,
      databaseSessions,
      at: snapshotAt,
      held,
      ...(s.pooler ? { pooler: s.pooler } : {}),
      ...(reconnecting !== undefined ? { reconnecting } : {}),
    };
  };
  if (status.kind === 'live' && snapshot) return fromSnapshot(true);
  if (status.kind === 'failed') return { kind: 'error', message: status.reason, at: Date.now(), retrying: false };
  if (status.kind === 'reconnecting') {
    return snapshot ? fromSnapshot(true, status.lastError) : { kind: 'error', message: status.lastError, at: Date.now(), retrying: true };
  }
  // Not held (idle), or still connecting: the overview's number, or the last snapshot if newer.
  if (overview && overview.at >= snapshotAt) {
    if (overview.kind === 'error') return { kind: 'error', message: overview.message, at: overview.at, retrying: true };
    return {
      kind: 'usage',
      used: overview.used,
      capacity: overview.capacity,
      databaseSessions: overview.databaseSessions,
      at: overview.at,
      held: false,
      ...(overview.heldBy !== undefined ? { heldBy: overview.heldBy } : {}),
      ...(overview.pooler ? { pooler: overview.pooler } : {}),
    };
  }
  if (snapshot) return fromSnapshot(false);
  return { kind: 'pending' };
}

/** Share of capacity in use; errors sort above everything (a database that is down needs a look first). */
export function loadOf(glance: Glance): number {
  if (glance.kind === 'error') return Number.POSITIVE_INFINITY;
  if (glance.kind === 'pending') return -1;
  return glance.capacity > 0 ? glance.used / glance.capacity : Number.POSITIVE_INFINITY;
}

/** "12 s ago", "3 min ago": how old a number is (shown where it is not refreshed every interval). */
export function ageText(at: number, now: number = Date.now()): string {
  const seconds = Math.max(0, Math.round((now - at) / 1000));
  if (seconds < 60) return l10n.t('{0} s ago', seconds);
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return l10n.t('{0} min ago', minutes);
  return l10n.t('{0} h ago', Math.round(minutes / 60));
}
