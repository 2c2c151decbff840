// Pure helpers for the Databases tree: grouping sessions and describing them in words.
import { IDLE_STATES, IdleState } from '../postgres/idleSessions';
import { Session } from '../postgres/snapshot';

export type GroupBy = 'state' | 'application' | 'user' | 'clientAddress' | 'database' | 'waitEvent';

export interface SessionGroup {
  key: string;
  label: string;
  sessions: Session[];
}

const STATE_ORDER = ['active', 'idle in transaction', 'idle in transaction (aborted)', 'idle', 'fastpath function call', 'disabled'];

export function isIdleState(state: string): state is IdleState {
  return (IDLE_STATES as readonly string[]).includes(state);
}

/** The group a session falls in under `by` (the group node's label). */
export function groupKey(session: Session, by: GroupBy): string {
  switch (by) {
    case 'state':
      return session.state ?? (session.visible ? 'unknown' : 'hidden');
    case 'application':
      return session.application || '(no application name)';
    case 'user':
      return session.user ?? '(unknown user)';
    case 'clientAddress':
      return session.clientAddress ?? 'local socket';
    case 'database':
      return session.database ?? '(no database)';
    case 'waitEvent':
      return session.waitEventType ? `${session.waitEventType}: ${session.waitEvent ?? ''}` : 'not waiting';
  }
}

/** Groups client sessions; states in a fixed, meaningful order, other groupings largest first. */
export function groupSessions(sessions: readonly Session[], by: GroupBy): SessionGroup[] {
  const groups = new Map<string, Session[]>();
  for (const s of sessions) {
    const key = groupKey(s, by);
    const list = groups.get(key);
    if (list) list.push(s);
    else groups.set(key, [s]);
  }
  const result = [...groups].map(([key, list]) => ({ key, label: key, sessions: list.sort(bySeniority) }));
  if (by === 'state') {
    const rank = (k: string): number => {
      const i = STATE_ORDER.indexOf(k);
      return i === -1 ? STATE_ORDER.length : i;
    };
    return result.sort((a, b) => rank(a.key) - rank(b.key) || a.key.localeCompare(b.key));
  }
  return result.sort((a, b) => b.sessions.length - a.sessions.length || a.key.localeCompare(b.key));
}

/** Longest in its state first. */
function bySeniority(a: Session, b: Session): number {
  return (b.stateSeconds ?? -1) - (a.stateSeconds ?? -1) || a.pid - b.pid;
}

export function formatDuration(seconds: number | null): string {
  if (seconds === null || !Number.isFinite(seconds)) return '';
  const s = Math.max(0, Math.floor(seconds));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m ${s % 60}s`;
  if (s < 86400) return `${Math.floor(s / 3600)}h ${Math.floor((s % 3600) / 60)}m`;
  return `${Math.floor(s / 86400)}d ${Math.floor((s % 86400) / 3600)}h`;
}

/** "12345 · alice · billing-api" — the pid first, as users search by it. */
export function sessionLabel(s: Session): string {
  const parts = [String(s.pid)];
  if (s.user) parts.push(s.user);
  if (s.application) parts.push(s.application);
  return parts.join(' · ');
}

export function sessionDescription(s: Session): string {
  if (!s.visible) return 'details hidden';
  const parts: string[] = [];
  if (s.state) parts.push(s.state);
  const d = formatDuration(s.stateSeconds);
  if (d) parts.push(d);
  if (s.clientAddress) parts.push(s.clientAddress);
  if (s.isMonitor) parts.push('(this monitor)');
  return parts.join(' · ');
}

export type Level = 'ok' | 'warning' | 'critical';

export function usageLevel(used: number, capacity: number, warning: number, critical: number): Level {
  if (capacity <= 0) return 'critical';
  const share = used / capacity;
  if (share >= critical) return 'critical';
  if (share >= warning) return 'warning';
  return 'ok';
}
