// Messages between the dashboard panel (extension host) and its webview. Both sides import these
// types; the host validates what the webview sends with `parseWebviewMessage`, because a webview
// is a browser page and its messages are input like any other.
import * as l10n from '@vscode/l10n';
import { MonitorRole, MonitorStatus } from '../postgres/snapshot';
import type { PoolerView } from './poolerView';

export type { PoolerView, PoolerAdviceItem, PoolerPoolRow } from './poolerView';

export const DASHBOARD_VIEW_TYPE = 'pgHealth.dashboard';

/** The <meta> element by which the page hands the webview VS Code's translations (dashboardHtml.ts, webview/dashboard/l10n.ts). */
export const L10N_META_NAME = 'pg-health-l10n';

/** What the webview keeps through getState/setState and what the serializer revives: never a secret. */
export interface DashboardWebviewState {
  connection: string;
  /** The "Who holds the connections" tab last chosen (application, user, clientAddress, database). */
  tab?: string;
  /** How far the page was scrolled, so hiding and showing the panel (or a reload) lands in the same place. */
  scrollY?: number;
  /** The chart's range last picked. */
  historyRange?: HistoryRange;
}

/** The states the dashboard draws; every pg_stat_activity state lands in exactly one bucket. */
export type StateBucket = 'active' | 'idle' | 'idleInTransaction' | 'aborted' | 'other';

export const STATE_BUCKETS: readonly StateBucket[] = ['active', 'idle', 'idleInTransaction', 'aborted', 'other'];

/** A bucket as the dashboard names it: pg_stat_activity's own state names, which stay as PostgreSQL spells them, and "other". */
export function stateLabel(bucket: StateBucket): string {
  switch (bucket) {
    case 'active':
      return 'active';
    case 'idle':
      return 'idle';
    case 'idleInTransaction':
      return 'idle in transaction';
    case 'aborted':
      return 'idle in transaction (aborted)';
    case 'other':
      return l10n.t({ message: 'other', comment: ['Sessions in any state other than active, idle and idle in transaction (which stay as PostgreSQL names them)'] });
  }
}

export type StateCounts = Record<StateBucket, number>;

export type UsageLevel = 'ok' | 'warning' | 'critical';

export interface UsageView {
  used: number;
  /** Slots ordinary users can take: max_connections - superuser-reserved - reserved. */
  capacity: number;
  maxConnections: number;
  superuserReserved: number;
  reserved: number;
  /** Sessions counted in `used` whose details the monitor's role cannot see. */
  hidden: number;
  level: UsageLevel;
}

export type GroupDimension = 'application' | 'user' | 'clientAddress' | 'database';

export interface GroupRow {
  /** Display label; '(empty)' / '(unknown)' when PostgreSQL reports nothing. */
  label: string;
  count: number;
  /** pid of the longest-connected session of the group. */
  oldestPid: number | null;
  /** Seconds since that session connected. */
  oldestSeconds: number | null;
}

export interface IdleInTransactionRow {
  pid: number;
  backendStart: string | null;
  user: string | null;
  application: string | null;
  clientAddress: string | null;
  database: string | null;
  aborted: boolean;
  /** Seconds in the idle-in-transaction state. */
  idleSeconds: number | null;
  transactionSeconds: number | null;
  query: string | null;
  /** Where the last query came from when that function leaks clients ("last query from jobs/invoice-job.js:9, where …"). */
  leak: string | null;
  /** Why Terminate is not offered, when it is not. */
  cannotTerminate: string | null;
}

export interface HistorySample {
  at: number;
  used: number;
  capacity: number;
  maxConnections: number;
  byState: StateCounts;
  /** No data between the previous sample and this one (VS Code closed, polling paused, the database unreachable): the chart breaks here. */
  gapBefore?: boolean;
}

/** The chart's time ranges, picked in the dashboard. */
export type HistoryRange = '1h' | '24h' | '7d';

export const HISTORY_RANGES: readonly HistoryRange[] = ['1h', '24h', '7d'];

export function historyRangeMs(range: HistoryRange): number {
  return range === '7d' ? 7 * 24 * 3_600_000 : range === '24h' ? 24 * 3_600_000 : 3_600_000;
}

export function isHistoryRange(value: unknown): value is HistoryRange {
  return typeof value === 'string' && (HISTORY_RANGES as readonly string[]).includes(value);
}

export interface HistoryView {
  /** Window drawn, epoch ms. */
  from: number;
  to: number;
  /** The range picked (the window may be shorter when the history is younger). */
  range: HistoryRange;
  /** Days the history is kept on disk; 0: only in memory, while VS Code runs. */
  retentionDays: number;
  /** Points the store holds inside the window (samples and minute buckets, before thinning for drawing). */
  pointCount: number;
  /** At most a few hundred samples; each keeps the highest `used` of the stretch it stands for. */
  samples: HistorySample[];
  /** Stretches without data inside the window, wide enough to see. */
  gaps: Array<{ from: number; to: number }>;
  /** Where the points came from: this editor's samples (memory and disk), or Prometheus range queries a step apart. */
  source?: { kind: 'prometheus'; stepSeconds: number };
}

/** What the dashboard says about Prometheus (pgHealth.prometheus.url), when one is configured. No token, ever. */
export interface PrometheusStatusView {
  /** ok: the chart reads Prometheus; the others say why it does not (or not fully). */
  kind: 'loading' | 'ok' | 'error' | 'noSeries' | 'exporterDown';
  /** The server's origin (scheme://host:port). */
  origin: string;
  /** The label matchers used for this connection. */
  selector: string;
  text: string;
}

/** One PostgreSQL instance Prometheus knows. */
export interface FleetRow {
  key: string;
  /** The server as postgres_exporter names it (host:port), else the exporter's instance. */
  label: string;
  /** The exporter (Prometheus's instance label) and its job. */
  instance: string;
  job: string;
  /** host:port of the server, when the exporter's `server` label is one. */
  address: string | null;
  used: number | null;
  capacity: number | null;
  maxConnections: number | null;
  peak: number | null;
  headroom: number | null;
  /** pg_up: false when the exporter cannot reach PostgreSQL. */
  up: boolean | null;
  level: UsageLevel | 'unknown';
  /** The configured connection these series belong to (its selector matches them). */
  connection: string | null;
  /** Not configured, at a host:port that answered: "Add Connection" is offered. */
  canAdd: boolean;
}

export interface FleetView {
  rows: FleetRow[];
  /** The range the peaks cover. */
  range: HistoryRange;
  stepSeconds: number;
  /** Set when Prometheus could not be read for the fleet. */
  error: string | null;
}

export type ForecastKind = 'insufficient' | 'full' | 'rising' | 'stable' | 'falling';

export interface ForecastView {
  kind: ForecastKind;
  /** Connections per minute from the fit; null when there were too few samples. */
  slopePerMinute: number | null;
  /** Minutes until `used` reaches capacity at that rate (rising only). */
  minutesToCapacity: number | null;
  /** Minutes of samples the fit covers. */
  windowMinutes: number;
  text: string;
  /** The daily peaks of the long history (on disk or Prometheus): time to exhaustion over days. */
  longTerm?: LongForecastView;
}

export type LongForecastKind = 'insufficient' | 'full' | 'flat' | 'noisy' | 'rising';

export interface LongForecastView {
  kind: LongForecastKind;
  /** Days until the fitted daily peak reaches capacity (rising, full). */
  days: number | null;
  /** The 80 % interval of that, from the slope's uncertainty. */
  low: number | null;
  high: number | null;
  /** Growth of the daily peaks, connections a day. */
  perDay: number | null;
  /** Days whose peak went into the fit. */
  dailyPeaks: number;
  text: string;
}

export interface MaxConnectionsAdvice {
  /** Whether the observed peak comes close enough to capacity to raise the limit. */
  needed: boolean;
  current: number;
  suggested: number;
  /** `ALTER SYSTEM SET max_connections = N;` */
  statement: string;
  pendingRestart: boolean;
  text: string[];
}

export interface TimeoutSuggestion {
  setting: 'idle_in_transaction_session_timeout' | 'idle_session_timeout';
  /** Current value in ms; 0 = disabled; null when the server lacks the setting. */
  currentMs: number | null;
  /** Statements to run, or null when the current value is already reasonable. */
  statement: string | null;
  text: string;
}

export interface IdleAdvice {
  idleThresholdSeconds: number;
  idleInTransactionThresholdSeconds: number;
  idleBeyond: number;
  idleInTransactionBeyond: number;
  timeouts: TimeoutSuggestion[];
}

export interface PgBouncerAdvice {
  peak: number;
  /** Highest count of sessions holding a transaction (active or idle in transaction) seen. */
  peakBusy: number;
  /** Distinct (user, database) pairs: PgBouncer keeps one pool per pair. */
  pools: number;
  /** Server connections the pools may use in total: part of capacity, the rest is left for admin work. */
  serverBudget: number;
  maxClientConn: number;
  defaultPoolSize: number;
  reservePoolSize: number;
  config: string;
  caveats: string[];
}

export interface ApplicationAdvice {
  /** Analyser findings in the workspace by rule id; undefined when no analysis has run. */
  findings: Record<string, number> | undefined;
  nodePostgresRetry: string;
  psycopgRetry: string;
}

export interface LiveView {
  takenAt: string;
  serverVersion: string;
  role: MonitorRole;
  usage: UsageView;
  states: StateCounts;
  groups: Record<GroupDimension, GroupRow[]>;
  idleInTransaction: IdleInTransactionRow[];
  /** Idle-in-transaction sessions beyond the rows listed. */
  idleInTransactionMore: number;
  maxConnections: MaxConnectionsAdvice;
  idle: IdleAdvice;
  pgbouncer: PgBouncerAdvice;
  /** Plain-language remarks about what the role can see and do. */
  notes: string[];
  /** Set when the monitor reaches the server through a connection pooler: what that means and what to change. */
  pooler: string[] | null;
}

/** One pool the workspace constructs that may connect to this database (issue 18, the pool budget). */
export interface PoolBudgetRow {
  /** `src/db.js:12` */
  place: string;
  /** node-postgres, psycopg2, psycopg_pool, asyncpg, sqlalchemy */
  kind: string;
  /** How the code sets its size: "max 20", "pool_size 5 (default) + max_overflow 10 (default)". */
  how: string;
  /** Connections it may open per process. */
  max: number;
  /** Processes running it (pgHealth.pools.replicas). */
  replicas: number;
  /** max × replicas. */
  total: number;
  applicationName: string | null;
  /** The database the code names; null when the code does not say (counted here as it may be this one). */
  database: string | null;
  /** Sessions with this application_name the server shows now; null without an application_name. */
  now: number | null;
}

export interface PoolBudgetView {
  rows: PoolBudgetRow[];
  /** Connections one process of each pool may open together. */
  perSet: number;
  /** With the replicas: what the pools may open at once. */
  total: number;
  capacity: number;
  /** The budget in a sentence: what the pools may open against capacity, and the room left. */
  summary: string;
  overCapacity: boolean;
}

export interface DashboardPayload {
  name: string;
  status: MonitorStatus;
  /** Undefined until the monitor has taken a first snapshot. */
  live: LiveView | undefined;
  history: HistoryView;
  forecast: ForecastView;
  /** Highest `used` since the store started tracking this database, or in the history read back from disk. */
  peak: number;
  application: ApplicationAdvice;
  /** The pools of the workspace against capacity; undefined before Analyze Workspace found any. */
  budget?: PoolBudgetView;
  /** PgBouncers in front of this server (configured entries of kind "pgbouncer" that hold backends of it). */
  poolers?: PoolerView[];
  /** Set when pgHealth.prometheus.url is. */
  prometheus?: PrometheusStatusView;
  /** Every PostgreSQL instance Prometheus knows, least headroom first (with pgHealth.prometheus.url). */
  fleet?: FleetView;
}

export type HostToWebview =
  | { type: 'state'; payload: DashboardPayload }
  /** The connection is no longer configured. */
  | { type: 'removed'; name: string };

export type ExportFormat = 'json' | 'csv';

export type WebviewToHost =
  | { type: 'ready' }
  | { type: 'terminate'; pid: number; backendStart: string | null }
  /** Go to Code for a session of the current snapshot. */
  | { type: 'goToCode'; pid: number; backendStart: string | null }
  /** Open the constructor of row `index` of the pool budget. */
  | { type: 'openPool'; index: number }
  | { type: 'openTerminateIdlePreview' }
  | { type: 'copy'; text: string }
  | { type: 'export'; format: ExportFormat }
  | { type: 'runAnalyzeWorkspace' }
  | { type: 'openProblems' }
  /** The chart's range picker. */
  | { type: 'historyRange'; range: HistoryRange }
  /** A Fleet row's button: open the dashboard of its connection, or add it as one. */
  | { type: 'fleetInstance'; key: string };

/** Longest text the webview may ask the host to copy (the snippets are a few KB). */
export const MAX_COPY_LENGTH = 100_000;

/** Returns the message when it is well formed, undefined otherwise. */
export function parseWebviewMessage(value: unknown): WebviewToHost | undefined {
  if (typeof value !== 'object' || value === null) return undefined;
  const message = value as Record<string, unknown>;
  switch (message['type']) {
    case 'ready':
    case 'openTerminateIdlePreview':
    case 'runAnalyzeWorkspace':
    case 'openProblems':
      return { type: message['type'] };
    case 'terminate':
    case 'goToCode': {
      const pid = message['pid'];
      const backendStart = message['backendStart'];
      if (typeof pid !== 'number' || !Number.isInteger(pid) || pid <= 0) return undefined;
      if (backendStart !== null && typeof backendStart !== 'string') return undefined;
      return { type: message['type'], pid, backendStart };
    }
    case 'openPool': {
      const index = message['index'];
      if (typeof index !== 'number' || !Number.isInteger(index) || index < 0 || index > 10_000) return undefined;
      return { type: 'openPool', index };
    }
    case 'copy': {
      const text = message['text'];
      if (typeof text !== 'string' || text.length > MAX_COPY_LENGTH) return undefined;
      return { type: 'copy', text };
    }
    case 'historyRange': {
      const range = message['range'];
      return isHistoryRange(range) ? { type: 'historyRange', range } : undefined;
    }
    case 'fleetInstance': {
      const key = message['key'];
      return typeof key === 'string' && key.length > 0 && key.length <= 1000 ? { type: 'fleetInstance', key } : undefined;
    }
    case 'export': {
      const format = message['format'];
      if (format !== 'json' && format !== 'csv') return undefined;
      return { type: 'export', format };
    }
    default:
      return undefined;
  }
}

/** The panel's title, which VS Code restores with the panel. */
export function dashboardTitle(name: string): string {
  return l10n.t('PostgreSQL Health: {0}', name);
}

/** The English title's text around the name: a panel saved in English is restored in any language. */
const ENGLISH_TITLE: readonly [string, string] = ['PostgreSQL Health: ', ''];

/** The text before and after the name in the titles a panel may carry: the display language's and English. */
function titleAffixes(): ReadonlyArray<readonly [string, string]> {
  const marker = '\u0000';
  const parts = dashboardTitle(marker).split(marker);
  const [before = '', after = ''] = parts;
  return parts.length !== 2 || (before === ENGLISH_TITLE[0] && after === ENGLISH_TITLE[1]) ? [ENGLISH_TITLE] : [[before, after], ENGLISH_TITLE];
}

/**
 * Which connection a panel VS Code restores belongs to: the webview's saved state, or else its title.
 * The state can be missing when the window went away before the webview saved it (in the browser the
 * workbench's storage is flushed periodically, not reliably on unload); the title is saved with the tab.
 */
export function restoredConnection(state: unknown, title: string): string | undefined {
  if (isDashboardWebviewState(state)) return state.connection;
  for (const [before, after] of titleAffixes()) {
    if (title.length > before.length + after.length && title.startsWith(before) && title.endsWith(after)) return title.slice(before.length, title.length - after.length);
  }
  return undefined;
}

export function isDashboardWebviewState(value: unknown): value is DashboardWebviewState {
  return (
    typeof value === 'object' &&
    value !== null &&
    typeof (value as Record<string, unknown>)['connection'] === 'string'
  );
}
