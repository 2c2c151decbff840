// Keeps the latest snapshot, the connection status and a bounded history per database.
// One poll feeds it; the tree, the dashboard and the status bar render from it and never query
// PostgreSQL themselves.
import { Bounds, enforceBounds, mergeHistories } from '../history/downsample';
import type { PoolerInfo } from './pooler';
import { MonitorStatus, Snapshot } from './snapshot';

/**
 * One point of the usage history: a sample, or (older than the full-resolution window) a minute's
 * bucket. An hour at 2 s is 1,800 samples; a week is 10,080 buckets more.
 */
export interface HistoryPoint {
  /** Epoch milliseconds (local clock, when the snapshot arrived); a bucket's minute start. */
  at: number;
  /** A bucket's highest `used`, and `byState` is that busiest sample's. */
  used: number;
  capacity: number;
  maxConnections: number;
  byState: Record<string, number>;
  /** Set on a minute's bucket. */
  bucket?: { minUsed: number; lastUsed: number; samples: number };
}

/** Receives every new sample (the on-disk history). */
export interface HistorySink {
  append(name: string, point: HistoryPoint): void;
}

/**
 * A database's number when nobody holds a monitor connection to it (see overview.ts): the server's
 * usage and this database's share, taken with a short connection every overview interval, or read
 * off the snapshot of a monitor held for another database of the same server.
 */
export type Overview =
  | {
      kind: 'usage';
      /** Epoch milliseconds when it was taken. */
      at: number;
      /** host:port of the server. */
      server: string;
      /** The server's used/capacity: every database's client backends together. */
      used: number;
      capacity: number;
      maxConnections: number;
      /** Client backends connected to this database. */
      databaseSessions: number;
      /** This database's sessions by state ('unknown' where the role may not see it). */
      byState: Record<string, number>;
      /** 'probe': a short connection of its own; 'held': the monitor connection of `heldBy`, a database of the same server. */
      source: 'probe' | 'held';
      heldBy?: string;
      /** Set when the number was read through a connection pooler. */
      pooler?: PoolerInfo;
    }
  | { kind: 'error'; at: number; server: string; message: string };

export interface DatabaseState {
  name: string;
  status: MonitorStatus;
  snapshot: Snapshot | undefined;
  /** The at-a-glance number while the database is not held (undefined until the first overview). */
  overview: Overview | undefined;
  history: readonly HistoryPoint[];
  /** Highest `used` seen since the store started tracking this database, or in the history it read back from disk. */
  peak: number;
}

export interface Disposable {
  dispose(): void;
}

export type StoreListener = (name: string) => void;

export class SnapshotStore {
  private readonly states = new Map<string, DatabaseState & { history: HistoryPoint[] }>();
  private readonly listeners = new Set<StoreListener>();
  private sink: HistorySink | undefined;
  private retentionMs = 0;

  /**
   * @param historyLimitMs how far back every sample is kept; before that, with a retention set, one
   * point per minute up to the retention
   */
  constructor(private historyLimitMs: number = 60 * 60 * 1000) {}

  setHistoryLimit(ms: number): void {
    this.historyLimitMs = ms;
  }

  /** How far back minute buckets are kept (0: no buckets, only the full-resolution window). */
  setRetention(ms: number): void {
    this.retentionMs = ms;
  }

  bounds(): Bounds {
    return { fullResolutionMs: this.historyLimitMs, retentionMs: Math.max(this.historyLimitMs, this.retentionMs) };
  }

  setHistorySink(sink: HistorySink | undefined): void {
    this.sink = sink;
  }

  /** History read back from disk: merged with what arrived meanwhile, and the peak raised to it. */
  restoreHistory(name: string, points: readonly HistoryPoint[], now: number = Date.now()): void {
    if (points.length === 0) return;
    const state = this.ensure(name);
    state.history = mergeHistories(points, state.history, now, this.bounds());
    for (const p of state.history) state.peak = Math.max(state.peak, p.used);
    this.emit(name);
  }

  get(name: string): DatabaseState | undefined {
    return this.states.get(name);
  }

  all(): DatabaseState[] {
    return [...this.states.values()];
  }

  onDidChange(listener: StoreListener): Disposable {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  }

  setStatus(name: string, status: MonitorStatus): void {
    const state = this.ensure(name);
    state.status = status;
    this.emit(name);
  }

  setOverview(name: string, overview: Overview): void {
    const state = this.ensure(name);
    state.overview = overview;
    this.emit(name);
  }

  update(name: string, snapshot: Snapshot, at: number = Date.now()): void {
    const state = this.ensure(name);
    state.snapshot = snapshot;
    state.status = { kind: 'live' };
    state.peak = Math.max(state.peak, snapshot.used);
    const point: HistoryPoint = {
      at,
      used: snapshot.used,
      capacity: snapshot.capacity,
      maxConnections: snapshot.settings.maxConnections,
      byState: { ...snapshot.byState },
    };
    state.history.push(point);
    enforceBounds(state.history, at, this.bounds());
    this.sink?.append(name, point);
    this.emit(name);
  }

  /** Forget databases that are no longer configured. */
  retain(names: ReadonlySet<string>): void {
    for (const name of [...this.states.keys()]) {
      if (!names.has(name)) {
        this.states.delete(name);
        this.emit(name);
      }
    }
  }

  private ensure(name: string): DatabaseState & { history: HistoryPoint[] } {
    let state = this.states.get(name);
    if (!state) {
      state = { name, status: { kind: 'idle' }, snapshot: undefined, overview: undefined, history: [], peak: 0 };
      this.states.set(name, state);
    }
    return state;
  }

  private emit(name: string): void {
    for (const listener of this.listeners) {
      try {
        listener(name);
      } catch {
        // A failing view must not stop the others from updating.
      }
    }
  }
}
