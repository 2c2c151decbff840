// The Databases view: which rows exist (servers, databases, groups, sessions), in what order and
// filter, and when VS Code is told to redraw them. How a row looks is in treeItems.ts.
import * as vscode from 'vscode';
import { ConnectionConfig } from '../postgres/connectionConfig';
import { connectionTarget } from '../postgres/connectionOptions';
import { Glance, glanceOf, loadOf } from '../postgres/glance';
import { serverKey } from '../postgres/overview';
import { PoolerStore } from '../postgres/pgbouncerMonitor';
import { DatabaseState, SnapshotStore } from '../postgres/store';
import { poolerConnectionItem, poolerItem, poolerRows, poolItem } from './poolerItems';
import { groupSessions } from './sessionGroups';
import { databaseItem, groupItem, itemKey, messageItem, readTreeSettings, serverItem, sessionItem, type SessionLeak } from './treeItems';
import type { Session } from '../postgres/snapshot';
import { DatabaseNode, GroupNode, MessageNode, PoolerConnectionNode, PoolNode, ServerNode, SessionNode, sessionId, TreeNode } from './treeNodes';

export { DatabaseNode, GroupNode, MessageNode, PoolerConnectionNode, PoolNode, ServerNode, SessionNode } from './treeNodes';
export type { TreeNode } from './treeNodes';

/** What the tree needs from the monitors: keep a database polled while its node is expanded. */
export interface MonitorLeases {
  lease(name: string, reason: string): { dispose(): void };
}

/** What was last handed to VS Code as a database's children. */
interface ShownChildren {
  /** The groups, their members and the message rows: when this changes the children are rebuilt. */
  shape: string;
  /** The database row as rendered alongside. */
  databaseItem: string;
  sessions: Map<string, SessionNode>;
}

/** The least time between two rebuilds of a database's rows (see onStoreChange). */
const REBUILD_INTERVAL_MS = 2_500;

/** How often rows showing an overview number re-render their age. */
const AGE_TICK_MS = 5_000;


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

  /** The leak behind a session's last query, when one is known (set by extension.ts from the analyser). */
  private leakOf: ((s: Session) => SessionLeak | undefined) | undefined;

  constructor(
    private readonly store: SnapshotStore,
    private readonly leases: MonitorLeases,
    /** PgBouncer entries' pools (kind "pgbouncer"), and which backends belong to a pooler. */
    private readonly poolers?: PoolerStore,
  ) {
    const sub = store.onDidChange((name) => this.onStoreChange(name));
    const poolerSub = poolers?.onDidChange((name) => this.onPoolerChange(name));
    this.disposables.push(
      { dispose: () => sub.dispose() },
      { dispose: () => poolerSub?.dispose() },
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
    if (node.parent && this.shownServers.has(node.parent.key) && this.shownServers.get(node.parent.key) !== this.serverRowKey(node.parent)) {
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

  /** A pooler's new snapshot or status: its row and pools are rebuilt, at most once per REBUILD_INTERVAL_MS. */
  private onPoolerChange(name: string): void {
    if (this.holds > 0) {
      this.heldChanges.add(`database:${name}`);
      return;
    }
    if (this.databases.get(name)?.isPooler) this.scheduleRebuild(`database:${name}`, false);
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

  /** What a server row would show now, as itemKey compares it. */
  private serverRowKey(server: ServerNode): string {
    return itemKey(serverItem(server, (d) => this.glance(d), this.settings));
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
    // A server row sums its databases' rows; one whose text no longer matches what it would show now
    // (a change that reached its databases while the row was being drawn) is drawn again.
    // Only its description and icon count here: the tooltip's age changes on every tick, and drawing a
    // server row again makes VS Code forget the database rows under it.
    const visible = (key: string): string => key.split('\u0000').slice(1, 3).join('\u0000');
    for (const [key, shownKey] of this.shownServers) {
      const server = this.servers.get(key);
      if (server && visible(this.serverRowKey(server)) !== visible(shownKey)) this.scheduleRebuild(`server:${key}`, false);
    }
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
      // A PgBouncer's console is not a database of the server it shares a host:port with.
      if (node.server === '' || node.isPooler) continue;
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
    return vscode.l10n.t('{0} of {1} databases match “{2}”', shown, this.databases.size, this.filterText);
  }

  /** Wire to TreeView.onDidExpandElement / onDidCollapseElement. */
  onExpand(node: TreeNode): void {
    if (node instanceof DatabaseNode && !node.isPooler && !this.expanded.has(node.name)) {
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

  /** Marks sessions whose last query comes from a leaking function; their rows are drawn again when the links change. */
  setLeakSource(leakOf: (s: Session) => SessionLeak | undefined, onDidChange: vscode.Event<void>): void {
    this.leakOf = leakOf;
    this.disposables.push(
      onDidChange(() => {
        for (const name of this.shown.keys()) this.onStoreChange(name);
      }),
    );
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
      this.shownServers.set(node.key, this.serverRowKey(node));
      const filtered = node.databases.filter((d) => this.matches(d) || matchesText(node.key, this.filterText));
      return this.sorted(filtered);
    }
    if (node instanceof DatabaseNode && node.isPooler) return poolerRows(node.name, this.poolers?.get(node.name));
    if (node instanceof PoolNode) return node.children;
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
    if (node instanceof PoolNode) return this.databases.get(node.pooler);
    if (node instanceof PoolerConnectionNode) return node.pool;
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
      nodes.push(
        new MessageNode(
          `${name}:error`,
          vscode.l10n.t('Reconnecting: {0}', status.lastError),
          'warning',
          vscode.l10n.t('attempt {0}, next try in {1} s', status.attempt, Math.round(status.nextRetryMs / 1000)),
        ),
      );
    }
    const snapshot = state?.snapshot;
    if (!snapshot) {
      if (!status || status.kind === 'idle' || status.kind === 'connecting') nodes.push(new MessageNode(`${name}:connecting`, vscode.l10n.t('Connecting…'), 'loading~spin'));
      return nodes;
    }
    if (snapshot.hidden > 0) {
      nodes.push(
        new MessageNode(
          `${name}:hidden`,
          snapshot.hidden === 1 ? vscode.l10n.t('1 session hidden — grant pg_monitor to see them') : vscode.l10n.t('{0} sessions hidden — grant pg_monitor to see them', snapshot.hidden),
          'eye-closed',
          vscode.l10n.t("The role {0} may not read other users' sessions. They are counted in the usage; GRANT pg_monitor TO {0}; shows their details.", snapshot.role.name),
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
            node?.server !== undefined
              ? elsewhere === 1
                ? vscode.l10n.t('1 more session on other databases of {0}', node.server)
                : vscode.l10n.t('{0} more sessions on other databases of {1}', elsewhere, node.server)
              : elsewhere === 1
                ? vscode.l10n.t('1 more session on other databases of this server')
                : vscode.l10n.t('{0} more sessions on other databases of this server', elsewhere),
            'info',
            vscode.l10n.t("They share this server's max_connections: the server's row counts them all."),
          ),
        );
      }
    }
    for (const g of groupSessions(visible, this.settings.groupBy)) nodes.push(new GroupNode(name, this.settings.groupBy, g.key, g.sessions, datname));
    return nodes;
  }

  getTreeItem(node: TreeNode): vscode.TreeItem {
    if (node instanceof ServerNode) return serverItem(node, (d) => this.glance(d), this.settings);
    if (node instanceof DatabaseNode) return node.isPooler ? poolerItem(node, this.poolers?.get(node.name)) : this.databaseItem(node);
    if (node instanceof GroupNode) return groupItem(node);
    if (node instanceof PoolNode) return poolItem(node);
    if (node instanceof PoolerConnectionNode) return poolerConnectionItem(node);
    if (node instanceof SessionNode) return sessionItem(node, this.settings, this.leakOf?.(node.session), this.poolers?.ownerOf(node.session));
    return messageItem(node);
  }

  private databaseItem(node: DatabaseNode): vscode.TreeItem {
    return databaseItem(node, this.store.get(node.name), this.glance(node), this.settings);
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

function matchesText(text: string, filter: string): boolean {
  return text.toLowerCase().includes(filter.toLowerCase());
}
