// From Prometheus's series to what the dashboard draws: the chart's history (the same HistoryView as
// the local history, a point per step) and the Fleet rows. Pure, like dashboardModel.ts.
import type { HistoryPoint } from '../postgres/store';
import type { ConnectionSeries, FleetSeries } from '../prometheus/prometheusSources';
import { matchesLabels, Selector } from '../prometheus/selector';
import { PrometheusOptions, usageLevel } from './dashboardModel';
import type { FeedView } from './prometheusFeed';
import type { FleetRow, FleetView, HistoryRange } from './protocol';
import { PrometheusError } from '../prometheus/prometheusClient';

export function prometheusPoints(series: ConnectionSeries): HistoryPoint[] {
  return series.samples.map((s) => ({ at: s.at, used: s.used, capacity: s.capacity, maxConnections: s.maxConnections, byState: s.byState }));
}

export interface FleetConnection {
  name: string;
  selector: Selector;
}

export interface FleetOptions {
  range: HistoryRange;
  connections: readonly FleetConnection[];
  /** Whether host:port answered a TCP connect lately (undefined: not known yet). */
  reachable?: (address: string) => boolean | undefined;
  warningRatio?: number;
  criticalRatio?: number;
}

/** host:port of a `server` label, when it is one. */
export function serverAddress(server: string | null): { host: string; port: number } | undefined {
  if (!server) return undefined;
  const m = /^\[?([^\]]+?)\]?:(\d{1,5})$/.exec(server);
  if (!m) return undefined;
  const port = Number(m[2]);
  return port > 0 && port < 65536 ? { host: m[1] as string, port } : undefined;
}

export function fleetView(fleet: FleetSeries, options: FleetOptions): FleetView {
  const rows: FleetRow[] = fleet.instances.map((i) => {
    const labels: Record<string, string> = { job: i.job, instance: i.instance, ...(i.server !== null ? { server: i.server } : {}) };
    const connection = options.connections.find((c) => matchesLabels(c.selector, labels))?.name ?? null;
    const address = serverAddress(i.server);
    const level = i.used === null || i.capacity === null ? 'unknown' : usageLevel(i.used, i.capacity, options.warningRatio ?? 0.8, options.criticalRatio ?? 0.95);
    return {
      key: i.key,
      label: i.server ?? i.instance,
      instance: i.instance,
      job: i.job,
      address: address ? `${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}` : null,
      used: i.used,
      capacity: i.capacity,
      maxConnections: i.maxConnections,
      peak: i.peak,
      headroom: i.headroom,
      up: i.up,
      level,
      connection,
      // A loopback instance is offered when its port answers; another host is never probed from here
      // (no traffic the user did not ask for): it is offered, and Add Connection's own test tells.
      canAdd: connection === null && address !== undefined && (!isLoopback(address.host) || options.reachable?.(`${address.host}:${address.port}`) === true),
    };
  });
  return { rows, range: options.range, stepSeconds: Math.round(fleet.stepMs / 1000), error: null };
}

/** What buildDashboardPayload needs from the feed's latest view. */
export function prometheusOptions(view: FeedView, fleet: FleetOptions): PrometheusOptions {
  const options: PrometheusOptions = { status: view.status };
  if (view.chart) options.chart = { points: prometheusPoints(view.chart), stepMs: view.chart.stepMs };
  if (view.week) options.week = prometheusPoints(view.week);
  if (view.fleet instanceof PrometheusError) options.fleet = { rows: [], range: fleet.range, stepSeconds: 0, error: view.fleet.message };
  else if (view.fleet) options.fleet = fleetView(view.fleet, fleet);
  return options;
}

/** 127.0.0.0/8, ::1 and localhost: the only addresses the Fleet probes. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  return h === 'localhost' || h === '::1' || /^127(?:\.\d{1,3}){3}$/.test(h);
}
