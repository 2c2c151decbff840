// The status bar item: the most loaded database as `$(database) used/capacity`, coloured at the
// warning and critical thresholds; the tooltip lists every watched database; a click opens the
// dashboard of the most loaded one. It leases the databases it watches so they keep polling.
import * as vscode from 'vscode';
import { MonitorManager } from './postgres/monitors';
import { SnapshotStore } from './postgres/store';
import { usageLevel } from './sidebar/sessionGroups';

/** With more configured databases than this and no explicit list, the status bar watches none. */
const MAX_IMPLICIT = 8;

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pgHealth.status', vscode.StatusBarAlignment.Left, 50);
  private leases = new Map<string, { dispose(): void }>();
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly monitors: MonitorManager,
    private readonly store: SnapshotStore,
  ) {
    this.item.name = 'PostgreSQL Health';
    this.subscription = store.onDidChange(() => this.render());
  }

  /** The databases the status bar watches: pgHealth.statusBar.connections, or all when few are configured. */
  update(configured: string[]): void {
    const explicit = vscode.workspace.getConfiguration('pgHealth').get<string[]>('statusBar.connections', []);
    const watched = new Set(explicit.length > 0 ? explicit.filter((n) => configured.includes(n)) : configured.length <= MAX_IMPLICIT ? configured : []);
    for (const [name, lease] of this.leases) {
      if (!watched.has(name)) {
        lease.dispose();
        this.leases.delete(name);
      }
    }
    for (const name of watched) if (!this.leases.has(name)) this.leases.set(name, this.monitors.lease(name, 'status bar'));
    this.render();
  }

  private render(): void {
    const c = vscode.workspace.getConfiguration('pgHealth');
    const warning = c.get<number>('warningThreshold', 0.8);
    const critical = c.get<number>('criticalThreshold', 0.95);
    const rows: { name: string; used: number; capacity: number; share: number; text: string }[] = [];
    for (const name of this.leases.keys()) {
      const state = this.store.get(name);
      const s = state?.snapshot;
      if (s) rows.push({ name, used: s.used, capacity: s.capacity, share: s.capacity > 0 ? s.used / s.capacity : 1, text: `${s.used}/${s.capacity}` });
      else if (state?.status.kind === 'failed') rows.push({ name, used: 0, capacity: 0, share: -1, text: state.status.reason });
      else if (state?.status.kind === 'reconnecting') rows.push({ name, used: 0, capacity: 0, share: -1, text: `reconnecting: ${state.status.lastError}` });
    }
    if (rows.length === 0) {
      this.item.hide();
      return;
    }
    rows.sort((a, b) => b.share - a.share);
    const top = rows[0];
    if (!top) return;
    const level = top.share < 0 ? 'ok' : usageLevel(top.used, top.capacity, warning, critical);
    this.item.text = top.share < 0 ? `$(database) ${top.name}: offline` : `$(database) ${top.used}/${top.capacity}`;
    this.item.backgroundColor =
      level === 'critical' ? new vscode.ThemeColor('statusBarItem.errorBackground') : level === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const md = new vscode.MarkdownString('**PostgreSQL connections**\n\n');
    for (const r of rows) md.appendMarkdown(`${r.name.replace(/[\\`*_[\]<>]/g, '\\$&')}: ${r.text}${r.share >= 0 ? ` (${Math.round(r.share * 100)}%)` : ''}  \n`);
    md.appendMarkdown('\nClick to open the dashboard.');
    this.item.tooltip = md;
    this.item.accessibilityInformation = { label: `PostgreSQL ${top.name}: ${top.text} connections in use` };
    this.item.command = { title: 'Open Dashboard', command: 'pgHealth.openDashboard', arguments: [top.name] };
    this.item.show();
  }

  dispose(): void {
    for (const l of this.leases.values()) l.dispose();
    this.leases.clear();
    this.subscription.dispose();
    this.item.dispose();
  }
}
