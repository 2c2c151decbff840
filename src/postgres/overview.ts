// Every configured database's number at a glance, without holding a connection to each.
//
// The monitor (monitorConnection.ts) holds a connection and polls every refresh interval, but only
// for databases someone looks at closely (an expanded node, a dashboard, a status bar entry). For the
// others this poller takes, every overview interval (default 15 s), one short-lived connection per
// server and role — pg_stat_activity shows the whole server, so one snapshot gives every database of
// that server its share — and stores the result as each database's Overview. Where a database of the
// same server and role is already held, its monitor's latest snapshot is used instead and no
// connection is opened at all. The probe sets nothing beyond its own transaction (the same snapshot
// SQL as the monitor, transactionSettings.ts), so it is safe behind any pooler.
//
// Connections per cycle: at most one per (host:port, user) group with no held database, opened one
// after another within a group, closed before the next cycle. A short connection cannot get in when
// the server is full (the held monitor can: it already has its slot); the views say so.
import * as l10n from '@vscode/l10n';
import { ConnectionConfig } from './connectionConfig';
import { connectionTarget, ConnectionTarget, PasswordSources, resolveConnection } from './connectionOptions';
import { describeError } from './errors';
import { Logger, silentLogger } from './logger';
import { openClient } from './openClient';
import type { PoolerInfo } from './pooler';
import { Snapshot } from './snapshot';
import { SqlRunner, takeSnapshot } from './snapshotQuery';
import { Overview, SnapshotStore } from './store';
import { systemTimers, TimerHandle, Timers } from './timers';
import { MONITOR_APPLICATION_NAME, MONITOR_QUERY_MARK } from './transactionSettings';

export interface OverviewOptions {
  store: SnapshotStore;
  /** Time between two overview cycles (pgHealth.overviewRefreshInterval). Default 15 s. */
  intervalMs?: number;
  /** True while the monitor holds `name` (leased): the overview leaves it alone. */
  isHeld: (name: string) => boolean;
  /** The held monitor of `name`, to read the database list through its connection. */
  heldRunner?: (name: string) => SqlRunner | undefined;
  passwordsFor?: (config: ConnectionConfig) => PasswordSources;
  connectTimeoutMs?: number;
  statementTimeoutMs?: number;
  env?: NodeJS.ProcessEnv;
  timers?: Timers;
  log?: Logger;
}

interface Member {
  config: ConnectionConfig;
  target: ConnectionTarget;
}

interface Group {
  server: string;
  user: string;
  members: Member[];
  /** The member whose probe last worked: tried first next time. */
  lead: string | undefined;
  running: Promise<void> | undefined;
  /** The server's databases as last read (for numbers derived from a held snapshot between looks). */
  databases: Map<string, boolean> | undefined;
}

/** What one look at a server found: its snapshot and the databases that exist (with CONNECT for the role). */
export interface ServerLook {
  snapshot: Snapshot;
  databases: Map<string, boolean>;
  pooler: PoolerInfo | undefined;
}

// Errors of the server itself (down, full, starting, not answering): every database of the group
// shares them. Anything else may be the entry's own (its database, password, TLS settings): the
// next database of the group is tried.
const SERVER_WIDE = new Set(['unreachable', 'connection-lost', 'too-many-clients', 'server-starting', 'server-shutting-down', 'statement-timeout', 'terminated-by-admin']);

const DATABASES_SQL = `${MONITOR_QUERY_MARK}
SELECT datname, has_database_privilege(datname, 'CONNECT') AS can_connect FROM pg_database WHERE datallowconn`;

/** host:port, as the views group databases by server. */
export function serverKey(target: Pick<ConnectionTarget, 'host' | 'port'>): string {
  return target.host.includes(':') ? `[${target.host}]:${target.port}` : `${target.host}:${target.port}`;
}

export class OverviewPoller {
  private readonly store: SnapshotStore;
  private readonly timers: Timers;
  private readonly log: Logger;
  private interval: number;
  private groups = new Map<string, Group>();
  /** Entries that connected with their own settings (a probe of their own, or held and live), by name. */
  private readonly verified = new Set<string>();
  private readonly configs = new Map<string, string>();
  private timer: TimerHandle | undefined;
  private paused = false;
  private disposed = false;
  private cycle: Promise<void> | undefined;
  private readonly subscription: { dispose(): void };
  private deriving = false;

  constructor(private readonly options: OverviewOptions) {
    this.store = options.store;
    this.timers = options.timers ?? systemTimers;
    this.log = options.log ?? silentLogger;
    this.interval = options.intervalMs ?? 15_000;
    // A held database's every refresh gives the other databases of its server and role their numbers
    // at once, with no connection of their own (the database list comes from the last look).
    this.subscription = this.store.onDidChange((name) => this.deriveFrom(name));
  }

  get intervalMs(): number {
    return this.interval;
  }

  set intervalMs(ms: number) {
    this.interval = Math.max(1_000, ms);
    this.schedule(true);
  }

  /** The server (host:port) of each configured database that has a valid target. */
  servers(): Map<string, string> {
    const result = new Map<string, string>();
    for (const group of this.groups.values()) for (const m of group.members) result.set(m.config.name, group.server);
    return result;
  }

  /** Applies pgHealth.connections and takes a first look at once. */
  configure(configs: readonly ConnectionConfig[]): void {
    const env = this.options.env ?? process.env;
    const previous = this.groups;
    const next = new Map<string, Group>();
    const seen = new Set<string>();
    for (const config of configs) {
      if (seen.has(config.name)) continue;
      seen.add(config.name);
      let target: ConnectionTarget;
      try {
        target = connectionTarget(config, env);
      } catch (error) {
        this.store.setOverview(config.name, { kind: 'error', at: Date.now(), server: '', message: describeError(error).message });
        continue;
      }
      const server = serverKey(target);
      const key = `${server}\u0000${target.user}`;
      let group = next.get(key);
      if (!group) {
        const old = previous.get(key);
        group = { server, user: target.user, members: [], lead: old?.lead, running: old?.running, databases: old?.databases };
        next.set(key, group);
      }
      group.members.push({ config, target });
    }
    for (const group of next.values()) group.members.sort((a, b) => a.config.name.localeCompare(b.config.name));
    // A changed or removed entry must connect with its (new) settings again before it borrows numbers.
    const now = new Map(configs.map((c) => [c.name, JSON.stringify(c)]));
    for (const name of [...this.verified]) if (now.get(name) !== this.configs.get(name)) this.verified.delete(name);
    this.configs.clear();
    for (const [name, json] of now) this.configs.set(name, json);
    this.groups = next;
    this.schedule(true, true);
  }

  pause(): void {
    this.paused = true;
    this.clear();
  }

  resume(): void {
    if (!this.paused) return;
    this.paused = false;
    this.schedule(true, true);
  }

  /** One cycle now (the Refresh command, tests); resolves when every group has been looked at. */
  refreshNow(): Promise<void> {
    return this.runCycle();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.subscription.dispose();
    this.clear();
    await this.cycle;
  }

  private schedule(restart: boolean, now = false): void {
    if (restart) this.clear();
    if (this.timer !== undefined || this.paused || this.disposed || this.groups.size === 0) return;
    this.timer = this.timers.setTimeout(
      () => {
        this.timer = undefined;
        void this.runCycle().finally(() => this.schedule(false));
      },
      now ? 0 : this.interval,
    );
  }

  private clear(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
  }

  private runCycle(): Promise<void> {
    const run = Promise.all([...this.groups.values()].map((group) => this.lookAt(group))).then(() => undefined);
    this.cycle = run;
    return run;
  }

  /** A group whose previous look still runs (a server slow to answer) is skipped, not queued. */
  private lookAt(group: Group): Promise<void> {
    if (group.running) return group.running;
    const run = this.lookAtOnce(group).finally(() => {
      group.running = undefined;
    });
    group.running = run;
    return run;
  }

  private async lookAtOnce(group: Group): Promise<void> {
    const unheld = group.members.filter((m) => !this.options.isHeld(m.config.name));
    if (unheld.length === 0 || this.disposed) return;
    // An entry that has not yet connected with its own settings (its password, its sslmode, its
    // connection string) could fail where its neighbours succeed: it gets a short connection of its
    // own until one works. Only then does it take numbers from a neighbour's connection.
    const unverified = unheld.filter((m) => !this.verified.has(m.config.name));
    let looked = false;
    for (const m of unverified) {
      if (this.disposed || this.options.isHeld(m.config.name)) continue;
      const outcome = await this.tryProbe(group, m, unheld);
      if (outcome === 'server-down') return;
      looked ||= outcome === 'ok';
    }
    // A successful probe above gave every verified member its numbers already.
    const verified = unheld.filter((m) => this.verified.has(m.config.name) && !this.options.isHeld(m.config.name));
    if (verified.length === 0 || looked) return;
    const held = await this.fromHeld(group);
    if (held) {
      this.apply(group, verified, held.look, held.at, 'held', held.name);
      return;
    }
    const order = [...verified].sort((a, b) => Number(b.config.name === group.lead) - Number(a.config.name === group.lead));
    for (const lead of order) {
      if (this.disposed || this.options.isHeld(lead.config.name)) continue;
      const outcome = await this.tryProbe(group, lead, verified);
      if (outcome !== 'member-failed') return;
    }
  }

  /**
   * One short connection with `member`'s own settings; on success every verified member of `members`
   * (and `member` itself) gets the numbers. A failure of the server goes on all of `members`.
   */
  private async tryProbe(group: Group, member: Member, members: Member[]): Promise<'ok' | 'member-failed' | 'server-down'> {
    const name = member.config.name;
    try {
      const look = await this.probe(member.config);
      this.verified.add(name);
      group.lead = name;
      const targets = members.filter((m) => m === member || this.verified.has(m.config.name));
      this.apply(group, targets, look, Date.now(), 'probe');
      return 'ok';
    } catch (error) {
      const described = describeError(error);
      const failed: Overview = { kind: 'error', at: Date.now(), server: group.server, message: described.message };
      this.verified.delete(name);
      if (!SERVER_WIDE.has(described.kind)) {
        this.set(name, failed);
        return 'member-failed';
      }
      // The server itself is down, full or refusing: every database of the group says so.
      for (const m of members) if (!this.options.isHeld(m.config.name)) this.set(m.config.name, failed);
      return 'server-down';
    }
  }

  private deriveFrom(name: string): void {
    if (this.deriving || this.disposed || this.paused || !this.options.isHeld(name)) return;
    const state = this.store.get(name);
    if (state?.status.kind !== 'live' || !state.snapshot) return;
    const at = state.history[state.history.length - 1]?.at;
    if (at === undefined) return;
    for (const group of this.groups.values()) {
      if (!group.databases || !group.members.some((m) => m.config.name === name)) continue;
      this.verified.add(name);
      const unheld = group.members.filter((m) => !this.options.isHeld(m.config.name) && this.verified.has(m.config.name));
      if (unheld.length === 0) continue;
      // The overviews this sets emit changes of their own: they are not held, so they end here.
      this.deriving = true;
      try {
        this.apply(group, unheld, { snapshot: state.snapshot, databases: group.databases, pooler: state.snapshot.pooler }, at, 'held', name);
      } finally {
        this.deriving = false;
      }
    }
  }

  /** A live snapshot of a held database of the same server and role, with the database list read through its connection. */
  private async fromHeld(group: Group): Promise<{ look: ServerLook; at: number; name: string } | undefined> {
    for (const m of group.members) {
      const name = m.config.name;
      if (!this.options.isHeld(name)) continue;
      const state = this.store.get(name);
      const runner = this.options.heldRunner?.(name);
      if (state?.status.kind !== 'live' || !state.snapshot || !runner) continue;
      try {
        const databases = await readDatabases(runner);
        this.verified.add(name);
        const at = state.history[state.history.length - 1]?.at ?? Date.now();
        return { look: { snapshot: state.snapshot, databases, pooler: state.snapshot.pooler }, at, name };
      } catch {
        // The held connection is busy reconnecting: a probe of its own will do.
      }
    }
    return undefined;
  }

  /** One short connection: the monitor's snapshot and the database list, then closed. */
  private async probe(config: ConnectionConfig): Promise<ServerLook> {
    const statementTimeoutMs = this.options.statementTimeoutMs ?? 5_000;
    const resolved = await resolveConnection(config, this.options.passwordsFor?.(config) ?? {}, { connectTimeoutMs: this.options.connectTimeoutMs ?? 10_000 });
    const opened = await openClient(resolved, { onError: () => undefined, onEnd: () => undefined });
    const client = opened.client;
    let timer: TimerHandle | undefined;
    // statement_timeout ends a slow query on the server; this ends the wait on a server that stopped answering.
    const deadline = new Promise<never>((_, reject) => {
      timer = this.timers.setTimeout(() => reject(new Error('Connection terminated: no answer from the server in time')), statementTimeoutMs + 5_000);
    });
    try {
      const look = async (): Promise<ServerLook> => {
        const snapshot = await takeSnapshot(client, config.name, opened.serverVersionNum, { applicationName: MONITOR_APPLICATION_NAME, statementTimeoutMs });
        const databases = await readDatabases(client);
        return { snapshot, databases, pooler: opened.pooler };
      };
      return await Promise.race([look(), deadline]);
    } finally {
      if (timer !== undefined) this.timers.clearTimeout(timer);
      let closeTimer: TimerHandle | undefined;
      await Promise.race([client.end().catch(() => undefined), new Promise((resolve) => (closeTimer = this.timers.setTimeout(() => resolve(undefined), 2_000)))]);
      if (closeTimer !== undefined) this.timers.clearTimeout(closeTimer);
    }
  }

  private apply(group: Group, members: Member[], look: ServerLook, at: number, source: 'probe' | 'held', heldBy?: string): void {
    group.databases = look.databases;
    const s = look.snapshot;
    for (const m of members) {
      const name = m.config.name;
      const database = m.target.database;
      const canConnect = look.databases.get(database);
      if (canConnect === undefined) {
        this.set(name, { kind: 'error', at, server: group.server, message: l10n.t('Database missing: database "{0}" does not exist (or does not allow connections).', database) });
        continue;
      }
      if (!canConnect) {
        this.set(name, { kind: 'error', at, server: group.server, message: l10n.t('Permission denied: role "{0}" may not connect to database "{1}".', group.user, database) });
        continue;
      }
      const byState: Record<string, number> = {};
      let databaseSessions = 0;
      for (const session of s.sessions) {
        // The probe's own backend is gone the moment it closes: it is nobody's session on the
        // database (it still counts in the server's `used`, where it took a slot while it looked).
        if (session.database !== database || (source === 'probe' && session.isMonitor)) continue;
        databaseSessions++;
        const key = session.visible && session.state ? session.state : 'unknown';
        byState[key] = (byState[key] ?? 0) + 1;
      }
      this.set(name, {
        kind: 'usage',
        at,
        server: group.server,
        used: s.used,
        capacity: s.capacity,
        maxConnections: s.settings.maxConnections,
        databaseSessions,
        byState,
        source,
        ...(heldBy !== undefined ? { heldBy } : {}),
        ...(look.pooler ? { pooler: look.pooler } : {}),
      });
    }
  }

  private set(name: string, overview: Overview): void {
    // A database that became held while the look ran shows the monitor's numbers; nothing to add.
    if (this.disposed || this.options.isHeld(name)) return;
    if (overview.kind === 'error') {
      const before = this.store.get(name)?.overview;
      if (before?.kind !== 'error' || before.message !== overview.message) this.log.warn(`${name}: ${overview.message}`);
    }
    this.store.setOverview(name, overview);
  }
}

async function readDatabases(runner: SqlRunner): Promise<Map<string, boolean>> {
  const { rows } = await runner.query<{ datname: string; can_connect: boolean }>(DATABASES_SQL);
  return new Map(rows.map((r) => [r.datname, r.can_connect]));
}
