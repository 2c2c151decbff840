// Composition root: builds the features and wires them together. No logic of its own.
import * as l10n from '@vscode/l10n';
import * as path from 'node:path';
import * as vscode from 'vscode';
import { DiskHistory } from './history/diskHistory';
import { ConnectionCommands } from './connections/connectionCommands';
import { noConnectionsMessage, readConnections, workspaceConnectionsIgnored } from './connections/connectionSettings';
import { PasswordStore } from './connections/passwordStore';
import { DashboardPanels } from './dashboard/dashboardPanels';
import { connectionSelector, PrometheusSettings } from './dashboard/prometheusSettings';
import { DASHBOARD_VIEW_TYPE } from './dashboard/protocol';
import { registerAnalysisFeature } from './editor/analysisFeature';
import { GO_TO_CODE_COMMAND, placeOf } from './editor/goToCode';
import { describeLink, linkPlace } from './editor/sessionCodeLinks';
import { PoolBudgetDiagnostics } from './editor/poolBudgetDiagnostics';
import { buildPoolBudget, poolsFor, sessionsByApplication, type KnownPool, type Replicas } from './dashboard/poolBudget';
import { connectedDatabase, type Session } from './postgres/snapshot';
import { Logger } from './log';
import { MonitorManager } from './postgres/monitors';
import { OverviewPoller } from './postgres/overview';
import { buildPoolerView, PoolerView } from './dashboard/poolerView';
import { PgBouncerMonitors, poolerBackend, PoolerStore } from './postgres/pgbouncerMonitor';
import { SnapshotStore } from './postgres/store';
import { DatabaseNode, DatabasesTreeProvider, GroupNode, SessionNode } from './sidebar/databasesTreeProvider';
import { SessionActions } from './sidebar/sessionActions';
import { requestForGroup, terminateIdleSessions } from './sidebar/terminateIdleSessions';
import { StatusBar } from './statusBar';
import { copyMonitoringRoleSql, enableFixOnSave, openWalkthrough } from './walkthrough';

let monitors: MonitorManager | undefined;
let overview: OverviewPoller | undefined;
let pgbouncers: PgBouncerMonitors | undefined;
let diskHistory: DiskHistory | undefined;

const DAY_MS = 24 * 60 * 60 * 1000;

export function activate(context: vscode.ExtensionContext): void {
  // The modules that run without VS Code (src/dashboard's advice, src/postgres's messages…) translate
  // through @vscode/l10n: hand it the bundle VS Code loaded for the display language, if any.
  if (vscode.l10n.bundle) l10n.config({ contents: vscode.l10n.bundle });
  const log = new Logger();
  const settings = (): vscode.WorkspaceConfiguration => vscode.workspace.getConfiguration('pgHealth');
  const store = new SnapshotStore(settings().get<number>('historyMinutes', 60) * 60_000);
  const passwords = new PasswordStore(context.secrets);
  monitors = new MonitorManager({
    store,
    intervalMs: settings().get<number>('refreshInterval', 2) * 1000,
    passwordsFor: (config) => ({ secretPassword: async () => passwords.get(config.name), warn: (m) => log.warn(m) }),
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
  });
  const manager = monitors;
  // Every other configured database's number at a glance, with short connections (overview.ts).
  overview = new OverviewPoller({
    store,
    intervalMs: settings().get<number>('overviewRefreshInterval', 15) * 1000,
    isHeld: (name) => manager.isHeld(name),
    heldRunner: (name) => {
      const monitor = manager.monitor(name);
      return monitor?.isConnected ? monitor : undefined;
    },
    passwordsFor: (config) => ({ secretPassword: async () => passwords.get(config.name), warn: (m) => log.warn(m) }),
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
  });
  const glances = overview;
  // Entries of kind "pgbouncer": PgBouncer's admin console, one connection each (pgbouncerMonitor.ts).
  const poolerStore = new PoolerStore(settings().get<number>('historyMinutes', 60) * 60_000);
  pgbouncers = new PgBouncerMonitors({
    store: poolerStore,
    intervalMs: settings().get<number>('refreshInterval', 2) * 1000,
    passwordsFor: (config) => ({ secretPassword: async () => passwords.get(config.name), warn: (m) => log.warn(m) }),
    log: { info: (m) => log.info(m), warn: (m) => log.warn(m), error: (m) => log.error(m) },
  });
  const poolers = pgbouncers;
  // The usage history on disk (pgHealth.history.retentionDays; 0: memory only), read back at startup.
  const applyRetention = (): void => {
    const days = Math.max(0, settings().get<number>('history.retentionDays', 7));
    store.setRetention(days * DAY_MS);
    if (days > 0 && !diskHistory && context.globalStorageUri.scheme === 'file') {
      const disk = new DiskHistory({
        directory: path.join(context.globalStorageUri.fsPath, 'history'),
        historyOf: (name) => store.get(name)?.history,
        restore: (name, points) => store.restoreHistory(name, points),
        bounds: () => store.bounds(),
        log,
      });
      diskHistory = disk;
      store.setHistorySink(disk);
      void disk.pruneExpired();
      for (const name of manager.names()) void disk.open(name);
    } else if (days === 0 && diskHistory) {
      store.setHistorySink(undefined);
      void diskHistory.idle();
      diskHistory = undefined;
    }
  };
  applyRetention();
  const actions = new SessionActions(manager, store, log, (session) => poolerStore.ownerOf(session));
  const connectionCommands = new ConnectionCommands(passwords, log);

  const analysis = registerAnalysisFeature(context, log, () => store.all());
  const tree = new DatabasesTreeProvider(store, manager, poolerStore);
  const treeView = vscode.window.createTreeView('pgHealth.databases', { treeDataProvider: tree, showCollapseAll: true });
  const poolDiagnostics = new PoolBudgetDiagnostics(() => analysis.pools(), () => store.all(), poolReplicas, [
    analysis.onDidChangeCode,
    (listener) => store.onDidChange(() => listener(undefined)),
    (listener) => vscode.workspace.onDidChangeConfiguration((e) => e.affectsConfiguration('pgHealth.pools') && listener(undefined)),
  ]);
  context.subscriptions.push(poolDiagnostics);
  tree.setLeakSource((session) => {
    const link = analysis.codeLinks.linkFor(session);
    return link ? { place: linkPlace(link), sentence: describeLink(link) } : undefined;
  }, analysis.codeLinks.onDidChange);
  const statusBar = new StatusBar(manager, store, poolerStore);
  /** The workspace's pools that may connect to `name`'s database: the dashboard's budget rows, in order. */
  const budgetPools = (name: string): (KnownPool & { uri: vscode.Uri })[] => {
    const snapshot = store.get(name)?.snapshot;
    const pools = analysis.pools().map(({ file, pool }) => {
      const uri = vscode.Uri.parse(file);
      return { uri, place: placeOf(uri, pool.range.startLine), pool };
    });
    return poolsFor(pools, snapshot ? connectedDatabase(snapshot) : undefined);
  };
  const prometheus = new PrometheusSettings(context.secrets);
  context.subscriptions.push(prometheus);
  const dashboards = new DashboardPanels({
    prometheus: () => prometheus.current(),
    onDidChangePrometheus: prometheus.onDidChange,
    prometheusConnections: () =>
      readConnections()
        .connections.filter((c) => c.kind !== 'pgbouncer')
        .map((c) => ({ name: c.name, selector: connectionSelector(c) })),
    openDashboard: (name) => void dashboards.createOrShow(name),
    addConnection: (prefill) => connectionCommands.add(undefined, prefill),
    store,
    extensionUri: context.extensionUri,
    lease: (name) => manager.lease(name, 'dashboard'),
    terminate: async (name, pid, backendStart) => {
      const session = actions.findSession(name, pid, backendStart);
      if (!session) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Backend {0} is no longer in the latest snapshot of {1}; nothing was terminated.', pid, name));
        return;
      }
      await actions.terminate(name, session);
    },
    poolBudget: (name) => {
      const snapshot = store.get(name)?.snapshot;
      if (!snapshot) return undefined;
      return buildPoolBudget(budgetPools(name), connectedDatabase(snapshot), snapshot.capacity, poolReplicas(), sessionsByApplication(snapshot.sessions));
    },
    openPool: async (name, index) => {
      // The same list, in the same order, as the rows poolBudget(name) gave the dashboard.
      const chosen = budgetPools(name)[index];
      if (!chosen) return;
      const start = new vscode.Position(chosen.pool.range.startLine, chosen.pool.range.startColumn);
      await vscode.window.showTextDocument(chosen.uri, { selection: new vscode.Range(start, start) });
    },
    onDidChangeCode: analysis.onDidChangeCode,
    leakOf: (session) => {
      const link = analysis.codeLinks.linkFor(session);
      return link ? describeLink(link) : undefined;
    },
    goToCode: async (name, pid, backendStart) => {
      const session = actions.findSession(name, pid, backendStart);
      if (!session) {
        void vscode.window.showInformationMessage(vscode.l10n.t('Backend {0} is no longer in the latest snapshot of {1}.', pid, name));
        return;
      }
      await analysis.goToCode(session, name);
    },
    openTerminateIdlePreview: (name) => vscode.commands.executeCommand('pgHealth.terminateIdleSessions', name),
    findingsSummary: () => analysis.findingsSummary(),
    onDidChangeFindings: analysis.onDidChangeFindings,
    poolerViews: (name) => {
      const snapshot = store.get(name)?.snapshot;
      if (!snapshot) return [];
      const views: PoolerView[] = [];
      for (const pooler of poolerStore.all()) {
        if (!pooler.snapshot) continue;
        const owned = snapshot.sessions.filter((s) => poolerStore.ownerOf(s)?.pooler === pooler.name).length;
        if (owned === 0) continue;
        views.push(
          buildPoolerView({ name: pooler.name, snapshot: pooler.snapshot, health: pooler.health, history: pooler.history, ownedBackends: owned, used: snapshot.used, capacity: snapshot.capacity }),
        );
      }
      return views;
    },
    onDidChangePoolers: (listener) => poolerStore.onDidChange(() => listener()),
  });

  const warnedAboutPasswords = new Set<string>();
  // The line above the tree: Restricted Mode ignoring the workspace's connections, and the filter.
  let restricted = false;
  const updateMessage = (): void => {
    const parts = [
      restricted ? vscode.l10n.t("Restricted Mode: this workspace's connections are ignored until you trust its folder (Manage Workspace Trust).") : undefined,
      tree.filterSummary(),
    ].filter((p): p is string => p !== undefined);
    treeView.message = parts.length > 0 ? parts.join('\n') : undefined;
  };
  const checkRestricted = (): void => {
    void workspaceConnectionsIgnored().then((ignored) => {
      restricted = ignored;
      updateMessage();
    });
  };

  const applyConnections = (): void => {
    const { connections, problems } = readConnections();
    for (const p of problems) log.warn(p);
    // PostgreSQL entries get a monitor and an overview; PgBouncer entries their admin console monitor.
    const databases = connections.filter((c) => c.kind !== 'pgbouncer');
    manager.configure(databases);
    for (const c of databases) void diskHistory?.open(c.name);
    glances.configure(databases);
    poolers.configure(connections);
    tree.setConnections(connections, problems);
    const names = databases.map((c) => c.name);
    statusBar.update(
      names.map((name) => {
        const node = tree.databaseNode(name);
        return { name, database: node?.database, server: node?.server ?? '', user: node?.user ?? '' };
      }),
    );
    dashboards.retain(new Set(connections.map((c) => c.name)));
    checkRestricted();
    store.retain(new Set(names));
    for (const c of connections) {
      if (!warnedAboutPasswords.has(c.name) && c.connectionString) {
        warnedAboutPasswords.add(c.name);
        void connectionCommands.offerToMovePassword(c);
      }
    }
  };

  // Poll only while someone can see the result: the window has focus, or the tree or a dashboard is visible.
  const updatePolling = (): void => {
    if (vscode.window.state.focused || treeView.visible) {
      manager.resume();
      glances.resume();
      poolers.resume();
    } else {
      manager.pause();
      glances.pause();
      poolers.pause();
    }
  };

  const databaseName = (arg: unknown): string | undefined =>
    typeof arg === 'string' ? arg : arg instanceof DatabaseNode ? arg.name : arg instanceof GroupNode || arg instanceof SessionNode ? arg.database : undefined;

  const pickDatabase = async (arg: unknown): Promise<string | undefined> => {
    const given = databaseName(arg);
    if (given) return given;
    const names = manager.names();
    if (names.length <= 1) return names[0];
    return vscode.window.showQuickPick(names, { title: vscode.l10n.t('Which database?') });
  };

  const command = (id: string, run: (...args: unknown[]) => unknown): vscode.Disposable =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        return await run(...args);
      } catch (err) {
        // A command never takes the extension host down: it reports and logs.
        log.error(`${id} failed`, err);
        void vscode.window.showErrorMessage(vscode.l10n.t('PostgreSQL Health: {0}', err instanceof Error ? err.message : String(err)));
        return undefined;
      }
    });

  // VS Code hands a context menu command no argument when the row was re-rendered as the item was
  // chosen: say so rather than do nothing.
  const rowMissed = (): undefined => {
    void vscode.window.showInformationMessage(vscode.l10n.t('The Databases view was updating as you chose the command, so nothing was done. Please try again.'));
    return undefined;
  };
  const sessionOf = (arg: unknown): SessionNode | undefined => (arg instanceof SessionNode ? arg : rowMissed());

  // Commands that ask the user something keep the tree still until they are done (see holdUpdates).
  const asking = (run: (...args: unknown[]) => Promise<unknown>) => async (...args: unknown[]): Promise<unknown> => {
    const hold = tree.holdUpdates();
    try {
      return await run(...args);
    } finally {
      hold.dispose();
    }
  };

  context.subscriptions.push(
    log,
    analysis,
    tree,
    treeView,
    statusBar,
    dashboards,
    { dispose: () => void manager.dispose() },
    { dispose: () => void glances.dispose() },
    { dispose: () => void poolers.dispose() },
    tree.onDidChangeFilter(() => {
      updateMessage();
      void vscode.commands.executeCommand('setContext', 'pgHealth.databasesFiltered', tree.filter !== '');
    }),
    vscode.window.registerWebviewPanelSerializer(DASHBOARD_VIEW_TYPE, dashboards),
    treeView.onDidExpandElement((e) => tree.onExpand(e.element)),
    treeView.onDidCollapseElement((e) => tree.onCollapse(e.element)),
    treeView.onDidChangeVisibility(updatePolling),
    vscode.window.onDidChangeWindowState(updatePolling),
    vscode.workspace.onDidGrantWorkspaceTrust(applyConnections),
    vscode.workspace.onDidChangeConfiguration((e) => {
      if (e.affectsConfiguration('pgHealth.connections') || e.affectsConfiguration('pgHealth.statusBar.connections')) applyConnections();
      if (e.affectsConfiguration('pgHealth.refreshInterval')) {
        manager.intervalMs = settings().get<number>('refreshInterval', 2) * 1000;
        poolers.intervalMs = settings().get<number>('refreshInterval', 2) * 1000;
      }
      if (e.affectsConfiguration('pgHealth.overviewRefreshInterval')) glances.intervalMs = settings().get<number>('overviewRefreshInterval', 15) * 1000;
      if (e.affectsConfiguration('pgHealth.history.retentionDays')) applyRetention();
      if (e.affectsConfiguration('pgHealth.historyMinutes')) {
        store.setHistoryLimit(settings().get<number>('historyMinutes', 60) * 60_000);
        poolerStore.setHistoryLimit(settings().get<number>('historyMinutes', 60) * 60_000);
      }
    }),
    command('pgHealth.addConnection', asking(() => connectionCommands.add())),
    command(
      'pgHealth.editConnection',
      asking(async (arg) => {
        const name = databaseName(arg) ?? rowMissed();
        const config = name ? tree.databaseNode(name)?.config : undefined;
        if (config) await connectionCommands.add(config);
      }),
    ),
    command(
      'pgHealth.removeConnection',
      asking(async (arg) => {
        const name = databaseName(arg) ?? rowMissed();
        if (name) await connectionCommands.remove(name);
      }),
    ),
    command('pgHealth.refresh', async () => {
      for (const name of manager.names()) manager.retry(name);
      for (const name of poolers.names()) poolers.retry(name);
      tree.refresh();
      await Promise.all([manager.refresh(), glances.refreshNow(), poolers.refresh()]);
    }),
    command('pgHealth.sortByHeadroom', () => settings().update('databases.sortBy', 'headroom', vscode.ConfigurationTarget.Global)),
    command('pgHealth.sortByName', () => settings().update('databases.sortBy', 'name', vscode.ConfigurationTarget.Global)),
    command(
      'pgHealth.filterDatabases',
      asking(async () => {
        const text = await vscode.window.showInputBox({
          title: vscode.l10n.t('Filter Databases'),
          prompt: vscode.l10n.t('Show only databases whose name, database or host:port contains this text (empty: show all)'),
          value: tree.filter,
        });
        if (text !== undefined) tree.setFilter(text);
      }),
    ),
    command('pgHealth.clearDatabasesFilter', () => tree.setFilter('')),
    command('pgHealth.openDashboard', async (arg) => {
      // A PgBouncer entry: the dashboard of the PostgreSQL server behind it, which shows the pooler.
      if (arg instanceof DatabaseNode && arg.isPooler) {
        const backend = poolerBackend(poolerStore, arg.name, store.all());
        if (backend) dashboards.createOrShow(backend.database);
        else {
          void vscode.window.showInformationMessage(
            vscode.l10n.t('The dashboard shows PgBouncer {0} on the dashboard of the PostgreSQL server behind it: add that server to pgHealth.connections (its server connections are matched to its sessions). The Databases view shows the pools meanwhile.', arg.name),
          );
        }
        return;
      }
      const name = await pickDatabase(arg);
      if (!name) {
        void vscode.window.showInformationMessage(noConnectionsMessage());
        return;
      }
      dashboards.createOrShow(name);
    }),
    command(
      'pgHealth.terminateBackend',
      asking(async (arg) => {
        const node = sessionOf(arg);
        if (node) await actions.terminate(node.database, node.session);
      }),
    ),
    command(
      'pgHealth.cancelQuery',
      asking(async (arg) => {
        const node = sessionOf(arg);
        if (node) await actions.cancel(node.database, node.session);
      }),
    ),
    command('pgHealth.copyQuery', async (arg) => {
      const node = sessionOf(arg);
      if (node) await actions.copyQuery(node.session);
    }),
    command(GO_TO_CODE_COMMAND, async (arg) => {
      // From a tree row, or from the dashboard with the session as its latest snapshot knows it.
      const target = arg instanceof SessionNode ? { database: arg.database, session: arg.session } : isSessionTarget(arg) ? arg : sessionOf(arg);
      if (target) await analysis.goToCode(target.session, target.database);
    }),
    command('pgHealth.openQuery', async (arg) => {
      const node = sessionOf(arg);
      if (node) await actions.openQuery(node.session);
    }),
    command(
      'pgHealth.terminateIdleSessions',
      asking(async (arg) => {
        const name = databaseName(arg);
        const request = arg instanceof GroupNode ? requestForGroup(arg) : name ? { database: name } : {};
        return terminateIdleSessions(request, manager, store, log, (session) => poolerStore.ownerOf(session));
      }),
    ),
    // The same command on a database or group row. A row re-rendered as it was chosen arrives as no
    // argument; from the palette that means "ask which database", but here it would widen a group's
    // choice to the whole database, so it says so instead.
    command(
      'pgHealth.terminateIdleSessionsInTree',
      asking(async (arg) => {
        if (!(arg instanceof GroupNode) && !(arg instanceof DatabaseNode)) return rowMissed();
        const request = arg instanceof GroupNode ? requestForGroup(arg) : { database: arg.name, ...(arg.parent && arg.database ? { datname: arg.database } : {}) };
        return terminateIdleSessions(request, manager, store, log, (session) => poolerStore.ownerOf(session));
      }),
    ),
    command('pgHealth.showLogs', () => log.show()),
    command('pgHealth.openWalkthrough', () => openWalkthrough()),
    // Ctrl+Enter in the Databases view: the dashboard of the row that has the focus.
    command('pgHealth.openDashboardForSelection', () => {
      const name = databaseName(treeView.selection[0]);
      if (name) dashboards.createOrShow(name);
      else void vscode.window.showInformationMessage(vscode.l10n.t('Select a database (or one of its rows) in the Databases view first.'));
    }),
    command('pgHealth.copyMonitoringRoleSql', () => copyMonitoringRoleSql()),
    command('pgHealth.setPrometheusToken', () => prometheus.setToken()),
    command('pgHealth.clearPrometheusToken', () => prometheus.clearToken()),
    command('pgHealth.enableFixOnSave', () => enableFixOnSave()),
  );

  applyConnections();
  updatePolling();
}

export async function deactivate(): Promise<void> {
  await Promise.all([monitors?.dispose(), overview?.dispose(), pgbouncers?.dispose()]);
  // The last samples' lines are queued: let them reach the disk.
  await diskHistory?.idle();
  diskHistory = undefined;
  monitors = undefined;
  overview = undefined;
  pgbouncers = undefined;
}

function isSessionTarget(arg: unknown): arg is { database: string; session: Session } {
  if (typeof arg !== 'object' || arg === null) return false;
  const t = arg as { database?: unknown; session?: { pid?: unknown } };
  return typeof t.database === 'string' && typeof t.session?.pid === 'number';
}

/** pgHealth.pools.replicas: processes per application_name ("*" for the rest). */
function poolReplicas(): Replicas {
  const value = vscode.workspace.getConfiguration('pgHealth.pools').get<unknown>('replicas', {});
  if (typeof value !== 'object' || value === null) return {};
  return Object.fromEntries(Object.entries(value as Record<string, unknown>).filter((e): e is [string, number] => typeof e[1] === 'number'));
}
