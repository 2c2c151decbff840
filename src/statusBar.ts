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
import { poolerBackend, PoolerState, PoolerStore } from './postgres/pgbouncerMonitor';
import { SnapshotStore } from './postgres/store';
import { waitText } from './sidebar/poolerItems';
import { levelText, usageLevel } from './sidebar/sessionGroups';

/** How far back the tooltip looks for a pooler's peaks. */
const POOLER_WINDOW_MS = 10 * 60 * 1000;

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
  private readonly poolerSubscription: { dispose(): void } | undefined;

  constructor(
    private readonly monitors: MonitorManager,
    private readonly store: SnapshotStore,
    /** PgBouncer entries: their waiting clients and maxwait join the item (pgbouncerMonitor.ts). */
    private readonly poolers?: PoolerStore,
  ) {
    this.item.name = vscode.l10n.t('PostgreSQL Health');
    this.subscription = store.onDidChange(() => this.render());
    this.poolerSubscription = poolers?.onDidChange(() => this.render());
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
    const poolers = (this.poolers?.all() ?? []).filter((p) => p.snapshot !== undefined || p.status.kind === 'failed' || p.status.kind === 'reconnecting');
    if (rows.length === 0 && poolers.length === 0) {
      this.item.hide();
      return;
    }
    if (rows.length === 0) {
      this.renderPoolersOnly(poolers);
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
    const pooler = this.poolerSummary(poolers);
    if (pooler.text) {
      this.item.text += ` ${pooler.text}`;
      this.item.accessibilityInformation = { label: `${this.item.accessibilityInformation?.label ?? ''}; ${pooler.label}` };
    }
    if (pooler.level === 'critical' || (pooler.level === 'warning' && level === 'ok')) level = pooler.level;
    this.item.backgroundColor =
      level === 'critical' ? new vscode.ThemeColor('statusBarItem.errorBackground') : level === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    this.item.tooltip = this.tooltip(rows);
    this.appendPoolers(this.item.tooltip, poolers);
    this.item.show();
  }

  /** Only PgBouncer entries are configured (or none of the databases has a number yet). */
  private renderPoolersOnly(poolers: PoolerState[]): void {
    const summary = this.poolerSummary(poolers);
    this.item.text = summary.text || `$(server-process) ${vscode.l10n.t('PgBouncer')}`;
    this.item.accessibilityInformation = { label: summary.label || vscode.l10n.t('PgBouncer: no client waiting') };
    this.item.backgroundColor =
      summary.level === 'critical' ? new vscode.ThemeColor('statusBarItem.errorBackground') : summary.level === 'warning' ? new vscode.ThemeColor('statusBarItem.warningBackground') : undefined;
    const first = poolers[0];
    this.item.command = first ? { title: vscode.l10n.t('Open Dashboard'), command: 'pgHealth.openDashboard', arguments: [first.name] } : undefined;
    const md = new vscode.MarkdownString('', true);
    this.appendPoolers(md, poolers);
    this.item.tooltip = md;
    this.item.show();
  }

  /**
   * "$(server-process) 2 waiting 4 s critical" while any pooler has clients waiting or is not ok; the
   * worst pooler's numbers, the level in words as well as in the background colour.
   */
  private poolerSummary(poolers: PoolerState[]): { text: string; label: string; level: 'ok' | 'warning' | 'critical' } {
    const rank = { ok: 0, warning: 1, critical: 2 } as const;
    let worst: PoolerState | undefined;
    let worstLevel: 'ok' | 'warning' | 'critical' = 'ok';
    let down = 0;
    for (const p of poolers) {
      if (!p.snapshot || p.status.kind === 'failed') {
        down++;
        continue;
      }
      const level = p.health?.level ?? 'ok';
      const waiting = p.snapshot.pools.reduce((s, x) => s + x.clWaiting, 0);
      if ((level !== 'ok' || waiting > 0) && (!worst || rank[level] > rank[worstLevel])) {
        worst = p;
        worstLevel = level;
      }
    }
    if (!worst?.snapshot) {
      return down > 0 ? { text: `$(server-process) $(error) ${down}`, label: vscode.l10n.t('{0} PgBouncer down', String(down)), level: 'warning' } : { text: '', label: '', level: 'ok' };
    }
    const waiting = worst.snapshot.pools.reduce((s, x) => s + x.clWaiting, 0);
    const maxwait = worst.snapshot.pools.reduce((m, x) => Math.max(m, x.maxwaitSeconds), 0);
    const words = worstLevel === 'ok' ? '' : ` ${worstLevel === 'critical' ? vscode.l10n.t('critical') : vscode.l10n.t('warning')}`;
    return {
      text: `$(server-process) ${vscode.l10n.t('{0} waiting {1}', String(waiting), waitText(maxwait))}${words}`,
      label: vscode.l10n.t('PgBouncer {0}: {1} clients waiting, longest wait {2}', worst.name, String(waiting), waitText(maxwait)) + (words ? `,${words}` : ''),
      level: worstLevel,
    };
  }

  /** One line per pooler: now, the last ten minutes, and its server connections against the server's capacity. */
  private appendPoolers(md: vscode.MarkdownString, poolers: PoolerState[]): void {
    if (poolers.length === 0) return;
    md.appendMarkdown(`

**${esc(vscode.l10n.t('PgBouncer'))}**

`);
    const lines: string[] = [];
    for (const p of poolers) {
      if (!p.snapshot) {
        lines.push(`$(error) ${esc(p.name)}: ${esc(p.status.kind === 'failed' ? p.status.reason : p.status.kind === 'reconnecting' ? p.status.lastError : '')}`);
        continue;
      }
      const waiting = p.snapshot.pools.reduce((s, x) => s + x.clWaiting, 0);
      const maxwait = p.snapshot.pools.reduce((m, x) => Math.max(m, x.maxwaitSeconds), 0);
      const since = Date.now() - POOLER_WINDOW_MS;
      const recent = p.history.filter((h) => h.at >= since);
      const peakWaiting = recent.reduce((m, h) => Math.max(m, h.waiting), waiting);
      const peakWait = recent.reduce((m, h) => Math.max(m, h.maxwaitSeconds), maxwait);
      const backend = this.poolers ? poolerBackend(this.poolers, p.name, this.store.all()) : undefined;
      const servers = backend
        ? vscode.l10n.t('{0} server connections to {1} ({2} of its {3} slots in use)', String(p.snapshot.servers.length), backend.database, String(backend.used), String(backend.capacity))
        : vscode.l10n.t('{0} server connections', String(p.snapshot.servers.length));
      const level = p.health?.level ?? 'ok';
      lines.push(
        `${level === 'ok' ? '' : `$(warning) ${esc(level === 'critical' ? vscode.l10n.t('critical') : vscode.l10n.t('warning'))} · `}${esc(p.name)}: ` +
          esc(vscode.l10n.t('{0} waiting now, maxwait {1}; last 10 min: up to {2} waiting, longest wait {3}; {4}', String(waiting), waitText(maxwait), String(peakWaiting), waitText(peakWait), servers)),
      );
    }
    md.appendMarkdown(lines.join('  \n'));
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
    this.poolerSubscription?.dispose();
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
