// "PgBouncer in front": for each configured PgBouncer holding backends of this server, its waiting
// clients and maxwait over time, the server connections it holds against the server's capacity, its
// pools and the sizing advice (default_pool_size, max_db_connections, reserve_pool_size). Every
// sentence and label comes worded by the host (view.text, through vscode.l10n.t); the chart is plain
// SVG coloured by CSS classes (no inline style).
import { DashboardPayload, PoolerView } from '../../src/dashboard/protocol';
import { Child, h, replaceContent, svg } from './dom';
import { agoLabel } from './format';
import { badge, button } from './toolkit';
import { post } from './vscodeApi';

const HEIGHT = 140;
const MARGIN = { top: 10, right: 110, bottom: 22, left: 36 };

function secondsText(value: number): string {
  return `${value < 10 ? Math.round(value * 10) / 10 : Math.round(value)} s`;
}

/** Waiting clients as bars, maxwait as a line on its own scale (right-hand label). */
export function poolerChart(view: PoolerView, width = 640): SVGSVGElement | HTMLElement {
  const samples = view.history.samples;
  if (samples.length === 0) return h('p', { class: 'placeholder' }, view.text.noHistory);
  const W = Math.max(320, Math.round(width));
  const plotW = W - MARGIN.left - MARGIN.right;
  const plotH = HEIGHT - MARGIN.top - MARGIN.bottom;
  const span = Math.max(1, view.history.to - view.history.from);
  const topWaiting = Math.max(2, ...samples.map((s) => s.waiting));
  const topWait = Math.max(1, ...samples.map((s) => s.maxwaitSeconds));
  const x = (at: number): number => MARGIN.left + ((at - view.history.from) / span) * plotW;
  const yWaiting = (v: number): number => MARGIN.top + plotH - (v / topWaiting) * plotH;
  const yWait = (v: number): number => MARGIN.top + plotH - (v / topWait) * plotH;
  const chart = svg('svg', {
    class: 'pooler-chart',
    viewBox: `0 0 ${W} ${HEIGHT}`,
    width: W,
    height: HEIGHT,
    role: 'img',
    tabindex: 0,
    'data-testid': 'pooler-chart',
    'aria-label': view.text.chart,
  });
  chart.appendChild(svg('line', { x1: MARGIN.left, x2: MARGIN.left + plotW, y1: yWaiting(0), y2: yWaiting(0), class: 'axis' }));
  for (const tick of [0, topWaiting]) chart.appendChild(svg('text', { x: MARGIN.left - 6, y: yWaiting(tick) + 4, class: 'tick', 'text-anchor': 'end' }, tick));
  const barW = Math.max(1.5, Math.min(8, plotW / Math.max(samples.length, 1) - 1));
  for (const s of samples) {
    if (s.waiting === 0) continue;
    chart.appendChild(svg('rect', { x: (x(s.at) - barW / 2).toFixed(1), y: yWaiting(s.waiting).toFixed(1), width: barW.toFixed(1), height: (yWaiting(0) - yWaiting(s.waiting)).toFixed(1), class: 'waiting-bar' }));
  }
  chart.appendChild(svg('polyline', { points: samples.map((s) => `${x(s.at).toFixed(1)},${yWait(s.maxwaitSeconds).toFixed(1)}`).join(' '), class: 'maxwait-line' }));
  chart.appendChild(svg('text', { x: MARGIN.left + plotW + 4, y: yWait(topWait) + 8, class: 'line-label' }, view.text.maxwaitLegend));
  chart.appendChild(svg('text', { x: MARGIN.left + plotW + 4, y: yWaiting(0), class: 'line-label' }, view.text.waitingLegend));
  for (const [lx, label] of [
    [MARGIN.left, agoLabel(span)],
    [MARGIN.left + plotW, view.text.now],
  ] as Array<[number, string]>) {
    chart.appendChild(svg('text', { x: lx, y: HEIGHT - 6, class: 'tick', 'text-anchor': 'middle' }, label));
  }
  return chart;
}

function poolsTable(view: PoolerView): HTMLElement {
  const head = view.text.columns;
  return h(
    'table',
    { class: 'pooler-pools', 'data-testid': 'pooler-pools' },
    h('thead', {}, h('tr', {}, ...head.map((c) => h('th', { scope: 'col' }, c)))),
    h(
      'tbody',
      {},
      ...view.pools.map((p) =>
        h(
          'tr',
          { 'data-level': p.level },
          h('th', { scope: 'row' }, `${p.database}/${p.user}`),
          h('td', {}, p.poolMode),
          h('td', {}, p.clActive),
          h('td', {}, p.clWaiting),
          h('td', {}, secondsText(p.maxwaitSeconds)),
          h('td', {}, p.svActive),
          h('td', {}, p.svIdle),
          h('td', {}, p.svUsed),
          h('td', {}, p.poolSize ?? '—'),
          h('td', {}, p.level === 'ok' ? view.text.ok : p.signs.join(', ')),
        ),
      ),
    ),
  );
}

function adviceList(view: PoolerView): HTMLElement {
  return h(
    'ul',
    { class: 'pooler-advice', 'data-testid': 'pooler-advice' },
    ...view.advice.map((a) => {
      const line = `${a.setting} = ${a.suggested}`;
      return h(
        'li',
        { 'data-setting': a.setting },
        h('strong', {}, a.setting),
        ' — ',
        a.text,
        a.suggested !== null
          ? h(
              'div',
              { class: 'snippet' },
              h('pre', { 'data-testid': `pooler-suggest-${a.setting}` }, h('code', {}, line)),
              button(view.text.copy, () => post({ type: 'copy', text: line }), { testId: `copy-pooler-${a.setting}`, title: view.text.copyTitle, ariaLabel: `${view.text.copy} ${line}` }),
            )
          : null,
      );
    }),
  );
}

function poolerBlock(view: PoolerView, width: number): Child[] {
  const level = view.level === 'ok' ? null : badge(view.text.levelWord, `pooler-level-${view.name}`);
  return [
    h('h3', {}, `${view.name} — ${view.version} `, level),
    h('p', { 'data-testid': 'pooler-summary', 'data-level': view.level }, view.summary),
    h('p', { 'data-testid': 'pooler-servers' }, view.text.servers),
    poolerChart(view, width),
    poolsTable(view),
    h('h4', {}, view.text.sizing),
    adviceList(view),
  ];
}

export function createPoolersView(): { element: HTMLElement; update(payload: DashboardPayload): void } {
  const body = h('div', {});
  const heading = h('h2', { id: 'poolers-title' });
  const element = h('section', { class: 'card poolers', 'aria-labelledby': 'poolers-title', 'data-testid': 'poolers' }, heading, body);
  element.hidden = true;
  return {
    element,
    update(payload) {
      const poolers = payload.poolers ?? [];
      element.hidden = poolers.length === 0;
      heading.textContent = poolers[0]?.text.heading ?? '';
      const width = body.clientWidth || 640;
      replaceContent(body, poolers.flatMap((p) => poolerBlock(p, width)));
    },
  };
}
