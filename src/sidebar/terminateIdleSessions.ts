// "Terminate Idle Sessions…": pick a database, the states and a minimum age, then tick exactly
// the sessions to terminate in a preview of the ones that match. Only client backends, never the
// monitor's own (findIdleSessions guarantees both); the result says how many went.
import * as vscode from 'vscode';
import { terminateSessions } from '../postgres/actions';
import { findIdleSessions, IDLE_STATES, IdleState } from '../postgres/idleSessions';
import { MonitorManager } from '../postgres/monitors';
import { Session } from '../postgres/snapshot';
import { SnapshotStore } from '../postgres/store';
import { noConnectionsMessage } from '../connections/connectionSettings';
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

/** What the titles call the sessions offered: "orders", "orders, application billing-api", "orders (sessions on database shop)". */
function scopeOf(database: string, group: TerminateIdleRequest['group'], datname: string | undefined): string {
  const scope = group ? groupScope(database, group.by, group.key) : database;
  return datname !== undefined && group?.by !== 'database' ? vscode.l10n.t('{0} (sessions on database {1})', scope, datname) : scope;
}

function groupScope(database: string, by: GroupBy, key: string): string {
  switch (by) {
    case 'state':
      return vscode.l10n.t('{0}, state {1}', database, key);
    case 'application':
      return vscode.l10n.t('{0}, application {1}', database, key);
    case 'user':
      return vscode.l10n.t('{0}, user {1}', database, key);
    case 'clientAddress':
      return vscode.l10n.t('{0}, client {1}', database, key);
    case 'database':
      return vscode.l10n.t('{0}, database {1}', database, key);
    case 'waitEvent':
      return vscode.l10n.t('{0}, wait event {1}', database, key);
  }
}

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
  const scope = scopeOf(database, group, datname);
  const lease = monitors.lease(database, 'terminate-idle');
  try {
    await monitors.refresh(database).catch(() => undefined);
    const state = store.get(database);
    const problem = state?.status.kind === 'failed' ? state.status.reason : state?.status.kind === 'reconnecting' ? state.status.lastError : undefined;
    if (problem !== undefined && !state?.snapshot) {
      // Say so now rather than after the user has chosen states and an age.
      void vscode.window.showErrorMessage(vscode.l10n.t('{0} is not connected, so there are no sessions to terminate: {1}', database, problem));
      return undefined;
    }
    const states = await pickStates(scope, request.states ?? DEFAULT_STATES);
    if (!states) return undefined;
    const minAge = await vscode.window.showInputBox({
      title: vscode.l10n.t('Terminate Idle Sessions on {0} (2/3)', scope),
      prompt: vscode.l10n.t('Minimum time in that state, in seconds'),
      value: '60',
      validateInput: (v) => (/^\d+$/.test(v.trim()) ? undefined : vscode.l10n.t('Enter a whole number of seconds (0 for any age)')),
    });
    if (minAge === undefined) return undefined;
    await monitors.refresh(database).catch(() => undefined);
    const snapshot = store.get(database)?.snapshot;
    if (!snapshot) {
      void vscode.window.showErrorMessage(vscode.l10n.t('{0} is not connected: there are no sessions to preview.', database));
      return undefined;
    }
    const candidates = findIdleSessions(snapshot, { states, minAgeSeconds: Number(minAge.trim()) }).filter(
      (s) => (!group || groupKey(s, group.by) === group.key) && (datname === undefined || s.database === datname),
    );
    if (candidates.length === 0) {
      void vscode.window.showInformationMessage(
        vscode.l10n.t({
          message: 'No {0} sessions on {1} have been in that state for {2} s or more.',
          args: [states.join(' / '), scope, minAge.trim()],
          comment: ['{0} lists session states as PostgreSQL names them ("idle / idle in transaction")'],
        }),
      );
      return 0;
    }
    const chosen = await pickSessions(scope, candidates, poolerOwner);
    if (!chosen || chosen.length === 0) return undefined;
    const monitor = monitors.monitor(database);
    if (!monitor?.isConnected) {
      void vscode.window.showErrorMessage(vscode.l10n.t('{0} is not connected; nothing was terminated.', database));
      return undefined;
    }
    const result = await terminateSessions(monitor, chosen);
    const failures = result.results.filter((r) => r.kind !== 'terminated' && r.kind !== 'already-gone');
    log.info(`terminate idle sessions on ${database}: ${result.terminated} of ${result.requested} terminated`);
    for (const f of failures) log.warn(`pid ${f.pid}: ${f.message}`);
    const summary =
      result.requested === 1
        ? vscode.l10n.t('Terminated {0} of 1 session on {1}.', result.terminated, database)
        : vscode.l10n.t('Terminated {0} of {1} sessions on {2}.', result.terminated, result.requested, database);
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
    void vscode.window.showInformationMessage(noConnectionsMessage());
    return undefined;
  }
  if (names.length === 1) return names[0];
  return vscode.window.showQuickPick(names, { title: vscode.l10n.t('Terminate Idle Sessions: which database?') });
}

async function pickStates(scope: string, preselected: IdleState[]): Promise<IdleState[] | undefined> {
  const items = IDLE_STATES.map((state) => ({ label: state, picked: preselected.includes(state) }));
  const picked = await vscode.window.showQuickPick(items, {
    title: vscode.l10n.t('Terminate Idle Sessions on {0} (1/3): which states?', scope),
    canPickMany: true,
    placeHolder: vscode.l10n.t('Sessions in these states are offered for termination'),
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
      vscode.l10n.t('Terminate Idle Sessions on {0} (3/3): {1} match — untick any to keep', scope, candidates.length) +
      (pooled > 0 ? vscode.l10n.t(' ({0} of PgBouncer left unticked)', String(pooled)) : ''),
    canPickMany: true,
    matchOnDetail: true,
  });
  return picked?.map((p) => p.session);
}
