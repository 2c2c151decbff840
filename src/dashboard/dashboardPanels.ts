// Keeps one dashboard per database and brings dashboards back after a window reload. The saved
// webview state holds only the connection name: no connection string, no password.
import * as vscode from 'vscode';
import { DashboardHost } from './dashboardHost';
import { DashboardPanel, webviewOptions } from './dashboardPanel';
import { DASHBOARD_VIEW_TYPE, dashboardTitle, DashboardWebviewState, restoredConnection } from './protocol';

export class DashboardPanels implements vscode.WebviewPanelSerializer<DashboardWebviewState>, vscode.Disposable {
  private readonly panels = new Map<string, DashboardPanel>();

  constructor(private readonly host: DashboardHost) {}

  /** Shows the dashboard of `name`, creating it when it is not open yet. */
  createOrShow(name: string, column: vscode.ViewColumn = vscode.ViewColumn.Active): DashboardPanel {
    const existing = this.panels.get(name);
    if (existing) {
      existing.reveal(column);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(DASHBOARD_VIEW_TYPE, dashboardTitle(name), column, webviewOptions(this.host.extensionUri));
    return this.adopt(name, panel);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const name = restoredConnection(state, panel.title);
    if (name === undefined || this.panels.has(name)) {
      // Nothing to restore, or the same database already has a panel: one panel per database.
      panel.dispose();
      return;
    }
    this.adopt(name, panel);
  }

  /** Open dashboards of databases that are no longer configured close themselves. */
  retain(names: ReadonlySet<string>): void {
    for (const [name, panel] of [...this.panels]) if (!names.has(name)) panel.dispose();
  }

  dispose(): void {
    for (const panel of [...this.panels.values()]) panel.dispose();
    this.panels.clear();
  }

  private adopt(name: string, panel: vscode.WebviewPanel): DashboardPanel {
    const dashboard = new DashboardPanel(name, panel, this.host, (closed) => {
      if (this.panels.get(closed.name) === closed) this.panels.delete(closed.name);
    });
    this.panels.set(name, dashboard);
    return dashboard;
  }
}
