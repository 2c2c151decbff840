import * as vscode from 'vscode';
import { ConnectionConfig } from '../postgres/connectionConfig';
import { connectionTarget } from '../postgres/connectionOptions';
import { ageText, Glance, glanceOf, loadOf } from '../postgres/glance';
import { serverKey } from '../postgres/overview';
import { poolerAdvice } from '../postgres/pooler';
import { Session, Snapshot } from '../postgres/snapshot';
import { DatabaseState, SnapshotStore } from '../postgres/store';
import { formatDuration, GroupBy, groupSessions, isIdleState, sessionDescription, sessionLabel, usageLevel } from './sessionGroups';

/** What the tree needs from the monitors: keep a database polled while its node is expanded. */
export interface MonitorLeases {
  lease(name: string, reason: string): { dispose(): void };
}

export class DatabaseNode {
  readonly kind = 'database';
  /** Set when other configured databases share its server: the row sits under that server's row. */
  parent: ServerNode | undefined;
  constructor(
    readonly config: ConnectionConfig,
    /** host:port ('' when the entry is malformed), the database it connects to and the role it connects as. */
    readonly server: string,
    readonly database: string | undefined,
    readonly user: string = '',
  ) {}
  get name(): string {
    return this.config.name;
  }
}

/** A server (host:port) with more than one configured database on it: capacity is the server's, shared by them. */
export class ServerNode {
  readonly kind = 'server';
  constructor(
    readonly key: string,
    readonly databases: DatabaseNode[],
  ) {}
}

export class GroupNode {
  readonly kind = 'group';
  readonly children: SessionNode[];
  constructor(
    readonly database: string,
    readonly by: GroupBy,
    readonly key: string,
    sessions: readonly Session[],
    /** Set under a database row that sits under its server's row: only this database's sessions are shown. */
    readonly datname?: string,
  ) {
    this.children = sessions.map((s) => new SessionNode(database, s, this));
  }

  get sessions(): Session[] {
    return this.children.map((c) => c.session);
  }

  /** A state group other than the idle ones (active, hidden…) has nothing for Terminate Idle Sessions. */
  get offersIdleTermination(): boolean {
    return this.by !== 'state' || isIdleState(this.key);
  }
}

export class SessionNode {
  readonly kind = 'session';
  constructor(
    readonly database: string,
    /** Replaced in place by each snapshot while the tree's shape stays the same (see DatabasesTreeProvider.onStoreChange). */
    public session: Session,
    readonly group: GroupNode,
  ) {}
}

/** The id VS Code knows a session row by: pid and backend_start (pids are reused). */
function sessionId(database: string, s: Session): string {
  return `session:${database}:${s.pid}:${s.backendStart ?? ''}`;
}

/** What was last handed to VS Code as a database's children. */
interface ShownChildren {
  /** The groups, their members and the message rows: when this changes the children are rebuilt. */
  shape: string;
  /** The database row as rendered alongside. */
  databaseItem: string;
  sessions: Map<string, SessionNode>;
}

export class MessageNode {
  readonly kind = 'message';
  constructor(
    readonly id: string,
    readonly text: string,
    readonly icon: string,
    readonly tooltip?: string,
  ) {}
}

export type TreeNode = ServerNode | DatabaseNode | GroupNode | SessionNode | MessageNode;

export type SortBy = 'name' | 'headroom';

interface TreeSettings {
  groupBy: GroupBy;
  sortBy: SortBy;
  overviewSeconds: number;
  warningThreshold: number;
  criticalThreshold: number;
  idleInTransactionWarningSeconds: number;
}

function readTreeSettings(): TreeSettings {
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

/** The least time between two rebuilds of a database's rows (see onStoreChange). */
const REBUILD_INTERVAL_MS = 2_500;

/** How often rows showing an overview number re-render their age. */
const AGE_TICK_MS = 5_000;

const LEVEL_COLOR = { ok: 'charts.green', warning: 'charts.yellow', critical: 'charts.red' } as const;

export class DatabasesTreeProvider implements vscode.TreeDataProvider<TreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<TreeNode | TreeNode[] | undefined>();
  readonly onDidChangeTreeData = this.changed.event;
  private readonly filterChanged = new vscode.EventEmitter<void>();
  /** Fires when the filter changes (the view shows it as its message). */
  readonly onDidChangeFilter = this.filterChanged.event;
  private databases = new Map<string, DatabaseNode>();
  private servers = new Map<string, ServerNode>();
  private problems: string[] = [];
  private filterText = '';
  private settings = readTreeSettings();
  private readonly expanded = new Map<string, { dispose(): void }>();
  private readonly shown = new Map<string, ShownChildren>();
  /** The server rows and the top-level order as last rendered (see onStoreChange). */
  private readonly shownServers = new Map<string, string>();
  private shownOrder = '';
  private holds = 0;
  private readonly heldChanges = new Set<string>();
  private readonly lastRebuild = new Map<string, number>();
  private readonly rebuildTimers = new Map<string, ReturnType<typeof setTimeout>>();
  private readonly ageTicker: ReturnType<typeof setInterval>;
  private readonly disposables: vscode.Disposable[] = [];

  constructor(
    private readonly store: SnapshotStore,
    private readonly leases: MonitorLeases,
  ) {
    const sub = store.onDidChange((name) => this.onStoreChange(name));
    this.disposables.push(
      { dispose: () => sub.dispose() },
      vscode.workspace.onDidChangeConfiguration((e) => {
        if (e.affectsConfiguration('pgHealth')) {
          this.settings = readTreeSettings();
          this.refresh();
        }
      }),
    );
    // Rows whose number comes from the overview say how old it is: re-render them as it ages. They
    // are collapsed (expanding one holds it), so this re-renders no session rows.
    this.ageTicker = setInterval(() => this.tickAges(), AGE_TICK_MS);
  }

  /**
   * A new snapshot or status. Refreshing a node makes VS Code forget its descendants until it has
   * fetched them again, and a context menu command on a row it forgot receives no argument — with a
   * rebuild every second, 1 right-click in 10 did nothing. So the session rows are refreshed in place
   * (their durations) every time, and the database node — its description, or the groups and their
   * members — at most once per REBUILD_INTERVAL_MS (a busy server changes the groups on every poll);
   * the same for its server's row and, sorted by headroom, for the order of the rows.
   */
  private onStoreChange(name: string, force = false): void {
    if (this.holds > 0) {
      this.heldChanges.add(name);
      return;
    }
    const node = this.databases.get(name);
    if (!node) return;
    if (node.parent && this.shownServers.has(node.parent.key) && this.shownServers.get(node.parent.key) !== itemKey(this.serverItem(node.parent))) {
      this.scheduleRebuild(`server:${node.parent.key}`, force);
    }
    if (this.settings.sortBy === 'headroom' && this.shownOrder !== '' && this.shownOrder !== this.orderKey()) this.scheduleRebuild('root', force);
    const shown = this.shown.get(name);
    if (shown) {
      const next = this.buildChildren(name);
      const rows: SessionNode[] = [];
      for (const [id, fresh] of next.sessions) {
        const existing = shown.sessions.get(id);
        if (!existing) continue;
        existing.session = fresh.session;
        rows.push(existing);
      }
      if (rows.length > 0) this.changed.fire(rows);
      if (next.shape === shown.shape && itemKey(this.databaseItem(node)) === shown.databaseItem) return;
    }
    this.scheduleRebuild(`database:${name}`, force);
  }

  private scheduleRebuild(key: string, force: boolean): void {
    const wait = force ? 0 : (this.lastRebuild.get(key) ?? 0) + REBUILD_INTERVAL_MS - Date.now();
    if (wait > 0) {
      if (!this.rebuildTimers.has(key)) this.rebuildTimers.set(key, setTimeout(() => this.rebuild(key), wait));
      return;
    }
    this.rebuild(key);
  }

  /** key: 'database:<name>', 'server:<host:port>' or 'root'. */
  private rebuild(key: string): void {
    const timer = this.rebuildTimers.get(key);
    if (timer !== undefined) clearTimeout(timer);
    this.rebuildTimers.delete(key);
    if (this.holds > 0) {
      this.heldChanges.add(key);
      return;
    }
    this.lastRebuild.set(key, Date.now());
    if (key === 'root') {
      this.refresh();
      return;
    }
    if (key.startsWith('server:')) {
      const server = this.servers.get(key.slice('server:'.length));
      if (server) this.changed.fire(server);
      return;
    }
    const name = key.slice('database:'.length);
    const node = this.databases.get(name);
    if (!node) return;
    this.shown.delete(name);
    this.changed.fire(node);
  }

  private tickAges(): void {
    if (this.holds > 0) return;
    const aging: DatabaseNode[] = [];
    for (const node of this.databases.values()) {
      if (this.expanded.has(node.name)) continue;
      const glance = this.glance(node);
      if ((glance.kind === 'usage' && !glance.held && glance.heldBy === undefined) || (glance.kind === 'error' && glance.retrying)) aging.push(node);
    }
    if (aging.length > 0) this.changed.fire(aging);
  }

  /**
   * Keeps the rows still while a command started from the tree waits for the user. VS Code moves the
   * focus back to a tree it refreshes while the tree has focus; a refresh landing just after a quick
   * pick or input box opened from the context menu took the focus would close it at once.
   */
  holdUpdates(): vscode.Disposable {
    this.holds++;
    let released = false;
    return new vscode.Disposable(() => {
      if (released) return;
      released = true;
      this.holds--;
      if (this.holds > 0) return;
      const names = [...this.heldChanges];
      this.heldChanges.clear();
      // The command has finished (a session terminated, say): show the result at once.
      for (const name of names) {
        if (name === 'root' || name.startsWith('server:') || name.startsWith('database:')) this.rebuild(name);
        else this.onStoreChange(name, true);
      }
    });
  }

  /** Called by the composition root whenever pgHealth.connections changes. */
  setConnections(connections: ConnectionConfig[], problems: string[]): void {
    const next = new Map<string, DatabaseNode>();
    for (const c of connections) {
      if (next.has(c.name)) continue;
      const existing = this.databases.get(c.name);
      let server = '';
      let database: string | undefined;
      let user = '';
      try {
        const target = connectionTarget(c);
        server = serverKey(target);
        database = target.database;
        user = target.user;
      } catch {
        // A malformed entry stands alone; its row shows the error the monitor reports.
      }
      next.set(
        c.name,
        existing && JSON.stringify(existing.config) === JSON.stringify(c) && existing.server === server && existing.user === user
          ? existing
          : new DatabaseNode(c, server, database, user),
      );
    }
    for (const [name, lease] of this.expanded) {
      if (!next.has(name)) {
        lease.dispose();
        this.expanded.delete(name);
      }
    }
    const byServer = new Map<string, DatabaseNode[]>();
    for (const node of next.values()) {
      node.parent = undefined;
      if (node.server === '') continue;
      const list = byServer.get(node.server);
      if (list) list.push(node);
      else byServer.set(node.server, [node]);
    }
    const servers = new Map<string, ServerNode>();
    for (const [key, nodes] of byServer) {
      // A server row when the server holds more than one configured database; several entries for one
      // database (other roles, other TLS settings) are views of the same thing and stay rows of their own.
      if (new Set(nodes.map((n) => n.database)).size < 2) continue;
      const server = new ServerNode(key, nodes);
      for (const n of nodes) n.parent = server;
      servers.set(key, server);
    }
    this.databases = next;
    this.servers = servers;
    this.problems = problems;
    this.refresh();
  }

  databaseNode(name: string): DatabaseNode | undefined {
    return this.databases.get(name);
  }

  /** Shows only databases (and servers) whose name, database or host:port contains `text`; '' shows all. */
  setFilter(text: string): void {
    this.filterText = text.trim();
    this.refresh();
    this.filterChanged.fire();
  }

  get filter(): string {
    return this.filterText;
  }

  /** "3 of 20 databases match “orders”" — for the view's message while a filter is set. */
  filterSummary(): string | undefined {
    if (!this.filterText) return undefined;
    const shown = [...this.databases.values()].filter((n) => this.matches(n)).length;
    return `${shown} of ${this.databases.size} databases match “${this.filterText}”`;
  }

  /** Wire to TreeView.onDidExpandElement / onDidCollapseElement. */
  onExpand(node: TreeNode): void {
    if (node instanceof DatabaseNode && !this.expanded.has(node.name)) {
      this.expanded.set(node.name, this.leases.lease(node.name, 'tree'));
    }
  }

  onCollapse(node: TreeNode): void {
    if (node instanceof DatabaseNode) {
      this.expanded.get(node.name)?.dispose();
      this.expanded.delete(node.name);
      // Its rows are out of sight: no per-row refreshes until VS Code asks for the children again.
      this.shown.delete(node.name);
    }
  }

  refresh(): void {
    this.shown.clear();
    this.shownServers.clear();
    this.shownOrder = '';
    this.changed.fire(undefined);
  }

  getChildren(node?: TreeNode): TreeNode[] {
    if (!node) {
      const problems = this.problems.map((p, i) => new MessageNode(`problem:${i}`, p, 'warning'));
      const top: Array<ServerNode | DatabaseNode> = [...this.servers.values()];
      for (const d of this.databases.values()) if (!d.parent) top.push(d);
      const rows = this.sorted(top.filter((n) => (n instanceof ServerNode ? n.databases.some((d) => this.matches(d)) : this.matches(n))));
      this.shownOrder = this.orderKey();
      return [...problems, ...rows];
    }
    if (node instanceof ServerNode) {
      this.shownServers.set(node.key, itemKey(this.serverItem(node)));
      const filtered = node.databases.filter((d) => this.matches(d) || matchesText(node.key, this.filterText));
      return this.sorted(filtered);
    }
    if (node instanceof DatabaseNode) {
      const children = this.buildChildren(node.name);
      this.shown.set(node.name, { shape: children.shape, databaseItem: itemKey(this.databaseItem(node)), sessions: children.sessions });
      return children.nodes;
    }
    if (node instanceof GroupNode) return node.children;
    return [];
  }

  getParent(node: TreeNode): TreeNode | undefined {
    if (node instanceof SessionNode) return node.group;
    if (node instanceof GroupNode) return this.databases.get(node.database);
    if (node instanceof DatabaseNode) return node.parent;
    return undefined;
  }

  /** What the row of `node` shows (exported for the status bar and tests through glanceOf). */
  glance(node: DatabaseNode): Glance {
    return glanceOf(this.store.get(node.name), node.database);
  }

  private matches(node: DatabaseNode): boolean {
    const f = this.filterText;
    return !f || matchesText(node.name, f) || matchesText(node.database ?? '', f) || matchesText(node.server, f);
  }

  /** By name, or by headroom: the fullest (and the ones that are down) first. */
  private sorted<T extends ServerNode | DatabaseNode>(nodes: T[]): T[] {
    const name = (n: ServerNode | DatabaseNode): string => (n instanceof ServerNode ? n.key : n.name);
    if (this.settings.sortBy === 'name') return nodes.sort((a, b) => name(a).localeCompare(name(b)));
    const load = (n: ServerNode | DatabaseNode): number => (n instanceof ServerNode ? Math.max(...n.databases.map((d) => loadOf(this.glance(d)))) : loadOf(this.glance(n)));
    const loads = new Map(nodes.map((n) => [n, load(n)]));
    return nodes.sort((a, b) => (loads.get(b) ?? 0) - (loads.get(a) ?? 0) || name(a).localeCompare(name(b)));
  }

  /** The top-level and per-server order as it would render now (to tell when a re-sort is due). */
  private orderKey(): string {
    if (this.settings.sortBy === 'name') return 'name';
    const top: Array<ServerNode | DatabaseNode> = [...this.servers.values()];
    for (const d of this.databases.values()) if (!d.parent) top.push(d);
    return this.sorted(top)
      .map((n) => (n instanceof ServerNode ? `${n.key}(${this.sorted([...n.databases]).map((d) => d.name).join(',')})` : n.name))
      .join('\n');
  }

  private buildChildren(name: string): { nodes: TreeNode[]; shape: string; sessions: Map<string, SessionNode> } {
    const nodes = this.databaseChildren(name, this.store.get(name));
    const sessions = new Map<string, SessionNode>();
    const shape: string[] = [];
    for (const n of nodes) {
      if (n instanceof MessageNode) shape.push(`message ${n.id} ${n.icon} ${n.text} ${n.tooltip ?? ''}`);
      if (n instanceof GroupNode) {
        const ids = n.children.map((c) => sessionId(name, c.session));
        n.children.forEach((c, i) => sessions.set(ids[i] ?? '', c));
        // The group's label, count and context value, and its rows in order.
        shape.push(`group ${n.by} ${n.key} ${ids.join(',')}`);
      }
    }
    return { nodes, shape: shape.join('\n'), sessions };
  }

  private databaseChildren(name: string, state: DatabaseState | undefined): TreeNode[] {
    const status = state?.status;
    const nodes: TreeNode[] = [];
    if (status?.kind === 'failed') nodes.push(new MessageNode(`${name}:error`, status.reason, 'error'));
    if (status?.kind === 'reconnecting') {
      nodes.push(new MessageNode(`${name}:error`, `Reconnecting: ${status.lastError}`, 'warning', `attempt ${status.attempt}, next try in ${Math.round(status.nextRetryMs / 1000)} s`));
    }
    const snapshot = state?.snapshot;
    if (!snapshot) {
      if (!status || status.kind === 'idle' || status.kind === 'connecting') nodes.push(new MessageNode(`${name}:connecting`, 'Connecting…', 'loading~spin'));
      return nodes;
    }
    if (snapshot.hidden > 0) {
      nodes.push(
        new MessageNode(
          `${name}:hidden`,
          `${snapshot.hidden} session${snapshot.hidden === 1 ? '' : 's'} hidden — grant pg_monitor to see them`,
          'eye-closed',
          `The role ${snapshot.role.name} may not read other users' sessions. They are counted in the usage; ` +
            `GRANT pg_monitor TO ${snapshot.role.name}; shows their details.`,
        ),
      );
    }
    let visible = snapshot.sessions.filter((s) => s.visible && (s.backendType === 'client backend' || s.backendType === null));
    // Under its server's row a database lists its own sessions; the server's other databases have rows of their own.
    const node = this.databases.get(name);
    const datname = node?.parent ? node.database : undefined;
    if (datname !== undefined) {
      const elsewhere = visible.filter((s) => s.database !== datname).length;
      visible = visible.filter((s) => s.database === datname);
      if (elsewhere > 0) {
        nodes.push(
          new MessageNode(
            `${name}:elsewhere`,
            `${elsewhere} more session${elsewhere === 1 ? '' : 's'} on other databases of ${node?.server ?? 'this server'}`,
            'info',
            'They share this server\'s max_connections: the server\'s row counts them all.',
          ),
        );
      }
    }
    for (const g of groupSessions(visible, this.settings.groupBy)) nodes.push(new GroupNode(name, this.settings.groupBy, g.key, g.sessions, datname));
    return nodes;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node instanceof ServerNode) return this.serverItem(node);
    if (node instanceof DatabaseNode) return this.databaseItem(node);
    if (node instanceof GroupNode) {
      const item = new vscode.TreeItem(node.key, vscode.TreeItemCollapsibleState.Collapsed);
      item.id = `group:${node.database}:${node.by}:${node.key}`;
      item.description = String(node.sessions.length);
      // package.json offers "Terminate Idle Sessions…" on /^pgHealth:(database|group)/ only.
      item.contextValue = node.offersIdleTermination ? 'pgHealth:group' : 'pgHealth:busyGroup';
      item.iconPath = new vscode.ThemeIcon('folder');
      return item;
    }
    if (node instanceof SessionNode) return this.sessionItem(node);
    const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
    item.id = `message:${node.id}`;
    item.iconPath = new vscode.ThemeIcon(node.icon);
    item.contextValue = 'pgHealth:message';
    if (node.tooltip) item.tooltip = node.tooltip;
    return item;
  }

  private databaseItem(node: DatabaseNode): vscode.TreeItem {
    const state = this.store.get(node.name);
    const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `database:${node.name}`;
    item.contextValue = 'pgHealth:database';
    const status = state?.status;
    const glance = this.glance(node);
    if (glance.kind === 'usage') {
      const level = usageLevel(glance.used, glance.capacity, this.settings.warningThreshold, this.settings.criticalThreshold);
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
      item.tooltip = glance.held && state?.snapshot ? this.databaseTooltip(node, state.snapshot, glance.reconnecting) : this.overviewTooltip(node, glance, state);
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
        ? `${node.name}: ${glance.message}\n\nChecked every ${this.settings.overviewSeconds} s; last check ${ageText(glance.at)}. Expand it to connect now and see the details.`
        : `${node.name}: ${glance.message}`;
      item.contextValue = 'pgHealth:database:failed';
      return item;
    }
    item.description = status?.kind === 'connecting' ? 'connecting…' : 'checking…';
    item.iconPath = new vscode.ThemeIcon('database');
    return item;
  }

  /** The tooltip of a row whose number comes from the overview rather than a monitor connection of its own. */
  private overviewTooltip(node: DatabaseNode, glance: Extract<Glance, { kind: 'usage' }>, state: DatabaseState | undefined): vscode.MarkdownString {
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
        : `Checked ${ageText(glance.at)} with a short connection, every ${this.settings.overviewSeconds} s (pgHealth.overviewRefreshInterval).\n\n`,
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

  private serverItem(node: ServerNode): vscode.TreeItem {
    const item = new vscode.TreeItem(node.key, vscode.TreeItemCollapsibleState.Expanded);
    item.id = `server:${node.key}`;
    item.contextValue = 'pgHealth:server';
    const glances = node.databases.map((d) => ({ node: d, glance: this.glance(d) }));
    let latest: Extract<Glance, { kind: 'usage' }> | undefined;
    for (const { glance } of glances) if (glance.kind === 'usage' && (!latest || glance.at > latest.at)) latest = glance;
    const errors = glances.filter((g) => g.glance.kind === 'error');
    const held = glances.filter((g) => g.glance.kind === 'usage' && g.glance.held).length;
    const md = new vscode.MarkdownString(undefined, true);
    md.appendMarkdown(`**${escapeMd(node.key)}** — ${node.databases.length} configured databases\n\n`);
    if (latest) {
      const level = usageLevel(latest.used, latest.capacity, this.settings.warningThreshold, this.settings.criticalThreshold);
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
    md.appendMarkdown(`\nMonitor connections held on this server: ${held} (one per expanded database or open dashboard); the others are checked with one short connection every ${this.settings.overviewSeconds} s.\n`);
    item.tooltip = md;
    return item;
  }

  private databaseTooltip(node: DatabaseNode, s: Snapshot, reconnectError: string | undefined): vscode.MarkdownString {
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

  private sessionItem(node: SessionNode): vscode.TreeItem {
    const s = node.session;
    const item = new vscode.TreeItem(sessionLabel(s), vscode.TreeItemCollapsibleState.None);
    item.id = sessionId(node.database, s);
    item.description = sessionDescription(s);
    // The state rides along so the menu offers Cancel Query only where a query is running.
    item.contextValue = s.isMonitor ? 'pgHealth:monitorSession' : s.state === 'active' || s.state === 'fastpath function call' ? 'pgHealth:session:active' : 'pgHealth:session:notActive';
    const longIdleTx =
      (s.state === 'idle in transaction' || s.state === 'idle in transaction (aborted)') &&
      (s.stateSeconds ?? 0) >= this.settings.idleInTransactionWarningSeconds;
    item.iconPath = s.isMonitor
      ? new vscode.ThemeIcon('eye')
      : longIdleTx
        ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('list.warningForeground'))
        : new vscode.ThemeIcon(s.state === 'active' ? 'pulse' : 'plug');
    item.tooltip = sessionTooltip(s, longIdleTx);
    return item;
  }

  dispose(): void {
    clearInterval(this.ageTicker);
    this.filterChanged.dispose();
    for (const timer of this.rebuildTimers.values()) clearTimeout(timer);
    this.rebuildTimers.clear();
    for (const l of this.expanded.values()) l.dispose();
    this.expanded.clear();
    for (const d of this.disposables) d.dispose();
    this.changed.dispose();
  }
}

/** What a rendered row shows, to tell whether it changed. */
function itemKey(item: vscode.TreeItem): string {
  const icon = item.iconPath instanceof vscode.ThemeIcon ? `${item.iconPath.id} ${item.iconPath.color?.id ?? ''}` : '';
  const tooltip = item.tooltip instanceof vscode.MarkdownString ? item.tooltip.value : (item.tooltip ?? '');
  const label = typeof item.label === 'string' ? item.label : (item.label?.label ?? '');
  return [label, String(item.description ?? ''), icon, tooltip, item.contextValue ?? ''].join('\u0000');
}

function matchesText(text: string, filter: string): boolean {
  return text.toLowerCase().includes(filter.toLowerCase());
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
