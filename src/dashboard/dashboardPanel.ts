// One dashboard webview for one database: pushes payloads built from the store while visible,
// holds a polling lease while visible, and turns the webview's requests into host actions. The
// webview never talks to PostgreSQL.
import * as vscode from 'vscode';
import { DatabaseState } from '../postgres/store';
import { DEFAULT_IDLE_THRESHOLDS } from './advice';
import { buildDashboardPayload, DashboardOptions } from './dashboardModel';
import { createNonce, dashboardHtml } from './dashboardHtml';
import { exportFileName, sessionsToCsv, snapshotToJson } from './exportSnapshot';
import { dashboardTitle, ExportFormat, HistoryRange, HostToWebview, parseWebviewMessage, WebviewToHost } from './protocol';
import { DashboardHost } from './dashboardHost';
import { PrometheusFeed } from './prometheusFeed';
import { prometheusOptions, serverAddress } from './prometheusModel';
import { Reachability } from '../prometheus/reachability';
import type { Selector } from '../prometheus/selector';
import type { FleetView } from './protocol';

/** Store changes arrive every poll (2 s by default) and in bursts after actions: coalesce them. */
const PUSH_INTERVAL_MS = 500;

export function webviewOptions(extensionUri: vscode.Uri): vscode.WebviewOptions {
  return {
    enableScripts: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist', 'webview'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

export class DashboardPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private lease: { dispose(): void } | undefined;
  private pushTimer: ReturnType<typeof setTimeout> | undefined;
  private lastPush = 0;
  private seenInStore = false;
  private disposed = false;
  /** The chart's range; the webview tells it on load (from its saved state) and on every pick. */
  private historyRange: HistoryRange = '1h';
  /** Prometheus's numbers, read in the background; a landed fetch asks for a push. */
  private readonly feed = new PrometheusFeed(() => this.schedulePush());
  private readonly reach = new Reachability(() => this.schedulePush());
  /** The Fleet as last pushed: its buttons name a row by key. */
  private lastFleet: FleetView | undefined;

  constructor(
    readonly name: string,
    readonly panel: vscode.WebviewPanel,
    private readonly host: DashboardHost,
    private readonly onDisposed: (panel: DashboardPanel) => void,
  ) {
    panel.title = dashboardTitle(name);
    panel.iconPath = vscode.Uri.joinPath(host.extensionUri, 'media', 'database.svg');
    panel.webview.options = webviewOptions(host.extensionUri);
    this.render();
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.onDidChangeViewState(() => this.visibilityChanged()),
      panel.webview.onDidReceiveMessage((raw: unknown) => {
        const message = parseWebviewMessage(raw);
        if (message) void this.handle(message);
      }),
      host.store.onDidChange((changed) => {
        if (changed === name) this.schedulePush();
      }),
    );
    if (host.onDidChangeFindings) this.disposables.push(host.onDidChangeFindings(() => this.schedulePush()));
    if (host.onDidChangeCode) this.disposables.push(host.onDidChangeCode(() => this.schedulePush()));
    if (host.onDidChangePoolers) this.disposables.push(host.onDidChangePoolers(() => this.schedulePush()));
    if (host.onDidChangePrometheus) this.disposables.push(host.onDidChangePrometheus(() => this.schedulePush()));
    this.visibilityChanged();
  }

  reveal(column?: vscode.ViewColumn): void {
    this.panel.reveal(column);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    if (this.pushTimer) clearTimeout(this.pushTimer);
    this.feed.dispose();
    this.lease?.dispose();
    this.lease = undefined;
    for (const d of this.disposables) d.dispose();
    this.panel.dispose();
    this.onDisposed(this);
  }

  /** A fresh nonce each time the shell is rendered. */
  private render(): void {
    const webview = this.panel.webview;
    const asset = (...path: string[]): string => webview.asWebviewUri(vscode.Uri.joinPath(this.host.extensionUri, ...path)).toString();
    webview.html = dashboardHtml({
      cspSource: webview.cspSource,
      nonce: createNonce(),
      styleNonce: createNonce(),
      scriptUri: asset('dist', 'webview', 'dashboard.js'),
      styleUri: asset('media', 'dashboard.css'),
      title: dashboardTitle(this.name),
      // The script translates its own words with the bundle VS Code loaded (none in English, or for a
      // language the extension has no translation for: then the page stays lang="en").
      l10nBundle: vscode.l10n.bundle ? JSON.stringify(vscode.l10n.bundle) : undefined,
      language: vscode.l10n.bundle ? vscode.env.language : undefined,
    });
  }

  private visibilityChanged(): void {
    // Polling only runs while someone looks: the lease keeps the monitor busy for a visible panel.
    if (this.panel.visible && !this.lease) {
      this.lease = this.host.lease(this.name);
      this.schedulePush();
    } else if (!this.panel.visible && this.lease) {
      this.lease.dispose();
      this.lease = undefined;
    }
  }

  private schedulePush(): void {
    if (this.disposed || !this.panel.visible || this.pushTimer) return;
    const wait = Math.max(0, this.lastPush + PUSH_INTERVAL_MS - Date.now());
    this.pushTimer = setTimeout(() => {
      this.pushTimer = undefined;
      this.push();
    }, wait);
  }

  private push(): void {
    if (this.disposed) return;
    this.lastPush = Date.now();
    const state = this.host.store.get(this.name);
    let message: HostToWebview;
    if (state) {
      this.seenInStore = true;
      const poolers = this.host.poolerViews?.(this.name) ?? [];
      message = { type: 'state', payload: { ...buildDashboardPayload(state, this.options()), ...(poolers.length > 0 ? { poolers } : {}) } };
    } else if (this.seenInStore) {
      message = { type: 'removed', name: this.name };
    } else {
      // Opened before the monitor registered the database: show it as waiting.
      const waiting: DatabaseState = { name: this.name, status: { kind: 'connecting' }, snapshot: undefined, overview: undefined, history: [], peak: 0 };
      message = { type: 'state', payload: buildDashboardPayload(waiting, this.options()) };
    }
    void this.panel.webview.postMessage(message);
  }

  private options(): DashboardOptions {
    const config = vscode.workspace.getConfiguration('pgHealth');
    return {
      findings: this.host.findingsSummary(),
      ...(this.host.leakOf ? { leakOf: this.host.leakOf } : {}),
      ...(this.host.poolBudget ? { budget: this.host.poolBudget(this.name) } : {}),
      thresholds: {
        idleInTransactionSeconds: config.get<number>('idleInTransactionWarningSeconds', 60),
        // No setting for idle sessions (yet): ten minutes separates a pool's spare connections from forgotten ones.
        idleSeconds: DEFAULT_IDLE_THRESHOLDS.idleSeconds,
      },
      warningRatio: config.get<number>('warningThreshold', 0.8),
      criticalRatio: config.get<number>('criticalThreshold', 0.95),
      historyRange: this.historyRange,
      retentionDays: config.get<number>('history.retentionDays', 7),
      ...this.prometheusOptions(config),
    };
  }

  /** With pgHealth.prometheus.url: what the feed has (it never waits here; a fetch that lands pushes again). */
  private prometheusOptions(config: vscode.WorkspaceConfiguration): Pick<DashboardOptions, 'prometheus'> {
    const client = this.host.prometheus?.();
    if (!client) {
      this.lastFleet = undefined;
      return {};
    }
    const connections = this.host.prometheusConnections?.() ?? [];
    const own = connections.find((c) => c.name === this.name)?.selector ?? vscode.l10n.t('{0} is not a configured PostgreSQL connection.', this.name);
    const view = this.feed.view({ client, selector: own, range: this.historyRange });
    const prometheus = prometheusOptions(view, {
      range: this.historyRange,
      connections: connections.filter((c): c is { name: string; selector: Selector } => typeof c.selector !== 'string'),
      reachable: (address) => this.reach.reachable(address),
      warningRatio: config.get<number>('warningThreshold', 0.8),
      criticalRatio: config.get<number>('criticalThreshold', 0.95),
    });
    this.lastFleet = prometheus.fleet;
    return { prometheus };
  }

  private async fleetInstance(key: string): Promise<void> {
    const row = this.lastFleet?.rows.find((r) => r.key === key);
    if (!row) return;
    if (row.connection !== null) {
      this.host.openDashboard?.(row.connection);
      return;
    }
    const address = serverAddress(row.address);
    if (!address || !row.canAdd) return;
    await this.host.addConnection?.({ name: row.label, host: address.host, port: address.port });
  }

  private async handle(message: WebviewToHost): Promise<void> {
    try {
      switch (message.type) {
        case 'ready':
          this.lastPush = 0;
          this.schedulePush();
          return;
        case 'historyRange':
          this.historyRange = message.range;
          this.lastPush = 0;
          this.schedulePush();
          return;
        case 'terminate':
          await this.terminate(message.pid, message.backendStart);
          return;
        case 'fleetInstance':
          await this.fleetInstance(message.key);
          return;
        case 'openPool':
          await this.host.openPool?.(this.name, message.index);
          return;
        case 'goToCode':
          await this.host.goToCode(this.name, message.pid, message.backendStart);
          return;
        case 'openTerminateIdlePreview':
          await this.host.openTerminateIdlePreview(this.name);
          return;
        case 'copy':
          await vscode.env.clipboard.writeText(message.text);
          vscode.window.setStatusBarMessage(vscode.l10n.t('Copied to the clipboard'), 3000);
          return;
        case 'export':
          await this.export(message.format);
          return;
        case 'runAnalyzeWorkspace':
          await vscode.commands.executeCommand('pgHealth.analyzeWorkspace');
          return;
        case 'openProblems':
          await vscode.commands.executeCommand('workbench.actions.view.problems');
          return;
      }
    } catch (err) {
      void vscode.window.showErrorMessage(err instanceof Error ? err.message : String(err));
    }
  }

  private async terminate(pid: number, backendStart: string | null): Promise<void> {
    // Only what the dashboard shows may be terminated: a pid of the current snapshot, never the monitor.
    const session = this.host.store.get(this.name)?.snapshot?.sessions.find((s) => s.pid === pid);
    if (!session || session.isMonitor) {
      void vscode.window.showWarningMessage(vscode.l10n.t('Session {0} is no longer connected to {1}.', pid, this.name));
      return;
    }
    await this.host.terminate(this.name, pid, backendStart ?? session.backendStart);
    this.schedulePush();
  }

  private async export(format: ExportFormat): Promise<void> {
    const snapshot = this.host.store.get(this.name)?.snapshot;
    if (!snapshot) {
      void vscode.window.showWarningMessage(vscode.l10n.t('No snapshot of {0} yet: nothing to export.', this.name));
      return;
    }
    const folder = vscode.workspace.workspaceFolders?.[0]?.uri;
    const fileName = exportFileName(snapshot, format);
    const target = await vscode.window.showSaveDialog({
      title: format === 'csv' ? vscode.l10n.t('Export the sessions of {0}', this.name) : vscode.l10n.t('Export the snapshot of {0}', this.name),
      defaultUri: folder ? vscode.Uri.joinPath(folder, fileName) : undefined,
      filters: format === 'csv' ? { CSV: ['csv'] } : { JSON: ['json'] },
    });
    if (!target) return;
    const text = format === 'csv' ? sessionsToCsv(snapshot) : snapshotToJson(snapshot);
    await vscode.workspace.fs.writeFile(target, new TextEncoder().encode(text));
    vscode.window.setStatusBarMessage(vscode.l10n.t('Exported {0} to {1}', this.name, vscode.workspace.asRelativePath(target)), 5000);
  }
}
