// How a PgBouncer entry looks in the Databases view: its row (version, pools, waiting clients and the
// saturation level in colour and in words), its pools ("orders/app_user · 3 active, 2 waiting,
// maxwait 4 s, transaction"), and below each pool its server connections and clients. Built from the
// pooler store (pgbouncerMonitor.ts); pure rendering.
import * as vscode from 'vscode';
import { HealthLevel, PoolerHealth, PoolHealth, SaturationSign } from '../postgres/pgbouncer';
import { PoolerState } from '../postgres/pgbouncerMonitor';
import { DatabaseNode, MessageNode, PoolerConnectionNode, PoolNode, TreeNode } from './treeNodes';

const LEVEL_COLOR = { ok: 'charts.green', warning: 'charts.yellow', critical: 'charts.red' } as const;

function levelWord(level: HealthLevel): string {
  return level === 'critical' ? vscode.l10n.t('critical') : level === 'warning' ? vscode.l10n.t('warning') : vscode.l10n.t('ok');
}

/** "4 s", "0.4 s", "2 min": how long the oldest client has waited. */
export function waitText(seconds: number): string {
  if (seconds < 10) return vscode.l10n.t('{0} s', (Math.round(seconds * 10) / 10).toString());
  if (seconds < 120) return vscode.l10n.t('{0} s', Math.round(seconds).toString());
  return vscode.l10n.t('{0} min', Math.round(seconds / 60).toString());
}

/** The saturation signs in words, in the order a reader should take them. */
export function signWords(signs: readonly SaturationSign[], health: PoolHealth | PoolerHealth | undefined): string[] {
  const words: string[] = [];
  for (const sign of signs) {
    switch (sign) {
      case 'waiting':
        words.push(vscode.l10n.t('clients waiting for {0} refreshes', String(health && 'waitingStreak' in health ? health.waitingStreak : 0)));
        break;
      case 'maxwaitRising':
        words.push(vscode.l10n.t('maxwait rising'));
        break;
      case 'noIdleServer':
        words.push(vscode.l10n.t('no idle server connection'));
        break;
      case 'paused':
        words.push(vscode.l10n.t('paused'));
        break;
      case 'clientsFull':
        words.push(vscode.l10n.t('max_client_conn reached ({0}/{1})', String(health && 'clients' in health ? health.clients : 0), String(health && 'maxClientConn' in health ? (health.maxClientConn ?? 0) : 0)));
        break;
    }
  }
  return words;
}

/** The rows under a PgBouncer entry: its status, then a row per pool. */
export function poolerRows(name: string, state: PoolerState | undefined): TreeNode[] {
  const nodes: TreeNode[] = [];
  const status = state?.status;
  if (status?.kind === 'failed') nodes.push(new MessageNode(`${name}:error`, status.reason, 'error'));
  if (status?.kind === 'reconnecting') {
    nodes.push(
      new MessageNode(
        `${name}:error`,
        vscode.l10n.t('Reconnecting: {0}', status.lastError),
        'warning',
        vscode.l10n.t('attempt {0}, next try in {1} s', String(status.attempt), String(Math.round(status.nextRetryMs / 1000))),
      ),
    );
  }
  const snapshot = state?.snapshot;
  if (!snapshot) {
    if (!status || status.kind === 'idle' || status.kind === 'connecting') nodes.push(new MessageNode(`${name}:connecting`, vscode.l10n.t('Connecting…'), 'loading~spin'));
    return nodes;
  }
  const health = state?.health;
  if (health?.signs.includes('clientsFull')) {
    nodes.push(
      new MessageNode(
        `${name}:full`,
        vscode.l10n.t('PgBouncer is full: {0} of max_client_conn {1} clients', String(health.clients), String(health.maxClientConn ?? 0)),
        'error',
        vscode.l10n.t('New clients are refused with "no more connections allowed (max_client_conn)" until others leave. Raise max_client_conn (and the file descriptor limit) or close idle clients.'),
      ),
    );
  }
  for (const d of snapshot.databases.filter((x) => x.paused)) {
    nodes.push(
      new MessageNode(
        `${name}:paused:${d.name}`,
        vscode.l10n.t('{0} is paused: its clients wait until RESUME', d.name),
        'debug-pause',
        vscode.l10n.t('PAUSE {0} was run on the admin console. Clients keep their connections, queries wait; run RESUME {0} to let them through.', d.name),
      ),
    );
  }
  if (snapshot.pools.length === 0) {
    nodes.push(new MessageNode(`${name}:nopools`, vscode.l10n.t('No pools yet: no client has connected through this PgBouncer'), 'info'));
  }
  const paused = new Set(snapshot.databases.filter((d) => d.paused).map((d) => d.name));
  for (const pool of snapshot.pools) {
    const mine = (c: { database: string; user: string }): boolean => c.database === pool.database && c.user === pool.user;
    const poolHealth = health?.pools.find(mine);
    const node = new PoolNode(name, pool, poolHealth, paused.has(pool.database), snapshot.servers.filter(mine), snapshot.clients.filter(mine));
    if (node.more > 0) node.children.push(new MessageNode(`${name}:${node.key}:more`, vscode.l10n.t('… and {0} more connections (SHOW CLIENTS lists them all)', String(node.more)), 'ellipsis'));
    nodes.push(node);
  }
  return nodes;
}

export function poolerItem(node: DatabaseNode, state: PoolerState | undefined): vscode.TreeItem {
  const item = new vscode.TreeItem(node.name, vscode.TreeItemCollapsibleState.Collapsed);
  item.id = `database:${node.name}`;
  item.contextValue = 'pgHealth:pooler';
  const status = state?.status;
  const snapshot = state?.snapshot;
  if (status?.kind === 'failed' || (status?.kind === 'reconnecting' && !snapshot)) {
    const message = status.kind === 'failed' ? status.reason : status.lastError;
    item.description = message;
    item.iconPath = new vscode.ThemeIcon('error', new vscode.ThemeColor('errorForeground'));
    item.tooltip = vscode.l10n.t('{0} (PgBouncer admin console): {1}', node.name, message);
    item.accessibilityInformation = { label: vscode.l10n.t('PgBouncer {0}: {1}', node.name, message) };
    item.contextValue = 'pgHealth:pooler:failed';
    return item;
  }
  if (!snapshot) {
    item.description = vscode.l10n.t('connecting…');
    item.iconPath = new vscode.ThemeIcon('server-process');
    return item;
  }
  const health = state?.health;
  const level = health?.level ?? 'ok';
  const waiting = snapshot.pools.reduce((sum, p) => sum + p.clWaiting, 0);
  const maxwait = snapshot.pools.reduce((max, p) => Math.max(max, p.maxwaitSeconds), 0);
  const parts = [
    vscode.l10n.t('PgBouncer · {0} pools', String(snapshot.pools.length)),
    vscode.l10n.t('{0} waiting', String(waiting)),
    vscode.l10n.t('{0} server connections', String(snapshot.servers.length)),
  ];
  if (waiting > 0) parts.push(vscode.l10n.t('maxwait {0}', waitText(maxwait)));
  // The level in words too, not only in the icon's colour.
  if (level !== 'ok') parts.push(levelWord(level));
  if (status?.kind === 'reconnecting') parts.push(vscode.l10n.t('(reconnecting…)'));
  item.description = parts.join(' · ');
  item.iconPath = new vscode.ThemeIcon('server-process', new vscode.ThemeColor(LEVEL_COLOR[level]));
  const reasons = worstReasons(health);
  item.accessibilityInformation = {
    label:
      vscode.l10n.t('PgBouncer {0}: {1} pools, {2} clients waiting, {3} server connections', node.name, String(snapshot.pools.length), String(waiting), String(snapshot.servers.length)) +
      (level === 'ok' ? '' : `, ${levelWord(level)}${reasons.length > 0 ? `: ${reasons.join(', ')}` : ''}`),
  };
  const md = new vscode.MarkdownString(undefined, true);
  md.appendMarkdown(`**${esc(node.name)}** — ${esc(snapshot.version)} (${esc(vscode.l10n.t('admin console'))} ${esc(node.server)})\n\n`);
  md.appendMarkdown(
    esc(vscode.l10n.t('{0} clients (max_client_conn {1}), {2} waiting; {3} server connections to PostgreSQL', String(snapshot.clientCount), String(snapshot.settings?.maxClientConn ?? '?'), String(waiting), String(snapshot.servers.length))) + '\n\n',
  );
  const st = snapshot.settings;
  if (st) {
    md.appendMarkdown(`default_pool_size = ${st.defaultPoolSize ?? '?'}  \nmax_db_connections = ${st.maxDbConnections ?? '?'}  \nreserve_pool_size = ${st.reservePoolSize ?? '?'}  \npool_mode = ${esc(st.poolMode ?? '?')}\n\n`);
  }
  if (level !== 'ok') md.appendMarkdown(`$(warning) ${esc(levelWord(level))}: ${esc(reasons.join(', '))}\n\n`);
  md.appendMarkdown(esc(vscode.l10n.t('Refreshed with SHOW POOLS, CLIENTS, SERVERS and DATABASES in {0} ms.', String(snapshot.roundTripMs))));
  item.tooltip = md;
  return item;
}

/** The signs of the worst pools and of the pooler itself, in words. */
function worstReasons(health: PoolerHealth | undefined): string[] {
  if (!health) return [];
  const words = new Set<string>(signWords(health.signs, health));
  for (const pool of health.pools.filter((p) => p.level === health.level || health.level === 'ok')) {
    for (const w of signWords(pool.signs, pool)) words.add(`${pool.database}/${pool.user} ${w}`);
  }
  return [...words];
}

export function poolItem(node: PoolNode): vscode.TreeItem {
  const p = node.pool;
  const item = new vscode.TreeItem(node.key, node.children.length > 0 ? vscode.TreeItemCollapsibleState.Collapsed : vscode.TreeItemCollapsibleState.None);
  item.id = `pool:${node.pooler}:${node.key}`;
  item.contextValue = 'pgHealth:pool';
  const level = node.health?.level ?? 'ok';
  const numbers = vscode.l10n.t('{0} active, {1} waiting, maxwait {2}, {3}', String(p.clActive), String(p.clWaiting), waitText(p.maxwaitSeconds), p.poolMode);
  const signs = signWords(node.health?.signs ?? [], node.health);
  item.description = level === 'ok' ? numbers : `${numbers} · ${levelWord(level)}: ${signs.join(', ')}`;
  item.iconPath = new vscode.ThemeIcon(node.paused ? 'debug-pause' : 'layers', new vscode.ThemeColor(LEVEL_COLOR[level]));
  item.accessibilityInformation = {
    label:
      vscode.l10n.t('pool {0}: {1} clients active, {2} waiting, longest wait {3}, {4} mode; server connections {5} active, {6} idle, {7} used', node.key, String(p.clActive), String(p.clWaiting), waitText(p.maxwaitSeconds), p.poolMode, String(p.svActive), String(p.svIdle), String(p.svUsed)) +
      (level === 'ok' ? '' : `; ${levelWord(level)}: ${signs.join(', ')}`),
  };
  item.tooltip = new vscode.MarkdownString(
    [
      `**${esc(node.key)}** (${esc(p.poolMode)})`,
      '',
      `cl_active ${p.clActive} · cl_waiting ${p.clWaiting} · maxwait ${esc(waitText(p.maxwaitSeconds))}  `,
      `sv_active ${p.svActive} · sv_idle ${p.svIdle} · sv_used ${p.svUsed} · sv_tested ${p.svTested} · sv_login ${p.svLogin}`,
      ...(level === 'ok' ? [] : ['', `$(warning) ${esc(levelWord(level))}: ${esc(signs.join(', '))}`]),
    ].join('\n'),
    true,
  );
  return item;
}

export function poolerConnectionItem(node: PoolerConnectionNode): vscode.TreeItem {
  const c = node.connection;
  const peer = c.addr !== null ? `${c.addr}:${c.port ?? ''}` : vscode.l10n.t('local socket');
  const label =
    node.side === 'server'
      ? c.remotePid > 0
        ? vscode.l10n.t('server {0} · backend {1}', `${c.localAddr ?? ''}:${c.localPort ?? ''}`, String(c.remotePid))
        : vscode.l10n.t('server {0}', `${c.localAddr ?? ''}:${c.localPort ?? ''}`)
      : vscode.l10n.t('client {0}', peer);
  const item = new vscode.TreeItem(label, vscode.TreeItemCollapsibleState.None);
  item.id = `${node.side}:${node.pool.pooler}:${node.pool.key}:${c.localAddr ?? ''}:${c.localPort ?? ''}:${c.addr ?? ''}:${c.port ?? ''}`;
  item.contextValue = node.side === 'server' ? 'pgHealth:poolerServer' : 'pgHealth:poolerClient';
  const parts = [c.state];
  if (node.side === 'client' && c.state === 'waiting') parts.push(vscode.l10n.t('waiting {0}', waitText(c.waitSeconds)));
  if (c.applicationName) parts.push(c.applicationName);
  if (node.side === 'server') parts.push(vscode.l10n.t('to {0}', peer));
  item.description = parts.join(' · ');
  item.iconPath = new vscode.ThemeIcon(node.side === 'server' ? 'database' : c.state === 'waiting' ? 'watch' : 'plug');
  item.tooltip =
    node.side === 'server'
      ? vscode.l10n.t(
          "PgBouncer's server connection from {0} to PostgreSQL at {1}, {2}. PostgreSQL shows it in pg_stat_activity with client_addr/client_port {0}{3}.",
          `${c.localAddr ?? ''}:${c.localPort ?? ''}`,
          peer,
          c.state,
          c.remotePid > 0 ? vscode.l10n.t(' (backend pid {0})', String(c.remotePid)) : '',
        )
      : vscode.l10n.t('Client of PgBouncer from {0}, {1}, connected {2}', peer, c.state, c.connectTime ?? '');
  return item;
}

function esc(text: string): string {
  return text.replace(/[\\`*_{}[\]()#+\-.!|<>]/g, '\\$&');
}
