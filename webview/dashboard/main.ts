// Dashboard webview entry point: builds the page once, then redraws its parts from each payload
// the extension host pushes. It only reads messages and posts requests; it never talks to PostgreSQL.
import { DashboardPayload, HostToWebview } from '../../src/dashboard/protocol';
import { MonitorStatus } from '../../src/postgres/snapshot';
import { createAdviceView } from './adviceView';
import { h, replaceContent } from './dom';
import { formatTime } from './format';
import { historyChart } from './historyChart';
import { createPoolersView } from './poolersView';
import { createSessionsView } from './sessionsView';
import { badge, button, registerToolkit } from './toolkit';
import { createUsageView, stateLegend } from './usageView';
import { post, saveConnection, savedState, saveState } from './vscodeApi';

registerToolkit();

function statusText(status: MonitorStatus): string {
  switch (status.kind) {
    case 'live':
      return 'live';
    case 'idle':
      return 'paused';
    case 'connecting':
      return 'connecting…';
    case 'reconnecting':
      return `reconnecting (attempt ${status.attempt})`;
    case 'failed':
      return 'failed';
  }
}

function statusDetail(status: MonitorStatus): string | null {
  if (status.kind === 'reconnecting') return `Lost the monitor connection: ${status.lastError}. Next try in ${Math.ceil(status.nextRetryMs / 1000)} s; the numbers below are the last ones seen.`;
  if (status.kind === 'failed') return `Cannot monitor this database: ${status.reason}`;
  return null;
}

const title = h('h1', {}, 'PostgreSQL Health');
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
    button('Export JSON', () => post({ type: 'export', format: 'json' }), { testId: 'export-json', title: 'Save the current snapshot as JSON' }),
    button('Export CSV', () => post({ type: 'export', format: 'csv' }), { testId: 'export-csv', title: 'Save the current sessions as CSV' }),
  ),
  banner,
  poolerNote,
  notes,
);

const usage = createUsageView();
const forecast = h('p', { class: 'forecast', 'data-testid': 'forecast' });
const historyCount = h('span', { 'data-testid': 'history-point-count' }, '0');
const historyCaption = h('span', {});
const historyBody = h('div', { class: 'history-body' });
const historyLegend = h('div', {});
const history = h(
  'section',
  { class: 'card history', 'aria-labelledby': 'history-title' },
  h('h2', { id: 'history-title' }, 'Over time'),
  forecast,
  historyBody,
  historyLegend,
  h('p', { class: 'muted' }, historyCount, historyCaption),
);
// Where the user left the panel: a hidden panel's page is discarded and rebuilt when shown again.
const restored = savedState();
const sessions = createSessionsView({ tab: restored?.tab, onTabChange: (tab) => saveState({ tab }) });
const advice = createAdviceView();
const poolers = createPoolersView();

const app = document.getElementById('app') ?? document.body;
const page = [header, h('div', { class: 'row' }, usage.element, history), poolers.element, sessions.element, advice.element];
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
  title.textContent = `PostgreSQL Health: ${payload.name}`;
  document.title = title.textContent;
  replaceContent(statusSlot, [badge(statusText(payload.status), 'status')]);
  statusSlot.setAttribute('data-status', payload.status.kind);
  const live = payload.live;
  meta.textContent = live
    ? `PostgreSQL ${live.serverVersion}${live.pooler ? ' through a connection pooler' : ''} · role ${live.role.name}${live.role.isSuperuser ? ' (superuser)' : ''} · snapshot at ${formatTime(live.takenAt)}`
    : 'Waiting for the first snapshot…';
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
  lastPayload = payload;
  drawHistory();
  replaceContent(historyLegend, [stateLegendWithoutCounts()]);
  historyCount.textContent = String(payload.history.pointCount);
  historyCaption.textContent = ` samples over the last ${Math.round((payload.history.to - payload.history.from) / 60_000)} min, kept while VS Code runs.`;
  poolers.update(payload);
  sessions.update(payload);
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
  legend.setAttribute('aria-label', 'Chart legend');
  return legend;
}

function removed(name: string): void {
  replaceContent(app, [h('p', { class: 'placeholder', 'data-testid': 'removed' }, `The connection "${name}" is no longer configured.`)]);
}

window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const message = event.data;
  if (message.type === 'state') render(message.payload);
  else if (message.type === 'removed') removed(message.name);
});

if (restored !== undefined) title.textContent = `PostgreSQL Health: ${restored.connection}`;
post({ type: 'ready' });
