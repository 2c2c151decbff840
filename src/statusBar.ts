// The status bar item: the most loaded database as `$(database) used/capacity`, coloured at the
// warning and critical thresholds, with how many databases are down; the tooltip lists every watched
// database, fullest (and down) first, one line per server; a click opens the dashboard of the most
// loaded one.
// Which databases: pgHealth.statusBar.connections when set — those are held (a monitor connection
// each, refreshed every refresh interval, still able to see a full server). Else every configured
// database: the status bar holds one database per server and role (the first by name), so every
// server is watched live and still seen when full, and the other databases of that server read their
// numbers off it (overview.ts) — with up to MAX_HELD_SERVERS such groups; with more, it holds none and
// everything comes at the overview's pace.
import * as vscode from 'vscode';
import { ageText, Glance, glanceOf, loadOf } from './postgres/glance';
import { MonitorManager } from './postgres/monitors';
import { SnapshotStore } from './postgres/store';
import { levelText, usageLevel } from './sidebar/sessionGroups';

/** With more (server, role) groups than this and no explicit list, the status bar holds no connection. */
export const MAX_HELD_SERVERS = 8;

export interface WatchedDatabase {
  name: string;
  /** The role it connects as ('' when unknown): databases of one server and role share a held connection. */
  user: string;
  /** The database it connects to, and its server (host:port; '' when the entry is malformed). */
  database: string | undefined;
  server: string;
}

interface Row {
  entry: WatchedDatabase;
  glance: Glance;
  load: number;
}

export class StatusBar implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('pgHealth.status', vscode.StatusBarAlignment.Left, 50);
  private leases = new Map<string, { dispose(): void }>();
  private watched: WatchedDatabase[] = [];
  private readonly subscription: { dispose(): void };

  constructor(
    private readonly monitors: MonitorManager,
    private readonly store: SnapshotStore,
  ) {
    this.item.name = vscode.l10n.t('PostgreSQL Health');
    this.subscription = store.onDidChange(() => this.render());
  }

  /** The databases the status bar watches: pgHealth.statusBar.connections (held), or all configured (at the overview's pace). */
  update(configured: WatchedDatabase[]): void {
    const explicit = vscode.workspace.getConfiguration('pgHealth').get<string[]>('statusBar.connections', []);
    this.watched = explicit.length > 0 ? configured.filter((c) => explicit.includes(c.name)) : configured;
    const held = new Set(explicit.length > 0 ? this.watched.map((w) => w.name) : leads(configured));
    for (const [name, lease] of this.leases) {
      if (!held.has(name)) {
        lease.dispose();
        this.leases.delete(name);
      }
    }
    for (const name of held) if (!this.leases.has(name)) this.leases.set(name, this.monitors.lease(name, 'status bar'));
    this.render();
  }

  private render(): void {
    const c = vscode.workspace.getConfiguration('pgHealth');
    const warning = c.get<number>('warningThreshold', 0.8);
    const critical = c.get<number>('criticalThreshold', 0.95);
    const rows: Row[] = [];
    for (const entry of this.watched) {
      const glance = glanceOf(this.store.get(entry.name), entry.database);
      if (glance.kind !== 'pending') rows.push({ entry, glance, load: loadOf(glance) });
    }
    if (rows.length === 0) {
      this.item.hide();
      return;
    }
    rows.sort((a, b) => b.load - a.load || a.entry.name.localeCompare(b.entry.name));
    const down = rows.filter((r) => r.glance.kind === 'error');
    const top = rows.find((r) => r.glance.kind === 'usage');
    const downText = down.length > 0 ? `$(error) ${vscode.l10n.t('{0} down', down.length)}` : '';
    let level: 'ok' | 'warning' | 'critical' = down.length > 0 ? 'warning' : 'ok';
    if (top && top.glance.kind === 'usage') {
      const g = top.glance;
      const topLevel = usageLevel(g.used, g.capacity, warning, critical);
      if (topLevel === 'critical' || (topLevel === 'warning' && level === 'ok')) level = topLevel;
      // The level in words as well as the background colour.
      this.item.text = `$(database) ${g.used}/${g.capacity}${topLevel === 'ok' ? '' : ` ${levelText(topLevel)}`}${downText ? ` ${downText}` : ''}`;
      const inUse =
        topLevel === 'ok'
          ? vscode.l10n.t('PostgreSQL {0}: {1}/{2} connections in use', top.entry.name, g.used, g.capacity)
          : vscode.l10n.t({
              message: 'PostgreSQL {0}: {1}/{2} connections in use, {3}',
              args: [top.entry.name, g.used, g.capacity, levelText(topLevel)],
              comment: ['{3} is the level of use: "warning" or "critical"'],
            });
      const downCount = down.length === 1 ? vscode.l10n.t('1 database down') : vscode.l10n.t('{0} databases down', down.length);
      this.item.accessibilityInformation = { label: down.length > 0 ? `${inUse}; ${downCount}` : inUse };
      this.item.command = { title: vscode.l10n.t('Open Dashboard'), command: 'pgHealth.openDashboard', arguments: [top.entry.name] };
    } else {
      const first = down[0];
      this.item.text = `$(error) ${down.length === 1 && first ? vscode.l10n.t('{0}: down', first.entry.name) : vscode.l10n.t('{0} down', down.length)}`;
      this.item.accessibilityInformation = {
        label: down.length === 1 && first ? vscode.l10n.t('PostgreSQL: {0} is down', first.entry.name) : vscode.l10n.t('PostgreSQL: {0} databases are down', down.length),
      };
      this.item.command = first ? { title: vscode.l10n.t('Open Dashboard'), command: 'pgHealth.openDashboard', arguments: [first.entry.name] } : undefined;
    }
    this.item.backgroundColor =
      level === 'critical' ? new vscode.ThemeColor('statusBarItem.errorBackground') : level === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.tooltip = this.tooltip(rows);
    this.item.show();
  }

  /** Fullest first; databases of one server share its numbers, so they share a line. */
  private tooltip(rows: Row[]): vscode.MarkdownString {
    const md = new vscode.MarkdownString(`${vscode.l10n.t('**PostgreSQL connections**, fullest first')}\n\n`, true);
    const lines: { load: number; text: string }[] = [];
    const byServer = new Map<string, Row[]>();
    for (const row of rows) {
      if (row.glance.kind === 'error') {
        lines.push({ load: row.load, text: `$(error) ${esc(row.entry.name)}: ${esc(row.glance.message)}` });
        continue;
      }
      const key = row.entry.server || row.entry.name;
      const list = byServer.get(key);
      if (list) list.push(row);
      else byServer.set(key, [row]);
    }
    for (const [server, list] of byServer) {
      // The freshest number of the server stands for all its databases.
      const freshest = list.reduce((a, b) => ((b.glance.kind === 'usage' ? b.glance.at : 0) > (a.glance.kind === 'usage' ? a.glance.at : 0) ? b : a));
      const g = freshest.glance;
      if (g.kind !== 'usage') continue;
      const pct = g.capacity > 0 ? Math.round((100 * g.used) / g.capacity) : 100;
      const names = list.map((r) => esc(r.entry.name)).join(', ');
      const where = list.length > 1 ? `${names} (${esc(server)})` : names;
      lines.push({ load: freshest.load, text: `${where}: ${g.used}/${g.capacity} (${pct}%)${g.held ? '' : ` · ${ageText(g.at)}`}` });
    }
    lines.sort((a, b) => b.load - a.load);
    md.appendMarkdown(lines.map((l) => l.text).join('  \n'));
    const watching =
      vscode.workspace.getConfiguration('pgHealth').get<string[]>('statusBar.connections', []).length > 0
        ? vscode.l10n.t('Watching pgHealth.statusBar.connections, each with a monitor connection of its own. Click to open the dashboard.')
        : this.leases.size > 0
          ? vscode.l10n.t('Every configured database, live through one monitor connection per server and role. Click to open the dashboard.')
          : vscode.l10n.t(
              'Every configured database, at the overview pace (more than {0} servers: no connection is held); list names in pgHealth.statusBar.connections to hold one for them. Click to open the dashboard.',
              MAX_HELD_SERVERS,
            );
    md.appendMarkdown(`\n\n${watching}`);
    return md;
  }

  dispose(): void {
    for (const l of this.leases.values()) l.dispose();
    this.leases.clear();
    this.subscription.dispose();
    this.item.dispose();
  }
}

/** The first database by name of every (server, role) group, or none when there are too many groups. */
function leads(configured: WatchedDatabase[]): string[] {
  const first = new Map<string, string>();
  for (const c of [...configured].sort((a, b) => a.name.localeCompare(b.name))) {
    const key = c.server === '' ? `\u0000${c.name}` : `${c.server}\u0000${c.user}`;
    if (!first.has(key)) first.set(key, c.name);
  }
  return first.size > MAX_HELD_SERVERS ? [] : [...first.values()];
}

function esc(text: string): string {
  return text.replace(/[\\`*_[\]<>]/g, '\\$&');
}
