// Keeps one dashboard's Prometheus numbers fresh without ever making the refresh wait: view() returns
// what is known and starts the fetches that are due; when one lands, onUpdate() asks for a new push.
// A failed or slow fetch leaves a sentence, and the chart falls back to the editor's own samples.
import * as l10n from '@vscode/l10n';
import { PrometheusClient, PrometheusError } from '../prometheus/prometheusClient';
import { ConnectionSeries, exporterDownText, FleetSeries, connectionSeries, fleetSeries, stepFor } from '../prometheus/prometheusSources';
import { Selector } from '../prometheus/selector';
import { HistoryRange, historyRangeMs, PrometheusStatusView } from './protocol';

export interface FeedInput {
  /** The configured server, or why it cannot be used (a malformed URL). */
  client: PrometheusClient | PrometheusError;
  /** This connection's series, or what is wrong with its prometheusSelector. */
  selector: Selector | string;
  range: HistoryRange;
  now?: number;
}

export interface FeedView {
  status: PrometheusStatusView;
  /** The chart's range, when Prometheus had series for it. */
  chart?: ConnectionSeries;
  /** The last 7 days, for the forecast over days. */
  week?: ConnectionSeries;
  fleet?: FleetSeries | PrometheusError;
}

type Slot = 'chart' | 'week' | 'fleet';

interface Entry<T> {
  key: string;
  at: number;
  value: T | PrometheusError;
}

export interface FeedIntervals {
  /** Re-read the chart of the 1 h range this often; longer ranges every minute. */
  chartMs: number;
  fleetMs: number;
  weekMs: number;
}

export const DEFAULT_FEED_INTERVALS: FeedIntervals = { chartMs: 10_000, fleetMs: 30_000, weekMs: 300_000 };

const WEEK_MS = 7 * 24 * 3_600_000;

function asError(err: unknown): PrometheusError {
  return err instanceof PrometheusError ? err : new PrometheusError('http', err instanceof Error ? err.message : String(err));
}

export class PrometheusFeed {
  /** The latest answer of each kind of read, kept while a newer one loads. */
  private readonly entries = new Map<Slot, Entry<unknown>>();
  private readonly inFlight = new Set<string>();
  private disposed = false;

  constructor(
    private readonly onUpdate: () => void,
    private readonly intervals: FeedIntervals = DEFAULT_FEED_INTERVALS,
  ) {}

  dispose(): void {
    this.disposed = true;
  }

  /** Resolves when no fetch is running (tests and the benchmark wait on it). */
  async settled(timeoutMs = 30_000): Promise<void> {
    const deadline = Date.now() + timeoutMs;
    while (this.inFlight.size > 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
  }

  view(input: FeedInput): FeedView {
    const now = input.now ?? Date.now();
    const { client, selector } = input;
    if (client instanceof PrometheusError) return { status: { kind: 'error', origin: '', selector: '', text: client.message } };
    const origin = client.url.origin;
    const fleet = this.refresh('fleet', `${origin}|${input.range}`, this.intervals.fleetMs, now, () => {
      const rangeMs = historyRangeMs(input.range);
      return fleetSeries(client, now - rangeMs, now, stepFor(rangeMs));
    });
    if (typeof selector === 'string') {
      return { status: { kind: 'error', origin, selector: '', text: l10n.t('prometheusSelector of this connection: {0}', selector) }, ...(fleet ? { fleet } : {}) };
    }
    const rangeMs = historyRangeMs(input.range);
    const chartKey = `${origin}|${selector.text}|${input.range}`;
    const chart = this.refresh('chart', chartKey, input.range === '1h' ? this.intervals.chartMs : Math.max(this.intervals.chartMs, 60_000), now, () =>
      connectionSeries(client, selector, now - rangeMs, now),
    );
    const week = this.refresh('week', `${origin}|${selector.text}`, this.intervals.weekMs, now, () => connectionSeries(client, selector, now - WEEK_MS, now, stepFor(WEEK_MS, 60_000)));
    const base = { origin, selector: `{${selector.text}}` };
    const view: FeedView = { status: { ...base, kind: 'loading', text: l10n.t('Reading Prometheus at {0}…', origin) } };
    if (fleet) view.fleet = fleet;
    if (week && !(week instanceof PrometheusError) && week.samples.length > 0) view.week = week;
    if (chart instanceof PrometheusError) {
      view.status = { ...base, kind: 'error', text: l10n.t("{0} The chart shows this editor's own samples.", chart.message) };
    } else if (chart) {
      if (chart.samples.length > 0) view.chart = chart;
      if (chart.exporterDown) {
        view.status = { ...base, kind: 'exporterDown', text: exporterDownText(chart.exporterDown) };
      } else if (chart.samples.length === 0) {
        view.status = {
          ...base,
          kind: 'noSeries',
          text: l10n.t(
            'Prometheus at {0} has no postgres_exporter series matching {1} in this range: set "prometheusSelector" on this connection in pgHealth.connections (e.g. {2}). The chart shows this editor\'s own samples.',
            origin,
            base.selector,
            '{instance="host:9187"}',
          ),
        };
      } else {
        view.status = { ...base, kind: 'ok', text: l10n.t('From Prometheus at {0}, series {1}, a point every {2} s.', origin, base.selector, Math.round(chart.stepMs / 1000)) };
      }
    }
    return view;
  }

  /** The entry for `key` (kept while a newer one loads); starts a fetch when it is missing, stale or for another key. */
  private refresh<T>(slot: Slot, key: string, maxAgeMs: number, now: number, load: () => Promise<T>): T | PrometheusError | undefined {
    const entry = this.entries.get(slot) as Entry<T> | undefined;
    const due = !entry || entry.key !== key || now - entry.at >= maxAgeMs;
    if (due && !this.inFlight.has(slot)) {
      this.inFlight.add(slot);
      load()
        .then(
          (value) => ({ key, at: now, value }),
          (err: unknown) => ({ key, at: now, value: asError(err) }),
        )
        .then((next) => {
          this.inFlight.delete(slot);
          if (this.disposed) return;
          this.entries.set(slot, next);
          this.onUpdate();
        });
    }
    return entry && entry.key === key ? entry.value : undefined;
  }
}
