// "Terminate Idle Sessions…": pick a database, the states and a minimum age, then tick exactly
// the sessions to terminate in a preview of the ones that match. Only client backends, never the
// monitor's own (findIdleSessions guarantees both); the result says how many went.
import * as vscode from 'vscode';
import { terminateSessions } from '../postgres/actions';
import { findIdleSessions, IDLE_STATES, IdleState } from '../postgres/idleSessions';
import { MonitorManager } from '../postgres/monitors';
import { Session } from '../postgres/snapshot';
import { SnapshotStore } from '../postgres/store';
import { Logger } from '../log';
import { GroupNode } from './databasesTreeProvider';
import { formatDuration, GroupBy, groupKey, isIdleState, sessionLabel } from './sessionGroups';
import type { PoolerOwner } from './treeItems';

export interface TerminateIdleRequest {
  database?: string;
  /** Pre-selected states (from a state group node). */
  states?: IdleState[];
  /** Only sessions of this group (from an application, user, … group node). */
  group?: { by: GroupBy; key: string };
  /** Only sessions connected to this database: a database row under its server's row shows only those. */
  datname?: string;
}

const GROUP_NOUN: Record<GroupBy, string> = {
  state: 'state',
  application: 'application',
  user: 'user',
  clientAddress: 'client',
  database: 'database',
  waitEvent: 'wait event',
};

/** What the command does when started from a group node: a state group preselects its state, any other group narrows the preview to its sessions. */
export function requestForGroup(node: GroupNode): TerminateIdleRequest {
  const only = node.datname !== undefined ? { datname: node.datname } : {};
  if (node.by === 'state') return isIdleState(node.key) ? { database: node.database, states: [node.key], ...only } : { database: node.database, ...only };
  return { database: node.database, group: { by: node.by, key: node.key }, ...only };
}

const DEFAULT_STATES: IdleState[] = ['idle in transaction', 'idle in transaction (aborted)', 'idle'];

export async function terminateIdleSessions(
  request: TerminateIdleRequest,
  monitors: MonitorManager,
  store: SnapshotStore,
  log: Logger,
  /** The configured PgBouncer that opened a backend (PoolerStore.ownerOf): offered unticked, and said so. */
  poolerOwner: (session: Session) => PoolerOwner | undefined = () => undefined,
): Promise<number | undefined> {
  const database = request.database ?? (await pickDatabase(monitors));
  if (!database) return undefined;
  // Keep the database polled while the user decides, so the preview is fresh.
  const group = request.group;
  const datname = request.datname;
  const scope = (group ? `${database}, ${GROUP_NOUN[group.by]} ${group.key}` : database) + (datname !== undefined && group?.by !== 'database' ? ` (sessions on database ${datname})` : '');
  const lease = monitors.lease(database, 'terminate-idle');
  try {
    await monitors.refresh(database).catch(() => undefined);
    const state = store.get(database);
    const problem = state?.status.kind === 'failed' ? state.status.reason : state?.status.kind === 'reconnecting' ? state.status.lastError : undefined;
    if (problem !== undefined && !state?.snapshot) {
      // Say so now rather than after the user has chosen states and an age.
      void vscode.window.showErrorMessage(`${database} is not connected, so there are no sessions to terminate: ${problem}`);
      return undefined;
    }
    const states = await pickStates(scope, request.states ?? DEFAULT_STATES);
    if (!states) return undefined;
    const minAge = await vscode.window.showInputBox({
      title: `Terminate Idle Sessions on ${scope} (2/3)`,
      prompt: 'Minimum time in that state, in seconds',
      value: '60',
      validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : 'Enter a whole number of seconds (0 for any age)'),
    });
    if (minAge === undefined) return undefined;
    await monitors.refresh(database).catch(() => undefined);
    const snapshot = store.get(database)?.snapshot;
    if (!snapshot) {
      void vscode.window.showErrorMessage(`${database} is not connected: there are no sessions to preview.`);
      return undefined;
    }
    const candidates = findIdleSessions(snapshot, { states, minAgeSeconds: Number(minAge.trim()) }).filter(
      (s) => (!group || groupKey(s, group.by) === group.key) && (datname === undefined || s.database === datname),
    );
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(`No ${states.join(' / ')} sessions on ${scope} have been in that state for ${minAge.trim()} s or more.`);
      return 0;
    }
    const chosen = await pickSessions(scope, candidates, poolerOwner);
    if (!chosen || chosen.length === 0) return undefined;
    const monitor = monitors.monitor(database);
    if (!monitor?.isConnected) {
      void vscode.window.showErrorMessage(`${database} is not connected; nothing was terminated.`);
      return undefined;
    }
    const result = await terminateSessions(monitor, chosen);
    const failures = result.results.filter((r) => r.kind !== 'terminated' && r.kind !== 'already-gone');
    log.info(`terminate idle sessions on ${database}: ${result.terminated} of ${result.requested} terminated`);
    for (const f of failures) log.warn(`pid ${f.pid}: ${f.message}`);
    const summary = `Terminated ${result.terminated} of ${result.requested} session${result.requested === 1 ? '' : 's'} on ${database}.`;
    if (failures.length > 0) void vscode.window.showWarningMessage(`${summary} ${failures[0]?.message ?? ''}`);
    else void vscode.window.showInformationMessage(summary);
    await monitors.refresh(database).catch(() => undefined);
    return result.terminated;
  } finally {
    lease.dispose();
  }
}

async function pickDatabase(monitors: MonitorManager): Promise<string | undefined> {
  const names = monitors.names();
  if (names.length === 0) {
    void vscode.window.showInformationMessage('No PostgreSQL connections are configured. Use "PostgreSQL Health: Add Connection" first.');
    return undefined;
  }
  if (names.length === 1) return names[0];
  return vscode.window.showQuickPick(names, { title: 'Terminate Idle Sessions: which database?' });
}

async function pickStates(scope: string, preselected: IdleState[]): Promise<IdleState[] | undefined> {
  const items = IDLE_STATES.map((state) => ({ label: state, picked: preselected.includes(state) }));
  const picked = await vscode.window.showQuickPick(items, {
    title: `Terminate Idle Sessions on ${scope} (1/3): which states?`,
    canPickMany: true,
    placeHolder: 'Sessions in these states are offered for termination',
  });
  if (!picked || picked.length === 0) return undefined;
  return picked.map((p) => p.label);
}

async function pickSessions(scope: string, candidates: Session[], poolerOwner: (session: Session) => PoolerOwner | undefined): Promise<Session[] | undefined> {
  const items = candidates.map((s) => {
    const owner = poolerOwner(s);
    const state = `${s.state ?? ''} ${formatDuration(s.stateSeconds)}`.trim();
    return {
      label: sessionLabel(s),
      // PgBouncer's server connections are its to manage (server_idle_timeout closes idle ones); the
      // client that gets one meanwhile would see its transaction fail. Offered, but not ticked.
      description: owner ? `${vscode.l10n.t('PgBouncer {0}', owner.pooler)} · ${state} · ${vscode.l10n.t('unticked: a server connection of the pooler')}` : state,
      detail: s.query ? s.query.replace(/\s+/g, ' ').slice(0, 200) : undefined,
      picked: owner === undefined,
      session: s,
    };
  });
  const pooled = items.filter((i) => !i.picked).length;
  const picked = await vscode.window.showQuickPick(items, {
    title:
      `Terminate Idle Sessions on ${scope} (3/3): ${candidates.length} match — untick any to keep` +
      (pooled > 0 ? vscode.l10n.t(' ({0} of PgBouncer left unticked)', String(pooled)) : ''),
    canPickMany: true,
    matchOnDetail: true,
  });
  return picked?.map((p) => p.session);
}
