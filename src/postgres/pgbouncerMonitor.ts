// Watches PgBouncer through its admin console: ONE connection per pooler, kept across refreshes and
// reconnected with the monitor's backoff (backoff.ts), on which each refresh sends only the SHOW
// commands of pgbouncer.ts. Every wait is bounded: the connection attempt by connectTimeoutMs and each
// refresh by commandTimeoutMs (a SUSPENDed or stopped-answering pooler ends the connection, which is
// then retried). Invariant: at most one pg.Client per pooler exists at any time.
import type { Client } from 'pg';
import { BackoffPolicy, backoffDelay, defaultBackoff } from './backoff';
import { ConnectionConfig } from './connectionConfig';
import { describeTarget, PasswordSources, resolveConnection } from './connectionOptions';
import { DescribedError } from './errors';
import { Logger, silentLogger } from './logger';
import { ADMIN_DATABASE, describePoolerError, PoolerHealth, poolerHealth, PoolerSettings, PoolerSnapshot, poolKey, readPooler } from './pgbouncer';
import { MonitorStatus } from './snapshot';
import { Disposable } from './store';
import { systemTimers, TimerHandle, Timers } from './timers';

/** One point of a pooler's history: what the status bar and the dashboard draw over time. */
export interface PoolerHistoryPoint {
  at: number;
  /** cl_waiting summed over the application pools. */
  waiting: number;
  /** The longest wait of any pool, in seconds. */
  maxwaitSeconds: number;
  /** Server connections PgBouncer holds (SHOW SERVERS, every state). */
  servers: number;
  /** Clients connected to the pooler. */
  clients: number;
}

export interface PoolerState {
  name: string;
  status: MonitorStatus;
  snapshot: PoolerSnapshot | undefined;
  health: PoolerHealth | undefined;
  history: readonly PoolerHistoryPoint[];
}

/** Keeps each pooler's latest snapshot, its status, a short window for the saturation signs and a history. */
export class PoolerStore {
  private readonly states = new Map<string, PoolerState & { history: PoolerHistoryPoint[]; recent: PoolerSnapshot[]; streaks: Map<string, number> }>();
  private readonly listeners = new Set<(name: string) => void>();

  constructor(private historyLimitMs: number = 60 * 60 * 1000) {}

  setHistoryLimit(ms: number): void {
    this.historyLimitMs = ms;
  }

  get(name: string): PoolerState | undefined {
    return this.states.get(name);
  }

  all(): PoolerState[] {
    return [...this.states.values()];
  }

  onDidChange(listener: (name: string) => void): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  setStatus(name: string, status: MonitorStatus): void {
    this.ensure(name).status = status;
    this.emit(name);
  }

  update(name: string, snapshot: PoolerSnapshot): void {
    const state = this.ensure(name);
    state.status = { kind: 'live' };
    state.snapshot = snapshot;
    // The saturation signs need the pools of recent refreshes, not their clients (max_client_conn may be thousands).
    const previous = state.recent[state.recent.length - 1];
    if (previous) state.recent[state.recent.length - 1] = { ...previous, clients: [], servers: [] };
    state.recent.push(snapshot);
    if (state.recent.length > 10) state.recent.shift();
    // Refreshes in a row with clients waiting, per pool, however long it lasts.
    const streaks = new Map<string, number>();
    for (const pool of snapshot.pools) streaks.set(poolKey(pool), pool.clWaiting > 0 ? (state.streaks.get(poolKey(pool)) ?? 0) + 1 : 0);
    state.streaks = streaks;
    state.health = poolerHealth(state.recent, streaks);
    state.history.push({
      at: snapshot.takenAt,
      waiting: snapshot.pools.reduce((sum, p) => sum + p.clWaiting, 0),
      maxwaitSeconds: snapshot.pools.reduce((max, p) => Math.max(max, p.maxwaitSeconds), 0),
      servers: snapshot.servers.length,
      clients: snapshot.clients.length,
    });
    const cutoff = snapshot.takenAt - this.historyLimitMs;
    while (state.history.length > 0 && (state.history[0]?.at ?? cutoff) < cutoff) state.history.shift();
    this.emit(name);
  }

  /**
   * The pooler that owns a PostgreSQL backend: the configured PgBouncer whose SHOW SERVERS lists a
   * server connection from the backend's client address and port (PgBouncer's end of it), and, where
   * PgBouncer reports it, the same backend pid.
   */
  ownerOf(session: { pid: number; clientAddress: string | null; clientPort?: number | null }): { pooler: string; database: string; user: string; state: string } | undefined {
    if (session.clientAddress === null || session.clientPort === undefined || session.clientPort === null) return undefined;
    for (const state of this.states.values()) {
      const server = state.snapshot?.servers.find(
        (s) => s.localPort === session.clientPort && s.localAddr === session.clientAddress && (s.remotePid === 0 || s.remotePid === session.pid),
      );
      if (server) return { pooler: state.name, database: server.database, user: server.user, state: server.state };
    }
    return undefined;
  }

  retain(names: ReadonlySet<string>): void {
    for (const name of [...this.states.keys()]) {
      if (!names.has(name)) {
        this.states.delete(name);
        this.emit(name);
      }
    }
  }

  private ensure(name: string): PoolerState & { history: PoolerHistoryPoint[]; recent: PoolerSnapshot[]; streaks: Map<string, number> } {
    let state = this.states.get(name);
    if (!state) {
      state = { name, status: { kind: 'idle' }, snapshot: undefined, health: undefined, history: [], recent: [], streaks: new Map() };
      this.states.set(name, state);
    }
    return state;
  }

  private emit(name: string): void {
    for (const listener of this.listeners) {
      try {
        listener(name);
      } catch {
        // One failing view must not stop the others.
      }
    }
  }
}

export interface PgBouncerMonitorOptions {
  name: string;
  config: ConnectionConfig;
  store: PoolerStore;
  passwords?: PasswordSources;
  /** How long one refresh (all its SHOW commands) may take before the connection is dropped. Default 5 s. */
  commandTimeoutMs?: number;
  connectTimeoutMs?: number;
  /** How often SHOW CONFIG is read again (it changes only on RELOAD). Default 30 s. */
  settingsEveryMs?: number;
  backoff?: Partial<BackoffPolicy>;
  timers?: Timers;
  log?: Logger;
  /** How status sentences are worded (vscode.l10n.t in the extension). */
}

/** The entry with the console's database filled in (an entry of kind "pgbouncer" need not name it). */
export function adminConsoleConfig(config: ConnectionConfig): ConnectionConfig {
  if (config.database || config.connectionString) return config;
  return { ...config, database: ADMIN_DATABASE };
}

export class PgBouncerMonitor {
  readonly name: string;
  private readonly config: ConnectionConfig;
  private readonly store: PoolerStore;
  private readonly passwords: PasswordSources;
  private readonly commandTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly settingsEveryMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly timers: Timers;
  private readonly log: Logger;

  private running = false;
  private disposed = false;
  private epoch = 0;
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private closing: Promise<void> = Promise.resolve();
  private retryTimer: TimerHandle | undefined;
  private attempt = 0;
  private inFlight: Promise<PoolerSnapshot | undefined> | undefined;
  private currentStatus: MonitorStatus = { kind: 'idle' };
  private lastError: DescribedError | undefined;
  private settings: PoolerSettings | undefined;
  private settingsAt = 0;

  constructor(options: PgBouncerMonitorOptions) {
    this.name = options.name;
    this.config = adminConsoleConfig(options.config);
    this.store = options.store;
    this.passwords = options.passwords ?? {};
    this.commandTimeoutMs = options.commandTimeoutMs ?? 5_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.settingsEveryMs = options.settingsEveryMs ?? 30_000;
    this.backoff = { ...defaultBackoff, ...options.backoff };
    this.timers = options.timers ?? systemTimers;
    this.log = options.log ?? silentLogger;
  }

  get status(): MonitorStatus {
    return this.currentStatus;
  }

  get isConnected(): boolean {
    return this.client !== undefined;
  }

  get lastFailure(): DescribedError | undefined {
    return this.lastError;
  }

  start(): void {
    if (this.running || this.disposed) return;
    this.running = true;
    this.attempt = 0;
    void this.connect();
  }

  async stop(): Promise<void> {
    this.running = false;
    this.epoch++;
    this.clearRetry();
    const client = this.client;
    this.client = undefined;
    const pending = this.connecting;
    if (client) await this.close(client);
    if (pending) await pending;
    if (!this.running) this.setStatus({ kind: 'idle' });
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }

  /** Connects now (after a failure, or while waiting for a retry). */
  retry(): void {
    if (this.client || this.disposed) return;
    this.clearRetry();
    this.attempt = 0;
    this.running = true;
    void this.connect();
  }

  /** One refresh; a call while one runs gets that one's result. */
  refresh(): Promise<PoolerSnapshot | undefined> {
    if (this.inFlight) return this.inFlight;
    const client = this.client;
    if (!client) return Promise.resolve(undefined);
    const run = this.runRefresh(client).finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }

  private async runRefresh(client: Client): Promise<PoolerSnapshot | undefined> {
    const withSettings = this.settings === undefined || Date.now() - this.settingsAt >= this.settingsEveryMs;
    try {
      const snapshot = await this.withDeadline(readPooler(client, this.name, withSettings, this.settings));
      if (client !== this.client || this.disposed) return undefined;
      if (withSettings) {
        this.settings = snapshot.settings;
        this.settingsAt = Date.now();
      }
      this.currentStatus = { kind: 'live' };
      this.store.update(this.name, snapshot);
      return snapshot;
    } catch (error) {
      // A refused or unanswered command: the connection is dropped and opened again with backoff.
      if (client === this.client) this.connectionLost(client, error);
      return undefined;
    }
  }

  private withDeadline<T>(work: Promise<T>): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        reject(new Error(`timeout expired: PgBouncer did not answer in ${this.commandTimeoutMs} ms`));
      }, this.commandTimeoutMs);
      work.then(
        (value) => {
          this.timers.clearTimeout(timer);
          resolve(value);
        },
        (error: unknown) => {
          this.timers.clearTimeout(timer);
          reject(error);
        },
      );
    });
  }

  private connect(): Promise<void> {
    if (!this.running || this.client || this.connecting) return this.connecting ?? Promise.resolve();
    const epoch = this.epoch;
    if (this.attempt === 0) this.setStatus({ kind: 'connecting' });
    const attempt = this.openOnce(epoch).finally(() => {
      if (this.connecting === attempt) this.connecting = undefined;
    });
    this.connecting = attempt;
    return attempt;
  }

  private async openOnce(epoch: number): Promise<void> {
    await this.closing;
    let client: Client;
    let target = this.config.name;
    try {
      const resolved = await resolveConnection(this.config, this.passwords, { connectTimeoutMs: this.connectTimeoutMs });
      target = describeTarget(resolved.target);
      client = await this.openClient(resolved.attempts, resolved.target.sslMode);
    } catch (error) {
      this.connecting = undefined;
      if (epoch === this.epoch && this.running) this.failed(error, target);
      else this.restartIfWanted();
      return;
    }
    if (epoch !== this.epoch || !this.running) {
      await this.close(client);
      this.connecting = undefined;
      this.restartIfWanted();
      return;
    }
    client.on('error', (error: Error) => this.connectionLost(client, error));
    client.on('end', () => this.connectionLost(client, new Error('Connection terminated unexpectedly')));
    this.client = client;
    this.attempt = 0;
    this.lastError = undefined;
    this.connecting = undefined;
    this.settings = undefined;
    this.log.info(`${this.name}: connected to PgBouncer's admin console ${target}`);
    this.setStatus({ kind: 'live' });
    await this.refresh();
  }

  /** TLS first or plain first as sslmode says; PgBouncer often offers no TLS at all. */
  private async openClient(attempts: readonly import('pg').ClientConfig[], sslMode: string): Promise<Client> {
    const { Client } = await import('pg');
    let lastError: unknown;
    for (let i = 0; i < attempts.length; i++) {
      const config = attempts[i];
      if (!config) continue;
      const client = new Client(config);
      // The console ignores application_name; pg would send PGAPPNAME otherwise. Send nothing extra.
      const params = (client as unknown as { connectionParameters?: Record<string, unknown> }).connectionParameters;
      if (params) {
        params['application_name'] = undefined;
        params['fallback_application_name'] = undefined;
      }
      client.on('error', () => undefined);
      try {
        await client.connect();
        return client;
      } catch (error) {
        await client.end().catch(() => undefined);
        lastError = error;
        const kind = describePoolerError(error).kind;
        const next = (sslMode === 'prefer' && kind === 'tls-unsupported') || (sslMode === 'allow' && kind === 'tls-required');
        if (i + 1 < attempts.length && next) continue;
        throw error;
      }
    }
    throw lastError ?? new Error('no connection attempt was made');
  }

  private restartIfWanted(): void {
    if (this.running && !this.client && !this.connecting && this.retryTimer === undefined) void this.connect();
  }

  private connectionLost(client: Client, error: unknown): void {
    if (client !== this.client) return;
    this.client = undefined;
    void this.close(client);
    if (!this.running) return;
    this.failed(error, this.config.name);
  }

  /** Ends a client, waiting at most 2 s; a pooler that stopped answering gets its socket destroyed. */
  private close(client: Client): Promise<void> {
    let timer: TimerHandle | undefined;
    const capped = new Promise<void>((resolve) => {
      timer = this.timers.setTimeout(() => {
        const stream = (client as unknown as { connection?: { stream?: { destroy?: () => void } } }).connection?.stream;
        stream?.destroy?.();
        resolve();
      }, 2_000);
    });
    const closed = Promise.race([client.end().catch(() => undefined), capped]).finally(() => {
      if (timer !== undefined) this.timers.clearTimeout(timer);
    });
    this.closing = closed;
    return closed;
  }

  private failed(error: unknown, target: string): void {
    const described = describePoolerError(error);
    this.lastError = described;
    if (described.permanent) {
      this.log.error(`${this.name} (${target}): ${described.message}`);
      this.setStatus({ kind: 'failed', reason: described.message });
      return;
    }
    this.attempt++;
    const delay = backoffDelay(this.attempt, this.backoff);
    this.log.warn(`${this.name} (${target}): ${described.message} — retry ${this.attempt} in ${delay} ms`);
    this.setStatus({ kind: 'reconnecting', lastError: described.message, attempt: this.attempt, nextRetryMs: delay });
    this.clearRetry();
    this.retryTimer = this.timers.setTimeout(() => {
      this.retryTimer = undefined;
      void this.connect();
    }, delay);
  }

  private clearRetry(): void {
    if (this.retryTimer !== undefined) this.timers.clearTimeout(this.retryTimer);
    this.retryTimer = undefined;
  }

  private setStatus(status: MonitorStatus): void {
    this.currentStatus = status;
    if (!this.disposed) this.store.setStatus(this.name, status);
  }
}

export interface PgBouncerMonitorsOptions {
  store: PoolerStore;
  intervalMs?: number;
  passwordsFor?: (config: ConnectionConfig) => PasswordSources;
  monitorOptions?: Pick<PgBouncerMonitorOptions, 'commandTimeoutMs' | 'connectTimeoutMs' | 'backoff' | 'settingsEveryMs'>;
  timers?: Timers;
  log?: Logger;
}

/** Every configured PgBouncer, one monitor each, polled on one timer while not paused. */
export class PgBouncerMonitors {
  private readonly monitors = new Map<string, { config: ConnectionConfig; monitor: PgBouncerMonitor }>();
  private readonly timers: Timers;
  private interval: number;
  private pollTimer: TimerHandle | undefined;
  private isPaused = false;
  private disposed = false;

  constructor(private readonly options: PgBouncerMonitorsOptions) {
    this.timers = options.timers ?? systemTimers;
    this.interval = options.intervalMs ?? 2_000;
  }

  set intervalMs(ms: number) {
    this.interval = Math.max(100, ms);
    this.clearPoll();
    this.schedule();
  }

  /** Applies the entries of kind "pgbouncer" (others are ignored). */
  configure(configs: readonly ConnectionConfig[]): void {
    const wanted = new Map(configs.filter((c) => c.kind === 'pgbouncer').map((c) => [c.name, c]));
    for (const [name, entry] of [...this.monitors]) {
      const config = wanted.get(name);
      if (!config || JSON.stringify(config) !== JSON.stringify(entry.config)) {
        this.monitors.delete(name);
        void entry.monitor.dispose();
      }
    }
    for (const [name, config] of wanted) {
      if (this.monitors.has(name)) continue;
      const monitor = new PgBouncerMonitor({
        name,
        config,
        store: this.options.store,
        passwords: this.options.passwordsFor?.(config) ?? {},
        ...this.options.monitorOptions,
        timers: this.timers,
        ...(this.options.log ? { log: this.options.log } : {}),
      });
      this.monitors.set(name, { config, monitor });
      this.options.store.setStatus(name, { kind: 'idle' });
      monitor.start();
    }
    this.options.store.retain(new Set(wanted.keys()));
    this.schedule();
  }

  names(): string[] {
    return [...this.monitors.keys()];
  }

  monitor(name: string): PgBouncerMonitor | undefined {
    return this.monitors.get(name)?.monitor;
  }

  pause(): void {
    this.isPaused = true;
    this.clearPoll();
  }

  resume(): void {
    if (!this.isPaused) return;
    this.isPaused = false;
    this.poll();
    this.schedule();
  }

  async refresh(name?: string): Promise<void> {
    const targets = name === undefined ? [...this.monitors.values()] : [this.monitors.get(name)].filter((e) => e !== undefined);
    await Promise.all(targets.map((e) => e.monitor.refresh()));
  }

  retry(name: string): void {
    this.monitors.get(name)?.monitor.retry();
  }

  async dispose(): Promise<void> {
    this.disposed = true;
    this.clearPoll();
    const stopping = [...this.monitors.values()].map((e) => e.monitor.dispose());
    this.monitors.clear();
    await Promise.all(stopping);
  }

  private poll(): void {
    for (const { monitor } of this.monitors.values()) void monitor.refresh();
  }

  private schedule(): void {
    if (this.pollTimer !== undefined || this.isPaused || this.disposed || this.monitors.size === 0) return;
    this.pollTimer = this.timers.setTimeout(() => {
      this.pollTimer = undefined;
      this.poll();
      this.schedule();
    }, this.interval);
  }

  private clearPoll(): void {
    if (this.pollTimer !== undefined) this.timers.clearTimeout(this.pollTimer);
    this.pollTimer = undefined;
  }
}

/** A configured PostgreSQL database that a pooler's server connections go to, and how much of it they take. */
export interface PoolerBackend {
  /** The PostgreSQL entry's name. */
  database: string;
  /** Backends of that server the pooler opened (matched by SHOW SERVERS' local address and port). */
  owned: number;
  /** The server's used/capacity (capacity: the slots ordinary users may take). */
  used: number;
  capacity: number;
}

/**
 * The configured PostgreSQL server behind `pooler`: the entry whose latest snapshot holds the most
 * backends this pooler opened. Undefined when none is configured (or none is watched closely yet).
 */
export function poolerBackend(poolers: PoolerStore, pooler: string, databases: readonly { name: string; snapshot: { sessions: readonly { pid: number; clientAddress: string | null; clientPort?: number | null }[]; used: number; capacity: number } | undefined }[]): PoolerBackend | undefined {
  let best: PoolerBackend | undefined;
  for (const state of databases) {
    const snapshot = state.snapshot;
    if (!snapshot) continue;
    const owned = snapshot.sessions.filter((s) => poolers.ownerOf(s)?.pooler === pooler).length;
    if (owned > 0 && (!best || owned > best.owned)) best = { database: state.name, owned, used: snapshot.used, capacity: snapshot.capacity };
  }
  return best;
}
