// How each row of the Databases view looks: label, description, icon, tooltip and context value,
// from the node and what the store holds. Pure rendering; databasesTreeProvider.ts decides what is
// shown and when.
import * as vscode from 'vscode';
import { ageText, Glance } from '../postgres/glance';
import { poolerAdvice } from '../postgres/pooler';
import { Session, Snapshot } from '../postgres/snapshot';
import { DatabaseState } from '../postgres/store';
import { formatDuration, GroupBy, Level, levelText, sessionDescription, sessionFieldLabel, sessionLabel, stateFor, usageLevel } from './sessionGroups';
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
    const number = node.parent && sessions !== undefined ? sessionCount(sessions) : `${glance.used}/${glance.capacity}`;
    // The level in words too, not only as the icon's colour.
    item.description =
      [number, levelText(level), glance.pooler ? vscode.l10n.t('via pooler') : '', glance.held || glance.heldBy !== undefined ? '' : ageText(glance.at)].filter((p) => p !== '').join(' · ') +
      (glance.reconnecting !== undefined ? ` ${vscode.l10n.t('(reconnecting…)')}` : '');
    item.iconPath = new vscode.ThemeIcon('database', new vscode.ThemeColor(LEVEL_COLOR[level]));
    const slots = slotsInUse(glance.used, glance.capacity, level);
    item.accessibilityInformation = {
      label:
        node.parent && sessions !== undefined
          ? vscode.l10n.t({ message: '{0}, {1}; server {2}: {3}', args: [node.name, sessionCount(sessions), node.server, slots], comment: ['{0} is a database, {1} its sessions ("3 sessions"), {2} its server (host:port), {3} the server\'s slots in use'] })
          : `${node.name}, ${slots}`,
    };
    item.tooltip = glance.held && state?.snapshot ? databaseTooltip(node, state.snapshot, glance.reconnecting) : overviewTooltip(node, glance, state, settings);
    return item;
  }
  if (glance.kind === 'error') {
    if (status?.kind === 'reconnecting') {
      item.description = status.lastError;
      item.iconPath = new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'));
      item.tooltip = vscode.l10n.t('{0}: {1} — retrying in {2} s (attempt {3})', node.name, status.lastError, Math.round(status.nextRetryMs / 1000), status.attempt);
      return item;
    }
    item.description = glance.retrying ? `${glance.message} · ${ageText(glance.at)}` : glance.message;
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    item.tooltip = glance.retrying
      ? `${node.name}: ${glance.message}\n\n${vscode.l10n.t('Checked every {0} s; last check {1}. Expand it to connect now and see the details.', settings.overviewSeconds, ageText(glance.at))}`
      : `${node.name}: ${glance.message}`;
    item.contextValue = 'pgHealth:database:failed';
    return item;
  }
  item.description = status?.kind === 'connecting' ? vscode.l10n.t('connecting…') : vscode.l10n.t('checking…');
  item.iconPath = new vscode.ThemeIcon('database');
  return item;
}

/** The tooltip of a row whose number comes from the overview rather than a monitor connection of its own. */
function overviewTooltip(node: DatabaseNode, glance: Extract<Glance, { kind: 'usage' }>, state: DatabaseState | undefined, settings: TreeSettings): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`${vscode.l10n.t('**{0}** — database {1} on {2}', escapeMd(node.name), escapeMd(node.database ?? ''), escapeMd(node.server))}\n\n`);
  const pct = glance.capacity > 0 ? Math.round((100 * glance.used) / glance.capacity) : 100;
  md.appendMarkdown(`${vscode.l10n.t('Server: {0} of {1} connection slots in use ({2}%), shared by every database on it', glance.used, glance.capacity, pct)}  \n`);
  const overview = state?.overview;
  if (glance.databaseSessions !== undefined) {
    const states = overview?.kind === 'usage' ? Object.entries(overview.byState).map(([k, v]) => `${escapeMd(k)}: ${v}`) : [];
    const sessions = sessionCount(glance.databaseSessions);
    md.appendMarkdown(
      `${states.length ? vscode.l10n.t('This database: {0} ({1})', sessions, states.join(', ')) : vscode.l10n.t('This database: {0}', sessions)}\n\n`,
    );
  }
  md.appendMarkdown(
    `${
      glance.heldBy !== undefined
        ? vscode.l10n.t('Read from the monitor connection held for {0} (same server and role), with each of its refreshes.', escapeMd(glance.heldBy))
        : vscode.l10n.t('Checked {0} with a short connection, every {1} s (pgHealth.overviewRefreshInterval).', ageText(glance.at), settings.overviewSeconds)
    }\n\n`,
  );
  if (glance.pooler) md.appendMarkdown(`$(warning) ${poolerAdvice(glance.pooler, node.name).map(escapeMd).join('  \n')}\n\n`);
  if (glance.heldBy !== undefined) {
    md.appendMarkdown(`${vscode.l10n.t('That connection keeps its slot, so these numbers still come when the server is full. Expand this database to see its sessions.')}\n`);
    return md;
  }
  md.appendMarkdown(
    `$(info) ${vscode.l10n.t(
      'No monitor connection is held for this database, and a short connection cannot get in once the server is full — just when the number matters most. Expand it, open its dashboard or list it in `pgHealth.statusBar.connections` to hold one: a held connection keeps its slot and is refreshed every `pgHealth.refreshInterval`.',
    )}\n`,
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
  md.appendMarkdown(`${vscode.l10n.t('**{0}** — {1} configured databases', escapeMd(node.key), node.databases.length)}\n\n`);
  if (latest) {
    const level = usageLevel(latest.used, latest.capacity, settings.warningThreshold, settings.criticalThreshold);
    const withErrors = errors.length > 0 ? vscode.l10n.t('{0} with errors', errors.length) : '';
    item.description = [`${latest.used}/${latest.capacity}`, levelText(level), withErrors].filter((p) => p !== '').join(' · ');
    item.iconPath = new vscode.ThemeIcon('server', new vscode.ThemeColor(LEVEL_COLOR[level]));
    const slots = slotsInUse(latest.used, latest.capacity, level);
    item.accessibilityInformation = {
      label:
        errors.length > 0
          ? vscode.l10n.t('server {0}, {1}, {2} databases, {3} with errors', node.key, slots, node.databases.length, errors.length)
          : vscode.l10n.t('server {0}, {1}, {2} databases', node.key, slots, node.databases.length),
    };
    const pct = latest.capacity > 0 ? Math.round((100 * latest.used) / latest.capacity) : 100;
    md.appendMarkdown(`${vscode.l10n.t('{0} of {1} connection slots in use ({2}%), {3}.', latest.used, latest.capacity, pct, ageText(latest.at))} `);
    md.appendMarkdown(`${vscode.l10n.t('Capacity belongs to the server: every database on it shares max_connections, and each row below shows its share.')}\n\n`);
  } else if (errors.length > 0) {
    const first = errors[0]?.glance;
    item.description = first?.kind === 'error' ? first.message : '';
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
  } else {
    item.description = vscode.l10n.t('checking…');
    item.iconPath = new vscode.ThemeIcon('server');
  }
  for (const { node: d, glance } of errors) if (glance.kind === 'error') md.appendMarkdown(`$(error) ${escapeMd(d.name)}: ${escapeMd(glance.message)}  \n`);
  md.appendMarkdown(
    `\n${vscode.l10n.t('Monitor connections held on this server: {0} (one per expanded database or open dashboard); the others are checked with one short connection every {1} s.', held, settings.overviewSeconds)}\n`,
  );
  item.tooltip = md;
  return item;
}

function databaseTooltip(node: DatabaseNode, s: Snapshot, reconnectError: string | undefined): vscode.MarkdownString {
  const st = s.settings;
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${escapeMd(node.name)}** — PostgreSQL ${escapeMd(st.serverVersion)}\n\n`);
  md.appendMarkdown(`${vscode.l10n.t('{0} of {1} connection slots in use ({2}%)', s.used, s.capacity, s.capacity > 0 ? Math.round((100 * s.used) / s.capacity) : 100)}\n\n`);
  md.appendMarkdown(`max_connections = ${st.maxConnections}${st.maxConnectionsPendingRestart ? ` ${vscode.l10n.t('(a new value waits for a restart)')}` : ''}  \n`);
  md.appendMarkdown(`superuser_reserved_connections = ${st.superuserReservedConnections}  \n`);
  if (st.serverVersionNum >= 160000) md.appendMarkdown(`reserved_connections = ${st.reservedConnections}  \n`);
  const states = Object.entries(s.byState)
    .map(([k, v]) => `${escapeMd(k)}: ${v}`)
    .join(', ');
  if (states) md.appendMarkdown(`\n${states}\n`);
  if (s.hidden > 0) md.appendMarkdown(`\n${vscode.l10n.t('{0} sessions hidden from role {1} — grant pg_monitor to see them', s.hidden, escapeMd(s.role.name))}\n`);
  if (s.pooler) md.appendMarkdown(`\n$(warning) ${poolerAdvice(s.pooler, node.name).map(escapeMd).join('  \n')}\n`);
  if (reconnectError) md.appendMarkdown(`\n$(warning) ${escapeMd(reconnectError)}\n`);
  return md;
}

/** A session whose last query comes from a function with a leak finding (editor/sessionCodeLinks.ts). */
export interface SessionLeak {
  /** `jobs/invoice-job.js:9` */
  place: string;
  /** "last query from jobs/invoice-job.js:9, where the client is not released on every path" */
  sentence: string;
}

/** The configured PgBouncer that opened a backend (PoolerStore.ownerOf). */
export interface PoolerOwner {
  pooler: string;
  database: string;
  user: string;
  state: string;
}

export function sessionItem(node: SessionNode, settings: TreeSettings, leak?: SessionLeak, owner?: PoolerOwner): vscode.TreeItem {
  const s = node.session;
  const item = new vscode.TreeItem(sessionLabel(s), vscode.TreeItemCollapsibleState.None);
  item.id = sessionId(node.database, s);
  const described = owner ? `${vscode.l10n.t('PgBouncer {0}', owner.pooler)} · ${sessionDescription(s)}` : sessionDescription(s);
  item.description = leak ? `${described} · ${vscode.l10n.t('leak? {0}', leak.place)}` : described;
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
      : leak
        ? new vscode.ThemeIcon('debug-disconnect', new vscode.ThemeColor('list.warningForeground'))
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
  if (leak) {
    item.tooltip.appendMarkdown(`\n$(debug-disconnect) ${escapeMd(`${s.state ?? ''} ${formatDuration(s.stateSeconds)} — ${leak.sentence}`)}\n`);
    item.accessibilityInformation = { label: `${sessionLabel(s)}, ${s.state ?? ''} ${formatDuration(s.stateSeconds)}, ${leak.sentence}` };
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


/** "1 session", "3 sessions". */
function sessionCount(n: number): string {
  return n === 1 ? vscode.l10n.t('1 session') : vscode.l10n.t('{0} sessions', n);
}

/** "7 of 10 slots in use", with the level when it is not ok ("…, warning"). */
function slotsInUse(used: number, capacity: number, level: Level): string {
  return level === 'ok'
    ? vscode.l10n.t('{0} of {1} slots in use', used, capacity)
    : vscode.l10n.t({ message: '{0} of {1} slots in use, {2}', args: [used, capacity, levelText(level)], comment: ['{2} is the level of use: "warning" or "critical"'] });
}

function escapeMd(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}

function sessionTooltip(s: Session, longIdleTx: boolean): vscode.MarkdownString {
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`${s.isMonitor ? vscode.l10n.t("**pid {0}** — this extension's monitor connection", s.pid) : `**pid ${s.pid}**`}\n\n`);
  const row = (k: string, v: string | null | undefined): void => {
    if (v) md.appendMarkdown(`${k}: ${escapeMd(v)}  \n`);
  };
  row(sessionFieldLabel('user'), s.user);
  row(sessionFieldLabel('database'), s.database);
  row(sessionFieldLabel('application'), s.application);
  row(sessionFieldLabel('client'), s.clientAddress);
  row(sessionFieldLabel('state'), s.state ? stateFor(s.state, s.stateSeconds) : null);
  row(sessionFieldLabel('backendStart'), s.backendStart);
  row(sessionFieldLabel('transactionStart'), s.transactionStart);
  row(sessionFieldLabel('wait'), s.waitEventType ? `${s.waitEventType} / ${s.waitEvent ?? ''}` : null);
  if (s.blockedBy.length) row(sessionFieldLabel('blockedBy'), s.blockedBy.join(', '));
  if (longIdleTx) md.appendMarkdown(`\n$(warning) ${vscode.l10n.t('Idle in a transaction for {0}: it holds a connection and its locks.', formatDuration(s.stateSeconds))}\n`);
  if (s.query === '<insufficient privilege>') {
    md.appendMarkdown(
      `\n${vscode.l10n.t("Query hidden: `<insufficient privilege>` — the monitor's role may not see other users' queries (grant pg_read_all_stats or pg_monitor).")}\n`,
    );
  } else if (s.query) {
    md.appendCodeblock(s.query.length > 2000 ? s.query.slice(0, 2000) + '…' : s.query, 'sql');
  }
  return md;
}
