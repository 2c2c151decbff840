// Pure helpers for the Databases tree: grouping sessions and describing them in words. No VS Code
// here (unit tests run it in Node): the words go through @vscode/l10n, which activate() configures.
import * as l10n from '@vscode/l10n';
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
    // A state is PostgreSQL's own word (pg_stat_activity.state) and stays as it is; the rest are ours.
    case 'state':
      if (session.state !== null) return session.state;
      return session.visible
        ? l10n.t({ message: 'unknown', comment: ['The group of sessions whose state PostgreSQL did not report'] })
        : l10n.t({ message: 'hidden', comment: ['The group of sessions whose details the role may not see'] });
    case 'application':
      return session.application || l10n.t('(no application name)');
    case 'user':
      return session.user ?? l10n.t('(unknown user)');
    case 'clientAddress':
      return session.clientAddress ?? l10n.t('local socket');
    case 'database':
      return session.database ?? l10n.t('(no database)');
    case 'waitEvent':
      return session.waitEventType ? `${session.waitEventType}: ${session.waitEvent ?? ''}` : l10n.t('not waiting');
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
  if (s < 60) return l10n.t({ message: '{0}s', args: [s], comment: ['A short duration in seconds'] });
  if (s < 3600) return l10n.t({ message: '{0}m {1}s', args: [Math.floor(s / 60), s % 60], comment: ['A short duration in minutes and seconds'] });
  if (s < 86400) return l10n.t({ message: '{0}h {1}m', args: [Math.floor(s / 3600), Math.floor((s % 3600) / 60)], comment: ['A short duration in hours and minutes'] });
  return l10n.t({ message: '{0}d {1}h', args: [Math.floor(s / 86400), Math.floor((s % 86400) / 3600)], comment: ['A short duration in days and hours'] });
}

export type SessionField = 'user' | 'database' | 'application' | 'client' | 'state' | 'backendStart' | 'transactionStart' | 'wait' | 'blockedBy' | 'query';

/** The name of a session's field (a column of pg_stat_activity) in words, as tooltips and confirmations list them. */
export function sessionFieldLabel(field: SessionField): string {
  switch (field) {
    case 'user':
      return l10n.t({ message: 'user', comment: ['The name of a field of a session (pg_stat_activity.usename), before its value: "user: alice"'] });
    case 'database':
      return l10n.t({ message: 'database', comment: ['The name of a field of a session (pg_stat_activity.datname), before its value'] });
    case 'application':
      return l10n.t({ message: 'application', comment: ['The name of a field of a session (pg_stat_activity.application_name), before its value'] });
    case 'client':
      return l10n.t({ message: 'client', comment: ['The name of a field of a session (pg_stat_activity.client_addr), before its value'] });
    case 'state':
      return l10n.t({ message: 'state', comment: ['The name of a field of a session (pg_stat_activity.state), before its value'] });
    case 'backendStart':
      return l10n.t({ message: 'backend start', comment: ['The name of a field of a session (pg_stat_activity.backend_start), before its value'] });
    case 'transactionStart':
      return l10n.t({ message: 'transaction start', comment: ['The name of a field of a session (pg_stat_activity.xact_start), before its value'] });
    case 'wait':
      return l10n.t({ message: 'wait', comment: ['The name of a field of a session (pg_stat_activity.wait_event_type / wait_event), before its value'] });
    case 'blockedBy':
      return l10n.t({ message: 'blocked by', comment: ['The name of a field of a session: the pids that block it, before their list'] });
    case 'query':
      return l10n.t({ message: 'query', comment: ['The name of a field of a session (pg_stat_activity.query), before its text'] });
  }
}

/** "idle for 3m 5s": a session's state and how long it has been in it. */
export function stateFor(state: string, seconds: number | null): string {
  return l10n.t({ message: '{0} for {1}', args: [state, formatDuration(seconds)], comment: ['{0} is a session state ("idle"), {1} how long it has been in it ("3m 5s")'] });
}

/** "12345 · alice · billing-api" — the pid first, as users search by it. */
export function sessionLabel(s: Session): string {
  const parts = [String(s.pid)];
  if (s.user) parts.push(s.user);
  if (s.application) parts.push(s.application);
  return parts.join(' · ');
}

export function sessionDescription(s: Session): string {
  if (!s.visible) return l10n.t('details hidden');
  const parts: string[] = [];
  if (s.state) parts.push(s.state);
  const d = formatDuration(s.stateSeconds);
  if (d) parts.push(d);
  if (s.clientAddress) parts.push(s.clientAddress);
  if (s.isMonitor) parts.push(l10n.t('(this monitor)'));
  return parts.join(' · ');
}

export type Level = 'ok' | 'warning' | 'critical';

/** The level in words, shown beside the icon's colour ('' for ok). */
export function levelText(level: Level): string {
  if (level === 'warning') return l10n.t({ message: 'warning', comment: ['Level of use: the share of connection slots in use passed pgHealth.warningThreshold'] });
  if (level === 'critical') return l10n.t({ message: 'critical', comment: ['Level of use: the share of connection slots in use passed pgHealth.criticalThreshold'] });
  return '';
}

export function usageLevel(used: number, capacity: number, warning: number, critical: number): Level {
  if (capacity <= 0) return 'critical';
  const share = used / capacity;
  if (share >= critical) return 'critical';
  if (share >= warning) return 'warning';
  return 'ok';
}
