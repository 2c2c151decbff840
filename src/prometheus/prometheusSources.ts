// What the dashboard reads from Prometheus: one connection's usage against capacity over a time
// range (the chart), and every PostgreSQL instance Prometheus knows (the Fleet). Each is a handful of
// range queries — one per metric, never one per instance — over postgres_exporter's standard
// metrics; the series are joined here by their labels.
import * as l10n from '@vscode/l10n';
import { PrometheusClient, RangeSeries } from './prometheusClient';
import { matchesLabels, Selector, withSelector } from './selector';

/** Points asked of Prometheus per range query (the step is the range divided by this). */
export const POINTS_PER_RANGE = 360;

export interface PromSample {
  at: number;
  used: number;
  capacity: number;
  maxConnections: number;
  byState: Record<string, number>;
}

export interface ConnectionSeries {
  samples: PromSample[];
  stepMs: number;
  /** job/instance pairs of the exporters whose series matched. */
  instances: string[];
  /** Set when an exporter whose series matched reports pg_up 0 at the end of the range: it cannot reach PostgreSQL. */
  exporterDown?: { instance: string; since: number | null };
}

export function stepFor(rangeMs: number, minStepMs = 1000): number {
  return Math.max(minStepMs, Math.ceil(rangeMs / POINTS_PER_RANGE / 1000) * 1000);
}

const instanceKey = (labels: Readonly<Record<string, string>>): string => `${labels['job'] ?? ''}/${labels['instance'] ?? ''}`;

/** The last value of each key at or before each timestamp (settings change rarely; a missed step keeps the last). */
function byTime(series: readonly RangeSeries[], key: (l: Record<string, string>) => string): Map<string, Map<number, number>> {
  const out = new Map<string, Map<number, number>>();
  for (const s of series) {
    const k = key(s.labels);
    let m = out.get(k);
    if (!m) out.set(k, (m = new Map()));
    for (const [t, v] of s.points) m.set(t, Math.max(v, m.get(t) ?? -Infinity));
  }
  return out;
}

function lastUp(up: Map<number, number> | undefined): { value: number; since: number | null } | undefined {
  if (!up || up.size === 0) return undefined;
  const times = [...up.keys()].sort((a, b) => a - b);
  const last = times[times.length - 1] as number;
  const value = up.get(last) as number;
  let since: number | null = null;
  for (let i = times.length - 1; i >= 0; i--) {
    if (up.get(times[i] as number) !== value) break;
    since = times[i] as number;
  }
  return { value, since: since === times[0] ? null : since };
}

/**
 * One connection's usage from `start` to `end`: sessions by state (pg_stat_activity_count summed over
 * its databases), capacity from the settings metrics, and pg_up of the exporters behind it.
 */
export async function connectionSeries(client: PrometheusClient, selector: Selector, start: number, end: number, stepMs: number = stepFor(end - start)): Promise<ConnectionSeries> {
  const range = (q: string): Promise<RangeSeries[]> => client.queryRange(q, start, end, stepMs);
  const [activity, maxConn, suReserved, reserved, up] = await Promise.all([
    range(`sum by (job, instance, state) (${withSelector('pg_stat_activity_count', selector)})`),
    range(`max by (job, instance) (${withSelector('pg_settings_max_connections', selector)})`),
    range(`max by (job, instance) (${withSelector('pg_settings_superuser_reserved_connections', selector)})`),
    range(`max by (job, instance) (${withSelector('pg_settings_reserved_connections', selector)})`),
    range('max by (job, instance) (pg_up)'),
  ]);
  // pg_up carries only job and instance: it is this connection's when the selector says so (an
  // instance matcher), or when its exporter's other series matched earlier in the range.
  const upMatched = up.filter((s) => matchesLabels(selector, s.labels));
  const instances = [...new Set([...activity, ...maxConn, ...upMatched].map((s) => instanceKey(s.labels)))].sort();
  const maxBy = byTime(maxConn, () => 'all');
  const suBy = byTime(suReserved, () => 'all');
  const resBy = byTime(reserved, () => 'all');
  const states = new Map<number, Record<string, number>>();
  for (const s of activity) {
    const state = s.labels['state'] ?? 'unknown';
    for (const [t, v] of s.points) {
      let row = states.get(t);
      if (!row) states.set(t, (row = {}));
      row[state] = (row[state] ?? 0) + v;
    }
  }
  const samples: PromSample[] = [];
  let lastMax: number | undefined;
  let lastSu = 0;
  let lastRes = 0;
  for (const t of [...states.keys()].sort((a, b) => a - b)) {
    lastMax = maxBy.get('all')?.get(t) ?? lastMax;
    lastSu = suBy.get('all')?.get(t) ?? lastSu;
    lastRes = resBy.get('all')?.get(t) ?? lastRes;
    if (lastMax === undefined) continue;
    const byState = states.get(t) as Record<string, number>;
    // The exporter lists every state for every database, zeros included.
    for (const k of Object.keys(byState)) if (byState[k] === 0) delete byState[k];
    const used = Object.values(byState).reduce((a, b) => a + b, 0);
    samples.push({ at: t, used, capacity: lastMax - lastSu - lastRes, maxConnections: lastMax, byState });
  }
  const result: ConnectionSeries = { samples, stepMs, instances };
  const upBy = byTime(up, (l) => instanceKey(l));
  for (const instance of instances) {
    const last = lastUp(upBy.get(instance));
    if (last && last.value === 0) {
      result.exporterDown = { instance: instance.split('/').slice(1).join('/'), since: last.since };
      break;
    }
  }
  return result;
}

export interface FleetInstance {
  /** job/instance/server: stable across refreshes. */
  key: string;
  job: string;
  /** The exporter (Prometheus's `instance` label). */
  instance: string;
  /** The PostgreSQL server as the exporter names it (host:port), when it says. */
  server: string | null;
  /** Latest sessions; null when the exporter has no recent value (down, or not scraped lately). */
  used: number | null;
  capacity: number | null;
  maxConnections: number | null;
  /** Highest sessions of the points in the range. */
  peak: number | null;
  /** capacity - used. */
  headroom: number | null;
  /** pg_up at the end of the range; null when Prometheus has no pg_up for it. */
  up: boolean | null;
  /** Time of the latest point (epoch ms). */
  lastSeen: number | null;
}

export interface FleetSeries {
  instances: FleetInstance[];
  rangeMs: number;
  stepMs: number;
}

/** Every PostgreSQL instance Prometheus knows, the least headroom first (those without a number last). */
export async function fleetSeries(client: PrometheusClient, start: number, end: number, stepMs: number = stepFor(end - start)): Promise<FleetSeries> {
  const range = (q: string): Promise<RangeSeries[]> => client.queryRange(q, start, end, stepMs);
  const [activity, maxConn, suReserved, reserved, up] = await Promise.all([
    range('sum by (job, instance, server) (pg_stat_activity_count)'),
    range('max by (job, instance, server) (pg_settings_max_connections)'),
    range('max by (job, instance, server) (pg_settings_superuser_reserved_connections)'),
    range('max by (job, instance, server) (pg_settings_reserved_connections)'),
    range('max by (job, instance) (pg_up)'),
  ]);
  const serverKey = (l: Record<string, string>): string => `${instanceKey(l)}/${l['server'] ?? ''}`;
  const last = (series: readonly RangeSeries[]): Map<string, [number, number]> => {
    const out = new Map<string, [number, number]>();
    for (const s of series) {
      const p = s.points[s.points.length - 1];
      if (p) out.set(serverKey(s.labels), p);
    }
    return out;
  };
  const maxLast = last(maxConn);
  const suLast = last(suReserved);
  const resLast = last(reserved);
  const upLast = new Map<string, number>();
  for (const s of up) {
    const p = s.points[s.points.length - 1];
    if (p) upLast.set(instanceKey(s.labels), p[1]);
  }
  const rows = new Map<string, FleetInstance>();
  const row = (labels: Record<string, string>): FleetInstance => {
    const key = serverKey(labels);
    let r = rows.get(key);
    if (!r) {
      r = { key, job: labels['job'] ?? '', instance: labels['instance'] ?? '', server: labels['server'] ?? null, used: null, capacity: null, maxConnections: null, peak: null, headroom: null, up: null, lastSeen: null };
      rows.set(key, r);
    }
    return r;
  };
  // A value counts as current when it is from the last two steps of the range.
  const fresh = end - 2 * stepMs;
  for (const s of activity) {
    const r = row(s.labels);
    const p = s.points[s.points.length - 1];
    if (p) {
      r.lastSeen = p[0];
      if (p[0] >= fresh) r.used = p[1];
    }
    for (const [, v] of s.points) r.peak = Math.max(r.peak ?? 0, v);
  }
  for (const s of maxConn) row(s.labels);
  for (const r of rows.values()) {
    const m = maxLast.get(r.key);
    if (m) {
      r.maxConnections = m[1];
      r.capacity = m[1] - (suLast.get(r.key)?.[1] ?? 0) - (resLast.get(r.key)?.[1] ?? 0);
    }
    const u = upLast.get(`${r.job}/${r.instance}`);
    r.up = u === undefined ? null : u === 1;
    if (r.up === false) r.used = null;
    if (r.used !== null && r.capacity !== null) r.headroom = r.capacity - r.used;
  }
  // Exporters that never reached their server have pg_up and nothing else.
  const withSeries = new Set([...rows.values()].map((r) => `${r.job}/${r.instance}`));
  for (const s of up) {
    const k = instanceKey(s.labels);
    if (withSeries.has(k)) continue;
    const r = row(s.labels);
    r.up = upLast.get(k) === 1;
  }
  const instances = [...rows.values()].sort(
    (a, b) => (a.headroom ?? Infinity) - (b.headroom ?? Infinity) || (a.server ?? a.instance).localeCompare(b.server ?? b.instance),
  );
  return { instances, rangeMs: end - start, stepMs };
}

/** "postgres_exporter at X cannot reach PostgreSQL (pg_up 0) since …". */
export function exporterDownText(down: { instance: string; since: number | null }): string {
  return down.since === null
    ? l10n.t('postgres_exporter at {0} cannot reach PostgreSQL (pg_up 0): Prometheus has no current numbers for this connection.', down.instance)
    : l10n.t('postgres_exporter at {0} cannot reach PostgreSQL (pg_up 0) since {1}: Prometheus has no current numbers for this connection.', down.instance, new Date(down.since).toISOString().slice(11, 16) + ' UTC');
}
