// Connections by state over the picked range (1 h, 24 h, 7 d) as stacked areas, broken where there
// is no data, with the capacity and max_connections lines. Plain SVG coloured by CSS classes, so the theme's chart colours apply and nothing needs an
// inline style (which the CSP forbids).
import * as l10n from '@vscode/l10n';
import { HistorySample, HistoryView, STATE_BUCKETS, stateLabel } from '../../src/dashboard/protocol';
import { h, svg } from './dom';
import { agoLabel, durationLabel } from './format';

/** Drawn at the width it is shown at (one SVG unit = one CSS pixel), so the 11px labels stay 11px. */
const DEFAULT_WIDTH = 800;
const MIN_WIDTH = 320;
const HEIGHT = 220;
const MARGIN = { top: 12, right: 120, bottom: 24, left: 36 };

/** A round number at or above `value` for the top of the axis. */
function niceMax(value: number): number {
  if (value <= 10) return 10;
  const step = 10 ** Math.floor(Math.log10(value));
  for (const m of [1, 2, 2.5, 5, 10]) if (m * step >= value) return m * step;
  return 10 * step;
}

function polylinePoints(samples: readonly HistorySample[], x: (s: HistorySample) => number, y: (s: HistorySample) => number): string {
  return samples.map((s) => `${x(s).toFixed(1)},${y(s).toFixed(1)}`).join(' ');
}

export function historyChart(view: HistoryView, peak: number, width: number = DEFAULT_WIDTH): SVGSVGElement | HTMLElement {
  const samples = view.samples;
  if (samples.length === 0) return h('p', { class: 'placeholder' }, l10n.t('No history yet: points arrive with every refresh.'));
  const WIDTH = Math.max(MIN_WIDTH, Math.round(width));
  const plotW = WIDTH - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const top = niceMax(Math.max(peak, ...samples.map((s) => Math.max(s.maxConnections, s.used))));
  const span = Math.max(1, view.to - view.from);
  const x = (s: HistorySample): number => MARGIN.left + ((s.at - view.from) / span) * plotW;
  const yOf = (value: number): number => MARGIN.top + plotH - (value / top) * plotH;

  const chart = svg('svg', {
    class: 'history-chart',
    viewBox: `0 0 ${WIDTH} ${HEIGHT}`,
    role: 'img',
    // Reached by Tab like the tables, so a screen reader user hears the numbers the picture shows.
    tabindex: 0,
    width: WIDTH,
    height: HEIGHT,
    'aria-label': chartSummary(samples, span),
  });
  chart.appendChild(svg('line', { x1: MARGIN.left, x2: MARGIN.left + plotW, y1: yOf(0), y2: yOf(0), class: 'axis' }));
  for (const tick of [0, top / 2, top]) {
    chart.appendChild(svg('line', { x1: MARGIN.left, x2: MARGIN.left + plotW, y1: yOf(tick), y2: yOf(tick), class: 'grid' }));
    chart.appendChild(svg('text', { x: MARGIN.left - 6, y: yOf(tick) + 4, class: 'tick', 'text-anchor': 'end' }, tick));
  }
  const xLabels: Array<[number, string]> = [
    [MARGIN.left, agoLabel(span)],
    [MARGIN.left + plotW / 2, agoLabel(span / 2)],
    [MARGIN.left + plotW, agoLabel(0)],
  ];
  for (const [lx, label] of xLabels) chart.appendChild(svg('text', { x: lx, y: HEIGHT - 6, class: 'tick', 'text-anchor': 'middle' }, label));

  // Where there is no data the chart shows nothing but a shaded band: a line across it would invent numbers.
  for (const gap of view.gaps) {
    const gx = MARGIN.left + ((Math.max(gap.from, view.from) - view.from) / span) * plotW;
    const gw = Math.max(1, ((Math.min(gap.to, view.to) - Math.max(gap.from, view.from)) / span) * plotW);
    chart.appendChild(
      svg('rect', { x: gx.toFixed(1), y: MARGIN.top, width: gw.toFixed(1), height: plotH, class: 'history-gap', 'data-testid': 'history-gap' }, svg('title', {}, gapTitle(gap.to - gap.from))),
    );
  }

  // Stacked areas, bottom to top in the legend's order, one shape per stretch without a gap.
  const parts = segments(samples);
  for (const segment of parts) {
    const base = segment.map(() => 0);
    for (const bucket of STATE_BUCKETS) {
      const lower = [...base];
      segment.forEach((s, i) => (base[i] = (base[i] ?? 0) + s.byState[bucket]));
      if (segment.every((s) => s.byState[bucket] === 0)) continue;
      const upperPath = segment.map((s, i) => `${x(s).toFixed(1)},${yOf(base[i] ?? 0).toFixed(1)}`);
      const lowerPath = segment.map((s, i) => `${x(s).toFixed(1)},${yOf(lower[i] ?? 0).toFixed(1)}`).reverse();
      // A single sample has no width: draw it as a thin column.
      const d = segment.length === 1 ? columnPath(x(segment[0] as HistorySample), yOf(base[0] ?? 0), yOf(0)) : `M${upperPath.join('L')}L${lowerPath.join('L')}Z`;
      chart.appendChild(svg('path', { d, class: `series area s-${bucket}` }, svg('title', {}, stateLabel(bucket))));
    }
  }

  const last = samples[samples.length - 1] as HistorySample;
  // The limits are settings, not samples: drawn out to the plot's edges (also where a young history
  // has no points yet), but not across a gap, where nobody saw what they were.
  const limitLines = (value: (s: HistorySample) => number, cls: string): void => {
    parts.forEach((segment, i) => {
      const start = i === 0 ? `${MARGIN.left},${yOf(value(segment[0] as HistorySample)).toFixed(1)} ` : '';
      const end = i === parts.length - 1 ? ` ${MARGIN.left + plotW},${yOf(value(last)).toFixed(1)}` : '';
      chart.appendChild(svg('polyline', { points: `${start}${polylinePoints(segment, x, (s) => yOf(value(s)))}${end}`, class: cls }));
    });
  };
  limitLines((s) => s.capacity, 'capacity-line');
  chart.appendChild(svg('text', { x: MARGIN.left + plotW + 4, y: yOf(last.capacity) + 4, class: 'line-label' }, l10n.t('capacity {0}', last.capacity)));
  limitLines((s) => s.maxConnections, 'max-line');
  // Keep the two labels apart when capacity and max_connections are close.
  const maxLabelY = Math.min(yOf(last.maxConnections) + 4, yOf(last.capacity) - 10);
  chart.appendChild(svg('text', { x: MARGIN.left + plotW + 4, y: maxLabelY, class: 'line-label' }, `max_connections ${last.maxConnections}`));
  return chart;
}

/** What the chart shows, in words: now, the highest point and when, the limits. */
export function chartSummary(samples: readonly HistorySample[], span: number): string {
  const last = samples[samples.length - 1] as HistorySample;
  // The latest time it stood at its highest.
  const highest = samples.reduce((best, s) => (s.used >= best.used ? s : best), samples[0] as HistorySample);
  const states = STATE_BUCKETS.filter((b) => last.byState[b] > 0).map((b) => `${last.byState[b]} ${stateLabel(b)}`);
  const when = last.at - highest.at;
  const over = l10n.t({ message: 'Connections by state over the last {0}', args: [durationLabel(span)], comment: ['{0} is a duration: "30 min", "1 h 30 min"'] });
  const now = states.length > 0 ? l10n.t('now {0} of {1} ({2})', last.used, last.capacity, states.join(', ')) : l10n.t('now {0} of {1}', last.used, last.capacity);
  const peak = when > 0 ? l10n.t('highest {0} {1} ago', highest.used, durationLabel(when)) : l10n.t('highest {0}, now', highest.used);
  return `${over}: ${now}; ${peak}; ${l10n.t('capacity {0}, max_connections {1}', last.capacity, last.maxConnections)}`;
}

/** The samples split where a gap lies before one. */
function segments(samples: readonly HistorySample[]): HistorySample[][] {
  const result: HistorySample[][] = [];
  for (const s of samples) {
    const current = result[result.length - 1];
    if (current === undefined || s.gapBefore) result.push([s]);
    else current.push(s);
  }
  return result;
}

function gapTitle(ms: number): string {
  return l10n.t({ message: 'No data for {0}: VS Code was closed, polling was paused, or the database could not be reached', args: [durationLabel(ms)], comment: ['{0} is a duration: "2 h 10 min"'] });
}

function columnPath(cx: number, yTop: number, yBottom: number): string {
  return `M${cx - 1.5},${yTop}L${cx + 1.5},${yTop}L${cx + 1.5},${yBottom}L${cx - 1.5},${yBottom}Z`;
}
