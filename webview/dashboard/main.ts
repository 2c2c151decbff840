// Dashboard webview entry point: builds the page once, then redraws its parts from each payload
// the extension host pushes. It only reads messages and posts requests; it never talks to PostgreSQL.
// First: configures @vscode/l10n with the page's bundle before any module below draws a word.
import { fill } from './l10n';
import * as l10n from '@vscode/l10n';
import { DashboardPayload, dashboardTitle, HISTORY_RANGES, HistoryRange, HostToWebview } from '../../src/dashboard/protocol';
import { MonitorStatus } from '../../src/postgres/snapshot';
import { createAdviceView } from './adviceView';
import { createBudgetView } from './budgetView';
import { h, replaceContent } from './dom';
import { durationLabel, formatTime } from './format';
import { historyChart } from './historyChart';
import { createFleetView } from './fleetView';
import { createPoolersView } from './poolersView';
import { createSessionsView } from './sessionsView';
import { badge, button, registerToolkit } from './toolkit';
import { createUsageView, stateLegend } from './usageView';
import { post, saveConnection, savedState, saveState } from './vscodeApi';

registerToolkit();

function statusText(status: MonitorStatus): string {
  switch (status.kind) {
    case 'live':
      return l10n.t({ message: 'live', comment: ["The monitor's status, on a badge beside the dashboard's title"] });
    case 'idle':
      return l10n.t({ message: 'paused', comment: ["The monitor's status, on a badge beside the dashboard's title"] });
    case 'connecting':
      return l10n.t({ message: 'connecting…', comment: ["The monitor's status, on a badge beside the dashboard's title"] });
    case 'reconnecting':
      return l10n.t({ message: 'reconnecting (attempt {0})', args: [status.attempt], comment: ["The monitor's status, on a badge beside the dashboard's title"] });
    case 'failed':
      return l10n.t({ message: 'failed', comment: ["The monitor's status, on a badge beside the dashboard's title"] });
  }
}

function statusDetail(status: MonitorStatus): string | null {
  if (status.kind === 'reconnecting') {
    return l10n.t('Lost the monitor connection: {0}. Next try in {1} s; the numbers below are the last ones seen.', status.lastError, Math.ceil(status.nextRetryMs / 1000));
  }
  if (status.kind === 'failed') return l10n.t('Cannot monitor this database: {0}', status.reason);
  return null;
}

const title = h('h1', {}, l10n.t('PostgreSQL Health'));
const statusSlot = h('span', { class: 'status' });
const meta = h('p', { class: 'muted meta' });
const banner = h('div', { class: 'banner', role: 'status' });
const notes = h('ul', { class: 'notes' });
const poolerNote = h('div', { class: 'pooler-note', role: 'note', 'data-testid': 'pooler' });
const header = h(
  'header',
  {},
  h('div', { class: 'title-row' }, title, statusSlot),
  meta,
  h(
    'p',
    { class: 'buttons' },
    button(l10n.t('Export JSON'), () => post({ type: 'export', format: 'json' }), { testId: 'export-json', title: l10n.t('Save the current snapshot as JSON') }),
    button(l10n.t('Export CSV'), () => post({ type: 'export', format: 'csv' }), { testId: 'export-csv', title: l10n.t('Save the current sessions as CSV') }),
  ),
  banner,
  poolerNote,
  notes,
);

const usage = createUsageView();
const forecast = h('p', { class: 'forecast', 'data-testid': 'forecast' });
const forecastDays = h('p', { class: 'forecast-days', 'data-testid': 'forecast-days' });
const prometheusStatus = h('p', { class: 'prometheus-status', role: 'status', 'data-testid': 'prometheus-status' });
prometheusStatus.hidden = true;
const historyCount = h('span', { 'data-testid': 'history-point-count' }, '0');
const historyNote = h('p', { class: 'muted' }, historyCount);
const historyBody = h('div', { class: 'history-body' });
const historyLegend = h('div', {});
// Where the user left the panel: a hidden panel's page is discarded and rebuilt when shown again.
const restored = savedState();
let historyRange: HistoryRange = restored?.historyRange ?? '1h';
const rangeLabels: Record<HistoryRange, string> = {
  '1h': l10n.t({ message: '1 h', comment: ["The history chart's range: the last hour"] }),
  '24h': l10n.t({ message: '24 h', comment: ["The history chart's range: the last 24 hours"] }),
  '7d': l10n.t({ message: '7 d', comment: ["The history chart's range: the last 7 days"] }),
};
const historyRanges = h('div', { class: 'history-ranges', role: 'group', 'aria-label': l10n.t('Time range') });
function drawRangePicker(): void {
  replaceContent(
    historyRanges,
    HISTORY_RANGES.map((range) => {
      const b = button(rangeLabels[range], () => pickRange(range), { appearance: range === historyRange ? 'primary' : 'secondary', testId: `history-range-${range}` });
      b.setAttribute('aria-pressed', String(range === historyRange));
      return b;
    }),
  );
}
/** A range picked whose payload has not arrived yet: until it does, the picker shows the pick. */
let pendingRange: HistoryRange | undefined;
function pickRange(range: HistoryRange): void {
  historyRange = range;
  pendingRange = range;
  saveState({ historyRange: range });
  drawRangePicker();
  post({ type: 'historyRange', range });
}
drawRangePicker();
const history = h(
  'section',
  { class: 'card history', 'aria-labelledby': 'history-title' },
  h('h2', { id: 'history-title' }, l10n.t('Over time')),
  forecast,
  forecastDays,
  historyRanges,
  prometheusStatus,
  historyBody,
  historyLegend,
  historyNote,
);
const sessions = createSessionsView({ tab: restored?.tab, onTabChange: (tab) => saveState({ tab }) });
const advice = createAdviceView();
const budget = createBudgetView();
const poolers = createPoolersView();
const fleet = createFleetView();

const app = document.getElementById('app') ?? document.body;
const page = [header, h('div', { class: 'row' }, usage.element, history), fleet.element, poolers.element, sessions.element, budget.element, advice.element];
replaceContent(app, page);

let lastPayload: DashboardPayload | undefined;
let drawnWidth = 0;

/** The chart is drawn at the width it gets, so its labels keep their size in a narrow column. */
function drawHistory(): void {
  if (!lastPayload) return;
  drawnWidth = historyBody.clientWidth;
  replaceContent(historyBody, [historyChart(lastPayload.history, lastPayload.peak, drawnWidth || undefined)]);
}

new ResizeObserver(() => {
  if (historyBody.clientWidth !== drawnWidth) drawHistory();
}).observe(historyBody);

let scrollRestored = restored?.scrollY === undefined;
let scrollTimer: ReturnType<typeof setTimeout> | undefined;
window.addEventListener('scroll', () => {
  if (!scrollRestored) return;
  clearTimeout(scrollTimer);
  scrollTimer = setTimeout(() => saveState({ scrollY: Math.round(window.scrollY) }), 150);
});

function render(payload: DashboardPayload): void {
  // After a 'removed' message the page was replaced; a connection of the same name may come back.
  if (!header.isConnected) replaceContent(app, page);
  saveConnection(payload.name);
  title.textContent = dashboardTitle(payload.name);
  document.title = title.textContent;
  replaceContent(statusSlot, [badge(statusText(payload.status), 'status')]);
  statusSlot.setAttribute('data-status', payload.status.kind);
  const live = payload.live;
  meta.textContent = live
    ? [
        live.pooler ? l10n.t('PostgreSQL {0} through a connection pooler', live.serverVersion) : `PostgreSQL ${live.serverVersion}`,
        live.role.isSuperuser ? l10n.t('role {0} (superuser)', live.role.name) : l10n.t('role {0}', live.role.name),
        l10n.t('snapshot at {0}', formatTime(live.takenAt)),
      ].join(' · ')
    : l10n.t('Waiting for the first snapshot…');
  const detail = statusDetail(payload.status);
  banner.textContent = detail ?? '';
  banner.hidden = detail === null;
  replaceContent(notes, (live?.notes ?? []).map((n) => h('li', {}, n)));
  const pooler = live?.pooler ?? null;
  replaceContent(poolerNote, (pooler ?? []).map((line) => h('p', {}, line)));
  poolerNote.hidden = pooler === null;

  usage.update(payload);
  forecast.textContent = payload.forecast.text;
  forecast.setAttribute('data-kind', payload.forecast.kind);
  const days = payload.forecast.longTerm;
  forecastDays.textContent = days?.text ?? '';
  forecastDays.setAttribute('data-kind', days?.kind ?? 'none');
  forecastDays.hidden = days === undefined;
  prometheusStatus.textContent = payload.prometheus?.text ?? '';
  prometheusStatus.setAttribute('data-kind', payload.prometheus?.kind ?? 'none');
  prometheusStatus.hidden = payload.prometheus === undefined;
  lastPayload = payload;
  drawHistory();
  replaceContent(historyLegend, [stateLegendWithoutCounts()]);
  if (pendingRange === payload.history.range) pendingRange = undefined;
  if (pendingRange === undefined && payload.history.range !== historyRange) {
    historyRange = payload.history.range;
    drawRangePicker();
  }
  historyCount.textContent = String(payload.history.pointCount);
  const span = durationLabel(payload.history.to - payload.history.from);
  const source = payload.history.source;
  const kept = source
    ? fill(l10n.t({ message: '{count} points over the last {span} from Prometheus, one every {step} s.', comment: ['{span} is a duration: "1 h", "7 d"'] }), { count: historyCount, span, step: String(source.stepSeconds) })
    : payload.history.retentionDays > 0
      ? fill(l10n.t({ message: '{count} points over the last {span}, kept on disk for {days} days (recent samples all, older ones one per minute).', comment: ['{span} is a duration: "1 h", "3 d 12 h"'] }), {
          count: historyCount,
          span,
          days: String(payload.history.retentionDays),
        })
      : fill(l10n.t({ message: '{count} samples over the last {span}, kept while VS Code runs.', comment: ['{span} is a duration: "1 h", "30 min"'] }), { count: historyCount, span });
  const gaps = payload.history.gaps.length > 0 ? [' ', l10n.t('Shaded: no data (VS Code closed, polling paused or the database unreachable).')] : [];
  replaceContent(historyNote, [...kept, ...gaps]);
  fleet.update(payload);
  poolers.update(payload);
  sessions.update(payload);
  budget.update(payload);
  advice.update(payload);
  // The first snapshot fills the page: now the saved position exists again.
  if (!scrollRestored) {
    scrollRestored = true;
    window.scrollTo(0, restored?.scrollY ?? 0);
  }
}

/** The chart's legend: the same swatches as the usage bar, without the numbers (they are above). */
function stateLegendWithoutCounts(): HTMLElement {
  const legend = stateLegend(undefined);
  legend.querySelectorAll('[data-testid]').forEach((e) => e.remove());
  legend.setAttribute('aria-label', l10n.t('Chart legend'));
  return legend;
}

function removed(name: string): void {
  replaceContent(app, [h('p', { class: 'placeholder', 'data-testid': 'removed' }, l10n.t('The connection "{0}" is no longer configured.', name))]);
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const message = event.data;
  if (message.type === 'state') render(message.payload);
  else if (message.type === 'removed') removed(message.name);
});

if (restored !== undefined) title.textContent = dashboardTitle(restored.connection);
// The host draws the range the page had before it was hidden or reloaded.
if (historyRange !== '1h') post({ type: 'historyRange', range: historyRange });
post({ type: 'ready' });
