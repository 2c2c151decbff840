// One long-lived monitor connection to one database. It connects, takes snapshots into the store on
// request, reconnects with backoff when the connection is lost and gives up (until a manual retry)
// on errors that retrying cannot fix. Invariant: at most one pg.Client per MonitorConnection exists
// at any time — a new one is only opened once the previous one is dropped and no attempt is running.
import * as l10n from '@vscode/l10n';
import type { Client, QueryResult, QueryResultRow } from 'pg';
import { BackoffPolicy, backoffDelay, defaultBackoff } from './backoff';
import { ConnectionConfig } from './connectionConfig';
import { describeTarget, PasswordSources, resolveConnection } from './connectionOptions';
import { DescribedError, describeError } from './errors';
import { Logger, silentLogger } from './logger';
import { openClient } from './openClient';
import { Endpoints, PoolerInfo, poolerFromBackendChange } from './pooler';
import { MonitorStatus, Snapshot } from './snapshot';
import { SqlRunner, takeSnapshot } from './snapshotQuery';
import { SnapshotStore } from './store';
import { systemTimers, TimerHandle, Timers } from './timers';
import { MONITOR_APPLICATION_NAME, MONITOR_QUERY_MARK } from './transactionSettings';

export interface MonitorConnectionOptions {
  /** The connection's name from pgHealth.connections (the store key). */
  name: string;
  config: ConnectionConfig;
  store: SnapshotStore;
  passwords?: PasswordSources;
  /** statement_timeout of each refresh (default 5 s), set for the refresh's own transaction. */
  statementTimeoutMs?: number;
  connectTimeoutMs?: number;
  backoff?: Partial<BackoffPolicy>;
  timers?: Timers;
  log?: Logger;
}

/** Raised by query() while there is no live connection. */
export class MonitorNotConnectedError extends Error {
  constructor(name: string) {
    super(l10n.t('{0} is not connected.', name));
    this.name = 'MonitorNotConnectedError';
  }
}

// Errors after which the client is unusable: drop it and reconnect.
const CONNECTION_LOST_KINDS = new Set(['connection-lost', 'terminated-by-admin', 'server-shutting-down', 'server-starting', 'unreachable']);

// Sent when nothing else was for half the server's idle_session_timeout: the monitor keeps its slot
// (and can still see a full server) without changing the setting for its session.
const HEARTBEAT_SQL = `${MONITOR_QUERY_MARK} SELECT 1`;

export class MonitorConnection implements SqlRunner {
  readonly name: string;
  private readonly config: ConnectionConfig;
  private readonly store: SnapshotStore;
  private readonly passwords: PasswordSources;
  private readonly statementTimeoutMs: number;
  private readonly connectTimeoutMs: number;
  private readonly backoff: BackoffPolicy;
  private readonly timers: Timers;
  private readonly log: Logger;

  private running = false;
  /** Bumped by stop(): an attempt from an older epoch closes what it opened. */
  private epoch = 0;
  private client: Client | undefined;
  private connecting: Promise<void> | undefined;
  private retryTimer: TimerHandle | undefined;
  private attempt = 0;
  private inFlight: Promise<Snapshot | undefined> | undefined;
  /** Serialises queries on the one client (pg deprecates overlapping queries). */
  private queue: Promise<unknown> = Promise.resolve();
  private currentStatus: MonitorStatus = { kind: 'idle' };
  private backendPid: number | undefined;
  private versionNum: number | undefined;
  /** Set once the connection is known to go through a pooler (kept until it is dropped). */
  private poolerInfo: PoolerInfo | undefined;
  private endpoints: Endpoints = { serverAddress: null, serverPort: null, viaPort: null };
  /** The server's idle_session_timeout for this session (ms; 0 or null: none). */
  private idleSessionTimeoutMs: number | null = null;
  private heartbeatTimer: TimerHandle | undefined;
  private lastError: DescribedError | undefined;
  private disposed = false;
  /** The previous client's close; a new connection waits for it so two never overlap. */
  private closing: Promise<void> = Promise.resolve();

  constructor(options: MonitorConnectionOptions) {
    this.name = options.name;
    this.config = options.config;
    this.store = options.store;
    this.passwords = options.passwords ?? {};
    this.statementTimeoutMs = options.statementTimeoutMs ?? 5_000;
    this.connectTimeoutMs = options.connectTimeoutMs ?? 10_000;
    this.backoff = { ...defaultBackoff, ...options.backoff };
    this.timers = options.timers ?? systemTimers;
    this.log = options.log ?? silentLogger;
  }

  get status(): MonitorStatus {
    return this.currentStatus;
  }

  /**
   * The backend that served the connection's first transaction, while connected. Directly connected,
   * the monitor's own for the whole connection; through a pooler (see `pooler`) only that of one
   * transaction: the actions check "own backend" in the statement that signals.
   */
  get monitorPid(): number | undefined {
    return this.backendPid;
  }

  /** Set while connected through a connection pooler. */
  get pooler(): PoolerInfo | undefined {
    return this.poolerInfo;
  }

  get serverVersionNum(): number | undefined {
    return this.versionNum;
  }

  get isConnected(): boolean {
    return this.client !== undefined;
  }

  /** The reason behind the current reconnecting/failed status. */
  get lastFailure(): DescribedError | undefined {
    return this.lastError;
  }

  /** Starts connecting (no-op while running). */
  start(): void {
    if (this.running || this.disposed) return;
    this.running = true;
    this.attempt = 0;
    void this.connect();
  }

  /** Closes the connection and cancels retries; the status becomes idle. */
  async stop(): Promise<void> {
    this.running = false;
    this.epoch++;
    this.clearRetry();
    const client = this.client;
    this.dropClient();
    const pending = this.connecting;
    if (client) await this.close(client);
    if (pending) await pending;
    if (!this.running) this.setStatus({ kind: 'idle' });
  }

  /** Stops for good without touching the store again (the connection was removed or replaced). */
  async dispose(): Promise<void> {
    this.disposed = true;
    await this.stop();
  }

  /** Connects now: after `failed`, while waiting for a retry, or when stopped. */
  retry(): void {
    if (this.client || this.disposed) return;
    this.clearRetry();
    this.attempt = 0;
    this.running = true;
    void this.connect();
  }

  /**
   * Takes one snapshot into the store. A call while one is running gets that one's result instead of
   * starting another (skipped, not queued). Resolves undefined when there is no connection or the
   * refresh failed (the status says why).
   */
  refresh(): Promise<Snapshot | undefined> {
    if (this.inFlight) return this.inFlight;
    const client = this.client;
    if (!client) return Promise.resolve(undefined);
    const run = this.runRefresh(client).finally(() => {
      if (this.inFlight === run) this.inFlight = undefined;
    });
    this.inFlight = run;
    return run;
  }

  /** A refresh that starts after everything already sent on the connection (for after an action). */
  async refreshAfterActions(): Promise<Snapshot | undefined> {
    await this.inFlight;
    return this.refresh();
  }

  /** Runs one statement on the monitor connection (used by actions). */
  async query<R extends QueryResultRow = QueryResultRow>(text: string, values?: unknown[]): Promise<QueryResult<R>> {
    const client = this.client;
    if (!client) throw new MonitorNotConnectedError(this.name);
    try {
      return await this.exclusive(() => this.withDeadline(client, client.query<R>(text, values)));
    } catch (error) {
      // The caller reports query errors (a refused terminate is not a monitor problem).
      if (CONNECTION_LOST_KINDS.has(describeError(error).kind)) this.connectionLost(client, error);
      throw error;
    }
  }

  private async runRefresh(client: Client): Promise<Snapshot | undefined> {
    const version = this.versionNum ?? 0;
    const settings = { applicationName: MONITOR_APPLICATION_NAME, statementTimeoutMs: this.statementTimeoutMs };
    try {
      const taken = await this.exclusive(() => this.withDeadline(client, takeSnapshot(client, this.name, version, settings)));
      if (client !== this.client || this.disposed) return undefined;
      this.noticePooler(taken);
      this.idleSessionTimeoutMs = taken.settings.idleSessionTimeout;
      const snapshot = this.poolerInfo ? { ...taken, pooler: this.poolerInfo } : taken;
      this.store.update(this.name, snapshot);
      this.currentStatus = { kind: 'live' };
      return snapshot;
    } catch (error) {
      if (client === this.client) this.noticeQueryError(client, error);
      return undefined;
    }
  }

  /** A snapshot that ran on another backend than the first transaction shows a pooler in between. */
  private noticePooler(snapshot: Snapshot): void {
    if (this.poolerInfo || this.backendPid === undefined) return;
    const found = poolerFromBackendChange(this.backendPid, snapshot.monitorPid, this.endpoints);
    if (!found) return;
    this.poolerInfo = found;
    this.log.info(`${this.name}: connected through a connection pooler (${found.evidence}); the monitor sets nothing beyond its own transactions`);
  }

  private noticeQueryError(client: Client, error: unknown): void {
    const described = describeError(error);
    if (CONNECTION_LOST_KINDS.has(described.kind)) this.connectionLost(client, error);
    else this.log.warn(`${this.name}: ${described.message}`);
  }

  private exclusive<T>(work: () => Promise<T>): Promise<T> {
    const client = this.client;
    this.clearHeartbeat();
    const result = this.queue.then(work, work);
    const settled = result.then(
      () => undefined,
      () => undefined,
    );
    this.queue = settled;
    void settled.then(() => {
      // The last query in line arms the heartbeat.
      if (client !== undefined && client === this.client && this.queue === settled) this.armHeartbeat(client);
    });
    return result;
  }

  /** After the last query: a heartbeat before the server's idle_session_timeout would end the session. */
  private armHeartbeat(client: Client): void {
    this.clearHeartbeat();
    const timeout = this.idleSessionTimeoutMs;
    if (timeout === null || timeout <= 0) return;
    this.heartbeatTimer = this.timers.setTimeout(() => {
      this.heartbeatTimer = undefined;
      if (client !== this.client) return;
      this.exclusive(() => this.withDeadline(client, client.query(HEARTBEAT_SQL))).catch((error: unknown) => {
        if (client === this.client) this.noticeQueryError(client, error);
      });
    }, Math.max(100, Math.floor(timeout / 2)));
  }

  private clearHeartbeat(): void {
    if (this.heartbeatTimer !== undefined) this.timers.clearTimeout(this.heartbeatTimer);
    this.heartbeatTimer = undefined;
  }

  /**
   * statement_timeout ends slow queries on the server; this ends the wait when the server or the
   * network does not answer at all (keepalives take minutes to notice a black hole).
   */
  private withDeadline<T>(client: Client, work: Promise<T>): Promise<T> {
    const deadlineMs = this.statementTimeoutMs + 5_000;
    return new Promise<T>((resolve, reject) => {
      const timer = this.timers.setTimeout(() => {
        reject(new Error(`Connection terminated: no answer from the server in ${deadlineMs} ms`));
        this.connectionLost(client, new Error('Connection terminated: the server stopped answering'));
      }, deadlineMs);
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
    let opened: Awaited<ReturnType<typeof openClient>>;
    let target = this.config.name;
    await this.closing;
    try {
      const resolved = await resolveConnection(this.config, this.passwords, { connectTimeoutMs: this.connectTimeoutMs });
      target = describeTarget(resolved.target);
      opened = await openClient(resolved, {
        onError: (error, client) => this.connectionLost(client, error),
        onEnd: (client) => this.connectionLost(client, new Error('Connection terminated unexpectedly')),
      });
    } catch (error) {
      this.connecting = undefined;
      if (epoch !== this.epoch) this.restartIfWanted();
      else if (this.running) this.failed(error, target);
      return;
    }
    if (epoch !== this.epoch || !this.running) {
      // stop() happened while connecting: this client must not become a second connection.
      await this.close(opened.client);
      this.connecting = undefined;
      this.restartIfWanted();
      return;
    }
    this.client = opened.client;
    this.backendPid = opened.pid;
    this.versionNum = opened.serverVersionNum;
    this.poolerInfo = opened.pooler;
    this.endpoints = opened.endpoints;
    this.idleSessionTimeoutMs = opened.idleSessionTimeoutMs;
    this.attempt = 0;
    this.lastError = undefined;
    this.connecting = undefined;
    this.log.info(
      `${this.name}: connected to ${target} (backend pid ${opened.pid}, server ${opened.serverVersionNum})` +
        (opened.pooler ? ` through a connection pooler (${opened.pooler.evidence})` : ''),
    );
    this.setStatus({ kind: 'live' });
    await this.refresh();
  }

  /** start() came after a stop() that overtook a running attempt: connect for the new epoch. */
  private restartIfWanted(): void {
    if (this.running && !this.client && !this.connecting && this.retryTimer === undefined) void this.connect();
  }

  /** The given client is gone (error, end, timeout). Ignored unless it is the current one. */
  private connectionLost(client: Client, error: unknown): void {
    if (client !== this.client) return;
    this.dropClient();
    void this.close(client);
    if (!this.running) return;
    this.failed(error, this.config.name);
  }

  /** Ends a client; waits at most 2 s (a dead network path can hold a graceful close for minutes). */
  private close(client: Client): Promise<void> {
    let timer: TimerHandle | undefined;
    const capped = new Promise<void>((resolve) => {
      timer = this.timers.setTimeout(resolve, 2_000);
    });
    const closed = Promise.race([endQuietly(client), capped]).finally(() => {
      if (timer !== undefined) this.timers.clearTimeout(timer);
    });
    this.closing = closed;
    return closed;
  }

  private dropClient(): void {
    this.client = undefined;
    this.backendPid = undefined;
    this.poolerInfo = undefined;
    this.clearHeartbeat();
    this.queue = Promise.resolve();
  }

  private failed(error: unknown, target: string): void {
    const described = describeError(error);
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

async function endQuietly(client: Client): Promise<void> {
  try {
    await client.end();
  } catch {
    // Already closed or broken: nothing left to release.
  }
}
