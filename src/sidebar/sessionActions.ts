// Terminate Backend, Cancel Query, Copy Query, Open Query — for tree nodes and the dashboard.
// Every signal goes through src/postgres/actions on the monitor connection after a modal
// confirmation that shows exactly which session is meant.
import * as vscode from 'vscode';
import { cancelQuery, SignalResult, terminateBackend } from '../postgres/actions';
import { MonitorManager } from '../postgres/monitors';
import type { PoolerOwner } from './treeItems';
import { Session } from '../postgres/snapshot';
import { SnapshotStore } from '../postgres/store';
import { Logger } from '../log';
import { sessionFieldLabel, stateFor } from './sessionGroups';

const QUERY_PREVIEW_CHARS = 300;

export class SessionActions {
  constructor(
    private readonly monitors: MonitorManager,
    private readonly store: SnapshotStore,
    private readonly log: Logger,
    /** The configured PgBouncer that opened a backend, if any (PoolerStore.ownerOf). */
    private readonly poolerOwner: (session: Session) => PoolerOwner | undefined = () => undefined,
  ) {}

  /** Finds the session as the latest snapshot knows it (the dashboard passes only pid and backend_start). */
  findSession(database: string, pid: number, backendStart: string | null): Session | undefined {
    return this.store.get(database)?.snapshot?.sessions.find((s) => s.pid === pid && s.backendStart === backendStart);
  }

  async terminate(database: string, session: Session): Promise<SignalResult | undefined> {
    if (session.isMonitor) {
      void vscode.window.showInformationMessage(vscode.l10n.t("Session {0} is this extension's own monitor connection; it is never terminated.", session.pid));
      return undefined;
    }
    const confirm = vscode.l10n.t({ message: 'Terminate Backend', comment: ['The button that confirms terminating a session (as the command is named)'] });
    const owner = this.poolerOwner(session);
    const consequence = owner
      ? owner.state === 'active'
        ? vscode.l10n.t(
            'This backend belongs to PgBouncer {0}: it is one of its server connections (pool {1}/{2}), in use by a PgBouncer client now. That client gets "terminating connection due to administrator command", its current transaction fails and PgBouncer closes its connection too ("server conn crashed?"), so it must reconnect and retry. PgBouncer opens a new server connection for the other clients.',
            owner.pooler,
            owner.database,
            owner.user,
          )
        : vscode.l10n.t(
            'This backend belongs to PgBouncer {0}: it is one of its server connections (pool {1}/{2}), {3} in the pool now, so no client is using it. PgBouncer drops it and opens a new server connection when its clients need one; a client that gets it in the meantime sees its transaction fail.',
            owner.pooler,
            owner.database,
            owner.user,
            owner.state,
          )
      : vscode.l10n.t('Its open transaction is rolled back and the client is disconnected.');
    const choice = await vscode.window.showWarningMessage(
      owner ? vscode.l10n.t('Terminate backend {0} on {1}? It belongs to PgBouncer {2}.', String(session.pid), database, owner.pooler) : vscode.l10n.t('Terminate backend {0} on {1}?', session.pid, database),
      { modal: true, detail: `${describeForConfirmation(session)}\n\n${consequence}` },
      confirm,
    );
    if (choice !== confirm) return undefined;
    return this.run(database, session, 'terminate');
  }

  async cancel(database: string, session: Session): Promise<SignalResult | undefined> {
    if (session.isMonitor) return undefined;
    const confirm = vscode.l10n.t({ message: 'Cancel Query', comment: ['The button that confirms cancelling a running query (as the command is named)'] });
    const choice = await vscode.window.showWarningMessage(
      vscode.l10n.t('Cancel the running query of backend {0} on {1}?', session.pid, database),
      {
        modal: true,
        detail: `${describeForConfirmation(session)}\n\n${vscode.l10n.t({
          message: 'The session stays connected; its current statement fails with "canceling statement due to user request".',
          comment: ['"canceling statement due to user request" is PostgreSQL\'s error message, quoted as the server sends it'],
        })}`,
      },
      confirm,
    );
    if (choice !== confirm) return undefined;
    return this.run(database, session, 'cancel');
  }

  async copyQuery(session: Session): Promise<void> {
    await vscode.env.clipboard.writeText(session.query ?? '');
  }

  async openQuery(session: Session): Promise<void> {
    const doc = await vscode.workspace.openTextDocument({
      language: 'sql',
      content: `-- pid ${session.pid}${session.user ? `, ${sessionFieldLabel('user')} ${session.user}` : ''}${session.application ? `, ${sessionFieldLabel('application')} ${session.application}` : ''}\n${session.query ?? ''}\n`,
    });
    await vscode.window.showTextDocument(doc, { preview: true });
  }

  private async run(database: string, session: Session, action: 'terminate' | 'cancel'): Promise<SignalResult | undefined> {
    const monitor = this.monitors.monitor(database);
    if (!monitor || !monitor.isConnected) {
      void vscode.window.showErrorMessage(
        action === 'terminate' ? vscode.l10n.t('{0} is not connected; nothing was terminated.', database) : vscode.l10n.t('{0} is not connected; nothing was cancelled.', database),
      );
      return undefined;
    }
    let result: SignalResult;
    try {
      result = action === 'terminate' ? await terminateBackend(monitor, session) : await cancelQuery(monitor, session);
    } catch (err) {
      this.log.error(`${action} ${session.pid} on ${database} failed`, err);
      const reason = err instanceof Error ? err.message : String(err);
      void vscode.window.showErrorMessage(
        action === 'terminate' ? vscode.l10n.t('Could not terminate backend {0}: {1}', session.pid, reason) : vscode.l10n.t('Could not cancel backend {0}: {1}', session.pid, reason),
      );
      return undefined;
    }
    this.log.info(`${action} pid ${session.pid} on ${database}: ${result.kind} — ${result.message}`);
    if (result.kind === 'terminated' || result.kind === 'signalled' || result.kind === 'already-gone') {
      void vscode.window.showInformationMessage(result.message);
    } else {
      void vscode.window.showErrorMessage(result.message);
    }
    await this.monitors.refresh(database).catch(() => undefined);
    return result;
  }
}

export function describeForConfirmation(s: Session): string {
  const lines = [`pid: ${s.pid}`];
  if (s.user) lines.push(`${sessionFieldLabel('user')}: ${s.user}`);
  if (s.application) lines.push(`${sessionFieldLabel('application')}: ${s.application}`);
  if (s.clientAddress) lines.push(`${sessionFieldLabel('client')}: ${s.clientAddress}`);
  if (s.state) lines.push(`${sessionFieldLabel('state')}: ${s.stateSeconds !== null ? stateFor(s.state, s.stateSeconds) : s.state}`);
  if (s.query) lines.push(`${sessionFieldLabel('query')}: ${s.query.length > QUERY_PREVIEW_CHARS ? s.query.slice(0, QUERY_PREVIEW_CHARS) + '…' : s.query}`);
  return lines.join('\n');
}
