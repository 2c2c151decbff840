// From the store's state of one database to what the dashboard draws. Pure, so the numbers the
// user reads can be checked against the snapshot in unit tests.
import * as l10n from '@vscode/l10n';
import { poolerAdvice } from '../postgres/pooler';
import { Session, Snapshot } from '../postgres/snapshot';
import { pointEnd } from '../history/downsample';
import { DatabaseState, HistoryPoint } from '../postgres/store';
import { DEFAULT_IDLE_THRESHOLDS, IdleThresholds, idleAdvice, maxConnectionsAdvice, pgBouncerAdvice } from './advice';
import { forecastCapacity } from './forecast';
import { forecastDailyPeaks } from './longForecast';
import {
  DashboardPayload,
  GroupDimension,
  GroupRow,
  HistoryRange,
  historyRangeMs,
  HistorySample,
  HistoryView,
  IdleInTransactionRow,
  LiveView,
  PoolBudgetView,
  FleetView,
  PrometheusStatusView,
  StateBucket,
  StateCounts,
  UsageLevel,
} from './protocol';
import { NODE_POSTGRES_RETRY, PSYCOPG_RETRY } from './retrySnippets';

export interface DashboardOptions {
  /** Analyser findings in the workspace by rule id; undefined before any analysis. */
  findings?: Record<string, number> | undefined;
  thresholds?: IdleThresholds;
  /** Shares of capacity (pgHealth.warningThreshold / criticalThreshold). */
  warningRatio?: number;
  criticalRatio?: number;
  /** How far back the history chart reaches (default: the range's span). */
  historyWindowMs?: number;
  /** The range picked in the dashboard; default 1 h. */
  historyRange?: HistoryRange;
  /** pgHealth.history.retentionDays, for the chart's note. */
  retentionDays?: number;
  /** Cap on the samples sent to the webview: the chart is a few hundred pixels wide. */
  maxHistorySamples?: number;
  /** Rows per top table and of the idle-in-transaction list. */
  maxRows?: number;
  /** "last query from jobs/invoice-job.js:9, where the client is not released on every path", for sessions whose query comes from a leaking function. */
  leakOf?: (s: Session) => string | undefined;
  /** The workspace's pools against this database's capacity (poolBudget.ts). */
  budget?: PoolBudgetView;
  /** With pgHealth.prometheus.url: what Prometheus gave (prometheusModel.ts builds it). */
  prometheus?: PrometheusOptions;
  /** The chart's right edge (default: the newest point). */
  now?: number;
}

export interface PrometheusOptions {
  status: PrometheusStatusView;
  /** The chart's range, a point per step: drawn instead of the editor's own samples. */
  chart?: { points: HistoryPoint[]; stepMs: number };
  /** The last 7 days, for the forecast over days when they reach further back than the editor's own history. */
  week?: HistoryPoint[];
  fleet?: FleetView;
}

function spanOf(points: readonly { at: number }[]): number {
  return points.length < 2 ? 0 : (points[points.length - 1] as { at: number }).at - (points[0] as { at: number }).at;
}

export function stateBucket(state: string | null): StateBucket {
  switch (state) {
    case 'active':
      return 'active';
    case 'idle':
      return 'idle';
    case 'idle in transaction':
      return 'idleInTransaction';
    case 'idle in transaction (aborted)':
      return 'aborted';
    default:
      return 'other';
  }
}

export function emptyStateCounts(): StateCounts {
  return { active: 0, idle: 0, idleInTransaction: 0, aborted: 0, other: 0 };
}

/** Folds the monitor's per-state counts (hidden sessions under 'unknown') into the dashboard's buckets. */
export function bucketStateCounts(byState: Readonly<Record<string, number>>): StateCounts {
  const counts = emptyStateCounts();
  for (const [state, count] of Object.entries(byState)) counts[stateBucket(state)] += count;
  return counts;
}

export function usageLevel(used: number, capacity: number, warningRatio: number, criticalRatio: number): UsageLevel {
  if (capacity <= 0) return 'critical';
  const ratio = used / capacity;
  if (ratio >= criticalRatio) return 'critical';
  if (ratio >= warningRatio) return 'warning';
  return 'ok';
}

function secondsBetween(fromIso: string | null, to: number): number | null {
  if (fromIso === null) return null;
  const from = Date.parse(fromIso);
  return Number.isNaN(from) ? null : Math.max(0, Math.round((to - from) / 1000));
}

function groupLabel(session: Session, dimension: GroupDimension): string {
  const value = session[dimension];
  if (value === null) return session.visible ? l10n.t('(none)') : l10n.t('(insufficient privilege)');
  if (value === '') return l10n.t('(empty)');
  return value;
}

/** Sessions grouped by one attribute, most sessions first, with each group's longest-connected session. */
export function groupSessions(sessions: readonly Session[], dimension: GroupDimension, now: number, limit: number): GroupRow[] {
  const groups = new Map<string, GroupRow>();
  for (const session of sessions) {
    const label = groupLabel(session, dimension);
    let row = groups.get(label);
    if (!row) {
      row = { label, count: 0, oldestPid: null, oldestSeconds: null };
      groups.set(label, row);
    }
    row.count++;
    const age = secondsBetween(session.backendStart, now);
    if (age !== null && (row.oldestSeconds === null || age > row.oldestSeconds)) {
      row.oldestSeconds = age;
      row.oldestPid = session.pid;
    }
  }
  return [...groups.values()]
    .sort((a, b) => b.count - a.count || (b.oldestSeconds ?? -1) - (a.oldestSeconds ?? -1) || a.label.localeCompare(b.label))
    .slice(0, limit);
}

function terminateRefusal(session: Session, snapshot: Snapshot): string | null {
  if (session.isMonitor) return l10n.t("This is the dashboard's own monitor connection.");
  if (session.backendType !== null && session.backendType !== 'client backend') {
    return l10n.t({ message: 'A {0}, not a client session.', args: [session.backendType], comment: ['{0} is a backend type as PostgreSQL names it ("autovacuum worker")'] });
  }
  const role = snapshot.role;
  if (role.isSuperuser || role.canSignalBackend || session.user === role.name) return null;
  return l10n.t("Terminating another user's session needs superuser or membership in pg_signal_backend (role {0} has neither).", role.name);
}

export function idleInTransactionRows(snapshot: Snapshot, leakOf?: (s: Session) => string | undefined): IdleInTransactionRow[] {
  return snapshot.sessions
    .filter((s) => s.state === 'idle in transaction' || s.state === 'idle in transaction (aborted)')
    .map((s) => ({
      pid: s.pid,
      backendStart: s.backendStart,
      user: s.user,
      application: s.application,
      clientAddress: s.clientAddress,
      database: s.database,
      aborted: s.state === 'idle in transaction (aborted)',
      idleSeconds: s.stateSeconds,
      transactionSeconds: s.transactionSeconds,
      query: s.query,
      leak: leakOf?.(s) ?? null,
      cannotTerminate: terminateRefusal(s, snapshot),
    }))
    .sort((a, b) => (b.idleSeconds ?? -1) - (a.idleSeconds ?? -1) || a.pid - b.pid);
}

function toSample(point: HistoryPoint): HistorySample {
  return {
    at: point.at,
    used: point.used,
    capacity: point.capacity,
    maxConnections: point.maxConnections,
    byState: bucketStateCounts(point.byState),
  };
}

export interface HistoryViewOptions {
  range?: HistoryRange;
  retentionDays?: number;
  /** A pause between samples longer than this is a gap; default three times the usual spacing, at least 15 s. */
  gapMs?: number;
}

/** The middle spacing of consecutive samples (not buckets): what "on time" means for this history. */
function usualSpacing(points: readonly HistoryPoint[]): number {
  const spacings: number[] = [];
  for (let i = 1; i < points.length; i++) {
    const a = points[i - 1] as HistoryPoint;
    const b = points[i] as HistoryPoint;
    if (!a.bucket && !b.bucket) spacings.push(b.at - a.at);
  }
  if (spacings.length === 0) return 0;
  spacings.sort((x, y) => x - y);
  return spacings[Math.floor(spacings.length / 2)] as number;
}

/**
 * The last `windowMs` of history (or less, when younger, but at least a minute wide), thinned to at
 * most `maxSamples` by keeping the busiest point of each equal stretch of time, with the stretches
 * that have no data as gaps (only those longer than one drawn stretch: narrower ones are not visible).
 */
export function historyView(history: readonly HistoryPoint[], windowMs: number, maxSamples: number, now?: number, options: HistoryViewOptions = {}): HistoryView {
  const to = now ?? history[history.length - 1]?.at ?? 0;
  const inWindow = history.filter((p) => pointEnd(p) >= to - windowMs && p.at <= to);
  // A young history fills the chart instead of hugging its right edge.
  const from = Math.min(to - 60_000, Math.max(to - windowMs, inWindow[0]?.at ?? to));
  const slotMs = Math.max(1, (to - from) / maxSamples);
  const gapMs = Math.max(options.gapMs ?? Math.max(15_000, 3 * usualSpacing(inWindow)), inWindow.length > maxSamples ? slotMs : 0);
  const gaps: Array<{ from: number; to: number }> = [];
  for (let i = 1; i < inWindow.length; i++) {
    const end = pointEnd(inWindow[i - 1] as HistoryPoint);
    const next = (inWindow[i] as HistoryPoint).at;
    if (next - end > gapMs) gaps.push({ from: Math.max(from, end), to: next });
  }
  let chosen: HistoryPoint[];
  if (inWindow.length <= maxSamples) {
    chosen = inWindow;
  } else {
    // Keeping the highest point of each stretch means a short spike to capacity is never thinned away.
    const slots = new Map<number, HistoryPoint>();
    for (const p of inWindow) {
      const slot = Math.min(maxSamples - 1, Math.max(0, Math.floor((p.at - from) / slotMs)));
      const best = slots.get(slot);
      if (best === undefined || p.used > best.used) slots.set(slot, p);
    }
    chosen = [...slots.entries()].sort((a, b) => a[0] - b[0]).map(([, p]) => p);
  }
  let gapIndex = 0;
  const samples = chosen.map((p, i) => {
    const sample = toSample(p);
    const previous = chosen[i - 1];
    // A gap that ends after the previous drawn point and by this one lies between them.
    let gapBefore = false;
    while (gapIndex < gaps.length && (gaps[gapIndex] as { to: number }).to <= p.at) {
      if (previous !== undefined && (gaps[gapIndex] as { to: number }).to > previous.at) gapBefore = true;
      gapIndex++;
    }
    if (gapBefore) sample.gapBefore = true;
    return sample;
  });
  return { from, to, range: options.range ?? '1h', retentionDays: options.retentionDays ?? 0, pointCount: inWindow.length, samples, gaps };
}

/** Highest number of sessions holding a transaction at once: what a transaction pooler must serve. */
export function peakBusy(history: readonly HistoryPoint[], snapshot: Snapshot): number {
  const busy = (counts: StateCounts): number => counts.active + counts.idleInTransaction + counts.aborted;
  let peak = busy(bucketStateCounts(snapshot.byState));
  for (const point of history) peak = Math.max(peak, busy(bucketStateCounts(point.byState)));
  return peak;
}

function roleNotes(snapshot: Snapshot): string[] {
  const notes: string[] = [];
  const role = snapshot.role;
  if (snapshot.hidden > 0 && !role.canReadAllStats && !role.isSuperuser) {
    notes.push(
      snapshot.hidden === 1
        ? l10n.t('1 session belong to other users and show no details to role {0}: grant pg_read_all_stats (or pg_monitor) to see their application, client and query.', role.name)
        : l10n.t(
            '{0} sessions belong to other users and show no details to role {1}: grant pg_read_all_stats (or pg_monitor) to see their application, client and query.',
            snapshot.hidden,
            role.name,
          ),
    );
  }
  if (!role.isSuperuser && !role.canSignalBackend) {
    notes.push(l10n.t('Role {0} can terminate only its own sessions: others need superuser or pg_signal_backend.', role.name));
  } else if (!role.isSuperuser) {
    notes.push(l10n.t("Role {0} cannot terminate superusers' sessions (pg_signal_backend does not cover them).", role.name));
  }
  return notes;
}

function liveView(state: DatabaseState, snapshot: Snapshot, options: DashboardOptions): LiveView {
  const takenAt = Date.parse(snapshot.takenAt);
  const now = Number.isNaN(takenAt) ? Date.now() : takenAt;
  const maxRows = options.maxRows ?? 10;
  const settings = snapshot.settings;
  const iit = idleInTransactionRows(snapshot, options.leakOf);
  const iitLimit = Math.max(maxRows, 50);
  return {
    takenAt: snapshot.takenAt,
    serverVersion: settings.serverVersion,
    role: snapshot.role,
    usage: {
      used: snapshot.used,
      capacity: snapshot.capacity,
      maxConnections: settings.maxConnections,
      superuserReserved: settings.superuserReservedConnections,
      reserved: settings.reservedConnections,
      hidden: snapshot.hidden,
      level: usageLevel(snapshot.used, snapshot.capacity, options.warningRatio ?? 0.8, options.criticalRatio ?? 0.95),
    },
    states: bucketStateCounts(snapshot.byState),
    groups: {
      application: groupSessions(snapshot.sessions, 'application', now, maxRows),
      user: groupSessions(snapshot.sessions, 'user', now, maxRows),
      clientAddress: groupSessions(snapshot.sessions, 'clientAddress', now, maxRows),
      database: groupSessions(snapshot.sessions, 'database', now, maxRows),
    },
    idleInTransaction: iit.slice(0, iitLimit),
    idleInTransactionMore: Math.max(0, iit.length - iitLimit),
    maxConnections: maxConnectionsAdvice(snapshot, state.peak),
    idle: idleAdvice(snapshot, options.thresholds ?? DEFAULT_IDLE_THRESHOLDS),
    pgbouncer: pgBouncerAdvice(snapshot, { peak: state.peak, peakBusy: peakBusy(state.history, snapshot) }),
    notes: roleNotes(snapshot),
    pooler: snapshot.pooler ? poolerAdvice(snapshot.pooler, state.name) : null,
  };
}

export function buildDashboardPayload(state: DatabaseState, options: DashboardOptions = {}): DashboardPayload {
  const range = options.historyRange ?? '1h';
  const windowMs = options.historyWindowMs ?? historyRangeMs(range);
  const maxSamples = options.maxHistorySamples ?? 360;
  const prometheus = options.prometheus;
  let history: HistoryView;
  if (prometheus?.chart) {
    // Prometheus answers for the whole range asked (a step apart): the chart spans it, a missing step is a gap.
    const now = options.now ?? Date.now();
    const stepMs = prometheus.chart.stepMs;
    history = {
      ...historyView(prometheus.chart.points, windowMs, maxSamples, now, { range, retentionDays: options.retentionDays ?? 0, gapMs: 1.5 * stepMs }),
      from: now - windowMs,
      source: { kind: 'prometheus', stepSeconds: Math.round(stepMs / 1000) },
    };
  } else {
    history = historyView(state.history, windowMs, maxSamples, options.now, { range, retentionDays: options.retentionDays ?? 0 });
  }
  const long = prometheus?.week && spanOf(prometheus.week) > spanOf(state.history) ? prometheus.week : state.history;
  return {
    name: state.name,
    status: state.status,
    live: state.snapshot ? liveView(state, state.snapshot, options) : undefined,
    history,
    forecast: { ...forecastCapacity(state.history), longTerm: forecastDailyPeaks(long) },
    peak: Math.max(state.peak, state.snapshot?.used ?? 0),
    application: { findings: options.findings, nodePostgresRetry: NODE_POSTGRES_RETRY, psycopgRetry: PSYCOPG_RETRY },
    ...(options.budget ? { budget: options.budget } : {}),
    ...(prometheus ? { prometheus: prometheus.status } : {}),
    ...(prometheus?.fleet ? { fleet: prometheus.fleet } : {}),
  };
}
