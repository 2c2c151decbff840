// How each row of the Databases view looks: label, description, icon, tooltip and context value,
// from the node and what the store holds. Pure rendering; databasesTreeProvider.ts decides what is
// shown and when.
import * as vscode from 'vscode';
import { ageText, Glance } from '../postgres/glance';
import { poolerAdvice } from '../postgres/pooler';
import { Session, Snapshot } from '../postgres/snapshot';
import { DatabaseState } from '../postgres/store';
import { formatDuration, GroupBy, sessionDescription, sessionLabel, usageLevel } from './sessionGroups';
import { DatabaseNode, GroupNode, MessageNode, ServerNode, SessionNode, SortBy, sessionId } from './treeNodes';

export interface TreeSettings {
  groupBy: GroupBy;
  sortBy: SortBy;
  overviewSeconds: number;
  warningThreshold: number;
  criticalThreshold: number;
  idleInTransactionWarningSeconds: number;
}

export function readTreeSettings(): TreeSettings {
  const c = vscode.workspace.getConfiguration('pgHealth');
  return {
    groupBy: c.get<GroupBy>('groupBy', 'state'),
    sortBy: c.get<SortBy>('databases.sortBy', 'name') === 'headroom' ? 'headroom' : 'name',
    overviewSeconds: c.get<number>('overviewRefreshInterval', 15),
    warningThreshold: c.get<number>('warningThreshold', 0.8),
    criticalThreshold: c.get<number>('criticalThreshold', 0.95),
    idleInTransactionWarningSeconds: c.get<number>('idleInTransactionWarningSeconds', 60),
  };
}

const LEVEL_COLOR = { ok: 'charts.green', warning: 'charts.yellow', critical: 'charts.red' } as const;

export function groupItem(node: GroupNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.key, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `group:${node.database}:${node.by}:${node.key}`;
  item.description = String(node.sessions.length);
  // package.json offers "Terminate Idle Sessions…" on /^pgHealth:(database|group)/ only.
  item.contextValue = node.offersIdleTermination ? 'pgHealth:group' : 'pgHealth:busyGroup';
  item.iconPath = new vscode.ThemeIcon('folder');
  return item;
}

export function messageItem(node: MessageNode): vscode.TreeItem {
  const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
  item.id = `message:${node.id}`;
  item.iconPath = new vscode.ThemeIcon(node.icon);
  item.contextValue = 'pgHealth:message';
  if (node.tooltip) item.tooltip = node.tooltip;
  return item;
}

export function databaseItem(node: DatabaseNode, state: DatabaseState | undefined, glance: Glance, settings: TreeSettings): vscode.TreeItem {
  const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `database:${node.name}`;
  item.contextValue = 'pgHealth:database';
  const status = state?.status;
  if (glance.kind === 'usage') {
    const level = usageLevel(glance.used, glance.capacity, settings.warningThreshold, settings.criticalThreshold);
    // Under its server's row the server's used/capacity is shown once, above; the row shows its share.
    const sessions = glance.databaseSessions;
    const number = node.parent && sessions !== undefined ? `${sessions} session${sessions === 1 ? '' : 's'}` : `${glance.used}/${glance.capacity}`;
    // The level in words too, not only as the icon's colour.
    item.description =
      number +
      (level === 'ok' ? '' : ` · ${level}`) +
      (glance.pooler ? ' · via pooler' : '') +
      (glance.held || glance.heldBy !== undefined ? '' : ` · ${ageText(glance.at)}`) +
      (glance.reconnecting !== undefined ? ' (reconnecting…)' : '');
    item.iconPath = new vscode.ThemeIcon('database', new vscode.ThemeColor(LEVEL_COLOR[level]));
    const slots = `${glance.used} of ${glance.capacity} slots in use${level === 'ok' ? '' : `, ${level}`}`;
    item.accessibilityInformation = {
      label: node.parent && sessions !== undefined ? `${node.name}, ${sessions} session${sessions === 1 ? '' : 's'}; server ${node.server}: ${slots}` : `${node.name}, ${slots}`,
    };
    item.tooltip = glance.held && state?.snapshot ? databaseTooltip(node, state.snapshot, glance.reconnecting) : overviewTooltip(node, glance, state, settings);
    return item;
  }
  if (glance.kind === 'error') {
    if (status?.kind === 'reconnecting') {
      item.description = status.lastError;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
      item.tooltip = `${node.name}: ${status.lastError} — retrying in ${Math.round(status.nextRetryMs / 1000)} s (attempt ${status.attempt})`;
      return item;
    }
    item.description = glance.retrying ? `${glance.message} · ${ageText(glance.at)}` : glance.message;
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    item.tooltip = glance.retrying
      ? `${node.name}: ${glance.message}\n\nChecked every ${settings.overviewSeconds} s; last check ${ageText(glance.at)}. Expand it to connect now and see the details.`
      : `${node.name}: ${glance.message}`;
    item.contextValue = 'pgHealth:database:failed';
    return item;
  }
  item.description = status?.kind === 'connecting' ? 'connecting…' : 'checking…';
  item.iconPath = new vscode.ThemeIcon('database');
  return item;
}

/** The tooltip of a row whose number comes from the overview rather than a monitor connection of its own. */
function overviewTooltip(node: DatabaseNode, glance: Extract<Glance, { kind: 'usage' }>, state: DatabaseState | undefined, settings: TreeSettings): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMd(node.name)}** — database ${escapeMd(node.database ?? '')} on ${escapeMd(node.server)}\n\n`);
  const pct = glance.capacity > 0 ? Math.round((100 * glance.used) / glance.capacity) : 100;
  md.appendMarkdown(`Server: ${glance.used} of ${glance.capacity} connection slots in use (${pct}%), shared by every database on it  \n`);
  const overview = state?.overview;
  if (glance.databaseSessions !== undefined) {
    const states = overview?.kind === 'usage' ? Object.entries(overview.byState).map(([k, v]) => `${escapeMd(k)}: ${v}`) : [];
    md.appendMarkdown(`This database: ${glance.databaseSessions} session${glance.databaseSessions === 1 ? '' : 's'}${states.length ? ` (${states.join(', ')})` : ''}\n\n`);
  }
  md.appendMarkdown(
    glance.heldBy !== undefined
      ? `Read from the monitor connection held for ${escapeMd(glance.heldBy)} (same server and role), with each of its refreshes.\n\n`
      : `Checked ${ageText(glance.at)} with a short connection, every ${settings.overviewSeconds} s (pgHealth.overviewRefreshInterval).\n\n`,
  );
  if (glance.pooler) md.appendMarkdown(`$(warning) ${poolerAdvice(glance.pooler, node.name).map(escapeMd).join('  \n')}\n\n`);
  if (glance.heldBy !== undefined) {
    md.appendMarkdown('That connection keeps its slot, so these numbers still come when the server is full. Expand this database to see its sessions.\n');
    return md;
  }
  md.appendMarkdown(
    '$(info) No monitor connection is held for this database, and a short connection cannot get in once the server is full — ' +
      'just when the number matters most. Expand it, open its dashboard or list it in `pgHealth.statusBar.connections` to hold one: ' +
      'a held connection keeps its slot and is refreshed every `pgHealth.refreshInterval`.\n',
  );
  return md;
}

export function serverItem(node: ServerNode, glanceOfDatabase: (d: DatabaseNode) => Glance, settings: TreeSettings): vscode.TreeItem {
  const item = new vscode.TreeItem(node.key, vscode.TreeItemCollapsibleState.Expanded);
  item.id = `server:${node.key}`;
  item.contextValue = 'pgHealth:server';
  const glances = node.databases.map((d) => ({ node: d, glance: glanceOfDatabase(d) }));
  let latest: Extract<Glance, { kind: 'usage' }> | undefined;
  for (const { glance } of glances) if (glance.kind === 'usage' && (!latest || glance.at > latest.at)) latest = glance;
  const errors = glances.filter((g) => g.glance.kind === 'error');
  const held = glances.filter((g) => g.glance.kind === 'usage' && g.glance.held).length;
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMd(node.key)}** — ${node.databases.length} configured databases\n\n`);
  if (latest) {
    const level = usageLevel(latest.used, latest.capacity, settings.warningThreshold, settings.criticalThreshold);
    item.description = `${latest.used}/${latest.capacity}` + (level === 'ok' ? '' : ` · ${level}`) + (errors.length > 0 ? ` · ${errors.length} with errors` : '');
    item.iconPath = new vscode.ThemeIcon('server', new vscode.ThemeColor(LEVEL_COLOR[level]));
    item.accessibilityInformation = {
      label: `server ${node.key}, ${latest.used} of ${latest.capacity} slots in use${level === 'ok' ? '' : `, ${level}`}, ${node.databases.length} databases${errors.length > 0 ? `, ${errors.length} with errors` : ''}`,
    };
    const pct = latest.capacity > 0 ? Math.round((100 * latest.used) / latest.capacity) : 100;
    md.appendMarkdown(`${latest.used} of ${latest.capacity} connection slots in use (${pct}%), ${ageText(latest.at)}. `);
    md.appendMarkdown('Capacity belongs to the server: every database on it shares max_connections, and each row below shows its share.\n\n');
  } else if (errors.length > 0) {
    const first = errors[0]?.glance;
    item.description = first?.kind === 'error' ? first.message : '';
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  } else {
    item.description = 'checking…';
    item.iconPath = new vscode.ThemeIcon('server');
  }
  for (const { node: d, glance } of errors) if (glance.kind === 'error') md.appendMarkdown(`$(error) ${escapeMd(d.name)}: ${escapeMd(glance.message)}  \n`);
  md.appendMarkdown(`\nMonitor connections held on this server: ${held} (one per expanded database or open dashboard); the others are checked with one short connection every ${settings.overviewSeconds} s.\n`);
  item.tooltip = md;
  return item;
}

function databaseTooltip(node: DatabaseNode, s: Snapshot, reconnectError: string | undefined): vscode.MarkdownString {
  const st = s.settings;
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMd(node.name)}** — PostgreSQL ${escapeMd(st.serverVersion)}\n\n`);
  md.appendMarkdown(`${s.used} of ${s.capacity} connection slots in use (${s.capacity > 0 ? Math.round((100 * s.used) / s.capacity) : 100}%)\n\n`);
  md.appendMarkdown(`max_connections = ${st.maxConnections}${st.maxConnectionsPendingRestart ? ' (a new value waits for a restart)' : ''}  \n`);
  md.appendMarkdown(`superuser_reserved_connections = ${st.superuserReservedConnections}  \n`);
  if (st.serverVersionNum >= 160000) md.appendMarkdown(`reserved_connections = ${st.reservedConnections}  \n`);
  const states = Object.entries(s.byState)
    .map(([k, v]) => `${escapeMd(k)}: ${v}`)
    .join(', ');
  if (states) md.appendMarkdown(`\n${states}\n`);
  if (s.hidden > 0) md.appendMarkdown(`\n${s.hidden} sessions hidden from role ${escapeMd(s.role.name)} — grant pg_monitor to see them\n`);
  if (s.pooler) md.appendMarkdown(`\n$(warning) ${poolerAdvice(s.pooler, node.name).map(escapeMd).join('  \n')}\n`);
  if (reconnectError) md.appendMarkdown(`\n$(warning) ${escapeMd(reconnectError)}\n`);
  return md;
}

/** The configured PgBouncer that opened a backend (PoolerStore.ownerOf). */
export interface PoolerOwner {
  pooler: string;
  database: string;
  user: string;
  state: string;
}

export function sessionItem(node: SessionNode, settings: TreeSettings, owner?: PoolerOwner): vscode.TreeItem {
  const s = node.session;
  const item = new vscode.TreeItem(sessionLabel(s), vscode.TreeItemCollapsibleState.None);
  item.id = sessionId(node.database, s);
  item.description = owner ? `${vscode.l10n.t('PgBouncer {0}', owner.pooler)} · ${sessionDescription(s)}` : sessionDescription(s);
  // The state rides along so the menu offers Cancel Query only where a query is running.
  item.contextValue = s.isMonitor ? 'pgHealth:monitorSession' : s.state === 'active' || s.state === 'fastpath function call' ? 'pgHealth:session:active' : 'pgHealth:session:notActive';
  const longIdleTx =
    (s.state === 'idle in transaction' || s.state === 'idle in transaction (aborted)') &&
    (s.stateSeconds ?? 0) >= settings.idleInTransactionWarningSeconds;
  item.iconPath = s.isMonitor
    ? new vscode.ThemeIcon('eye')
    : owner && !longIdleTx
      ? new vscode.ThemeIcon('server-process')
    : longIdleTx
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
      : new vscode.ThemeIcon(s.state === 'active' ? 'pulse' : 'plug');
  item.tooltip = sessionTooltip(s, longIdleTx);
  if (owner) {
    item.tooltip.appendMarkdown(
      '\n\n$(server-process) ' +
        escapeMd(
          vscode.l10n.t(
            "A server connection of PgBouncer {0} (pool {1}/{2}, {3} there): PgBouncer hands it to its clients. Terminating it fails the transaction of the client using it; PgBouncer opens a new server connection.",
            owner.pooler,
            owner.database,
            owner.user,
            owner.state,
          ),
        ),
    );
    item.accessibilityInformation = { label: `${sessionLabel(s)}, ${vscode.l10n.t('server connection of PgBouncer {0}', owner.pooler)}, ${sessionDescription(s)}` };
  }
  return item;
}

/** What a rendered row shows, to tell whether it changed. */
export function itemKey(item: vscode.TreeItem): string {
  const icon = item.iconPath instanceof vscode.ThemeIcon ? `${item.iconPath.id} ${item.iconPath.color?.id ?? ''}` : '';
  const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : (item.tooltip ?? '');
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  return [label, String(item.description ?? ''), icon, tooltip, item.contextValue ?? ''].join('\u0000');
}


function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

function sessionTooltip(s: Session, longIdleTx: boolean): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**pid ${s.pid}**${s.isMonitor ? ' — this extension\'s monitor connection' : ''}\n\n`);
  const row = (k: string, v: string | null | undefined): void => {
    if (v) md.appendMarkdown(`${k}: ${escapeMd(v)}  \n`);
  };
  row('user', s.user);
  row('database', s.database);
  row('application', s.application);
  row('client', s.clientAddress);
  row('state', s.state ? `${s.state} for ${formatDuration(s.stateSeconds)}` : null);
  row('backend start', s.backendStart);
  row('transaction start', s.transactionStart);
  row('wait', s.waitEventType ? `${s.waitEventType} / ${s.waitEvent ?? ''}` : null);
  if (s.blockedBy.length) row('blocked by', s.blockedBy.join(', '));
  if (longIdleTx) md.appendMarkdown(`\n$(warning) Idle in a transaction for ${formatDuration(s.stateSeconds)}: it holds a connection and its locks.\n`);
  if (s.query === '<insufficient privilege>') {
    md.appendMarkdown('\nQuery hidden: `<insufficient privilege>` — the monitor\'s role may not see other users\' queries (grant pg_read_all_stats or pg_monitor).\n');
  } else if (s.query) {
    md.appendCodeblock(s.query.length > 2000 ? s.query.slice(0, 2000) + '…' : s.query, 'sql');
  }
  return md;
}
