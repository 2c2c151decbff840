// Pure selections over a snapshot: which sessions "Terminate Idle Sessions…" would offer, and the
// longest idle-in-transaction sessions (they hold locks and a slot while doing nothing).
import { Session, Snapshot } from './snapshot';

export const IDLE_STATES = ['idle', 'idle in transaction', 'idle in transaction (aborted)'] as const;
export type IdleState = (typeof IDLE_STATES)[number];

export interface IdleSessionFilter {
  states: readonly IdleState[];
  /** Only sessions at least this long in their current state. */
  minAgeSeconds: number;
}

/** The sessions the bulk action may terminate: visible client backends in the chosen states, never the monitor's own. */
export function findIdleSessions(snapshot: Snapshot, filter: IdleSessionFilter): Session[] {
  const states = new Set<string>(filter.states);
  return snapshot.sessions
    .filter(
      (s) =>
        s.visible &&
        !s.isMonitor &&
        s.pid !== snapshot.monitorPid &&
        s.backendType === 'client backend' &&
        s.backendStart !== null &&
        s.state !== null &&
        states.has(s.state) &&
        (s.stateSeconds ?? 0) >= filter.minAgeSeconds,
    )
    .sort((a, b) => (b.stateSeconds ?? 0) - (a.stateSeconds ?? 0));
}

/** Idle-in-transaction sessions (aborted ones included), longest first. */
export function longestIdleInTransaction(snapshot: Snapshot, limit: number): Session[] {
  return snapshot.sessions
    .filter((s) => s.visible && (s.state === 'idle in transaction' || s.state === 'idle in transaction (aborted)'))
    .sort((a, b) => (b.stateSeconds ?? 0) - (a.stateSeconds ?? 0))
    .slice(0, Math.max(0, limit));
}
