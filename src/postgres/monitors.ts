// The monitors of all configured databases, connected on demand. A view that needs a database
// takes a lease; only leased databases hold a connection and are polled. When the last lease goes,
// the connection is closed after an idle delay (so collapsing and re-expanding a node is cheap).
// pause() stops polling but keeps connections: a monitor that disconnected could not get back in
// while the server is full.
import { ConnectionConfig } from './connectionConfig';
import { PasswordSources } from './connectionOptions';
import { Logger, silentLogger } from './logger';
import { MonitorConnection, MonitorConnectionOptions } from './monitorConnection';
import { Disposable, SnapshotStore } from './store';
import { systemTimers, TimerHandle, Timers } from './timers';

export interface MonitorManagerOptions {
  store: SnapshotStore;
  /** Time between polls of each leased database (pgHealth.refreshInterval). Default 2 s. */
  intervalMs?: number;
  /** How long a database keeps its connection after its last lease is released. Default 60 s. */
  idleDisconnectMs?: number;
  /** Password sources per connection (the VS Code side supplies the SecretStorage lookup). */
  passwordsFor?: (config: ConnectionConfig) => PasswordSources;
  /** Passed to every MonitorConnection (timeouts, backoff). */
  monitorOptions?: Pick<MonitorConnectionOptions, 'statementTimeoutMs' | 'connectTimeoutMs' | 'backoff'>;
  timers?: Timers;
  log?: Logger;
}

interface Entry {
  config: ConnectionConfig;
  monitor: MonitorConnection;
  idleTimer: TimerHandle | undefined;
}

export class MonitorManager {
  private readonly store: SnapshotStore;
  private readonly timers: Timers;
  private readonly log: Logger;
  private readonly options: MonitorManagerOptions;
  private readonly entries = new Map<string, Entry>();
  /** Lease reasons per connection name; kept for names not (yet) configured. */
  private readonly leases = new Map<string, Map<number, string>>();
  private nextLeaseId = 1;
  private interval: number;
  private idleDisconnectMs: number;
  private isPaused = false;
  private pollTimer: TimerHandle | undefined;
  private disposed = false;

  constructor(options: MonitorManagerOptions) {
    this.options = options;
    this.store = options.store;
    this.timers = options.timers ?? systemTimers;
    this.log = options.log ?? silentLogger;
    this.interval = options.intervalMs ?? 2_000;
    this.idleDisconnectMs = options.idleDisconnectMs ?? 60_000;
  }

  get intervalMs(): number {
    return this.interval;
  }

  set intervalMs(ms: number) {
    this.interval = Math.max(100, ms);
    this.schedulePoll(true);
  }

  setIdleDisconnectMs(ms: number): void {
    this.idleDisconnectMs = ms;
  }

  get paused(): boolean {
    return this.isPaused;
  }

  /** Applies pgHealth.connections: new names get a monitor, removed ones are closed and forgotten, changed ones reconnect. */
  configure(configs: readonly ConnectionConfig[]): void {
    const wanted = new Map<string, ConnectionConfig>();
    for (const config of configs) {
      if (wanted.has(config.name)) this.log.warn(`pgHealth.connections: "${config.name}" is configured twice; the first entry is used`);
      else wanted.set(config.name, config);
    }
    for (const [name, entry] of [...this.entries]) {
      const config = wanted.get(name);
      if (!config || !sameConfig(config, entry.config)) this.remove(name, entry);
    }
    for (const [name, config] of wanted) {
      if (this.entries.has(name)) continue;
      const monitor = new MonitorConnection({
        name,
        config,
        store: this.store,
        passwords: this.options.passwordsFor?.(config) ?? {},
        ...this.options.monitorOptions,
        timers: this.timers,
        log: this.log,
      });
      this.entries.set(name, { config, monitor, idleTimer: undefined });
      this.store.setStatus(name, { kind: 'idle' });
      if (this.isLeased(name)) monitor.start();
    }
    this.store.retain(new Set(wanted.keys()));
    this.schedulePoll(false);
  }

  names(): string[] {
    return [...this.entries.keys()];
  }

  monitor(name: string): MonitorConnection | undefined {
    return this.entries.get(name)?.monitor;
  }

  /** Declares that `reason` (e.g. "tree", "dashboard", "statusBar") needs live data for `name` until disposed. */
  lease(name: string, reason: string): Disposable {
    const id = this.nextLeaseId++;
    let holders = this.leases.get(name);
    if (!holders) {
      holders = new Map();
      this.leases.set(name, holders);
    }
    holders.set(id, reason);
    const entry = this.entries.get(name);
    if (entry) {
      this.cancelIdle(entry);
      entry.monitor.start();
    }
    this.schedulePoll(false);
    let released = false;
    return {
      dispose: () => {
        if (released) return;
        released = true;
        this.release(name, id);
      },
    };
  }

  /** True while a view needs `name` closely: it holds a monitor connection and is polled every refresh interval. */
  isHeld(name: string): boolean {
    return this.isLeased(name);
  }

  /** Why `name` is connected (for the tooltip and the logs). */
  leaseReasons(name: string): string[] {
    return [...(this.leases.get(name)?.values() ?? [])];
  }

  /** Stops polling (the window lost focus and nothing is visible); connections stay open. */
  pause(): void {
    this.isPaused = true;
    this.clearPoll();
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    // Views come back to fresh data at once rather than after one interval.
    this.poll();
    this.schedulePoll(true);
  }

  /**
   * Refreshes one database, or every leased one, with a snapshot taken after this call (after an
   * action, or the Refresh command). The interval's polls instead skip a database still refreshing.
   */
  async refresh(name?: string): Promise<void> {
    await Promise.all(this.targets(name).map((entry) => entry.monitor.refreshAfterActions()));
  }

  private poll(): void {
    for (const entry of this.targets(undefined)) void entry.monitor.refresh();
  }

  private targets(name: string | undefined): Entry[] {
    if (name !== undefined) {
      const entry = this.entries.get(name);
      return entry ? [entry] : [];
    }
    return [...this.entries.entries()].filter(([n]) => this.isLeased(n)).map(([, e]) => e);
  }

  /** Reconnects a failed or waiting database now (after the user fixed the password, say). */
  retry(name: string): void {
    const entry = this.entries.get(name);
    if (!entry) return;
    if (this.isLeased(name)) entry.monitor.retry();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearPoll();
    const stopping = [...this.entries.values()].map((entry) => {
      this.cancelIdle(entry);
      return entry.monitor.dispose();
    });
    this.entries.clear();
    this.leases.clear();
    await Promise.all(stopping);
  }

  private release(name: string, id: number): void {
    const holders = this.leases.get(name);
    if (!holders) return;
    holders.delete(id);
    if (holders.size > 0) return;
    this.leases.delete(name);
    const entry = this.entries.get(name);
    if (!entry || this.disposed) return;
    this.cancelIdle(entry);
    entry.idleTimer = this.timers.setTimeout(() => {
      entry.idleTimer = undefined;
      if (!this.isLeased(name) && this.entries.get(name) === entry) void entry.monitor.stop();
    }, this.idleDisconnectMs);
  }

  private remove(name: string, entry: Entry): void {
    this.cancelIdle(entry);
    this.entries.delete(name);
    void entry.monitor.dispose();
  }

  private isLeased(name: string): boolean {
    return (this.leases.get(name)?.size ?? 0) > 0;
  }

  private cancelIdle(entry: Entry): void {
    if (entry.idleTimer !== undefined) this.timers.clearTimeout(entry.idleTimer);
    entry.idleTimer = undefined;
  }

  /** One timer drives every leased database; a monitor skips a poll while its last one still runs. */
  private schedulePoll(restart: boolean): void {
    if (restart) this.clearPoll();
    if (this.pollTimer !== undefined || this.isPaused || this.disposed) return;
    if (![...this.entries.keys()].some((name) => this.isLeased(name))) return;
    this.pollTimer = this.timers.setTimeout(() => {
      this.pollTimer = undefined;
      this.poll();
      this.schedulePoll(false);
    }, this.interval);
  }

  private clearPoll(): void {
    if (this.pollTimer !== undefined) this.timers.clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }
}

function sameConfig(a: ConnectionConfig, b: ConnectionConfig): boolean {
  const keys: Array<keyof ConnectionConfig> = ['name', 'kind', 'connectionString', 'host', 'port', 'database', 'user', 'ssl', 'sslRootCert'];
  return keys.every((key) => a[key] === b[key]);
}
